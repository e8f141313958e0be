"""Compare scenarios: two or more scenarios (a ruleset and what-if overrides) replayed
on the same orders; the KPIs side by side with their changes, the charts overlaid, with
carriers the delivery promise (and the orders that lost their next-day promise), with
returns their figures, and the orders whose routing changed, with why. When a scenario's
ruleset has return strategies, every scenario replays the data's returns (the same
tables for all: a ruleset without return strategies leaves them all unrouted)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import streamlit as st

import engine
from simulations import Comparison, Overrides, Scenario, ScenarioError, compare
from simulations.charts import KPI_LABELS, carrier_mix_comparison_figure, comparison_figure
from simulations.kpis import OVERALL_KEYS
from studio import data, formats
from studio.components import (
    bound_view,
    change_summary,
    collect_figures,
    lost_promises,
    promise_figures,
    return_figures,
    scenario_form,
    scenario_overlays,
)
from studio.components.kpi_cards import delta_text
from studio.components.period_picker import Period, peak_days, period_filter, period_inputs
from studio.components.ruleset_choice import (
    RulesetChoice,
    compile_choice,
    pick_ruleset,
    show_error,
    timezone_of,
)
from studio.components.widget_memory import field, forget, remember

SCENARIOS = "compare.scenarios"
RESULT = "compare.result"
NEW = "compare.new"
# Session key: (result, (first, last), runs narrowed to those days), the period shown.
# (A comment: Streamlit's magic would write a bare string of a page on the page.)
VIEWS = "compare.views"


@dataclass(frozen=True)
class ScenarioEntry:
    """A scenario as the user set it up: a name, a ruleset text and overrides."""

    name: str
    choice: RulesetChoice
    overrides: Overrides


@dataclass(frozen=True)
class Result:
    entries: tuple[ScenarioEntry, ...]
    comparisons: tuple[Comparison, ...]
    data_key: tuple
    first_day: dt.date | None
    last_day: dt.date | None

    @property
    def runs(self) -> dict:
        """Each scenario's replay, by name (the base's from the first comparison)."""
        out = {self.comparisons[0].names[0]: self.comparisons[0].base}
        for comparison in self.comparisons:
            out[comparison.names[1]] = comparison.variant
        return out


def render() -> None:
    st.title("Compare scenarios")
    entries: list[ScenarioEntry] = st.session_state.setdefault(SCENARIOS, [])
    _listed(entries)
    with st.expander("Add a scenario", expanded=len(entries) < 2, icon=":material/add_circle:"):
        _add(entries)
    dataset = data.dataset(timezone_of(entries[0].choice if entries else None))
    if not dataset.ready:
        st.warning(
            "The nodes, inventory and orders tables are needed: see Network and stock.",
            icon=":material/folder_off:",
        )
        return
    timezone = timezone_of(entries[0].choice) if entries else "UTC"
    first, last = period_inputs(dataset.inputs.orders, timezone, "compare")
    bound = bound_view.asked("compare")
    remember()
    ready = len(entries) >= 2 and (first is None or last is None or first <= last)
    if st.button(
        "Compare",
        type="primary",
        icon=":material/compare_arrows:",
        disabled=not ready,
        help=None if ready else "add at least two scenarios",
    ):
        result = _compare(entries, dataset, first, last, bound)
        if result is not None:
            st.session_state[RESULT] = result
    result = st.session_state.get(RESULT)
    if result is None:
        return
    st.divider()
    if result.data_key != dataset.key:
        st.warning(
            "The tables changed since this comparison: run it again.", icon=":material/update:"
        )
    _show(result)


def _listed(entries: list[ScenarioEntry]) -> None:
    if not entries:
        st.info(
            "Add two or more scenarios: the first one is the base the others are compared with.",
            icon=":material/info:",
        )
        return
    for position, entry in enumerate(entries):
        left, right = st.columns([5, 1])
        role = "base" if position == 0 else "variant"
        changes = "; ".join(entry.overrides.describe()) or "no overrides"
        left.markdown(f"**{entry.name}** ({role}) — {entry.choice.label} · {changes}")
        if right.button("Remove", key=f"compare.remove.{position}", icon=":material/delete:"):
            entries.pop(position)
            st.rerun()


def _add(entries: list[ScenarioEntry]) -> None:
    choice = pick_ruleset(f"{NEW}.ruleset")
    dataset = data.dataset(timezone_of(choice))
    if not dataset.ready:
        return
    compiled = compile_choice(choice, dataset)
    if compiled.error:
        show_error(compiled)
        return
    name = st.text_input("Scenario name", key=field(f"{NEW}.name", f"Scenario {len(entries) + 1}"))
    overrides = scenario_form.overrides_form(NEW, compiled.ruleset, dataset.inputs.nodes)
    taken = {entry.name for entry in entries}
    clean = name.strip()
    if st.button("Add this scenario", icon=":material/add:", key=f"{NEW}.add"):
        if not clean:
            st.error("Give the scenario a name.", icon=":material/error:")
        elif clean in taken:
            st.error(f"There is already a scenario named {clean!r}.", icon=":material/error:")
        else:
            entries.append(ScenarioEntry(clean, choice, overrides))
            forget(f"{NEW}.")
            st.rerun()


def _compare(entries, dataset, first, last, bound: bool = False) -> Result | None:
    scenarios = []
    for entry in entries:
        compiled = compile_choice(entry.choice, dataset)
        if compiled.error:
            show_error(compiled)
            return None
        scenarios.append(
            Scenario(name=entry.name, ruleset=compiled.ruleset, overrides=entry.overrides)
        )
    routing = next((sc.ruleset for sc in scenarios if data.has_returns(sc.ruleset)), None)
    inputs = dataset.inputs_for(routing)
    base, variants = scenarios[0], scenarios[1:]
    bar = st.progress(0.0, text="Preparing…")
    comparisons = []
    for number, variant in enumerate(variants):

        def progress(done: int, total: int, number=number, name=variant.name) -> None:
            share = (number + done / max(total, 1)) / len(variants)
            bar.progress(min(share, 1.0), text=f"{base.name} vs {name}: {done:,} of {total:,}")

        try:
            comparisons.append(
                compare(
                    base,
                    variant,
                    inputs,
                    on_progress=progress,
                    first_day=first,
                    last_day=last,
                )
            )
        except (ScenarioError, engine.CompileError) as error:
            bar.empty()
            st.error(f"{variant.name}: {error}", icon=":material/error:")
            return None
    if bound:
        comparisons = _with_bounds(comparisons)
    seconds = sum(c.base.seconds + c.variant.seconds for c in comparisons)
    bar.progress(
        1.0,
        text=f"Done: {len(scenarios)} scenarios compared ({formats.duration(seconds)} of replay)",
    )
    return Result(tuple(entries), tuple(comparisons), dataset.key, first, last)


def _with_bounds(comparisons: list[Comparison]) -> list[Comparison]:
    """Every scenario's run with its gap to the optimisation bound (the base solved once)."""
    base = bound_view.bounded(comparisons[0].base)
    return [
        replace(comparison, base=base, variant=bound_view.bounded(comparison.variant))
        for comparison in comparisons
    ]


