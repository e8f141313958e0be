"""What the checker finds in the text being edited, always on show beside the editor:
one row per finding (severity, line, column, message) and the source line with a caret.
The data's own columns (nodes and orders) count as known fields, as they do when the
ruleset is compiled for a simulation or published; the business checks (a `keep` that
never applies, stores that cannot ship, ...) run on the loaded network and orders."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

import dsl
from engine.check_data import CheckData, ClockError, clock, load_check_data
from studio import data

COLUMNS = ("severity", "line", "column", "message", "code")


def check(text: str, filename: str) -> dsl.CheckResult:
    """Parse and check the text, with the data's columns as known fields; a text with
    no errors also gets the business checks on the session's network and orders."""
    result = dsl.check_source(text, filename, extra_fields=data_fields())
    if not result.ok or result.ruleset is None:
        return result
    try:
        now = clock()
    except ClockError as error:
        st.error(str(error), icon=":material/schedule:")
        return result
    return result.with_findings(business_data().findings(result.ruleset, now))


def business_data() -> CheckData:
    """The session's nodes and a sample of its orders, loaded once per file version."""
    files = data.session_files()
    keys = tuple(
        (str(files[kind].path), files[kind].stamp) if kind in files else None
        for kind in ("nodes", "orders")
    )
    return _business_data(*keys)


@st.cache_resource(show_spinner=False, max_entries=8)
def _business_data(nodes: tuple | None, orders: tuple | None) -> CheckData:
    """`(path, stamp)` of each table: a changed file is read again."""
    return load_check_data(nodes[0] if nodes else None, orders[0] if orders else None)


def findings(result: dsl.CheckResult) -> pd.DataFrame:
    """One row per finding, errors before warnings on the same line."""
    rows = [(d.severity, d.line, d.column, d.message, d.code) for d in result.diagnostics]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def show(result: dsl.CheckResult) -> None:
    """The findings panel."""
    st.subheader("Diagnostics", anchor=False)
    errors, warnings = len(result.errors), len(result.warnings)
    if result.ruleset is not None and not result.diagnostics:
        count = len(result.ruleset.strategies)
        st.success(
            f"No problems found in {count} {'strategy' if count == 1 else 'strategies'}.",
            icon=":material/check_circle:",
        )
        return
    if errors:
        st.error(
            f"{errors} {'error' if errors == 1 else 'errors'}"
            + (f", {warnings} {'warning' if warnings == 1 else 'warnings'}" if warnings else "")
            + ": the ruleset can be saved as a draft but not submitted or published.",
            icon=":material/error:",
        )
    else:
        st.warning(
            f"{warnings} {'warning' if warnings == 1 else 'warnings'}: worth a look, "
            "nothing stops a publish.",
            icon=":material/warning:",
        )
    st.dataframe(
        findings(result),
        hide_index=True,
        width="stretch",
        column_config={
            "line": st.column_config.NumberColumn("line", width="small"),
            "column": st.column_config.NumberColumn("col", width="small"),
            "message": st.column_config.TextColumn("message", width="large"),
        },
        key="rules.diagnostics",
    )
    st.code(result.render(), language=None, wrap_lines=False)  # a wrapped line moves the caret


DATA_ROOTS = (("nodes", ("node",)), ("orders", ("order", "line")), ("returns", ("return", "line")))
"""The tables whose columns rules may read, and the roots they are read under."""


def data_fields() -> tuple[str, ...]:
    """`node.<column>`, `order.<column>`/`line.<column>` and `return.<column>`/
    `line.<column>` for the data's columns (language.md, "Fields the engine knows")."""
    files = data.session_files()
    fields: list[str] = []
    for kind, roots in DATA_ROOTS:
        file = files.get(kind)
        if file is None:
            continue
        for column in _columns(str(file.path), file.stamp):
            fields += [f"{root}.{column}" for root in roots]
    return tuple(dict.fromkeys(fields))


@st.cache_data(show_spinner=False, max_entries=32)
def _columns(path: str, stamp: tuple) -> tuple[str, ...]:  # noqa: ARG001 - stamp keys the cache
    """A table's column names, read from its header only."""
    try:
        if Path(path).suffix == ".parquet":
            import pyarrow.parquet as pq

            return tuple(pq.read_schema(path).names)
        return tuple(pd.read_csv(path, nrows=0).columns)
    except (OSError, ValueError):
        return ()
