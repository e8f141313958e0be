"""The outcome of a store action (open, save, submit, publish…), shown once, at the
place of the buttons that caused it (`state.OPEN` or `state.REVIEW`)."""

from __future__ import annotations

import streamlit as st

from studio import state

NOTICES = {
    "success": (st.success, ":material/check_circle:"),
    "info": (st.info, ":material/info:"),
    "warning": (st.warning, ":material/warning:"),
    "error": (st.error, ":material/error:"),
    "conflict": (st.error, ":material/sync_problem:"),
}


def show(place: str) -> None:
    """The pending message for `place`, if any."""
    notice = state.take_notice(place)
    if notice is not None:
        draw, icon = NOTICES.get(notice[0], NOTICES["info"])
        draw(notice[1], icon=icon)
