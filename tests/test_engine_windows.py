"""Effective windows and instants: local dates in the ruleset's zone, both ends
inclusive, DST-correct, naive times read in the ruleset's zone."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from zoneinfo import ZoneInfo

import pytest
from routing_world import network, node, order, router

import dsl
from engine.windows import LocalDays, effective_window

FRANCE = resources.files("rulesets").joinpath("france.route").read_text(encoding="utf-8")
PARIS = ZoneInfo("Europe/Paris")


def world():
    net = network(
        node("DC-LYON", "lyon", "dc", priority=1),
        node("ST-PARIS", "paris", "store", tags=("flagship",)),
        node("ST-VERSAILLES", "versailles", "store"),
    )
    stock = {("DC-LYON", "A"): 50, ("ST-PARIS", "A"): 50, ("ST-VERSAILLES", "A"): 50}
    return router(FRANCE, net, stock)


@pytest.mark.parametrize(
    ("stamp", "strategy"),
    [
        ("2026-11-14T22:59:00+00:00", "standard_home"),  # 23:59 in Paris, 14 November
        ("2026-11-14T23:00:00+00:00", "peak_store_protection"),  # local midnight, 15 November
        ("2026-12-31T22:59:59+00:00", "peak_store_protection"),  # the end date is included
        ("2026-12-31T23:00:00+00:00", "standard_home"),  # 1 January, local
    ],
)
def test_peak_switches_at_local_midnight_for_utc_stamps(stamp, strategy):
    decision = world().route(order("o1", {"A": 1}, stamp))
    assert decision.strategies[0] == strategy


@pytest.mark.parametrize(
    ("naive", "strategy"),
    [
        ("2026-11-14T23:59:00", "standard_home"),
        ("2026-11-15T00:00:00", "peak_store_protection"),
    ],
)
def test_naive_timestamps_are_read_in_the_ruleset_zone(naive, strategy):
    decision = world().route(order("o1", {"A": 1}, naive))
    assert decision.strategies[0] == strategy


def test_at_overrides_the_order_time():
    decision = world().route(
        order("o1", {"A": 1}, "2026-03-01T10:00:00+00:00"),
        at=dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC),
    )
    assert decision.strategies == ("peak_store_protection",)


def test_minute_windows_include_their_last_minute():
    vip = dsl.parse(FRANCE).strategy("vip_express").effective[0]
    window = effective_window(vip, PARIS)
    assert window.start == dt.datetime(2026, 10, 31, 23, 0, tzinfo=dt.UTC)
    # 2027-01-15T23:59 Paris is included to its last second: the end is 00:00 local.
    assert window.end == dt.datetime(2027, 1, 15, 23, 0, tzinfo=dt.UTC)
    assert window.holds(dt.datetime(2027, 1, 15, 22, 59, 59, tzinfo=dt.UTC))
    assert not window.holds(dt.datetime(2027, 1, 15, 23, 0, tzinfo=dt.UTC))


def test_windows_follow_daylight_saving_changes():
    text = 'timezone "Europe/Paris"\nstrategy s\n  effective 2026-03-29 to 2026-10-25\n'
    window = effective_window(dsl.parse(text).strategies[0].effective[0], PARIS)
    assert window.start == dt.datetime(2026, 3, 28, 23, 0, tzinfo=dt.UTC)  # winter offset +1
    assert window.end == dt.datetime(2026, 10, 25, 23, 0, tzinfo=dt.UTC)  # +1 again after 25 Oct


def test_several_effective_lines_are_a_union():
    text = """timezone "UTC"
strategy sales
  priority 1
  effective 2026-01-10 to 2026-01-12
  effective from 2026-07-01
  when order.channel == "web"
strategy rest
  priority 2
"""
    net = network(node("DC", "lyon", "dc"))
    route = router(text, net, {("DC", "A"): 100})
    chosen = [
        route.route(order(f"o{i}", {"A": 1}, stamp)).strategies[0]
        for i, stamp in enumerate(
            [
                "2026-01-09T23:59:00+00:00",
                "2026-01-10T00:00:00+00:00",
                "2026-01-12T23:59:00+00:00",
                "2026-01-13T00:00:00+00:00",
                "2026-06-30T12:00:00+00:00",
                "2026-07-01T00:00:00+00:00",
                "2031-01-01T00:00:00+00:00",
            ]
        )
    ]
    assert chosen == ["rest", "sales", "sales", "rest", "rest", "sales", "sales"]


def test_local_days_change_at_local_midnight():
    days = LocalDays(PARIS)
    assert days.day(dt.datetime(2026, 3, 1, 22, 59, tzinfo=dt.UTC)) == dt.date(2026, 3, 1)
    assert days.day(dt.datetime(2026, 3, 1, 23, 0, tzinfo=dt.UTC)) == dt.date(2026, 3, 2)
    assert days.day(dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)) == dt.date(2026, 3, 1)
    # Summer: UTC+2, so the day starts at 22:00 UTC.
    assert days.day(dt.datetime(2026, 7, 1, 22, 0, tzinfo=dt.UTC)) == dt.date(2026, 7, 2)
