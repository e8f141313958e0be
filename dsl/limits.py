"""The limits of the language, in one place (docs/language.md, "Limits", states
them). Each keeps a hostile or mistaken ruleset from reaching a part of the
system that cannot take it: Python's recursion limit, its int-from-text limit,
floating-point infinity, screens full of one word.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from dsl.errors import SourcingError

MAX_NESTING = 64
"""Levels an expression may nest: each `not`, `(` and `[` opens one."""

MAX_SIGNIFICANT_DIGITS = 17
"""Enough for every double-precision number, so formatting any accepted number
writes a number that reads back to exactly the same value."""

MAX_MAGNITUDE_EXPONENT = 15
"""Numbers are below 10^15 in size: every whole number in range is exact as a
double, and no sum of a few of them overflows."""

MIN_MAGNITUDE_EXPONENT = -15
"""A number other than 0 is at least 10^-15 in size (smaller ones would read as 0)."""

FIRST_DATE = dt.date(1000, 1, 1)
LAST_DATE = dt.date(9998, 12, 31)
"""Dates (in windows and conditions) lie between these, both included: far enough
from the ends of the calendar that a day after a date, or a date's instant in any
time zone, still exists."""

MAX_CHAIN = 32
"""Strategies an `otherwise use` chain may hold, its first included: every order may be
tried down a chain, and the engine prepares each chain's steps ahead."""

MAX_NAME_LENGTH = 100
"""Characters in a strategy id, a field path or a bare word."""

MAX_TEXT_LENGTH = 1_000
"""Characters between the double quotes of a text."""

MAX_RULESET_BYTES = 8 * 1024 * 1024
"""Bytes in a ruleset file (8 MiB, some 25,000 strategies): checked in seconds, and
no device or runaway file is read past it."""

_NUMBER = re.compile(r"(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?")


class OutOfRange(SourcingError, ValueError):
    """A value outside a limit; the message says why and what to write instead. The
    language raises it for numbers (the parser reports it as a syntax error), the
    engine's `engine.limits.OutOfRange` derives from it."""


def read_number(text: str) -> int | float:
    """The value of a NUMBER token: an int when written without a point or an
    exponent, else a float. Raises `OutOfRange` past the limits above, before any
    conversion that could fail or lose the value."""
    match = _NUMBER.fullmatch(text)
    assert match, f"not a number token: {text!r}"
    sign, whole, fraction, exponent = match.groups()
    digits = (whole + (fraction or "")).lstrip("0")
    if not digits:  # 0, 0.0, 0e5: zero whatever the exponent
        return float(text) if fraction is not None or exponent is not None else 0
    shift = _exponent(exponent)
    magnitude = len(whole.lstrip("0")) - 1 if whole.lstrip("0") else None
    if magnitude is None:  # 0.000123: the first digit sits after the leading zeros
        magnitude = -(len(fraction) - len(fraction.lstrip("0")) + 1)
    magnitude += shift
    significant = digits.rstrip("0")
    if magnitude >= MAX_MAGNITUDE_EXPONENT:
        raise OutOfRange(
            f"`{_short(text)}` is too large: numbers must be below 10^{MAX_MAGNITUDE_EXPONENT} "
            "(1,000,000,000,000,000) in size"
        )
    if magnitude < MIN_MAGNITUDE_EXPONENT:
        raise OutOfRange(
            f"`{_short(text)}` is too small: a number other than 0 must be at least "
            f"10^{MIN_MAGNITUDE_EXPONENT} (0.000000000000001) in size"
        )
    if len(significant) > MAX_SIGNIFICANT_DIGITS:
        raise OutOfRange(
            f"`{_short(text)}` has {len(significant)} significant digits: numbers have at "
            f"most {MAX_SIGNIFICANT_DIGITS}"
        )
    if fraction is None and exponent is None:
        return int(sign + whole.lstrip("0"))
    value = float(text)
    if abs(value) >= 10.0**MAX_MAGNITUDE_EXPONENT:  # 999999999999999.99 rounds up to 10^15
        raise OutOfRange(
            f"`{_short(text)}` is too large: numbers must be below 10^{MAX_MAGNITUDE_EXPONENT} "
            "(1,000,000,000,000,000) in size"
        )
    return value


def _exponent(text: str | None) -> int:
    """The written exponent; one too long to matter is clamped (it is out of range
    either way), so no int is ever made from a long run of digits."""
    if text is None:
        return 0
    digits = text.lstrip("+-").lstrip("0") or "0"
    value = int(digits) if len(digits) <= 6 else 10**6
    return -value if text.startswith("-") else value


def _short(text: str, width: int = 40) -> str:
    """`text`, cut in the middle when longer than `width`, for a message."""
    if len(text) <= width:
        return text
    half = (width - 1) // 2
    return f"{text[:half]}\u2026{text[-half:]}"


# ------------------------------------------------------------- quoting values

NOT_IN_TEXT = frozenset({"Cc", "Cs"})
"""Control characters (NUL, line breaks, ESC) and lone surrogates."""
NOT_IN_NAMES = NOT_IN_TEXT | {"Cf", "Zl", "Zp"}
"""…and invisible format characters (bidi overrides, zero-width) and line or
paragraph separators: two ids that look the same must be the same."""


def escaped(text: str) -> str:
    """`text` with control, invisible and surrogate characters as `\\x..` /
    `\\u....` escapes: safe to print on a terminal or in a log line."""
    if text.isprintable():
        return text
    return "".join(c if unicodedata.category(c) not in NOT_IN_NAMES else _escape(c) for c in text)


def _escape(char: str) -> str:
    if unicodedata.category(char) == "Cc":
        return repr(char)[1:-1]  # \n, \t, \x00, \x1b
    return f"\\u{ord(char):04x}"


def shown(value: Any, width: int = 40) -> str:
    """A value as a message quotes it: text in quotes, cut after `width`
    characters, control characters escaped."""
    text = escaped(value if isinstance(value, str) else str(value))
    if len(text) > width:
        text = text[:width] + "…"
    return f"'{text}'" if isinstance(value, str) else text
