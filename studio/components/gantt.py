"""The timeline chart: one row per strategy (in the order they are tried, named by its
label), a bar per `effective` window in calm colours, today as a vertical line and the
peak season shaded."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from studio.schedule import Bar

PEAK_COLOUR = "rgba(230, 170, 60, 0.16)"
TODAY_COLOUR = "#34495e"
CALM = ("#3b6ea5", "#3f9c8a", "#8e7cc3", "#c49a2c", "#6b7b8c", "#5aa0c8", "#9c7a5b", "#7fa65a")
"""Bar colours, one per strategy in turn: no red, which the studio keeps for problems."""


def row_names(bars: list[Bar]) -> dict[str, str]:
    """strategy id -> the name its row shows: its label (the id when it has none, and
    "label (id)" when two strategies share a label)."""
    labels: dict[str, str] = {}
    for bar in bars:
        labels.setdefault(bar.strategy, bar.label or bar.strategy)
    taken = list(labels.values())
    return {
        strategy: f"{label} ({strategy})" if taken.count(label) > 1 else label
        for strategy, label in labels.items()
    }


def timeline_figure(
    bars: list[Bar],
    span: tuple[dt.datetime, dt.datetime],
    today: dt.datetime,
    peaks: list[tuple[dt.datetime, dt.datetime]],
) -> go.Figure:
    """A Gantt of the bars between `span`; open ends run to the edges of the span."""
    names = row_names(bars)
    frame = pd.DataFrame(
        {
            "strategy": [names[bar.strategy] for bar in bars],
            "id": [bar.strategy for bar in bars],
            "priority": [bar.priority for bar in bars],
            "start": [bar.start for bar in bars],
            "end": [bar.end for bar in bars],
            "window": [bar.text for bar in bars],
            "open": [_open_ends(bar) for bar in bars],
        }
    )
    order = list(dict.fromkeys(names[bar.strategy] for bar in bars))
    figure = px.timeline(
        frame,
        x_start="start",
        x_end="end",
        y="strategy",
        color="strategy",
        category_orders={"strategy": order},
        color_discrete_sequence=CALM,
        hover_data={"id": True, "priority": True, "window": True, "open": True},
    )
    # px lists the categories bottom-up (reversed), so the first tried is drawn on top.
    figure.update_yaxes(title=None)
    figure.update_xaxes(range=[span[0], span[1]], title=None, hoverformat="%d/%m/%Y %H:%M")
    for start, end in peaks:
        figure.add_vrect(
            x0=max(start, span[0]),
            x1=min(end, span[1]),
            fillcolor=PEAK_COLOUR,
            line_width=0,
            layer="above",
            annotation_text="peak",
            annotation_position="top right",
        )
    if span[0] <= today <= span[1]:
        # A shape rather than add_vline: add_vline cannot place its label on a date axis.
        figure.add_shape(
            type="line",
            x0=today,
            x1=today,
            y0=0,
            y1=1,
            yref="paper",
            line={"color": TODAY_COLOUR, "width": 2, "dash": "dot"},
            name="today",
        )
        figure.add_annotation(
            x=today, y=1, yref="paper", text="today", showarrow=False, yanchor="bottom"
        )
    figure.update_layout(
        showlegend=False,
        height=120 + 42 * max(1, len(order)),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
    )
    return figure


def _open_ends(bar: Bar) -> str:
    if bar.text == "always":
        return "always in force"
    sides = [side for side, open_ in (("start", bar.open_start), ("end", bar.open_end)) if open_]
    return ("runs past the years shown at the " + " and ".join(sides)) if sides else ""
