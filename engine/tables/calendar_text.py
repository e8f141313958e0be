"""The calendar texts of the promise tables (docs/data.md, "Days, times and
dates"): day lists (`Mon-Fri`, `Mon;Wed;Fri`), clock times (`14:00`) and local
dates (`2026-12-25`), each read from its text and written back in one canonical
form. Pure Python: the loaders apply these once per distinct cell text.

A day list is held as a 7-bit set: bit 0 is Monday … bit 6 Sunday, the numbers
`datetime.date.weekday()` gives. Its grammar:

    list  = item *( ";" item )
    item  = day / day "-" day
    day   = "Mon" / "Tue" / "Wed" / "Thu" / "Fri" / "Sat" / "Sun"   (any case)

Spaces around an item, a `;` or a `-` are ignored. A range runs forward within
one week (`Fri-Mon` is refused: write `Mon;Fri-Sun`); `Mon-Mon` is Monday. Days
may repeat and ranges overlap: the list is their union. An empty entry
(`Mon;;Fri`, a `;` at either end) is refused. The canonical form lists the days
from Monday to Sunday, a run of three or more days as a range: `Mon-Fri`,
`Mon;Wed;Fri`, `Sat;Sun`, `Mon;Fri-Sun`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import re

from engine.errors import DataError
from engine.limits import FIRST_DAY, LAST_DAY, shown

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MON_FRI = 0b0011111
MON_SAT = 0b0111111
EVERY_DAY = 0b1111111
DAY_LIST_RULE = "days Mon…Sun separated by ';' or ranges such as Mon-Fri"

_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_FRENCH = (
    ("lun", "lundi"),
    ("mar", "mardi"),
    ("mer", "mercredi"),
    ("jeu", "jeudi"),
    ("ven", "vendredi"),
    ("sam", "samedi"),
    ("dim", "dimanche"),
)
_DAY_INDEX = {name.lower(): index for index, name in enumerate(DAY_NAMES)}
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212"
"""Hyphen look-alikes a spreadsheet may put in a range (–, —, −)."""

CLOCK_RULE = "a local time HH:MM from 00:00 to 23:59"
_CLOCK = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])(?::00)?", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_EPOCH = dt.date(1970, 1, 1)
DATE_RULE = "a date YYYY-MM-DD such as 2026-12-25"
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
"""In English whatever the locale (`calendar.month_name` follows it)."""
DAY_RANGE_RULE = f"a day from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"


class CalendarTextError(DataError):
    """A day list, clock time or date that cannot be read; the message says why."""


# ------------------------------------------------------------------ day lists


def parse_days(text: str) -> int:
    """The day set a day list names (see the module doc), or CalendarTextError."""
    days = 0
    for entry in text.split(";"):
        item = entry.strip()
        if not item:
            raise CalendarTextError("an entry is empty (two ';' in a row, or one at an end)")
        days |= _item_days(item)
    return days


def _item_days(item: str) -> int:
    dash = next((d for d in _DASHES if d in item), None)
    if dash is not None:
        raise CalendarTextError(f"write a range with '-' (a hyphen), not {shown(dash)}")
    for separator, name in ((",", "','"), ("/", "'/'")):
        if separator in item:
            raise CalendarTextError(f"separate days with ';', not {name}")
    ends = [end.strip() for end in item.split("-")]
    if len(ends) > 2 or not all(ends):
        raise CalendarTextError(f"{shown(item)} is not a day or a range of two days")
    first, last = (_day(end) for end in ends) if len(ends) == 2 else (_day(ends[0]),) * 2
    if first > last:
        wrapped = _span(first, 6) | _span(0, last)
        raise CalendarTextError(
            f"the range {DAY_NAMES[first]}-{DAY_NAMES[last]} runs backwards; a range runs "
            f"from Mon towards Sun: write {format_days(wrapped)}"
        )
    return _span(first, last)


def _span(first: int, last: int) -> int:
    """The days first..last (0 = Monday), both included."""
    return ((1 << (last + 1)) - 1) & ~((1 << first) - 1)


def _day(word: str) -> int:
    index = _DAY_INDEX.get(word.lower())
    if index is not None:
        return index
    if any(space in word for space in " \t"):
        raise CalendarTextError("separate days with ';', not spaces")
    lowered = word.lower()
    for index, (short, full) in enumerate(_FRENCH):
        if lowered in (short, full):
            raise CalendarTextError(
                f"unknown day {shown(word)} (days are written in English: "
                f"did you mean {DAY_NAMES[index]}?)"
            )
    hint = _closest_day(lowered)
    if hint is not None:
        raise CalendarTextError(f"unknown day {shown(word)} (did you mean {hint}?)")
    raise CalendarTextError(f"unknown day {shown(word)}; the days are {', '.join(DAY_NAMES)}")


def _closest_day(word: str) -> str | None:
    """The day a misspelt name means, if one clearly fits: the only full English
    name it begins (two letters at least: `thurs`), else the closest name."""
    if len(word) >= 2:
        starts = [i for i, full in enumerate(_FULL_NAMES) if full.startswith(word)]
        if len(starts) == 1:
            return DAY_NAMES[starts[0]]
    names = [name.lower() for name in DAY_NAMES] + list(_FULL_NAMES)
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    return DAY_NAMES[names.index(close[0]) % 7] if close else None


def format_days(days: int) -> str:
    """The canonical text of a non-empty day set (see the module doc)."""
    if not 0 < days <= EVERY_DAY:
        raise ValueError(f"a day set is a non-empty 7-bit set, got {days!r}")
    parts = []
    day = 0
    while day < 7:
        if not days >> day & 1:
            day += 1
            continue
        end = day
        while end + 1 < 7 and days >> (end + 1) & 1:
            end += 1
        if end - day >= 2:
            parts.append(f"{DAY_NAMES[day]}-{DAY_NAMES[end]}")
        else:
            parts += DAY_NAMES[day : end + 1]
        day = end + 1
    return ";".join(parts)


def weekday(day_number: int) -> int:
    """The weekday (0 = Monday) of a day number (days since 1970-01-01, a Thursday)."""
    return (day_number + 3) % 7


# ---------------------------------------------------------------- clock times


def parse_clock(text: str) -> int:
    """Minutes after midnight of `HH:MM` (one-digit hours allowed, `9:30`; a
    `:00` of seconds too, as a time column is written), or CalendarTextError."""
    match = _CLOCK.fullmatch(text)
    if match is None:
        raise CalendarTextError("")
    return int(match.group(1)) * 60 + int(match.group(2))


def format_clock(minutes: int) -> str:
    """`HH:MM` of minutes after midnight."""
    if not 0 <= minutes < 24 * 60:
        raise ValueError(f"a time of day is 0 to 1439 minutes, got {minutes!r}")
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# ---------------------------------------------------------------- local dates


class DayOutOfRange(CalendarTextError):
    """A real date outside the days the engine accepts (1970–2200)."""


def parse_date(text: str) -> int:
    """The day number (days since 1970-01-01) of a `YYYY-MM-DD` date from
    1970-01-01 to 2200-12-31. CalendarTextError for another text (its message
    says why a text of that shape is no date: `2026-02-30`), DayOutOfRange for a
    date outside those years."""
    if _DATE.fullmatch(text) is None:
        raise CalendarTextError("")
    year, month, day_of_month = (int(part) for part in text.split("-"))
    if not 1 <= month <= 12:
        raise CalendarTextError(f"there is no month {month}")
    length = calendar.monthrange(year, month)[1] if year else 31
    if not 1 <= day_of_month <= length:
        raise CalendarTextError(f"{_MONTHS[month - 1]} {year} has {length} days")
    if not year:
        raise DayOutOfRange("")
    day = dt.date(year, month, day_of_month)
    if not FIRST_DAY <= day <= LAST_DAY:
        raise DayOutOfRange("")
    return (day - _EPOCH).days


def date_of(day_number: int) -> dt.date:
    """The date of a day number (days since 1970-01-01)."""
    return _EPOCH + dt.timedelta(days=day_number)


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01 of a date (a datetime is taken as its date)."""
    if isinstance(day, dt.datetime):
        day = day.date()
    return (day - _EPOCH).days
