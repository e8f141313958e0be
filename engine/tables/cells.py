"""Checking and normalising the cells of one column at a time, vectorised on
Arrow arrays, and logging a reject for every bad cell. Only the reason texts of
rejected cells are written in Python, one by one."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.arrow import (
    EMPTY,
    NO_TEXT,
    Floats,
    Ints,
    Mask,
    blank_texts,
    from_numpy,
    scalar,
    str_list,
    text_bytes,
    text_lists,
    texts,
)
from engine.arrow import to_numpy as as_numpy
from engine.limits import (
    EARLIEST,
    INSTANT_RULE,
    LATEST,
    MAX_ID_LENGTH,
    MAX_TEXT_LENGTH,
    Range,
    name_problem,
    text_problem,
)
from engine.tables.extras import infer_column
from engine.tables.ids import Distinct, KnownIds, known_names
from engine.tables.moments import MISSING, parse_moments
from engine.tables.raw import RawTable, is_text
from engine.tables.rejects import RejectLog
from engine.tables.text import NUMBER_PATTERN, cell_text, printable, shown

_TRUE = texts(["true", "1", "yes", "y", "t"])
_FALSE = texts(["false", "0", "no", "n", "f"])
_HINTED = 200
"""Distinct unknown names that get a "did you mean": the search costs a scan of
every known name, so a table of a million unknown ids must not pay it each time."""
_EARLIEST, _LATEST = (
    (moment - EARLIEST) // np.timedelta64(1, "us").item() for moment in (EARLIEST, LATEST)
)
"""The instants' bounds in microseconds since 1970."""


