"""A table as read from its source, before any cell is checked: its columns as
Arrow arrays, the row number of every record and the records that could not be
split; and the checks of its column names."""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pyarrow as pa

from engine.arrow import Ints
from engine.errors import DataError
from engine.limits import MAX_COLUMNS, escaped

if TYPE_CHECKING:
    import pandas as pd

    Source = str | Path | pd.DataFrame
else:
    Source = Any


class TableError(DataError):
    """The whole table is unusable (missing file, missing column, not UTF-8...)."""


@dataclass(frozen=True)
class BrokenRow:
    """A CSV record that could not be split into the header's columns."""

    row: int
    reason: str
    values: dict[str, str]


class Originals(Protocol):
    """Columns kept exactly as they came from the source, for the pandas view."""

    def frame(self, columns: list[str], positions: Ints) -> pd.DataFrame: ...


@dataclass
class RawTable:
    """Cells as read (text for CSV, typed for Parquet/DataFrame) plus row numbers."""

    name: str
    """What to call the source in messages: the file name or `<table> (DataFrame)`."""
    columns: dict[str, pa.Array[Any]]
    rows: Ints
    broken: list[BrokenRow] = field(default_factory=list)
    inferable: frozenset[str] = frozenset()
    """Columns that hold text as read: an extra one among them gets its type from
    its cells (docs/data.md, "Extra columns"); any other extra keeps its own."""
    originals: Originals | None = None

    @property
    def size(self) -> int:
        return len(self.rows)


def check_columns(name: str, found: list[str], required: tuple[str, ...]) -> None:
    check_column_count(name, len(found))
    twice = sorted(column for column, count in Counter(found).items() if count > 1)
    if twice:
        raise TableError(f"{name}: column(s) {_names(twice)} appear more than once")
    missing = [c for c in required if c not in found]
    if not missing:
        return
    hints = []
    for column in missing:
        close = difflib.get_close_matches(column, found, n=1, cutoff=0.75)
        if close:
            hints.append(f"'{_name(close[0])}' for '{column}'?")
    message = (
        f"{name}: missing required column(s) {', '.join(missing)}; "
        f"columns found: {_names(found) if found else '(none)'}"
    )
    if hints:
        message += "; did you mean " + ", ".join(hints)
    raise TableError(message)


def _name(column: str) -> str:
    """A column name as a message shows it: escaped, cut after 40 characters."""
    return escaped(column if len(column) <= 40 else column[:40] + "…")


def _names(columns: list[str], most: int = 30) -> str:
    """The first `most` column names, and how many more there are."""
    shown = ", ".join(_name(column) for column in columns[:most])
    return shown + (f", … ({len(columns) - most} more)" if len(columns) > most else "")


def check_column_count(name: str, count: int) -> None:
    if count > MAX_COLUMNS:
        raise TableError(
            f"{name}: {count:,} columns; a table has at most {MAX_COLUMNS:,} "
            "(the contract's columns and extra ones): drop the columns the rules do not read"
        )


def is_text(values: pa.Array[Any]) -> bool:
    kind = values.type
    return (
        pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)
    )


def as_string(values: pa.Array[Any]) -> pa.Array[Any]:
    """A column as plain `string`: a `string` column as it is, any other cast (the
    large and view layouts of text, integers, dates)."""
    return values if pa.types.is_string(values.type) else values.cast(pa.string())


def positions_as_rows(size: int) -> Ints:
    """Row numbers of a Parquet or DataFrame source: position + 2."""
    return np.arange(size, dtype=np.int64) + 2


@dataclass(frozen=True)
class FrameLayout:
    """How `Table.frame` writes some columns in pandas: nullable integers as
    `Int64`, lists of text as tuples, and columns a Parquet file or a DataFrame
    gave that are kept exactly as they came (`originals`, at source `positions`;
    a CSV source has no originals: every column of it is text, none is kept)."""

    nullable_ints: tuple[str, ...] = ()
    tuples: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    originals: Originals | None = None
    positions: Ints | None = None
