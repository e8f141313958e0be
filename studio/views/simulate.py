"""Simulate: replay the order history through a ruleset version (or the current draft)
over a period, under scenario overrides, with a progress bar; then the KPIs against the
live version, the charts, the orders behind a figure and the downloads. A ruleset with
return strategies routes the data's returns too (both sides of the comparison: the
figures stay comparable), and the run shows its returns."""

from __future__ import annotations

import datetime as dt
import hashlib

import streamlit as st

import engine
from simulations import Overrides, ScenarioError
from simulations.replay import replay
from simulations.scenarios import apply_to_inputs, apply_to_ruleset
from studio import data, formats
from studio.components import bound_view, run_results, scenario_form
from studio.components.period_picker import peak_days, period_inputs
from studio.components.ruleset_choice import (
    RulesetChoice,
    compile_choice,
    extra_fields,
    live_version,
    runnable_ruleset,
    show_error,
)
from studio.components.widget_memory import field, remember
from studio.recent import Recent

RESULT = "simulate.result"
KEPT_RUNS = 6


def render() -> None:
    st.title("Simulate")
    runnable = runnable_ruleset(
        "simulate.ruleset", help="a stored version, the draft or an example"
    )
    if runnable is None:
        return
    choice, dataset = runnable.choice, runnable.dataset
    first, last = period_inputs(dataset.inputs.orders, runnable.policy.timezone, "simulate")
    with st.expander("Scenario overrides (what if…)", icon=":material/tune:"):
        overrides = scenario_form.overrides_form(
            "simulate.scenario", runnable.ruleset, dataset.inputs.nodes
        )
    live = live_version(choice)
    against_live = False
    if live is not None and (live.text != choice.text or overrides != Overrides()):
        against_live = st.checkbox(
            f"Compare with the live version ({live.label})",
            key=field("simulate.against_live", True),
            help="runs the live version on the same orders, without overrides",
        )
    bound = bound_view.asked("simulate")
    remember()
    baseline = live if against_live else None
    returns = _returns_note(runnable.ruleset, dataset)
    asked = _result_key(choice, baseline, overrides, dataset, first, last) + (returns, bound)
    if first is not None and last is not None and first > last:
        pass  # said under the dates
    elif st.button("Run the simulation", type="primary", icon=":material/play_arrow:"):
        run = _run(choice, baseline, overrides, dataset, first, last, returns, bound)
        if run is not None:
            st.session_state[RESULT] = run
            _kept_results().put(asked, run)
    if RESULT not in st.session_state and (earlier := _kept_results().get(asked)) is not None:
        st.session_state[RESULT] = earlier  # a reload, or another browser: shown again
        st.caption(
            ":material/history: The result of an earlier run of this ruleset on the same data, "
            "period and overrides."
        )
    run = st.session_state.get(RESULT)
    if run is None:
        return
    st.divider()
    if run.data_key != dataset.key:
        st.warning(
            "The tables changed since this run (an upload or new files): run it again.",
            icon=":material/update:",
        )
    run_results.show_run(run, "simulate.run")


