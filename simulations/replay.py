"""Replay order history through the router: every order in time order against the
opening stock, with replenishments arriving and operational events (node offline, stock
counts, capacity changes) re-routing open allocations as they happen; then the decision
tables and the KPIs of kpis.md.

It is the production router doing the work (`engine.Router`, or `engine.reactions`
when there are events), so a simulated decision is the decision production would make.
Nothing here prints: progress goes to an `on_progress(done, total)` callback, which
the CLI turns into a progress line and the studio into a progress bar.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

import engine
from dsl import syntax as s
from engine import Decision, Explanation, Policy, Router
from engine.windows import as_instant
from simulations.decisions import DecisionTables, decision_tables
from simulations.inputs import Inputs, TableSource, empty_rejects, load_inputs
from simulations.kpis import CO2_KG_PER_KM, Kpis, compute_kpis
from simulations.order_stream import OrderSlice, in_routing_order, order_count, order_slices

Progress = Callable[[int, int], None]
"""`on_progress(done, total)`: orders routed so far, orders to route."""
PROGRESS_EVERY = 1_000
KEEP_COLUMNS = ["strategy", "node_id", "keep"]


@dataclass(frozen=True)
class Simulation:
    """One replay: its decisions (as tables), KPIs, the rows the loaders rejected, and
    what it ran on."""

    tables: DecisionTables
    kpis: Kpis
    rejects: pd.DataFrame
    keep_levels: pd.DataFrame
    policy: Policy
    inputs: Inputs
    explanations: dict[str, tuple[Explanation, ...]]
    """Explanations of the orders asked for with `explain=`, by order id."""
    reroutes: int
    seconds: float

    @property
    def decisions(self) -> pd.DataFrame:
        """The decisions table: one row per replayed order (its final decision)."""
        return self.tables.orders

    @property
    def orders_per_second(self) -> float:
        return len(self.tables.orders) / self.seconds if self.seconds else 0.0

    def write(self, out_dir: str | Path, title: str = "Simulation report") -> dict[str, Path]:
        """Write kpis.json, decisions.parquet (with shipments.parquet and
        allocations.parquet), rejects.csv and the offline report.html into `out_dir`."""
        from simulations.report import write_report

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        kpis_path = out / "kpis.json"
        kpis_path.write_text(self.kpis.to_json(), encoding="utf-8")
        written = {"kpis": kpis_path, **self.tables.to_parquet(out)}
        written["rejects"] = out / "rejects.csv"
        self.rejects.to_csv(written["rejects"], index=False)
        written["report"] = write_report(
            out / "report.html", self.kpis, self.tables, self.inputs.nodes, title=title
        )
        return written


def run(
    policy: Policy | s.Ruleset,
    nodes: TableSource,
    inventory: TableSource,
    orders: TableSource,
    replenishments: TableSource | None = None,
    events: TableSource | None = None,
    *,
    on_progress: Progress | None = None,
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
    explain: Collection[str] = (),
    co2_kg_per_km: float = CO2_KG_PER_KM,
) -> Simulation:
    """Route every order in time order with the engine and compute the KPIs.

    Tables are files, DataFrames or loaded `engine.tables.Table`s; their bad rows end up
    in `Simulation.rejects` and the rest is replayed. `first_day`/`last_day` keep the
    orders created on those local days (ruleset time zone, both inclusive). Orders
    named in `explain` keep their explanation.
    """
    policy = as_policy(policy)
    inputs = load_inputs(nodes, inventory, orders, replenishments, events, timezone=policy.timezone)
    return replay(
        policy,
        inputs,
        on_progress=on_progress,
        first_day=first_day,
        last_day=last_day,
        explain=explain,
        co2_kg_per_km=co2_kg_per_km,
    )


def replay(
    policy: Policy,
    inputs: Inputs,
    *,
    on_progress: Progress | None = None,
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
    explain: Collection[str] = (),
    co2_kg_per_km: float = CO2_KG_PER_KM,
) -> Simulation:
    """`run` on tables already loaded (see `simulations.inputs.load_inputs`)."""
    started = time.perf_counter()
    lines = in_routing_order(within(inputs.orders, policy.tz, first_day, last_day), policy.tz)
    session = _Session(policy, inputs, last_day)
    wanted = frozenset(explain)
    parts: list[DecisionTables] = []
    every: list[dict] = []
    explanations: dict[str, tuple[Explanation, ...]] = {}
    with session:
        for part, decisions in session.decide(lines, wanted, on_progress):
            for decision in decisions:
                if decision.order_id in wanted and decision.explain:
                    explanations[decision.order_id] = decision.explain
            if session.reactions is None:
                parts.append(_flatten(decisions, part.lines, inputs.nodes, policy.timezone))
            else:  # a re-route may replace the decision of an order of an earlier slice
                every.extend(_without_explanation(d) for d in decisions)
        every.extend(_without_explanation(d) for d in session.finish())
    if session.reactions is None:
        tables = _concat(parts, inputs.nodes, policy.timezone)
    else:
        tables = decision_tables(every, lines, inputs.nodes, policy.timezone)
    levels = session.keep_levels()
    kpis = compute_kpis(
        tables,
        inputs.nodes,
        inputs.inventory,
        keep_levels=levels,
        replenishments=inputs.replenishments,
        co2_kg_per_km=co2_kg_per_km,
    )
    return Simulation(
        tables=tables,
        kpis=kpis,
        rejects=inputs.rejects if inputs.rejects is not None else empty_rejects(),
        keep_levels=levels,
        policy=policy,
        inputs=inputs,
        explanations=explanations,
        reroutes=session.reroutes,
        seconds=time.perf_counter() - started,
    )


def explain_orders(
    policy: Policy,
    inputs: Inputs,
    order_ids: Collection[str],
    *,
    on_progress: Progress | None = None,
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
) -> dict[str, tuple[Explanation, ...]]:
    """The explanation of each named order as the replay routes it (the stock and
    capacity it meets depend on every order before it); stops after the last one."""
    wanted = frozenset(order_ids)
    found: dict[str, tuple[Explanation, ...]] = {}
    if not wanted:
        return found
    lines = in_routing_order(within(inputs.orders, policy.tz, first_day, last_day), policy.tz)
    with _Session(policy, inputs, last_day) as session:
        for _part, decisions in session.decide(lines, wanted, on_progress, stop=wanted):
            for decision in decisions:
                if decision.order_id in wanted and decision.explain:
                    found[decision.order_id] = decision.explain
    return found


def as_policy(policy: Policy | s.Ruleset) -> Policy:
    """A compiled policy (a syntax tree is compiled; `engine.CompileError` if it has errors)."""
    if isinstance(policy, Policy):
        return policy
    return engine.compile(policy)


def within(
    lines: pd.DataFrame, tz, first_day: dt.date | None, last_day: dt.date | None
) -> pd.DataFrame:
    """Order lines created on local days `first_day`..`last_day` (inclusive; None = open)."""
    if first_day is None and last_day is None:
        return lines
    created = pd.to_datetime(lines["created_at"])
    local = (
        created.dt.tz_localize(tz) if created.dt.tz is None else created.dt.tz_convert(tz)
    ).dt.tz_localize(None)
    keep = np.ones(len(lines), dtype=bool)
    if first_day is not None:
        keep &= (local >= pd.Timestamp(first_day)).to_numpy()
    if last_day is not None:
        keep &= (local < pd.Timestamp(last_day) + pd.Timedelta(days=1)).to_numpy()
    return lines[keep]


# ------------------------------------------------------------------ the session


class _Session:
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
        self._lowest_keep = _DynamicKeeps(self.router)

    def __enter__(self) -> _Session:
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
        tz = self.policy.tz
        keeps = self._lowest_keep
        for part in order_slices(lines):
            made: list[Decision] = []
            for order in part.orders:
                instant = as_instant(order.created_at, tz)
                if self._due(instant):
                    made.extend(self._arrive(instant))
                decision = self._route(order, instant, order.id in explain)
                made.append(decision)
                if keeps.active:
                    keeps.note(order, decision)
                done += 1
                if on_progress is not None and done % PROGRESS_EVERY == 0:
                    on_progress(done, total)
                if left is not None:
                    left.discard(order.id)
                    if not left:
                        break
            yield part, made
            if left is not None and not left:
                break
        if on_progress is not None:
            on_progress(total, total)

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


class _DynamicKeeps:
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
        for strategy_id, bound in router.bound.items():
            if not bound.keep_masks:
                continue
            if any(mask.dynamic is not None for _, mask in bound.keep_masks):
                self.dynamic.add(strategy_id)
            else:
                self.levels[strategy_id] = np.asarray(bound.keep_for(None), dtype=np.int64)
        self.active = bool(self.dynamic)

    def note(self, order, decision: Decision) -> None:
        for strategy_id in decision.strategies:
            if strategy_id in self.dynamic:
                level = self.router.bound[strategy_id].keep_for(order)
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


# ---------------------------------------------------------------------- helpers


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


def _without_explanation(decision: Decision) -> Decision:
    return replace(decision, explain=()) if decision.explain else decision


def _flatten(decisions: list[Decision], lines: pd.DataFrame, nodes, timezone) -> DecisionTables:
    return decision_tables([_without_explanation(d) for d in decisions], lines, nodes, timezone)


def _concat(parts: list[DecisionTables], nodes: pd.DataFrame, timezone: str) -> DecisionTables:
    """Join the tables of consecutive slices, numbering decisions and allocations on."""
    if not parts:
        return decision_tables([], _no_lines(), nodes, timezone)
    orders, shipments, allocations = [], [], []
    decided = allocated = 0
    for part in parts:
        orders.append(part.orders.assign(decision_seq=part.orders["decision_seq"] + decided))
        shipments.append(part.shipments)
        allocations.append(part.allocations.assign(seq=part.allocations["seq"] + allocated))
        decided += len(part.orders)
        allocated += len(part.allocations)
    if len(parts) == 1:
        return parts[0]
    return DecisionTables(
        orders=pd.concat(orders, ignore_index=True),
        shipments=pd.concat(shipments, ignore_index=True),
        allocations=pd.concat(allocations, ignore_index=True),
    )


def _no_lines() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": pd.Series(dtype="str"),
            "created_at": pd.Series(dtype="datetime64[ns, UTC]"),
            "sku": pd.Series(dtype="str"),
            "qty": pd.Series(dtype="int64"),
        }
    )
