"""Checking and normalising the cells of one column at a time, vectorised, and
the log of rejects those checks produce (one reject per row and problem)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute

from engine.limits import (
    EARLIEST,
    INSTANT_RULE,
    LATEST,
    MAX_ID_LENGTH,
    MAX_TEXT_LENGTH,
    Range,
    escaped,
    name_problem,
    text_problem,
)
from legacy_tables.moments import UNIT, parse_moments
from legacy_tables.reading import RawTable

REJECT_COLUMNS = ("table", "row", "column", "reason", "order_id")

_TRUE = ("true", "1", "yes", "y", "t")
_FALSE = ("false", "0", "no", "n", "f")
_SHOWN_MAX = 40
_HINTED = 200
"""Distinct unknown names that get a "did you mean": the search costs a scan of
every known name, so a table of a million unknown ids must not pay it each time."""
_EARLIEST, _LATEST = (
    int(np.datetime64(moment.replace(tzinfo=None), UNIT).astype(np.int64))
    for moment in (EARLIEST, LATEST)
)
"""The instants' bounds as counts of UNIT since 1970 (how `moment` compares them)."""


class RejectLog:
    """The problems found in one table: (positions, column, reason) batches."""

    def __init__(self, table: str, rows: np.ndarray) -> None:
        self.table = table
        self.rows = rows
        self._batches: list[tuple[np.ndarray, str, np.ndarray]] = []
        self._extra: list[tuple[int, str, str, str]] = []

    def add(self, mask: np.ndarray, column: str, reasons: str | Iterable[str]) -> None:
        """Record a problem at every position where `mask` holds; `reasons` is one
        text or one text per flagged position."""
        positions = np.flatnonzero(mask)
        if not len(positions):
            return
        if isinstance(reasons, str):
            texts = np.full(len(positions), reasons, dtype=object)
        else:
            texts = np.asarray(list(reasons), dtype=object)
        self._batches.append((positions, column, texts))

    def add_row(self, row: int, column: str, reason: str, order_id: str = "") -> None:
        """A problem on a record that never made it into the frame (malformed CSV)."""
        self._extra.append((row, column, reason, order_id))

    def bad(self, size: int) -> np.ndarray:
        """Positions with at least one problem."""
        mask = np.zeros(size, dtype=bool)
        for positions, _, _ in self._batches:
            mask[positions] = True
        return mask

    def bad_in(self, column: str, size: int) -> np.ndarray:
        """Positions with a problem in `column`."""
        mask = np.zeros(size, dtype=bool)
        for positions, name, _ in self._batches:
            if name == column:
                mask[positions] = True
        return mask

    def frame(self, order_ids: pd.Series | None = None) -> pd.DataFrame:
        """All rejects, sorted by row (problems of one row in the order found)."""
        parts = []
        for positions, column, texts in self._batches:
            parts.append(
                pd.DataFrame(
                    {
                        "row": self.rows[positions],
                        "column": column,
                        "reason": texts,
                        "order_id": (
                            order_ids.iloc[positions].to_numpy(dtype=object)
                            if order_ids is not None
                            else ""
                        ),
                    }
                )
            )
        if self._extra:
            parts.append(pd.DataFrame(self._extra, columns=["row", "column", "reason", "order_id"]))
        if not parts:
            return empty_rejects()
        out = pd.concat(parts, ignore_index=True)
        out = out.sort_values("row", kind="stable", ignore_index=True)
        out.insert(0, "table", self.table)
        out = out.astype({"table": "str", "column": "str", "reason": "str", "order_id": "str"})
        return out.astype({"row": "int64"})[list(REJECT_COLUMNS)]


def empty_rejects() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "table": pd.Series([], dtype="str"),
            "row": pd.Series([], dtype="int64"),
            "column": pd.Series([], dtype="str"),
            "reason": pd.Series([], dtype="str"),
            "order_id": pd.Series([], dtype="str"),
        }
    )


