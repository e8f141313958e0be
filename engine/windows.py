"""Effective windows: `effective` clauses become half-open UTC intervals.

A bare date is the whole day in the ruleset's time zone and a date-time is the
minute, both ends inclusive; as instants that is `[start, end_exclusive)`
where the end is the next local midnight (or the next minute). Conversion goes
through zoneinfo, so DST changes move the UTC instants as they should. A local
time that does not exist (the hour skipped in spring) or occurs twice (autumn)
is read with `fold=0`, i.e. with the offset in force before the change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

from dsl import syntax as s

UTC = dt.UTC
_NEVER = dt.datetime.max.replace(tzinfo=UTC)
"""An instant no day starts at: no day is cached until `day` asks."""
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Window:
    """`[start, end)` in UTC; `None` means open on that side."""

    start: dt.datetime | None
    end: dt.datetime | None

    def holds(self, instant: dt.datetime) -> bool:
        return (self.start is None or self.start <= instant) and (
            self.end is None or instant < self.end
        )


def zone(name: str | None) -> ZoneInfo:
    """The ruleset's time zone (UTC when none is given)."""
    return ZoneInfo(name or "UTC")


def moment_start(moment: s.Moment, tz: ZoneInfo) -> dt.datetime:
    """The first instant of a date (local midnight) or of a minute, in UTC."""
    local = dt.datetime.combine(moment.day, moment.minute or dt.time(0, 0), tzinfo=tz)
    return local.astimezone(UTC)


def moment_end(moment: s.Moment, tz: ZoneInfo) -> dt.datetime:
    """The first instant after a date (next local midnight) or after a minute, in UTC."""
    if moment.minute is None:
        local = dt.datetime.combine(moment.day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=tz)
    else:
        local = dt.datetime.combine(moment.day, moment.minute, tzinfo=tz)
        # Add the minute in UTC so a minute next to a DST change is still one minute.
        return local.astimezone(UTC) + dt.timedelta(minutes=1)
    return local.astimezone(UTC)


def effective_window(effective: s.Effective, tz: ZoneInfo) -> Window:
    """One `effective` clause as a half-open UTC interval."""
    start = moment_start(effective.start, tz) if effective.start is not None else None
    end = moment_end(effective.end, tz) if effective.end is not None else None
    return Window(start, end)


def in_force(windows: tuple[Window, ...], instant: dt.datetime) -> bool:
    """Several `effective` lines are a union; no line at all means always."""
    return not windows or any(window.holds(instant) for window in windows)


def as_instant(value: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """An aware UTC instant; a naive time is read in the ruleset's zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


class LocalDays:
    """Maps instants to local calendar days, remembering the last day's bounds
    so that orders arriving in time order convert in a comparison or two."""

    __slots__ = ("tz", "_start", "_end", "_day")

    def __init__(self, tz: ZoneInfo):
        self.tz = tz
        self._start = self._end = _NEVER  # no day cached yet
        self._day = dt.date.min

    def day(self, instant: dt.datetime) -> dt.date:
        if self._start <= instant < self._end:
            return self._day
        day = instant.astimezone(self.tz).date()
        self._day = day
        self._start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=self.tz).astimezone(UTC)
        self._end = dt.datetime.combine(
            day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=self.tz
        ).astimezone(UTC)
        return day


def day_starts(tz: ZoneInfo, first_ns: int, last_ns: int) -> tuple[list[dt.date], np.ndarray]:
    """The local days (in `tz`) that instants from `first_ns` to `last_ns` (nanoseconds
    since 1970 UTC) fall on, and the first instant of each as nanoseconds: an instant's
    day is the last whose start is not after it."""
    first = _EPOCH + dt.timedelta(microseconds=first_ns // 1_000)
    last = _EPOCH + dt.timedelta(microseconds=last_ns // 1_000)
    day = first.astimezone(tz).date()
    end = last.astimezone(tz).date()
    days, starts = [], []
    while day <= end:
        midnight = dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz).astimezone(UTC)
        delta = midnight - _EPOCH
        starts.append((delta.days * 86_400 + delta.seconds) * 1_000_000_000)
        days.append(day)
        day += dt.timedelta(days=1)
    return days, np.array(starts, dtype=np.int64)
