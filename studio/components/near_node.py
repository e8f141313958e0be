"""A quick way to say "near Lyon": pick a node and put a latitude and longitude field
pair at its position (Try one order's destination, Try one return's address)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st


def near_node(nodes: pd.DataFrame, key: str, label: str, what: str, where: Any = st) -> None:
    """A node picker (`label`) that sets `{key}.lat` and `{key}.lon` in the session state
    to the picked node's position; `what` names what is placed there; `where` is the
    container it is drawn in."""
    labels = {
        f"{row.name} ({row.id})": (float(row.lat), float(row.lon))
        for row in nodes.itertuples(index=False)
    }

    def place() -> None:
        picked = st.session_state.get(f"{key}.near")
        if picked in labels:
            st.session_state[f"{key}.lat"], st.session_state[f"{key}.lon"] = labels[picked]

    where.selectbox(
        label,
        list(labels),
        index=None,
        key=f"{key}.near",
        on_change=place,
        placeholder=f"pick a node to put the {what} at its position",
    )
