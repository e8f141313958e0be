"""Widget values that survive a visit to another page.

Streamlit forgets a widget's value when the page that draws it is not shown. A page
declares its inputs with `field(key, default)` (their starting value goes through
session state, so no widget is given a default twice) and calls `remember()` at the
end; the values are kept under `kept:<key>` and put back when the page comes back.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

SHADOW = "kept:"
_FIELDS = "widget_memory.fields"


def field(key: str, default: Any) -> str:
    """The widget key, its value set to what it was (or `default`) before it is drawn."""
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(SHADOW + key, default)
    fields = st.session_state.setdefault(_FIELDS, set())
    fields.add(key)
    return key


def remember() -> None:
    """Keep the current value of every declared field for the next visit."""
    for key in st.session_state.get(_FIELDS, ()):
        if key in st.session_state:
            st.session_state[SHADOW + key] = st.session_state[key]


def forget(prefix: str) -> None:
    """Drop the fields under `prefix` and their kept values (a form reset)."""
    for key in list(st.session_state):
        name = key[len(SHADOW) :] if key.startswith(SHADOW) else key
        if isinstance(name, str) and name.startswith(prefix):
            del st.session_state[key]
