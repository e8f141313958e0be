"""The calendar texts of the promise tables: day lists (`Mon-Fri`, `Mon;Wed;Fri`)
read and written back (a property over every way of writing a list), clock
times and local dates, and the reason given for every form refused."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.tables.calendar_text import (
    DAY_NAMES,
    EVERY_DAY,
    MON_FRI,
    MON_SAT,
    CalendarTextError,
    DayOutOfRange,
    date_of,
    format_clock,
    format_days,
    parse_clock,
    parse_date,
    parse_days,
    weekday,
)

# ------------------------------------------------------------------ day lists


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("Mon-Fri", ["Mon", "Tue", "Wed", "Thu", "Fri"]),
        ("Mon-Sat", ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]),
        ("Mon;Wed;Fri", ["Mon", "Wed", "Fri"]),
        ("mon - fri", ["Mon", "Tue", "Wed", "Thu", "Fri"]),
        (" SAT ; sun ", ["Sat", "Sun"]),
        ("Mon-Mon", ["Mon"]),
        ("Mon-Wed;Tue-Thu;Mon", ["Mon", "Tue", "Wed", "Thu"]),
        ("Sun", ["Sun"]),
        ("Mon-Sun", list(DAY_NAMES)),
    ],
)
def test_day_lists_name_these_days(text, days):
    mask = parse_days(text)
    assert [name for i, name in enumerate(DAY_NAMES) if mask >> i & 1] == days


@pytest.mark.parametrize(
    ("mask", "text"),
    [
        (MON_FRI, "Mon-Fri"),
        (MON_SAT, "Mon-Sat"),
        (EVERY_DAY, "Mon-Sun"),
        (0b0010101, "Mon;Wed;Fri"),
        (0b1100000, "Sat;Sun"),
        (0b1110001, "Mon;Fri-Sun"),
        (0b0000011, "Mon;Tue"),
        (0b1011111, "Mon-Fri;Sun"),
    ],
)
def test_day_sets_are_written_in_one_canonical_form(mask, text):
    assert format_days(mask) == text


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "Fri-Mon",
            "the range Fri-Mon runs backwards; a range runs from Mon towards Sun: "
            "write Mon;Fri-Sun",
        ),
        ("Sun-Sat", "the range Sun-Sat runs backwards; a range runs from Mon towards Sun"),
        ("Thurs", "unknown day 'Thurs' (did you mean Thu?)"),
        ("Monday", "unknown day 'Monday' (did you mean Mon?)"),
        ("Lun-Ven", "unknown day 'Lun' (days are written in English: did you mean Mon?)"),
        ("xyz", "unknown day 'xyz'; the days are Mon, Tue, Wed, Thu, Fri, Sat, Sun"),
        ("Mon;;Fri", "an entry is empty (two ';' in a row, or one at an end)"),
        ("Mon;", "an entry is empty"),
        (";", "an entry is empty"),
        ("Mon,Wed", "separate days with ';', not ','"),
        ("Mon/Wed", "separate days with ';', not '/'"),
        ("Mon Wed", "separate days with ';', not spaces"),
        ("Mon\u2013Fri", "write a range with '-' (a hyphen), not '\u2013'"),
        ("Mon-Tue-Wed", "'Mon-Tue-Wed' is not a day or a range of two days"),
        ("Mon-", "'Mon-' is not a day or a range of two days"),
        ("-Fri", "'-Fri' is not a day or a range of two days"),
    ],
)
def test_refused_day_lists_say_why(text, problem):
    with pytest.raises(CalendarTextError) as refused:
        parse_days(text)
    assert str(refused.value).startswith(problem)


def test_an_empty_day_set_has_no_text():
    with pytest.raises(ValueError, match="non-empty"):
        format_days(0)


@st.composite
def written_day_lists(draw) -> tuple[str, int]:
    """A day list written any way the grammar allows (days and forward ranges,
    repeats and overlaps, any case, spaces around the separators), and the set of
    days it names, worked out here on its own."""
    entries, days = [], set()
    for _ in range(draw(st.integers(1, 6))):
        first = draw(st.integers(0, 6))
        last = draw(st.integers(first, 6)) if draw(st.booleans()) else None
        names = [_any_case(draw, DAY_NAMES[first])]
        if last is not None:
            names.append(_any_case(draw, DAY_NAMES[last]))
            days.update(range(first, last + 1))
        else:
            days.add(first)
        dash = draw(st.sampled_from(["-", " - ", "- ", "\t-"]))
        entries.append(draw(_spaces) + dash.join(names) + draw(_spaces))
    mask = sum(1 << day for day in days)
    return ";".join(entries), mask


_spaces = st.sampled_from(["", " ", "  ", "\t"])


def _any_case(draw, name: str) -> str:
    return "".join(c.upper() if draw(st.booleans()) else c.lower() for c in name)


@given(written=written_day_lists())
def test_reading_then_writing_a_day_list_is_its_canonical_form(written):
    text, days = written
    assert parse_days(text) == days
    canonical = format_days(days)
    assert parse_days(canonical) == days
    assert format_days(parse_days(canonical)) == canonical


@given(mask=st.integers(1, EVERY_DAY))
def test_every_day_set_is_read_back_from_its_text(mask):
    text = format_days(mask)
    assert parse_days(text) == mask
    assert text == text.strip() and ";;" not in text


@given(first=st.integers(0, 6), last=st.integers(0, 6))
def test_a_range_is_refused_exactly_when_it_runs_backwards(first, last):
    text = f"{DAY_NAMES[first]}-{DAY_NAMES[last]}"
    if first <= last:
        assert parse_days(text) == sum(1 << d for d in range(first, last + 1))
    else:
        with pytest.raises(CalendarTextError, match="runs backwards"):
            parse_days(text)


def test_day_numbers_have_the_weekdays_of_their_dates():
    for number in range(-10, 30_000, 37):
        assert weekday(number) == date_of(number).weekday()


# ---------------------------------------------------------------- clock times


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("00:00", 0),
        ("9:30", 570),
        ("09:30", 570),
        ("14:00", 840),
        ("23:59", 1439),
        ("18:00:00", 1080),
    ],
)
def test_clock_times_read_as_minutes(text, minutes):
    assert parse_clock(text) == minutes
    assert format_clock(minutes) == text[:5].rjust(5, "0")


@pytest.mark.parametrize(
    "text", ["24:00", "14:60", "14h00", "1400", "14:5", "14:00:30", "-1:00", "14:00 ", "noon", ""]
)
def test_clock_times_out_of_range_or_shape_are_refused(text):
    with pytest.raises(CalendarTextError):
        parse_clock(text)


# ---------------------------------------------------------------- local dates


def test_local_dates_read_as_day_numbers():
    assert parse_date("1970-01-01") == 0
    assert parse_date("2026-12-25") == (dt.date(2026, 12, 25) - dt.date(1970, 1, 1)).days
    assert parse_date("2200-12-31") == (dt.date(2200, 12, 31) - dt.date(1970, 1, 1)).days
    assert date_of(parse_date("2024-02-29")) == dt.date(2024, 2, 29)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2026-02-30", "February 2026 has 28 days"),
        ("2026-04-31", "April 2026 has 30 days"),
        ("2026-13-01", "there is no month 13"),
        ("2026-1-5", ""),
        ("25/12/2026", ""),
        ("2026-12-25T10:00", ""),
        ("20261225", ""),
    ],
)
def test_texts_that_are_no_date_are_refused(text, problem):
    with pytest.raises(CalendarTextError) as refused:
        parse_date(text)
    assert str(refused.value) == problem


@pytest.mark.parametrize("text", ["1969-12-31", "2201-01-01", "0000-01-01", "9999-12-31"])
def test_dates_outside_1970_to_2200_are_out_of_range(text):
    with pytest.raises(DayOutOfRange):
        parse_date(text)
