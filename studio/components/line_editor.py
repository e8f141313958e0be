"""The lines table of the Try pages' forms (an order's, a return's): an editable
table kept across page visits, started from one line of the SKU most nodes hold, and
replaced by a copy of a line set from history."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st


def _editor_key(key: str) -> str:
    return f"{key}.lines.{st.session_state.get(f'{key}.generation', 0)}"


def keep_lines(key: str, lines: pd.DataFrame) -> None:
    """Show `lines` in the form under `key` next time (a fresh editor)."""
    state = st.session_state
    state[f"kept:{key}.lines_base"] = lines.reset_index(drop=True)
    state[f"{key}.generation"] = state.get(f"{key}.generation", 0) + 1


def most_held_sku(inventory: pd.DataFrame) -> str:
    """The SKU held at the most nodes ("" when nothing is held)."""
    held = inventory[inventory["on_hand"] > 0]
    return str(held["sku"].astype(str).value_counts().index[0]) if len(held) else ""


def edited_lines(
    key: str, inventory: pd.DataFrame, first: dict[str, Any], columns: dict[str, Any]
) -> pd.DataFrame:
    """The lines as the user left them: `first` is the one line a new form starts
    with, `columns` the editor's settings after those of `sku` and `qty`."""
    base_key = f"{key}.lines_base"
    editor = _editor_key(key)
    kept = st.session_state.get(f"kept:{base_key}")
    if editor not in st.session_state or base_key not in st.session_state:
        # first draw, or back on the page: start from the lines as they were left
        start = pd.DataFrame({name: [value] for name, value in first.items()})
        st.session_state[base_key] = kept if kept is not None else start
    skus = sorted(inventory["sku"].astype(str).unique())
    edited = st.data_editor(
        st.session_state[base_key],
        key=editor,
        num_rows="dynamic",
        hide_index=True,
        column_config={
            "sku": st.column_config.SelectboxColumn("sku", options=skus, required=True),
            "qty": st.column_config.NumberColumn("qty", min_value=0, step=1, required=True),
            **columns,
        },
    )
    st.session_state[f"kept:{base_key}"] = edited.reset_index(drop=True)
    return edited.reset_index(drop=True)