def _show(result: Result) -> None:
    period = _period(result)
    runs = _seen(result, period)
    names = list(runs)
    overalls = {name: run.kpis.overall for name, run in runs.items()}
    promised = runs[names[0]].kpis
    st.subheader("Key figures")
    st.caption(f"Each Δ is the scenario minus **{names[0]}** (rates in percentage points).")
    st.dataframe(
        scenario_overlays.kpi_table(
            overalls,
            promise_figures.headline_keys(promised, OVERALL_KEYS),
            lambda k: KPI_LABELS[k][0],
            formats.kpi,
            delta_text,
        ),
        hide_index=True,
        key="compare.kpis",
    )
    daily, distance, node_types, bars = st.tabs(
        ["Per day", "Distance", "Node types", "Side by side"]
    )
    with daily:
        st.plotly_chart(scenario_overlays.daily_overlay(runs), key="compare.chart.daily")
    with distance:
        st.plotly_chart(scenario_overlays.distance_overlay(runs), key="compare.chart.distance")
    with node_types:
        st.plotly_chart(scenario_overlays.node_type_overlay(runs), key="compare.chart.node_types")
    with bars:
        for comparison in result.comparisons:
            base, variant = comparison.names
            st.plotly_chart(
                comparison_figure(overalls[base], overalls[variant], comparison.names),
                key=f"compare.chart.bars.{variant}",
            )
    if any(run.kpis.carriers for run in runs.values()):
        _promise(result, runs, period)
    collect_figures.side_by_side({name: run.kpis for name, run in runs.items()}, "compare")
    return_figures.side_by_side({name: run.kpis for name, run in runs.items()}, "compare")
    bound_view.side_by_side(runs, "compare")
    for comparison in result.comparisons:
        change_summary.show_changed(comparison, "compare")


def _promise(result: Result, runs: dict, period: Period) -> None:
    """The delivery promise of every scenario: the promise figures side by side, the
    carrier mix of each variant against the base, the carrier tables, and the orders
    each variant no longer promises next day (placed in `period`)."""
    names = list(runs)
    st.subheader("Delivery promise", anchor=False)
    st.caption(f"Each Δ is the scenario minus **{names[0]}** (rates in percentage points).")
    st.dataframe(
        scenario_overlays.kpi_table(
            {name: run.kpis.overall for name, run in runs.items()},
            promise_figures.PROMISE_CARDS,
            promise_figures.label,
            formats.kpi,
            delta_text,
        ),
        hide_index=True,
        key="compare.promise",
    )
    for comparison in result.comparisons:
        base, variant = comparison.names
        st.plotly_chart(
            carrier_mix_comparison_figure(runs[base].kpis, runs[variant].kpis, (base, variant)),
            key=f"compare.chart.carrier_mix.{variant}",
        )
    promise_figures.carrier_tables({name: run.kpis for name, run in runs.items()}, "compare")
    for comparison in result.comparisons:
        lost_promises.show(comparison, "compare", period)


def _period(result: Result) -> Period:
    """The days the key figures and charts are shown for (the whole comparison by default)."""
    base = result.comparisons[0].base
    days = base.kpis.by_day["day"]
    if not len(days):
        return Period("whole run", None, None)
    first, last = days.iloc[0], days.iloc[-1]
    return period_filter((first, last), peak_days(base.policy.ruleset, first, last), "compare.view")


def _seen(result: Result, period: Period) -> dict:
    """Each scenario's run narrowed to `period`, computed once per comparison and period."""
    if period.whole:
        return result.runs
    st.caption(f"Key figures and charts for the orders placed in the {period.name}.")
    kept = st.session_state.get(VIEWS)
    if kept is None or kept[0] is not result or kept[1] != (period.first, period.last):
        runs = {name: run.between(period.first, period.last) for name, run in result.runs.items()}
        kept = st.session_state[VIEWS] = (result, (period.first, period.last), runs)
    return kept[2]


if __name__ == "__main__":
    render()