def _run(
    choice: RulesetChoice,
    live: RulesetChoice | None,
    overrides: Overrides,
    dataset: data.Dataset,
    first: dt.date | None,
    last: dt.date | None,
    returns: bool = False,
    bound: bool = False,
) -> run_results.Run | None:
    """Replay the choice (and the live version) with one progress bar over both; with
    `returns`, both route the data's returns (each then replays a second time without
    them, the baseline of `fill_rate_gain`); with `bound`, the choice's run gets the gap
    to the optimisation bound."""
    stages = [(choice, overrides)] + ([(live, Overrides())] if live is not None else [])
    bar = st.progress(0.0, text="Preparing…")
    runs = []
    compiled_ruleset = None
    tables = dataset.inputs  # with the returns when the run routes them, for every version
    if returns:
        tables = dataset.inputs_for(compile_choice(choice, dataset).ruleset) or tables
    for number, (ruleset_choice, changes) in enumerate(stages):
        compiled = compile_choice(ruleset_choice, dataset)
        if compiled.error:
            bar.empty()
            show_error(compiled)
            return None
        try:
            ruleset = apply_to_ruleset(compiled.ruleset, changes)
            compiled_ruleset = compiled_ruleset or ruleset  # the run's, not the live one's
            policy = engine.policy_of(
                ruleset,
                filename=ruleset_choice.filename,
                source=ruleset_choice.text,
                extra_fields=extra_fields(dataset),
            )
            inputs = apply_to_inputs(tables, changes)
        except (ScenarioError, engine.CompileError) as error:
            bar.empty()
            st.error(f"The overrides cannot be applied: {error}", icon=":material/error:")
            return None

        def progress(done: int, total: int, number=number, name=ruleset_choice.label) -> None:
            share = (number + done / max(total, 1)) / len(stages)
            routed = f"{formats.count(done)} of {formats.count(total, 'order')} routed"
            then = ", then the same without the returns" if returns and done >= total else ""
            bar.progress(min(share, 1.0), text=f"{name}: {routed}{then}")

        runs.append(
            _replay(
                ruleset_choice.text,
                changes.model_dump_json(),
                dataset.key,
                first,
                last,
                returns,
                policy=policy,
                inputs=inputs,
                on_progress=progress,
                bound=bound and number == 0,
            )
        )
    simulation = runs[0]
    days = simulation.kpis.by_day["day"]
    peaks = peak_days(compiled_ruleset, days.iloc[0], days.iloc[-1]) if len(days) else []
    bar.progress(
        1.0,
        text=f"Done: {formats.count(len(simulation.decisions), 'order')} replayed in "
        f"{formats.duration(simulation.seconds)}"
        + (f", the live version's in {formats.duration(runs[1].seconds)}" if len(runs) > 1 else ""),
    )
    return run_results.Run(
        label=choice.label,
        overrides=overrides,
        first_day=first,
        last_day=last,
        data_key=dataset.key,
        simulation=simulation,
        baseline=runs[1] if len(runs) > 1 else None,
        baseline_label=live.label if live is not None else None,
        peaks=peaks,
    )


def _result_key(
    choice: RulesetChoice,
    live: RulesetChoice | None,
    overrides: Overrides,
    dataset: data.Dataset,
    first: dt.date | None,
    last: dt.date | None,
) -> tuple:
    """What a result depends on: both rulesets' texts (by hash), the overrides, the
    data version and the period."""
    digest = hashlib.sha256(choice.text.encode("utf-8", "surrogatepass")).hexdigest()
    baseline = (
        hashlib.sha256(live.text.encode("utf-8", "surrogatepass")).hexdigest() if live else None
    )
    return (digest, baseline, overrides.model_dump_json(), dataset.key, first, last)


def _returns_note(ruleset, dataset: data.Dataset) -> bool:
    """Whether the run routes the data's returns (a returns table and a ruleset with
    return strategies); said under the button either way when the data has returns."""
    table = dataset.tables.get("returns")
    if table is None:
        return False
    count = formats.count(table.frame["return_id"].nunique(), "return")
    if data.has_returns(ruleset):
        st.caption(
            f":material/assignment_return: The {count} of the returns table are routed "
            "by the ruleset's return strategies, between the orders (restocked units "
            "can serve later orders); each version is replayed once more without them."
        )
        return True
    st.caption(
        f":material/assignment_return: This ruleset has no return strategy: the {count} "
        "of the returns table are left out of the run."
    )
    return False


@st.cache_resource(show_spinner=False)
def _kept_results() -> Recent:
    """The last results shown, for every session: a reload finds its result again."""
    return Recent(KEPT_RUNS)


@st.cache_resource(show_spinner=False)
def _kept_runs() -> Recent:
    """Replays kept for every session: the same ruleset text, overrides, data and
    period give the same decisions, so a second run (or the live baseline) is immediate."""
    return Recent(KEPT_RUNS)


def _replay(
    text: str,
    overrides: str,
    data_key: tuple,
    first: dt.date | None,
    last: dt.date | None,
    returns: bool,
    *,
    policy: engine.Policy,
    inputs,
    on_progress,
    bound: bool = False,
):
    key = (text, overrides, data_key, first, last, returns, bound)
    kept = _kept_runs()
    if (simulation := kept.get(key)) is not None:
        return simulation
    if bound:
        plain = _replay(
            text, overrides, data_key, first, last, returns,
            policy=policy, inputs=inputs, on_progress=on_progress,
        )  # fmt: skip
        simulation = bound_view.bounded(plain)
    else:
        simulation = replay(policy, inputs, on_progress=on_progress, first_day=first, last_day=last)
    kept.put(key, simulation)
    return simulation


if __name__ == "__main__":
    render()
