"""The router: a policy bound to a network and its stock, routing orders and committing
what it allocates.

Per order (language.md, "Semantics the engine must honour"): pick the primary strategy
at the order's instant, walk its `otherwise use` chain while units remain (one step per
strategy, all sharing the order's split budget), apply the last strategy's
`on shortage`, then commit — stock depletes and each shipment uses one unit of its
node's capacity for the local day. The steps themselves run in the compiled kernel
(`engine.kernel`), the only code that decides; this module chooses the strategies,
finds the destinations, packs blocks of orders of one local day and keeps the state.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from dsl.parser import collection_paused
from engine import decision_batch as db
from engine import decision_codes as dc
from engine import kernel
from engine.arrivals import ArrivalCursor
from engine.binding import BoundPolicy
from engine.blocks import (
    BLOCK,
    Block,
    MergedLines,
    carrier_columns,
    collect_columns,
    decision_of,
    pack,
    route_blocks,
    unpack,
    unroutable,
)
from engine.compiler import CompileError, Policy
from engine.decision import Decision, Shipment, ShipmentLine
from engine.decision_batch import DecisionBatch
from engine.delivery import BoundDelivery, Delivery
from engine.line_groups import LineGroups, merged, merged_batch
from engine.model import Inventory, Network, Order
from engine.order_batch import OrderBatch, from_ns
from engine.trace import Trace
from engine.transfers import collect_stores
from engine.windows import LocalDays, as_instant, day_starts

if TYPE_CHECKING:
    from engine.explain import Explainer


class Router:
    """Routes orders against a network and inventory under a policy, keeping the
    allocations it makes (stock and daily capacity)."""

    def __init__(
        self,
        policy: Policy,
        network: Network,
        inventory: Inventory,
        delivery: Delivery | None = None,
    ):
        if inventory.network is not network:
            raise ValueError("the inventory was built for another network")
        self.policy = policy
        self.network = network
        self.inventory = inventory
        self.tz = policy.tz
        self.binding = BoundPolicy(policy, network)
        self.groups = LineGroups(policy)
        self._days = LocalDays(policy.tz)
        self._explainer: Explainer | None = None
        """Made at the first order explained (clause texts, once per router)."""
        self.shipments_by_day: dict[dt.date, np.ndarray] = {}
        self.capacity = network.capacity.copy()
        """Orders per day per node (inf: unlimited); events may change it."""
        self.offline = np.zeros(len(network), dtype=np.uint8)
        """Nodes taken offline by an event: never candidates until back online."""
        self.delivery: BoundDelivery | None = None
        """The carriers, closures and node calendars routing promises with (None: the
        distance eta of kpis.md)."""
        self.set_delivery(delivery)
        sphere = network.sphere
        self._network = (
            sphere.x, sphere.y, sphere.z, network.pick_cost, network.ship_cost_base,
            network.ship_cost_per_km, network.handling_days,
        )  # fmt: skip

    # ------------------------------------------------------------ public
    def set_delivery(self, delivery: Delivery | None) -> None:
        """Route with these carriers, closures and node calendars from now on (None:
        without carriers). Parcels already counted per node, service and ship day are
        kept for the services of the same (carrier, service) name."""
        if delivery is None:
            problems = needs_carriers(self.policy)
            if problems:
                raise problems
            self.delivery = None
            if reads_promise(self.policy):  # `deliver`, `eta`: the distance eta
                self.delivery = BoundDelivery(
                    Delivery.without_carriers(self.network.ids), self.network, self.policy
                )
            return
        bound = BoundDelivery(delivery, self.network, self.policy)
        if self.delivery is not None:
            bound.count_as(self.delivery)
        self.delivery = bound

    def route(self, order: Order, at: dt.datetime | None = None, explain: bool = False) -> Decision:
        """Route one order at its creation instant (or `at`) and commit it."""
        return self._one(OrderBatch.from_orders([order], self.tz, at), 0, explain, commit=True)

    def promise(self, order: Order, at: dt.datetime | None = None) -> Decision:
        """What `route` would decide for the order at its creation instant (or `at`),
        committing nothing: stock, node capacity and parcels counted stay as they are."""
        return self._one(OrderBatch.from_orders([order], self.tz, at), 0, False, commit=False)

    def _one(self, batch: OrderBatch, position: int, explain: bool, commit: bool) -> Decision:
        """Route the order at `position` of a batch alone — its line groups one after
        the other, with `lines where` — and put their decisions together."""
        if not self.groups.active:
            return self._alone(batch, position, explain, commit)
        split, rows, owners = self.groups.split(batch, np.array([position], dtype=np.int64))
        parts = [self._alone(split, row, explain, commit) for row in rows.tolist()]
        return merged(parts, owners)[0]

    def _alone(self, batch: OrderBatch, position: int, explain: bool, commit: bool) -> Decision:
        if explain:
            return self._route_explained(batch, position)
        merged_lines = self._merged(batch)
        plan = _Plan(self, batch, _FIRST if position == 0 else np.array([position], np.int64))
        run = plan.runs[0]
        if run.day is None:
            return unroutable(run.positions, run.reasons, run.chains, batch, merged_lines,
                              self.network.ids, self._service_names)[0]  # fmt: skip
        block = self._pack(batch, merged_lines, run.positions, run.first, plan.points, run.day)
        block.route(commit=commit)
        return decision_of(self.binding, block, merged_lines, batch.ids[position], self.network.ids)

    @property
    def _service_names(self) -> list[tuple[str, str]] | None:
        """The carrier services shipments are carried with (None: no carriers table)."""
        if self.delivery is None or not self.delivery.delivery.carried:
            return None
        return self.delivery.delivery.service_names

    def _pack(
        self,
        batch: OrderBatch,
        merged: MergedLines,
        positions: np.ndarray,
        first: np.ndarray,
        points: np.ndarray,
        day: dt.date,
        **options: object,
    ) -> Block:
        """Pack orders of one local day for the kernel, with this router's stock, network
        and carriers."""
        stores = collect_stores(batch, self.network.ids)[positions]
        return pack(
            self.binding, self._stock(day), self._network, batch, merged, positions, first,
            points, delivery=self.delivery, day=day, stores=stores,
            **options,  # type: ignore[arg-type]
        )  # fmt: skip

    def route_batch(
        self, orders: Iterable[Order] | OrderBatch, explain: bool = False
    ) -> DecisionBatch | list[Decision]:
        """Route orders in created_at order (ties by order id, then position) and commit
        each; decisions come back in that routing order."""
        batch = (
            orders if isinstance(orders, OrderBatch) else OrderBatch.from_orders(orders, self.tz)
        )
        return self.route_in(batch, routing_order(batch), explain)

    def route_in(
        self, batch: OrderBatch, rows: np.ndarray, explain: bool = False
    ) -> DecisionBatch | list[Decision]:
        """Route the orders at `rows` of a batch in that order and commit each."""
        with collection_paused():
            if explain:
                return [self._one(batch, int(i), True, commit=True) for i in rows]
            return self.route_rows(batch, rows)

    def route_rows(
        self, batch: OrderBatch, rows: np.ndarray, arrivals: ArrivalCursor | None = None
    ) -> DecisionBatch:
        """Route the orders at `rows` of a batch in that order (the caller's time order),
        without explanations, committing each: one kernel block per run of at most
        BLOCK orders on the same local day. With `arrivals`, the stock that arrives
        before each order is added first (a replay). With `lines where`, each of an
        order's line groups is routed as an order of its own, then put together."""
        if self.groups.active:
            split, split_rows, owners = self.groups.split(batch, rows)
            routed = self._route_rows(split, split_rows, arrivals)
            return merged_batch(routed, owners, rows, self.network.ids)
        return self._route_rows(batch, rows, arrivals)

    def _route_rows(
        self, batch: OrderBatch, rows: np.ndarray, arrivals: ArrivalCursor | None
    ) -> DecisionBatch:
        merged = self._merged(batch)
        plan = _Plan(self, batch, rows)
        parts: list[DecisionBatch] = []
        node_ids = self.network.ids

        def blocks() -> Iterator[Block]:
            for run in plan.runs:
                if run.day is None:
                    continue
                block = self._pack(
                    batch, merged, run.positions, run.first, plan.points[run.slice], run.day
                )
                if arrivals is not None:
                    block.arrivals = arrivals.for_block(batch.instants[run.positions])
                yield block

        routed = route_blocks(blocks())
        for run in plan.runs:
            if run.day is None:
                parts.append(unroutable(run.positions, run.reasons, run.chains, batch, merged,
                                        node_ids, self._service_names))  # fmt: skip
            else:
                parts.append(unpack(self.binding, next(routed), batch, merged, node_ids))
        return DecisionBatch.concat(parts, node_ids)

    def used_capacity(self, node_id: str, day: dt.date) -> int:
        """Shipments already made from a node on a local day."""
        used = self.shipments_by_day.get(day)
        return 0 if used is None else int(used[self.network.index[node_id]])

    def keep_for(self, strategy_id: str, order: Order | None) -> np.ndarray | None:
        """Units a strategy protects at each node for an order (None: it keeps nothing);
        `order` may be None when every `keep` reads node fields only."""
        return self.binding.bound[strategy_id].keep_for(order)

    def keeps_read_orders(self, strategy_id: str) -> bool:
        """Whether a strategy's protected units depend on the order."""
        bound = self.binding.bound[strategy_id]
        return bool(bound.keep_masks) and bound.static_keep is None

    # ------------------------------------------------ operations (events)
    @classmethod
    def from_artifact(cls, path: str | Path, network: Network, inventory: Inventory) -> Router:
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
        """A parcel counted on local `day` will not ship (a re-route emptied it): its
        node gets that unit of the day's capacity back."""
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
        """Place again `need` (units per SKU) of an order already routed, down the chain
        that starts at strategy `chain[0]`, at instant `at`.

        Nodes in `kept` still ship part of the order: they count toward each step's
        split limit and take nothing more; nodes in `exclude` are not candidates.
        Commits what it places, whatever the last strategy's `on shortage`; returns the
        new shipments, the units left per SKU and the strategies tried (see
        engine.ledger)."""
        instant = as_instant(at, self.tz)
        batch = OrderBatch.from_orders([order], self.tz, instant)
        merged = self._merged(batch)
        skus = merged.skus(np.arange(len(merged.code)))
        dest = self._destination(batch)
        if dest is None:
            return (), {sku: units for sku, units in need.items() if units}, ()
        index = self.network.index
        kept_nodes = [index[node_id] for node_id in kept]
        blocked = np.array(
            sorted({*kept_nodes, *(index[node_id] for node_id in exclude)}), np.int64
        )
        start = self.binding.index[chain[0]]
        block = self._pack(
            batch,
            merged,
            np.zeros(1, dtype=np.int64),
            np.array([start], dtype=np.int64),
            dest,
            self._days.day(instant),
            qty=np.array([need.get(sku, 0) for sku in skus], dtype=np.int64),
            prior=np.array([len(kept_nodes)], dtype=np.int64),
            blocked=[blocked],
        )
        block.route(honour_reject=False)
        tried, made, nodes, by, takes, left, _, figures = block.out
        ids, node_ids = self.binding.ids, self.network.ids
        carriers = carrier_columns(block, np.ones((1, nodes.shape[1]), dtype=bool))
        count = int(made[0])
        collect = collect_columns(block, np.zeros(count, dtype=np.int64), nodes[0, :count],
                                  takes[:, :count].sum(axis=0), figures[0, :count, 2],
                                  carriers)  # fmt: skip
        shipments = tuple(
            Shipment(
                node_ids[int(nodes[0, m])],
                tuple(
                    ShipmentLine(skus[line], int(takes[line, m]))
                    for line in range(len(skus))
                    if takes[line, m] > 0
                ),
                float(figures[0, m, 0]),  # km
                float(figures[0, m, 1]),  # cost
                float(figures[0, m, 2]),  # eta
                ids[int(by[0, m])],
                None if carriers is None else carriers.carried(m),
                *db.collected(collect, m, node_ids),
            )
            for m in range(count)
        )
        rest = {sku: int(units) for sku, units in zip(skus, left.tolist(), strict=True) if units}
        return shipments, rest, self.binding.tried[start][int(tried[0])]

    # ------------------------------------------------------------ inner
    def _stock(self, day: dt.date) -> kernel.Stock:
        """What the kernel reads and commits for a local day: free stock, the day's
        shipments per node, capacities and nodes offline."""
        used = self.shipments_by_day.get(day)
        if used is None:
            used = self.shipments_by_day[day] = np.zeros(len(self.network), np.int64)
        return (self.inventory.free, used, self.capacity, self.offline)

    def _destination(self, batch: OrderBatch) -> np.ndarray | None:
        """The unit vector of a one-order batch's destination (None: it has none)."""
        points, missing = destinations(self.network, batch)
        return None if missing[0] else points

    def _merged(self, batch: OrderBatch) -> MergedLines:
        """The batch's merged lines on this inventory's rows (again when SKUs were added)."""
        inventory = self.inventory
        return batch.derived(
            ("merged", id(inventory), len(inventory.skus)),
            lambda: MergedLines.of(batch, inventory.sku_index, len(inventory.skus)),
        )

    def _route_explained(self, batch: OrderBatch, position: int = 0) -> Decision:
        """Route one order with its explanation (the kernel's trace in words), and commit."""
        from engine.explain import Explainer, transfer_entries

        rows = np.array([position], dtype=np.int64)
        merged = self._merged(batch)
        plan = _Plan(self, batch, rows)
        run = plan.runs[0]
        if run.day is None:
            return unroutable(run.positions, run.reasons, run.chains, batch, merged,
                              self.network.ids, self._service_names)[0]  # fmt: skip
        block = self._pack(batch, merged, run.positions, run.first, plan.points[run.slice], run.day)
        free_before = self.inventory.free[merged.row[block.lines]].copy()
        used, capacity = block.arguments[0][1].copy(), self.capacity.copy()
        bp = self.binding
        trace = Trace.empty(
            bp.depth, len(self.network), bp.kinds.shape[1], len(block.lines), bp.most_shipments
        )
        block.route(trace=trace.arrays())
        decision = unpack(self.binding, block, batch, merged, self.network.ids)[0]
        skus = merged.skus(block.lines)
        if self._explainer is None:
            self._explainer = Explainer(self.policy, self.binding, self.network, self.tz)
        self._explainer.delivery = self.delivery
        entries = self._explainer.entries(
            batch.order(position), block, trace, skus, free_before, used, capacity
        )
        return replace(decision, explain=(*entries, *transfer_entries(decision)))


def reads_promise(policy: Policy) -> bool:
    """Whether a strategy has `deliver` or ranks by `eta`."""
    return any(
        st.deliver is not None or any(spec.name == "eta" for spec in st.rank)
        for st in policy.strategies
    )


def needs_carriers(policy: Policy) -> CompileError | None:
    """The error of a policy that uses what needs a carriers table (None: it needs none)."""
    from engine.promise_gate import needs_carriers as findings

    problems = findings(policy.ruleset)
    return CompileError(problems, policy.source, policy.filename) if problems else None


def routing_order(batch: OrderBatch) -> np.ndarray:
    """Batch positions in routing order: by creation instant, then order id, then position."""
    instants = batch.instants
    order = np.argsort(instants, kind="stable")
    if len(order) < 2:
        return order
    sorted_instants = instants[order]
    same = sorted_instants[1:] == sorted_instants[:-1]
    if not same.any():
        return order
    ids = batch.ids
    run_start = np.flatnonzero(np.concatenate(([True], ~same)))
    run_end = np.append(run_start[1:], len(order))
    for start, end in zip(run_start.tolist(), run_end.tolist(), strict=True):
        if end - start > 1:
            chunk = order[start:end].tolist()
            order[start:end] = sorted(chunk, key=lambda p: (ids[p], p))
    return order


def destinations(network: Network, batch: OrderBatch) -> tuple[np.ndarray, np.ndarray]:
    """Each order's destination as a unit vector, and where it has none: `dest_lat`,
    `dest_lon`, or else the coordinates of its `collect_node` when that is a known node
    (docs/routing.md, "Semantics", step 3)."""
    return batch.derived(("destinations", id(network)), lambda: _destinations(network, batch))


def _destinations(network: Network, batch: OrderBatch) -> tuple[np.ndarray, np.ndarray]:
    lat, lon = batch.destinations()
    missing = np.isnan(lat) | np.isnan(lon)
    if missing.any():
        collect = batch.value("collect_node")
        for i in np.flatnonzero(missing).tolist():
            node_id = collect[i]
            if node_id in network.index:
                node = network.node(node_id)
                lat[i], lon[i] = node.lat, node.lon
                missing[i] = False
    points = np.zeros((len(lat), 3), dtype=np.float64)
    kernel.unit_vectors(np.where(missing, 0.0, lat), np.where(missing, 0.0, lon), points)
    return points, missing


def _local_days(router: Router, instants: np.ndarray) -> tuple[list[dt.date], np.ndarray]:
    """The local days instants fall on (the ruleset's zone), and each one's index into
    them; a few instants are read one by one (the router remembers the last day)."""
    if len(instants) <= 16:
        found = [router._days.day(from_ns(int(ns))) for ns in instants.tolist()]
        days = sorted(set(found))
        return days, np.array([days.index(day) for day in found], dtype=np.int64)
    days, starts = day_starts(router.tz, int(instants.min()), int(instants.max()))
    return days, np.searchsorted(starts, instants, side="right") - 1


_FIRST = np.zeros(1, dtype=np.int64)
"""The rows of a batch of one order."""


class _Run:
    """Consecutive orders (routing order) routed as one kernel block — or, with `day`
    None, decided without routing (unroutable)."""

    __slots__ = ("slice", "positions", "first", "day", "reasons", "chains")

    def __init__(
        self,
        where: slice,
        positions: np.ndarray,
        first: np.ndarray,
        day: dt.date | None,
        reasons: np.ndarray = _FIRST[:0],
        chains: list[tuple[str, ...]] | None = None,
    ):
        self.slice = where
        self.positions = positions
        self.first = first
        self.day = day
        self.reasons = reasons
        """Why each order is unroutable (a run without a `day`)."""
        self.chains: list[tuple[str, ...]] = [] if chains is None else chains
        """The strategies each unroutable order reached."""


def _one_run(
    router: Router, batch: OrderBatch, rows: np.ndarray, first: np.ndarray, missing: bool
) -> _Run:
    """The run of a plan of one order: unroutable without a strategy or a destination,
    else routed on its local day."""
    reason = dc.NO_STRATEGY if first[0] < 0 else dc.NO_DESTINATION if missing else 0
    if reason:
        chain = () if first[0] < 0 else (router.binding.ids[first[0]],)
        return _Run(slice(0, 1), rows, first, None, np.array([reason], np.int64), [chain])
    day = router._days.day(from_ns(int(batch.instants[rows[0]])))
    return _Run(slice(0, 1), rows, first, day)


class _Plan:
    """How the orders at `rows` of a batch are routed: each one's primary strategy and
    destination, and the runs of orders that make one kernel block each."""

    def __init__(self, router: Router, batch: OrderBatch, rows: np.ndarray):
        policy, bp = router.policy, router.binding
        given = batch.strategy_ids
        if given is None:
            chosen = policy.primaries(batch, rows)
        else:  # line groups: each with its strategy
            chosen = [
                None if (name := given[i]) is None else policy.by_id[name] for i in rows.tolist()
            ]
        first = np.array([-1 if s is None else bp.index[s.id] for s in chosen], dtype=np.int64)
        points, missing = destinations(router.network, batch)
        self.points = points[rows]
        self.runs: list[_Run]
        if len(rows) == 1:  # one order (`route`): the same plan without the array work
            self.runs = [_one_run(router, batch, rows, first, bool(missing[rows[0]]))]
            return
        reason = np.where(first < 0, dc.NO_STRATEGY, np.where(missing[rows], dc.NO_DESTINATION, 0))
        days, day_of = _local_days(router, batch.instants[rows])
        # a new run where the day changes, a run of routable orders reaches BLOCK, or
        # routable and unroutable orders meet
        self.runs = []
        key = np.where(reason > 0, -1, day_of)
        cut = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1], [True])))
        if not len(key):  # no order: no run
            cut = cut[:1]
        for start, end in zip(cut[:-1].tolist(), cut[1:].tolist(), strict=True):
            if key[start] < 0:
                where = slice(start, end)
                chains: list[tuple[str, ...]] = [
                    () if first[i] < 0 else (bp.ids[first[i]],) for i in range(start, end)
                ]
                self.runs.append(
                    _Run(where, rows[where], first[where], None, reason[where], chains)
                )
                continue
            day = days[int(key[start])]
            for block_start in range(start, end, BLOCK):
                where = slice(block_start, min(block_start + BLOCK, end))
                self.runs.append(_Run(where, rows[where], first[where], day))
