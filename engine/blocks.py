"""Orders packed into the arrays that `engine.kernel.route_block` reads, and
its results unpacked into Decisions.

`KernelPolicy` turns a router's bound strategies into arrays once: rank keys
as codes, `otherwise use` as strategy indices, and every node mask, `keep`
vector and node-valued rank key that reads only node fields as a row of a
table. What reads the order too (`source from node.id == order.collect_node`)
is evaluated per order when a block is packed and appended to the tables.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from engine import kernel
from engine.decision import Decision, Shipment, ShipmentLine
from engine.expressions import plain_order_fields
from engine.model import merged_lines
from engine.outcome import decide

_MEMO_LIMIT = 4096
_METRICS = {
    "shipments": kernel.SHIPMENTS,
    "distance": kernel.DISTANCE,
    "cost": kernel.COST,
    "stock": kernel.STOCK,
    "load": kernel.LOAD,
}


class _Table:
    """Rows of node values for the kernel that read only node fields, made once."""

    def __init__(self, first: np.ndarray):
        self.rows = [first]
        self.fixed = first[None, :]

    def add(self, row: np.ndarray) -> int:
        self.rows.append(row)
        self.fixed = np.vstack(self.rows)
        return len(self.rows) - 1


class _BlockRows:
    """One block's rows of a table: an array given again (see _by_values) gets
    its row again. The arrays stay in `rows`, so their ids stay theirs."""

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


class KernelPolicy:
    """A router's strategies as the kernel's arrays (see engine.kernel)."""

    def __init__(self, policy, bound: dict, network):
        strategies = policy.strategies
        count = len(network)
        self.index = {st.id: i for i, st in enumerate(strategies)}
        self.ids = [st.id for st in strategies]
        following = [-1 if st.otherwise is None else self.index[st.otherwise] for st in strategies]
        limits = [bound[st.id].half_limit for st in strategies]
        width = max(1, max(len(bound[st.id].keys) for st in strategies))
        self.kinds = np.full((len(strategies), width), -1, dtype=np.int64)
        self.descending = np.zeros((len(strategies), width), dtype=np.bool_)
        self.strategies = (
            np.array(following, dtype=np.int64),
            np.array([st.split for st in strategies], dtype=np.int64),
            np.array([math.inf if h is None else h for h in limits], dtype=np.float64),
            np.array([st.on_shortage == "reject" for st in strategies], dtype=np.bool_),
            self.kinds,
            self.descending,
        )
        sphere = network.sphere
        self.network = (
            sphere.x, sphere.y, sphere.z, network.pick_cost, network.ship_cost_base,
            network.ship_cost_per_km, network.handling_days,
        )  # fmt: skip
        self.node_ids = network.ids
        self.most_shipments = int(min(max(max(st.split for st in strategies), 1), max(count, 1)))
        """Shipments an order can get at most: the largest split limit."""
        self.masks = _Table(np.ones(count, dtype=np.bool_))  # row 0: every node
        self.keeps = _Table(np.zeros(count, dtype=np.int64))
        self.cols = _Table(np.zeros(count, dtype=np.float64))  # row 0: unused
        slots = [self._slots(s, bound[st.id], width) for s, st in enumerate(strategies)]
        self._chains(policy, slots, width)

    def _slots(self, s: int, b, width: int) -> tuple:
        """Strategy `s`'s rows of the tables — source, keep (-1: none), one per
        rank key — and what must be evaluated per order instead."""
        dynamic = []
        source = 0
        if b.source is not None:
            if b.source.dynamic is None:
                source = self.masks.add(b.source.static)
            else:
                reads = plain_order_fields(b.source.expr)
                dynamic.append(("source", 0, _by_values(b.source_for, reads)))
        keep = -1
        if b.keep_masks:
            if b.static_keep is not None:
                keep = self.keeps.add(b.static_keep)
            else:
                reads = [plain_order_fields(mask.expr) for _, mask in b.keep_masks]
                fields = None if None in reads else sorted({f for r in reads for f in r})
                dynamic.append(("keep", 0, _by_values(b.keep_for, fields)))
        columns = np.zeros(width, dtype=np.int64)
        for k, key in enumerate(b.keys):
            spec = key.spec
            self.descending[s, k] = spec.descending
            if spec.kind == "metric":
                self.kinds[s, k] = _METRICS[spec.name]
                continue
            self.kinds[s, k] = kernel.COLUMN
            if spec.kind == "field":
                columns[k] = self.cols.add(_oriented_field(key.values, spec.descending))
            elif key.mask.dynamic is None:
                columns[k] = self.cols.add(_oriented_mask(key.mask.static, spec.descending))
            else:
                column = _mask_column(key.mask, spec.descending)
                reads = plain_order_fields(key.mask.expr)
                dynamic.append(("column", k, _by_values(column, reads)))
        return source, keep, columns, dynamic

    def _chains(self, policy, slots: list[tuple], width: int) -> None:
        """Per primary strategy, its chain: the ids tried, the `on shortage` that
        decides, and per chain position the table rows (and what reads the order)."""
        chains = [policy.chain(st) for st in policy.strategies]
        depth = max(len(chain) for chain in chains)
        self.tried = [[tuple(st.id for st in chain[:n]) for n in range(len(chain) + 1)]
                      for chain in chains]  # fmt: skip
        """Per primary strategy and number of strategies tried: their ids."""
        self.on_shortage = [["partial"] + [st.on_shortage for st in chain] for chain in chains]
        """Per primary strategy and number of strategies tried: the last one's `on shortage`."""
        self.source_of = np.zeros((len(chains), depth), dtype=np.int64)
        self.keep_of = np.full((len(chains), depth), -1, dtype=np.int64)
        self.column_of = np.zeros((len(chains), depth, width), dtype=np.int64)
        self.dynamic: list[list[tuple[int, str, int, object]]] = []
        for s, chain in enumerate(chains):
            reads_order = []
            for j, st in enumerate(chain):
                source, keep, columns, dynamic = slots[self.index[st.id]]
                self.source_of[s, j] = source
                self.keep_of[s, j] = keep
                self.column_of[s, j] = columns
                reads_order.extend((j, what, k, value) for what, k, value in dynamic)
            self.dynamic.append(reads_order)


