"""The orders that lost their next-day promise between two runs with carriers, grouped by
cause in business words: how many, each cause with its orders and examples, and every
such order with both promises. The causes are `simulations.promise_causes`'s
(docs/simulations.md, "Lost next-day promises"); the studio only words and lists them,
for the orders placed in the period the figures are shown for."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from simulations import Comparison
from simulations.exports import csv_bytes
from simulations.promise_causes import next_day_causes
from studio import formats
from studio.components.period_picker import Period

KIND_WORDS = {
    "not routed": "Not routed",
    "no promise": "No promised date",
    "carrier full": "A carrier service was full",
    "delivery day": "No delivery on that day",
    "cut-off": "A cut-off moved",
    "other node": "Ships from another node",
    "other service": "Another carrier service",
    "later": "Promised later",
}
"""Each kind of cause (simulations.promise_causes.KINDS) as a heading."""
TOLD = 5
"""Causes also said as sentences above the table (the largest)."""
SHOWN_ROWS = 1_000
"""Orders listed on the page (the CSV has them all)."""
ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def lost_in(comparison: Comparison, period: Period | None) -> pd.DataFrame:
    """The comparison's orders that lost their next-day promise, placed in `period`
    (local days of the ruleset's time zone; None or the whole run: all of them)."""
    lost = comparison.lost_next_day
    if period is None or period.whole or lost.empty:
        return lost
    days = lost["day"]
    inside = pd.Series(True, index=lost.index)
    if period.first is not None:
        inside &= days >= period.first
    if period.last is not None:
        inside &= days <= period.last
    return lost[inside.to_numpy()]


def words(cause: str) -> str:
    """A cause as the studio writes it: its ISO dates (2026-12-04) day first (04/12/2026)."""
    return ISO_DAY.sub(lambda day: f"{day[3]}/{day[2]}/{day[1]}", cause)


def cause_table(lost: pd.DataFrame) -> pd.DataFrame:
    """`next_day_causes` of the lost orders, largest first: what happened (the kind in
    words), the cause, how many orders and the first three."""
    groups = next_day_causes(lost)
    return pd.DataFrame(
        {
            "What happened": [KIND_WORDS.get(kind, kind) for kind in groups["kind"]],
            "Cause": [words(str(cause)) for cause in groups["cause"]],
            "Orders": [formats.count(n) for n in groups["orders"]],
            "Example orders": groups["examples"].astype(str).tolist(),
        }
    )


def order_table(lost: pd.DataFrame, names: tuple[str, str]) -> pd.DataFrame:
    """Every lost order with both sides' promise and shipments, readable headers."""
    base, variant = names
    return pd.DataFrame(
        {
            "Order": lost["order_id"].astype(str).tolist(),
            "Day": [formats.date(day) for day in lost["day"]],
            "Channel": lost["channel"].astype(str).tolist(),
            f"Promised in {base}": [_date(d) for d in lost["base_promised_date"]],
            f"Promised in {variant}": [_date(d) for d in lost["variant_promised_date"]],
            f"Ships in {base}": [words(str(s)) for s in lost["base_shipments"]],
            f"Ships in {variant}": [
                words(str(s)) or formats.EMPTY for s in lost["variant_shipments"]
            ],
            "What happened": [KIND_WORDS.get(kind, kind) for kind in lost["kind"]],
            "Cause": [words(str(cause)) for cause in lost["cause"]],
        }
    )


def show(comparison: Comparison, key: str, period: Period | None = None) -> None:
    """The section for one comparison (widgets keyed under `key` and its variant's
    name); nothing when neither run had carriers."""
    if not (comparison.base.kpis.carriers or comparison.variant.kpis.carriers):
        return
    base, variant = comparison.names
    lost = lost_in(comparison, period)
    where = "" if period is None or period.whole else f", {period.name}"
    st.markdown(f"**Orders that lost their next-day promise in {variant}**{where}")
    if lost.empty:
        st.caption(f"Every order {base} promised next day is promised next day in {variant} too.")
        return
    table = cause_table(lost)
    count = formats.count(len(lost), "order")
    st.markdown(
        f"{count} promised next day by {base} (delivered at most 1 day after the order's "
        f"day) are not in {variant}: {formats.count(len(table), 'cause')}."
    )
    st.markdown("\n".join(_sentence(row) for row in table.head(TOLD).to_dict("records")))
    st.dataframe(
        table,
        hide_index=True,
        key=f"{key}.lost_causes.{variant}",
        column_config={"Cause": st.column_config.TextColumn(width="large")},
    )
    with st.expander(f"Every order that lost its next-day promise ({count})"):
        listed = order_table(lost.head(SHOWN_ROWS), comparison.names)
        st.dataframe(listed, hide_index=True, key=f"{key}.lost_orders.{variant}")
        if len(lost) > SHOWN_ROWS:
            st.caption(f"The first {formats.count(SHOWN_ROWS)} are listed; the CSV has them all.")
        st.download_button(
            "Lost next-day promises (CSV)",
            data=lambda: csv_bytes(lost),
            file_name=f"lost_next_day_{variant}.csv",
            mime="text/csv",
            icon=":material/download:",
            key=f"{key}.lost_csv.{variant}",
        )


def _sentence(row: dict) -> str:
    orders = "order" if row["Orders"] == "1" else "orders"
    return f"- **{row['Orders']} {orders}**: {row['Cause']} ({row['What happened'].lower()})"


def _date(value) -> str:
    """A promised date day first; "no date" for an order without one."""
    return "no date" if value is None or pd.isna(value) else formats.date(value)
