"""The gap to the best possible (the optimisation bound of docs/kpis.md): asked for with a
checkbox, then its cards, its per-day chart, the gap by strategy and example orders on
Simulate, and every scenario's figures side by side on Compare."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulations.bound import BOUND_KEYS, with_bound
from simulations.bound_charts import gap_figure, gap_overlay
from simulations.replay import Simulation
from studio import formats
from studio.components.kpi_cards import kpi_cards
from studio.components.kpi_cards import side_by_side as side_by_side_table
from studio.components.widget_memory import field

CARDS = ("cost_gap_pct", "fill_gap_pts", "ruleset_value", "bound_value")
CAPTION = (
    "Each local day's orders allocated again by an optimisation (HiGHS) with the same "
    "stock, capacity, keep and within limits: the lowest cost + penalty any allocation "
    "could reach. A gap of 3 % means the ruleset spends at most 3 % more than the best "
    "possible; the bound itself can never be reached exactly (see docs/kpis.md)."
)


def asked(key: str) -> bool:
    """The checkbox that asks for the bound (off by default: on a year of orders it
    adds most of the replay's time again)."""
    return st.checkbox(
        "Gap to the best possible (optimisation bound)",
        key=field(f"{key}.bound", False),
        help="Solves each day's best allocation and shows how far the ruleset is from it.",
    )


def bounded(simulation: Simulation) -> Simulation:
    """The simulation with its bound, behind a spinner."""
    with st.spinner("Solving each day's best possible allocation…"):
        return with_bound(simulation)


def show(simulation: Simulation, key: str) -> None:
    """Simulate: the bound's cards, per-day chart, gap by strategy and examples."""
    bound = simulation.bound
    if bound is None:
        return
    st.subheader("Gap to the best possible", anchor=False)
    st.caption(CAPTION)
    kpi_cards(bound.overall, keys=CARDS)
    if bound.overall.get("gap_strategy"):
        st.caption(
            f"Most of the gap is in the orders of **{bound.overall['gap_strategy']}** "
            f"(penalty {formats.kpi('bound_penalty', bound.penalty)} per unit unfilled; "
            f"solved in {formats.duration(bound.seconds)})."
        )
    st.plotly_chart(gap_figure(bound), key=f"{key}.chart.bound")
    table = bound.by_strategy
    shown = pd.DataFrame(
        {
            "Strategy": table["strategy"],
            "Orders": table["orders"].map(formats.count),
            "Ruleset cost + penalty": table["ruleset_value"].map(formats.money),
            "Best possible": table["bound_value"].map(formats.money),
            "Gap": table["gap"].map(formats.money),
            "Share of the gap": table["gap_share"].map(lambda v: formats.kpi("fill_rate", v)),
        }
    )
    st.dataframe(shown, hide_index=True, key=f"{key}.bound.strategies")
    if len(bound.examples):
        st.markdown("**Orders the bound routes otherwise**")
        for text in bound.examples["text"]:
            st.markdown(f"- {text}")


def side_by_side(runs: dict[str, Simulation], key: str) -> None:
    """Compare: every scenario's bound figures and their per-day gap, when asked for."""
    bounds = {name: run.bound for name, run in runs.items() if run.bound is not None}
    if not bounds:
        return
    overalls = {name: bound.overall for name, bound in bounds.items()}
    side_by_side_table(
        overalls, BOUND_KEYS[:4], "Gap to the best possible", CAPTION, f"{key}.bound"
    )
    st.plotly_chart(gap_overlay(bounds), key=f"{key}.chart.bound")
