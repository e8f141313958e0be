"""The Carriers page: the carrier services, the nodes' cut-offs and the closures of the
data in use, edited in place; every edit checked by its table's loader, a refused one
listed cell by cell with the table in use kept, an accepted one used by the session's
data (what Try one order, Simulate, Compare and Compare with live read)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import studio_pages
from studio_pages import page, studio_app, table, texts

from engine.tables import load_carriers, load_closures, load_nodes
from studio import table_edits
from studio.components import closures_calendar

demo_folder = studio_pages.demo_folder
studio_env = studio_pages.studio_env

SERVICES = "carriers.services.editor.0"
NODES = "carriers.nodes.editor.0"


def edits(rows: dict, added: list | None = None, deleted: list | None = None) -> dict:
    """What st.data_editor keeps in its widget state after the user's edits."""
    return {"edited_rows": rows, "added_rows": added or [], "deleted_rows": deleted or []}


def carriers_in_app():
    """The Carriers page inside the whole studio, so that other pages can be visited."""
    app = studio_app().run()
    return app.switch_page("views/carriers.py").run()


def away_and_back(app) -> None:
    """Visit Network and stock, then come back to the Carriers page."""
    app.switch_page("views/network.py").run()
    assert app.title[0].value == "Network and stock"
    app.switch_page("views/carriers.py").run()
    assert app.title[0].value == "Carriers"


def session_table(app, kind: str) -> pd.DataFrame | None:
    """The table the session's data now holds for `kind` (an accepted edit)."""
    edit = app.session_state["data.edits"].get(kind) if "data.edits" in app.session_state else None
    return None if edit is None else edit.frame


# ---------------------------------------------------------------- no Streamlit


def test_a_loaded_table_as_cells_reads_back_to_the_same_table(demo_folder):
    for path, loader in (
        (demo_folder / "nodes.csv", load_nodes),
        (demo_folder / "carriers.csv", load_carriers),
        (demo_folder / "closures.csv", load_closures),
    ):
        loaded = loader(path)
        cells = table_edits.cells(loaded.frame)
        again = loader(cells)
        assert again.ok, again.reject_rows
        pd.testing.assert_frame_equal(again.frame, loaded.frame)
    carriers = table_edits.cells(load_carriers(demo_folder / "carriers.csv").frame)
    stuart = carriers[carriers["carrier"] == "stuart"].iloc[0]
    assert (stuart["countries"], stuart["node_types"]) == ("FR", "store;dark_store")


def test_each_refused_cell_is_named_by_row_what_column_and_reason(demo_folder):
    carriers = table_edits.cells(load_carriers(demo_folder / "carriers.csv").frame)
    carriers.loc[1, "transit_days"] = -1
    carriers.loc[2, "pickup_days"] = "Mon-Funday"
    checked = table_edits.check(
        carriers, load_carriers, table_edits.row_names(carriers, ("carrier", "service"))
    )
    assert not checked.ok and checked.table is None
    assert checked.problems.to_dict("records") == [
        {
            "row": 2,
            "what": "chronopost express",
            "column": "transit_days",
            "reason": "transit_days must be a whole number of days from 0 to 365, got -1",
        },
        {
            "row": 3,
            "what": "stuart same_day",
            "column": "pickup_days",
            "reason": "pickup_days must be days Mon…Sun separated by ';' or ranges such as "
            "Mon-Fri (empty = Mon-Fri), got \"Mon-Funday\": unknown day 'Funday' (did you "
            "mean Sun?)",
        },
    ]
    fine = table_edits.check(carriers.drop(index=[1, 2]), load_carriers, lambda _: "")
    assert fine.ok and len(fine.table.frame) == len(carriers) - 2


def test_a_table_that_cannot_be_read_at_all_is_one_error():
    frame = pd.DataFrame({"carrier": ["colissimo"], "service": ["standard"]})
    checked = table_edits.check(frame, load_carriers, lambda _: "")
    assert not checked.ok and checked.problems.empty
    assert "missing required column(s) transit_days" in checked.error


def test_a_month_grid_marks_each_closed_day_with_who_and_why():
    closures = pd.DataFrame(
        {
            "date": [dt.date(2026, 12, 25), dt.date(2026, 12, 7), dt.date(2026, 11, 11)],
            "scope": ["all", "node", "all"],
            "id": ["", "STORE-LYON", ""],
            "reason": ["Noël", "stock count", "Armistice"],
        }
    )
    grid = closures_calendar.month_grid(closures, dt.date(2026, 12, 1)).splitlines()
    assert grid[0] == "| Mon | Tue | Wed | Thu | Fri | Sat | Sun |"
    assert grid[2] == "|   | 1 | 2 | 3 | 4 | 5 | 6 |"  # 1 December 2026 is a Tuesday
    assert grid[3].startswith("| **7** :red[node STORE-LYON: stock count] | 8 |")
    assert "| **25** :red[all: Noël] |" in grid[5]
    assert "Armistice" not in "\n".join(grid)
    listed = closures_calendar.listed(closures)
    assert listed["month"].tolist() == ["November 2026", "December 2026", "December 2026"]
    assert listed[["date", "day"]].values.tolist() == [
        ["11/11/2026", "Wed"],
        ["07/12/2026", "Mon"],
        ["25/12/2026", "Fri"],
    ]


