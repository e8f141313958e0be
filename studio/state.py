"""What the studio keeps for a user between reruns and between pages.

Streamlit drops a widget's value when its page is not shown, so the ruleset being
edited lives under keys of its own, not in the editor widget: the text (the one
truth: the forms edit its syntax tree and write it back as text), the ruleset's name
in the store and the version it was opened from (the base of the next save).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

TEXT = "rules.text"
"""The ruleset text being edited."""
NAME = "rules.name"
"""Its name in the ruleset store (None: not saved yet)."""
BASE = "rules.base"
"""The stored version it was opened from or last saved as (None: a new ruleset)."""
NOTICE = "rules.notice"
"""The outcome of the last store action, shown once beside the buttons that caused it:
(kind, message, place)."""
OPEN, REVIEW = "open", "review"
"""Places of a notice: under the open bar (open, new), under the save and review
buttons (save, submit, publish, send back)."""


@dataclass(frozen=True)
class Draft:
    """The ruleset open in the editor and where it came from."""

    text: str
    name: str | None
    base: int | None


def draft() -> Draft:
    state = st.session_state
    return Draft(state.get(TEXT, ""), state.get(NAME), state.get(BASE))


def draft_text() -> str:
    """The editor's text ("" until the Rules page opened a ruleset)."""
    return st.session_state.get(TEXT, "")


def open_draft(text: str, name: str | None, base: int | None) -> None:
    """Put a ruleset in the editor: its text, its stored name and base version."""
    state = st.session_state
    state[TEXT] = text
    state[NAME] = name
    state[BASE] = base


def set_text(text: str) -> None:
    """Replace the editor's text (typed, or written back by a form)."""
    st.session_state[TEXT] = text


def set_base(name: str, base: int) -> None:
    """After a save: the text now belongs to `name`, version `base`."""
    st.session_state[NAME] = name
    st.session_state[BASE] = base


def notify(kind: str, message: str, place: str = OPEN) -> None:
    """Keep a message ("success", "error", "warning", "info") for the next run to show
    at `place` (OPEN or REVIEW)."""
    st.session_state[NOTICE] = (kind, message, place)


def take_notice(place: str = OPEN) -> tuple[str, str] | None:
    """The pending message for that place, once: (kind, message)."""
    found = st.session_state.get(NOTICE)
    if found is None or found[2] != place:
        return None
    del st.session_state[NOTICE]
    return found[0], found[1]
