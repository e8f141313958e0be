"""Picking one order or return of a history table on the Try pages: the matching
ids (the first `MAX_LISTED`), its lines with their times in the ruleset's zone, and
a button that copies it into the form beside."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from studio import formats
from studio.components.widget_memory import field

MAX_LISTED = 500


def pick_listed(
    table: pd.DataFrame,
    heads: pd.DataFrame,
    column: str,
    noun: str,
    prefix: str,
    timezone: str,
    edit_copy: Callable[[pd.DataFrame, str], None],
) -> pd.DataFrame | None:
    """The lines of the `column` id picked among `heads` (one row per id, already
    narrowed by the page's filters); None, with a note, when nothing matches.
    Widget keys start with `prefix`; `edit_copy(lines, timezone)` runs when the user asks to
    edit a copy of it."""
    ids = heads[column].astype(str).head(MAX_LISTED).tolist()
    if not ids:
        st.info(f"No {noun} matches.", icon=":material/search_off:")
        return None
    key = f"{prefix}.{column}"
    field(key, ids[0])
    if st.session_state[key] not in ids:
        st.session_state[key] = ids[0]
    picked = st.selectbox(
        f"{noun.capitalize()} ({formats.count(len(heads), 'match', 'matches')}, the first "
        f"{formats.count(min(len(heads), MAX_LISTED))} listed)",
        ids,
        key=key,
    )
    lines = table[table[column].astype(str) == picked]
    shown = lines.assign(created_at=formats.date_times(lines["created_at"], timezone))
    st.dataframe(shown, hide_index=True, column_config=formats.money_columns(shown))
    st.caption(formats.zone_note(timezone))
    st.button(
        f"Edit a copy of this {noun}",
        icon=":material/edit:",
        on_click=edit_copy,
        args=(lines, timezone),
        key=f"{prefix}.edit_copy",
    )
    return lines
