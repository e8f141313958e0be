"""engine/promise.py against the reference reading of promise.md
(tests/reference_promise.py) over random calendars, cut-offs, prep days,
closures, carrier tables and time zones, with orders placed around clock
changes (Europe/Paris, Australia/Lord_Howe's half-hour change, America/Sao_Paulo
when its summer time began at midnight) and across whole years."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from engine.promise import LocalMoment, NoPromise, Offer, Parcel, PromiseCalendars, offer
from engine.tables import NodeCalendar, load_carriers, load_closures, load_nodes
from tests.reference_promise import (
    RefClosure,
    RefNode,
    RefService,
    reference_dates,
    reference_offer,
)

ZONES = (
    "Europe/Paris",
    "America/Sao_Paulo",
    "Australia/Lord_Howe",
    "America/New_York",
    "Asia/Kathmandu",
    "UTC",
)
CLOCK_CHANGES = (
    dt.date(2026, 3, 29),  # Paris, spring
    dt.date(2026, 10, 25),  # Paris, autumn
    dt.date(2026, 4, 5),  # Lord Howe, half an hour back
    dt.date(2026, 10, 4),  # Lord Howe, half an hour forward
    dt.date(2018, 11, 4),  # Sao Paulo: midnight became 01:00
    dt.date(2019, 2, 17),  # Sao Paulo, summer time ends
    dt.date(2026, 3, 8),  # New York
    dt.date(2026, 11, 1),
)
NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
NODE_TYPES = ("dc", "store", "dark_store")
CARRIER_NAMES = ("colissimo", "chronopost")


def day_text(days: set[int]) -> str:
    """A day set as the data may write it, one day after another."""
    return ";".join(NAMES[day] for day in sorted(days))


day_sets = st.sets(st.integers(0, 6), min_size=1)
few_or_many = st.integers(0, 9).flatmap(
    lambda pick: st.integers(0, 365) if pick == 5 else st.integers(0, 4)
)
"""Mostly a few days; one time in ten up to 365, which may pass the bound."""


@st.composite
def worlds(draw):
    zone = draw(st.sampled_from(ZONES))
    base = draw(
        st.one_of(
            st.sampled_from(CLOCK_CHANGES),
            st.dates(dt.date(2018, 1, 1), dt.date(2027, 12, 31)),
        )
    )
    nodes = [
        RefNode(
            id=f"N{index}",
            type=draw(st.sampled_from(NODE_TYPES)),
            open_days=draw(day_sets),
            cutoff=draw(
                st.one_of(
                    st.just(""),
                    st.builds(
                        lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59)
                    ),
                )
            ),
            prep_days=draw(few_or_many),
        )
        for index in range(draw(st.integers(1, 2)))
    ]
    if draw(st.booleans()):  # an order placed around the first node's cut-off
        hours, minutes = (int(part) for part in (nodes[0].cutoff or "23:59").split(":"))
        seconds = draw(st.sampled_from((-60, -1, 0, 30, 59, 60)))
        local = dt.datetime.combine(base, dt.time(hours, minutes)) + dt.timedelta(seconds=seconds)
        at = local.replace(tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)
    else:
        seconds = draw(st.integers(-36 * 3600, 36 * 3600))
        at = dt.datetime.combine(base, dt.time(0), dt.UTC) + dt.timedelta(seconds=seconds)
    services = [
        RefService(
            carrier=draw(st.sampled_from(CARRIER_NAMES)),
            service=f"service{index}",
            pickup_days=draw(day_sets),
            delivery_days=draw(day_sets),
            transit_days=draw(few_or_many),
            countries=draw(st.sampled_from((set(), {"FR"}, {"FR", "BE"}, {"DE"}))),
            node_types=draw(st.sampled_from((set(), {"store", "dark_store"}, {"dc"}))),
            max_weight_kg=draw(st.none() | st.sampled_from((5.0, 30.0))),
            max_km=draw(st.none() | st.sampled_from((30.0, 500.0))),
            daily_parcels=draw(st.none() | st.integers(0, 3)),
            cost_base=draw(st.sampled_from((0.0, 4.95, 9.9))),
            cost_per_kg=draw(st.sampled_from((0.0, 0.25))),
            cost_per_km=draw(st.sampled_from((0.0, 0.45))),
        )
        for index in range(draw(st.integers(1, 3)))
    ]
    local_day = at.astimezone(ZoneInfo(zone)).date()
    keys: dict[tuple[dt.date, str, str], None] = {}
    for _ in range(draw(st.integers(0, 12))):
        scope = draw(st.sampled_from(("node", "carrier", "all")))
        key = {
            "node": st.sampled_from([node.id for node in nodes]),
            "carrier": st.sampled_from(CARRIER_NAMES),
            "all": st.just(""),
        }[scope]
        offset = draw(st.integers(-2, 40))
        keys[(local_day + dt.timedelta(days=offset), scope, draw(key))] = None
    if draw(st.integers(0, 9)) == 5:  # closed for good: nothing within the bound
        scope, key = draw(
            st.sampled_from([("node", node.id) for node in nodes] + [("carrier", "colissimo")])
        )
        for offset in range(-1, 370):
            keys[(local_day + dt.timedelta(days=offset), scope, key)] = None
    closures = [RefClosure(day, scope, key) for day, scope, key in keys]
    return zone, at, nodes, services, closures


def engine_calendars(nodes, services, closures) -> PromiseCalendars:
    node_table = load_nodes(
        pd.DataFrame(
            {
                "id": [node.id for node in nodes],
                "type": [node.type for node in nodes],
                "lat": [48.85] * len(nodes),
                "lon": [2.35] * len(nodes),
                "cutoff": [node.cutoff for node in nodes],
                "open_days": [day_text(node.open_days) for node in nodes],
                "prep_days": [node.prep_days for node in nodes],
            }
        )
    )

    def cell(value: object) -> object:
        return "" if value is None else value

    carriers = load_carriers(
        pd.DataFrame(
            {
                "carrier": [s.carrier for s in services],
                "service": [s.service for s in services],
                "countries": [";".join(sorted(s.countries)) for s in services],
                "node_types": [";".join(sorted(s.node_types)) for s in services],
                "max_weight_kg": [cell(s.max_weight_kg) for s in services],
                "max_km": [cell(s.max_km) for s in services],
                "transit_days": [s.transit_days for s in services],
                "pickup_days": [day_text(s.pickup_days) for s in services],
                "delivery_days": [day_text(s.delivery_days) for s in services],
                "cost_base": [s.cost_base for s in services],
                "cost_per_kg": [s.cost_per_kg for s in services],
                "cost_per_km": [s.cost_per_km for s in services],
                "daily_parcels": [cell(s.daily_parcels) for s in services],
            },
            dtype=object,
        )
    )
    table = None
    if closures:
        table = load_closures(
            pd.DataFrame(
                {
                    "date": [c.date.isoformat() for c in closures],
                    "scope": [c.scope for c in closures],
                    "id": [c.id for c in closures],
                }
            )
        )
        assert table.ok, table.reject_rows[:3]
    assert node_table.ok and carriers.ok, (node_table.reject_rows, carriers.reject_rows)
    return PromiseCalendars(NodeCalendar.of(node_table), carriers, table)


def _kind(reason: str) -> str:
    for words, kind in (
        ("does not deliver to", "country"),
        ("does not collect from", "node_type"),
        (" kg > ", "weight"),
        (" km > ", "distance"),
        ("days of the order", "no_delivery"),
        ("daily_parcels", "daily_parcels"),
    ):
        if words in reason:
            return kind
    raise AssertionError(f"a reason of no known kind: {reason}")


@given(world=worlds())
def test_the_promise_dates_agree_with_the_reference(world):
    zone, at, nodes, services, closures = world
    calendars = engine_calendars(nodes, services, closures)
    moment = LocalMoment.of(at, ZoneInfo(zone))
    for n, node in enumerate(nodes):
        for s, service in enumerate(services):
            expected = reference_dates(node, service, closures, at, zone)
            got = calendars.dates(n, s, moment)
            if expected is None:
                event("no promise within the bound")
                assert isinstance(got, NoPromise)
                continue
            event(f"eta {min(expected[3], 10)}{'+' if expected[3] >= 10 else ''} days")
            assert not isinstance(got, NoPromise), got
            pick, ship, promised, eta = expected
            origin = dt.date(1970, 1, 1)
            assert origin + dt.timedelta(days=got.pick_day) == pick
            assert (got.ship_date, got.promised_date, got.eta_days) == (ship, promised, eta)


@given(
    world=worlds(),
    country=st.sampled_from(("FR", "fr", "FR", "be", "DE")),
    km=st.sampled_from((0.0, 12.5, 30.0, 30.5, 800.0)),
    weight_kg=st.sampled_from((0.0, 4.99, 5.0, 30.0, 31.0)),
    units=st.integers(1, 5),
    parcels_taken=st.integers(0, 4),
)
def test_eligibility_and_price_agree_with_the_reference(
    world, country, km, weight_kg, units, parcels_taken
):
    zone, at, nodes, services, closures = world
    calendars = engine_calendars(nodes, services, closures)
    moment = LocalMoment.of(at, ZoneInfo(zone))
    node = nodes[0]
    parcel = Parcel(0, node.type, country, km, weight_kg, units, pick_cost=0.35)
    for s, service in enumerate(services):
        verdict, detail = reference_offer(
            node,
            service,
            closures,
            at,
            zone,
            country=country,
            km=km,
            weight_kg=weight_kg,
            units=units,
            pick_cost=0.35,
            parcels_taken=parcels_taken,
        )
        got = offer(calendars, s, parcel, moment, parcels_taken)
        event(f"{verdict}: {detail if verdict == 'refused' else 'eligible'}")
        if verdict == "refused":
            assert not isinstance(got, Offer), got
            assert _kind(got.reason) == detail
            assert got.reason.startswith(f"{service.carrier} {service.service}: ")
            continue
        assert isinstance(got, Offer), got
        dates, cost = detail  # type: ignore[misc]
        assert (got.dates.ship_date, got.dates.promised_date) == (dates[1], dates[2])
        assert got.cost == pytest.approx(cost)