def _oriented_field(values: np.ndarray, descending: bool) -> np.ndarray:
    # As ranking.column: a missing value (+inf) sorts last in both directions.
    return np.where(np.isinf(values), math.inf, -values) if descending else values


def _oriented_mask(mask: np.ndarray, descending: bool) -> np.ndarray:
    values = mask.astype(np.float64)
    return -values if descending else values


def _mask_column(mask, descending: bool):
    return lambda order: _oriented_mask(mask.for_order(order), descending)


def _by_values(function, fields):
    """`function(order)` remembered per values of the order `fields` it reads
    (plain_order_fields; None: not remembered). Orders alike then share one
    array, and a block packs it once."""
    if fields is None:
        return function
    memo: dict[tuple, np.ndarray] = {}

    def remembered(order):
        key = tuple([order.get(name) for name in fields])
        try:
            return memo[key]
        except KeyError:
            pass
        except TypeError:  # a value that cannot be a key (a list)
            return function(order)
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        value = memo[key] = function(order)
        return value

    return remembered


@dataclass(slots=True)
class Block:
    """One block of orders packed for the kernel, and the kernel's output."""

    items: list
    starts: list[int]
    qty: list[int]
    skus: list[tuple[str, ...]]
    arguments: tuple
    out: tuple


def pack(router, kp: KernelPolicy, items, points: np.ndarray, used_today: np.ndarray) -> Block:
    """Pack `items` — (order, primary strategy index) of one local day, in routing
    order, `points[i]` the unit vector of order i's destination."""
    starts, rows, qty, skus = _lines(items, router.inventory)
    first = np.array([s for _, s in items], dtype=np.int64)
    count, most = len(items), kp.most_shipments
    out = (
        np.zeros(count, dtype=np.int64),  # strategies tried
        np.zeros(count, dtype=np.int64),  # shipments made
        np.zeros((count, most), dtype=np.int64),  # their nodes
        np.zeros((count, most), dtype=np.int64),  # their strategies
        np.zeros((len(qty), most), dtype=np.int64),  # units per line and shipment
        np.zeros(len(qty), dtype=np.int64),  # units left per line
        np.zeros(len(qty), dtype=np.bool_),  # short because of a split limit
        np.zeros((count, most, 3), dtype=np.float64),  # km, cost, eta per shipment
    )
    arguments = (
        (router.inventory.free, used_today, router.capacity, router.offline),
        kp.network,
        (np.array(starts), np.array(rows, dtype=np.int64), np.array(qty), points, first),
        kp.strategies,
        _tables(kp, items, first),
        out,
    )
    return Block(items, starts, qty, skus, arguments, out)


