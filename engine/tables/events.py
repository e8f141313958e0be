"""The events table: what happens to the network while orders flow (a node goes
offline or comes back, a count corrects stock, stock arrives, capacity changes).

One row per event, `at, kind, node_id, sku, qty, note`; what `sku` and `qty`
mean depends on the kind (see `engine.events`). Rows come back sorted by `at`
(file order on ties); a bad row is rejected with its row number and reason.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.arrow import EMPTY, Floats, row_indices, scalar
from engine.arrow import to_numpy as as_numpy
from engine.limits import CAPACITY, STOCK
from engine.tables.cells import ColumnReader, whole_numbers
from engine.tables.ids import KnownIds
from engine.tables.moments import instants
from engine.tables.raw import FrameLayout
from engine.tables.reading import Source, read_source
from engine.tables.table import Table

EVENT_REQUIRED = ("at", "kind", "node_id")
EVENT_COLUMNS = ("at", "kind", "node_id", "sku", "qty", "note")
EVENT_KINDS = ("node_offline", "node_online", "stock_adjust", "replenish", "capacity_change")
NEEDS_SKU = ("stock_adjust", "replenish")


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
    nodes = read.identifier("node_id")
    read.known("node_id", node_ids, as_numpy(pc.not_equal(nodes, EMPTY)), "node")
    skus = read.identifier("sku", required=False)
    qty = read.number("qty", STOCK, default=np.nan, note="(or empty)")
    _check_by_kind(read, kind, skus, qty)
    columns = {
        "at": instants(at),
        "kind": kind,
        "node_id": nodes,
        "sku": skus,
        "qty": whole_numbers(qty, nullable=True),
        "note": read.free_text("note"),
    }
    extras, kept = read.extras(EVENT_COLUMNS)
    good = np.flatnonzero(~read.log.bad(raw.size))
    positions = good[np.argsort(at[good], kind="stable")]
    layout = FrameLayout(
        nullable_ints=("qty",), kept=kept, originals=raw.originals, positions=positions
    )
    table = pa.table({**columns, **extras}).take(row_indices(positions))
    return Table(table, read.log.rejects(), layout)


def _check_by_kind(
    read: ColumnReader, kind: pa.Array[Any], skus: pa.Array[Any], qty: Floats
) -> None:
    """The columns each kind needs: a SKU to count or receive, a quantity."""
    counted = as_numpy(pc.equal(kind, scalar("stock_adjust")))
    received = as_numpy(pc.equal(kind, scalar("replenish")))
    no_sku = as_numpy(pc.equal(skus, EMPTY))
    empty_qty = np.isnan(qty) & ~read.log.bad_in("qty", len(qty))
    read.log.add(
        counted & no_sku, "sku", "sku is empty; a stock_adjust event names the SKU counted"
    )
    read.log.add(received & no_sku, "sku", "sku is empty; a replenish event names the SKU received")
    read.log.add(
        counted & empty_qty, "qty", "qty is empty; a stock_adjust event gives the new on-hand units"
    )
    read.log.add(
        received & empty_qty, "qty", "qty is empty; a replenish event gives the units received"
    )
    read.log.add(
        received & (qty == 0), "qty", "qty must be a whole number of units > 0 for replenish, got 0"
    )
    too_many = as_numpy(pc.equal(kind, scalar("capacity_change"))) & (qty > CAPACITY.high)
    read.log.add(too_many, "qty", f"qty must be {CAPACITY.rule} for capacity_change")
