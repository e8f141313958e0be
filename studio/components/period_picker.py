"""Periods: the one a run replays (first and last order day, local days of the ruleset's
time zone, bounded by the history at hand), and the one its figures are shown for (the
whole run, the peak season, or days picked)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from dsl import syntax as s
from studio import formats, schedule
from studio.components.widget_memory import field

WHOLE = "whole"
CHOSEN = "chosen"


@dataclass(frozen=True)
class Period:
    """Days to show figures for, both included; None is an open side."""

    name: str
    first: dt.date | None
    last: dt.date | None

    @property
    def whole(self) -> bool:
        return self.first is None and self.last is None


def period_inputs(
    orders: pd.DataFrame, timezone: str, key: str
) -> tuple[dt.date | None, dt.date | None]:
    """Two date inputs (`<key>.first`, `<key>.last`), the whole history by default."""
    local = pd.to_datetime(orders["created_at"], utc=True).dt.tz_convert(ZoneInfo(timezone))
    low, high = local.min().date(), local.max().date()
    one, two = st.columns(2)
    first = one.date_input(
        "First order day",
        value=None,
        min_value=low,
        max_value=high,
        format=formats.DATE_INPUT,
        key=_day(f"{key}.first", low, low, high),
    )
    last = two.date_input(
        "Last order day",
        value=None,
        min_value=low,
        max_value=high,
        format=formats.DATE_INPUT,
        key=_day(f"{key}.last", high, low, high),
    )
    count = formats.count(orders["order_id"].nunique(), "order")
    st.caption(f"History holds {count} from {formats.date_range(low, high)} ({timezone}).")
    if first is not None and last is not None and first > last:
        st.error("The first day is after the last day.", icon=":material/event_busy:")
    return first, last


def peak_days(
    ruleset: s.Ruleset | None, first: dt.date, last: dt.date
) -> list[tuple[dt.date, dt.date]]:
    """The peak seasons (as the Timeline shades them) that meet the days `first`–`last`,
    each cut to those days: the windows of strategies called "peak", else 15 November to
    31 December of each year."""
    if ruleset is None:
        return []
    spans = schedule.peak_windows(ruleset, first.year, last.year)
    out = []
    for start, end in spans:  # `end` is the first moment after the window
        low = max(start.date(), first)
        high = min((end - dt.timedelta(microseconds=1)).date(), last)
        if low <= high:
            out.append((low, high))
    return out


def period_filter(
    days: tuple[dt.date, dt.date], peaks: list[tuple[dt.date, dt.date]], key: str
) -> Period:
    """ "Figures for": the whole run, each peak season in it, or days picked (a range)."""
    first, last = days
    options = {WHOLE: Period(f"whole run: {formats.date_range(first, last)}", None, None)}
    for low, high in peaks:
        options[f"peak {low}"] = Period(f"peak: {formats.date_range(low, high)}", low, high)
    options[CHOSEN] = Period("days I pick…", first, last)
    choice_key = field(f"{key}.period", WHOLE)
    if st.session_state[choice_key] not in options:
        st.session_state[choice_key] = WHOLE
    left, right = st.columns([2, 3])
    choice = left.selectbox(
        "Figures for",
        list(options),
        format_func=lambda option: options[option].name,
        key=choice_key,
        help="every card, chart and table below counts the orders placed on these days; "
        "the run itself is not replayed again",
    )
    if choice != CHOSEN:
        return options[choice]
    one, two = right.columns(2)
    low = one.date_input(
        "From",
        min_value=first,
        max_value=last,
        format=formats.DATE_INPUT,
        key=_day(f"{key}.from", first, first, last),
    )
    high = two.date_input(
        "To",
        min_value=first,
        max_value=last,
        format=formats.DATE_INPUT,
        key=_day(f"{key}.to", last, first, last),
    )
    low, high = low or first, high or last
    if low > high:
        low, high = high, low
        st.error(
            f"The first day is after the last day: the figures are for "
            f"{formats.date_range(low, high)}.",
            icon=":material/event_busy:",
        )
    return Period(f"days: {formats.date_range(low, high)}", low, high)


def _day(key: str, default: dt.date, low: dt.date, high: dt.date) -> str:
    field(key, default)
    day = st.session_state[key]
    if day is not None and not low <= day <= high:  # other data since
        st.session_state[key] = default
    return key
