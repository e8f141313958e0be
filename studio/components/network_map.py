"""The network on a map: nodes at their position, coloured by type, sized by the stock
they hold, with capacity and stock in the hover text.

Like the simulation charts, the map has the countries of `simulations.base_map` behind
the nodes (vendored Natural Earth outlines; nothing is downloaded).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from simulations.charts import LAYOUT, TYPE_COLOURS, offline_geo

STOCK_COLUMNS = ["node_id", "skus", "units"]


def stock_by_node(inventory: pd.DataFrame, sku: str | None = None) -> pd.DataFrame:
    """Per node: SKUs with stock on hand and units on hand (of one SKU when given)."""
    rows = inventory if sku is None else inventory[inventory["sku"].astype(str) == sku]
    held = rows[rows["on_hand"] > 0]
    out = held.groupby(held["node_id"].astype(str)).agg(
        skus=("sku", "nunique"), units=("on_hand", "sum")
    )
    return out.reset_index().rename(columns={"index": "node_id"})[STOCK_COLUMNS]


def node_table(nodes: pd.DataFrame, stock: pd.DataFrame) -> pd.DataFrame:
    """The nodes with their stock, as the Network page lists them."""
    frame = nodes.assign(id=nodes["id"].astype(str))
    joined = frame.merge(stock, left_on="id", right_on="node_id", how="left")
    joined[["skus", "units"]] = joined[["skus", "units"]].fillna(0).astype("int64")
    joined["tags"] = joined["tags"].map(lambda tags: ", ".join(tags) if len(tags) else "")
    columns = [
        "id",
        "name",
        "type",
        "region",
        "capacity",
        "priority",
        "can_ship",
        "can_collect",
        "tags",
        "skus",
        "units",
    ]
    return joined[[c for c in columns if c in joined.columns]]


def network_map(table: pd.DataFrame, nodes: pd.DataFrame, what: str = "units") -> go.Figure:
    """Nodes (rows of `node_table`) by type; marker area grows with units on hand.
    `what` names the stock in the hover text ("units", or "units of SKU-1")."""
    positions = nodes.assign(id=nodes["id"].astype(str)).set_index("id")[["lat", "lon"]]
    frame = table.set_index("id").join(positions)
    biggest = max(float(frame["units"].max()), 1.0) if len(frame) else 1.0
    figure = go.Figure()
    for node_type, group in frame.groupby("type", sort=True):
        capacity = [
            "unlimited" if pd.isna(c) else f"{int(c):,} orders/day" for c in group["capacity"]
        ]
        figure.add_scattergeo(
            lat=group["lat"],
            lon=group["lon"],
            name=str(node_type),
            customdata=list(group.index),
            text=[
                f"{node_id} · {name} ({node_type})<br>capacity {cap}<br>"
                f"{int(units):,} {what} on hand, {int(skus):,} SKUs"
                for node_id, name, cap, units, skus in zip(
                    group.index, group["name"], capacity, group["units"], group["skus"], strict=True
                )
            ],
            hoverinfo="text",
            marker={
                "size": 6 + 30 * (group["units"] / biggest) ** 0.5,
                "color": TYPE_COLOURS.get(str(node_type), "#7f7f7f"),
                "opacity": 0.8,
                "line": {"width": 1, "color": "white"},
            },
        )
    offline_geo(figure)
    figure.update_layout(title=f"Nodes by type, sized by {what} on hand", height=560, **LAYOUT)
    return figure
