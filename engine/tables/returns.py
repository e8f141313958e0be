"""The returns table (returns.md): one row per returned line; lines sharing a
return_id form one return, and a return with one bad line is rejected whole.

A return is dropped at a store (`method` store: `drop_node` names the store) or
sent from the customer's address (`post`, `courier`: `origin_lat`, `origin_lon`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.arrow import EMPTY, Floats, scalar, texts
from engine.arrow import to_numpy as as_numpy
from engine.columns import RETURN_LEVEL_COLUMNS, RETURN_TABLE_COLUMNS
from engine.limits import LATITUDE, LINE_QTY, LONGITUDE, MONEY
from engine.tables.cells import ColumnReader
from engine.tables.groups import Grouping, RowValues, grouped_table
from engine.tables.ids import KnownIds
from engine.tables.moments import zone
from engine.tables.reading import Source, read_source
from engine.tables.table import Table

__all__ = [
    "RETURN_COLUMNS",
    "RETURN_CONDITIONS",
    "RETURN_METHODS",
    "RETURN_REQUIRED",
    "load_returns",
]

RETURN_COLUMNS = RETURN_TABLE_COLUMNS
RETURN_REQUIRED = ("return_id", "created_at", "method", "sku", "qty", "reason", "condition")
RETURN_METHODS = ("store", "post", "courier")
"""How the customer returns it: dropped at a store, sent by post, picked up by a courier."""
SENT = ("post", "courier")
RETURN_CONDITIONS = ("new", "opened", "damaged")
RETURNS = Grouping("return_id", "return", RETURN_LEVEL_COLUMNS, named=True)


def load_returns(source: Source, node_ids: KnownIds | None = None, timezone: str = "UTC") -> Table:
    """Good returns sorted by created_at then return_id (lines in file order), and
    the rejects; `created_at` without an offset is read in `timezone`, a store
    return's `drop_node` is checked against `node_ids`."""
    zone(timezone)
    raw = read_source(source, "returns", RETURN_REQUIRED)
    read = ColumnReader(raw, "returns")
    ids = read.identifier("return_id")
    order_ids = read.identifier("order_id", required=False)
    created = read.moment("created_at", timezone)
    method = read.choice("method", RETURN_METHODS)
    values: RowValues = {
        "return_id": ids,
        "order_id": order_ids,
        "created_at": created,
        "method": method,
        "drop_node": _drop_node(read, method, node_ids),
        **_origin(read, method),
        "sku": read.identifier("sku"),
        "qty": read.whole("qty", LINE_QTY),
        "reason": _reason(read),
        "condition": read.choice("condition", RETURN_CONDITIONS),
        "unit_price": read.number("unit_price", MONEY, default=0.0),
        "category": read.text("category"),
    }
    return grouped_table(read, RETURNS, values, RETURN_COLUMNS)


def _reason(read: ColumnReader) -> pa.Array[Any]:
    """Why the customer returns it (`damaged`, `wrong_size`...): required text, kept
    as written, at most MAX_TEXT_LENGTH characters and no control character."""
    read.required_text("reason")
    return read.free_text("reason")


def _drop_node(
    read: ColumnReader, method: pa.Array[Any], node_ids: KnownIds | None
) -> pa.Array[Any]:
    """The store a store return was dropped at: required, and a known node. On
    other returns the cell is kept as written and not checked."""
    drop = read.identifier("drop_node", required=False)
    store = as_numpy(pc.equal(method, scalar("store")))
    named = as_numpy(pc.not_equal(drop, EMPTY))
    read.log.add(
        store & ~named,
        "drop_node",
        "drop_node is empty; a store return names the store where it was dropped",
    )
    if read.has("drop_node"):
        read.known("drop_node", node_ids, store & named, "node")
    return drop


def _origin(read: ColumnReader, method: pa.Array[Any]) -> dict[str, Floats]:
    """The customer's address: required for a post or courier return, optional
    (both or neither) for a store return; empty reads as NaN."""
    lat = read.number("origin_lat", LATITUDE, default=np.nan)
    lon = read.number("origin_lon", LONGITUDE, default=np.nan)
    sent = as_numpy(pc.is_in(method, value_set=texts(SENT)))
    unreadable = read.log.bad_in("origin_lat", read.size) | read.log.bad_in("origin_lon", read.size)
    for column, values in (("origin_lat", lat), ("origin_lon", lon)):
        read.log.add(
            sent & np.isnan(values) & ~read.log.bad_in(column, read.size),
            column,
            f"{column} is empty; a post or courier return gives the customer's address "
            "(origin_lat, origin_lon)",
        )
    read.log.add(
        ~sent & (np.isnan(lat) != np.isnan(lon)) & ~unreadable,
        "origin_lat",
        "origin_lat and origin_lon go together: give both or neither",
    )
    return {"origin_lat": lat, "origin_lon": lon}
