"""Replay order history through the router: every order in time order against the
opening stock, with replenishments arriving and operational events (node offline, stock
counts, capacity changes) re-routing open allocations as they happen; then the decision
tables and the KPIs of kpis.md.

It is the production engine doing the work (`engine.Session.replay`: the same kernel,
the same blocks), so a simulated decision is the decision production would make.
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
from engine import Decision, DecisionBatch, Explanation, Policy
from engine.backorders import Release
from engine.files import write_atomically
from engine.returns import ReturnDecision, returns_from_frame
from engine.session import Progress
from simulations.bound_figures import Bound
from simulations.carrier_schedule import open_session, replay_steps
from simulations.decisions import DecisionTables, decision_tables, in_days
from simulations.exports import write_csv
from simulations.inputs import Inputs, TableSource, empty_rejects, load_inputs
from simulations.keep_levels import KeepLevels
from simulations.kpis import CO2_KG_PER_KM, Kpis, backorder_figures, compute_kpis, with_returns
from simulations.return_tables import return_lines


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
    releases: tuple[Release, ...] | None = None
    """Backorders released when stock arrived (None: no order of the run could wait)."""
    returns: pd.DataFrame | None = None
    """A run with returns: one row per returned line and where it went
    (`simulations.return_tables`)."""
    without_returns: Simulation | None = None
    """A run with returns: the same replay with the returns ignored (the baseline of
    `fill_rate_gain`)."""
    bound: Bound | None = None
    """The gap to the optimisation bound, when asked for (`simulations.bound.with_bound`)."""

    @property
    def decisions(self) -> pd.DataFrame:
        """The decisions table: one row per replayed order (its final decision)."""
        return self.tables.orders

    def between(self, first: dt.date | None, last: dt.date | None) -> Simulation:
        """The same run seen over the orders placed from `first` to `last` (local days,
        both included): its tables and every KPI narrowed to them (`compute_kpis` with
        `days`). A peak season inside a year's run reads as if only the peak were shown."""
        kpis = compute_kpis(
            self.tables,
            self.inputs.nodes,
            self.inputs.inventory,
            keep_levels=self.keep_levels,
            replenishments=self.inputs.replenishments,
            co2_kg_per_km=self.kpis.co2_kg_per_km,
            days=(first, last),
        )
        tables = self.tables.between(first, last)
        if self.releases is not None:  # releases of those orders, up to the end of `last`
            ids = set(tables.orders["order_id"])
            tz = self.policy.tz
            seen = [
                r for r in self.releases
                if r.order_id in ids and (last is None or r.at.astimezone(tz).date() <= last)
            ]  # fmt: skip
            figures = backorder_figures(seen)
            kpis = replace(kpis, backorders=figures, overall={**kpis.overall, **figures})
        bound = None if self.bound is None else self.bound.between(first, last)
        if bound is not None:
            kpis = replace(kpis, bound=bound, overall={**kpis.overall, **bound.overall})
        if self.returns is None:
            return replace(self, tables=tables, kpis=kpis, bound=bound)
        assert self.without_returns is not None, "a run with returns has its baseline"
        baseline = self.without_returns.between(first, last)
        lines = in_days(self.returns, first, last)
        kpis = with_returns(kpis, lines, tables, self.inputs.orders, baseline.kpis)
        return replace(
            self, tables=tables, kpis=kpis, returns=lines, without_returns=baseline, bound=bound
        )

    @property
    def orders_per_second(self) -> float:
        return len(self.tables.orders) / self.seconds if self.seconds else 0.0

    def write(self, out_dir: str | Path, title: str = "Simulation report") -> dict[str, Path]:
        """Write kpis.json, decisions.parquet (with shipments.parquet and
        allocations.parquet), rejects.csv, returns.parquet (a run with returns: one row
        per returned line), bound.json (a run with the bound) and the offline report.html
        into `out_dir`."""
        from simulations.report import write_report

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        kpis_path = out / "kpis.json"
        kpis_path.write_text(self.kpis.to_json(), encoding="utf-8")
        written = {"kpis": kpis_path, **self.tables.to_parquet(out)}
        written["rejects"] = out / "rejects.csv"
        write_csv(self.rejects, written["rejects"])
        if self.returns is not None:
            written["returns"] = out / "returns.parquet"
            self.returns.to_parquet(written["returns"], index=False)
        if self.bound is not None:
            written["bound"] = out / "bound.json"
            write_atomically(written["bound"], self.bound.to_json())
        written["report"] = write_report(
            out / "report.html", self.kpis, self.tables, self.inputs.nodes, title=title
        )
        return written


