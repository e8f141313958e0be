"""A sweep's offline HTML report: the parameters and objectives of every finished
combination in a parallel-coordinates chart, the first two objectives in a scatter with
the Pareto set marked, then the Pareto set and the failures as tables. plotly.js is
embedded inline once (simulations.report), so the page opens with no connection."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from simulations.charts import KPI_LABELS, LAYOUT, format_kpi
from simulations.report import _charts, _table, _write
from simulations.sweep_file import Sweep

PARETO_COLOUR = "#d62728"
OTHER_COLOUR = "#9aa5b1"


def write_sweep_report(path: str | Path, sweep: Sweep, table: pd.DataFrame) -> Path:
    """Write the report of a sweep's KPI table (`simulations.sweeps.results_table`)."""
    done = table[table["status"] == "done"]
    addresses = [parameter.address for parameter in sweep.parameters]
    objectives = list(sweep.objectives)
    charts = {}
    if not done.empty:
        charts["chart-parallel"] = parallel_figure(done, addresses, sweep.objectives)
        charts["chart-pareto"] = pareto_figure(done, addresses, sweep.objectives)
    pareto = table[table["pareto"]]
    rows = [
        [str(row["combination"])]
        + [str(row[a]) for a in addresses]
        + [format_kpi(k, _value(row[k])) for k in objectives]
        for _, row in pareto.iterrows()
    ]
    directions = [f"{_label(k)} ({sweep.objectives[k]})" for k in objectives]
    body = [
        "<h2>Charts</h2>",
        _charts(charts) if charts else "<p>No combination finished.</p>",
        f"<h2>Pareto-optimal settings ({len(pareto):,} of {len(table):,})</h2>",
        _table(["#", *addresses, *directions], rows),
    ]
    failed = table[table["status"] != "done"]
    if not failed.empty:
        rows = [
            [str(row["combination"])]
            + [str(row[a]) for a in addresses]
            + [str(row["status"]), str(row["error"] if pd.notna(row["error"]) else "")]
            for _, row in failed.iterrows()
        ]
        body += [
            f"<h2>Not done ({len(failed):,})</h2>",
            _table(["#", *addresses, "status", "error"], rows),
        ]
    subtitle = (
        f"{len(table):,} combinations of {len(addresses)} parameters; "
        f"{len(done):,} done; objectives: {', '.join(directions)}"
    )
    notes = "Sweep rules and the Pareto definition: docs/sweeps.md. KPI definitions: docs/kpis.md."
    return _write(path, f"Sweep: {sweep.name}", subtitle, body, notes)


def parallel_figure(done: pd.DataFrame, addresses: list[str], objectives: dict) -> go.Figure:
    """One line per finished combination across its parameters and objectives; the
    Pareto-optimal ones in red."""
    dimensions = [_dimension(done[a], a) for a in addresses]
    dimensions += [
        {"label": f"{_label(k)} ({objectives[k]})", "values": done[k].astype("float64")}
        for k in objectives
    ]
    colour = done["pareto"].astype(int)
    line = {
        "color": colour,
        "colorscale": [[0, OTHER_COLOUR], [1, PARETO_COLOUR]],
        "cmin": 0,
        "cmax": 1,
    }
    figure = go.Figure(go.Parcoords(line=line, dimensions=dimensions))
    layout = {**LAYOUT, "margin": {"l": 70, "r": 70, "t": 110, "b": 40}}  # room for labels
    figure.update_layout(**layout, title="Every combination (red: Pareto-optimal)")
    return figure


def pareto_figure(done: pd.DataFrame, addresses: list[str], objectives: dict) -> go.Figure:
    """The first two objectives against each other (one objective: against the
    combination number), the Pareto set in red; hovering shows the parameters."""
    keys = list(objectives)
    x_key = keys[0] if len(keys) > 1 else "combination"
    y_key = keys[1] if len(keys) > 1 else keys[0]
    figure = go.Figure()
    for optimal, name, colour in ((False, "other", OTHER_COLOUR), (True, "Pareto", PARETO_COLOUR)):
        part = done[done["pareto"] == optimal]
        hover = [
            f"#{row['combination']}<br>" + "<br>".join(f"{a} = {row[a]}" for a in addresses)
            for _, row in part.iterrows()
        ]
        figure.add_trace(
            go.Scatter(
                x=part[x_key].astype("float64"),
                y=part[y_key].astype("float64"),
                mode="markers",
                name=name,
                marker={"color": colour, "size": 9},
                text=hover,
                hovertemplate="%{text}<extra></extra>",
            )
        )
    figure.update_layout(
        **LAYOUT,
        title="Pareto-optimal settings",
        xaxis_title=_axis(x_key, objectives),
        yaxis_title=_axis(y_key, objectives),
    )
    return figure


def _dimension(values: pd.Series, label: str) -> dict:
    """A parcoords axis: numbers as they are, other values (dates, texts) as ordered
    ticks."""
    if pd.api.types.is_numeric_dtype(values):
        return {"label": label, "values": values.astype("float64")}
    order = sorted(set(values.astype(str)))
    index = {text: i for i, text in enumerate(order)}
    return {
        "label": label,
        "values": [index[v] for v in values.astype(str)],
        "tickvals": list(range(len(order))),
        "ticktext": order,
    }


def _label(key: str) -> str:
    return KPI_LABELS.get(key, (key,))[0]


def _axis(key: str, objectives: dict) -> str:
    return "combination" if key == "combination" else f"{_label(key)} ({objectives[key]})"


def _value(value):
    return None if pd.isna(value) else value
