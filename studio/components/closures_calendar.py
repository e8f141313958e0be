"""The closures table as a calendar: a month's grid with the closed days and their
reasons, every closure listed by month, and closures added or removed. Each change is
checked by the closures loader (against the nodes and carriers in use) before it is
applied to the session's table; a refused one is shown with its reason."""

from __future__ import annotations

import calendar
import datetime as dt

import pandas as pd
import streamlit as st

from engine.tables import CLOSURE_COLUMNS
from studio import data, formats
from studio.components.table_editor import EditedTable, actions, working_cells
from studio.table_edits import Checked, check, row_names

KEY = "carriers.closures"
CLOSURES = EditedTable("closures", KEY, names=("date", "scope", "id"))
"""The closures as a table of the session: its buttons (back to the file, download)."""
SCOPES = ("all", "node", "carrier")
SCOPE_WORDS = {
    "all": "everything (no node picks, no carrier collects or delivers)",
    "node": "one node does not pick",
    "carrier": "one carrier neither collects nor delivers",
}
_SCOPE_HELP = "; ".join(f"{scope}: {words}" for scope, words in SCOPE_WORDS.items())
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
OUTCOME = f"{KEY}.outcome"
"""(kind, message, problems) of the last add or remove, shown once under the form."""


def empty_closures() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype="object") for name in CLOSURE_COLUMNS})


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_label(month: dt.date) -> str:
    return formats.month(month)


def months_shown(closures: pd.DataFrame, orders: pd.DataFrame | None, today: dt.date):
    """The months the picker offers: every month from the first to the last of the
    closures, the orders' period and today, in order."""
    days = [today, *pd.to_datetime(closures["date"]).dt.date]
    if orders is not None and len(orders):
        created = pd.to_datetime(orders["created_at"], utc=True)
        days += [created.min().date(), created.max().date()]
    first, last = month_of(min(days)), month_of(max(days))
    months, month = [], first
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def who(scope: str, key: str) -> str:
    """A closure's scope in words: "all", "node STORE-LYON", "carrier stuart"."""
    return "all" if scope == "all" else f"{scope} {key}"


def month_grid(closures: pd.DataFrame, month: dt.date) -> str:
    """The month as a Markdown table, Monday first: each day's number, in bold with
    its closures (scope, id and reason) when something is closed that day."""
    by_day: dict[dt.date, list[str]] = {}
    for row in closures.itertuples(index=False):
        text = who(str(row.scope), str(row.id))
        if str(row.reason):
            text += f": {row.reason}"
        by_day.setdefault(_date(row.date), []).append(_escaped(text))
    lines = ["| " + " | ".join(WEEKDAYS) + " |", "|" + "---|" * 7]
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month):
        cells = []
        for day in week:
            if day.month != month.month:
                cells.append(" ")
            elif day in by_day:
                cells.append(f"**{day.day}** :red[{'; '.join(by_day[day])}]")
            else:
                cells.append(str(day.day))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def listed(closures: pd.DataFrame) -> pd.DataFrame:
    """Every closure by date, with its month and weekday, for the list under the grid."""
    days = [_date(day) for day in closures["date"]]
    frame = pd.DataFrame(
        {
            "month": [month_label(month_of(day)) for day in days],
            "date": [formats.date(day) for day in days],
            "day": [WEEKDAYS[day.weekday()] for day in days],
            "scope": closures["scope"].astype(str).to_numpy(),
            "id": closures["id"].astype(str).to_numpy(),
            "reason": closures["reason"].astype(str).to_numpy(),
            "_sort": days,
        }
    )
    return frame.sort_values("_sort", kind="stable").drop(columns="_sort")


def closure_label(row) -> str:
    """One closure as the remove list shows it: "25/12/2026 · all · Noël"."""
    parts = [formats.date(_date(row.date)), who(str(row.scope), str(row.id))]
    if str(row.reason):
        parts.append(str(row.reason))
    return " · ".join(parts)


def with_closure(closures: pd.DataFrame, day, scope: str, key: str, reason: str):
    """The closures with one more row at the end (checked by the caller)."""
    row = pd.DataFrame(
        {"date": [day], "scope": [scope], "id": [key if scope != "all" else ""], "reason": [reason]}
    )
    return pd.concat([closures, row], ignore_index=True)


def without_closures(closures: pd.DataFrame, positions: list[int]) -> pd.DataFrame:
    return closures.drop(index=positions).reset_index(drop=True)


def checked(frame: pd.DataFrame, dataset: data.Dataset) -> Checked:
    """The closures loader's reading, against the nodes and carriers in use."""
    return check(frame, dataset.loader("closures"), row_names(frame, ("date", "scope", "id")))


# ------------------------------------------------------------------ the page part


def show(dataset: data.Dataset, today: dt.date) -> None:
    closures = working_cells("closures", dataset, empty_closures())
    months = months_shown(closures, dataset.frame("orders"), today)
    if st.session_state.get(f"{KEY}.month") not in months:
        st.session_state[f"{KEY}.month"] = month_of(today)
    month = st.selectbox("Month", months, key=f"{KEY}.month", format_func=month_label)
    st.markdown(month_grid(closures, month))
    count = sum(month_of(_date(day)) == month for day in closures["date"])
    st.caption(
        f"{formats.count(count, 'closure')} in {month_label(month)}; "
        f"{formats.count(len(closures), 'closure')} in all. Dates are local days of the "
        "ruleset's time zone."
    )
    _not_in_use(dataset, closures)
    _add(dataset, closures, month)
    _remove(dataset, closures)
    _outcome()
    now = data.dataset(dataset.timezone)  # with the change just applied
    actions(CLOSURES, now, working_cells("closures", now, empty_closures()), None)
    if len(closures):
        with st.expander(f"Every closure by month ({formats.count(len(closures))})"):
            st.dataframe(listed(closures), hide_index=True, width="stretch", key=f"{KEY}.list")


