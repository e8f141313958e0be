"""One routing decision as a business user reads it: what ships from where, what is
missing, and why: the nodes chosen, the candidates in ranking order, and each excluded
node with the clause that excluded it."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dsl import syntax as s
from engine import Decision, Explanation
from simulations.charts import LAYOUT, TYPE_COLOURS, offline_geo
from simulations.explanation_words import Vocabulary, explanation_words
from studio import formats

RANK = re.compile(r"^rank (\d+) of (\d+)")
STATUS_WORDS = {
    "routed": ("Routed", ":material/check_circle:", "green"),
    "partial": ("Partly routed", ":material/timelapse:", "orange"),
    "backordered": ("Backordered", ":material/hourglass_top:", "orange"),
    "rejected": ("Rejected", ":material/block:", "red"),
    "unroutable": ("Unroutable", ":material/block:", "red"),
}


def shipments_table(decision: Decision, nodes: pd.DataFrame) -> pd.DataFrame:
    """One row per shipment: node, its type, what it ships, distance, cost, ETA, strategy."""
    types = _types(nodes)
    return pd.DataFrame(
        {
            "node": [s.node_id for s in decision.shipments],
            "type": [types.get(s.node_id, "") for s in decision.shipments],
            "ships": [
                ", ".join(f"{ln.sku} × {ln.qty}" for ln in s.lines) for s in decision.shipments
            ],
            "units": [s.units for s in decision.shipments],
            "distance_km": [round(s.distance_km, 1) for s in decision.shipments],
            "cost": [round(s.cost, 2) for s in decision.shipments],
            "eta_days": [round(s.eta_days, 2) for s in decision.shipments],
            "strategy": [s.strategy or "" for s in decision.shipments],
        }
    )


def transfers_table(decision: Decision) -> pd.DataFrame:
    """One row per transfer leg of a collect order: from which node to which store, the
    leg's distance, cost and days, and when that parcel is ready at the store."""
    legs = [s for s in decision.shipments if s.transfer is not None]
    return pd.DataFrame(
        {
            "from": [s.node_id for s in legs],
            "to store": [s.transfer.to_node for s in legs],  # type: ignore[union-attr]
            "ships": [", ".join(f"{ln.sku} × {ln.qty}" for ln in s.lines) for s in legs],
            "distance_km": [round(s.transfer.distance_km, 1) for s in legs],  # type: ignore[union-attr]
            "cost": [round(s.transfer.cost, 2) for s in legs],  # type: ignore[union-attr]
            "days": [round(s.transfer.days, 2) for s in legs],  # type: ignore[union-attr]
            "ready_date": [
                None if s.ready_date is None else s.ready_date.isoformat() for s in legs
            ],
        }
    )


def unfilled_table(decision: Decision) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sku": [u.sku for u in decision.unfilled],
            "units": [u.qty for u in decision.unfilled],
            "reason": [u.reason for u in decision.unfilled],
        }
    )


def ranking_table(entries: Iterable[Explanation], nodes: pd.DataFrame) -> pd.DataFrame:
    """The candidates of each strategy: the chosen nodes first, then by rank, with the
    values of the rank keys the engine compared."""
    types = _types(nodes)
    rows = []
    for position, entry in enumerate(entries):
        if entry.outcome == "excluded" or entry.node_id is None or entry.kind == "transfer":
            continue  # a transfer leg's entry is shown under "Collection at the store"
        found = RANK.match(entry.detail)
        rank = int(found.group(1)) if found else None
        rows.append(
            {
                "strategy": entry.strategy,
                "outcome": entry.outcome,
                "rank": rank,
                "node": entry.node_id,
                "type": types.get(entry.node_id, ""),
                "detail": entry.detail,
                "_order": (0 if entry.outcome == "chosen" else 1, rank or 0, position),
            }
        )
    frame = pd.DataFrame(
        rows, columns=["strategy", "outcome", "rank", "node", "type", "detail", "_order"]
    )
    strategies = list(dict.fromkeys(frame["strategy"]))
    frame["_strategy"] = frame["strategy"].map(strategies.index)
    frame = frame.sort_values(["_strategy", "_order"], kind="stable")
    return frame.drop(columns=["_order", "_strategy"]).astype({"rank": "Int64"})


