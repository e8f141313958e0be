"""Plotly figures of a simulation's KPIs, shared by the HTML report and the studio.

Every figure works offline: the node map is a ``scattergeo`` with Plotly's own base
layers (land, coastlines, countries) switched off, because Plotly fetches those shapes
from the network; the countries are drawn from the outlines vendored with the package
(`simulations.base_map`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from simulations import base_map
from simulations.decisions import DecisionTables
from simulations.kpis import OVERALL_KEYS, Kpis
from simulations.promise_kpis import service_names

# KPI name -> (label, unit kind, short definition); unit kinds drive formatting.
KPI_LABELS = {
    "orders": ("Orders", "count", "orders replayed"),
    "lines": ("Order lines", "count", "lines replayed"),
    "units": ("Units", "count", "units ordered"),
    "fill_rate": ("Fill rate", "rate", "units allocated ÷ units ordered"),
    "complete_rate": ("Complete orders", "rate", "orders with every unit allocated ÷ orders"),
    "partial_rate": ("Partial orders", "rate", "orders with some but not all units ÷ orders"),
    "backorder_rate": ("Backordered orders", "rate", "orders with backordered units ÷ orders"),
    "unroutable_rate": ("Unroutable orders", "rate", "unroutable or rejected ÷ orders"),
    "split_rate": ("Split orders", "rate", "routed orders with ≥ 2 shipments ÷ routed orders"),
    "shipments_per_order": ("Shipments per order", "ratio", "shipments ÷ routed orders"),
    "avg_distance_km": ("Average distance", "km", "mean node → destination, per shipment"),
    "p90_distance_km": ("90th percentile distance", "km", "per shipment, linear interpolation"),
    "cost_per_order": ("Cost per order", "money", "Σ shipment cost ÷ routed orders"),
    "avg_eta_days": ("Average delivery days", "days", "mean per-order ETA, routed orders"),
    "on_time_rate": ("On time", "rate", "ETA ≤ promised days ÷ routed orders with a promise"),
    "protection_breaches": ("Protection breaches", "count", "allocations below a keep level"),
    "store_stockouts": ("Store stock-outs", "count", "store SKUs emptied during the run"),
    "node_utilisation": ("Node utilisation", "rate", "mean orders ÷ capacity, node-days"),
    "capacity_overflows": ("Capacity overflows", "count", "node-days over capacity"),
    "co2_kg": ("CO2", "kg", "Σ distance × kg per km (with carriers: Σ shipment CO2)"),
    # the delivery promise (a run with carriers)
    "promised_orders": ("Orders promised", "count", "routed orders with a promised date"),
    "avg_promised_days": ("Average promised days", "days", "mean promised date − order day"),
    "p90_promised_days": ("90th percentile promised days", "days", "linear interpolation"),
    "next_day_rate": ("Promised next day", "rate", "promised in ≤ 1 day ÷ orders promised"),
    "missed_cutoff_orders": ("Missed a cut-off", "count", "orders picked after their day"),
    "missed_cutoff_rate": ("Missed a cut-off (share)", "rate", "÷ routed orders"),
    "capped_parcels": ("Refused by a full carrier", "count", "parcels whose service was full"),
    # click & collect (a run with collect orders)
    "collect_orders": ("Collect orders", "count", "orders to collect at a store"),
    "transfers": ("Transfers", "count", "legs from another node to a collect store"),
    "transfers_per_day": ("Transfers per day", "ratio", "transfer legs ÷ days of the run"),
    "transfer_units": ("Units transferred", "count", "units carried by transfer legs"),
    "transfer_cost": ("Transfer cost", "money", "Σ transfer leg cost"),
    "transfer_cost_per_unit": ("Transfer cost per unit", "money", "÷ units transferred"),
    "ready_on_time_rate": (
        "Collect ready on time",
        "rate",
        "ready within promised days (2 without) ÷ routed collect orders",
    ),
    "avg_ready_days": ("Days to ready", "days", "mean ready date − order day, collect orders"),
    # returns (a run with returns)
    "units_returned": ("Units returned", "count", "returned units of the run"),
    "return_rate": ("Return rate", "rate", "units returned ÷ units ordered"),
    "units_restocked": ("Units restocked", "count", "returned units put back in stock"),
    "units_refurbished": ("Units refurbished", "count", "returned units sent to refurbish"),
    "units_liquidated": ("Units liquidated", "count", "returned units liquidated"),
    "units_destroyed": ("Units destroyed", "count", "returned units destroyed"),
    "units_unrouted": ("Returns not routed", "count", "returned units no strategy took"),
    "return_cost_per_unit": ("Return cost per unit", "money", "Σ return leg cost ÷ units routed"),
    "days_to_sellable": ("Days to sellable", "days", "restock date − return day, per unit"),
    "resold_within_30_days": (
        "Resold within 30 days",
        "rate",
        "restocked units shipped again within 30 days ÷ restocked",
    ),
    "fill_rate_gain": (
        "Fill rate gained from returns",
        "rate",
        "fill rate − the same replay without returns",
    ),
    # backorders released when stock arrived (a run where some order waited)
    "units_released": ("Units released from backorder", "count", "when stock arrived"),
    "backorder_days_mean": ("Days on backorder", "days", "mean wait of a released unit"),
    "backorder_days_p90": ("90th percentile days on backorder", "days", "linear interpolation"),
    # the gap to the optimisation bound (a run with the bound, simulations.bound)
    "ruleset_value": (
        "Ruleset cost + penalty",
        "money",
        "Σ shipment cost + penalty × units unfilled",
    ),
    "bound_value": ("Best possible (bound)", "money", "the day-by-day optimum, summed"),
    "cost_gap_pct": ("Cost gap to the bound", "pct", "(ruleset − bound) ÷ ruleset"),
    "fill_gap_pts": ("Fill gap to the bound", "pts", "units the bound fills more ÷ units"),
    "gap_strategy": ("Strategy with most of the gap", "text", "its orders' share of the gap"),
    "bound_penalty": ("Penalty per unfilled unit", "money", "what the bound charges a unit short"),
    # breakdown-only columns
    "shipments": ("Shipments", "count", "shipments made"),
    "units_ordered": ("Units ordered", "count", "units of the run's order lines"),
    "share_of_units": ("Share of units", "rate", "units shipped ÷ all units shipped"),
    "cost": ("Cost", "money", "Σ shipment cost"),
    "share_of_shipments": ("Share of shipments", "rate", "shipments ÷ all shipments"),
    "cost_per_shipment": ("Cost per shipment", "money", "Σ shipment cost ÷ shipments"),
}
TYPE_COLOURS = {  # calm colours: red is kept for problems (overflows, excluded nodes)
    "dc": "#3b6ea5",
    "store": "#3f9c8a",
    "3pl": "#8e7cc3",
    "dropship": "#c49a2c",
    "dark_store": "#6b7b8c",
}
LAYOUT = {"template": "plotly_white", "margin": {"l": 60, "r": 30, "t": 60, "b": 50}}


def format_kpi(key: str, value) -> str:
    """A KPI value as people read it (percent, km, days...); an empty figure as an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    kind = KPI_LABELS.get(key, (key, "ratio", ""))[1]
    if kind == "count":
        return f"{int(value):,}"
    if kind == "rate":
        return f"{100 * value:.1f} %"
    if kind == "km":
        return f"{value:,.1f} km"
    if kind == "days":
        return f"{value:.2f} d"
    if kind == "kg":
        return f"{value:,.1f} kg"
    if kind == "pct":
        return f"{value:.1f} %"
    if kind == "pts":
        return f"{value:+.1f} pts"
    if kind == "text":
        return str(value)
    return f"{value:,.2f}"


