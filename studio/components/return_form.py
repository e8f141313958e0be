"""One return, typed in or copied from history, as rows in the returns table's contract
(returns.md: one row per returned line). The rows then go through the returns loader,
so a bad value is reported the way an upload reports it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from dsl.schema import RETURN_CONDITIONS, RETURN_METHODS, RETURN_REASONS
from studio import formats
from studio.components.line_editor import edited_lines, keep_lines, most_held_sku
from studio.components.near_node import near_node
from studio.components.order_form import local_instant
from studio.components.widget_memory import field

KEY = "try_return.form"
LINE_COLUMNS = ["sku", "qty", "condition", "reason", "unit_price", "category"]
NEW_RETURN_ID = "TRY-R1"
METHOD_WORDS = {"store": "dropped at a store", "post": "by post", "courier": "courier pickup"}


def copy_into_form(lines: pd.DataFrame, timezone: str) -> None:
    """Fill the form with a return from history (its rows in the loaded returns table)."""
    first = lines.iloc[0]
    local = pd.Timestamp(first["created_at"]).tz_convert(ZoneInfo(timezone))
    state = st.session_state
    state[f"{KEY}.method"] = str(first["method"])
    if first["method"] == "store":
        state[f"{KEY}.drop_node"] = str(first["drop_node"])
    else:
        state[f"{KEY}.lat"] = float(first["origin_lat"])
        state[f"{KEY}.lon"] = float(first["origin_lon"])
    order_id = first.get("order_id")
    state[f"{KEY}.order_id"] = "" if pd.isna(order_id) else str(order_id)
    state[f"{KEY}.day"] = local.date()
    state[f"{KEY}.time"] = local.time().replace(microsecond=0)
    keep_lines(KEY, lines.reindex(columns=LINE_COLUMNS))


def return_form(
    nodes: pd.DataFrame, inventory: pd.DataFrame, first_day: dt.date, timezone: str
) -> pd.DataFrame:
    """Draw the form; return the return's rows (one per line) in the returns contract."""
    stores = sorted(nodes.loc[nodes["type"].astype(str) == "store", "id"].astype(str))
    one, two, three = st.columns(3)
    method = one.segmented_control(
        "Returned",
        list(RETURN_METHODS),
        format_func=METHOD_WORDS.get,
        key=field(f"{KEY}.method", "store"),
        required=True,
    )
    day = two.date_input(
        "Return day", value=None, format=formats.DATE_INPUT, key=field(f"{KEY}.day", first_day)
    )
    time = three.time_input("Time", value=None, key=field(f"{KEY}.time", dt.time(12, 0)))
    drop_node, lat, lon = "", None, None
    left, middle, right = st.columns(3)
    if method == "store":
        drop_node = left.selectbox(
            "Dropped at",
            stores or sorted(nodes["id"].astype(str)),
            key=field(f"{KEY}.drop_node", stores[0] if stores else None),
            accept_new_options=True,
            help="the store it is returned at (its shelf, or where it goes from there)",
        )
    else:
        start = (float(nodes["lat"].iloc[0]), float(nodes["lon"].iloc[0]))
        near_node(nodes, KEY, "Customer near", "address", left)
        lat = middle.number_input(
            "Customer latitude", -90.0, 90.0, key=field(f"{KEY}.lat", start[0]), format="%.5f"
        )
        lon = right.number_input(
            "Customer longitude", -180.0, 180.0, key=field(f"{KEY}.lon", start[1]), format="%.5f"
        )
    order_id = st.text_input(
        "Original order (optional)",
        key=field(f"{KEY}.order_id", ""),
        help="the order the items were bought in; empty for a gift return",
    )
    lines = _lines(inventory)
    created = local_instant(day or first_day, time or dt.time(12, 0), timezone)
    header = {
        "return_id": NEW_RETURN_ID,
        "order_id": order_id or "",
        "created_at": created.isoformat(),
        "method": method or "",
        "drop_node": drop_node or "",
        "origin_lat": "" if lat is None else lat,
        "origin_lon": "" if lon is None else lon,
    }
    rows = len(lines)
    frame = pd.DataFrame({name: [value] * rows for name, value in header.items()})
    for column in LINE_COLUMNS:
        frame[column] = lines[column].to_numpy() if rows else []
    return frame.astype(str).replace({"nan": "", "None": "", "<NA>": ""})


def _lines(inventory: pd.DataFrame) -> pd.DataFrame:
    """The returned lines; a new form starts with one new unit of the SKU held at the
    most nodes, returned because of its size."""
    first = {"sku": most_held_sku(inventory), "qty": 1, "condition": "new",
             "reason": "wrong_size", "unit_price": 0.0, "category": ""}  # fmt: skip
    return edited_lines(KEY, inventory, first, {
        "condition": st.column_config.SelectboxColumn(
            "condition", options=list(RETURN_CONDITIONS), required=True
        ),
        "reason": st.column_config.SelectboxColumn("reason", options=list(RETURN_REASONS)),
        "unit_price": st.column_config.NumberColumn("unit_price", min_value=0.0),
        "category": st.column_config.TextColumn("category"),
    })  # fmt: skip
