"""The bound's per-day chart (docs/kpis.md, "How far from the best possible"): how much
each local day leaves on the table against the best possible allocation."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from simulations.bound_figures import Bound
from simulations.charts import LAYOUT

GAP_COLOUR = "#c49a2c"
LINE_COLOURS = ("#3b6ea5", "#3f9c8a", "#8e7cc3", "#c49a2c", "#6b7b8c")


def gap_figure(bound: Bound) -> go.Figure:
    """Per local day: the gap in money (bars: ruleset cost + penalty − the bound) and as a
    share of the ruleset's (line, right axis)."""
    days = bound.by_day
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_bar(
        x=list(days["day"]),
        y=(days["ruleset_value"] - days["bound_value"]).astype("float64"),
        name="gap",
        marker_color=GAP_COLOUR,
    )
    figure.add_scatter(
        x=list(days["day"]),
        y=days["cost_gap_pct"].astype("float64"),
        name="cost gap %",
        mode="lines+markers",
        secondary_y=True,
    )
    figure.update_layout(title="Gap to the best possible, per day", **LAYOUT)
    figure.update_yaxes(title_text="cost + penalty above the bound", secondary_y=False)
    figure.update_yaxes(
        title_text="cost gap %", ticksuffix=" %", tickformat=".0f", secondary_y=True
    )
    return figure


def gap_overlay(bounds: dict[str, Bound]) -> go.Figure:
    """Compare: each scenario's cost gap % per day, one line each."""
    figure = go.Figure()
    for position, (name, bound) in enumerate(bounds.items()):
        days = bound.by_day
        figure.add_scatter(
            x=list(days["day"]),
            y=days["cost_gap_pct"].astype("float64"),
            name=name,
            mode="lines",
            line={"color": LINE_COLOURS[position % len(LINE_COLOURS)]},
        )
    figure.update_layout(title="Cost gap to the best possible, per day", **LAYOUT)
    figure.update_yaxes(title_text="cost gap %", ticksuffix=" %", tickformat=".0f")
    return figure
