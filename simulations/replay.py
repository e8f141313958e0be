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
from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

import engine
from dsl import syntax as s
from engine import Decision, Explanation, Policy
from simulations.decisions import DecisionTables, decision_tables
from simulations.inputs import Inputs, TableSource, empty_rejects, load_inputs
from simulations.kpis import CO2_KG_PER_KM, Kpis, compute_kpis
from simulations.order_stream import in_routing_order
from simulations.timeline import Progress, Timeline


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
    timeline = Timeline(policy, inputs, last_day)
    wanted = frozenset(explain)
    parts: list[DecisionTables] = []
    every: list[dict] = []
    explanations: dict[str, tuple[Explanation, ...]] = {}
    with timeline:
        for part, decisions in timeline.decide(lines, wanted, on_progress):
            for decision in decisions:
                if decision.order_id in wanted and decision.explain:
                    explanations[decision.order_id] = decision.explain
            if timeline.reactions is None:
                parts.append(_flatten(decisions, part.lines, inputs.nodes, policy.timezone))
            else:  # a re-route may replace the decision of an order of an earlier slice
                every.extend(_without_explanation(d) for d in decisions)
        every.extend(_without_explanation(d) for d in timeline.finish())
    if timeline.reactions is None:
        tables = _concat(parts, inputs.nodes, policy.timezone)
    else:
        tables = decision_tables(every, lines, inputs.nodes, policy.timezone)
    levels = timeline.keep_levels()
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
        reroutes=timeline.reroutes,
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
    with Timeline(policy, inputs, last_day) as timeline:
        for _part, decisions in timeline.decide(lines, wanted, on_progress, stop=wanted):
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
