"""The router: a policy bound to a network and its stock, routing orders one
at a time (or a batch in time order) and committing what it allocates.

Per order (language.md, "Semantics the engine must honour"): pick the primary
strategy at the order's instant, walk its `otherwise use` chain while units
remain (one step per strategy, all sharing the order's split budget), apply
the last strategy's `on shortage`, then commit — stock depletes and each
shipment uses one unit of its node's capacity for the local day.

The steps run compiled (`engine.kernel`, packed by `engine.blocks`), a block
of orders of one local day at a time; with `explain=True` and for re-routes
they run in numpy (`engine.allocation`), which records what an explanation
needs. Both decide the same (tests/test_kernel.py, tests/test_router_reference.py).
"""

from __future__ import annotations

import datetime as dt
import gc
import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace

import numpy as np

from engine.allocation import run_step
from engine.blocks import KernelPolicy, pack, route_blocks
from engine.compiler import CompiledStrategy, Policy
from engine.decision import Decision, Shipment
from engine.expressions import NodeMask, node_mask
from engine.geo import chord_km, half_chord_limit, km_from_half_chords, unit_vector
from engine.model import Inventory, Network, Order, merged_lines
from engine.outcome import NO_DESTINATION, NO_STRATEGY, Parcels, decide, not_routed
from engine.ranking import bind_key
from engine.windows import LocalDays, as_instant

_ANY = np.logical_or.reduce
_BLOCK = 512
"""Orders the compiled kernel routes at once at most (one local day each)."""


class BoundStrategy:
    """A compiled strategy bound to a network: node masks for `source` and
    `keep`, rank keys as node columns."""

    def __init__(self, strategy: CompiledStrategy, network: Network, tz):
        self.strategy = strategy
        self.id = strategy.id
        self.split = strategy.split
        self.within_km = strategy.within_km
        self.half_limit = None if self.within_km is None else half_chord_limit(self.within_km)
        count = len(network)
        self.source: NodeMask | None = (
            None if strategy.source is None else node_mask(strategy.source, network.nodes, tz)
        )
        self._all = np.ones(count, dtype=bool)
        self.keep_masks = [(n, node_mask(at, network.nodes, tz)) for n, at in strategy.keeps]
        self.static_keep = None
        """Protected units per node when every `keep` reads only node fields."""
        if self.keep_masks and all(m.dynamic is None for _, m in self.keep_masks):
            self.static_keep = self._keep_vector(None)
        keys = [bind_key(spec, network, tz) for spec in strategy.rank]
        self.keys = [key for key in keys if key is not None]

    def source_for(self, order) -> np.ndarray:
        return self._all if self.source is None else self.source.for_order(order)

    def keep_for(self, order) -> np.ndarray | None:
        """Protected units per node: the largest `keep` whose condition holds."""
        if not self.keep_masks:
            return None
        if self.static_keep is not None:
            return self.static_keep
        return self._keep_vector(order)

    def _keep_vector(self, order) -> np.ndarray:
        vector = np.zeros(len(self._all), dtype=np.int64)
        for units, mask in self.keep_masks:
            vector = np.maximum(vector, np.where(mask.for_order(order), units, 0))
        return vector


class OrderContext:
    """What one order's routing reads: its lines as stock-matrix rows, the
    destination, today's capacity use, half-chords to every node."""

    __slots__ = (
        "order",
        "inventory",
        "network",
        "rows",
        "skus",
        "qty",
        "dest",
        "used_today",
        "capacity_ok",
        "capacity",
        "half",
        "_free",
    )

    def __init__(self, order: Order, router: Router, used_today: np.ndarray, dest):
        self.order = order
        self.inventory = inventory = router.inventory
        self.network = router.network
        skus, qty = merged_lines(order.lines)
        self.skus = skus
        self.qty = np.array(qty, dtype=np.int64)
        index, unknown = inventory.sku_index, len(inventory.skus)
        self.rows = [index.get(sku, unknown) for sku in skus]
        self.dest = dest
        self.half = router.network.sphere.half_chords(unit_vector(*dest))
        self.used_today = used_today
        self.capacity = router.capacity
        self.capacity_ok = router.open_nodes(used_today)
        self._free = None

    def free_rows(self) -> np.ndarray:
        """`on_hand − allocated` for the order's SKUs (lines × nodes); nothing is
        committed before the order's decision is made, so one line's row is a
        view of the stock matrix, not a copy."""
        if self._free is None:
            rows = self.rows
            if len(rows) == 1:
                self._free = self.inventory.free[rows[0] : rows[0] + 1]
            else:
                self._free = self.inventory.free[rows]
        return self._free

    def km_of(self, nodes: np.ndarray) -> np.ndarray:
        """Exact km from each node to the destination (see engine.geo: the same
        bits whichever path computes them, so nothing needs remembering)."""
        return km_from_half_chords(self.half[nodes])

    distances = km_of

    def km(self, node: int) -> float:
        return chord_km(float(self.half[node]))  # as km_from_half_chords does


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while routing many orders. Routing makes
    no reference cycles, but it allocates many small objects, and each of the
    collector's passes walks every object alive (orders, decisions): pausing it saves
    about a third of the time of a batch."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


