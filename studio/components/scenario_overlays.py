"""Charts that overlay two or more scenarios' runs (one trace per scenario), next to
the two-way `simulations.charts.comparison_figure`."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from simulations import Simulation
from simulations.charts import LAYOUT

COLOURS = ("#7f7f7f", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")


def _colour(position: int) -> str:
    return COLOURS[position % len(COLOURS)]


def daily_overlay(runs: dict[str, Simulation]) -> go.Figure:
    """Orders per day (top) and the day's split rate (bottom), one line per scenario."""
    figure = make_subplots(
        rows=2, cols=1, shared_xaxes=True, subplot_titles=("Orders per day", "Split rate")
    )
    for position, (name, run) in enumerate(runs.items()):
        days = run.kpis.by_day
        style = {"color": _colour(position)}
        figure.add_scatter(
            x=list(days["day"]),
            y=days["orders"].astype("float64"),
            name=name,
            legendgroup=name,
            line=style,
            row=1,
            col=1,
        )
        figure.add_scatter(
            x=list(days["day"]),
            y=days["split_rate"].astype("float64"),
            name=name,
            legendgroup=name,
            showlegend=False,
            line=style,
            row=2,
            col=1,
        )
    figure.update_yaxes(tickformat=".0%", row=2, col=1)
    figure.update_layout(title="Per day", height=560, **LAYOUT)
    return figure


def distance_overlay(runs: dict[str, Simulation]) -> go.Figure:
    """Shipment distances of each scenario, as overlaid histograms on the same bins."""
    figure = go.Figure()
    longest = max(
        (
            float(r.tables.shipments["distance_km"].max())
            for r in runs.values()
            if len(r.tables.shipments)
        ),
        default=0.0,
    )
    size = max(longest / 30, 1.0)
    for position, (name, run) in enumerate(runs.items()):
        figure.add_histogram(
            x=run.tables.shipments["distance_km"],
            name=name,
            xbins={"start": 0, "end": longest + size, "size": size},
            marker_color=_colour(position),
            opacity=0.55,
        )
    figure.update_layout(
        title="Shipment distance",
        barmode="overlay",
        xaxis_title="km",
        yaxis_title="shipments",
        **LAYOUT,
    )
    return figure


def node_type_overlay(runs: dict[str, Simulation]) -> go.Figure:
    """Shipments per node type, bars grouped by scenario."""
    types = sorted({str(t) for run in runs.values() for t in run.kpis.by_node_type["node_type"]})
    figure = go.Figure()
    for position, (name, run) in enumerate(runs.items()):
        counts = run.kpis.by_node_type.set_index("node_type")["shipments"]
        figure.add_bar(
            x=types,
            y=[float(counts.get(t, 0)) for t in types],
            name=name,
            marker_color=_colour(position),
        )
    figure.update_layout(
        title="Shipments by node type", barmode="group", yaxis_title="shipments", **LAYOUT
    )
    return figure


def kpi_table(overalls: dict[str, dict], keys, label, value_text, delta_text) -> pd.DataFrame:
    """KPI rows; one value column per scenario, then one change column per variant
    (against the first scenario, the base)."""
    names = list(overalls)
    base = overalls[names[0]]
    rows = []
    for key in keys:
        row = {"KPI": label(key)}
        for name in names:
            row[name] = value_text(key, overalls[name].get(key))
        for name in names[1:]:
            a, b = base.get(key), overalls[name].get(key)
            change = None if a is None or b is None else float(b) - float(a)
            row[f"Δ {name}"] = delta_text(key, change) or "–"
        rows.append(row)
    return pd.DataFrame(rows)