# ------------------------------------------------------------------- the page


def test_the_page_shows_the_datas_carriers_cutoffs_and_closures(studio_env):
    carriers = pd.read_csv(studio_env / "carriers.csv")
    nodes = pd.read_csv(studio_env / "nodes.csv")
    app = page("carriers").run()
    assert not app.exception
    shown = _editor_frame(app, SERVICES)
    assert shown[["carrier", "service"]].values.tolist() == (
        carriers[["carrier", "service"]].values.tolist()
    )
    calendars = _editor_frame(app, NODES)
    assert calendars.columns.tolist() == ["id", "name", "type", "cutoff", "open_days", "prep_days"]
    assert calendars["cutoff"].tolist() == nodes["cutoff"].tolist()
    assert f"From {studio_env / 'carriers.csv'}." in texts(app)
    app.selectbox(key="carriers.closures.month").set_value(dt.date(2026, 12, 1)).run()
    assert "| **25** :red[all: Noël] |" in texts(app)


def test_an_accepted_cutoff_edit_is_the_sessions_nodes_table(studio_env):
    nodes = pd.read_csv(studio_env / "nodes.csv")
    store = nodes.index[nodes["type"] == "store"][0]
    app = carriers_in_app()
    app.session_state[NODES] = edits({int(store): {"cutoff": "16:30"}})
    app.run()
    assert not app.exception
    assert "Applied: the node calendars as shown above are in use" in texts(app)
    edited = session_table(app, "nodes")
    assert edited.loc[store, "cutoff"] == "16:30"
    assert edited.drop(columns="cutoff").equals(
        table_edits.cells(load_nodes(studio_env / "nodes.csv").frame).drop(columns="cutoff")
    )
    # the next run shows the edit and nothing to apply; the edit survives another page
    app.run()
    assert "Applied" not in texts(app)
    away_and_back(app)
    assert _editor_frame(app, NODES).loc[store, "cutoff"] == "16:30"
    assert session_table(app, "nodes").loc[store, "cutoff"] == "16:30"


def test_a_refused_edit_lists_each_cell_and_keeps_the_table_in_use(studio_env):
    app = carriers_in_app()
    app.session_state[SERVICES] = edits(
        {0: {"transit_days": -2}, 2: {"countries": "FR;UK"}},
        added=[{"carrier": "dhl", "service": "express", "transit_days": 1}],
    )
    app.run()
    assert not app.exception
    shown = texts(app)
    assert "Not applied: 2 rows of the edited table are refused." in shown
    problems = table(app, "row", "what", "column", "reason")
    assert problems[["row", "what", "column"]].values.tolist() == [
        [1, "colissimo standard", "transit_days"],
        [3, "stuart same_day", "countries"],
    ]
    assert "'UK' is not an ISO 3166-1 alpha-2 code" in problems["reason"].iloc[1]
    assert session_table(app, "carriers") is None  # the file's table is still in use
    # what was typed is kept (also after another page) until it is discarded
    away_and_back(app)
    kept = _editor_frame(app, SERVICES)
    assert kept["transit_days"].iloc[0] == -2 and len(kept) == 5
    assert "Not applied: 2 rows of the edited table are refused." in texts(app)
    app.button(key="carriers.services.discard").click().run()
    assert "Not applied" not in texts(app)
    fresh = _editor_frame(app, "carriers.services.editor.1")
    assert (
        fresh["transit_days"].tolist()
        == pd.read_csv(studio_env / "carriers.csv")["transit_days"].tolist()
    )
    assert session_table(app, "carriers") is None


def _editor_frame(app, key: str) -> pd.DataFrame:
    for element in app.dataframe:
        if element.proto.id.endswith(key) or key in element.proto.id:
            return element.value
    raise AssertionError(f"no editor {key}")