class ColumnReader:
    """Reads the columns of a raw table, checking and normalising their cells and
    logging a reject for every bad cell."""

    def __init__(self, raw: RawTable, table: str) -> None:
        self.raw = raw
        self.size = raw.size
        self.log = RejectLog(table, raw.rows)
        self._texts: dict[str, pa.Array[Any]] = {}
        self._distinct: dict[str, Distinct] = {}

    def has(self, column: str) -> bool:
        return column in self.raw.columns

    def text(self, column: str) -> pa.Array[Any]:
        """The column as trimmed text; a missing column or empty cell is ''."""
        if column not in self._texts:
            if not self.has(column):
                self._texts[column] = blank_texts(self.size)
            elif column in self._distinct:
                self._texts[column] = self._distinct[column].text
            else:
                self._texts[column] = cell_text(self.raw.columns[column])
        return self._texts[column]

    def texts_at(self, column: str, rows: Mask) -> list[str]:
        """The texts of the cells where `rows` holds (for a reason to quote)."""
        values = self.raw.columns[column]
        if pa.types.is_timestamp(values.type) or column in self._texts:
            return str_list(self.text(column).filter(from_numpy(rows)))
        return str_list(cell_text(values.filter(from_numpy(rows))))

    def distinct(self, column: str) -> Distinct:
        if column not in self._distinct:
            self._distinct[column] = Distinct.of(self.raw.columns[column])
        return self._distinct[column]

    def required_text(self, column: str, what: str = "") -> pa.Array[Any]:
        values = self.text(column)
        self.log.add(as_numpy(pc.equal(values, EMPTY)), column, f"{column} is empty{what}")
        return values

    def choice(
        self, column: str, allowed: tuple[str, ...], default: str | None = None
    ) -> pa.Array[Any]:
        """Text from a closed list, compared case-insensitively and stored lowercase."""
        values = pc.utf8_lower(self.text(column))
        empty = as_numpy(pc.equal(values, EMPTY))
        if default is not None:
            values = pc.if_else(from_numpy(empty), scalar(default), values)
        else:
            self.log.add(empty, column, f"{column} is empty; use one of {', '.join(allowed)}")
        wrong = ~as_numpy(pc.is_in(values, value_set=texts(allowed))) & ~empty
        if wrong.any():
            got = shown(self.texts_at(column, wrong))
            self.log.add(
                wrong,
                column,
                [f"{column} must be one of {', '.join(allowed)}, got {g}" for g in got],
            )
        return values

    def number(
        self, column: str, bounds: Range, *, default: float | None = None, note: str = ""
    ) -> Floats:
        """Floats within `bounds` (engine.limits); an empty cell takes `default`
        (NaN allowed) or, with no default, is a reject. A cell out of range (NaN
        and ±inf included) is a reject and reads as NaN. `note` follows the rule
        in the reason text (`(empty = unlimited)`)."""
        if not self.has(column):
            return np.full(self.size, np.nan if default is None else default, dtype=float)
        rule = bounds.rule + (f" {note}" if note else "")
        values, empty = self._floats(column)
        if default is None:
            self.log.add(empty, column, f"{column} is empty; it must be {rule}")
        else:
            values[empty] = default
        wrong = ~bounds.holds(values) & ~empty
        if wrong.any():
            got = shown(self.texts_at(column, wrong))
            self.log.add(wrong, column, [f"{column} must be {rule}, got {g}" for g in got])
            values[wrong] = np.nan
        return values

    def whole(
        self,
        column: str,
        bounds: Range,
        *,
        nullable: bool = False,
        default: int | None = None,
        note: str = "",
    ) -> pa.Array[Any]:
        """A whole-number column within `bounds` as int64 (an empty cell is null
        when `nullable`, else `default`, else a reject); rejects as `number`. A
        column of plain integers within bounds, the common case, is read by one
        cast and one comparison."""
        values = self.raw.columns.get(column)
        if values is not None and not values.null_count:
            ints = _plain_integers(values)
            if ints is not None:
                numbers = as_numpy(ints)
                if ((numbers >= bounds.low) & (numbers <= bounds.high)).all():
                    return ints
        empty = np.nan if nullable else None if default is None else float(default)
        floats = self.number(column, bounds, default=empty, note=note)
        return whole_numbers(floats, nullable=nullable)

    def _floats(self, column: str) -> tuple[Floats, Mask]:
        """(float values with NaN where unreadable, mask of empty cells). A column of
        plain numbers is read by one cast; a column with empty or odd cells reads
        the cells that are numbers and leaves the rest NaN."""
        values = self.raw.columns[column]
        kind = values.type
        if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
            numbers = as_numpy(values.cast(pa.float64(), safe=False))
            return numbers, np.isnan(numbers)
        if is_text(values) and not values.null_count:
            try:
                return as_numpy(values.cast(pa.float64())), np.zeros(len(values), dtype=bool)
            except pa.ArrowInvalid:
                pass
        text = self.text(column)
        readable = pc.match_substring_regex(text, NUMBER_PATTERN)
        numbers_or_null: pa.Array[Any] = pc.if_else(readable, text, NO_TEXT)
        return as_numpy(numbers_or_null.cast(pa.float64())), as_numpy(pc.equal(text, EMPTY))

    def free_text(self, column: str) -> pa.Array[Any]:
        """Free text (an event's note) as trimmed text: at most MAX_TEXT_LENGTH
        characters and no control character, as engine.events.Event takes it."""
        values = self.text(column)
        if not self.has(column) or not len(values):
            return values
        odd = ~printable(values)
        # Text columns are StringArrays; the stubs type them as plain Arrays.
        odd |= as_numpy(pc.utf8_length(cast(pa.StringArray, values))) > MAX_TEXT_LENGTH
        if odd.any():
            problems = [text_problem(v) for v in str_list(values.filter(from_numpy(odd)))]
            odd[odd] = [problem is not None for problem in problems]
            self.log.add(
                odd, column, [f"{column} {problem}" for problem in problems if problem is not None]
            )
        return values

    def identifier(self, column: str, *, required: bool = True) -> pa.Array[Any]:
        """An id column (node id, SKU, order id) as trimmed text: at most
        MAX_ID_LENGTH characters, no control or invisible characters; empty is a
        reject when `required`. Checked once per distinct id."""
        if not self.has(column) or not self.size:
            return self.required_text(column) if required else self.text(column)
        ids = self.distinct(column)
        if required:
            empty = ids.rows(as_numpy(pc.equal(ids.values, EMPTY)))
            self.log.add(empty, column, f"{column} is empty")
        # Text columns are StringArrays; the stubs type them as plain Arrays.
        long = as_numpy(pc.utf8_length(cast(pa.StringArray, ids.values))) > MAX_ID_LENGTH
        self.log.add(
            ids.rows(long),
            column,
            f"{column} is longer than {MAX_ID_LENGTH} characters; shorten the id",
        )
        odd = ~printable(ids.values) & ~long
        if odd.any():
            odd[odd] = [
                name_problem(v) is not None for v in str_list(ids.values.filter(from_numpy(odd)))
            ]
            rows = ids.rows(odd)
            self.log.add(
                rows,
                column,
                [
                    f"{column} holds a control or invisible character (such as NUL, a line break "
                    f"or ESC): {text}"
                    for text in shown(ids.texts(rows))
                ],
            )
        return self.text(column)

    def flag(self, column: str, default: Mask) -> Mask:
        """Booleans from true/false, 1/0, yes/no (any case); empty takes `default`."""
        if not self.has(column):
            return default.copy()
        values = self.raw.columns[column]
        if pa.types.is_boolean(values.type) and not values.null_count:
            return as_numpy(values)
        text = pc.utf8_lower(self.text(column))
        truthy = as_numpy(pc.is_in(text, value_set=_TRUE))
        falsy = as_numpy(pc.is_in(text, value_set=_FALSE))
        empty = as_numpy(pc.equal(text, EMPTY))
        wrong = ~(truthy | falsy | empty)
        if wrong.any():
            got = shown(self.texts_at(column, wrong))
            self.log.add(
                wrong,
                column,
                [f"{column} must be true or false (or yes/no, 1/0), got {g}" for g in got],
            )
        return np.where(empty, default, truthy)

    def tags(self, column: str) -> pa.Array[Any]:
        """`;`-separated tags as lists of trimmed, non-empty texts."""
        tags = [
            [t.strip() for t in v.split(";") if t.strip()] if v else []
            for v in str_list(self.text(column))
        ]
        return text_lists(tags)

    def moment(self, column: str, timezone: str) -> Ints:
        """Instants in UTC (microseconds since 1970, MISSING where there is none);
        text without an offset is read in `timezone`."""
        values = self.raw.columns[column]
        if not pa.types.is_timestamp(values.type):
            values = self.text(column)
        instants, empty, wrong = parse_moments(values, timezone)
        self.log.add(empty, column, f"{column} is empty; it must be an ISO 8601 date-time")
        if wrong.any():
            got = shown(self.texts_at(column, wrong))
            self.log.add(
                wrong,
                column,
                [
                    f"{column} must be an ISO 8601 date-time such as "
                    f"2026-11-27T14:05:00+01:00, got {g}"
                    for g in got
                ],
            )
        outside = ~empty & ~wrong & ((instants < _EARLIEST) | (instants > _LATEST))
        if outside.any():
            got = shown(self.texts_at(column, outside))
            self.log.add(
                outside, column, [f"{column} must be {INSTANT_RULE}, got {g}" for g in got]
            )
            instants[outside] = MISSING
        return instants

    def known(self, column: str, names: KnownIds | None, check: Mask, what: str) -> None:
        """Reject cells of the id column `column` (where `check` holds) naming
        something not in `names`."""
        if names is None:
            return
        known = known_names(names)
        ids = self.distinct(column)
        unknown = check & ~ids.rows(as_numpy(pc.is_in(ids.values, value_set=known)))
        if not unknown.any():
            return
        codes = ids.codes[unknown]
        seen, first = np.unique(codes, return_index=True)
        hinted = seen[np.argsort(first, kind="stable")][:_HINTED]
        candidates = str_list(known) if len(known) < 5000 else []
        id_texts = str_list(ids.values)
        reasons = {
            code: f"{column} {id_texts[code]!r} is not a known {what}" for code in seen.tolist()
        }
        for code in hinted.tolist():
            close = difflib.get_close_matches(id_texts[code], candidates, n=1) if candidates else []
            if close:
                reasons[code] += f" (did you mean {close[0]!r}?)"
        self.log.add(unknown, column, [reasons[code] for code in codes.tolist()])

    def extras(self, known: Iterable[str]) -> tuple[dict[str, pa.Array[Any]], tuple[str, ...]]:
        """Columns outside the contract, and which of them are kept as they came.
        Text columns that hold only numbers become numbers and true/false columns
        booleans (see docs/data.md); typed columns keep their type."""
        contract = set(known)
        columns: dict[str, pa.Array[Any]] = {}
        kept: list[str] = []
        for column, values in self.raw.columns.items():
            if column in contract:
                continue
            if column in self.raw.inferable:
                columns[column] = infer_column(self.text(column))
            else:
                columns[column] = values
                kept.append(column)
        return columns, tuple(kept)


