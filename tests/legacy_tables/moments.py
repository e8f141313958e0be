"""ISO 8601 date-times to UTC instants, vectorised.

A value with an offset (`Z`, `+01:00`, `+0100`) is that instant. A value
without one is a wall-clock time in the given time zone, read the way Python's
`zoneinfo` reads it with `fold=0`: at the autumn change a time that occurs
twice is the first occurrence (summer time), and in the spring gap a time that
never occurs takes the offset in force before the change (02:30 becomes 03:30
summer time). Same input, same instant, always.
"""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute

from legacy_tables.reading import TableError

_OFFSET = r"\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"
UNIT = "us"
_NOT_INSTANTS = ("now", "today")
_PAST_MICROSECONDS = r"([.,][0-9]{6})[0-9]+"
"""Words pandas reads as the current time: not ISO 8601, and never the same instant twice."""


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`, or a TableError a person can act on."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TableError(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Paris"
        ) from exc


def parse_moments(series: pd.Series, timezone: str) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """(UTC instants, mask of empty cells, mask of unreadable cells) from a
    datetime column or a column of trimmed text ('' for empty)."""
    tz = zone(timezone)
    size = len(series)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        values = series.reset_index(drop=True)
        if values.dt.tz is None:
            values = localize(values, tz)
        values = values.dt.tz_convert("UTC").dt.as_unit(UNIT)
        empty = values.isna().to_numpy()
        return values, empty, np.zeros(size, dtype=bool)
    text = series.reset_index(drop=True)
    empty = (text == "").to_numpy()
    with_offset = pa_compute.match_substring_regex(pa.array(text.array), _OFFSET)
    with_offset = with_offset.to_numpy(zero_copy_only=False)
    out = pd.Series(pd.NaT, index=text.index, dtype=f"datetime64[{UNIT}, UTC]")
    # Digits past the microsecond are dropped before parsing: one of them would make
    # pandas read the whole batch in nanoseconds, where years past 1677-2262 do not fit.
    text = text.str.replace(_PAST_MICROSECONDS, r"\1", regex=True)
    if with_offset.any():
        fixed = pd.to_datetime(
            text[with_offset].str.replace(",", ".", regex=False),
            format="ISO8601",
            utc=True,
            errors="coerce",
            cache=False,
        )
        out[with_offset] = fixed.dt.as_unit(UNIT)
    naive = ~with_offset & ~empty & ~text.isin(_NOT_INSTANTS).to_numpy()
    if naive.any():
        texts = text[naive].str.replace(",", ".", regex=False)
        try:
            wall = pd.to_datetime(texts, format="ISO8601", errors="coerce", cache=False)
        except ValueError:  # offsets in a layout the pattern missed, mixed with naive times
            wall = None
        if wall is None or wall.dt.tz is not None:
            out[naive] = _one_by_one(texts, tz)
        else:
            out[naive] = localize(wall, tz).dt.tz_convert("UTC").dt.as_unit(UNIT)
    wrong = out.isna().to_numpy() & ~empty
    return out, empty, wrong


def _one_by_one(texts: pd.Series, tz: ZoneInfo) -> pd.Series:
    """Instants from texts the offset pattern did not recognise, each distinct one
    parsed alone: with an offset after all (`20260302T100000Z`) it is that instant,
    else a wall-clock time in `tz`."""
    instants = {}
    for value in pd.unique(texts):
        # Read as a column of one: a lone string is read up to a NUL, a column is not.
        moment = pd.to_datetime(pd.Series([value]), format="ISO8601", errors="coerce").iloc[0]
        if moment is pd.NaT:
            instants[value] = pd.NaT.value
        elif moment.tzinfo is not None:
            instants[value] = int(moment.as_unit(UNIT).asm8.view("i8"))
        else:
            local = localize(pd.Series([moment]).dt.as_unit(UNIT), tz).iloc[0]
            instants[value] = int(local.as_unit(UNIT).asm8.view("i8"))
    # Counted in microseconds: a far year (0001) does not fit in nanoseconds.
    micros = np.array([instants[value] for value in texts], dtype=np.int64)
    return pd.Series(micros.view(f"datetime64[{UNIT}]"), index=texts.index).dt.tz_localize("UTC")


def localize(wall: pd.Series, tz: ZoneInfo) -> pd.Series:
    """Wall-clock times in `tz` to aware instants, `fold=0` at clock changes."""
    local = wall.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    gaps = local.isna().to_numpy() & wall.notna().to_numpy()
    if gaps.any():
        # Only the few times at a clock change: read each distinct one with zoneinfo.
        fixed = {}
        for value in pd.unique(wall[gaps]):
            moment = pd.Timestamp(value).to_pydatetime().replace(tzinfo=tz)
            fixed[value] = pd.Timestamp(moment.astimezone(UTC)).tz_convert(tz)
        local = local.copy()
        local[gaps] = [fixed[v] for v in wall[gaps]]
    return local
