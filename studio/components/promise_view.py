"""The delivery promise of one order on Try one order: the clock the order is placed at
(local date and time of the ruleset's zone, now by default), each shipment's carrier,
service, pick, ship and promised dates, the order's promised date, and the cut-off
countdown in words (studio.promise_words)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

import engine
from engine.promise import LocalMoment, PromiseCalendars
from engine.tables import Carriers, Closures, Table
from engine.tables.promise_columns import NodeCalendar
from studio import formats
from studio.components.order_form import local_instant
from studio.components.widget_memory import field
from studio.promise_words import PickTime, order_words, pick_words

KEY = "try.placed"


def placed_at(timezone: str) -> pd.Timestamp:
    """The "order placed at" picker: a local date and time (to the minute) of the
    ruleset's zone, now by default; returns the instant."""
    now = dt.datetime.now(ZoneInfo(timezone)).replace(second=0, microsecond=0)
    day_col, time_col, note = st.columns([2, 2, 5], vertical_alignment="bottom")
    day = day_col.date_input(
        "Order placed on",
        format=formats.DATE_INPUT,
        key=field(f"{KEY}.day", now.date()),
        help=f"local date in {timezone}",
    )
    time = time_col.time_input(
        "at", key=field(f"{KEY}.time", now.time()), step=60, help=f"local time in {timezone}"
    )
    note.caption(
        f"The promise is computed for an order placed then ({timezone}), against the "
        "nodes' cut-offs and calendars, the carriers and the closures in use."
    )
    return local_instant(day or now.date(), time or now.time(), timezone)


def pick_times(
    decision: engine.Decision,
    nodes: Table,
    carriers: Carriers,
    closures: Closures | None,
    moment: LocalMoment,
) -> list[PickTime]:
    """Each promised shipment's node against the clock (shipments without a promise,
    for want of an eligible service, are left out)."""
    calendars = PromiseCalendars(NodeCalendar.of(nodes), carriers, closures)
    found = []
    for shipment in decision.shipments:
        carried = shipment.carried
        if carried is None:
            continue
        row = calendars.node_row(shipment.node_id)
        found.append(
            PickTime(
                shipment.node_id,
                int(calendars.nodes.cutoff[row]),
                calendars.node_open(row, moment.day),
                carried.pick_date,
                carried.promised_date,
            )
        )
    return found


def promise_table(decision: engine.Decision, picks: dict[str, str]) -> pd.DataFrame:
    """One row per shipment: node, carrier, service, the days, and its cut-off words."""
    shipments = decision.shipments
    return pd.DataFrame(
        {
            "node": [s.node_id for s in shipments],
            "carrier": [s.carrier or "none eligible" for s in shipments],
            "service": [s.service or "" for s in shipments],
            "pick date": [formats.date(s.carried and s.carried.pick_date) for s in shipments],
            "ship date": [formats.date(s.ship_date) for s in shipments],
            "promised date": [formats.date(s.promised_date) for s in shipments],
            "eta_days": [s.eta_days if s.promised_date is not None else None for s in shipments],
            "cut-off": [picks.get(s.node_id, "") for s in shipments],
        }
    )


def show(
    decision: engine.Decision,
    nodes: Table,
    carriers: Carriers,
    closures: Closures | None,
    at: pd.Timestamp,
    timezone: str,
) -> None:
    """The promise: the headline sentence, the order's promised date, the shipments."""
    moment = LocalMoment.of(at.to_pydatetime(), ZoneInfo(timezone))
    picks = pick_times(decision, nodes, carriers, closures, moment)
    st.subheader("Delivery promise")
    if decision.promised_date is None or not picks:
        st.warning(
            "No promise: no shipment has an eligible carrier service (the explanation "
            "below says why).",
            icon=":material/local_shipping:",
        )
    else:
        with st.container(key="try-promise-headline"):
            st.success(
                order_words(picks, moment.date, moment.minute, decision.promised_date),
                icon=":material/schedule:",
            )
        st.metric(
            "Promised date",
            formats.long_date(decision.promised_date),
            help="the latest shipment's promised date",
        )
    words = {pick.node_id: pick_words(pick, moment.date, moment.minute) for pick in picks}
    st.dataframe(promise_table(decision, words), hide_index=True, key="try.promise")
