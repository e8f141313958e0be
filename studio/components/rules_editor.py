"""The ruleset text editor: a text area whose value is kept in the session's own key
(state.TEXT), so the text survives a visit to another page and a form can rewrite it.

A plain `st.text_area`: it is tested headless (AppTest sets its value) and in a real
browser; the text is checked when the user applies it (Ctrl+Enter or leaving the box)
and every finding is listed beside it, so no click is needed to see what is wrong.
Line numbers and underlines are drawn on the box by `editor_marks`.
"""

from __future__ import annotations

import streamlit as st

from studio import state

EDITOR = "rules.editor"
"""The text area's widget key (its value mirrors state.TEXT)."""
MONOSPACE = (
    "<style>.st-key-rules-editor textarea {font-family: 'Source Code Pro', monospace; "
    "font-size: 0.85rem; line-height: 1.45;}</style>"
)
"""Rules read as code: the editor uses the code font Streamlit ships (no download)."""


def text_editor(height: int = 560) -> str:
    """Draw the editor; returns the current text."""
    text = state.draft_text()
    if st.session_state.get(EDITOR) != text:  # a form, a load or another page changed it
        st.session_state[EDITOR] = text
    st.html(MONOSPACE)
    st.text_area(
        "Ruleset text",
        key=EDITOR,
        height=height,
        on_change=_typed,
        help="Press Ctrl+Enter (or click outside the box) to check the text. "
        "The forms and the diagnostics follow the text.",
    )
    return text


def _typed() -> None:
    # A change the browser sent with the click that signed the user out arrives after
    # the session was cleared: its editor is gone, and so is the edit (Sign out kept
    # it as the working copy already).
    text = st.session_state.get(EDITOR)
    if text is not None:
        state.set_text(text)
