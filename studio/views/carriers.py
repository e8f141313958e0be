"""Carriers: the carrier services, the nodes' cut-offs and calendars, and the closures
of the data in use, each edited in place and checked by its table's loader. An edit
the loader takes is used at once by Try one order, Simulate, Compare and Compare with
live, for this session."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from engine.tables import CARRIER_COLUMNS
from studio import data, formats
from studio.components import closures_calendar
from studio.components.ruleset_choice import draft, timezone_of
from studio.components.table_editor import (
    EditedTable,
    actions,
    edit_table,
    show_outcome,
    working_cells,
)

# The nodes' columns of the delivery promise, edited here (the rest of the nodes table
# is shown on Network and stock). Comments, not strings: Streamlit's magic shows those.
CALENDAR_COLUMNS = ("cutoff", "open_days", "prep_days")
NODE_NAMES = ("id", "name", "type")

CARRIERS = EditedTable("carriers", "carriers.services", names=("carrier", "service"))


def node_view(nodes: pd.DataFrame) -> pd.DataFrame:
    """The nodes as the cut-off editor shows them: who they are, then the calendar
    columns (empty where the table has none: the defaults apply)."""
    view = nodes[[c for c in NODE_NAMES if c in nodes.columns]].copy()
    for column in CALENDAR_COLUMNS:
        if column in nodes.columns:
            view[column] = nodes[column]
        elif column == "prep_days":
            view[column] = pd.Series([pd.NA] * len(nodes), dtype="Int64")
        else:
            view[column] = pd.Series([""] * len(nodes), dtype="str")
    return view.reset_index(drop=True)


def node_merge(nodes: pd.DataFrame, edited: pd.DataFrame) -> pd.DataFrame:
    """The whole nodes table with the calendar columns as edited (rows are fixed)."""
    whole = nodes.reset_index(drop=True).copy()
    for column in CALENDAR_COLUMNS:
        whole[column] = edited[column].reset_index(drop=True)
    return whole


NODES = EditedTable(
    "nodes", "carriers.nodes", names=("id",), view=node_view, merge=node_merge, rows="fixed"
)


def empty_carriers() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype="object") for name in CARRIER_COLUMNS})


def render() -> None:
    st.title("Carriers")
    timezone = timezone_of(draft())
    for kind in data.dropped_edits():
        st.warning(
            f"Your edits of the {kind} table were dropped: its file changed (an upload or "
            "new files in the data folder). The table below is the new file's.",
            icon=":material/sync_problem:",
        )
    dataset = data.dataset(timezone)
    if "nodes" not in dataset.tables:
        st.warning("No nodes table in use: see Network and stock.", icon=":material/folder_off:")
        return
    st.caption(
        "Edits apply to this session's data at once — **Try one order**, **Simulate**, "
        "**Compare** and **Compare with live** use them — and are checked by the same "
        "rules as a file (docs/data.md). A refused edit changes nothing: the table in use "
        "stays as it was. Download a table to keep your edits; a new session starts from "
        "the files again."
    )
    _carriers(dataset)
    _nodes(data.dataset(timezone))
    st.subheader("Closures")
    closures_calendar.show(data.dataset(timezone), _today(timezone))


def _carriers(dataset: data.Dataset) -> None:
    st.subheader("Carrier services")
    if dataset.carriers is None and "carriers" not in dataset.errors:
        st.info(
            "The data has no carriers table: promises use the distance ETA. Add services "
            "below (one row each) or upload a carriers table on Network and stock.",
            icon=":material/local_shipping:",
        )
    if "carriers" in dataset.errors:
        st.error(f"**carriers** cannot be used: {dataset.errors['carriers']}")
    st.caption(f"From {dataset.origin('carriers')}. {_CARRIER_HELP}")
    _edited(CARRIERS, dataset, empty_carriers(), _carrier_columns(), "carrier services")
    _file_rejects(dataset, "carriers")


def _edited(spec: EditedTable, dataset: data.Dataset, empty, columns: dict, what: str) -> None:
    """The editor of one table, what became of the last edit, and the buttons."""
    working = working_cells(spec.kind, dataset, empty)
    checked = edit_table(spec, dataset, working, columns)
    show_outcome(checked, what)
    now = data.dataset(dataset.timezone)  # with the edit just applied
    actions(spec, now, working_cells(spec.kind, now, empty), checked)


_CARRIER_HELP = (
    "Lists are separated by `;` (countries `FR;BE`, node types `store;dark_store`, days "
    "`Mon-Fri` or `Mon;Wed;Fri`); an empty limit is no limit."
)


def _carrier_columns() -> dict:
    text, number = st.column_config.TextColumn, st.column_config.NumberColumn
    return {
        "carrier": text("carrier", help="the carrier's name (closures name it)"),
        "service": text("service", help="standard, express, same_day, freight, ..."),
        "countries": text("countries", help="ISO codes such as FR;BE; empty: every country"),
        "node_types": text("node_types", help="dc;store;3pl;dropship;dark_store; empty: all"),
        "max_weight_kg": number("max_weight_kg", help="kg per parcel; empty: no limit"),
        "max_km": number("max_km", help="node to destination, km; empty: no limit"),
        "transit_days": number(
            "transit_days", step=1, help="delivery days after collection (0: same day)"
        ),
        "pickup_days": text("pickup_days", help="days it collects; empty: Mon-Fri"),
        "delivery_days": text("delivery_days", help="days it delivers; empty: Mon-Sat"),
        "cost_base": number("cost_base", format="€%.2f", help="price of a parcel"),
        "cost_per_kg": number("cost_per_kg", format="€%.2f", help="price per kg"),
        "cost_per_km": number("cost_per_km", format="€%.3f", help="price per km"),
        "co2_per_km": number("co2_per_km", help="kg of CO2 per km; empty: 0.12"),
        "daily_parcels": number(
            "daily_parcels", step=1, help="parcels per node and local day; empty: no cap"
        ),
    }


def _nodes(dataset: data.Dataset) -> None:
    st.subheader("Node cut-offs and calendars")
    st.caption(
        "**cutoff**: local `HH:MM`; an order placed before it is picked that day (empty: "
        "23:59). **open_days**: the days the node picks (empty: Mon-Sat). **prep_days**: "
        "open days between picking and handing to the carrier (empty: 0). From "
        f"{dataset.origin('nodes')}."
    )
    text, number = st.column_config.TextColumn, st.column_config.NumberColumn
    columns = {
        "id": text("id", disabled=True),
        "name": text("name", disabled=True),
        "type": text("type", disabled=True),
        "cutoff": text("cutoff", help="HH:MM, local time; empty: 23:59"),
        "open_days": text("open_days", help="Mon-Sat, Mon-Fri, Mon;Wed;Fri...; empty: Mon-Sat"),
        "prep_days": number("prep_days", step=1, help="whole days, 0 or more; empty: 0"),
    }
    _edited(NODES, dataset, pd.DataFrame(), columns, "node calendars")


def _file_rejects(dataset: data.Dataset, kind: str) -> None:
    """The rows of the table's file that were left out when it was read."""
    table = dataset.tables.get(kind)
    if table is None or table.ok or kind in dataset.edited:
        return
    rejects = table.rejects
    st.warning(
        f"{formats.count(rejects['row'].nunique(), 'row')} of the {kind} file "
        f"{'was' if rejects['row'].nunique() == 1 else 'were'} left out (row 1 is the "
        "header, as a spreadsheet shows it); the table above holds the rows kept.",
        icon=":material/rule:",
    )
    st.dataframe(rejects[["row", "column", "reason"]], hide_index=True, width="stretch")


def _today(timezone: str) -> dt.date:
    return dt.datetime.now(ZoneInfo(timezone)).date()


if __name__ == "__main__":
    render()
