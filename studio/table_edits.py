"""Tables edited in the studio, with no Streamlit here: a loaded table as the cells an
editor shows, and an edited table checked by the table's own loader, each problem as
(row, what the row is, column, reason).

The loader is the only judge: an edit is taken when the loader keeps every row, so an
edited table obeys exactly the rules (and gets exactly the messages) of docs/data.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from engine.tables import Table, TableError

LIST_SEPARATOR = ";"
"""How a list cell (tags, countries, node types) is written in a table file."""
PROBLEM_COLUMNS = ("row", "what", "column", "reason")
FIRST_LOADER_ROW = 2
"""The loaders number a DataFrame's rows from 2 (the header is row 1, as in a file);
the editor's first row is row 1."""

Loader = Callable[[pd.DataFrame], Table]


def cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A loaded table's good rows as a file would hold them: a list cell as its items
    joined with `;` (`store;dark_store`, empty for none); every other cell as it is.
    The loader reads these cells back to the same table."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype == object and values.map(lambda v: isinstance(v, tuple | list)).any():
            out[column] = values.map(_joined).astype("str")
    return out.reset_index(drop=True)


def _joined(value: object) -> str:
    if isinstance(value, tuple | list):
        return LIST_SEPARATOR.join(str(item) for item in value)
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def digest(frame: pd.DataFrame) -> str:
    """A short fingerprint of a table's cells: equal cells, equal digest."""
    hashed = pd.util.hash_pandas_object(frame.astype("str"), index=False).to_numpy()
    names = "\x1f".join(str(c) for c in frame.columns).encode()
    return hashlib.sha256(names + hashed.tobytes()).hexdigest()[:20]


@dataclass(frozen=True)
class Checked:
    """An edited table as its loader read it: the table when every row was kept, else
    the problems (one per rejected cell) or the reason the whole table was refused."""

    table: Table | None
    problems: pd.DataFrame
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.table is not None and self.problems.empty and self.error is None


def no_problems() -> pd.DataFrame:
    return pd.DataFrame(
        {name: pd.Series(dtype="int64" if name == "row" else "str") for name in PROBLEM_COLUMNS}
    )


def check(frame: pd.DataFrame, loader: Loader, what: Callable[[int], str]) -> Checked:
    """Load `frame` with `loader`. Each reject becomes a problem at the editor's row
    (1 = the first row), with `what(position)` naming that row (a carrier service, a
    node id) so it can be found once rows are added or sorted."""
    try:
        table = loader(frame.reset_index(drop=True))
    except TableError as error:
        return Checked(None, no_problems(), str(error))
    if table.ok:
        return Checked(table, no_problems())
    rows = []
    for reject in table.reject_rows:
        position = reject.row - FIRST_LOADER_ROW
        rows.append(
            {
                "row": position + 1,
                "what": what(position) if 0 <= position < len(frame) else "",
                "column": reject.column,
                "reason": reject.reason,
            }
        )
    return Checked(None, pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS)))


def row_names(frame: pd.DataFrame, columns: tuple[str, ...]) -> Callable[[int], str]:
    """Names a row by the cells of `columns` ("chronopost express", "STORE-LYON")."""
    present = [c for c in columns if c in frame.columns]
    values = frame.reset_index(drop=True)

    def name(position: int) -> str:
        parts = [_joined(values.at[position, column]) for column in present]
        return " ".join(part for part in parts if part and part != "nan")

    return name