def shown(values: pd.Series | np.ndarray) -> np.ndarray:
    """Cell text as quoted in a reason: numbers bare, other text in quotes;
    control and invisible characters escaped (a reason is printed on terminals)."""
    text = pd.Series(np.asarray(values, dtype=object)).astype("str")
    text = text.where(text.str.len() <= _SHOWN_MAX, text.str.slice(0, _SHOWN_MAX) + "…")
    if len(text) and not pa_compute.all(pa_compute.utf8_is_printable(pa.array(text.array))).as_py():
        text = text.map(escaped)
    numeric = pd.to_numeric(text, errors="coerce").notna()
    return np.where(numeric, text, '"' + text + '"')


class ColumnReader:
    """Reads the columns of a raw table, checking and normalising their cells and
    logging a reject for every bad cell."""

    def __init__(self, raw: RawTable, table: str) -> None:
        self.raw = raw
        self.size = len(raw.frame)
        self.log = RejectLog(table, raw.rows)

    def has(self, column: str) -> bool:
        return column in self.raw.frame.columns

    def text(self, column: str) -> pd.Series:
        """The column as trimmed text; a missing column or empty cell is ''."""
        if not self.has(column):
            return pd.Series([""] * self.size, dtype="str")
        return as_text(self.raw.frame[column])

    def required_text(self, column: str, what: str = "") -> pd.Series:
        values = self.text(column)
        self.log.add((values == "").to_numpy(), column, f"{column} is empty{what}")
        return values

    def choice(self, column: str, allowed: tuple[str, ...], default: str | None = None):
        """Text from a closed list, compared case-insensitively and stored lowercase."""
        values = self.text(column).str.lower()
        empty = (values == "").to_numpy()
        if default is not None:
            values = values.where(~empty, default)
        else:
            self.log.add(empty, column, f"{column} is empty; use one of {', '.join(allowed)}")
        wrong = ~member(values, allowed) & ~empty
        self.log.add(
            wrong,
            column,
            f"{column} must be one of {', '.join(allowed)}, got " + shown(self.text(column)[wrong]),
        )
        return values

    def number(
        self, column: str, bounds: Range, *, default: float | None = None, note: str = ""
    ) -> np.ndarray:
        """Floats within `bounds` (engine.limits); an empty cell takes `default`
        (NaN allowed) or, with no default, is a reject. A cell out of range (NaN
        and ±inf included) is a reject and reads as NaN. `note` follows the rule
        in the reason text (`(empty = unlimited)`)."""
        if not self.has(column):
            return np.full(self.size, np.nan if default is None else default, dtype=float)
        rule = bounds.rule + (f" {note}" if note else "")
        series = self.raw.frame[column]
        values, empty = as_number(series)
        if default is None:
            self.log.add(empty, column, f"{column} is empty; it must be {rule}")
        else:
            values[empty] = default
        wrong = ~bounds.holds(values) & ~empty
        if wrong.any():
            got = shown(as_text(series)[wrong])
            self.log.add(wrong, column, f"{column} must be {rule}, got " + got)
            values[wrong] = np.nan
        return values

    def free_text(self, column: str) -> pd.Series:
        """Free text (an event's note) as trimmed text: at most MAX_TEXT_LENGTH
        characters and no control character, as engine.events.Event takes it."""
        values = self.text(column)
        if not self.has(column) or not len(values):
            return values
        cells = pa.array(values.array)
        odd = ~pa_compute.utf8_is_printable(cells).to_numpy(zero_copy_only=False)
        odd |= pa_compute.greater(pa_compute.utf8_length(cells), MAX_TEXT_LENGTH).to_numpy(
            zero_copy_only=False
        )
        if odd.any():
            problems = [text_problem(v) for v in values[odd]]
            odd[odd] = [problem is not None for problem in problems]
            self.log.add(
                odd,
                column,
                [f"{column} {problem}" for problem in problems if problem is not None],
            )
        return values

    def identifier(self, column: str, *, required: bool = True) -> pd.Series:
        """An id column (node id, SKU, order id) as trimmed text: at most
        MAX_ID_LENGTH characters, no control or invisible characters; empty is a
        reject when `required`."""
        values = self.required_text(column) if required else self.text(column)
        if not self.has(column) or not len(values):
            return values
        cells = pa.array(values.array)
        long = pa_compute.greater(pa_compute.utf8_length(cells), MAX_ID_LENGTH)
        long = long.to_numpy(zero_copy_only=False)
        self.log.add(
            long,
            column,
            f"{column} is longer than {MAX_ID_LENGTH} characters; shorten the id",
        )
        odd = ~pa_compute.utf8_is_printable(cells).to_numpy(zero_copy_only=False) & ~long
        if odd.any():
            odd[odd] = [name_problem(v) is not None for v in values[odd]]
            self.log.add(
                odd,
                column,
                f"{column} holds a control or invisible character (such as NUL, a line break "
                "or ESC): " + shown(values[odd]),
            )
        return values

    def flag(self, column: str, default: np.ndarray) -> np.ndarray:
        """Booleans from true/false, 1/0, yes/no (any case); empty takes `default`."""
        if not self.has(column):
            return default.copy()
        series = self.raw.frame[column]
        if pd.api.types.is_bool_dtype(series.dtype) and not series.isna().any():
            return series.to_numpy(dtype=bool)
        text = as_text(series).str.lower()
        if pd.api.types.is_float_dtype(series.dtype):
            text = text.str.replace(r"\.0$", "", regex=True)
        truthy = member(text, _TRUE)
        falsy = member(text, _FALSE)
        empty = (text == "").to_numpy()
        wrong = ~(truthy | falsy | empty)
        self.log.add(
            wrong,
            column,
            f"{column} must be true or false (or yes/no, 1/0), got "
            + shown(as_text(series)[wrong]),
        )
        return np.where(empty, default, truthy)

    def tags(self, column: str) -> pd.Series:
        """`;`-separated tags as tuples of trimmed, non-empty texts."""
        values = self.text(column)
        return pd.Series(
            [tuple(t.strip() for t in v.split(";") if t.strip()) if v else () for v in values],
            dtype=object,
        )

    def moment(self, column: str, timezone: str) -> pd.Series:
        """Instants in UTC; text without an offset is read in `timezone`."""
        series = self.raw.frame[column]
        if not pd.api.types.is_datetime64_any_dtype(series.dtype):
            series = as_text(series)
        values, empty, wrong = parse_moments(series, timezone)
        self.log.add(empty, column, f"{column} is empty; it must be an ISO 8601 date-time")
        if wrong.any():
            self.log.add(
                wrong,
                column,
                f"{column} must be an ISO 8601 date-time such as 2026-11-27T14:05:00+01:00, got "
                + shown(as_text(series)[wrong]),
            )
        instants = values.array.asi8
        outside = ~empty & ~wrong & ((instants < _EARLIEST) | (instants > _LATEST))
        if outside.any():
            got = shown(as_text(series)[outside])
            self.log.add(outside, column, f"{column} must be {INSTANT_RULE}, got " + got)
            values = values.where(~outside)
        return values

    def known(self, values: pd.Series, column: str, names, check: np.ndarray, what: str) -> None:
        """Reject cells (where `check` holds) naming something not in `names`."""
        if names is None:
            return
        names = pd.unique(pd.Series(list(names), dtype="str"))
        unknown = check & ~member(values, names)
        if not unknown.any():
            return
        hints = {}
        candidates = list(names) if len(names) < 5000 else []
        for value in pd.unique(values[unknown])[:_HINTED]:
            close = difflib.get_close_matches(value, candidates, n=1) if candidates else []
            hints[value] = f" (did you mean {close[0]!r}?)" if close else ""
        reasons = [
            f"{column} {v!r} is not a known {what}{hints.get(v, '')}"
            for v in values[unknown].tolist()
        ]
        self.log.add(unknown, column, reasons)

    def extras(self, known: Iterable[str]) -> dict[str, pd.Series]:
        """Columns outside the contract, kept; text columns that hold only numbers
        become numbers and true/false columns booleans (see docs/data.md)."""
        known = set(known)
        return {
            column: infer_column(self.raw.frame[column])
            for column in self.raw.frame.columns
            if column not in known
        }


