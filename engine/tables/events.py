"""The events table: what happens to the network and to orders while orders flow.

Network events (a node goes offline or comes back, a count corrects stock, stock
arrives, capacity changes) and order events (a cancel, a change of address or
delivery method, a node refusing a line, a parcel leaving). One row per event,
`at, kind, node_id, sku, qty, note, order_id` and, for `order_modify`, the order
fields it changes (`ORDER_CHANGES`); what each column means depends on the kind
(see `engine.events`). Rows come back sorted by `at` (file order on ties); a bad row
is rejected with its row number and reason.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dsl.schema import DELIVERY_METHODS
from engine.arrow import EMPTY, Floats, row_indices, scalar, texts
from engine.arrow import to_numpy as as_numpy
from engine.limits import CAPACITY, LATITUDE, LONGITUDE, STOCK
from engine.tables.cells import ColumnReader, floats, whole_numbers
from engine.tables.ids import KnownIds
from engine.tables.moments import instants
from engine.tables.raw import FrameLayout
from engine.tables.reading import Source, read_source
from engine.tables.table import Table

NETWORK_KINDS = ("node_offline", "node_online", "stock_adjust", "replenish", "capacity_change")
ORDER_KINDS = ("order_cancel", "order_modify", "line_reject", "order_ship")
EVENT_KINDS = NETWORK_KINDS + ORDER_KINDS
NEEDS_SKU = ("stock_adjust", "replenish", "line_reject")
NEEDS_NODE = (*NETWORK_KINDS, "line_reject")
NODE_OPTIONAL = ("order_cancel", "order_modify", "order_ship")
ORDER_CHANGES = (
    "delivery", "collect_node", "dest_lat", "dest_lon", "country", "region", "postal_code",
)  # fmt: skip
"""The order fields an `order_modify` event may change (an empty cell: unchanged)."""
NO_TEXT = pa.nulls(1, pa.string())[0]
"""A null text (made without `pa.scalar`, which loads pandas)."""
EVENT_REQUIRED = ("at", "kind")
EVENT_COLUMNS = ("at", "kind", "node_id", "sku", "qty", "note", "order_id", *ORDER_CHANGES)


def load_events(source: Source, node_ids: KnownIds | None = None, timezone: str = "UTC") -> Table:
    """Events in time order with their rejects; an `at` without an offset is
    read in `timezone`. `qty` is nullable (empty `capacity_change` = unlimited);
    a count or a receipt is at most STOCK.high units, a capacity CAPACITY.high."""
    raw = read_source(source, "events", EVENT_REQUIRED)
    read = ColumnReader(raw, "events")
    for broken in raw.broken:
        read.log.add_row(broken.row, "", broken.reason)
    at = read.moment("at", timezone)
    kind = read.choice("kind", EVENT_KINDS)
    nodes = read.identifier("node_id", required=False)
    if read.has("node_id"):
        read.known("node_id", node_ids, as_numpy(pc.not_equal(nodes, EMPTY)), "node")
    skus = read.identifier("sku", required=False)
    qty = read.number("qty", STOCK, default=np.nan, note="(or empty)")
    orders = read.identifier("order_id", required=False)
    _check_by_kind(read, kind, nodes, skus, qty, orders)
    changes = _order_changes(read, kind, node_ids)
    columns = {
        "at": instants(at),
        "kind": kind,
        "node_id": nodes,
        "sku": skus,
        "qty": whole_numbers(qty, nullable=True),
        "note": read.free_text("note"),
        "order_id": orders,
        **changes,
    }
    extras, kept = read.extras(EVENT_COLUMNS)
    good = np.flatnonzero(~read.log.bad(raw.size))
    positions = good[np.argsort(at[good], kind="stable")]
    layout = FrameLayout(
        nullable_ints=("qty",), kept=kept, originals=raw.originals, positions=positions
    )
    table = pa.table({**columns, **extras}).take(row_indices(positions))
    return Table(table, read.log.rejects(), layout)


def _is(kind: pa.Array[Any], *names: str) -> np.ndarray:
    return as_numpy(pc.is_in(kind, value_set=texts(names)))


def _check_by_kind(
    read: ColumnReader,
    kind: pa.Array[Any],
    nodes: pa.Array[Any],
    skus: pa.Array[Any],
    qty: Floats,
    orders: pa.Array[Any],
) -> None:
    """The columns each kind needs: a node, a SKU to count or receive, a quantity, an
    order id."""
    no_node = as_numpy(pc.equal(nodes, EMPTY))
    no_sku = as_numpy(pc.equal(skus, EMPTY))
    no_order = as_numpy(pc.equal(orders, EMPTY))
    empty_qty = np.isnan(qty) & ~read.log.bad_in("qty", len(qty))
    read.log.add(no_node & ~_is(kind, *NODE_OPTIONAL), "node_id", "node_id is empty")
    read.log.add(
        _is(kind, "stock_adjust") & no_sku,
        "sku",
        "sku is empty; a stock_adjust event names the SKU counted",
    )
    received = _is(kind, "replenish")
    read.log.add(received & no_sku, "sku", "sku is empty; a replenish event names the SKU received")
    read.log.add(
        _is(kind, "line_reject") & no_sku,
        "sku",
        "sku is empty; a line_reject event names the SKU the node cannot ship",
    )
    read.log.add(
        _is(kind, "stock_adjust") & empty_qty,
        "qty",
        "qty is empty; a stock_adjust event gives the new on-hand units",
    )
    read.log.add(
        received & empty_qty, "qty", "qty is empty; a replenish event gives the units received"
    )
    read.log.add(
        received & (qty == 0), "qty", "qty must be a whole number of units > 0 for replenish, got 0"
    )
    cancel = _is(kind, "order_cancel")
    read.log.add(
        cancel & (qty == 0),
        "qty",
        "qty must be a whole number of units > 0 for order_cancel, got 0",
    )
    read.log.add(
        cancel & no_sku & ~empty_qty & ~np.isnan(qty),
        "sku",
        "sku is empty; an order_cancel event with a qty names the SKU cancelled",
    )
    too_many = _is(kind, "capacity_change") & (qty > CAPACITY.high)
    read.log.add(too_many, "qty", f"qty must be {CAPACITY.rule} for capacity_change")
    for name in ORDER_KINDS:
        read.log.add(
            _is(kind, name) & no_order,
            "order_id",
            f"order_id is empty; a {name} event names the order",
        )


def _order_changes(
    read: ColumnReader, kind: pa.Array[Any], node_ids: KnownIds | None
) -> dict[str, Any]:
    """The order fields `order_modify` rows change (null where a cell is empty), checked
    like the orders table's; a modify that changes nothing is a reject."""
    delivery = read.choice("delivery", (*DELIVERY_METHODS, ""), default="")
    collect_node = read.identifier("collect_node", required=False)
    named = as_numpy(pc.not_equal(collect_node, EMPTY))
    if read.has("collect_node"):
        read.known("collect_node", node_ids, named, "node")
    lat = read.number("dest_lat", LATITUDE, default=np.nan, note="(or empty)")
    lon = read.number("dest_lon", LONGITUDE, default=np.nan, note="(or empty)")
    read.log.add(
        np.isnan(lat) != np.isnan(lon),
        "dest_lat",
        "dest_lat and dest_lon go together: give both or neither",
    )
    texts = {name: read.text(name) for name in ("country", "region", "postal_code")}
    changed = as_numpy(pc.not_equal(delivery, EMPTY)) | named | ~np.isnan(lat)
    for values in texts.values():
        changed |= as_numpy(pc.not_equal(values, EMPTY))
    modify = _is(kind, "order_modify")
    read.log.add(
        modify & ~changed,
        "delivery",
        "an order_modify event changes nothing; give a new delivery, collect_node, "
        "dest_lat/dest_lon, country, region or postal_code",
    )
    collect = as_numpy(pc.equal(delivery, scalar("collect")))
    read.log.add(
        modify & collect & ~named,
        "collect_node",
        "collect_node is empty; a change to collect names the store where it is collected",
    )

    def nullable(values: pa.Array[Any]) -> pa.Array[Any]:
        nulled: pa.Array[Any] = pc.if_else(pc.equal(values, EMPTY), NO_TEXT, values)
        return nulled

    return {
        "delivery": nullable(delivery),
        "collect_node": nullable(collect_node),
        "dest_lat": floats(lat),
        "dest_lon": floats(lon),
        **{name: nullable(values) for name, values in texts.items()},
    }