def _not_in_use(dataset: data.Dataset, closures: pd.DataFrame) -> None:
    """Closures the loader leaves out: rows of the file, or of this session's table once
    the nodes or carriers they name changed (a carrier renamed on this page). They are
    shown, never dropped: a session's table keeps them until they are removed."""
    table = dataset.tables.get("closures")
    if table is None or table.ok:
        return
    count = table.rejected_rows
    if "closures" in dataset.edited:
        problems = checked(closures, dataset).problems.drop(columns="row")
        verb = "is" if count == 1 else "are"
        where = f"of this session's closures {verb} not in use (kept, and listed above)"
    else:
        problems = table.rejects[["row", "column", "reason"]]
        verb = "was" if count == 1 else "were"
        where = f"of the closures file {verb} left out (row 1 is the file's header)"
    st.warning(f"{formats.count(count, 'row')} {where}:", icon=":material/rule:")
    st.dataframe(problems, hide_index=True, width="stretch")


def _add(dataset: data.Dataset, closures: pd.DataFrame, month: dt.date) -> None:
    st.markdown("**Add a closure**")
    cols = st.columns([3, 3, 3, 5, 2], vertical_alignment="bottom")
    if f"{KEY}.new.date" not in st.session_state:
        st.session_state[f"{KEY}.new.date"] = month
    cols[0].date_input("Date", key=f"{KEY}.new.date", format=formats.DATE_INPUT)
    scope = cols[1].selectbox(
        "Scope",
        SCOPES,
        key=f"{KEY}.new.scope",
        help="; ".join(f"{k}: {v}" for k, v in SCOPE_WORDS.items()),
    )
    names = {"node": dataset.node_ids or (), "carrier": dataset.carrier_names or ()}.get(scope, ())
    cols[2].selectbox(
        "Node" if scope == "node" else "Carrier" if scope == "carrier" else "Id",
        list(names),
        key=f"{KEY}.new.id.{scope}",
        index=None,
        disabled=scope == "all",
        placeholder="not for all" if scope == "all" else f"pick a {scope}",
    )
    cols[3].text_input("Reason", key=f"{KEY}.new.reason", placeholder="Noël, inventory, strike")
    cols[4].button(
        "Add",
        key=f"{KEY}.add",
        icon=":material/event_busy:",
        type="primary",
        on_click=_apply_add,
        args=(dataset, closures),
    )


def _apply_add(dataset: data.Dataset, closures: pd.DataFrame) -> None:
    get = st.session_state.get
    scope = get(f"{KEY}.new.scope") or "all"
    day = get(f"{KEY}.new.date")
    frame = with_closure(
        closures,
        day,
        scope,
        str(get(f"{KEY}.new.id.{scope}") or ""),
        get(f"{KEY}.new.reason") or "",
    )
    _apply(frame, dataset, f"Added: {closure_label(frame.iloc[-1])}.")


def _remove(dataset: data.Dataset, closures: pd.DataFrame) -> None:
    if not len(closures):
        return
    labels = [closure_label(row) for row in closures.itertuples(index=False)]
    left, right = st.columns([14, 2], vertical_alignment="bottom")
    left.multiselect(
        "Closures to remove",
        range(len(labels)),
        key=f"{KEY}.remove.picked",
        format_func=lambda i: labels[i],
        placeholder="pick closures (type to search)",
    )
    right.button(
        "Remove",
        key=f"{KEY}.remove",
        icon=":material/delete:",
        on_click=_apply_remove,
        args=(dataset, closures, labels),
    )


def _apply_remove(dataset: data.Dataset, closures: pd.DataFrame, labels: list[str]) -> None:
    picked = sorted(st.session_state.get(f"{KEY}.remove.picked") or [])
    if not picked:
        st.session_state[OUTCOME] = ("warning", "Pick the closures to remove first.", None)
        return
    gone = "; ".join(labels[i] for i in picked)
    if _apply(without_closures(closures, picked), dataset, f"Removed: {gone}."):
        st.session_state[f"{KEY}.remove.picked"] = []


def _apply(frame: pd.DataFrame, dataset: data.Dataset, done: str) -> bool:
    """Keep `frame` as the session's closures if the loader takes every row."""
    found = checked(frame, dataset)
    if found.ok:
        data.keep_edit("closures", frame)
        used = " Try one order, Simulate, Compare and Compare with live use it."
        st.session_state[OUTCOME] = ("success", done + used, None)
        return True
    message = found.error or "the closures loader refuses it; nothing was changed"
    st.session_state[OUTCOME] = ("error", f"Not applied: {message}.", found.problems)
    return False


def _outcome() -> None:
    found = st.session_state.pop(OUTCOME, None)
    if found is None:
        return
    kind, message, problems = found
    icon = {"success": ":material/check_circle:", "error": ":material/error:"}
    getattr(st, kind)(message, icon=icon.get(kind, ":material/info:"))
    if problems is not None and not problems.empty:
        st.dataframe(problems, hide_index=True, width="stretch")


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _escaped(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("[", "\\[").replace("]", "\\]")
