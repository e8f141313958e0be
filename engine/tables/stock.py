"""Stock tables: inventory at the start of a run, and replenishments during it."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from engine.arrow import EMPTY, Ints, Mask, row_indices
from engine.arrow import to_numpy as as_numpy
from engine.columns import INVENTORY_RETURN_COLUMNS
from engine.limits import RECEIPT, STOCK
from engine.tables.cells import ColumnReader
from engine.tables.ids import KnownIds, repeated_keys
from engine.tables.moments import instants
from engine.tables.raw import FrameLayout
from engine.tables.reading import Source, read_source
from engine.tables.return_columns import inventory_return_columns
from engine.tables.table import Table

INVENTORY_REQUIRED = ("node_id", "sku", "on_hand")
REPLENISHMENT_REQUIRED = ("node_id", "sku", "at", "qty")


def load_inventory(source: Source, node_ids: KnownIds | None = None) -> Table:
    """Stock per node and SKU in file order. A later row repeating a (node_id,
    sku) pair is rejected: the first row counts, nothing is summed. `target` is
    read when the source has it."""
    raw = read_source(source, "inventory", INVENTORY_REQUIRED)
    read = ColumnReader(raw, "inventory")
    for broken in raw.broken:
        read.log.add_row(broken.row, "", broken.reason)
    nodes = read.identifier("node_id")
    read.known("node_id", node_ids, _filled(read, "node_id"), "node")
    skus = read.identifier("sku")
    on_hand = read.whole("on_hand", STOCK)
    targets = inventory_return_columns(read)
    _reject_repeated_pairs(read)
    columns = {"node_id": nodes, "sku": skus, "on_hand": on_hand, **targets}
    contract = (*INVENTORY_REQUIRED, *INVENTORY_RETURN_COLUMNS)
    return _table(read, columns, contract, np.flatnonzero(~read.log.bad(raw.size)))


def load_replenishments(
    source: Source, node_ids: KnownIds | None = None, timezone: str = "UTC"
) -> Table:
    """Stock arriving during a run, sorted by arrival time (file order on ties);
    an `at` without an offset is read in `timezone`."""
    raw = read_source(source, "replenishments", REPLENISHMENT_REQUIRED)
    read = ColumnReader(raw, "replenishments")
    for broken in raw.broken:
        read.log.add_row(broken.row, "", broken.reason)
    nodes = read.identifier("node_id")
    read.known("node_id", node_ids, _filled(read, "node_id"), "node")
    skus = read.identifier("sku")
    at = read.moment("at", timezone)
    qty = read.whole("qty", RECEIPT)
    columns = {"node_id": nodes, "sku": skus, "at": instants(at), "qty": qty}
    order = np.argsort(at, kind="stable")
    _cap_receipts(read, as_numpy(qty), order)
    good = ~read.log.bad(raw.size)
    return _table(read, columns, REPLENISHMENT_REQUIRED, order[good[order]])


def _filled(read: ColumnReader, column: str) -> Mask:
    ids = read.distinct(column)
    return ids.rows(as_numpy(pc.not_equal(ids.values, EMPTY)))


def _table(
    read: ColumnReader,
    columns: dict[str, pa.Array[Any]],
    contract: tuple[str, ...],
    positions: Ints,
) -> Table:
    """The rows at `positions` (in that order) with the extra columns, and the rejects."""
    extras, kept = read.extras(contract)
    table = pa.table({**columns, **extras})
    if len(positions) != table.num_rows or (positions != np.arange(len(positions))).any():
        table = table.take(row_indices(positions))
    layout = FrameLayout(kept=kept, originals=read.raw.originals, positions=positions)
    return Table(table, read.log.rejects(), layout)


def _pairs(read: ColumnReader) -> tuple[Ints, int]:
    """One integer key per (node_id, sku) text pair, and the number of keys. SKUs
    count in their text order, so a file listing each node's SKUs in order (the
    usual export) has increasing keys."""
    nodes, skus = read.distinct("node_id"), read.distinct("sku")
    rank = np.empty(len(skus.values), dtype=np.int64)
    rank[as_numpy(pc.sort_indices(skus.values))] = np.arange(len(skus.values))
    return nodes.codes * len(skus.values) + rank[skus.codes], len(nodes.values) * len(skus.values)


def _reject_repeated_pairs(read: ColumnReader) -> None:
    """A later row repeating a (node_id, sku) pair: the first row counts."""
    keys, space = _pairs(read)
    repeated, first = repeated_keys(keys, space)
    repeated &= _filled(read, "node_id") & _filled(read, "sku")
    if not repeated.any():
        return
    nodes = read.distinct("node_id").texts(repeated)
    skus = read.distinct("sku").texts(repeated)
    rows = read.raw.rows[first[repeated]].tolist()
    read.log.add(
        repeated,
        "sku",
        [
            f"node {n!r} and sku {s!r} already appear on row {r}; only the first row counts"
            for n, s, r in zip(nodes, skus, rows, strict=True)
        ],
    )


def _cap_receipts(read: ColumnReader, qty: Ints, order: Ints) -> None:
    """Reject, in arrival order, each replenishment that takes the units one node
    and SKU receive over the table above STOCK.high: with opening stock within
    STOCK too, no position of a run can come near int64's range."""
    good = ~read.log.bad(read.size)
    if not good.any():
        return
    arrived = order[good[order]]
    keys, _ = _pairs(read)
    received = _running_sums(keys[arrived], qty[arrived])
    over = received > STOCK.high
    if not over.any():
        return
    mask = np.zeros(read.size, dtype=bool)
    mask[arrived[over]] = True
    read.log.add(
        mask,
        "qty",
        f"qty brings the replenishments of this node and SKU above {STOCK.high:,} units "
        "in all, the most one position may hold",
    )


def _running_sums(keys: Ints, units: Ints) -> npt.NDArray[np.int64 | np.float64]:
    """Each row's running total of `units` among the rows of its key (in order).
    Totals are exact integers; past STOCK.high a total only has to stay above it."""
    by_key = np.argsort(keys, kind="stable")
    ordered = units[by_key]
    sorted_keys = keys[by_key]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    if float(ordered.sum(dtype=np.float64)) < 2.0**62:  # one running sum cannot overflow
        running = np.cumsum(ordered)
        before = (running - ordered)[starts]
        totals = running - np.repeat(before, ends - starts)
    else:  # float sums of whole units are exact up to 2^53, far above STOCK.high
        totals = np.empty(len(keys), dtype=np.float64)
        for begin, end in zip(starts.tolist(), ends.tolist(), strict=True):
            totals[begin:end] = np.cumsum(ordered[begin:end], dtype=np.float64)
    received = np.empty(len(keys), dtype=totals.dtype)
    received[by_key] = totals
    return received