def excluded_table(
    entries: Iterable[Explanation], nodes: pd.DataFrame, words: Vocabulary | None = None
) -> pd.DataFrame:
    """Each node a strategy did not consider: the reason in plain words, then the clause
    that excluded it and the figures it read as the rules write them; remarks about a
    whole strategy have no node."""
    types = _types(nodes)
    words = words or vocabulary(nodes)
    rows = [
        {
            "strategy": e.strategy,
            "node": e.node_id or "",
            "type": types.get(e.node_id, "") if e.node_id else "",
            "reason": explanation_words(e, words),
            "clause": e.clause,
            "why": e.detail,
        }
        for e in entries
        if e.outcome == "excluded"
    ]
    return pd.DataFrame(rows, columns=["strategy", "node", "type", "reason", "clause", "why"])


def vocabulary(nodes: pd.DataFrame, ruleset: s.Ruleset | None = None) -> Vocabulary:
    """Strategy labels from the ruleset, node names from the nodes table."""
    names = {}
    if "name" in nodes.columns:
        named = nodes.dropna(subset=["name"])
        names = dict(zip(named["id"].astype(str), named["name"].astype(str), strict=True))
    return Vocabulary.of([ruleset] if ruleset is not None else [], names)


def exclusion_summary(excluded: pd.DataFrame) -> pd.DataFrame:
    """How many nodes each clause excluded, per strategy."""
    nodes = excluded[excluded["node"] != ""]
    return (
        nodes.groupby(["strategy", "clause"], sort=False)
        .agg(nodes=("node", "size"))
        .reset_index()
        .sort_values(["strategy", "nodes"], ascending=[True, False], kind="stable")
    )


def show_decision(
    decision: Decision, nodes: pd.DataFrame, ruleset: s.Ruleset | None = None
) -> None:
    """Status, shipments, unfilled lines and the explanation of one decision (worded
    with the strategies' labels when the ruleset is given)."""
    word, icon, colour = STATUS_WORDS.get(decision.status, (decision.status, "", "gray"))
    chain = " → ".join(decision.strategies) or "no strategy"
    st.markdown(f":{colour}-badge[{icon} {word}] under **{chain}**")
    if decision.reason:
        st.caption(decision.reason)
    cols = st.columns(4)
    cols[0].metric("Units allocated", f"{decision.units_allocated:,}")
    cols[1].metric("Units unfilled", f"{decision.units_unfilled:,}")
    cols[2].metric("Shipments", len(decision.shipments))
    cost = sum(s.cost for s in decision.shipments)
    cols[3].metric("Cost", formats.money(cost))
    if decision.shipments:
        st.markdown("**Shipments**")
        shipped = shipments_table(decision, nodes)
        st.dataframe(shipped, hide_index=True, column_config=formats.money_columns(shipped))
    if decision.ready_date is not None:
        st.markdown(
            f"**Ready for collection on {decision.ready_date.isoformat()}** "
            f"({len(decision.transfers)} transfer leg{'' if len(decision.transfers) == 1 else 's'})"
        )
    if decision.transfers:
        st.markdown("**Transfers to the store**")
        legs = transfers_table(decision)
        st.dataframe(legs, hide_index=True, column_config=formats.money_columns(legs),
                     )  # fmt: skip
    if decision.unfilled:
        st.markdown("**Not shipped**")
        st.dataframe(unfilled_table(decision), hide_index=True)
    show_explanation(decision.explain, nodes, ruleset)


