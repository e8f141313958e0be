"""Cells as text: what a cell says whatever the column's type (the text a reject
quotes, the text a text column keeps), and the quoting of values in reasons.

A CSV cell is its text, trimmed. A typed cell (Parquet, DataFrame) is written the
way pandas writes it: `5`, `2.5` (a float's `.0` dropped: `3`), `True`, a date-time
as `2026-03-02 10:00:00+01:00`; a missing cell is ''.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.arrow import EMPTY, Mask, blank_texts, text_buffers, text_bytes, to_numpy
from engine.arrow import texts as text_array
from engine.limits import escaped
from engine.tables.moments import tzinfo_of
from engine.tables.raw import as_string, is_text

SHOWN_MAX = 40
"""Characters of a cell a reason quotes (then `…`)."""

NUMBER_PATTERN = (
    r"^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
    r"|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN])$"
)
"""A number as the loaders read it: digits 0-9 with an optional sign, decimal point
and exponent, or inf, infinity or nan in any case (nan is read, then refused by
every range). Arrow's cast to float64 reads every text this matches."""
_SHOWN_NUMBER = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity)",
    re.ASCII | re.IGNORECASE,
)
"""What a reason writes bare: a number that is not NaN."""
_FLOAT_POINT_ZERO = re.compile(r"\.0$")


_SPACE_STARTS = np.zeros(256, dtype=bool)
_SPACE_STARTS[[0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20]] = True
_SPACE_ENDS = _SPACE_STARTS.copy()
_SPACE_STARTS[[0xC2, 0xE1, 0xE2, 0xE3]] = True  # the lead bytes of U+0085 … U+3000
_SPACE_ENDS[0x80:0xC0] = True  # the last byte of any character past ASCII
"""Bytes a cell's first (last) byte can be when the cell starts (ends) with a
space of any kind: the whitespace Arrow's trim removes, U+0085 and U+00A0 to
U+3000 included."""


def may_need_trim(values: pa.Array[Any]) -> bool:
    """Whether a cell of a `string` column may start or end with a space: decided
    on the first and last byte of each cell, so a column of trimmed text is left
    as it is without being copied."""
    offsets, content = text_buffers(values)
    if not len(content):
        return False
    # An empty cell reads a byte of a neighbour: at worst a needless trim.
    firsts = content[np.minimum(offsets[:-1], len(content) - 1)]
    lasts = content[offsets[1:] - 1]
    return bool(_SPACE_STARTS[firsts].any() or _SPACE_ENDS[lasts].any())


def printable(values: pa.Array[Any]) -> Mask:
    """Which cells hold only printable characters (as Arrow's utf8_is_printable
    says); a column of plain ASCII text, the common case, is settled by one scan
    of its bytes."""
    if pa.types.is_string(values.type) and not ((text_bytes(values) - np.uint8(0x20)) > 0x5E).any():
        return np.ones(len(values), dtype=bool)
    return to_numpy(pc.utf8_is_printable(values))


def cell_text(values: pa.Array[Any]) -> pa.Array[Any]:
    """Every cell as trimmed text, '' for a missing one (see the module's docstring)."""
    kind = values.type
    if pa.types.is_dictionary(kind):
        return cell_text(values.cast(kind.value_type))
    if is_text(values):
        values = as_string(values).fill_null(EMPTY)
        return pc.utf8_trim_whitespace(values) if may_need_trim(values) else values
    if pa.types.is_floating(kind):
        texts = [
            "" if v is None or v != v else _FLOAT_POINT_ZERO.sub("", str(v))
            for v in values.to_pylist()
        ]
        return text_array(texts)
    if pa.types.is_integer(kind) or pa.types.is_date(kind) or pa.types.is_decimal(kind):
        return as_string(values).fill_null(EMPTY)
    if pa.types.is_boolean(kind):
        return text_array(["" if v is None else str(v) for v in values.to_pylist()])
    if pa.types.is_timestamp(kind):
        return text_array(instant_texts(values))
    if pa.types.is_time(kind):
        return text_array(time_texts(values))
    if pa.types.is_null(kind):
        return blank_texts(len(values))
    texts = []
    for value in values.to_pylist():
        texts.append("" if value is None else str(value).strip())
    return text_array(texts)