def whole_numbers(values: np.ndarray, *, nullable: bool = False):
    """Floats `number` checked against a whole range (engine.limits: far inside
    int64) as int64, or Int64 with <NA> for NaN; NaN (an empty or rejected cell)
    is 0 when not `nullable`: rejected rows are dropped later."""
    if nullable:
        return pd.array(values, dtype="Float64").astype("Int64")
    return np.nan_to_num(values).astype("int64")


def as_text(series: pd.Series) -> pd.Series:
    """Trimmed text with '' for missing values, whatever the column's type."""
    if pd.api.types.is_string_dtype(series.dtype) and not pd.api.types.is_object_dtype(
        series.dtype
    ):
        return series.fillna("").str.strip()
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return pd.Series(
            np.where(series.isna(), "", _instants_as_text(series)), index=series.index, dtype="str"
        )
    if pd.api.types.is_float_dtype(series.dtype):
        text = series.astype("str").str.replace(r"\.0$", "", regex=True)
        return text.where(series.notna(), "").astype("str")
    out = series.astype("object").where(series.notna(), "")
    return out.astype("str").str.strip()


def _instants_as_text(series: pd.Series) -> np.ndarray:
    """Timestamps as pandas writes them; one outside Python's calendar (a Parquet
    timestamp in year 0) as numpy writes it, in UTC, so a reject can quote it."""
    try:
        return series.astype("str").to_numpy()
    except (NotImplementedError, ValueError, OverflowError):
        if series.dt.tz is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        return np.datetime_as_string(series.to_numpy()).astype(object)


