"""The optional promise columns of the nodes and orders tables (promise.md):
`cutoff`, `open_days`, `prep_days` on nodes, `weight_kg` on order lines and
`requested_date` on orders. A table whose source lacks them loads exactly as
before; one that has them gets them checked and normalised.

`NodeCalendar.of(nodes)`, `line_weights(orders)` and `requested_days(orders)`
give the engine these columns as typed arrays, with the documented defaults
where a table lacks a column."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from engine.arrow import Floats, Ints, str_list
from engine.arrow import to_numpy as as_numpy
from engine.limits import WEIGHT, WHOLE_DAYS
from engine.tables.calendar_cells import NO_DAY, clock_times, day_lists, local_dates, parsed_texts
from engine.tables.calendar_text import MON_SAT, parse_clock, parse_date, parse_days
from engine.tables.cells import ColumnReader, whole_numbers
from engine.tables.table import Table

DEFAULT_CUTOFF = 23 * 60 + 59
"""23:59, in minutes after midnight: an order placed before 23:59 local time is
picked that day (engine.promise compares whole minutes, strictly before)."""
DEFAULT_OPEN_DAYS = MON_SAT


def node_calendar_columns(read: ColumnReader) -> dict[str, pa.Array[Any]]:
    """The calendar columns the nodes source has, checked and normalised:
    `cutoff` as `HH:MM`, `open_days` as a canonical day list, `prep_days` as
    int64; an empty cell holds the default."""
    columns: dict[str, pa.Array[Any]] = {}
    if read.has("cutoff"):
        _, columns["cutoff"] = clock_times(read, "cutoff", DEFAULT_CUTOFF)
    if read.has("open_days"):
        _, columns["open_days"] = day_lists(read, "open_days", DEFAULT_OPEN_DAYS)
    if read.has("prep_days"):
        days = read.number("prep_days", WHOLE_DAYS, default=0.0, note="(empty = 0)")
        columns["prep_days"] = whole_numbers(days)
    return columns


def order_promise_columns(read: ColumnReader) -> dict[str, pa.Array[Any] | Floats]:
    """The promise columns the orders source has, checked: `weight_kg` (per unit,
    kg; empty = 0) as floats, `requested_date` as `YYYY-MM-DD` text ('' = none)."""
    columns: dict[str, pa.Array[Any] | Floats] = {}
    if read.has("weight_kg"):
        columns["weight_kg"] = read.number("weight_kg", WEIGHT, default=0.0, note="(empty = 0)")
    if read.has("requested_date"):
        _, dates = local_dates(read, "requested_date", required=False)
        columns["requested_date"] = dates.fill_null("")
    return columns


@dataclass(frozen=True)
class NodeCalendar:
    """Each node's calendar, row for row with the nodes table: the cut-off in
    minutes after midnight, the open days as a 7-bit mask (bit 0 = Monday), the
    preparation days. A column the table lacks takes its default for every node:
    23:59, Mon-Sat, 0."""

    ids: tuple[str, ...]
    cutoff: npt.NDArray[np.int16]
    open_days: npt.NDArray[np.uint8]
    prep_days: Ints

    @classmethod
    def of(cls, nodes: Table | pa.Table) -> NodeCalendar:
        table = nodes.arrow if isinstance(nodes, Table) else nodes
        size = table.num_rows
        names = table.column_names
        cutoff = np.full(size, DEFAULT_CUTOFF, dtype=np.int16)
        if "cutoff" in names:
            cutoff = parsed_texts(table["cutoff"], parse_clock).astype(np.int16)
        open_days = np.full(size, DEFAULT_OPEN_DAYS, dtype=np.uint8)
        if "open_days" in names:
            open_days = parsed_texts(table["open_days"], parse_days).astype(np.uint8)
        prep = np.zeros(size, dtype=np.int64)
        if "prep_days" in names:
            prep = as_numpy(table["prep_days"].combine_chunks()).astype(np.int64)
        ids = tuple(str_list(table["id"].combine_chunks()))
        return cls(ids, cutoff, open_days, prep)


def line_weights(orders: Table | pa.Table) -> Floats:
    """Each line's weight of one unit in kg, row for row (0 without `weight_kg`)."""
    table = orders.arrow if isinstance(orders, Table) else orders
    if "weight_kg" not in table.column_names:
        return np.zeros(table.num_rows, dtype=np.float64)
    return as_numpy(table["weight_kg"].combine_chunks()).astype(np.float64)


def requested_days(orders: Table | pa.Table) -> Ints:
    """Each line's requested date as a day number (days since 1970-01-01), row
    for row; NO_DAY where the order has none (or the table no such column)."""
    table = orders.arrow if isinstance(orders, Table) else orders
    if "requested_date" not in table.column_names:
        return np.full(table.num_rows, NO_DAY, dtype=np.int64)
    return parsed_texts(table["requested_date"], parse_date, missing=NO_DAY)
