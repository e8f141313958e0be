"""Reading the promise tables' calendar and list cells on a ColumnReader: day
lists, clock times, local dates and `;`-separated code lists. Each distinct text
is read once (engine.tables.calendar_text), then spread over the rows; a cell
that cannot be read is a reject naming the column, the value and why."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from engine.arrow import Ints, Mask, row_indices, str_list, text_lists, texts, to_numpy
from engine.tables.calendar_text import (
    CLOCK_RULE,
    DATE_RULE,
    DAY_LIST_RULE,
    DAY_RANGE_RULE,
    CalendarTextError,
    DayOutOfRange,
    format_clock,
    format_days,
    parse_clock,
    parse_date,
    parse_days,
)
from engine.tables.cells import ColumnReader
from engine.tables.text import shown

T = TypeVar("T")

NO_DAY = np.iinfo(np.int64).min
"""The day number of a cell that holds no date."""


def _read_each(
    read: ColumnReader, column: str, parse: Callable[[str], T], reason: Callable[[str, str], str]
) -> tuple[list[T | None], list[str], Ints, Mask]:
    """(the reading of each distinct trimmed text, None for the empty text or one
    that cannot be read; those texts; each row's code into them; each row's
    emptiness). A missing column reads as empty cells. A row whose text cannot be
    read gets the reject `reason(quoted text, problem)`."""
    if read.has(column):
        distinct = read.distinct(column)
        values, codes = str_list(distinct.values), distinct.codes
    else:
        values, codes = [""], np.zeros(read.size, dtype=np.int64)
    readings: list[T | None] = []
    problems: dict[int, str] = {}
    for code, text in enumerate(values):
        if not text:
            readings.append(None)
            continue
        try:
            readings.append(parse(text))
        except CalendarTextError as error:
            readings.append(None)
            problems[code] = reason(shown([text])[0], str(error))
    empty = np.array([not text for text in values], dtype=bool)[codes]
    if problems:
        bad = np.zeros(len(values), dtype=bool)
        bad[list(problems)] = True
        rows = bad[codes]
        read.log.add(rows, column, [problems[code] for code in codes[rows].tolist()])
    return readings, values, codes, empty


def day_lists(
    read: ColumnReader, column: str, default: int
) -> tuple[npt.NDArray[np.uint8], pa.Array[Any]]:
    """(each row's day set as a 7-bit mask, its canonical text); an empty cell
    (or a missing column) is `default`; a rejected cell reads as `default` too
    (its row is dropped)."""
    note = f" (empty = {format_days(default)})"
    if not read.has(column):
        return np.full(read.size, default, dtype=np.uint8), texts(
            [format_days(default)] * read.size
        )

    def reason(value: str, problem: str) -> str:
        return f"{column} must be {DAY_LIST_RULE}{note}, got {value}: {problem}"

    readings, _, codes, _ = _read_each(read, column, parse_days, reason)
    masks = np.array([default if r is None else r for r in readings], dtype=np.uint8)
    return masks[codes], _spread([format_days(int(mask)) for mask in masks], codes)


def clock_times(
    read: ColumnReader, column: str, default: int
) -> tuple[npt.NDArray[np.int16], pa.Array[Any]]:
    """(each row's minutes after midnight, its `HH:MM` text); empty = `default`."""
    note = f" (empty = {format_clock(default)})"

    def reason(value: str, _: str) -> str:
        return f"{column} must be {CLOCK_RULE}{note}, got {value}"

    readings, _, codes, _ = _read_each(read, column, parse_clock, reason)
    minutes = np.array([default if r is None else r for r in readings], dtype=np.int16)
    return minutes[codes], _spread([format_clock(int(m)) for m in minutes], codes)


def local_dates(
    read: ColumnReader, column: str, *, required: bool
) -> tuple[npt.NDArray[np.int64], pa.Array[Any]]:
    """(each row's day number, NO_DAY where none; the dates as `YYYY-MM-DD` text,
    null where none). An empty cell is a reject when `required`."""

    def reason(value: str, problem: str) -> str:
        if problem == _OUT_OF_RANGE:
            return f"{column} must be {DAY_RANGE_RULE}, got {value}"
        detail = f" ({problem})" if problem else ""
        return f"{column} must be {DATE_RULE}, got {value}{detail}"

    readings, values, codes, empty = _read_each(read, column, _date_or_range, reason)
    if required:
        read.log.add(empty, column, f"{column} is empty; it must be {DATE_RULE}")
    numbers = np.array([NO_DAY if r is None else r for r in readings], dtype=np.int64)
    dated = [None if r is None else text for r, text in zip(readings, values, strict=True)]
    return numbers[codes], _spread(dated, codes)


_OUT_OF_RANGE = "\x00out of range"
"""The problem `_date_or_range` gives a date outside 1970–2200 (never shown)."""


def _date_or_range(text: str) -> int:
    try:
        return parse_date(text)
    except DayOutOfRange:
        raise CalendarTextError(_OUT_OF_RANGE) from None


def code_lists(
    read: ColumnReader, column: str, code: Callable[[str], str], rule: str
) -> pa.Array[Any]:
    """`;`-separated codes as lists of normalised codes, in the order written,
    each once; `code(entry)` normalises one entry or raises CalendarTextError
    saying why it is not a code. An empty cell is an empty list; an empty entry
    is refused."""

    def listed(text: str) -> tuple[str, ...]:
        found: list[str] = []
        for entry in text.split(";"):
            item = entry.strip()
            if not item:
                raise CalendarTextError("an entry is empty (two ';' in a row, or one at an end)")
            normal = code(item)
            if normal not in found:
                found.append(normal)
        return tuple(found)

    def reason(value: str, problem: str) -> str:
        return f"{column} must be {rule}, got {value}: {problem}"

    readings, _, codes, _ = _read_each(read, column, listed, reason)
    lists = [() if r is None else r for r in readings]
    return text_lists([lists[code] for code in codes.tolist()])


def _spread(canonical: Sequence[str | None], codes: npt.NDArray[np.int64]) -> pa.Array[Any]:
    """Per-distinct texts (None: null) as a per-row text column."""
    return texts(canonical).take(row_indices(codes))


def parsed_texts(
    values: pa.Array[Any] | pa.ChunkedArray[Any], parse: Callable[[str], int], missing: int = 0
) -> Ints:
    """`parse` of each distinct text of a column the loader normalised (a day list,
    a clock time, a date), spread over the rows; `missing` for an empty text."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = values.dictionary_encode()
    readings = [parse(text) if text else missing for text in str_list(encoded.dictionary)]
    return np.array(readings, dtype=np.int64)[to_numpy(encoded.indices).astype(np.int64)]