class Router:
    """Routes orders against a network and inventory under a policy, keeping
    the allocations it makes (stock and daily capacity)."""

    def __init__(self, policy: Policy, network: Network, inventory: Inventory):
        if inventory.network is not network:
            raise ValueError("the inventory was built for another network")
        self.policy = policy
        self.network = network
        self.inventory = inventory
        self.tz = policy.tz
        self.bound = {st.id: BoundStrategy(st, network, policy.tz) for st in policy.strategies}
        self._days = LocalDays(policy.tz)
        self.shipments_by_day: dict[dt.date, np.ndarray] = {}
        self.capacity = network.capacity.copy()
        """Orders per day per node (inf: unlimited); events may change it."""
        self.offline = np.zeros(len(network), dtype=bool)
        """Nodes taken offline by an event: never candidates until back online."""
        self._chains: dict[str, tuple[CompiledStrategy, ...]] = {}
        self.parcels = Parcels(network)
        self._kernel = KernelPolicy(policy, self.bound, network)

    def open_nodes(self, used_today: np.ndarray) -> np.ndarray:
        """Nodes online and under capacity for the day whose shipment counts are
        `used_today`."""
        return (used_today < self.capacity) & ~self.offline

    # ------------------------------------------------------------ public
    def route(self, order: Order, at: dt.datetime | None = None, explain: bool = False):
        """Route one order at its creation instant (or `at`) and commit it."""
        instant = as_instant(at if at is not None else order.created_at, self.tz)
        if explain:
            return self._route_explained(order, instant)
        return self.route_in_order([(instant, order)])[0]

    def route_batch(self, orders: Iterable[Order], explain: bool = False) -> list[Decision]:
        """Route orders in created_at order (ties by order id); decisions come
        back in that routing order."""
        keyed = [(as_instant(o.created_at, self.tz), o.id, i, o) for i, o in enumerate(orders)]
        keyed.sort(key=lambda item: item[:3])
        with collection_paused():
            if explain:
                return [self._route_explained(order, instant) for instant, _, _, order in keyed]
            return self.route_in_order([(item[0], item[3]) for item in keyed])

    def route_in_order(self, items: list[tuple[dt.datetime, Order]]) -> list[Decision]:
        """Route (instant, order) pairs in the order given — the caller's time
        order — without explanations, and commit each: one block of the compiled
        kernel per run of orders on the same local day."""
        decisions: list[Decision | None] = [None] * len(items)
        runs: list[tuple[dt.date, list]] = []
        index = self._kernel.index
        for position, (instant, order) in enumerate(items):
            primary = self.policy.primary(order, instant)
            if primary is None:
                decisions[position] = not_routed(order, NO_STRATEGY)
                continue
            dest = self._destination(order)
            if dest is None:
                decisions[position] = not_routed(order, NO_DESTINATION, (primary.id,))
                continue
            day = self._days.day(instant)
            if not runs or runs[-1][0] != day or len(runs[-1][1]) == _BLOCK:
                runs.append((day, []))
            runs[-1][1].append((position, order, index[primary.id], dest))
        blocks = (
            pack(
                self,
                self._kernel,
                [(order, s) for _, order, s, _ in run],
                np.array([unit_vector(*dest) for _, _, _, dest in run], dtype=np.float64),
                self._used(day),
            )
            for day, run in runs
        )
        for (_, run), made in zip(runs, route_blocks(self._kernel, blocks), strict=True):
            for (position, *_), decision in zip(run, made, strict=True):
                decisions[position] = decision
        return decisions  # type: ignore[return-value]

    def _used(self, day: dt.date) -> np.ndarray:
        """Shipments per node on a local day (made when the day is first seen)."""
        used = self.shipments_by_day.get(day)
        if used is None:
            used = self.shipments_by_day[day] = np.zeros(len(self.network), np.int64)
        return used

    def used_capacity(self, node_id: str, day: dt.date) -> int:
        """Shipments already made from a node on a local day."""
        used = self.shipments_by_day.get(day)
        return 0 if used is None else int(used[self.network.index[node_id]])

    # ------------------------------------------------ operations (events)
    @classmethod
    def from_artifact(cls, path, network: Network, inventory: Inventory) -> Router:
        """A router running the ruleset artifact at `path` (engine.artifact);
        `ArtifactError` on a wrong format version or a hash mismatch."""
        from engine.artifact import load_artifact

        return cls(load_artifact(path).policy, network, inventory)

    def set_online(self, node_id: str, online: bool) -> None:
        """Take a node offline (no longer a candidate) or bring it back."""
        self.offline[self.network.index[node_id]] = not online

    def set_capacity(self, node_id: str, capacity: int | None) -> None:
        """A node's new orders-per-day capacity (None = unlimited), from now on."""
        value = math.inf if capacity is None else float(capacity)
        self.capacity[self.network.index[node_id]] = value  # this router's copy

    def release_shipment(self, node_id: str, day: dt.date) -> None:
        """A parcel counted on local `day` will not ship (a re-route emptied it):
        its node gets that unit of the day's capacity back."""
        used = self.shipments_by_day.get(day)
        if used is not None:
            used[self.network.index[node_id]] -= 1

    def reroute(
        self,
        order: Order,
        need: dict[str, int],
        at: dt.datetime,
        chain: tuple[str, ...],
        kept: Iterable[str] = (),
        exclude: Iterable[str] = (),
    ) -> tuple[tuple[Shipment, ...], dict[str, int], tuple[str, ...]]:
        """Place again `need` (units per SKU) of an order already routed, down
        the chain that starts at strategy `chain[0]`, at instant `at`.

        Nodes in `kept` still ship part of the order: they count toward each
        step's split limit and take nothing more; nodes in `exclude` are not
        candidates. Commits what it places; returns the new shipments, the
        units left per SKU and the strategies tried (see engine.ledger)."""
        instant = as_instant(at, self.tz)
        used_today = self._used(self._days.day(instant))
        ctx = OrderContext(order, self, used_today, self._destination(order))
        left = np.array([need.get(sku, 0) for sku in ctx.skus], dtype=np.int64)
        index = self.network.index
        kept = [index[node_id] for node_id in kept]
        blocked = np.zeros(len(self.network), dtype=bool)
        blocked[kept] = True
        blocked[[index[node_id] for node_id in exclude]] = True
        placed: list[tuple[int, np.ndarray]] = []
        made_by: list[str] = []  # the strategy that placed each shipment
        tried: list[str] = []
        for strategy in self.policy.chain(self.policy.strategy(chain[0])):
            if not left.any():
                break
            tried.append(strategy.id)
            budget = strategy.split - len(kept) - len(placed)
            step = run_step(self.bound[strategy.id], ctx, left, blocked, budget, False)
            for node, take in step.shipments:
                blocked[node] = True
                placed.append((node, take))
                made_by.append(strategy.id)
        self._commit(ctx, placed)
        shipments = self._shipments(ctx, placed, made_by)
        rest = {sku: int(q) for sku, q in zip(ctx.skus, left.tolist(), strict=True) if q}
        return shipments, rest, tuple(tried)

    # ------------------------------------------------------------ routing
    def _route_explained(self, order: Order, instant: dt.datetime) -> Decision:
        """Route one order step by step in numpy (engine.allocation), recording
        each step's candidates for the explanation, and commit it. It decides as
        the compiled kernel does; only the explanation is extra."""
        primary = self.policy.primary(order, instant)
        if primary is None:
            return not_routed(order, NO_STRATEGY)
        dest = self._destination(order)
        if dest is None:
            return not_routed(order, NO_DESTINATION, (primary.id,))
        ctx = OrderContext(order, self, self._used(self._days.day(instant)), dest)
        need = ctx.qty.copy()
        shipped = np.zeros(len(self.network), dtype=bool)
        limited = np.zeros(len(need), dtype=bool)
        chain: list[CompiledStrategy] = []
        placed: list[tuple[int, np.ndarray]] = []
        made_by: list[str] = []  # the strategy that placed each shipment
        traces = []
        steps = self._chains.get(primary.id)
        if steps is None:
            steps = self._chains[primary.id] = self.policy.chain(primary)
        for strategy in steps:
            if not _ANY(need):
                break
            chain.append(strategy)
            budget = strategy.split - len(placed)
            step = run_step(self.bound[strategy.id], ctx, need, shipped, budget, True)
            for node, take in step.shipments:
                shipped[node] = True
                placed.append((node, take))
                made_by.append(strategy.id)
            if step.limited is not None:
                limited |= step.limited
            traces.append((strategy, step))
        from engine.explain import explain_order

        entries = explain_order(self, ctx, traces, placed)  # before the commit
        decision = decide(
            order.id,
            tuple(st.id for st in chain),
            self._shipments(ctx, placed, made_by),
            ctx.skus,
            ctx.qty.tolist(),
            need.tolist(),
            limited.tolist(),
            chain[-1].on_shortage if chain else "partial",
        )
        decision = replace(decision, explain=tuple(entries))
        if decision.status != "rejected":
            self._commit(ctx, placed)
        return decision

    def _destination(self, order: Order) -> tuple[float, float] | None:
        dest = order.destination
        if dest is None:
            collect = order.get("collect_node")
            if collect in self.network.index:
                node = self.network.node(collect)
                return node.lat, node.lon
        return dest

    def _shipments(self, ctx: OrderContext, placed, made_by) -> tuple[Shipment, ...]:
        shipment, skus, half = self.parcels.shipment, ctx.skus, ctx.half
        return tuple(
            shipment(node, skus, take.tolist(), float(half[node]), by)
            for (node, take), by in zip(placed, made_by, strict=True)
        )

    def _commit(self, ctx: OrderContext, placed) -> None:
        free = self.inventory.free
        used, capacity, open_ = ctx.used_today, self.capacity, ctx.capacity_ok
        rows = ctx.rows
        for node, take in placed:
            for row, units in zip(rows, take.tolist(), strict=True):
                if units:
                    free[row, node] -= units
            used[node] += 1
            if used[node] >= capacity[node]:
                open_[node] = False
