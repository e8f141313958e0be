"""The optional returns columns of the nodes and inventory tables (returns.md):
`accepts_returns` and `return_cost` on nodes, `target` on inventory. A table
whose source lacks them loads exactly as before; one that has them gets them
checked and normalised.

`NodeReturns.of(nodes)` and `stock_targets(inventory)` give the engine these
columns as typed arrays, with the documented defaults where a table lacks a
column."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.arrow import Floats, Ints, Mask, from_numpy, str_list, texts
from engine.arrow import to_numpy as as_numpy
from engine.limits import MONEY, STOCK
from engine.tables.cells import ColumnReader, floats
from engine.tables.table import Table

ACCEPTING_TYPES = ("dc", "store")
"""The node types that take returns in when `accepts_returns` is empty or absent."""


def node_return_columns(read: ColumnReader, kinds: pa.Array[Any]) -> dict[str, pa.Array[Any]]:
    """The returns columns the nodes source has, checked: `accepts_returns` as
    booleans (empty: true for a dc or a store), `return_cost` as floats (empty: 0)."""
    columns: dict[str, pa.Array[Any]] = {}
    if read.has("accepts_returns"):
        columns["accepts_returns"] = from_numpy(read.flag("accepts_returns", accepting(kinds)))
    if read.has("return_cost"):
        columns["return_cost"] = floats(read.number("return_cost", MONEY, default=0.0))
    return columns


def inventory_return_columns(read: ColumnReader) -> dict[str, pa.Array[Any]]:
    """`target` when the inventory source has it: a whole number of units, empty = 0."""
    if not read.has("target"):
        return {}
    return {"target": read.whole("target", STOCK, default=0, note="(empty = 0)")}


def accepting(kinds: pa.Array[Any]) -> Mask:
    """Whether nodes of these types take returns in by default."""
    return as_numpy(pc.is_in(kinds, value_set=texts(ACCEPTING_TYPES)))


@dataclass(frozen=True)
class NodeReturns:
    """Each node's returns columns, row for row with the nodes table; a column
    the table lacks takes its default for every node (accepts: a dc or a store;
    cost: 0)."""

    ids: tuple[str, ...]
    accepts: Mask
    cost: Floats

    @classmethod
    def of(cls, nodes: Table | pa.Table) -> NodeReturns:
        table = nodes.arrow if isinstance(nodes, Table) else nodes
        names = table.column_names
        if "accepts_returns" in names:
            accepts = as_numpy(table["accepts_returns"]).astype(bool)
        else:
            accepts = accepting(table["type"].combine_chunks())
        cost = np.zeros(table.num_rows, dtype=np.float64)
        if "return_cost" in names:
            cost = as_numpy(table["return_cost"]).astype(np.float64)
        return cls(tuple(str_list(table["id"].combine_chunks())), accepts, cost)


def stock_targets(inventory: Table | pa.Table) -> Ints:
    """Each inventory row's target in units, row for row (0 without `target`)."""
    table = inventory.arrow if isinstance(inventory, Table) else inventory
    if "target" not in table.column_names:
        return np.zeros(table.num_rows, dtype=np.int64)
    return as_numpy(table["target"]).astype(np.int64)