def daily_figure(kpis: Kpis) -> go.Figure:
    """Orders per day (bars) and the day's split rate (line, right axis)."""
    days = kpis.by_day
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_bar(x=list(days["day"]), y=days["orders"].astype("float64"), name="orders")
    figure.add_scatter(
        x=list(days["day"]),
        y=days["split_rate"],
        name="split rate",
        mode="lines+markers",
        secondary_y=True,
    )
    figure.update_layout(title="Orders and split rate per day", **LAYOUT)
    figure.update_yaxes(title_text="orders", secondary_y=False)
    figure.update_yaxes(title_text="split rate", tickformat=".0%", secondary_y=True)
    return figure


def node_type_figure(kpis: Kpis) -> go.Figure:
    """Shipments per node type, with the share of units each type shipped."""
    types = kpis.by_node_type
    share = [format_kpi("fill_rate", v) for v in types["share_of_units"]]
    figure = go.Figure(
        go.Bar(
            x=list(types["node_type"]),
            y=types["shipments"].astype("float64"),
            text=[f"{s} of units" for s in share],
            marker_color=[TYPE_COLOURS.get(t, "#7f7f7f") for t in types["node_type"]],
            name="shipments",
        )
    )
    figure.update_layout(title="Shipments by node type", yaxis_title="shipments", **LAYOUT)
    return figure


