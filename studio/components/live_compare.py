"""Compare with live, on the Rules page: the text being edited and the live version of
its ruleset replayed on the loaded order history with one click, then the headline
figures against live (for the whole history or a period such as the peak season), with
carriers the delivery promise and the orders that lost their next-day promise, and the
orders routed differently, grouped by cause in words.

A result is kept for every session by what it depends on (both texts and the data), so
a reload, or another browser asking the same question, shows it again at once. It is
shown while the text is the one compared: after an edit the page asks to compare again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st

import engine
from rulesets.store import RulesetStore, StoreError, Version
from simulations import Comparison, Overrides, Scenario, ScenarioError, compare
from studio import data, formats, state
from studio.components import (
    change_summary,
    collect_figures,
    lost_promises,
    promise_figures,
    run_results,
)
from studio.components.kpi_cards import kpi_cards
from studio.components.period_picker import peak_days, period_filter
from studio.components.ruleset_choice import DRAFT, STORED, RulesetChoice, compile_choice
from studio.recent import Recent

RESULT = "rules.live_compare"
KEY = "rules.live_compare"
"""The widgets' key prefix."""
DRAFT_NAME = "the draft"
"""The text being edited, as the figures and causes name it ("In the draft, …")."""
KEPT = 6
"""Results kept for every session (the most recently used)."""


@dataclass
class LiveComparison:
    """The draft against the live version on the loaded history."""

    key: tuple
    """(draft text hash, live text hash, data version): what the result depends on."""
    live_label: str
    comparison: Comparison
    run: run_results.Run
    """The draft's replay with the live one as its baseline (figures for a period)."""


def show(found: RulesetStore, draft: state.Draft, ok: bool, timezone: str | None) -> None:
    """The section: the button (greyed out with the reason when it cannot run), the
    progress while it runs, and the result for the text as it stands."""
    st.subheader("Compare with live", anchor=False)
    live = _live(found, draft.name)
    reason = _not_ready(draft, live, ok)
    dataset = data.dataset(timezone or "UTC") if reason is None else None
    if dataset is not None and not dataset.ready:
        reason = "The nodes, inventory and orders tables are needed: see Network and stock."
    label = f"Compare with live ({live.label})" if live is not None else "Compare with live"
    clicked = st.button(
        label,
        key=f"{KEY}.run",
        icon=":material/compare_arrows:",
        disabled=reason is not None,
        help="replays the order history with the live version and with this text, "
        "and shows what changes and why",
    )
    if reason is not None:
        st.caption(reason)
        return
    key = _key(draft.text, live.text, dataset.key)
    if clicked:
        result = _run(live, draft, dataset, key)
        if result is not None:
            st.session_state[RESULT] = result
            _kept().put(key, result)
    result = st.session_state.get(RESULT)
    if result is None or result.key != key:
        earlier = _kept().get(key)  # a reload, another browser, the reviewer: shown again
        if earlier is None:
            if result is not None:
                st.caption("The text changed since the last comparison: compare again.")
            return
        st.session_state[RESULT] = result = earlier
        st.caption(
            ":material/history: The result of an earlier comparison of this text with the "
            "live version, on the same data."
        )
    _result(result)


def _live(found: RulesetStore, name: str | None) -> Version | None:
    if name is None:
        return None
    try:
        return found.live(name)
    except StoreError:  # not saved yet under that name
        return None


def _not_ready(draft: state.Draft, live: Version | None, ok: bool) -> str | None:
    """Why the comparison cannot run now, in words; None when it can."""
    if draft.name is None:
        return "A new ruleset has no live version: save it, have it published, then compare."
    if live is None:
        return f"{draft.name} has no live version yet: there is nothing to compare with."
    if not ok:
        return "The text has errors (see Diagnostics): fix them, then compare."
    if live.text == draft.text:
        return f"The text is {live.label} as it is live: change something, then compare."
    return None


def _key(draft_text: str, live_text: str, data_key: tuple) -> tuple:
    def digest(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    return (digest(draft_text), digest(live_text), data_key)


@st.cache_resource(show_spinner=False)
def _kept() -> Recent:
    return Recent(KEPT)


def _run(
    live: Version, draft: state.Draft, dataset: data.Dataset, key: tuple
) -> LiveComparison | None:
    """Both texts compiled against the data, replayed and compared, with one progress
    bar; None (the reason shown) when either cannot run."""
    base_name = f"live v{live.number}"
    sides = []
    for choice in (
        RulesetChoice(f"{live.label} (live)", live.text, STORED, live.ruleset, live.number, True),
        RulesetChoice(f"Current draft ({draft.name})", draft.text, DRAFT, draft.name),
    ):
        compiled = compile_choice(choice, dataset)
        if compiled.error:
            st.error(f"{choice.label} cannot be run:", icon=":material/error:")
            st.code(compiled.error, language=None)
            return None
        sides.append(compiled.ruleset)
    bar = st.progress(0.0, text="Preparing…")

    def progress(done: int, total: int) -> None:
        routed = f"{formats.count(done)} of {formats.count(total, 'order')} routed"
        bar.progress(min(done / max(total, 1), 1.0), text=f"{base_name} and {DRAFT_NAME}: {routed}")

    try:
        comparison = compare(
            Scenario(name=base_name, ruleset=sides[0]),
            Scenario(name=DRAFT_NAME, ruleset=sides[1]),
            dataset.inputs,
            on_progress=progress,
        )
    except (ScenarioError, engine.CompileError) as error:
        bar.empty()
        st.error(f"The comparison cannot run: {error}", icon=":material/error:")
        return None
    bar.empty()
    variant = comparison.variant
    days = variant.kpis.by_day["day"]
    peaks = peak_days(sides[1], days.iloc[0], days.iloc[-1]) if len(days) else []
    run = run_results.Run(
        label=DRAFT_NAME,
        overrides=Overrides(),
        first_day=None,
        last_day=None,
        data_key=dataset.key,
        simulation=variant,
        baseline=comparison.base,
        baseline_label=base_name,
        peaks=peaks,
    )
    return LiveComparison(key, live.label, comparison, run)


def _result(result: LiveComparison) -> None:
    run, comparison = result.run, result.comparison
    base_name = run.baseline_label
    seconds = comparison.base.seconds + comparison.variant.seconds
    st.caption(
        f"The live version ({result.live_label}, *{base_name}* below) and **{DRAFT_NAME}** "
        f"(this text) replayed on the {formats.count(len(run.simulation.decisions), 'order')} "
        f"of {run.period} ({formats.duration(seconds)} of replay)."
    )
    period = period_filter(run.days, run.peaks, f"{KEY}.view") if run.days else None
    sim, base = run.seen(period) if period is not None else (run.simulation, run.baseline)
    if period is not None and not period.whole:
        st.caption(
            f"Figures for the {formats.count(len(sim.decisions), 'order')} placed in the "
            f"{period.name}, with the stock and capacity the whole run left them."
        )
    kpi_cards(
        sim.kpis.overall,
        base.kpis.overall,
        keys=promise_figures.headline_keys(sim.kpis),
        baseline_name=base_name,
    )
    promise_figures.show(sim.kpis, base.kpis, (base_name, DRAFT_NAME), KEY)
    collect_figures.show(sim.kpis, base.kpis, base_name)
    lost_promises.show(comparison, KEY, period)
    change_summary.show_changed(
        comparison,
        KEY,
        heading=f"Orders routed differently from {base_name} (the whole history)",
    )
    st.caption(
        "For charts, the orders behind a figure and what-if scenarios, use Simulate and "
        "Compare: the draft is offered there as the current draft."
    )
