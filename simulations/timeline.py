"""The timeline of a replay: orders routed in time order, with the stock that
arrives and the operational events that happen between them applied first.

A `Timeline` owns the router (inside `engine.reactions.Reactions` when there are events,
so that they re-route open allocations) and the cursors over the replenishments and the
events; `KeepLevels` gathers, from the compiled policy, the stock each strategy protects
at each node, which the KPIs check allocations against.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

import engine
from engine import Decision, Policy, Router
from engine.router import collection_paused
from engine.windows import as_instant
from simulations.inputs import Inputs
from simulations.order_stream import OrderSlice, order_count, order_slices

Progress = Callable[[int, int], None]
"""`on_progress(done, total)`: orders routed so far, orders to route."""
PROGRESS_EVERY = 1_000
GROUP = 512
"""Orders routed together at most (see Timeline.decide)."""
KEEP_COLUMNS = ["strategy", "node_id", "keep"]


class Timeline:
    """A router (with reactions when there are events) and the stock and events that
    arrive while it routes, applied in time order before each order."""

    def __init__(self, policy: Policy, inputs: Inputs, last_day: dt.date | None):
        self.policy = policy
        network = engine.Network.from_frame(inputs.nodes)
        inventory = engine.Inventory.from_frame(
            _with_replenished_skus(inputs.inventory, inputs.replenishments), network
        )
        self.router = Router(policy, network, inventory)
        self.reroutes = 0
        self.reactions = None
        self._events = _events(inputs.events, policy.tz, last_day)
        if self._events:
            from engine.reactions import Reactions

            self.reactions = Reactions(self.router)
        self._route = self.router.route if self.reactions is None else self.reactions.route
        self._arrivals = _arrivals(inputs.replenishments)
        self._next_arrival = 0
        self._next_event = 0
        self._lowest_keep = KeepLevels(self.router)

    def __enter__(self) -> Timeline:
        return self

    def __exit__(self, *_exc) -> None:
        if self.reactions is not None:
            self.reactions.close()

    def decide(
        self,
        lines: pd.DataFrame,
        explain: frozenset[str],
        on_progress: Progress | None,
        stop: frozenset[str] | None = None,
    ) -> Iterator[tuple[OrderSlice, list[Decision]]]:
        """Route the orders slice by slice; yields each slice with the decisions made
        while routing it (re-routes caused by events included)."""
        total = order_count(lines)
        done = 0
        if on_progress is not None:
            on_progress(0, total)
        left = set(stop) if stop is not None else None
        # Without events (whose reactions follow each order) or a stop list, orders
        # between two arrivals are routed together, as route_batch does.
        together = self.reactions is None and left is None
        tz = self.policy.tz
        for part in order_slices(lines):
            made: list[Decision] = []
            group: list[tuple[dt.datetime, engine.Order]] = []
            with collection_paused():  # see engine.router.collection_paused
                for order in part.orders:
                    instant = as_instant(order.created_at, tz)
                    due = self._due(instant)
                    alone = not together or order.id in explain
                    if group and (due or alone or len(group) == GROUP):
                        done = self._route_group(group, made, done, total, on_progress)
                        group = []
                    if due:
                        made.extend(self._arrive(instant))
                    if not alone:
                        group.append((instant, order))
                        continue
                    decision = self._route(order, instant, order.id in explain)
                    self._routed([order], [decision], made)
                    done = self._progress(done, 1, total, on_progress)
                    if left is not None:
                        left.discard(order.id)
                        if not left:
                            break
                if group:
                    done = self._route_group(group, made, done, total, on_progress)
            yield part, made
            if left is not None and not left:
                break
        if on_progress is not None:
            on_progress(total, total)

    def _route_group(self, group, made, done, total, on_progress) -> int:
        decisions = self.router.route_in_order(group)
        self._routed([order for _, order in group], decisions, made)
        return self._progress(done, len(group), total, on_progress)

    def _routed(self, orders, decisions: list[Decision], made: list[Decision]) -> None:
        made.extend(decisions)
        if self._lowest_keep.active:
            for order, decision in zip(orders, decisions, strict=True):
                self._lowest_keep.note(order, decision)

    @staticmethod
    def _progress(done: int, more: int, total: int, on_progress: Progress | None) -> int:
        if on_progress is not None and (done + more) // PROGRESS_EVERY > done // PROGRESS_EVERY:
            on_progress(done + more, total)
        return done + more

    def finish(self) -> list[Decision]:
        """Events after the last order (within the period) still re-route open allocations
        (with the stock that arrives until the last of them)."""
        if not self._pending_events:
            return []
        return self._arrive(self._events[-1].at)

    def keep_levels(self) -> pd.DataFrame:
        return self._lowest_keep.frame()

    def _due(self, instant: dt.datetime) -> bool:
        arrival = self._arrivals[self._next_arrival][0] if self._pending_arrivals else None
        event = self._events[self._next_event].at if self._pending_events else None
        return (arrival is not None and arrival <= instant) or (
            event is not None and event <= instant
        )

    @property
    def _pending_arrivals(self) -> bool:
        return self._next_arrival < len(self._arrivals)

    @property
    def _pending_events(self) -> bool:
        return self._next_event < len(self._events)

    def _arrive(self, until: dt.datetime | None) -> list[Decision]:
        """Apply replenishments and events up to `until` (all when None), in time
        order; on the same instant stock arrives first."""
        made: list[Decision] = []
        receive = self.router.inventory.receive
        while self._pending_arrivals or self._pending_events:
            arrival = self._arrivals[self._next_arrival] if self._pending_arrivals else None
            event = self._events[self._next_event] if self._pending_events else None
            if arrival is not None and (event is None or arrival[0] <= event.at):
                if until is not None and arrival[0] > until:
                    break
                _, node_id, sku, qty = arrival
                receive(node_id, sku, qty)
                self._next_arrival += 1
                continue
            if until is not None and event.at > until:
                break
            changes = self.reactions.apply(event)
            self.reroutes += len(changes)
            made.extend(changes)
            self._next_event += 1
        return made


class KeepLevels:
    """Keep levels per strategy and node for the KPIs' protection check.

    A `keep` that reads only node fields gives one level per node. One whose condition
    also reads the order (`keep 2 units at node.type == "store" and order.tier != "vip"`)
    may differ from order to order: its level is the lowest any replayed order of that
    strategy met, so that a breach is never reported where the router was allowed to go
    lower (a breach above that level for an order that met a higher one goes unseen).
    """

    def __init__(self, router: Router):
        self.router = router
        self.levels: dict[str, np.ndarray] = {}
        self.dynamic: set[str] = set()
        for strategy in router.policy.strategies:
            if router.keeps_read_orders(strategy.id):
                self.dynamic.add(strategy.id)
                continue
            level = router.keep_for(strategy.id, None)
            if level is not None:
                self.levels[strategy.id] = np.asarray(level, dtype=np.int64)
        self.active = bool(self.dynamic)

    def note(self, order, decision: Decision) -> None:
        for strategy_id in decision.strategies:
            if strategy_id in self.dynamic:
                level = self.router.keep_for(strategy_id, order)
                seen = self.levels.get(strategy_id)
                self.levels[strategy_id] = level if seen is None else np.minimum(seen, level)

    def frame(self) -> pd.DataFrame:
        ids = np.asarray(self.router.network.ids, dtype=object)
        parts = []
        for strategy_id, level in sorted(self.levels.items()):
            kept = np.flatnonzero(level > 0)
            parts.append(
                pd.DataFrame(
                    {"strategy": strategy_id, "node_id": ids[kept], "keep": level[kept]},
                    columns=KEEP_COLUMNS,
                )
            )
        if not parts:
            return pd.DataFrame(
                {"strategy": [], "node_id": [], "keep": pd.Series(dtype="int64")},
                columns=KEEP_COLUMNS,
            )
        return pd.concat(parts, ignore_index=True).astype({"keep": "int64"})


def _with_replenished_skus(
    inventory: pd.DataFrame, replenishments: pd.DataFrame | None
) -> pd.DataFrame:
    """The opening stock with a zero row for each SKU that only arrives later, so the
    stock matrix is complete before routing starts."""
    if replenishments is None or replenishments.empty:
        return inventory
    stocked = inventory["sku"].astype(str).unique()
    arriving = replenishments.assign(sku=replenishments["sku"].astype(str))
    new = arriving[~arriving["sku"].isin(stocked)].drop_duplicates("sku")
    if new.empty:
        return inventory
    zero = pd.DataFrame({"node_id": new["node_id"], "sku": new["sku"], "on_hand": 0})
    return pd.concat([inventory[["node_id", "sku", "on_hand"]], zero], ignore_index=True)


def _arrivals(replenishments: pd.DataFrame | None) -> list[tuple]:
    """Replenishments as (UTC instant, node id, sku, qty), in time order."""
    if replenishments is None or replenishments.empty:
        return []
    at = pd.to_datetime(replenishments["at"])
    if at.dt.tz is None:
        at = at.dt.tz_localize("UTC")
    instants = list(at.dt.tz_convert("UTC").dt.to_pydatetime())
    rows = zip(
        instants,
        replenishments["node_id"].astype(str).tolist(),
        replenishments["sku"].astype(str).tolist(),
        replenishments["qty"].astype("int64").tolist(),
        strict=True,
    )
    return sorted(rows, key=lambda row: row[0])


def _events(events: pd.DataFrame | None, tz, last_day: dt.date | None) -> list:
    """Operational events in time order, up to the end of the period."""
    if events is None or events.empty:
        return []
    from engine.events import events_from_frame

    out = sorted(events_from_frame(events), key=lambda event: event.at)
    if last_day is not None:
        end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
        out = [event for event in out if event.at < end]
    return out