@pytest.mark.usefixtures("studio_env")
def test_closures_are_added_and_removed_through_the_loader():
    app = page("carriers").run()
    app.selectbox(key="carriers.closures.month").set_value(dt.date(2026, 12, 1)).run()
    app.date_input(key="carriers.closures.new.date").set_value(dt.date(2026, 12, 7))
    app.selectbox(key="carriers.closures.new.scope").set_value("node").run()
    app.selectbox(key="carriers.closures.new.id.node").set_value("DC-LYON")
    app.text_input(key="carriers.closures.new.reason").set_value("stock count")
    app.button(key="carriers.closures.add").click().run()
    assert not app.exception
    assert "Added: 07/12/2026 · node DC-LYON · stock count." in texts(app)
    closures = session_table(app, "closures")
    assert closures.iloc[-1].tolist() == [dt.date(2026, 12, 7), "node", "DC-LYON", "stock count"]
    assert "**7** :red[node DC-LYON: stock count]" in texts(app)

    # the same closure again: the loader refuses it, nothing changes
    app.button(key="carriers.closures.add").click().run()
    assert "Not applied" in texts(app)
    problems = table(app, "row", "what", "column", "reason")
    assert "already appears on row" in problems["reason"].iloc[0]
    assert session_table(app, "closures").equals(closures)

    # removed again
    last = len(closures) - 1
    app.multiselect(key="carriers.closures.remove.picked").set_value([last])
    app.button(key="carriers.closures.remove").click().run()
    assert "Removed: 07/12/2026 · node DC-LYON · stock count." in texts(app)
    assert len(session_table(app, "closures")) == len(closures) - 1


@pytest.mark.usefixtures("studio_env")
def test_a_closure_of_a_renamed_carrier_is_shown_not_in_use_and_kept():
    app = page("carriers").run()
    app.date_input(key="carriers.closures.new.date").set_value(dt.date(2026, 12, 8))
    app.selectbox(key="carriers.closures.new.scope").set_value("carrier").run()
    app.selectbox(key="carriers.closures.new.id.carrier").set_value("stuart")
    app.text_input(key="carriers.closures.new.reason").set_value("strike")
    app.button(key="carriers.closures.add").click().run()
    assert "Added: 08/12/2026 · carrier stuart · strike." in texts(app)

    app.session_state[SERVICES] = edits({2: {"carrier": "urbify"}})
    app.run()
    assert not app.exception
    assert "Applied: the carrier services as shown above are in use" in texts(app)
    assert "1 row of this session's closures is not in use (kept" in texts(app)
    problems = table(app, "what", "column", "reason")
    assert problems["what"].tolist() == ["2026-12-08 carrier stuart"]
    assert problems["reason"].iloc[0].startswith("id 'stuart' is not a known carrier")
    closures = session_table(app, "closures")
    assert closures.iloc[-1].tolist() == [dt.date(2026, 12, 8), "carrier", "stuart", "strike"]


def test_an_uploaded_carriers_table_replaces_the_sessions_edits_and_says_so(studio_env):
    """An upload on Network and stock is a new carriers table: the session's edits of
    the old one are dropped (the page says so once), and the rows the upload lost are
    listed under the editor."""
    app = carriers_in_app()
    app.session_state[SERVICES] = edits({0: {"transit_days": 3}})
    app.run()
    assert session_table(app, "carriers").loc[0, "transit_days"] == 3

    lines = (studio_env / "carriers.csv").read_text(encoding="utf-8").splitlines()
    cells = lines[2].split(",")
    cells[lines[0].split(",").index("countries")] = "FR;UK"
    upload = "\n".join([lines[0], lines[1], ",".join(cells), *lines[3:]]) + "\n"
    app.switch_page("views/network.py").run()
    app.file_uploader(key="network.upload.carriers.0").set_value(
        ("my_carriers.csv", upload.encode(), "text/csv")
    )
    app.run()
    assert not app.exception
    assert "Carrier services: 3 1 row rejected" in texts(app)

    app.switch_page("views/carriers.py").run()
    shown = texts(app)
    assert "Your edits of the carriers table were dropped: its file changed" in shown
    assert "From uploaded my_carriers.csv." in shown
    assert "1 row of the carriers file was left out" in shown
    left_out = table(app, "row", "column", "reason")
    assert left_out[["row", "column"]].values.tolist() == [[3, "countries"]]
    assert session_table(app, "carriers") is None
    assert _editor_frame(app, "carriers.services.editor")["carrier"].tolist() == [
        "colissimo",
        "stuart",
        "geodis",
    ]
    app.run()
    assert "were dropped" not in texts(app)  # said once


@pytest.mark.usefixtures("studio_env")
def test_the_closures_go_back_to_the_files_table():
    app = page("carriers").run()
    app.selectbox(key="carriers.closures.new.scope").set_value("all").run()
    app.text_input(key="carriers.closures.new.reason").set_value("inventory day")
    app.button(key="carriers.closures.add").click().run()
    assert session_table(app, "closures") is not None
    app.button(key="carriers.closures.forget").click().run()
    assert session_table(app, "closures") is None
    assert not [button for button in app.button if button.key == "carriers.closures.forget"]