def distance_figure(
    tables: DecisionTables, kpis: Kpis | None = None, *, bins: int | None = None
) -> go.Figure:
    """Distribution of shipment distances, with the average and 90th percentile marked.

    With ``bins`` the distances are counted here into about that many bars of a round
    width, so the figure carries the counts and not every shipment (the report: a million
    shipments would each be written into the page); without, Plotly bins them itself.
    """
    km = tables.shipments["distance_km"].to_numpy(dtype="float64")
    if bins is None:
        figure = go.Figure(go.Histogram(x=tables.shipments["distance_km"], nbinsx=30))
    else:
        edges = distance_bins(km, bins)
        counts, _ = np.histogram(km, bins=edges)
        figure = go.Figure(
            go.Bar(
                x=(edges[:-1] + edges[1:]) / 2,
                y=counts,
                width=np.diff(edges),
                customdata=np.column_stack([edges[:-1], edges[1:]]),
                hovertemplate="%{customdata[0]:,} to %{customdata[1]:,} km: "
                "%{y:,} shipments<extra></extra>",
            )
        )
        figure.update_layout(bargap=0)
    figure.update_traces(name="shipments")
    if kpis is not None:
        for key, dash in (("avg_distance_km", "dash"), ("p90_distance_km", "dot")):
            value = kpis.overall[key]
            if value is not None:
                figure.add_vline(x=value, line_dash=dash, annotation_text=format_kpi(key, value))
    figure.update_layout(
        title="Shipment distance", xaxis_title="km", yaxis_title="shipments", **LAYOUT
    )
    return figure


def distance_bins(km: np.ndarray, bins: int) -> np.ndarray:
    """Edges of about ``bins`` bins of a round width (1, 2, 2.5 or 5 × 10^k km) covering
    every distance; the last edge is past the largest distance, so each bin is [a, b)."""
    if len(km) == 0:
        return np.array([0.0, 1.0])
    low, high = float(km.min()), float(km.max())
    if high == low:
        return np.array([low - 0.5, low + 0.5])
    raw = (high - low) / max(bins, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    width = next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= raw)
    first = math.floor(low / width) * width
    count = max(1, math.floor((high - first) / width) + 1)
    return first + width * np.arange(count + 1)


def node_map_figure(tables: DecisionTables, nodes: pd.DataFrame) -> go.Figure:
    """Nodes at their position, sized by the shipments they made, coloured by type."""
    counts = tables.shipments.groupby("node_id").agg(
        shipments=("order_id", "size"), units=("units", "sum")
    )
    frame = nodes.assign(id=nodes["id"].astype(str)).set_index("id")
    frame = frame.join(counts).fillna({"shipments": 0, "units": 0})
    biggest = max(float(frame["shipments"].max()), 1.0) if len(frame) else 1.0
    figure = go.Figure()
    for node_type, group in frame.groupby("type", sort=True):
        figure.add_scattergeo(
            lat=group["lat"],
            lon=group["lon"],
            name=str(node_type),
            text=[
                f"{node_id} ({node_type}): {int(s)} shipments, {int(u)} units"
                for node_id, s, u in zip(
                    group.index, group["shipments"], group["units"], strict=True
                )
            ],
            hoverinfo="text",
            marker={
                "size": 6 + 34 * (group["shipments"] / biggest) ** 0.5,
                "color": TYPE_COLOURS.get(str(node_type), "#7f7f7f"),
                "opacity": 0.75,
                "line": {"width": 1, "color": "white"},
            },
        )
    offline_geo(figure)
    figure.update_layout(title="Nodes sized by shipments", **LAYOUT)
    return figure


