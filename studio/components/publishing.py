"""Publishing on the Rules page. The person signed in approves a version in review —
an approver who is not its author — now or at a date and time of the ruleset's time
zone, after a confirmation that names the version, what it replaces and the instant
it goes live. A scheduled version shows when it goes live and may be cancelled.

The store checks the same rules when the action runs (`RulesetStore.publish`).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

import dsl
from rulesets.store import Action, RulesetStore, StoreError, Version
from studio import formats, state
from studio.components import diagnostics_panel
from studio.components.sign_in import acting, refusal

GO_LIVE = "rules.go_live"
DAY, TIME = "rules.go_live.day", "rules.go_live.time"
CONFIRM = "rules.publish.confirm"
"""(ruleset, version, go-live instant or None for now) awaiting the approver's yes."""
NOW, LATER = "Now", "At a date and time"


def timezone_of(version: Version) -> str:
    """The time zone the version's text states (UTC when it states none)."""
    return zone_of_text(version.text)


@st.cache_data(show_spinner=False, max_entries=32)
def zone_of_text(text: str) -> str:
    """The time zone a ruleset text states (UTC when it states none or does not parse)."""
    try:
        found = dsl.parse(text).timezone or "UTC"
        ZoneInfo(found)
    except (dsl.RulesetSyntaxError, ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return found


def local(at: dt.datetime, timezone: str) -> str:
    """An instant as the ruleset's people read it: `15/11/2026 06:00 (Europe/Paris)`."""
    return f"{formats.date_time(at, timezone)} ({timezone})"


def approve(found: RulesetStore, version: Version) -> None:
    """When it goes live (now, or a date and time), then the Publish button and, once
    pressed, the confirmation."""
    cannot = refusal(found, Action.PUBLISH, version)
    if cannot is not None:
        st.button(
            f"Publish v{version.number}",
            key="rules.publish",
            disabled=True,
            icon=":material/rocket_launch:",
            help=cannot,
        )
        st.caption(f":material/lock: Not for you to publish: {cannot}")
        return
    timezone = timezone_of(version)
    when = st.radio("Goes live", [NOW, LATER], key=GO_LIVE, horizontal=True)
    instant = None
    if when == LATER:
        instant = _instant_picked(timezone)
    st.button(
        f"Publish v{version.number}…",
        key="rules.publish",
        type="primary",
        on_click=_ask,
        args=(version.ruleset, version.number, timezone),
        icon=":material/rocket_launch:",
        help="Asks you to confirm what goes live and from when.",
    )
    _confirmation(found, version, instant, timezone)


def _instant_picked(timezone: str) -> dt.datetime:
    """A day and a time of the ruleset's time zone (the next full hour by default)."""
    zone = ZoneInfo(timezone)
    now = dt.datetime.now(zone)
    soon = (now + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    if st.session_state.get(DAY) is None or st.session_state[DAY] < now.date():
        st.session_state[DAY] = soon.date()  # first time, or a day picked before midnight
    st.session_state.setdefault(TIME, soon.time())
    left, right, _ = st.columns([1, 1, 2])
    left.date_input("Day", key=DAY, min_value=now.date(), format="DD/MM/YYYY")
    right.time_input("Time", key=TIME, step=dt.timedelta(minutes=1))
    st.caption(f"In the ruleset's time zone, {timezone}.")
    return _picked(timezone)


def _picked(timezone: str) -> dt.datetime | None:
    """The go-live instant the widgets say now (None: now)."""
    state = st.session_state
    if state.get(GO_LIVE) != LATER or state.get(DAY) is None or state.get(TIME) is None:
        return None
    return dt.datetime.combine(state[DAY], state[TIME], tzinfo=ZoneInfo(timezone))


def _ask(name: str, number: int, timezone: str) -> None:
    """Read the instant when the button is pressed: a time changed just before the click
    is sent with it, after the button was drawn."""
    st.session_state[CONFIRM] = (name, number, _picked(timezone))


def _confirmation(
    found: RulesetStore, version: Version, instant: dt.datetime | None, timezone: str
) -> None:
    """The question before anything goes live, naming the version, what it replaces and
    from when; dropped when the version or the instant picked changes."""
    asked = st.session_state.get(CONFIRM)
    if asked is None:
        return
    if asked != (version.ruleset, version.number, instant):
        st.session_state.pop(CONFIRM)
        return
    live = found.live(version.ruleset)
    if instant is None:
        replaces = f", replacing v{live.number}" if live else " (nothing is live yet)"
        question = (
            f"Publish **{version.label}** now? It goes live at once{replaces}: every order "
            "routed from then on follows it."
        )
        yes = "Yes, publish now"
    else:
        until = f"; until then v{live.number} stays live" if live else ""
        question = (
            f"Schedule **{version.label}**? It goes live on **{local(instant, timezone)}**{until}."
        )
        yes = "Yes, schedule it"
    st.warning(question, icon=":material/rocket_launch:")
    left, right, _ = st.columns([1, 1, 2])
    left.button(yes, key="rules.publish.yes", type="primary", on_click=_publish)
    right.button("Cancel", key="rules.publish.no", on_click=lambda: st.session_state.pop(CONFIRM))


def _publish() -> None:
    from studio.components.ruleset_choice import store

    name, number, instant = st.session_state.pop(CONFIRM)
    found = store()
    try:
        version = found.publish(
            name,
            number,
            reviewer=acting(found),
            at=instant,
            extra_fields=diagnostics_panel.data_fields(),
        )
    except StoreError as error:
        state.notify("error", f"Not published: {error}", state.REVIEW)
        return
    if instant is None:
        state.notify(
            "success",
            f"{version.label} is published and live (approved by {version.reviewed_by}).",
            state.REVIEW,
        )
    else:
        state.notify(
            "success",
            f"{version.label} is scheduled: it goes live on "
            f"{local(instant, timezone_of(version))} (approved by {version.reviewed_by}).",
            state.REVIEW,
        )


def scheduled(found: RulesetStore, version: Version) -> None:
    """A scheduled version: when it goes live, who approved it, and its cancel button."""
    st.info(
        f"**{version.label}** is scheduled: it goes live on "
        f"**{local(version.published_at, timezone_of(version))}** (approved by "
        f"{version.reviewed_by}).",
        icon=":material/schedule:",
    )
    cannot = refusal(found, Action.CANCEL, version)
    st.button(
        "Cancel the schedule",
        key="rules.cancel_schedule",
        on_click=_cancel,
        args=(version.ruleset, version.number),
        disabled=cannot is not None,
        icon=":material/event_busy:",
        help=cannot or "The version goes back to review; it will not go live then.",
    )


def _cancel(name: str, number: int) -> None:
    from studio.components.ruleset_choice import store

    found = store()
    try:
        version = found.cancel(name, number, by=acting(found))
    except StoreError as error:
        state.notify("error", f"Not cancelled: {error}", state.REVIEW)
        return
    state.notify("info", f"{version.label} will not go live: it is back in review.", state.REVIEW)
