"""A table edited in place (st.data_editor) and checked by its loader at every change.

An edit the loader takes in full becomes the session's table at once (`data.keep_edit`):
Try one order, Simulate, Compare and Compare with live read it. An edit with a rejected
cell is not applied: each problem is listed with its row, what the row is, the column
and the loader's reason, the table in use stays the one before the edit, and the editor
keeps what was typed so it can be fixed (or discarded). What was typed also survives a
visit to another page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from simulations.exports import csv_bytes
from studio import data, formats
from studio.components.widget_memory import SHADOW as KEPT
from studio.table_edits import Checked, cells, check, digest, row_names


@dataclass(frozen=True)
class EditedTable:
    """How one table is edited: which table, under which widget keys, which columns
    the editor shows (`view`) and how they go back into the whole table (`merge`)."""

    kind: str
    key: str
    names: tuple[str, ...]
    """Columns that name a row in the list of problems (carrier and service, node id)."""
    view: Callable[[pd.DataFrame], pd.DataFrame] = lambda frame: frame
    merge: Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame] = lambda _, edited: edited
    rows: str = "dynamic"
    """Rows "dynamic" (added and deleted in the editor) or "fixed" (only cells change)."""


def working_cells(kind: str, dataset: data.Dataset, empty: pd.DataFrame) -> pd.DataFrame:
    """The table in use as the editor starts from it: this session's edit, else the
    file's good rows as cells, else `empty` (the data has no such table yet)."""
    edit = data.edits().get(kind)
    if edit is not None and kind in dataset.edited:
        return edit.frame
    table = dataset.tables.get(kind)
    if table is None:
        return empty
    return cells(table.frame)


def edit_table(
    spec: EditedTable, dataset: data.Dataset, working: pd.DataFrame, column_config: dict
) -> Checked | None:
    """Draw the editor over `working` (the table in use, as cells); apply an edit the
    loader takes (node ids and carrier names checked against `dataset`), list the
    problems of one it refuses. Returns the check of the edit (None when the editor
    shows the table in use)."""
    state = st.session_state
    in_use = digest(working)
    editor = f"{spec.key}.editor.{state.get(f'{spec.key}.generation', 0)}"
    if state.get(f"{spec.key}.in_use") not in (None, in_use):
        _restart(spec)  # the table in use changed elsewhere (an upload, back to the file)
        editor = f"{spec.key}.editor.{state[f'{spec.key}.generation']}"
    state[f"{spec.key}.in_use"] = in_use
    if editor not in state or f"{spec.key}.base" not in state:
        kept = state.get(KEPT + f"{spec.key}.draft")  # back on the page: what was typed
        state[f"{spec.key}.base"] = kept if kept is not None else spec.view(working)
    edited = st.data_editor(
        state[f"{spec.key}.base"],
        key=editor,
        num_rows=spec.rows,
        hide_index=True,
        column_config=column_config,
        width="stretch",
    )
    state[KEPT + f"{spec.key}.draft"] = edited
    if digest(edited) == digest(spec.view(working)):
        return None
    whole = spec.merge(working, edited).reset_index(drop=True)
    checked = _checked(spec, whole, dataset)
    if checked.ok:
        data.keep_edit(spec.kind, whole)
        state[f"{spec.key}.in_use"] = digest(whole)
    return checked


def _checked(spec: EditedTable, whole: pd.DataFrame, dataset: data.Dataset) -> Checked:
    """The loader's reading of the edited table, once per version of its cells and of
    the data it is checked against."""
    found = (digest(whole), dataset.key)
    cached = st.session_state.get(f"{spec.key}.checked")
    if cached is not None and cached[0] == found:
        return cached[1]
    checked = check(whole, dataset.loader(spec.kind), row_names(whole, spec.names))
    st.session_state[f"{spec.key}.checked"] = (found, checked)
    return checked


def show_outcome(checked: Checked | None, what: str) -> None:
    """Under the editor: the edit applied, or why it is not, row by row."""
    if checked is None:
        return
    if checked.ok:
        st.success(
            f"Applied: the {what} as shown above are in use for this session (Try one order, "
            "Simulate, Compare and Compare with live read them).",
            icon=":material/check_circle:",
        )
        return
    if checked.error is not None:
        st.error(f"Not applied: {checked.error}", icon=":material/error:")
        return
    rows = checked.problems["row"].nunique()
    st.error(
        f"Not applied: {formats.count(rows, 'row')} of the edited table "
        f"{'is' if rows == 1 else 'are'} refused. The {what} in use are still the ones "
        "before this edit; fix the cells below (row 1 is the first row of the table) or "
        "discard the changes.",
        icon=":material/error:",
    )
    st.dataframe(checked.problems, hide_index=True, width="stretch")


def actions(spec: EditedTable, dataset: data.Dataset, working: pd.DataFrame, checked) -> None:
    """Discard what was typed, go back to the file's table, download the table in use."""
    with st.container(horizontal=True):
        if checked is not None and not checked.ok:
            st.button(
                "Discard my changes",
                key=f"{spec.key}.discard",
                icon=":material/undo:",
                on_click=_restart,
                args=(spec,),
                help="Show the table in use again (what was typed since is dropped)",
            )
        if spec.kind in dataset.edited:
            st.button(
                "Back to the file's table",
                key=f"{spec.key}.forget",
                icon=":material/restore:",
                on_click=_back_to_file,
                args=(spec,),
                help=f"Drop this session's edits of the table; use {_file(dataset, spec.kind)}",
            )
        if len(working):
            st.download_button(
                "Download the table in use (CSV)",
                data=csv_bytes(working),
                file_name=f"{spec.kind}.csv",
                mime="text/csv",
                key=f"{spec.key}.download",
                icon=":material/download:",
            )


def _file(dataset: data.Dataset, kind: str) -> str:
    file = dataset.files.get(kind)
    return file.origin if file is not None else "no table"


def _restart(spec: EditedTable) -> None:
    """A fresh editor over the table in use; what was typed is dropped."""
    state = st.session_state
    state[f"{spec.key}.generation"] = state.get(f"{spec.key}.generation", 0) + 1
    state.pop(f"{spec.key}.base", None)
    state.pop(KEPT + f"{spec.key}.draft", None)
    state.pop(f"{spec.key}.checked", None)


def _back_to_file(spec: EditedTable) -> None:
    data.forget_edit(spec.kind)
    _restart(spec)