def _plain_integers(values: pa.Array[Any]) -> pa.Array[Any] | None:
    """An integer column, or a text column of plain integers (`-?[0-9]+`), as int64;
    None for anything else (Arrow's own cast also reads `0x10`: not here)."""
    if pa.types.is_integer(values.type):
        try:
            return values.cast(pa.int64())
        except pa.ArrowInvalid:  # a uint64 past int64
            return None
    if not pa.types.is_string(values.type):
        return None
    try:
        ints = values.cast(pa.int64())
    except pa.ArrowInvalid:
        return None
    if ((text_bytes(values) | np.uint8(0x20)) == ord("x")).any():
        return None
    return ints


def floats(values: Floats) -> pa.Array[Any]:
    """Numbers as float64, null where NaN (an empty optional cell)."""
    return from_numpy(values, pa.float64(), missing=np.isnan(values))


def whole_numbers(values: Floats, *, nullable: bool = False) -> pa.Array[Any]:
    """Floats `number` checked against a whole range (engine.limits: far inside
    int64) as int64, null for NaN when `nullable`; NaN (an empty or rejected cell)
    is 0 when not `nullable`: rejected rows are dropped later."""
    whole = np.nan_to_num(values).astype(np.int64)
    if nullable:
        return from_numpy(whole, pa.int64(), missing=np.isnan(values))
    return from_numpy(whole, pa.int64())
