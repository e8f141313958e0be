"""The events table: what happens to the network while orders flow (a node goes
offline or comes back, a count corrects stock, stock arrives, capacity changes).

One row per event, `at, kind, node_id, sku, qty, note`; what `sku` and `qty`
mean depends on the kind (see `engine.events`). Rows come back sorted by `at`
(file order on ties); a bad row is rejected with its row number and reason.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from engine.limits import CAPACITY, STOCK
from legacy_tables.cells import ColumnReader, whole_numbers
from legacy_tables.reading import Source, read_source
from legacy_tables.table import Table

EVENT_REQUIRED = ("at", "kind", "node_id")
EVENT_COLUMNS = ("at", "kind", "node_id", "sku", "qty", "note")
EVENT_KINDS = ("node_offline", "node_online", "stock_adjust", "replenish", "capacity_change")
ORDER_KINDS = ("order_cancel", "order_modify", "line_reject", "order_ship")
"""Known since (their rows are the new loader's alone; the reference names them in the
list of kinds so that its messages read the same)."""
NEEDS_SKU = ("stock_adjust", "replenish")


def load_events(
    source: Source, node_ids: Iterable[str] | None = None, timezone: str = "UTC"
) -> Table:
    """Events in time order with their rejects; an `at` without an offset is
    read in `timezone`. `qty` is nullable (empty `capacity_change` = unlimited);
    a count or a receipt is at most STOCK.high units, a capacity CAPACITY.high."""
    raw = read_source(source, "events", EVENT_REQUIRED)
    read = ColumnReader(raw, "events")
    for broken in raw.broken:
        read.log.add_row(broken.row, "", broken.reason)
    at = read.moment("at", timezone)
    kind = read.choice("kind", EVENT_KINDS + ORDER_KINDS)
    nodes = read.identifier("node_id")
    read.known(nodes, "node_id", node_ids, (nodes != "").to_numpy(), "node")
    skus = read.identifier("sku", required=False)
    qty = read.number("qty", STOCK, default=np.nan, note="(or empty)")
    _check_by_kind(read, kind, skus, qty)
    frame = pd.DataFrame(
        {
            "at": at,
            "kind": kind,
            "node_id": nodes,
            "sku": skus,
            "qty": whole_numbers(qty, nullable=True),
            "note": read.free_text("note"),
        }
    )
    for column, values in read.extras(EVENT_COLUMNS).items():
        frame[column] = values
    good = ~read.log.bad(len(frame))
    frame = frame[good]
    order = np.argsort(frame["at"].to_numpy(), kind="stable")
    return Table(frame.iloc[order].reset_index(drop=True), read.log.frame())


def _check_by_kind(read: ColumnReader, kind: pd.Series, skus: pd.Series, qty: np.ndarray) -> None:
    """The columns each kind needs: a SKU to count or receive, a quantity."""
    counted = (kind == "stock_adjust").to_numpy()
    received = (kind == "replenish").to_numpy()
    no_sku = (skus == "").to_numpy()
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
    too_many = (kind == "capacity_change").to_numpy() & (qty > CAPACITY.high)
    read.log.add(too_many, "qty", f"qty must be {CAPACITY.rule} for capacity_change")
