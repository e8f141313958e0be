"""ISO 8601 date-times to UTC instants (microseconds since 1970), vectorised.

A value with an offset (`Z`, `+01:00`, `+0100`) is that instant. A value
without one is a wall-clock time in the given time zone, read the way Python's
`zoneinfo` reads it with `fold=0`: at the autumn change a time that occurs
twice is the first occurrence (summer time), and in the spring gap a time that
never occurs takes the offset in force before the change (02:30 becomes 03:30
summer time). Same input, same instant, always.

The common layouts (`2026-03-02T10:00:00+01:00`, `2026-03-02 10:00`, a bare
date) are read by Arrow all at once; any other text is read on its own by
`engine.tables.iso8601`, which accepts what pandas' ISO 8601 parser accepts.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.arrow import EMPTY, Ints, Mask, from_numpy, row_indices, str_list, to_numpy
from engine.tables import iso8601
from engine.tables.iso8601 import MICROS_PER_DAY
from engine.tables.raw import TableError

MISSING = np.iinfo(np.int64).min
"""The instant of a cell that has none (empty or unreadable)."""
_DATE = r"^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
_ZONE = r"(?:Z|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)$"
_PLAIN_INSTANT = f"{_DATE}[T ]{_TIME}{_ZONE}"
_PLAIN_WALL = f"{_DATE}(?:[T ]{_TIME})?$"
"""The layouts Arrow reads exactly as pandas' parser does; a day past its month's
end (`2026-02-30`) makes Arrow refuse the lot, which then goes one by one."""
_FIXED_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")
_UNITS = {"s": 1_000_000, "ms": 1_000, "us": 1}


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`, or a TableError a person can act on."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TableError(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Paris"
        ) from exc


def parse_moments(values: pa.Array[Any], timezone: str) -> tuple[Ints, Mask, Mask]:
    """(UTC instants in microseconds, MISSING where none; mask of empty cells; mask
    of unreadable cells) from a timestamp column or a column of trimmed text
    ('' for empty)."""
    tz = zone(timezone)
    if pa.types.is_timestamp(values.type):
        return _typed(values, tz)
    size = len(values)
    empty = to_numpy(pc.equal(values, EMPTY))
    readable, out = _read_plain(values, _PLAIN_INSTANT, pa.timestamp("us", tz="UTC"))
    rest = np.flatnonzero(~readable & ~empty)
    if len(rest):
        texts = pc.replace_substring(values.take(row_indices(rest)), ",", ".")
        plain, ticks = _read_plain(texts, _PLAIN_WALL, pa.timestamp("us"))
        walls = np.full(size, MISSING, dtype=np.int64)
        walls[rest[plain]] = ticks[plain]
        local = np.zeros(size, dtype=bool)
        local[rest[plain]] = True
        readable |= local
        if not plain.all():
            others = ~plain
            _one_by_one(texts.filter(from_numpy(others)), rest[others], out, walls, readable, local)
        if local.any():
            out[local] = localize(walls[local], tz)
    return out, empty, ~readable & ~empty


def _read_plain(texts: pa.Array[Any], layout: str, kind: pa.DataType) -> tuple[Mask, Ints]:
    """(which texts Arrow reads, their microseconds or MISSING): those in the
    `layout`, unless Arrow refuses one of them (a day past its month's end), which
    leaves them all to the one-by-one path."""
    where = to_numpy(pc.match_substring_regex(texts, layout))
    ticks = np.full(len(texts), MISSING, dtype=np.int64)
    if not where.any():
        return where, ticks
    chosen = texts if where.all() else texts.filter(from_numpy(where))
    try:
        read = chosen.cast(kind)
    except pa.ArrowInvalid:
        return np.zeros(len(texts), dtype=bool), ticks
    ticks[where] = to_numpy(read.cast(pa.int64()))
    return where, ticks


def _one_by_one(
    texts: pa.Array[Any], positions: Ints, out: Ints, walls: Ints, readable: Mask, local: Mask
) -> None:
    """Each distinct text Arrow did not read (commas already made dots), read
    alone: with an offset it is that instant (`20260302T100000Z` too), without
    one a wall-clock time."""
    cells = str_list(texts)
    readings = {text: iso8601.parse(text) for text in dict.fromkeys(cells)}
    for position, text in zip(positions.tolist(), cells, strict=True):
        reading = readings[text]
        if reading is None:
            continue
        readable[position] = True
        if reading.offset is None:
            walls[position] = reading.wall
            local[position] = True
        else:
            out[position] = reading.wall - reading.offset * 60_000_000


def instants(micros: Ints) -> pa.Array[Any]:
    """Microseconds since 1970 as UTC timestamps, null where MISSING."""
    return from_numpy(micros, pa.timestamp("us", tz="UTC"), missing=micros == MISSING)


def _typed(values: pa.Array[Any], tz: ZoneInfo) -> tuple[Ints, Mask, Mask]:
    """A Parquet or DataFrame timestamp column: an aware one as instants, a naive
    one as wall-clock times in `tz`; microseconds, finer ticks dropped."""
    kind = values.type
    ticks = to_numpy(values.cast(pa.int64()))
    empty = to_numpy(values.is_null())
    if kind.unit == "ns":
        micros = ticks // 1_000
    else:  # a tick too far to count in microseconds stays far outside every range
        scale = _UNITS[kind.unit]
        limit = np.iinfo(np.int64).max // scale - 1
        micros = np.clip(ticks, -limit, limit) * scale
    if kind.tz is None:
        micros = np.where(empty, 0, micros)
        micros = localize(micros, tz)
    out = np.where(empty, MISSING, micros)
    return out, empty, np.zeros(len(values), dtype=bool)


def localize(walls: Ints, tz: tzinfo) -> Ints:
    """Wall-clock times in `tz` (microseconds since 1970 as if in UTC) to UTC
    instants, `fold=0` at clock changes (as `datetime.replace(tzinfo=tz)` reads
    them). The offset of each day is asked of `tz` at 00:00, 12:00 and 24:00: a
    day where they agree has one offset; the wall-clock times of a day where they
    differ (a clock change) are read one by one. Days outside Python's calendar
    keep offset 0: they lie far outside every range the loaders accept."""
    out = walls.copy()
    days = walls // MICROS_PER_DAY
    distinct, inverse = np.unique(days, return_inverse=True)
    offsets = np.zeros(len(distinct), dtype=np.int64)
    changing = np.zeros(len(distinct), dtype=bool)
    for index, day in enumerate(distinct.tolist()):
        probes = _probes(day, tz)
        if probes is None:
            continue
        if probes[0] == probes[1] == probes[2]:
            offsets[index] = probes[0]
        else:
            changing[index] = True
    out -= offsets[inverse]
    at_change = changing[inverse]
    if at_change.any():
        fixed = {}
        for wall in np.unique(walls[at_change]).tolist():
            moment = _EPOCH + timedelta(microseconds=wall)
            fixed[wall] = wall - _offset_at(moment, tz)
        out[at_change] = [fixed[w] for w in walls[at_change].tolist()]
    return out


_EPOCH = datetime(1970, 1, 1)
_FIRST_DAY = (datetime.min - _EPOCH).days
_LAST_DAY = (datetime.max - _EPOCH).days


def _probes(day: int, tz: tzinfo) -> tuple[int, int, int] | None:
    """The UTC offsets (microseconds) in force at 00:00, 12:00 and 24:00 of `day`
    (the last instant of Python's calendar for its last day)."""
    if not _FIRST_DAY <= day <= _LAST_DAY:
        return None
    start = _EPOCH + timedelta(days=day)
    end = start + timedelta(days=1) if day < _LAST_DAY else datetime.max
    return _offset_at(start, tz), _offset_at(start + timedelta(hours=12), tz), _offset_at(end, tz)


def _offset_at(wall: datetime, tz: tzinfo) -> int:
    """The UTC offset (microseconds) of the naive wall-clock time `wall` in `tz`, fold=0."""
    offset = wall.replace(tzinfo=tz).utcoffset()
    return 0 if offset is None else offset // timedelta(microseconds=1)


def tzinfo_of(name: str | None) -> tzinfo | None:
    """The zone an Arrow timestamp type names: None, UTC, a fixed offset
    (`+01:00`) or an IANA zone."""
    if name is None:
        return None
    if name.upper() in ("UTC", "Z"):
        return UTC
    fixed = _FIXED_OFFSET.fullmatch(name)
    if fixed:
        sign = -1 if fixed.group(1) == "-" else 1
        return timezone(sign * timedelta(hours=int(fixed.group(2)), minutes=int(fixed.group(3))))
    return ZoneInfo(name)