def route_blocks(kp: KernelPolicy, blocks: Iterable[Block]) -> Iterator[list[Decision]]:
    """Route packed blocks in turn and yield each one's decisions.

    The kernel releases the interpreter lock, so with more than one block it
    runs on a worker thread: it routes a block while this thread packs the next
    one and builds the decisions of the one before. One worker runs the blocks
    in the order given, so each still sees the stock its predecessors left."""
    blocks = iter(blocks)
    first = next(blocks, None)
    if first is None:
        return
    second = next(blocks, None)
    if second is None:
        kernel.route_block(*first.arguments)
        yield _decisions(kp, first)
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kernel") as worker:
        routing = deque([(first, worker.submit(kernel.route_block, *first.arguments))])
        for block in itertools.chain([second], blocks):
            routing.append((block, worker.submit(kernel.route_block, *block.arguments)))
            while routing and (len(routing) > 2 or routing[0][1].done()):
                done, future = routing.popleft()
                future.result()
                yield _decisions(kp, done)
        for done, future in routing:
            future.result()
            yield _decisions(kp, done)


def _lines(items, inventory):
    """The orders' lines, lines of one SKU merged: where each order starts, stock
    rows, units, and each order's SKUs."""
    sku_index, unknown = inventory.sku_index, len(inventory.skus)
    starts, rows, qty, skus_of = [0], [], [], []
    for order, _ in items:
        skus, units = merged_lines(order.lines)
        rows.extend([sku_index.get(sku, unknown) for sku in skus])
        qty.extend(units)
        skus_of.append(skus)
        starts.append(len(qty))
    return starts, rows, qty, skus_of


def _tables(kp: KernelPolicy, items, first: np.ndarray) -> tuple:
    """Per order and chain position, the table rows of `source from`, `keep` and
    the rank keys, with the rows that conditions reading the order gave."""
    source_of, keep_of, column_of = kp.source_of[first], kp.keep_of[first], kp.column_of[first]
    masks, keeps, cols = _BlockRows(kp.masks), _BlockRows(kp.keeps), _BlockRows(kp.cols)
    for i, (order, s) in enumerate(items):
        for j, what, k, value in kp.dynamic[s]:
            if what == "source":
                source_of[i, j] = masks.row(value(order))
            elif what == "keep":
                keep_of[i, j] = keeps.row(value(order))
            else:
                column_of[i, j, k] = cols.row(value(order))
    return source_of, masks.stacked(), keep_of, keeps.stacked(), column_of, cols.stacked()


def _decisions(kp: KernelPolicy, block: Block) -> list[Decision]:
    items, starts, qty, skus_of = block.items, block.starts, block.qty, block.skus
    tried, made, nodes, by, takes, left, limited, figures = (a.tolist() for a in block.out)
    node_ids, ids = kp.node_ids, kp.ids
    decisions = []
    for i, (order, s) in enumerate(items):
        skus, start, end = skus_of[i], starts[i], starts[i + 1]
        where, step, figure = nodes[i], by[i], figures[i]
        if end - start == 1:  # one line: the usual case
            sku, units = skus[0], takes[start]
            shipments = tuple(
                [
                    Shipment(
                        node_ids[where[m]], (ShipmentLine(sku, units[m]),), *figure[m], ids[step[m]]
                    )
                    for m in range(made[i])
                ]
            )
        else:
            shipments = tuple(
                [
                    Shipment(node_ids[where[m]], _lines_of(skus, takes[start:end], m), *figure[m],
                             ids[step[m]])
                    for m in range(made[i])
                ]
            )  # fmt: skip
        short = left[start:end]
        strategies = kp.tried[s][tried[i]]
        if not any(short):
            decisions.append(Decision(order.id, "routed", strategies, shipments))
            continue
        shortage = kp.on_shortage[s][tried[i]]
        decisions.append(
            decide(
                order.id,
                strategies,
                shipments,
                skus,
                qty[start:end],
                short,
                limited[start:end],
                shortage,
            )
        )
    return decisions


def _lines_of(skus, takes, m: int) -> tuple[ShipmentLine, ...]:
    """The lines of shipment `m`: each SKU with the units it takes of it."""
    return tuple(
        [
            ShipmentLine(sku, units[m])
            for sku, units in zip(skus, takes, strict=True)
            if units[m] > 0
        ]
    )
