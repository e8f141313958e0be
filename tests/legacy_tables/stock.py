"""Stock tables: inventory at the start of a run, and replenishments during it."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from engine.limits import RECEIPT, STOCK
from legacy_tables.cells import ColumnReader, whole_numbers
from legacy_tables.reading import Source, read_source
from legacy_tables.table import Table

INVENTORY_REQUIRED = ("node_id", "sku", "on_hand")
REPLENISHMENT_REQUIRED = ("node_id", "sku", "at", "qty")


def load_inventory(source: Source, node_ids: Iterable[str] | None = None) -> Table:
    """Stock per node and SKU in file order. A later row repeating a (node_id,
    sku) pair is rejected: the first row counts, nothing is summed."""
    raw = read_source(source, "inventory", INVENTORY_REQUIRED)
    read = ColumnReader(raw, "inventory")
    for broken in raw.broken:
        read.log.add_row(broken.row, "", broken.reason)
    nodes = read.identifier("node_id")
    read.known(nodes, "node_id", node_ids, (nodes != "").to_numpy(), "node")
    skus = read.identifier("sku")
    on_hand = read.number("on_hand", STOCK)

    filled = ((nodes != "") & (skus != "")).to_numpy()
    pair = pd.factorize(nodes)[0].astype(np.int64) * (len(skus) + 1) + pd.factorize(skus)[0]
    repeated = np.ones(len(pair), dtype=bool)
    repeated[np.unique(pair, return_index=True)[1]] = False
    repeated &= filled
    if repeated.any():
        first_row = pd.Series(raw.rows).groupby(pair).transform("first").to_numpy()
        read.log.add(
            repeated,
            "sku",
            [
                f"node {n!r} and sku {s!r} already appear on row {r}; only the first row counts"
                for n, s, r in zip(
                    nodes[repeated], skus[repeated], first_row[repeated], strict=True
                )
            ],
        )
    frame = pd.DataFrame({"node_id": nodes, "sku": skus, "on_hand": whole_numbers(on_hand)})
    for column, values in read.extras(INVENTORY_REQUIRED).items():
        frame[column] = values
    good = ~read.log.bad(len(frame))
    return Table(frame[good].reset_index(drop=True), read.log.frame())


def load_replenishments(
    source: Source, node_ids: Iterable[str] | None = None, timezone: str = "UTC"
) -> Table:
    """Stock arriving during a run, sorted by arrival time (file order on ties);
    an `at` without an offset is read in `timezone`."""
    raw = read_source(source, "replenishments", REPLENISHMENT_REQUIRED)
    read = ColumnReader(raw, "replenishments")
    for broken in raw.broken:
        read.log.add_row(broken.row, "", broken.reason)
    nodes = read.identifier("node_id")
    read.known(nodes, "node_id", node_ids, (nodes != "").to_numpy(), "node")
    skus = read.identifier("sku")
    at = read.moment("at", timezone)
    qty = read.number("qty", RECEIPT)
    frame = pd.DataFrame({"node_id": nodes, "sku": skus, "at": at, "qty": whole_numbers(qty)})
    for column, values in read.extras(REPLENISHMENT_REQUIRED).items():
        frame[column] = values
    order = np.argsort(frame["at"].array.asi8, kind="stable")
    _cap_receipts(read, frame, order)
    good = ~read.log.bad(len(frame))
    order = order[good[order]]
    return Table(frame.iloc[order].reset_index(drop=True), read.log.frame())


def _cap_receipts(read: ColumnReader, frame: pd.DataFrame, order: np.ndarray) -> None:
    """Reject, in arrival order, each replenishment that takes the units one node
    and SKU receive over the table above STOCK.high: with opening stock within
    STOCK too, no position of a run can come near int64's range."""
    good = ~read.log.bad(len(frame))
    if not good.any():
        return
    arrived = order[good[order]]
    pairs = frame["node_id"].iloc[arrived] + "\x00" + frame["sku"].iloc[arrived]
    units = frame["qty"].iloc[arrived].astype("float64")  # exact far beyond STOCK.high
    received = units.groupby(pairs.to_numpy()).cumsum().to_numpy()
    over = received > STOCK.high
    if not over.any():
        return
    mask = np.zeros(len(frame), dtype=bool)
    mask[arrived[over]] = True
    read.log.add(
        mask,
        "qty",
        f"qty brings the replenishments of this node and SKU above {STOCK.high:,} units "
        "in all, the most one position may hold",
    )
