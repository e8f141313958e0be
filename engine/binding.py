"""A compiled policy bound to a network: every clause as the kernel's arrays.

Made once per router. Everything that reads only node fields becomes a row of a table:
`source from` as a node mask, `keep` as protected units per node (the largest `keep`
whose condition holds), node-valued rank keys (`node.priority`, a condition on nodes)
as a column of values, smaller preferred. What reads the order too
(`source from node.id == order.collect_node`) is evaluated per order when a block is
packed, and remembered per values of the order fields it reads, so orders alike share
one row.

Rank keys (docs/routing.md, "Rank keys"): `shipments`, `distance`, `cost`, `stock` and
`load` are computed by the kernel on what remains of the order; `node.<field>` ranks by
the field's value (numbers, then texts, then lists, each in their natural order; a
missing value sorts last in both directions); a condition ranks 1 when it holds, 0
otherwise (`desc` puts true first); anything that reads no node field is the same for
every node and has no effect.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np

from dsl.comparisons import kind
from engine import kernel, promise_fields
from engine.compiler import CompiledStrategy, Policy
from engine.expressions import NodeMask, node_mask, plain_order_fields
from engine.geo import half_chord_limit
from engine.returns import NODE_RETURN_FIELDS, node_return_value
from engine.strategy_parts import RankSpec

if TYPE_CHECKING:
    from engine.model import Network
    from engine.order_batch import OrderBatch

_MEMO_LIMIT = 4096
_METRICS = {
    "shipments": kernel.SHIPMENTS,
    "distance": kernel.DISTANCE,
    "cost": kernel.COST,
    "stock": kernel.STOCK,
    "load": kernel.LOAD,
    "eta": kernel.ETA,
}
_KIND_ORDER = {"bool": 0, "number": 0, "text": 1, "list": 2, "time": 3}


def sort_key(value: Any) -> tuple[int, Any]:
    """How node field values order among themselves (numbers, then texts, ...)."""
    return (_KIND_ORDER.get(kind(value) or "", 4), value)


def field_ordinals(network: Network, name: str) -> np.ndarray:
    """A node field as ordinal positions (+inf where missing), for ranking."""
    if name in promise_fields.NODE_FIELDS:
        values = [promise_fields.node_value(name, n.fields) for n in network.nodes]
    elif name in NODE_RETURN_FIELDS:
        values = [node_return_value(name, n.fields) for n in network.nodes]
    else:
        values = [n.id if name == "id" else n.fields.get(name) for n in network.nodes]
    present = sorted({sort_key(v) for v in values if v is not None})
    position = {key: float(i) for i, key in enumerate(present)}
    return np.array(
        [math.inf if v is None else position[sort_key(v)] for v in values], dtype=np.float64
    )


@dataclass(frozen=True, slots=True)
class BoundKey:
    """A rank key bound to a network: a kernel metric, or a node column (static, or per
    order through `mask`)."""

    spec: RankSpec
    code: int
    column: np.ndarray | None = None
    """Oriented values per node (smaller preferred) when they read only node fields."""
    mask: NodeMask | None = None
    """For a condition that reads the order too: the mask per order."""


class BoundStrategy:
    """One compiled strategy bound to a network."""

    def __init__(self, strategy: CompiledStrategy, network: Network, tz: ZoneInfo):
        self.strategy = strategy
        self.id = strategy.id
        self.within_km = strategy.within_km
        self.half_limit = math.inf if self.within_km is None else half_chord_limit(self.within_km)
        self.source: NodeMask | None = (
            None if strategy.source is None else node_mask(strategy.source, network.nodes, tz)
        )
        self.keep_masks = [(n, node_mask(at, network.nodes, tz)) for n, at in strategy.keeps]
        self._count = len(network)
        self.static_keep: np.ndarray | None = None
        """Protected units per node when every `keep` reads only node fields."""
        if self.keep_masks and all(m.dynamic is None for _, m in self.keep_masks):
            self.static_keep = self.keep_vector(None)
        self.keys = [key for key in (bind_key(spec, network, tz) for spec in strategy.rank) if key]

    def keep_for(self, order: Any) -> np.ndarray | None:
        """Protected units per node for an order: the largest `keep` whose condition holds
        at the node (None: the strategy keeps nothing)."""
        if not self.keep_masks:
            return None
        if self.static_keep is not None:
            return self.static_keep
        return self.keep_vector(order)

    def keep_vector(self, order: Any) -> np.ndarray:
        """Protected units per node for an order (0 where no `keep` holds)."""
        vector = np.zeros(self._count, dtype=np.int64)
        for units, mask in self.keep_masks:
            vector = np.maximum(vector, np.where(mask.for_order(order), units, 0))
        return vector


def bind_key(spec: RankSpec, network: Network, tz: ZoneInfo) -> BoundKey | None:
    """A rank key bound to a network (None: a constant key, which ranks nothing)."""
    if spec.kind == "constant":
        return None
    if spec.kind == "metric":
        return BoundKey(spec, _METRICS[spec.name])
    if spec.kind == "field":
        values = field_ordinals(network, spec.name)
        if spec.descending:  # a missing value (+inf) sorts last in both directions
            values = np.where(np.isinf(values), math.inf, -values)
        return BoundKey(spec, kernel.COLUMN, column=values)
    mask = node_mask(spec.expr, network.nodes, tz)
    if mask.dynamic is None:
        return BoundKey(
            spec, kernel.COLUMN, column=_oriented(mask.for_order(None), spec.descending)
        )
    return BoundKey(spec, kernel.COLUMN, mask=mask)


def _oriented(mask: np.ndarray, descending: bool) -> np.ndarray:
    values = mask.astype(np.float64)
    return -values if descending else values


def _source_reader(mask: NodeMask) -> Reader:
    return lambda order: mask.for_order(order).astype(np.uint8)


def _column_reader(mask: NodeMask, descending: bool) -> Reader:
    return lambda order: _oriented(mask.for_order(order), descending)


class _Table:
    """Rows of node values made once (what reads only node fields)."""

    def __init__(self, first: np.ndarray):
        self.rows = [first]
        self.fixed = first[None, :]

    def add(self, row: np.ndarray) -> int:
        self.rows.append(row)
        self.fixed = np.vstack(self.rows)
        return len(self.rows) - 1


Reader = Callable[[Any], np.ndarray]
"""Per order: a row of node values (a mask, protected units, a rank column)."""
Read = tuple[str, int, Reader, tuple[str, ...] | None]
"""What a strategy reads per order: for what, which rank key, how, from which fields."""
Slots = tuple[int, int, np.ndarray, list[Read]]
"""A strategy's table rows (source, keep, one per rank key) and what it reads per order."""


