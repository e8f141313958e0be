"""Orders packed into the arrays `engine.kernel.route_block` reads, routed a block at a
time, and the kernel's output unpacked into a `DecisionBatch`.

A block holds at most `BLOCK` orders of one local day, in routing order. With more than
one block the kernel runs on a worker thread (it releases the interpreter lock): it
routes block k while this thread packs block k + 1 and unpacks block k − 1. One worker
runs the blocks in the order given, so each sees the stock its predecessors left.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from engine import decision_batch as db
from engine import decision_codes as dc
from engine import kernel
from engine.binding import BoundPolicy
from engine.carrier_columns import CarrierColumns
from engine.decision import Decision, Shipment, ShipmentLine, Unfilled
from engine.decision_batch import DecisionBatch
from engine.tables.calendar_text import day_number
from engine.transfers import NOT_COLLECT, CollectColumns, label

if TYPE_CHECKING:
    from concurrent.futures import Future

    from engine.binding import _Table
    from engine.delivery import BoundDelivery
    from engine.order_batch import OrderBatch

BLOCK = 512
"""Orders the kernel routes at once at most (one local day each)."""
_NO_NODES = np.zeros(0, dtype=np.int64)


@dataclass(slots=True)
class MergedLines:
    """A batch's lines with the lines of one SKU in an order merged (quantities added, in
    order of first appearance): what the router routes. Order `i` owns
    `start[i]:start[i + 1]`; each line has its SKU (`code` into the batch's
    `sku_names`), its row of the stock matrix and its units."""

    start: np.ndarray
    code: np.ndarray
    row: np.ndarray
    qty: np.ndarray
    names: list[str]

    @classmethod
    def of(cls, batch: OrderBatch, sku_index: dict[str, int], unknown_row: int) -> MergedLines:
        names = batch.sku_names
        name_rows = np.array([sku_index.get(n, unknown_row) for n in names], dtype=np.int64)
        codes, qty, start = batch.sku_codes, batch.qty, batch.line_start
        if len(start) == 2:  # one order (`route`): a SKU twice is a code twice
            listed = codes.tolist()
            if len(set(listed)) < len(listed):
                return cls._merged(start, codes, qty, names, name_rows)
            return cls(start, codes, name_rows[codes], np.asarray(qty, dtype=np.int64), names)
        counts = np.diff(start)
        if (counts > 1).any():
            order_of = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
            pairs = np.sort(order_of * max(len(names), 1) + codes)
            if (pairs[1:] == pairs[:-1]).any():  # some order names a SKU twice
                return cls._merged(start, codes, qty, names, name_rows)
        return cls(start, codes, name_rows[codes], np.asarray(qty, dtype=np.int64), names)

    @classmethod
    def _merged(
        cls,
        start: np.ndarray,
        codes: np.ndarray,
        qty: np.ndarray,
        names: list[str],
        name_rows: np.ndarray,
    ) -> MergedLines:
        out_start: list[int] = [0]
        out_code: list[int] = []
        out_qty: list[int] = []
        code_list, qty_list, bounds = codes.tolist(), qty.tolist(), start.tolist()
        for i in range(len(bounds) - 1):
            merged: dict[int, int] = {}
            for j in range(bounds[i], bounds[i + 1]):
                merged[code_list[j]] = merged.get(code_list[j], 0) + qty_list[j]
            out_code.extend(merged)
            out_qty.extend(merged.values())
            out_start.append(len(out_code))
        code = np.array(out_code, dtype=np.int64)
        return cls(
            np.array(out_start, dtype=np.int64),
            code,
            name_rows[code],
            np.array(out_qty, dtype=np.int64),
            names,
        )

    def lines_of(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The merged lines of the orders at `positions`, in that order: where each
        order's lines start among them, and their indices."""
        counts = self.start[positions + 1] - self.start[positions]
        line_start = np.zeros(len(positions) + 1, dtype=np.int64)
        np.cumsum(counts, out=line_start[1:])
        lines = np.repeat(self.start[positions] - line_start[:-1], counts) + np.arange(
            int(line_start[-1]), dtype=np.int64
        )
        return line_start, lines

    def skus(self, lines: np.ndarray) -> list[str]:
        """The SKU names of some merged lines."""
        names = self.names
        return [names[code] for code in self.code[lines].tolist()]


