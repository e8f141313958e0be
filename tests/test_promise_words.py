"""The delivery promise in words: the cut-off countdown, and when a node picks once
its cut-off has passed or on a day it does not pick."""

from __future__ import annotations

import datetime as dt

import pytest

from studio.promise_words import PickTime, clock, countdown, long_date, order_words, pick_words

THURSDAY = dt.date(2026, 12, 10)
FRIDAY = dt.date(2026, 12, 11)
MONDAY = dt.date(2026, 12, 14)
SUNDAY = dt.date(2026, 12, 6)


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(133, "2 h 13 min"), (120, "2 h"), (45, "45 min"), (1, "1 min"), (61, "1 h 1 min")],
)
def test_countdown_in_hours_and_minutes(minutes, text):
    assert countdown(minutes) == text


def test_dates_and_clock_times():
    assert long_date(THURSDAY, THURSDAY) == "Thursday 10 December"
    assert long_date(dt.date(2027, 1, 4), THURSDAY) == "Monday 4 January 2027"
    assert clock(14 * 60) == "14:00" and clock(9 * 60 + 5) == "09:05"


def store(pick: dt.date, promised: dt.date, cutoff: str = "16:00", open_day: bool = True):
    hours, minutes = map(int, cutoff.split(":"))
    return PickTime("STORE-LYON", hours * 60 + minutes, open_day, pick, promised)


def test_before_the_cutoff_the_countdown_to_it():
    at = 13 * 60 + 47  # 13:47, cut-off 16:00
    pick = store(THURSDAY, FRIDAY)
    assert pick_words(pick, THURSDAY, at) == (
        "order within 2 h 13 min for delivery on Friday 11 December"
    )
    assert order_words([pick], THURSDAY, at, FRIDAY) == (
        "Order within 2 h 13 min for delivery on Friday 11 December"
    )


def test_after_the_cutoff_when_it_is_picked():
    at = 15 * 60  # 15:00, cut-off 14:00
    pick = store(FRIDAY, MONDAY, cutoff="14:00")
    assert pick_words(pick, THURSDAY, at) == (
        "the 14:00 cut-off of STORE-LYON has passed: picked on Friday 11 December"
    )
    assert order_words([pick], THURSDAY, at, MONDAY) == (
        "The 14:00 cut-off of STORE-LYON has passed: picked on Friday 11 December; "
        "delivery on Monday 14 December"
    )


def test_a_day_the_node_does_not_pick():
    pick = store(dt.date(2026, 12, 7), dt.date(2026, 12, 9), open_day=False)
    assert pick_words(pick, SUNDAY, 9 * 60) == (
        "STORE-LYON does not pick on Sunday 6 December: picked on Monday 7 December"
    )


def test_the_earliest_cutoff_of_the_order_counts_down():
    dc = PickTime("DC-PARIS", 20 * 60, True, THURSDAY, MONDAY)
    shop = store(THURSDAY, FRIDAY, cutoff="14:00")
    assert order_words([dc, shop], THURSDAY, 12 * 60, MONDAY) == (
        "Order within 2 h for delivery on Monday 14 December"
    )
    late = store(FRIDAY, MONDAY, cutoff="14:00")
    assert order_words([dc, late], THURSDAY, 15 * 60, MONDAY).startswith(
        "The 14:00 cut-off of STORE-LYON has passed"
    )