def show_explanation(
    entries: tuple[Explanation, ...], nodes: pd.DataFrame, ruleset: s.Ruleset | None = None
) -> None:
    """The reasons: chosen nodes, the ranking of candidates, the excluded nodes."""
    words = vocabulary(nodes, ruleset)
    if not entries:
        st.info("No explanation: no strategy ran for this order.", icon=":material/info:")
        return
    chosen = [e for e in entries if e.outcome == "chosen" and e.kind != "transfer"]
    st.markdown("**Why these nodes**")
    for entry in chosen:
        st.markdown(f"- **{entry.node_id}** — {entry.strategy}: {entry.detail}")
    for entry in entries:
        if entry.node_id is None and entry.kind != "transfer":
            st.markdown(f"- {explanation_words(entry, words)}")
    collection = [e for e in entries if e.kind == "transfer"]
    if collection:
        st.markdown("**Collection at the store**")
        for entry in collection:
            st.markdown(f"- {entry.detail}")
    ranking = ranking_table(entries, nodes)
    excluded = excluded_table(entries, nodes, words)
    ranked_tab, excluded_tab = st.tabs(
        [f"Ranking ({len(ranking)} candidates)", f"Excluded ({(excluded['node'] != '').sum()})"]
    )
    with ranked_tab:
        st.caption("Candidates in the order the strategy's `rank by` keys put them.")
        st.dataframe(ranking, hide_index=True, key=None)
    with excluded_tab:
        summary = exclusion_summary(excluded)
        if not summary.empty:
            st.caption(
                " · ".join(
                    f"{words.strategy(r.strategy)}: {r.nodes} excluded by {_clause_words(r.clause)}"
                    for r in summary.itertuples(index=False)
                )
            )
        st.dataframe(excluded, hide_index=True)


def decision_map(
    decision: Decision, nodes: pd.DataFrame, destination: tuple[float, float] | None
) -> go.Figure:
    """The destination, the nodes chosen (coloured by type), the other candidates and
    the excluded nodes (grey), on the same offline grid as the simulation map."""
    frame = nodes.assign(id=nodes["id"].astype(str)).set_index("id")
    chosen = [s.node_id for s in decision.shipments]
    ranked = {e.node_id for e in decision.explain if e.outcome == "ranked"} - set(chosen)
    figure = go.Figure()
    groups = (
        (
            "excluded or not considered",
            [i for i in frame.index if i not in ranked and i not in chosen],
            "#c7c7c7",
            6,
        ),
        ("other candidates", sorted(ranked), "#8c8c8c", 9),
    )
    for name, ids, colour, size in groups:
        part = frame.loc[ids]
        figure.add_scattergeo(
            lat=part["lat"],
            lon=part["lon"],
            name=name,
            text=list(part.index),
            hoverinfo="text",
            marker={"size": size, "color": colour},
        )
    part = frame.loc[chosen]
    figure.add_scattergeo(
        lat=part["lat"],
        lon=part["lon"],
        name="ships",
        text=[f"{i} ({t}) ships" for i, t in zip(part.index, part["type"], strict=True)],
        hoverinfo="text",
        marker={
            "size": 16,
            "color": [TYPE_COLOURS.get(str(t), "#1f77b4") for t in part["type"]],
            "line": {"width": 2, "color": "black"},
        },
    )
    if destination is not None:
        figure.add_scattergeo(
            lat=[destination[0]],
            lon=[destination[1]],
            name="destination",
            text=["destination"],
            hoverinfo="text",
            marker={"size": 16, "symbol": "star", "color": "black"},
        )
        for lat, lon in zip(part["lat"], part["lon"], strict=True):
            figure.add_scattergeo(
                lat=[lat, destination[0]],
                lon=[lon, destination[1]],
                mode="lines",
                line={"width": 1.5, "color": "black"},
                showlegend=False,
                hoverinfo="skip",
            )
    offline_geo(figure)
    figure.update_layout(title="Where it ships from", height=480, **LAYOUT)
    return figure


def _types(nodes: pd.DataFrame) -> dict[str, str]:
    return dict(zip(nodes["id"].astype(str), nodes["type"].astype(str), strict=True))


def _clause_words(clause: str) -> str:
    """A clause named for a business reader: "the nodes it ships from" for `source
    from …`, "kept stock" for `keep …`, the check's name otherwise."""
    if clause.startswith("source from"):
        return "the nodes it ships from"
    if clause.startswith("keep "):
        return "stock kept back"
    if clause.startswith("within"):
        return f"distance ({clause})"
    return {"node offline": "being offline", "one shipment per node": "one parcel per node"}.get(
        clause, clause
    )