def merged_weights(batch: OrderBatch, merged: MergedLines) -> np.ndarray:
    """Each merged line's weight of one unit in kg (`weight_kg`; missing: 0). Lines of
    one SKU merged in an order weigh what its first line says."""

    def weights() -> np.ndarray:
        given: np.ndarray = np.nan_to_num(batch.line_floats("weight_kg"), nan=0.0)
        if len(given) == len(merged.code):  # nothing merged: line for line
            return given
        out: list[float] = []
        bounds, codes = batch.line_start.tolist(), batch.sku_codes.tolist()
        for i in range(len(bounds) - 1):
            first: dict[int, float] = {}
            for j in range(bounds[i], bounds[i + 1]):
                first.setdefault(codes[j], float(given[j]))
            out.extend(first.values())
        return np.array(out, dtype=np.float64)

    found: np.ndarray = batch.derived(("weights", id(merged)), weights)
    return found


@dataclass(slots=True)
class Block:
    """One block packed for the kernel, and the kernel's output."""

    positions: np.ndarray
    """The batch positions of its orders, in routing order."""
    first: np.ndarray
    lines: np.ndarray
    """The merged lines of its orders (indices into the batch's MergedLines), in order."""
    line_start: np.ndarray
    arguments: kernel.Arguments
    out: kernel.Out
    arrivals: kernel.ArrivalArrays | None = None
    """Stock the kernel adds before each order (engine.arrivals.ArrivalCursor.for_block)."""
    promise: tuple[Any, ...] | None = None
    """The carriers' arrays (engine.delivery.BoundDelivery.arrays); None: no carriers."""
    service_names: list[tuple[str, str]] | None = None
    day: dt.date | None = None
    """The local day its orders were placed on (the ruleset's zone), when known."""
    stores: np.ndarray | None = None
    """Per order, its collect store (engine.transfers; None: not known, no collect)."""

    def route(self, **options: Any) -> None:
        """Run the kernel on the block (options: trace, honour_reject, commit)."""
        kernel.route_block(*self.arguments, arrivals=self.arrivals, promise=self.promise,
                           **options)  # fmt: skip


def pack(
    bp: BoundPolicy,
    stock: kernel.Stock,
    network: kernel.NetworkColumns,
    batch: OrderBatch,
    merged: MergedLines,
    positions: np.ndarray,
    first: np.ndarray,
    points: np.ndarray,
    *,
    qty: np.ndarray | None = None,
    prior: np.ndarray | None = None,
    blocked: list[np.ndarray] | None = None,
    delivery: BoundDelivery | None = None,
    day: dt.date | None = None,
    stores: np.ndarray | None = None,
) -> Block:
    """Pack the orders at `positions` of a batch (one local day, routing order) with
    their chain's first strategy `first` and destination unit vectors `points`.
    Re-routes give the units to place (`qty`), the shipments already made (`prior`) and
    the nodes each order may not use (`blocked`). With a `delivery` (carriers), the
    block's local `day` is given too. `stores`: per order its collect store's node
    (engine.transfers.collect_stores; None: no collect order)."""
    line_start, lines = merged.lines_of(positions)
    count, most = len(positions), bp.most_shipments
    size = len(lines)
    out: kernel.Out = (
        np.zeros(count, dtype=np.int64),  # strategies tried
        np.zeros(count, dtype=np.int64),  # shipments made
        np.zeros((count, most), dtype=np.int64),  # their nodes
        np.zeros((count, most), dtype=np.int64),  # their strategies
        np.zeros((size, most), dtype=np.int64),  # units per line and shipment
        np.zeros(size, dtype=np.int64),  # units left per line
        np.zeros(size, dtype=np.uint8),  # short because of a split limit
        np.zeros((count, most, 3), dtype=np.float64),  # km, cost, eta per shipment
    )
    if blocked is None:
        blocked_starts, blocked_nodes = np.zeros(count + 1, dtype=np.int64), _NO_NODES
    else:
        blocked_starts = np.zeros(count + 1, dtype=np.int64)
        np.cumsum([len(b) for b in blocked], out=blocked_starts[1:])
        blocked_nodes = np.concatenate(blocked).astype(np.int64) if blocked else _NO_NODES
    arguments: kernel.Arguments = (
        stock,
        network,
        (
            line_start,
            merged.row[lines],
            merged.qty[lines] if qty is None else qty,
            points,
            first,
            np.zeros(count, dtype=np.int64) if prior is None else prior,
            blocked_starts,
            blocked_nodes,
            np.full(count, NOT_COLLECT, dtype=np.int64) if stores is None else stores,
        ),
        bp.strategies,
        _tables(bp, batch, positions, first),
        out,
    )
    block = Block(positions, first, lines, line_start, arguments, out, day=day, stores=stores)
    if delivery is not None:
        assert day is not None, "routing with carriers needs the block's local day"
        weights = merged_weights(batch, merged)[lines]
        block.promise = delivery.arrays(
            batch, positions, first, bp.chain_index, day, weights, most, bp.depth
        )
        if delivery.delivery.carried:
            block.service_names = delivery.delivery.service_names
    return block


