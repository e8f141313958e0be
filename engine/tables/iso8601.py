"""One ISO 8601 date-time text read the way pandas' `to_datetime(format="ISO8601")`
reads it (numpy's parser, as pandas vendors it), for the texts the vectorised path
of `engine.tables.moments` leaves: other layouts (`20260302T100000Z`, `2026-3-2`,
`2026-03-02 10:00 +01:00`), seven digits of fraction, or nonsense.

The date may separate its parts with `-`, `.`, `/`, `\\` or a space (one kind), or
not at all (`YYYYMMDD`); month, day and hour may be one digit when separated; then
`T` or a space, hours, minutes, seconds (`:` optional, then two digits each), up
to 18 digits of fraction (read to the microsecond, the rest dropped); spaces may
come before the zone, which is `Z`, `±HH`, `±HHMM` or `±HH:MM` (`±H` and `±HH:M`
too). A year is four digits, or one to four after a `-` (before year 0).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import DataError

_SEPARATORS = "-./\\ "
_WHITESPACE = " \t\n\v\f\r"
_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
MICROS_PER_DAY = 86_400_000_000


@dataclass(frozen=True, slots=True)
class Reading:
    """A text read: microseconds since 1970 of its wall-clock time, and its offset
    from UTC in minutes when it gave one."""

    wall: int
    offset: int | None


def parse(text: str) -> Reading | None:
    """The reading of `text`, or None when it is not such a date-time."""
    try:
        return _Parser(text).read()
    except _Refused:
        return None


class _Refused(DataError):
    """Not such a date-time; caught by `parse`, never raised out of this module."""


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    # -- characters
    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def left(self) -> int:
        return len(self.text) - self.at

    def digit(self) -> bool:
        return self.peek() in "0123456789" and self.peek() != ""

    def take_digit(self) -> int:
        if not self.digit():
            raise _Refused
        self.at += 1
        return ord(self.text[self.at - 1]) - 48

    def skip_spaces(self) -> None:
        while self.peek() and self.peek() in _WHITESPACE:
            self.at += 1

    def pair(self, *, single: bool) -> tuple[int, bool]:
        """One or two digits: (their value, whether there were two); a lone digit
        is refused unless `single` allows it."""
        value = self.take_digit()
        if self.digit():
            return value * 10 + self.take_digit(), True
        if not single:
            raise _Refused
        return value, False

    # -- the parts
    def read(self) -> Reading:
        self.skip_spaces()
        year = self.year()
        if not self.left():
            return self.done(year, 1, 1, 0, 0, 0, 0, None)
        separator = self.date_separator()
        month, _ = self.pair(single=bool(separator))
        if not 1 <= month <= 12:
            raise _Refused
        if not self.left():
            if not separator:
                raise _Refused
            return self.done(year, month, 1, 0, 0, 0, 0, None)
        if separator:
            if self.peek() != separator or self.left() == 1:
                raise _Refused
            self.at += 1
        day, _ = self.pair(single=bool(separator))
        if not 1 <= day <= _days_in_month(year, month):
            raise _Refused
        if not self.left():
            return self.done(year, month, day, 0, 0, 0, 0, None)
        if self.peek() not in "T " or self.left() == 1:
            raise _Refused
        self.at += 1
        return self.time(year, month, day)

    def year(self) -> int:
        """Four digits, or one to four after a `-` (a year before year 0); no year
        (0) when neither comes first."""
        signed = self.peek() == "-"
        if signed:
            self.at += 1
        if signed and self.text[0] == "-":
            digits = ""
            while self.digit() and len(digits) < 4:
                digits += self.text[self.at]
                self.at += 1
            if not digits:
                raise _Refused
            return -int(digits)
        if not self.left():
            raise _Refused
        if self.left() >= 4 and all(c in "0123456789" for c in self.text[self.at : self.at + 4]):
            self.at += 4
            return int(self.text[self.at - 4 : self.at])
        return 0

    def date_separator(self) -> str:
        """The character between the year and the month ('' for none), which must
        then separate the month and the day too."""
        if self.digit():
            return ""
        separator = self.peek()
        if separator not in _SEPARATORS:
            raise _Refused
        self.at += 1
        if not self.digit():
            raise _Refused
        return separator

    def time(self, year: int, month: int, day: int) -> Reading:
        """Hours, then minutes, seconds and a fraction (`:` between them, or none
        at all), then the zone."""
        hour, two_digit_hour = self.pair(single=True)
        if hour >= 24:
            raise _Refused
        if not self.left():
            if not two_digit_hour:
                raise _Refused
            return self.done(year, month, day, hour, 0, 0, 0, None)
        colons = self.peek() == ":"
        if colons:
            self.at += 1
            if not self.digit():
                raise _Refused
        elif not self.digit():
            if not two_digit_hour:
                raise _Refused
            return self.zone(year, month, day, hour, 0, 0, 0)
        return self.minutes(year, month, day, hour, colons=colons)

    def minutes(self, year: int, month: int, day: int, hour: int, *, colons: bool) -> Reading:
        """Minutes, then seconds and a fraction, then the zone."""
        minute, _ = self.pair(single=colons)
        if minute >= 60:
            raise _Refused
        if not self.left():
            return self.done(year, month, day, hour, minute, 0, 0, None)
        if colons and self.peek() == ":":
            self.at += 1
            if not self.digit():
                raise _Refused
        elif colons or not self.digit():
            return self.zone(year, month, day, hour, minute, 0, 0)
        second, _ = self.pair(single=colons)
        if second >= 60:
            raise _Refused
        return self.zone(year, month, day, hour, minute, second, self.fraction())

    def fraction(self) -> int:
        """Microseconds of a `.` and up to 18 digits (those past the sixth dropped);
        0 without a `.`."""
        if self.peek() != ".":
            return 0
        self.at += 1
        digits = ""
        while self.digit() and len(digits) < 18:
            digits += self.text[self.at]
            self.at += 1
        return int((digits + "000000")[:6])

    def zone(
        self, year: int, month: int, day: int, hour: int, minute: int, second: int, micro: int
    ) -> Reading:
        moment = (year, month, day, hour, minute, second, micro)
        self.skip_spaces()
        if not self.left():
            return self.done(*moment, None)
        offset = None
        if self.peek() == "Z":
            offset = 0
            self.at += 1
        elif self.peek() in "+-":
            sign = -1 if self.peek() == "-" else 1
            self.at += 1
            hours = self.take_digit()
            if self.digit():
                hours = hours * 10 + self.take_digit()
                if hours >= 24:
                    raise _Refused
            minutes = 0
            if self.left():
                if self.peek() == ":":
                    self.at += 1
                minutes = self.take_digit()
                if self.digit():
                    minutes = minutes * 10 + self.take_digit()
                    if minutes >= 60:
                        raise _Refused
            offset = sign * (hours * 60 + minutes)
        self.skip_spaces()
        if self.left():
            raise _Refused
        return self.done(*moment, offset)

    @staticmethod
    def done(
        year: int, month: int, day: int, hour: int, minute: int, second: int, micro: int,
        offset: int | None,
    ) -> Reading:  # fmt: skip
        days = days_from_civil(year, month, day)
        wall = ((days * 24 + hour) * 60 + minute) * 60 + second
        return Reading(wall * 1_000_000 + micro, offset)


def _days_in_month(year: int, month: int) -> int:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 29 if month == 2 and leap else _DAYS[month - 1]


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to a day of the proleptic Gregorian calendar, any year."""
    year -= month <= 2
    era = year // 400
    of_era = year - era * 400
    of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    of_cycle = of_era * 365 + of_era // 4 - of_era // 100 + of_year
    return era * 146_097 + of_cycle - 719_468
