"""The period a run replays: first and last order day, local days of the ruleset's time
zone, bounded by the history at hand."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from studio.components.widget_memory import field


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
        key=_day(f"{key}.first", low, low, high),
    )
    last = two.date_input(
        "Last order day",
        value=None,
        min_value=low,
        max_value=high,
        key=_day(f"{key}.last", high, low, high),
    )
    count = orders["order_id"].nunique()
    st.caption(f"History holds {count:,} orders from {low} to {high} ({timezone}).")
    if first is not None and last is not None and first > last:
        st.error("The first day is after the last day.", icon=":material/event_busy:")
    return first, last


def _day(key: str, default: dt.date, low: dt.date, high: dt.date) -> str:
    field(key, default)
    day = st.session_state[key]
    if day is not None and not low <= day <= high:  # other data since
        st.session_state[key] = default
    return key