def _tables(
    bp: BoundPolicy, batch: OrderBatch, positions: np.ndarray, first: np.ndarray
) -> kernel.Tables:
    """Per order and chain position, the table rows of `source from`, `keep` and the
    rank keys, with the rows that conditions reading the order gave."""
    source_of, keep_of, column_of = bp.source_of[first], bp.keep_of[first], bp.column_of[first]
    masks, keeps, cols = _BlockRows(bp.masks), _BlockRows(bp.keeps), _BlockRows(bp.cols)
    reads = bp.order_reads
    for i, (position, s) in enumerate(zip(positions.tolist(), first.tolist(), strict=True)):
        for read in reads[s]:
            row = read.row(batch, position)
            if read.what == "source":
                source_of[i, read.position] = masks.row(row)
            elif read.what == "keep":
                keep_of[i, read.position] = keeps.row(row)
            else:
                column_of[i, read.position, read.key] = cols.row(row)
    return source_of, masks.stacked(), keep_of, keeps.stacked(), column_of, cols.stacked()


class _BlockRows:
    """One block's rows of a table: an array given again gets its row again (the arrays
    stay in `rows`, so their ids stay theirs)."""

    def __init__(self, table: _Table):
        self.table = table
        self.rows: list[np.ndarray] = []
        self.by_id: dict[int, int] = {}

    def row(self, values: np.ndarray) -> int:
        index = self.by_id.get(id(values))
        if index is None:
            index = self.by_id[id(values)] = len(self.table.rows) + len(self.rows)
            self.rows.append(values)
        return index

    def stacked(self) -> np.ndarray:
        fixed = self.table.fixed
        return np.vstack([fixed, *self.rows]) if self.rows else fixed


def route_blocks(packed: Iterable[Block]) -> Iterator[Block]:
    """Route packed blocks in turn, yielding each when the kernel is done with it
    (see the module doc for the worker thread)."""
    blocks = iter(packed)
    first = next(blocks, None)
    if first is None:
        return
    second = next(blocks, None)
    if second is None:
        first.route()
        yield first
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kernel") as worker:
        routing = deque([(first, _submit(worker, first))])
        for block in itertools.chain([second], blocks):
            routing.append((block, _submit(worker, block)))
            while routing and (len(routing) > 2 or routing[0][1].done()):
                done, future = routing.popleft()
                future.result()
                yield done
        for done, future in routing:
            future.result()
            yield done


def shortage(bp: BoundPolicy, first: int, tried: int, made: int) -> tuple[int, bool]:
    """The status of an order left short (language.md §5): the `on shortage` of the last
    strategy it reached decides; and whether the order is rejected whole (`reject`:
    nothing it was given is kept)."""
    mode = bp.on_shortage[first][tried]
    if mode == "reject":
        return dc.REJECTED, True
    if mode == "backorder":
        return dc.BACKORDERED, False
    return (dc.PARTIAL if made else dc.REJECTED), False


