"""The orders table: one row per order line; lines sharing an order_id form one
order, and an order with one bad line is rejected whole."""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc

from dsl.schema import DELIVERY_METHODS
from engine.arrow import EMPTY, scalar
from engine.arrow import to_numpy as as_numpy
from engine.columns import LINE_PROMISE_COLUMNS, ORDER_PROMISE_COLUMNS
from engine.columns import ORDER_LEVEL_COLUMNS as ORDER_LEVEL
from engine.columns import ORDER_TABLE_COLUMNS as ORDER_COLUMNS
from engine.limits import DAYS, LATITUDE, LINE_QTY, LONGITUDE, MONEY, computed_field_problem
from engine.tables.cells import ColumnReader
from engine.tables.groups import Grouping, RowValues, grouped_table
from engine.tables.ids import KnownIds
from engine.tables.moments import zone
from engine.tables.promise_columns import order_promise_columns
from engine.tables.reading import RawTable, Source, TableError, read_source
from engine.tables.table import Table

__all__ = ["DEFAULT_TIER", "ORDER_COLUMNS", "ORDER_REQUIRED", "load_orders"]

ORDER_REQUIRED = (
    "order_id",
    "created_at",
    "channel",
    "delivery",
    "dest_lat",
    "dest_lon",
    "sku",
    "qty",
)
DEFAULT_TIER = "standard"
ORDERS = Grouping("order_id", "order", (*ORDER_LEVEL, *ORDER_PROMISE_COLUMNS))


def load_orders(source: Source, node_ids: KnownIds | None = None, timezone: str = "UTC") -> Table:
    """Good orders sorted by created_at then order_id (lines in file order), and
    the rejects; `created_at` without an offset is read in `timezone`."""
    zone(timezone)
    raw = read_source(source, "orders", ORDER_REQUIRED)
    _refuse_computed_columns(raw)
    read = ColumnReader(raw, "orders")
    ids = read.identifier("order_id")
    created = read.moment("created_at", timezone)
    channel = read.required_text("channel")
    delivery = read.choice("delivery", DELIVERY_METHODS)
    collect = as_numpy(pc.equal(delivery, scalar("collect")))
    collect_node = read.identifier("collect_node", required=False)
    named = as_numpy(pc.not_equal(collect_node, EMPTY))
    read.log.add(
        collect & ~named,
        "collect_node",
        "collect_node is empty; a collect order must name the store where it is collected",
    )
    if read.has("collect_node"):
        read.known("collect_node", node_ids, collect & named, "node")
    tier = read.text("tier")
    values: RowValues = {
        "order_id": ids,
        "created_at": created,
        "channel": channel,
        "delivery": delivery,
        "collect_node": collect_node,
        "tier": pc.if_else(pc.equal(tier, EMPTY), scalar(DEFAULT_TIER), tier),
        "dest_lat": read.number("dest_lat", LATITUDE),
        "dest_lon": read.number("dest_lon", LONGITUDE),
        "country": read.text("country"),
        "region": read.text("region"),
        "postal_code": read.text("postal_code"),
        "promised_days": read.number("promised_days", DAYS, default=np.nan, note="(or empty)"),
        "sku": read.identifier("sku"),
        "qty": read.whole("qty", LINE_QTY),
        "unit_price": read.number("unit_price", MONEY, default=0.0),
        "category": read.text("category"),
        **order_promise_columns(read),
    }
    contract = (*ORDER_COLUMNS, *ORDER_PROMISE_COLUMNS, *LINE_PROMISE_COLUMNS)
    return grouped_table(read, ORDERS, values, contract)


def _refuse_computed_columns(raw: RawTable) -> None:
    """A column named like a value the engine computes (order.value, ...) would
    override it: the whole table is refused, naming the column."""
    for column in raw.columns:
        problem = computed_field_problem(column)
        if problem is not None:
            raise TableError(f"{raw.name}: column {column!r}: {problem}")
