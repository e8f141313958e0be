"""The calendar texts of the promise tables (docs/data.md, "Days, times and
dates"): day lists (`Mon-Fri`, `Mon;Wed;Fri`), clock times (`14:00`) and local
dates (`2026-12-25`), each read from its text and written back in one canonical
form. Pure Python: the loaders apply these once per distinct cell text.

The day-list grammar is the language's (dsl.days, one grammar for the tables
and the checker); here its refusals become CalendarTextError, which the
loaders turn into rejected rows.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from dsl import days as dsl_days
from dsl.days import DAY_LIST_RULE as DAY_LIST_RULE
from dsl.days import DAY_NAMES as DAY_NAMES
from dsl.days import EVERY_DAY as EVERY_DAY
from dsl.days import MON_FRI as MON_FRI
from dsl.days import MON_SAT as MON_SAT
from dsl.days import format_days as format_days
from engine.errors import DataError
from engine.limits import FIRST_DAY, LAST_DAY

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
    """The 7-bit day set a day list names (dsl.days), or CalendarTextError."""
    try:
        return dsl_days.parse_days(text)
    except ValueError as error:
        raise CalendarTextError(str(error)) from None


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