def decision_of(
    bp: BoundPolicy, block: Block, merged: MergedLines, order_id: str, node_ids: Sequence[str]
) -> Decision:
    """The decision of a routed block of one order, as an object (the single-order path:
    what `unpack` gives, without the columns)."""
    tried, made, nodes, by, takes, left, limited, figures = block.out
    count, first = int(made[0]), int(block.first[0])
    chain = bp.tried[first][int(tried[0])]
    lines = block.lines.tolist()
    skus = merged.skus(block.lines)
    short = left.tolist()
    status, rejecting = dc.ROUTED, False
    if any(short):
        status, rejecting = shortage(bp, first, int(tried[0]), count)
    shipments: tuple[Shipment, ...] = ()
    carriers = None
    if block.service_names is not None:
        carriers = carrier_columns(block, np.ones((1, block.out[2].shape[1]), dtype=bool))
    if not rejecting:
        ids = bp.ids
        collect = collect_columns(block, np.zeros(count, dtype=np.int64), nodes[0, :count],
                                  takes[:, :count].sum(axis=0), figures[0, :count, 2],
                                  carriers)  # fmt: skip
        shipments = tuple(
            Shipment(
                node_ids[int(nodes[0, m])],
                tuple(
                    ShipmentLine(skus[k], int(takes[k, m]))
                    for k in range(len(lines))
                    if takes[k, m] > 0
                ),
                float(figures[0, m, 0]),
                float(figures[0, m, 1]),
                float(figures[0, m, 2]),
                ids[int(by[0, m])],
                None if carriers is None else carriers.carried(m),
                *db.collected(collect, m, node_ids),
            )
            for m in range(count)
        )
    unfilled = []
    for k, units in enumerate(short):
        why = dc.SPLIT_LIMIT if limited[k] else dc.NO_STOCK
        if rejecting:
            reason = dc.REASONS[why] if units else dc.REASONS[dc.REJECTED_WITH_ORDER]
            unfilled.append(Unfilled(skus[k], int(merged.qty[lines[k]]), reason))
        elif units:
            unfilled.append(Unfilled(skus[k], units, dc.REASONS[why]))
    return Decision(
        order_id, dc.STATUSES[status], chain, shipments, tuple(unfilled),
        carriers=block.service_names is not None,
        collect=block.stores is not None and int(block.stores[0]) != NOT_COLLECT,
    )  # fmt: skip


def collect_columns(
    block: Block,
    ship_order: np.ndarray,
    ship_node: np.ndarray,
    ship_units: np.ndarray,
    ship_eta: np.ndarray,
    carriers: CarrierColumns | None,
) -> CollectColumns | None:
    """The collect columns of a routed block's shipments (each of the block's order
    `ship_order`), labelled by `engine.transfers.label`; None: no collect order."""
    stores = block.stores
    if stores is None or not (stores >= 0).any():
        return None
    assert block.day is not None, "labelling collect orders needs the block's local day"
    labels = label(
        block.arguments[1], stores[ship_order], day_number(block.day), ship_node, ship_units,
        ship_eta, None if carriers is None else carriers.promised_day,
    )  # fmt: skip
    return CollectColumns(stores.copy(), *labels)


def carrier_columns(block: Block, taken: np.ndarray) -> CarrierColumns | None:
    """The carrier columns of a routed block's shipments where `taken` (order ×
    shipment slot) holds, in order; None without carriers."""
    if block.service_names is None:
        return None
    assert block.promise is not None
    service, days, co2, capped = block.promise[-1]
    return CarrierColumns(
        service[taken], days[taken][:, 0], days[taken][:, 1], days[taken][:, 2],
        co2[taken], capped[taken].astype(bool), block.service_names,
    )  # fmt: skip


def _submit(worker: ThreadPoolExecutor, block: Block) -> Future[None]:
    return worker.submit(block.route)