def utilisation_figure(kpis: Kpis) -> go.Figure:
    """Heat map of orders shipped ÷ capacity per node and day (nodes with a capacity)."""
    cells = kpis.node_utilisation.dropna(subset=["utilisation"])
    grid = cells.pivot(index="node_id", columns="day", values="utilisation").sort_index()
    figure = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=list(grid.columns),
            y=list(grid.index),
            zmin=0,
            zmax=max(1.0, float(grid.max().max()) if grid.size else 1.0),
            colorscale="YlOrRd",
            colorbar={"title": {"text": "used"}, "tickformat": ".0%"},
            hovertemplate="%{y} on %{x}: %{z:.0%} of capacity<extra></extra>",
        )
    )
    figure.update_layout(title="Node utilisation (over 100 % = overflow)", **LAYOUT)
    return figure


def carrier_mix_figure(kpis: Kpis) -> go.Figure:
    """Shipments per carrier service (a run with carriers), with its share and its cost
    per shipment."""
    mix = kpis.carrier_mix if kpis.carrier_mix is not None else pd.DataFrame()
    names = service_names(mix)
    figure = go.Figure(
        go.Bar(
            x=names,
            y=mix["shipments"].astype("float64") if len(mix) else [],
            text=[
                f"{format_kpi('share_of_shipments', share)}, "
                f"{format_kpi('cost_per_shipment', cost)} each"
                for share, cost in zip(
                    mix.get("share_of_shipments", []), mix.get("cost_per_shipment", []), strict=True
                )
            ],
            name="shipments",
        )
    )
    figure.update_layout(title="Carrier mix", yaxis_title="shipments", **LAYOUT)
    return figure


def carrier_mix_comparison_figure(
    base: Kpis, variant: Kpis, names: tuple[str, str] = ("base", "variant")
) -> go.Figure:
    """Shipments per carrier service in two runs, side by side."""
    figure = go.Figure()
    for kpis, name, colour in ((base, names[0], "#7f7f7f"), (variant, names[1], "#1f77b4")):
        mix = kpis.carrier_mix if kpis.carrier_mix is not None else pd.DataFrame()
        figure.add_bar(
            x=service_names(mix),
            y=mix["shipments"].astype("float64") if len(mix) else [],
            name=name,
            marker_color=colour,
        )
    figure.update_layout(title="Carrier mix", barmode="group", yaxis_title="shipments", **LAYOUT)
    return figure


def comparison_figure(
    base: dict, variant: dict, names: tuple[str, str] = ("base", "variant"), keys=None
) -> go.Figure:
    """Side-by-side bars of two scenarios' overall KPIs, one small panel per KPI."""
    keys = [k for k in (keys or OVERALL_KEYS) if k in base and k in variant]
    columns = 4
    rows = max(1, math.ceil(len(keys) / columns))
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=[KPI_LABELS[k][0] for k in keys])
    for position, key in enumerate(keys):
        values = [base[key], variant[key]]
        figure.add_bar(
            x=list(names),
            y=[float("nan") if v is None else v for v in values],
            text=[format_kpi(key, v) for v in values],
            marker_color=["#7f7f7f", "#1f77b4"],
            showlegend=False,
            row=position // columns + 1,
            col=position % columns + 1,
        )
    figure.update_layout(title=f"{names[0]} vs {names[1]}", height=max(300, 220 * rows), **LAYOUT)
    return figure


def offline_geo(figure: go.Figure) -> go.Figure:
    """A map drawn offline: the vendored countries of `simulations.base_map` behind the
    points (Plotly's own land and coast layers stay off: it would download them), framed
    to fit the points."""
    lats, lons = base_map.points_of(figure)
    figure.add_trace(base_map.countries_trace())
    figure.data = (figure.data[-1], *figure.data[:-1])  # drawn first: behind the points
    return figure.update_geos(
        projection_type="mercator",
        fitbounds=False,
        **base_map.frame_of(lats, lons),
        showland=False,
        showocean=False,
        showlakes=False,
        showrivers=False,
        showcoastlines=False,
        showcountries=False,
        showsubunits=False,
        showframe=True,
        bgcolor=base_map.SEA,
        lataxis_showgrid=False,
        lonaxis_showgrid=False,
    )
