"""Sweep: vary a few settings of a ruleset over ranges, replay every combination on Dask
(a LocalCluster on this machine) with progress per finished combination, then the
Pareto-optimal settings on the chosen KPIs, and open any combination as a draft in the
editor (kept in the ruleset store as the user's working copy). docs/sweeps.md."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from simulations import ScenarioError
from simulations.charts import KPI_LABELS
from simulations.sweep_file import Combination, Sweep, build_sweep
from simulations.sweep_report import parallel_figure, pareto_figure
from simulations.sweeps import SweepRun, dask_client, run_sweep, usable_cores
from studio import formats, state
from studio.components import sweep_form, working_copy
from studio.components.ruleset_choice import DRAFT, STORED, RulesetChoice, runnable_ruleset, store
from studio.components.widget_memory import field, remember

RESULT = "sweep.result"
OPENED = "sweep.opened"  # the message of the combination just opened as a draft, once
# Where runs keep their finished combinations: the same sweep on the same data picks up
# what an earlier run of it finished. (Comments, not strings: Streamlit's magic would
# write a bare string of this script on the page.)
FOLDER = Path(tempfile.gettempdir()) / "sourcing-studio-sweeps"


@dataclass(frozen=True)
class SweepResult:
    """A finished run, with the combinations by number (to open one as a draft)."""

    sweep: Sweep
    run: SweepRun
    combinations: dict[int, Combination]
    choice: RulesetChoice
    data_key: tuple


def render() -> None:
    st.title("Sweep")
    runnable = runnable_ruleset("sweep.ruleset", help="the ruleset whose settings vary")
    if runnable is None:
        return
    dataset = runnable.dataset
    st.subheader("Settings to vary")
    vary, problems = sweep_form.vary_form("sweep.vary", runnable.ruleset, dataset.inputs.nodes)
    objectives = sweep_form.objectives_form("sweep.objectives")
    workers = st.number_input(
        "Worker processes", min_value=1, max_value=64, key=field("sweep.workers", usable_cores())
    )
    remember()
    for problem in problems:
        st.warning(problem, icon=":material/warning:")
    sweep = _sweep(runnable, vary, objectives) if vary and objectives and not problems else None
    if sweep is not None:
        st.caption(
            f"{sweep.size:,} combinations, each a replay of "
            f"{dataset.inputs.orders['order_id'].nunique():,} orders."
        )
        if st.button("Run the sweep", type="primary", icon=":material/play_arrow:"):
            st.session_state[RESULT] = _run(sweep, runnable, int(workers))
    result: SweepResult | None = st.session_state.get(RESULT)
    if result is not None:
        st.divider()
        if result.data_key != dataset.key:
            st.warning("The tables changed since this sweep: run it again.", icon=":material/sync:")
        _show(result)


def _sweep(runnable, vary: dict, objectives: dict) -> Sweep | None:
    try:
        return build_sweep(runnable.ruleset, vary, objectives, name=runnable.choice.label)
    except ScenarioError as error:
        st.error(str(error), icon=":material/error:")
        return None


def _run(sweep: Sweep, runnable, workers: int) -> SweepResult:
    """Every combination on a LocalCluster, the progress bar moving per finished one."""
    dataset = runnable.dataset
    data_key = hashlib.sha256(repr(dataset.key).encode()).hexdigest()[:24]
    combinations = sweep.combinations(data_key)
    digest = hashlib.sha256("".join(c.key for c in combinations).encode()).hexdigest()[:16]
    bar = st.progress(0.0, text=f"Starting {workers} worker processes…")

    def on_result(finished: int, total: int, combination: Combination, outcome: dict) -> None:
        state_word = "failed" if "error" in outcome else "done"
        bar.progress(
            finished / total, text=f"{finished}/{total}: #{combination.number} {state_word}"
        )

    inputs = dataset.inputs_for(runnable.ruleset)
    with dask_client(workers=workers) as client:
        run = run_sweep(
            sweep, inputs, FOLDER / digest, client, data_key=data_key, on_result=on_result
        )
    bar.progress(
        1.0,
        text=f"Done: {run.ran:,} replayed, {run.skipped:,} already done, {run.failed:,} failed",
    )
    by_number = {c.number: c for c in combinations}
    return SweepResult(sweep, run, by_number, runnable.choice, dataset.key)


def _show(result: SweepResult) -> None:
    sweep, table = result.sweep, result.run.table
    addresses = [parameter.address for parameter in sweep.parameters]
    done = table[table["status"] == "done"]
    st.subheader(f"Pareto-optimal settings ({int(table['pareto'].sum())} of {len(table)})")
    if not done.empty:
        figure = pareto_figure(done, addresses, sweep.objectives)
        st.plotly_chart(figure, key="sweep.chart.pareto", width="stretch")
        figure = parallel_figure(done, addresses, sweep.objectives)
        st.plotly_chart(figure, key="sweep.chart.parallel", width="stretch")
    for _, row in result.run.failures.iterrows():
        values = ", ".join(f"{a} = {row[a]}" for a in addresses)
        st.warning(
            f"#{row['combination']} failed ({values}): {row['error']}", icon=":material/error:"
        )
    shown = table[["combination", *addresses, "status", "pareto"]].copy()
    for key in sweep.objectives:  # the figures as the KPI cards write them
        shown[KPI_LABELS[key][0]] = table[key].map(lambda v, k=key: formats.kpi(k, v))
    st.dataframe(shown, hide_index=True, key="sweep.table")
    _open_as_draft(result)


def _open_as_draft(result: SweepResult) -> None:
    """Put a combination's ruleset in the editor, as a draft of the ruleset swept."""
    table = result.run.table
    order = table.sort_values(["pareto", "combination"], ascending=[False, True])
    numbers = order["combination"].tolist()
    optimal = set(table.loc[table["pareto"], "combination"])
    left, right = st.columns([2, 1])
    picked = left.selectbox(
        "Combination",
        numbers,
        key="sweep.open.pick",
        format_func=lambda n: _label(result, n, n in optimal),
    )
    right.button(
        "Open this combination as a draft",
        icon=":material/edit_note:",
        key="sweep.open",
        on_click=_open,
        args=(result, picked),
        help="replaces the text on the Rules page (kept as your working copy)",
    )
    if (opened := st.session_state.pop(OPENED, None)) is not None:
        st.success(opened, icon=":material/check_circle:")


def _label(result: SweepResult, number: int, optimal: bool) -> str:
    values = ", ".join(f"{a} = {v}" for a, v in result.combinations[number].values.items())
    return f"#{number}{' (Pareto)' if optimal else ''}: {values}"


def _open(result: SweepResult, number: int) -> None:
    choice = result.choice
    if choice.source == STORED:
        name, base = choice.name, choice.version
    elif choice.source == DRAFT:
        current = state.draft()
        name, base = current.name, current.base
    else:
        name, base = None, None
    state.open_draft(result.combinations[number].ruleset_text, name, base)
    working_copy.keep(store(), None)
    message = f"Combination #{number} is open on the Rules page as a draft."
    st.session_state[OPENED] = message
    state.notify("success", message)  # shown again on the Rules page


if __name__ == "__main__":
    render()