def unpack(
    bp: BoundPolicy,
    block: Block,
    batch: OrderBatch,
    merged: MergedLines,
    node_ids: Sequence[str],
) -> DecisionBatch:
    """The decisions of a routed block (language.md §5: the last strategy's `on shortage`
    decides what happens to what is left)."""
    tried, made, nodes, by, takes, left, limited, figures = block.out
    count = len(block.positions)
    line_start = block.line_start
    lines = block.lines
    qty = merged.qty[lines]
    short = left > 0
    any_short = np.add.reduceat(short, line_start[:-1]) > 0 if len(lines) else short
    first_list, tried_list = block.first.tolist(), tried.tolist()
    status = np.full(count, dc.ROUTED, dtype=np.int8)
    rejecting = np.zeros(count, dtype=bool)
    for i in np.flatnonzero(any_short).tolist():
        status[i], rejecting[i] = shortage(bp, first_list[i], tried_list[i], int(made[i]))
    shipments = np.where(rejecting, 0, made)
    line_order = np.repeat(np.arange(count), np.diff(line_start))
    reason = np.where(short, np.where(limited.astype(bool), dc.SPLIT_LIMIT, dc.NO_STOCK), dc.NONE)
    unfilled = left.copy()
    whole = rejecting[line_order]
    unfilled[whole] = qty[whole]
    reason[whole & ~short] = dc.REJECTED_WITH_ORDER
    width = nodes.shape[1]
    taken = np.arange(width)[None, :] < shipments[:, None]
    ship_start = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(shipments, out=ship_start[1:])
    ship_node = nodes[taken]
    carried = (np.arange(width)[None, :] < shipments[line_order][:, None]) & (takes > 0)
    part_line, part_m = np.nonzero(carried)
    part_ship = ship_start[line_order[part_line]] + part_m
    ordered = np.lexsort((part_line, part_ship))
    part_ship, part_line, part_m = part_ship[ordered], part_line[ordered], part_m[ordered]
    part_start = np.zeros(int(ship_start[-1]) + 1, dtype=np.int64)
    np.cumsum(np.bincount(part_ship, minlength=int(ship_start[-1])), out=part_start[1:])
    ids = bp.ids
    chains = [bp.tried[f][t] for f, t in zip(first_list, tried_list, strict=True)]
    positions = block.positions.tolist()
    part_qty = takes[part_line, part_m]
    carriers = carrier_columns(block, taken)
    collect = None
    if block.stores is not None and (block.stores >= 0).any():
        ship_order = np.repeat(np.arange(count), shipments)
        units = np.bincount(part_ship, weights=part_qty, minlength=len(ship_node))
        collect = collect_columns(block, ship_order, ship_node, units.astype(np.int64),
                                  figures[taken][:, 2], carriers)  # fmt: skip
    return DecisionBatch(
        order_ids=[batch.ids[p] for p in positions],
        status=status,
        chains=chains,
        reason=np.zeros(count, dtype=np.int8),
        line_start=line_start,
        line_sku=merged.code[lines],
        sku_names=merged.names,
        line_qty=qty,
        line_unfilled=unfilled,
        line_reason=reason.astype(np.int8),
        ship_start=ship_start,
        ship_node=ship_node,
        ship_strategy=[ids[s] for s in by[taken].tolist()],
        ship_km=figures[taken][:, 0].copy(),
        ship_cost=figures[taken][:, 1].copy(),
        ship_eta=figures[taken][:, 2].copy(),
        part_start=part_start,
        part_line=part_line.astype(np.int64),
        part_qty=part_qty,
        node_ids=node_ids,
        order_rows=block.positions,
        carriers=carriers,
        collect=collect,
    )


def unroutable(
    positions: np.ndarray,
    reasons: np.ndarray,
    chains: list[tuple[str, ...]],
    batch: OrderBatch,
    merged: MergedLines,
    node_ids: Sequence[str],
    service_names: list[tuple[str, str]] | None = None,
) -> DecisionBatch:
    """Decisions for orders no strategy takes up (or with no destination): every unit
    unfilled for that reason. With carriers (`service_names`), they say so (no
    promised date)."""
    line_start, lines = merged.lines_of(positions)
    qty = merged.qty[lines]
    zero = np.zeros(1, dtype=np.int64)
    none = np.zeros(0, dtype=np.int64)
    return DecisionBatch(
        order_ids=[batch.ids[p] for p in positions.tolist()],
        status=np.full(len(positions), dc.UNROUTABLE, dtype=np.int8),
        chains=chains,
        reason=reasons.astype(np.int8),
        line_start=line_start,
        line_sku=merged.code[lines],
        sku_names=merged.names,
        line_qty=qty,
        line_unfilled=qty.copy(),
        line_reason=np.repeat(reasons, np.diff(line_start)).astype(np.int8),
        ship_start=np.zeros(len(positions) + 1, dtype=np.int64),
        ship_node=none,
        ship_strategy=[],
        ship_km=np.zeros(0),
        ship_cost=np.zeros(0),
        ship_eta=np.zeros(0),
        part_start=zero,
        part_line=none,
        part_qty=none,
        node_ids=node_ids,
        order_rows=positions,
        carriers=None if service_names is None else CarrierColumns.empty(0, service_names),
    )
