"""Reading a table source (CSV, Parquet or a DataFrame) into raw columns with
the row number of every record, before any cell is checked.

Row numbers follow one convention everywhere: the header is row 1 and the
first data row is row 2. For a CSV file that is the line number in the file
(a quoted value spanning lines and blank lines are accounted for); for Parquet
and DataFrame sources it is the position + 2.
"""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from engine.limits import MAX_COLUMNS


class TableError(ValueError):
    """The whole table is unusable (missing file, missing column, not UTF-8...)."""


@dataclass(frozen=True)
class BrokenRow:
    """A CSV record that could not be split into the header's columns."""

    row: int
    reason: str
    values: dict[str, str]


@dataclass
class RawTable:
    """Cells as read (text for CSV, typed for Parquet/DataFrame) plus row numbers."""

    name: str
    """What to call the source in messages: the file name or `<table> (DataFrame)`."""
    frame: pd.DataFrame
    rows: np.ndarray
    broken: list[BrokenRow] = field(default_factory=list)


Source = str | Path | pd.DataFrame


def read_source(source: Source, table: str, required: tuple[str, ...]) -> RawTable:
    """Read `source` and check that the `required` columns are all there."""
    if isinstance(source, pd.DataFrame):
        frame = source.copy(deep=False)
        frame.columns = [str(c).strip() for c in frame.columns]
        frame = frame.reset_index(drop=True)
        raw = RawTable(f"{table} (DataFrame)", frame, np.arange(len(frame), dtype=np.int64) + 2)
    else:
        path = Path(source)
        if not path.is_file():
            raise TableError(f"{path}: no such file (expected the {table} table)")
        suffix = path.suffix.lower()
        if suffix == ".csv":
            raw = _read_csv(path)
        elif suffix in (".parquet", ".pq"):
            raw = _read_parquet(path)
        else:
            raise TableError(f"{path}: unsupported file type {suffix!r}; use .csv or .parquet")
    _check_columns(raw, required)
    return raw


def _check_columns(raw: RawTable, required: tuple[str, ...]) -> None:
    found = list(raw.frame.columns)
    _check_column_count(raw.name, len(found))
    seen: set[str] = set()
    twice = sorted({c for c in found if c in seen or seen.add(c)})
    if twice:
        raise TableError(f"{raw.name}: column(s) {', '.join(twice)} appear more than once")
    missing = [c for c in required if c not in found]
    if not missing:
        return
    hints = []
    for column in missing:
        close = difflib.get_close_matches(column, found, n=1, cutoff=0.75)
        if close:
            hints.append(f"{close[0]!r} for {column!r}?")
    message = (
        f"{raw.name}: missing required column(s) {', '.join(missing)}; "
        f"columns found: {', '.join(found) if found else '(none)'}"
    )
    if hints:
        message += "; did you mean " + ", ".join(hints)
    raise TableError(message)


def _read_parquet(path: Path) -> RawTable:
    try:
        frame = pq.read_table(path).to_pandas()
    except (pa.ArrowException, OSError) as exc:
        raise TableError(f"{path}: not a readable Parquet file ({exc})") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.reset_index(drop=True)
    return RawTable(path.name, frame, np.arange(len(frame), dtype=np.int64) + 2)


def _header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), None)
    except UnicodeDecodeError as exc:
        raise TableError(
            f"{path}: the header is not UTF-8 text; save the file as CSV UTF-8"
        ) from exc
    except csv.Error as exc:
        raise TableError(f"{path}: the header is not a readable CSV line ({exc})") from exc
    if not header or not any(name.strip() for name in header):
        raise TableError(f"{path}: the file is empty; the first line must name the columns")
    _check_column_count(str(path), len(header))
    return [name.strip() for name in header]


def _check_column_count(name: str, count: int) -> None:
    if count > MAX_COLUMNS:
        raise TableError(
            f"{name}: {count:,} columns; a table has at most {MAX_COLUMNS:,} "
            "(the contract's columns and extra ones): drop the columns the rules do not read"
        )


def _read_csv(path: Path) -> RawTable:
    """Fast path with pyarrow; a file with malformed records goes the slow way."""
    columns = _header(path)
    malformed: list[str] = []

    def on_invalid(row: pa_csv.InvalidRow) -> str:
        malformed.append(row.text)
        return "skip"

    try:
        data = pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(column_names=columns, skip_rows=1),
            parse_options=pa_csv.ParseOptions(
                newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=on_invalid
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={c: pa.string() for c in columns}, strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc) or "utf8" in str(exc).lower():
            raise TableError(f"{path}: not UTF-8 text; save the file as CSV UTF-8") from exc
        raise TableError(f"{path}: not a readable CSV file ({exc})") from exc
    if malformed:
        return _read_csv_exactly(path, columns)
    # Line breaks inside quoted values push later records down the file.
    breaks = np.zeros(data.num_rows, dtype=np.int64)
    for column in data.columns:
        breaks += np.asarray(
            pa_compute.count_substring(column, "\n").to_numpy(zero_copy_only=False),
            dtype=np.int64,
        )
    before = np.concatenate(([0], np.cumsum(breaks)[:-1])) if len(breaks) else breaks
    rows = np.arange(data.num_rows, dtype=np.int64) + 2 + before
    blank = _blank_records(data)
    if blank.any():
        data = data.filter(pa.array(~blank))
        rows = rows[~blank]
    return RawTable(path.name, data.to_pandas(), rows)


def _blank_records(data: pa.Table) -> np.ndarray:
    """Blank lines (and lines of bare separators) carry nothing: they are skipped."""
    blank = np.ones(data.num_rows, dtype=bool)
    for column in data.columns:
        if not blank.any():
            break
        trimmed = pa_compute.utf8_trim_whitespace(column)
        blank &= pa_compute.equal(pa_compute.utf8_length(trimmed), 0).to_numpy(zero_copy_only=False)
    return blank


def _read_csv_exactly(path: Path, columns: list[str]) -> RawTable:
    """Record by record, to give exact line numbers to malformed records."""
    records: list[list[str]] = []
    rows: list[int] = []
    broken: list[BrokenRow] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        start = reader.line_num + 1
        for fields in _records(reader, path):
            if any(f.strip() for f in fields):
                if len(fields) == len(columns):
                    records.append(fields)
                    rows.append(start)
                else:
                    reason = f"has {len(fields)} values but the header has {len(columns)} columns"
                    values = dict(zip(columns, fields, strict=False))
                    broken.append(BrokenRow(start, reason, values))
            start = reader.line_num + 1
    frame = pd.DataFrame(records, columns=columns, dtype="str")
    return RawTable(path.name, frame, np.asarray(rows, dtype=np.int64), broken)


def _records(reader, path: Path):
    """The reader's records; a record the csv module cannot split (a value over
    its size limit) makes the file unreadable, at that line."""
    try:
        yield from reader
    except csv.Error as exc:
        line = reader.line_num
        raise TableError(f"{path}: line {line} is not a readable CSV record ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise TableError(f"{path}: not UTF-8 text; save the file as CSV UTF-8") from exc
