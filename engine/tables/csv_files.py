"""CSV files: read by Arrow into text columns, the row number of every record being
its line in the file; a file with a malformed record is read again record by
record to give each one its exact line."""

from __future__ import annotations

import csv
import mmap
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from engine.arrow import EMPTY, Mask, combined, from_numpy, texts, to_numpy
from engine.limits import MAX_TEXT_LENGTH
from engine.tables.raw import BrokenRow, RawTable, TableError, check_column_count, check_columns

if TYPE_CHECKING:
    from _csv import Reader

_BLOCK_BYTES = 8 * 2**20
"""Arrow reads a file in blocks of this size, and one record must fit in one: a
row of 500 cells of at most 1,024 characters (4 bytes each in UTF-8) takes 2 MiB."""


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
    check_column_count(str(path), len(header))
    return [name.strip() for name in header]


def _has_quotes(path: Path) -> bool:
    """Whether the file holds a `"` at all: without one no value spans lines, and
    Arrow may split the file in blocks and read them in parallel."""
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return data.find(b'"') >= 0


def read_csv(path: Path, required: tuple[str, ...]) -> RawTable:
    """Fast path with pyarrow; a file with malformed records goes the slow way."""
    columns = _header(path)
    quoted = _has_quotes(path)
    malformed: list[str] = []

    def on_invalid(row: pa_csv.InvalidRow) -> Literal["skip"]:
        malformed.append(row.text)
        return "skip"

    try:
        data = pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(
                column_names=columns, skip_rows=1, block_size=_BLOCK_BYTES
            ),
            parse_options=pa_csv.ParseOptions(
                newlines_in_values=quoted, ignore_empty_lines=False, invalid_row_handler=on_invalid
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={c: pa.string() for c in columns}, strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc) or "utf8" in str(exc).lower():
            raise TableError(f"{path}: not UTF-8 text; save the file as CSV UTF-8") from exc
        if "straddl" in str(exc):  # one record longer than a block
            raise TableError(
                f"{path}: a record is longer than {_BLOCK_BYTES // 2**20} MiB (a cell holds at "
                f"most {MAX_TEXT_LENGTH:,} characters); look for a quote that is never closed"
            ) from exc
        raise TableError(f"{path}: not a readable CSV file ({exc})") from exc
    if malformed:
        return _read_csv_exactly(path, columns, required)
    check_columns(path.name, columns, required)
    values = [combined(column) for column in data.columns]
    rows = np.arange(data.num_rows, dtype=np.int64) + 2
    if quoted:  # line breaks inside quoted values push later records down the file
        breaks = np.zeros(data.num_rows, dtype=np.int64)
        for column in values:
            # The columns are read as `string`, so StringArrays; the stubs say Array.
            breaks += to_numpy(pc.count_substring(cast(pa.StringArray, column), "\n"))
        rows[1:] += np.cumsum(breaks)[:-1]
    blank = _blank_records(values)
    if blank is not None:
        keep = from_numpy(~blank)
        values = [column.filter(keep) for column in values]
        rows = rows[~blank]
    return RawTable(
        path.name, dict(zip(columns, values, strict=True)), rows, inferable=frozenset(columns)
    )


def _blank_records(columns: list[pa.Array[Any]]) -> Mask | None:
    """Blank lines (and lines of bare separators) carry nothing: they are skipped.
    The mask of them, or None when there is none (the common case, decided on the
    first column alone)."""
    blank: Mask | None = None
    for column in columns:
        empty = to_numpy(pc.or_(pc.equal(column, EMPTY), pc.utf8_is_space(column)))
        blank = empty if blank is None else blank & empty
        if not blank.any():
            return None
    return blank


def _read_csv_exactly(path: Path, columns: list[str], required: tuple[str, ...]) -> RawTable:
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
                    cells = dict(zip(columns, fields, strict=False))
                    broken.append(BrokenRow(start, reason, cells))
            start = reader.line_num + 1
    check_columns(path.name, columns, required)
    values = {column: texts([record[i] for record in records]) for i, column in enumerate(columns)}
    return RawTable(
        path.name, values, np.asarray(rows, dtype=np.int64), broken, inferable=frozenset(columns)
    )


def _records(reader: Reader, path: Path) -> Iterator[list[str]]:
    """The reader's records; a record the csv module cannot split (a value over
    its size limit) makes the file unreadable, at that line."""
    try:
        yield from reader
    except csv.Error as exc:
        line = reader.line_num
        raise TableError(f"{path}: line {line} is not a readable CSV record ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise TableError(f"{path}: not UTF-8 text; save the file as CSV UTF-8") from exc
