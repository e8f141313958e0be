"""engine/promise_days.py works out the promise's days for every node and service of
a local day at once; each must be what engine/promise.py gives one shipment at a time
(itself checked against the plain reading of promise.md), on the random calendars,
closures, carrier tables and time zones of tests/test_promise_reference.py."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.delivery import local_minutes
from engine.promise import LocalMoment, NoPromise
from engine.promise_days import WINDOW, DayTables
from tests.test_promise_reference import engine_calendars, worlds


@settings(max_examples=300)
@given(worlds(), st.integers(0, WINDOW - 1))
def test_the_day_tables_give_what_one_shipment_s_promise_gives(world, into_window):
    zone, at, nodes, services, closures = world
    calendars = engine_calendars(nodes, services, closures)
    tables = DayTables(calendars, np.arange(len(nodes), dtype=np.int64))
    moment = LocalMoment.of(at, ZoneInfo(zone))
    tables.for_day(moment.day - into_window)  # the day falls anywhere in a window
    pick, ship, deliver = tables.for_day(moment.day)
    for node in range(len(nodes)):
        late = 0 if moment.minute < int(calendars.nodes.cutoff[node]) else 1
        for service in range(len(services)):
            dates = calendars.dates(node, service, moment)
            if isinstance(dates, NoPromise):
                assert deliver[late, node, service] == -1
                continue
            assert pick[late, node] == dates.pick_day - moment.day
            assert ship[late, node, service] == dates.ship_day - moment.day
            assert deliver[late, node, service] == dates.delivery_day - moment.day


@settings(max_examples=200)
@given(
    st.sampled_from(["Europe/Paris", "America/Sao_Paulo", "Australia/Lord_Howe", "UTC"]),
    st.sampled_from(
        [
            dt.datetime(2026, 3, 28, 22, tzinfo=dt.UTC),  # Paris springs forward at 01:00 UTC
            dt.datetime(2026, 10, 24, 22, tzinfo=dt.UTC),  # and falls back at 01:00 UTC
            dt.datetime(2026, 4, 4, 14, tzinfo=dt.UTC),  # Lord Howe: half an hour back
            dt.datetime(2018, 11, 3, 23, tzinfo=dt.UTC),  # Sao Paulo: midnight skipped
        ]
    ),
    st.lists(st.integers(0, 6 * 3600), min_size=1, max_size=40),
)
def test_local_minutes_follow_the_clock_on_the_days_it_changes(zone, around, seconds):
    """A block of orders straddling a clock change reads each one's own offset."""
    instants = sorted(around + dt.timedelta(seconds=s) for s in seconds)
    tz = ZoneInfo(zone)
    nanoseconds = np.array([int(i.timestamp()) * 1_000_000_000 for i in instants], np.int64)
    expected = [i.astimezone(tz).hour * 60 + i.astimezone(tz).minute for i in instants]
    assert local_minutes(nanoseconds, tz).tolist() == expected