def as_number(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(float values with NaN where unreadable, mask of empty cells)."""
    if pd.api.types.is_bool_dtype(series.dtype):
        series = series.astype("object")
    if pd.api.types.is_numeric_dtype(series.dtype):
        values = np.array(series.to_numpy(dtype=float, na_value=np.nan))
        return values, np.isnan(values)
    text = as_text(series)
    cells = pa.array(text.array)
    blank = pa_compute.equal(cells, "")
    empty = blank.to_numpy(zero_copy_only=False)
    try:  # Arrow reads plain numbers fast; anything odd goes the slow way
        values = pa_compute.cast(pa_compute.if_else(blank, None, cells), pa.float64())
        return values.to_numpy(zero_copy_only=False).astype(float, copy=True), empty
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        values = pd.to_numeric(text.where(~empty), errors="coerce")
        return np.array(values, dtype=float), empty


def member(text: pd.Series, allowed) -> np.ndarray:
    """Whether each cell of a text column is one of `allowed`."""
    cells = pa.array(text.array)
    choices = pa.array([str(a) for a in allowed], type=cells.type)
    return pa_compute.is_in(cells, value_set=choices).to_numpy(zero_copy_only=False)


_NUMBER = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")
_LEADING_ZERO = re.compile(r"^[+-]?0[0-9]")


def infer_column(series: pd.Series) -> pd.Series:
    """Text columns that are plainly numbers (no code such as `01000`) or
    true/false become typed; anything else stays as it came."""
    if not pd.api.types.is_string_dtype(series.dtype) or (
        series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) != "string"
    ):
        return series.reset_index(drop=True)
    text = as_text(series)
    filled = text[text != ""]
    if filled.empty:
        return text.reset_index(drop=True)
    if (
        filled.str.fullmatch(_NUMBER.pattern).all()
        and not filled.str.match(_LEADING_ZERO.pattern).any()
    ):
        numbers = pd.to_numeric(text.where(text != ""), errors="coerce")
        if (
            (text != "").all()
            and numbers.dtype.kind == "i"
            and not filled.str.contains(r"[.eE]").any()
        ):
            return numbers.astype("int64").reset_index(drop=True)
        return numbers.astype("float64").reset_index(drop=True)
    lowered = filled.str.lower()
    if lowered.isin(("true", "false")).all() and (text != "").all():
        return (text.str.lower() == "true").reset_index(drop=True)
    return text.reset_index(drop=True)
