"""Lists of days of the week as the data writes them (`Mon-Fri`, `Mon;Wed;Fri`):
the carriers' pickup and delivery days and the nodes' open days. One grammar,
here, for the tables' loaders (engine.tables, which turn a ValueError into a
rejected row) and for the checker (`carrier.pickup_days has "Sat"`); docs/data.md,
"Days, times and dates", states it.

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

import difflib

from dsl.limits import shown
from dsl.schema import WEEKDAYS

DAY_NAMES = WEEKDAYS
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


def parse_days(text: str) -> int:
    """The day set a day list names (see the module doc); ValueError saying why
    for a text the grammar refuses."""
    days = 0
    for entry in text.split(";"):
        item = entry.strip()
        if not item:
            raise ValueError("an entry is empty (two ';' in a row, or one at an end)")
        days |= _item_days(item)
    return days


def read_days(text: str) -> tuple[str, ...]:
    """The days `text` names, in week order (`("Mon", "Wed")`), as the language
    reads a day list; an empty (or blank) text names no day. ValueError as
    `parse_days` for a text the grammar refuses."""
    return day_names(parse_days(text)) if text.strip() else ()


def day_names(days: int) -> tuple[str, ...]:
    """The names of the days of a 7-bit day set, Monday first."""
    return tuple(name for index, name in enumerate(DAY_NAMES) if days >> index & 1)


def _item_days(item: str) -> int:
    dash = next((d for d in _DASHES if d in item), None)
    if dash is not None:
        raise ValueError(f"write a range with '-' (a hyphen), not {shown(dash)}")
    for separator, name in ((",", "','"), ("/", "'/'")):
        if separator in item:
            raise ValueError(f"separate days with ';', not {name}")
    ends = [end.strip() for end in item.split("-")]
    if len(ends) > 2 or not all(ends):
        raise ValueError(f"{shown(item)} is not a day or a range of two days")
    first, last = (_day(end) for end in ends) if len(ends) == 2 else (_day(ends[0]),) * 2
    if first > last:
        wrapped = _span(first, 6) | _span(0, last)
        raise ValueError(
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
        raise ValueError("separate days with ';', not spaces")
    lowered = word.lower()
    for index, (short, full) in enumerate(_FRENCH):
        if lowered in (short, full):
            raise ValueError(
                f"unknown day {shown(word)} (days are written in English: "
                f"did you mean {DAY_NAMES[index]}?)"
            )
    hint = _closest_day(lowered)
    if hint is not None:
        raise ValueError(f"unknown day {shown(word)} (did you mean {hint}?)")
    raise ValueError(f"unknown day {shown(word)}; the days are {', '.join(DAY_NAMES)}")


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
