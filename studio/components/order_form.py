"""One order, filled in by hand or copied from history, as order-line rows in the
orders table's contract (data.md). The rows then go through the same loader as a file,
so a bad value is reported the way an upload reports it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from studio import formats
from studio.components.line_editor import edited_lines, keep_lines, most_held_sku
from studio.components.near_node import near_node
from studio.components.widget_memory import field

KEY = "try.form"
DELIVERIES = ["home", "collect", "express"]
LINE_COLUMNS = ["sku", "qty", "unit_price", "category"]
NEW_ORDER_ID = "TRY-1"


def copy_into_form(lines: pd.DataFrame, timezone: str) -> None:
    """Fill the form with an order from history (its rows in the orders table)."""
    first = lines.iloc[0]
    local = pd.Timestamp(first["created_at"]).tz_convert(ZoneInfo(timezone))
    state = st.session_state
    state[f"{KEY}.channel"] = str(first["channel"])
    state[f"{KEY}.delivery"] = str(first["delivery"])
    state[f"{KEY}.collect_node"] = str(first["collect_node"] or "") or None
    state[f"{KEY}.tier"] = str(first["tier"])
    state[f"{KEY}.lat"] = float(first["dest_lat"])
    state[f"{KEY}.lon"] = float(first["dest_lon"])
    state[f"{KEY}.day"] = local.date()
    state[f"{KEY}.time"] = local.time().replace(microsecond=0)
    promised = first["promised_days"]
    state[f"{KEY}.promised"] = None if pd.isna(promised) else float(promised)
    keep_lines(KEY, lines[LINE_COLUMNS])


def order_form(
    nodes: pd.DataFrame,
    orders: pd.DataFrame,
    inventory: pd.DataFrame,
    timezone: str,
    placed_at: dt.datetime | None = None,
) -> pd.DataFrame:
    """Draw the form; return the order's rows (one per line) in the orders contract.
    `placed_at` (an aware instant): when the order is placed, picked elsewhere on the
    page (the promise's clock); without it the form asks for the order's day and time."""
    channels = sorted(orders["channel"].astype(str).unique()) or ["web"]
    tiers = sorted(orders["tier"].astype(str).unique()) or ["standard"]
    collect_points = sorted(nodes.loc[nodes["can_collect"].astype(bool), "id"].astype(str))
    first_day = _local_days(orders, timezone)[0] if len(orders) else dt.date.today()
    if len(orders):  # the first order's destination, to start from somewhere real
        start = (float(orders["dest_lat"].iloc[0]), float(orders["dest_lon"].iloc[0]))
    else:
        start = (float(nodes["lat"].iloc[0]), float(nodes["lon"].iloc[0]))
    one, two, three = st.columns(3)
    channel = one.selectbox(
        "Channel",
        channels,
        key=field(f"{KEY}.channel", "web" if "web" in channels else channels[0]),
        accept_new_options=True,
    )
    delivery = two.selectbox("Delivery", DELIVERIES, key=field(f"{KEY}.delivery", "home"))
    tier = three.selectbox(
        "Customer tier",
        tiers,
        key=field(f"{KEY}.tier", "standard" if "standard" in tiers else tiers[0]),
        accept_new_options=True,
    )
    collect_node = ""
    if delivery == "collect":
        collect_node = one.selectbox(
            "Collect at",
            collect_points,
            index=None,
            key=field(f"{KEY}.collect_node", None),
            placeholder="a store that can collect",
        )
    if placed_at is None:
        day = two.date_input(
            "Order day", value=None, format=formats.DATE_INPUT, key=field(f"{KEY}.day", first_day)
        )
        time = three.time_input("Time", value=None, key=field(f"{KEY}.time", dt.time(12, 0)))
    near_node(nodes, KEY, "Destination near", "destination")
    lat_col, lon_col, promise_col = st.columns(3)
    lat = lat_col.number_input(
        "Destination latitude", -90.0, 90.0, key=field(f"{KEY}.lat", start[0]), format="%.5f"
    )
    lon = lon_col.number_input(
        "Destination longitude", -180.0, 180.0, key=field(f"{KEY}.lon", start[1]), format="%.5f"
    )
    promised = promise_col.number_input(
        "Promised days", 0.0, 60.0, step=1.0, key=field(f"{KEY}.promised", 3.0)
    )
    lines = _lines(inventory)
    if placed_at is None:
        created = local_instant(day or first_day, time or dt.time(12, 0), timezone)
    else:
        created = pd.Timestamp(placed_at)
    rows = len(lines)
    header = {
        "order_id": NEW_ORDER_ID,
        "created_at": created.isoformat(),
        "channel": channel or "",
        "delivery": delivery,
        "collect_node": collect_node or "",
        "tier": tier or "",
        "dest_lat": "" if lat is None else lat,
        "dest_lon": "" if lon is None else lon,
        "promised_days": "" if promised is None else promised,
    }
    frame = pd.DataFrame({name: [value] * rows for name, value in header.items()})
    for column in LINE_COLUMNS:
        frame[column] = lines[column].to_numpy() if rows else []
    return frame.astype(str).replace({"nan": "", "None": "", "<NA>": ""})


def local_instant(day: dt.date, time: dt.time, timezone: str) -> pd.Timestamp:
    """A local day and time of `timezone` as an instant: a time the clocks skip (spring
    forward) is moved forward, one they show twice (autumn) is the first of the two."""
    return pd.Timestamp(dt.datetime.combine(day, time)).tz_localize(
        ZoneInfo(timezone), ambiguous=True, nonexistent="shift_forward"
    )


def _lines(inventory: pd.DataFrame) -> pd.DataFrame:
    """The order's lines; a new form starts with one unit of the SKU held at the most
    nodes: an order most strategies can place."""
    first = {"sku": most_held_sku(inventory), "qty": 1, "unit_price": 0.0, "category": ""}
    return edited_lines(KEY, inventory, first, {
        "unit_price": st.column_config.NumberColumn("unit_price", min_value=0.0),
        "category": st.column_config.TextColumn("category"),
    })  # fmt: skip


def _local_days(orders: pd.DataFrame, timezone: str) -> list[dt.date]:
    created = pd.to_datetime(orders["created_at"], utc=True).dt.tz_convert(ZoneInfo(timezone))
    return sorted({created.min().date(), created.max().date()})
