"""Plotly figures of a run's returns (docs/kpis.md, "Returns"): the units of each
disposition, and the map of return flows from where returns start (the drop store, or
the customers' addresses) to the nodes that receive them, drawn offline like every map
(`simulations.charts.offline_geo`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dsl.syntax import DISPOSITIONS
from simulations.charts import LAYOUT, TYPE_COLOURS, format_kpi, offline_geo
from simulations.kpis import Kpis

DISPOSITION_COLOURS = {
    "restock": "#3f9c8a",
    "refurbish": "#3b6ea5",
    "liquidate": "#c49a2c",
    "destroy": "#6b7b8c",
}
"""Calm colours per disposition; red is kept for the units no strategy took."""
UNROUTED = "not routed"
UNROUTED_COLOUR = "#c0392b"
DISPOSITION_KEYS = {
    "restock": "units_restocked",
    "refurbish": "units_refurbished",
    "liquidate": "units_liquidated",
    "destroy": "units_destroyed",
    UNROUTED: "units_unrouted",
}
"""Each bar of the dispositions chart and the returns figure it shows."""
CELL_DEGREES = 0.1
"""Post and courier returns start at the customer's address: they are drawn grouped by
cells of this many degrees (about 10 km), at the units-weighted mean of their addresses."""
WIDTHS = (1.0, 2.0, 3.5, 5.5, 8.0)
"""Line widths of the flows, from the smallest flows to the largest (a few classes, so
the map holds a few traces rather than one per flow)."""
FLOW_COLUMNS = ["start", "start_lat", "start_lon", "method", "node_id", "node_lat",
                "node_lon", "disposition", "units", "lines"]  # fmt: skip


def disposition_figure(kpis: Kpis) -> go.Figure:
    """Units returned per disposition, and those no strategy took (the run's figures)."""
    figures = kpis.returns or {}
    names = list(DISPOSITION_KEYS)
    units = [figures.get(DISPOSITION_KEYS[name]) or 0 for name in names]
    total = sum(units)
    figure = go.Figure(
        go.Bar(
            x=names,
            y=units,
            text=[
                f"{format_kpi('units_returned', u)} ({100 * u / total:.1f} %)" if total else "0"
                for u in units
            ],
            marker_color=[DISPOSITION_COLOURS.get(name, UNROUTED_COLOUR) for name in names],
            hovertemplate="%{x}: %{y:,} units<extra></extra>",
            name="units",
        )
    )
    figure.update_layout(
        title="Returned units by disposition", yaxis_title="units returned", **LAYOUT
    )
    return figure


def return_flows(lines: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """One row per flow of the routed returned lines: from a start (a drop store, or a
    cell of customers' addresses) to a receiving node, with one disposition; its units
    and lines (FLOW_COLUMNS)."""
    routed = lines[lines["node_id"].notna()]
    if routed.empty:
        return pd.DataFrame(columns=FLOW_COLUMNS)
    where = _positions(nodes)
    starts = _starts(routed, where)
    flows = (
        starts.assign(qty=routed["qty"].to_numpy(), one=1)
        .groupby(["start", "method", "node_id", "disposition"], sort=True)
        .agg(
            start_lat=("lat_units", "sum"),
            start_lon=("lon_units", "sum"),
            units=("qty", "sum"),
            lines=("one", "sum"),
        )
        .reset_index()
    )
    flows["start_lat"] /= flows["units"]
    flows["start_lon"] /= flows["units"]
    flows["node_lat"] = flows["node_id"].map(where["lat"])
    flows["node_lon"] = flows["node_id"].map(where["lon"])
    return flows[FLOW_COLUMNS]


def _positions(nodes: pd.DataFrame) -> pd.DataFrame:
    return nodes.assign(id=nodes["id"].astype(str)).set_index("id")[["lat", "lon", "type"]]


def _starts(lines: pd.DataFrame, where: pd.DataFrame) -> pd.DataFrame:
    """Per returned line: where it starts (a label, and lat/lon times its units, so a
    group's sum ÷ its units is its units-weighted mean position)."""
    store = (lines["method"] == "store").to_numpy()
    drop = lines["drop_node"].astype(str).to_numpy()
    at_store = where.reindex(drop)
    lat = np.where(store, at_store["lat"], lines["origin_lat"].to_numpy(dtype="float64"))
    lon = np.where(store, at_store["lon"], lines["origin_lon"].to_numpy(dtype="float64"))
    cell_lat = np.round(lat / CELL_DEGREES) * CELL_DEGREES
    cell_lon = np.round(lon / CELL_DEGREES) * CELL_DEGREES
    cells = [f"customers near {a:.1f}, {b:.1f}" for a, b in zip(cell_lat, cell_lon, strict=True)]
    qty = lines["qty"].to_numpy(dtype="float64")
    return pd.DataFrame(
        {
            "start": np.where(store, drop, np.array(cells, dtype=object)),
            "method": np.where(store, "store", "post or courier"),
            "node_id": lines["node_id"].astype(str).to_numpy(),
            "disposition": lines["disposition"].astype(str).to_numpy(),
            "lat_units": lat * qty,
            "lon_units": lon * qty,
        }
    )


def return_flow_figure(lines: pd.DataFrame, nodes: pd.DataFrame) -> go.Figure:
    """The return flows on the map: a line from each start to its receiving node, as
    wide as its units, coloured by disposition; the receiving nodes sized by the units
    they receive; the starts of the units no strategy took in red."""
    flows = return_flows(lines, nodes)
    figure = go.Figure()
    width_of = _widths(flows["units"].to_numpy(dtype="float64"))
    for disposition in (*DISPOSITIONS, *sorted(set(flows["disposition"]) - set(DISPOSITIONS))):
        mine = flows["disposition"].to_numpy() == disposition
        if not mine.any():
            continue
        units = int(flows.loc[mine, "units"].sum())
        first = True
        for width in sorted(set(width_of[mine])):
            part = flows[mine & (width_of == width)]
            figure.add_trace(_lines(part, disposition, float(width), units, first))
            first = False
    _received(figure, flows, nodes)
    _unrouted(figure, lines, nodes)
    offline_geo(figure)
    figure.update_layout(
        title="Return flows: from where returns start to the node receiving them",
        height=620,
        legend={"title": {"text": "disposition"}},
        **LAYOUT,
    )
    return figure


def _widths(units: np.ndarray) -> np.ndarray:
    """Each flow's line width: its class by √(units ÷ the largest flow's units)."""
    if not len(units):
        return np.array([])
    share = np.sqrt(units / units.max())
    classes = np.minimum((share * len(WIDTHS)).astype(int), len(WIDTHS) - 1)
    return np.array(WIDTHS)[classes]


def _lines(
    part: pd.DataFrame, disposition: str, width: float, units: int, legend: bool
) -> go.Scattergeo:
    """The flows of one disposition and width class as one line trace (None between)."""
    lats: list[float | None] = []
    lons: list[float | None] = []
    texts: list[str | None] = []
    for row in part.itertuples(index=False):
        said = (
            f"{row.start} → {row.node_id}: {_units(int(row.units))} to {disposition} "
            f"({int(row.lines):,} returned lines)"
        )
        lats += [row.start_lat, row.node_lat, None]
        lons += [row.start_lon, row.node_lon, None]
        texts += [said, said, None]
    return go.Scattergeo(
        lat=lats,
        lon=lons,
        mode="lines",
        line={"width": width, "color": DISPOSITION_COLOURS.get(disposition, "#7f7f7f")},
        opacity=0.55,
        name=f"{disposition} ({_units(units)})",
        legendgroup=disposition,
        showlegend=legend,
        text=texts,
        hoverinfo="text",
    )


def _units(count: int) -> str:
    return f"{count:,} unit{'' if count == 1 else 's'}"


def _received(figure: go.Figure, flows: pd.DataFrame, nodes: pd.DataFrame) -> None:
    """The receiving nodes, sized by the units they receive, coloured by type."""
    if flows.empty:
        return
    where = _positions(nodes)
    received = flows.pivot_table(
        index="node_id", columns="disposition", values="units", aggfunc="sum", fill_value=0
    )
    total = received.sum(axis=1)
    biggest = max(float(total.max()), 1.0)
    types = where["type"].reindex(received.index).astype(str)
    figure.add_scattergeo(
        lat=where["lat"].reindex(received.index),
        lon=where["lon"].reindex(received.index),
        mode="markers",
        name="receiving nodes",
        text=[
            f"{node} ({kind}) receives {_units(int(total[node]))}: "
            + ", ".join(f"{d} {int(u):,}" for d, u in received.loc[node].items() if u)
            for node, kind in zip(received.index, types, strict=True)
        ],
        hoverinfo="text",
        marker={
            "size": 7 + 25 * (total / biggest) ** 0.5,
            "color": [TYPE_COLOURS.get(kind, "#7f7f7f") for kind in types],
            "line": {"width": 1.5, "color": "white"},
            "opacity": 0.9,
        },
    )


def _unrouted(figure: go.Figure, lines: pd.DataFrame, nodes: pd.DataFrame) -> None:
    """Where the returns no strategy took start, in red (none: nothing drawn)."""
    left = lines[lines["node_id"].isna()]
    starts = _starts(left.assign(node_id="", disposition=UNROUTED), _positions(nodes))
    starts = starts.assign(qty=left["qty"].to_numpy())
    starts = starts[np.isfinite(starts["lat_units"]) & np.isfinite(starts["lon_units"])]
    if starts.empty:  # none, or none that can be placed (an unknown store, no address)
        return
    grouped = starts.groupby("start").agg(
        lat=("lat_units", "sum"), lon=("lon_units", "sum"), units=("qty", "sum")
    )
    figure.add_scattergeo(
        lat=grouped["lat"] / grouped["units"],
        lon=grouped["lon"] / grouped["units"],
        mode="markers",
        name=f"{UNROUTED} ({_units(int(grouped['units'].sum()))})",
        text=[f"{start}: {_units(int(u))} not routed" for start, u in grouped["units"].items()],
        hoverinfo="text",
        marker={"size": 8, "symbol": "x", "color": UNROUTED_COLOUR},
    )