class OrderRead:
    """A table row that depends on the order: at chain position `position`, for `what`
    (`source`, `keep` or the rank key `key`), given by `reader(order)` and remembered
    per values of the plain order `fields` it reads (None: it reads lines or values
    worked out from the order, and is evaluated for every order)."""

    __slots__ = ("position", "what", "key", "reader", "fields", "_memo")

    def __init__(
        self, position: int, what: str, key: int, reader: Reader, fields: tuple[str, ...] | None
    ):
        self.position = position
        self.what = what
        self.key = key
        self.reader = reader
        self.fields: tuple[str, ...] | None = fields
        self._memo: dict[tuple[object, ...], np.ndarray] = {}

    def row(self, batch: OrderBatch, i: int) -> np.ndarray:
        """The row for order `i` of an `OrderBatch`; orders alike share one array."""
        if self.fields is None:
            return self.reader(batch.order(i))
        key = tuple([batch.value(name)[i] for name in self.fields])
        try:
            return self._memo[key]
        except KeyError:
            pass
        except TypeError:  # a value that cannot be a key (a list)
            return self.reader(batch.order(i))
        if len(self._memo) >= _MEMO_LIMIT:
            self._memo.clear()
        value = self._memo[key] = self.reader(batch.row(i))
        return value


class BoundPolicy:
    """A policy's strategies as the kernel's arrays (see engine.kernel)."""

    def __init__(self, policy: Policy, network: Network):
        strategies = policy.strategies
        count = len(network)
        self.policy = policy
        self.bound = {st.id: BoundStrategy(st, network, policy.tz) for st in strategies}
        self.index = {st.id: i for i, st in enumerate(strategies)}
        self.ids = [st.id for st in strategies]
        width = max(1, max((len(self.bound[st.id].keys) for st in strategies), default=1))
        self.kinds = np.full((max(len(strategies), 1), width), -1, dtype=np.int64)
        self.descending = np.zeros((max(len(strategies), 1), width), dtype=np.uint8)
        following = [-1 if st.otherwise is None else self.index[st.otherwise] for st in strategies]
        self.strategies = (
            np.array(following, dtype=np.int64),
            np.array([st.split for st in strategies], dtype=np.int64),
            np.array([self.bound[st.id].half_limit for st in strategies], dtype=np.float64),
            np.array([st.on_shortage == "reject" for st in strategies], dtype=np.uint8),
            self.kinds,
            self.descending,
            np.array([st.transfer is not None for st in strategies], dtype=np.uint8),
        )
        self.most_shipments = int(
            min(max(max((st.split for st in strategies), default=1), 1), max(count, 1))
        )
        """Shipments an order can get at most: the largest split limit."""
        self.masks = _Table(np.ones(count, dtype=np.uint8))  # row 0: every node
        self.keeps = _Table(np.zeros(count, dtype=np.int64))
        self.cols = _Table(np.zeros(count, dtype=np.float64))  # row 0: unused
        slots = [self._slots(s, self.bound[st.id], width) for s, st in enumerate(strategies)]
        self._chains(policy, slots, width)

    def _slots(self, s: int, bound: BoundStrategy, width: int) -> Slots:
        """Strategy `s`'s rows of the tables — source, keep (-1: none), one per rank key —
        and what must be read per order instead."""
        reads: list[Read] = []
        source = 0
        if bound.source is not None:
            if bound.source.dynamic is None:
                source = self.masks.add(bound.source.for_order(None).astype(np.uint8))
            else:
                mask = bound.source
                reads.append(("source", 0, _source_reader(mask), plain_order_fields(mask.expr)))
        keep = -1
        if bound.keep_masks:
            if bound.static_keep is not None:
                keep = self.keeps.add(bound.static_keep)
            else:
                read = [plain_order_fields(mask.expr) for _, mask in bound.keep_masks]
                known = [r for r in read if r is not None]
                fields = (
                    tuple(sorted({f for r in known for f in r}))
                    if len(known) == len(read)
                    else None
                )
                reads.append(("keep", 0, bound.keep_vector, fields))
        columns = np.zeros(width, dtype=np.int64)
        for k, key in enumerate(bound.keys):
            self.kinds[s, k] = key.code
            self.descending[s, k] = key.spec.descending
            if key.column is not None:
                columns[k] = self.cols.add(key.column)
            elif key.mask is not None:
                mask, down = key.mask, key.spec.descending
                reads.append(
                    ("column", k, _column_reader(mask, down), plain_order_fields(mask.expr))
                )
        return source, keep, columns, reads

    def _chains(self, policy: Policy, slots: list[Slots], width: int) -> None:
        """Per primary strategy, its chain: the ids tried, the `on shortage` that decides,
        and per chain position the table rows (and what reads the order)."""
        chains = [policy.chain(st) for st in policy.strategies]
        depth = max((len(chain) for chain in chains), default=1)
        self.depth = depth
        self.tried = [
            [tuple(st.id for st in chain[:n]) for n in range(len(chain) + 1)] for chain in chains
        ]
        """Per primary strategy and number of strategies tried: their ids."""
        self.on_shortage = [["partial"] + [st.on_shortage for st in chain] for chain in chains]
        """Per primary strategy and number of strategies tried: the last one's `on shortage`."""
        rows = max(len(chains), 1)
        self.source_of = np.zeros((rows, depth), dtype=np.int64)
        self.keep_of = np.full((rows, depth), -1, dtype=np.int64)
        self.column_of = np.zeros((rows, depth, width), dtype=np.int64)
        self.chain_index = [[self.index[st.id] for st in chain] for chain in chains]
        """Per primary strategy: the strategies of its chain, as indices."""
        self.order_reads: list[list[OrderRead]] = []
        """Per primary strategy: the rows its chain reads per order."""
        for s, chain in enumerate(chains):
            reads = []
            for j, st in enumerate(chain):
                source, keep, columns, dynamic = slots[self.index[st.id]]
                self.source_of[s, j] = source
                self.keep_of[s, j] = keep
                self.column_of[s, j] = columns
                for what, key, reader, fields in dynamic:
                    reads.append(OrderRead(j, what, key, reader, fields))
            self.order_reads.append(reads)
