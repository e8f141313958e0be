"""One return decision as a business user reads it (docs/returns.md, "The decision"):
where each returned line goes, what becomes of it and when it is stock again, why (the
explanation in words: the node chosen, the other candidates in ranking order, each node
left out and the clause that left it out), and the map from where the return starts."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dsl import syntax as s
from engine.returns import Return, ReturnDecision
from simulations.charts import LAYOUT, TYPE_COLOURS, offline_geo
from simulations.return_charts import DISPOSITION_COLOURS, UNROUTED_COLOUR
from studio import formats
from studio.components.decision_view import vocabulary
from studio.return_words import distinct, entry_words

STATUS_WORDS = {
    "routed": ("Routed", ":material/check_circle:", "green"),
    "partial": ("Partly routed", ":material/timelapse:", "orange"),
    "unroutable": ("Not routed", ":material/block:", "red"),
}


def lines_table(decision: ReturnDecision, nodes: pd.DataFrame) -> pd.DataFrame:
    """One row per returned line: where it goes, what becomes of it, when it is stock
    again, the leg's km and cost, the strategy that took it (or why none did)."""
    types = dict(zip(nodes["id"].astype(str), nodes["type"].astype(str), strict=True))
    lines = decision.lines
    return pd.DataFrame(
        {
            "sku": [line.sku for line in lines],
            "qty": [line.qty for line in lines],
            "node": [line.node_id or "" for line in lines],
            "type": [types.get(line.node_id or "", "") for line in lines],
            "disposition": [line.disposition or "" for line in lines],
            "restock_date": [
                formats.date(line.restock_date) if line.restock_date else "" for line in lines
            ],
            "distance_km": [
                None if line.distance_km is None else round(line.distance_km, 1) for line in lines
            ],  # fmt: skip
            "cost": [None if line.cost is None else round(line.cost, 2) for line in lines],
            "strategy": [line.strategy or "" for line in lines],
            "why not routed": [line.reason or "" for line in lines],
        }
    )


def show_decision(
    decision: ReturnDecision, nodes: pd.DataFrame, ruleset: s.Ruleset | None = None
) -> None:
    """Status, the lines, and the explanation in words."""
    words = vocabulary(nodes, ruleset)
    word, icon, colour = STATUS_WORDS.get(decision.status, (decision.status, "", "gray"))
    chain = " → ".join(words.strategy(step) for step in decision.strategies) or "no strategy"
    st.markdown(f":{colour}-badge[{icon} {word}] under {chain}")
    if decision.reason:
        st.caption(decision.reason)
    units = sum(line.qty for line in decision.lines)
    restocked = sum(line.qty for line in decision.lines if line.disposition == "restock")
    cost = sum(line.cost or 0.0 for line in decision.lines)
    cols = st.columns(3)
    cols[0].metric("Units returned", formats.count(units))
    cols[1].metric("Units restocked", formats.count(restocked))
    cols[2].metric("Return cost", formats.money(cost))
    table = lines_table(decision, nodes)
    st.markdown("**Where each line goes**")
    st.dataframe(table, hide_index=True, column_config=formats.money_columns(table))
    show_explanation(decision, nodes, ruleset)


def show_explanation(
    decision: ReturnDecision, nodes: pd.DataFrame, ruleset: s.Ruleset | None = None
) -> None:
    """Why: the nodes chosen and the remarks in sentences, then the ranking of the
    candidates and the nodes left out, each with its reason in words."""
    entries = distinct(decision.explain)
    if not entries:
        st.info("No explanation: no return strategy took a look at it.", icon=":material/info:")
        return
    words = vocabulary(nodes, ruleset)
    st.markdown("**Why**")
    for entry in entries:
        if entry.outcome == "chosen" or entry.node_id is None:
            st.markdown(f"- {entry_words(entry, words)}")
    ranked = [e for e in entries if e.outcome in ("chosen", "ranked")]
    excluded = [e for e in entries if e.outcome == "excluded" and e.node_id is not None]
    ranking_tab, excluded_tab = st.tabs(
        [f"Ranking ({len(ranked)} candidates)", f"Left out ({len(excluded)})"]
    )
    with ranking_tab:
        st.caption("Candidates in the order the strategy's `rank by` keys put them.")
        st.dataframe(_entries(ranked, words), hide_index=True)
    with excluded_tab:
        st.dataframe(_entries(excluded, words), hide_index=True)


def _entries(entries, words) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "strategy": [words.strategy(e.strategy) for e in entries],
            "node": [e.node_id for e in entries],
            "outcome": [e.outcome for e in entries],
            "in words": [entry_words(e, words) for e in entries],
            "clause": [e.clause for e in entries],
            "detail": [e.detail for e in entries],
        }
    )


def start_of(ret: Return, nodes: pd.DataFrame) -> tuple[float, float] | None:
    """Where the return starts: its drop store, or the customer's address."""
    if ret.get("method") == "store":
        found = nodes[nodes["id"].astype(str) == str(ret.get("drop_node"))]
        if found.empty:
            return None
        return float(found["lat"].iloc[0]), float(found["lon"].iloc[0])
    lat, lon = ret.get("origin_lat"), ret.get("origin_lon")
    return None if lat is None or lon is None else (float(lat), float(lon))


def decision_map(decision: ReturnDecision, ret: Return, nodes: pd.DataFrame) -> go.Figure:
    """Where the return starts (a star), the receiving nodes (by type) with a line to
    each coloured by disposition, the other candidates (grey) and the rest (light)."""
    frame = nodes.assign(id=nodes["id"].astype(str)).set_index("id")
    chosen = [line.node_id for line in decision.lines if line.node_id is not None]
    ranked = {e.node_id for e in decision.explain if e.outcome == "ranked"} - set(chosen)
    figure = go.Figure()
    others = [i for i in frame.index if i not in ranked and i not in chosen]
    for name, ids, colour, size in (
        ("left out or not considered", others, "#c7c7c7", 6),
        ("other candidates", sorted(ranked), "#8c8c8c", 9),
    ):
        part = frame.loc[ids]
        figure.add_scattergeo(
            lat=part["lat"], lon=part["lon"], name=name, text=list(part.index),
            hoverinfo="text", marker={"size": size, "color": colour},
        )  # fmt: skip
    start = start_of(ret, nodes)
    if start is not None:
        figure.add_scattergeo(
            lat=[start[0]], lon=[start[1]], name=f"returned ({ret.get('method')})",
            text=["where the return starts"], hoverinfo="text",
            marker={"size": 16, "symbol": "star", "color": "black"},
        )  # fmt: skip
    for line in decision.lines:
        if line.node_id is None or line.node_id not in frame.index:
            continue
        node = frame.loc[line.node_id]
        colour = DISPOSITION_COLOURS.get(line.disposition or "", UNROUTED_COLOUR)
        said = f"{line.sku} × {line.qty} to {line.node_id}: {line.disposition}"
        if start is not None:
            figure.add_scattergeo(
                lat=[start[0], node["lat"]], lon=[start[1], node["lon"]], mode="lines",
                line={"width": 2.5, "color": colour}, showlegend=False, hoverinfo="skip",
            )  # fmt: skip
        figure.add_scattergeo(
            lat=[node["lat"]], lon=[node["lon"]], name=said, text=[said], hoverinfo="text",
            marker={"size": 16, "color": TYPE_COLOURS.get(str(node["type"]), "#1f77b4"),
                    "line": {"width": 3, "color": colour}},
        )  # fmt: skip
    offline_geo(figure)
    figure.update_layout(title="Where it goes", height=480, **LAYOUT)
    return figure