def instant_texts(values: pa.Array[Any]) -> list[str]:
    """Timestamps written as pandas writes a column of them: `2026-03-02 10:00:00`
    (a naive column of midnights as bare dates), fractions of a second at the finest
    precision any cell needs, an aware column with its zone's offset; '' for a
    missing cell. A column reaching outside Python's calendar is written as numpy
    writes it, in UTC (`0000-12-31T23:59:59.999999`)."""
    kind = values.type
    per_second = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[kind.unit]
    ticks = to_numpy(values.cast(pa.int64()))
    valid = to_numpy(values.is_valid())
    zone = tzinfo_of(kind.tz)
    try:
        walls = [_wall(int(t), per_second, zone) for t in ticks[valid]]
    except (OverflowError, ValueError):
        by_numpy = np.datetime_as_string(ticks.astype(f"datetime64[{kind.unit}]"))
        return [str(t) if ok else "" for t, ok in zip(by_numpy, valid, strict=True)]
    nanos = [int(t) % per_second * 10**9 // per_second for t in ticks[valid]]
    digits = (
        9
        if any(n % 1_000 for n in nanos)
        else 6
        if any(n % 10**6 for n in nanos)
        else (3 if any(nanos) else 0)
    )
    dates_only = zone is None and not digits and all(w[0].time() == time() for w in walls)
    written = iter(zip(walls, nanos, strict=True))
    texts = []
    for ok in valid:
        if not ok:
            texts.append("")
            continue
        (moment, offset), nano = next(written)
        text = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        if not dates_only:
            text += f" {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
            text += f".{nano:09d}"[: digits + 1] if digits else ""
            text += _offset_text(offset) if zone is not None else ""
        texts.append(text)
    return texts


def time_texts(values: pa.Array[Any]) -> list[str]:
    """Times of day as Python writes them (`14:00:00`, `09:30:05.000120`), '' for a
    missing cell; a tick outside the day, which is no time of day, as Arrow writes
    it (`<value out of range: 90000>`)."""
    kind = values.type
    per_second = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[kind.unit]
    ticks = to_numpy(values.cast(pa.int32() if kind.bit_width == 32 else pa.int64()))
    valid = to_numpy(values.is_valid())
    texts = []
    for tick, ok in zip(ticks.tolist(), valid, strict=True):
        if not ok:
            texts.append("")
        elif 0 <= tick < 86_400 * per_second:
            micros = tick * 1_000_000 // per_second
            texts.append(str((datetime.min + timedelta(microseconds=micros)).time()))
        else:
            texts.append(f"<value out of range: {tick}>")
    return texts


def _wall(tick: int, per_second: int, zone: tzinfo | None) -> tuple[datetime, timedelta]:
    """The wall-clock time (to the second) of a tick and its zone's offset."""
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=tick // per_second)
    if zone is None:
        return moment.replace(tzinfo=None), timedelta(0)
    local = moment.astimezone(zone)
    return local.replace(tzinfo=None), local.utcoffset() or timedelta(0)


def _offset_text(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{'-' if offset < timedelta(0) else '+'}{hours:02d}:{minutes:02d}"
    return text + (f":{seconds:02d}" if seconds else "")


def shown(texts: Sequence[str]) -> list[str]:
    """Cell texts as a reason quotes them: numbers bare, other text in double
    quotes, cut after SHOWN_MAX characters; control and invisible characters
    escaped (a reason is printed on terminals)."""
    cut = [t if len(t) <= SHOWN_MAX else t[:SHOWN_MAX] + "…" for t in texts]
    if cut and not pc.all(pc.utf8_is_printable(text_array(cut))).as_py():
        cut = [escaped(t) for t in cut]
    return [t if _SHOWN_NUMBER.fullmatch(t) else f'"{t}"' for t in cut]