def run(
    policy: Policy | s.Ruleset | str,
    nodes: TableSource,
    inventory: TableSource,
    orders: TableSource,
    replenishments: TableSource | None = None,
    events: TableSource | None = None,
    *,
    carriers: TableSource | None = None,
    closures: TableSource | None = None,
    on_progress: Progress | None = None,
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
    explain: Collection[str] = (),
    co2_kg_per_km: float = CO2_KG_PER_KM,
    returns: TableSource | None = None,
) -> Simulation:
    """Route every order in time order with the engine and compute the KPIs.

    The ruleset is a compiled policy, a syntax tree or its text; conditions may read the
    tables' extra columns. Tables are files, DataFrames or loaded `engine.tables.Table`s;
    their bad rows end up in `Simulation.rejects` and the rest is replayed. With
    `carriers` (and optionally `closures`) every shipment gets a carrier service and a
    promised date, and the KPIs the promise figures (docs/kpis.md).
    `first_day`/`last_day` keep the orders created on those local days (ruleset time
    zone, both inclusive). Orders named in `explain` keep their explanation. With
    `returns`, the ruleset's return strategies route them between the orders, restocked
    units feed the stock back, and the KPIs have the returns figures (docs/kpis.md).
    """
    inputs = load_inputs(
        nodes,
        inventory,
        orders,
        replenishments,
        events,
        carriers,
        closures,
        timezone=ruleset_timezone(policy),
        returns=returns,
    )
    return replay(
        engine.policy_of(policy, extra_fields=inputs.fields),
        inputs,
        on_progress=on_progress,
        first_day=first_day,
        last_day=last_day,
        explain=explain,
        co2_kg_per_km=co2_kg_per_km,
    )


def _releases(session) -> list[Release]:
    """Backorders the replay released."""
    if session.reactions is not None:
        return session.reactions.ledger.releases
    return [] if session.backorders is None else session.backorders.releases


def ruleset_timezone(ruleset: Policy | s.Ruleset | str) -> str:
    """The time zone a ruleset reads order times in (its `timezone`, else UTC)."""
    if isinstance(ruleset, Policy):
        return ruleset.timezone
    if isinstance(ruleset, str):
        from dsl import parse

        ruleset = parse(ruleset)
    return ruleset.timezone or "UTC"


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
    wanted = frozenset(explain)
    parts: list[DecisionBatch] = []
    returned: list[ReturnDecision] = []
    explanations: dict[str, tuple[Explanation, ...]] = {}
    reroutes = 0
    with open_session(policy, inputs) as session:
        levels = KeepLevels(session)
        steps = replay_steps(
            session,
            inputs,
            within(inputs.orders, policy.tz, first_day, last_day),
            explain=wanted,
            until=_end_of(last_day, policy.tz),
            on_progress=on_progress,
        )
        node_ids = session.network.ids
        for cut in steps:
            batch, step = cut.batch, cut.replayed
            returned.extend(step.returns)
            decisions = step.decisions
            if not isinstance(decisions, DecisionBatch):
                for decision in decisions:
                    if decision.order_id in wanted and decision.explain:
                        explanations[decision.order_id] = decision.explain
                reroutes += sum(1 for d in decisions if d.rerouted_from is not None)
                decisions = DecisionBatch.of([_plain(d) for d in decisions], node_ids)
            if levels.active and len(step.rows):
                levels.note(batch, step.rows, decisions)
            parts.append(decisions)
        decided = DecisionBatch.concat(parts, node_ids)
        releases = _releases(session)
        could_wait = session.reactions is not None or any(
            strategy.on_shortage == "backorder" for strategy in policy.strategies
        )
    tables = decision_tables(
        decided, inputs.orders, inputs.nodes, policy.timezone, carriers=inputs.carriers is not None
    )
    kept = levels.frame()
    kpis = compute_kpis(
        tables,
        inputs.nodes,
        inputs.inventory,
        keep_levels=kept,
        replenishments=inputs.replenishments,
        co2_kg_per_km=co2_kg_per_km,
    )
    if could_wait:
        figures = backorder_figures(releases)
        kpis = replace(kpis, backorders=figures, overall={**kpis.overall, **figures})
    lines = baseline = None
    if inputs.returns is not None:
        baseline = replay(
            policy, inputs.with_tables(returns=None), first_day=first_day, last_day=last_day,
            co2_kg_per_km=co2_kg_per_km,
        )  # fmt: skip
        returns = returns_from_frame(inputs.returns)
        lines = return_lines(returned, returns, inputs.orders, inputs.nodes, policy.timezone)
        kpis = with_returns(kpis, lines, tables, inputs.orders, baseline.kpis)
    return Simulation(
        tables=tables,
        kpis=kpis,
        rejects=inputs.rejects if inputs.rejects is not None else empty_rejects(),
        keep_levels=kept,
        policy=policy,
        inputs=inputs,
        explanations=explanations,
        reroutes=reroutes,
        seconds=time.perf_counter() - started,
        releases=tuple(releases) if could_wait else None,
        returns=lines,
        without_returns=baseline,
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
    with open_session(policy, inputs) as session:
        steps = replay_steps(
            session,
            inputs,
            within(inputs.orders, policy.tz, first_day, last_day),
            explain=wanted,
            stop=wanted,
            until=_end_of(last_day, policy.tz),
            on_progress=on_progress,
        )
        for cut in steps:
            step = cut.replayed
            if isinstance(step.decisions, DecisionBatch):
                continue
            for decision in step.decisions:
                if decision.order_id in wanted and decision.explain:
                    found[decision.order_id] = decision.explain
    return found


def _end_of(last_day: dt.date | None, tz) -> dt.datetime | None:
    """The first instant after the local day `last_day` (None: no end)."""
    if last_day is None:
        return None
    return dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)


def _plain(decision: Decision) -> Decision:
    return replace(decision, explain=()) if decision.explain else decision


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
