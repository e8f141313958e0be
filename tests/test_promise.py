"""The promise of one shipment, hand-computed (docs/routing.md, "The delivery
promise (computation)"): cut-offs, weekends, holidays, closures, prep days,
transit days, the carriers' limits, a clock change. The calendar of these cases:
Wed 11 Nov 2026 and Fri 25 Dec 2026 are public holidays; Fri 13 Nov 2026."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from engine.columns import DEFAULT_CO2_KG_PER_KM
from engine.promise import (
    MAX_PROMISE_DAYS,
    LocalMoment,
    NoPromise,
    Offer,
    Parcel,
    PromiseCalendars,
    Refusal,
    offer,
)
from engine.tables import NodeCalendar, load_carriers, load_closures, load_nodes
from simulations.demo_data.promise import carriers_table, closures_table

PARIS = ZoneInfo("Europe/Paris")
SERVICE_COLUMNS = [
    "carrier", "service", "node_types", "max_weight_kg", "max_km", "transit_days",
    "pickup_days", "delivery_days", "cost_base", "cost_per_kg", "cost_per_km", "daily_parcels",
]  # fmt: skip
SERVICES = [
    ("colissimo", "standard", "", 30, None, 2, "Mon-Fri", "Mon-Sat", 4.95, 0.25, 0, None),
    ("chronopost", "express", "", 30, None, 1, "Mon-Sat", "Mon-Sat", 9.90, 0.45, 0, 120),
    ("stuart", "same_day", "store;dark_store", 15, 30, 0, "Mon-Sat", "Mon-Sat", 7.90, 0, 0.45, 25),
    ("geodis", "freight", "dc", 1000, None, 3, "Mon-Fri", "Mon-Fri", 39, 0.35, 0.02, None),
]
HOLIDAYS = [("2026-11-11", "all", ""), ("2026-12-25", "all", "")]


def calendars(
    *,
    open_days: str = "Mon-Sat",
    cutoff: str = "14:00",
    prep_days: int = 0,
    node_type: str = "store",
    closures: list[tuple[str, str, str]] = HOLIDAYS,
) -> PromiseCalendars:
    nodes = load_nodes(
        pd.DataFrame(
            {
                "id": ["S1"],
                "type": [node_type],
                "lat": [48.85],
                "lon": [2.35],
                "cutoff": [cutoff],
                "open_days": [open_days],
                "prep_days": [prep_days],
            }
        )
    )
    frame = pd.DataFrame(SERVICES, columns=SERVICE_COLUMNS).astype(object)
    frame["countries"] = "FR"
    carriers = load_carriers(frame.where(frame.notna(), ""))
    table = load_closures(
        pd.DataFrame(closures or [("2000-01-01", "node", "other")], columns=["date", "scope", "id"])
    )
    assert nodes.ok and carriers.ok and table.ok
    return PromiseCalendars(NodeCalendar.of(nodes), carriers, table)


def promised(
    at: str, service: str = "standard", zone: ZoneInfo = PARIS, **world: object
) -> tuple[str, str, str, int]:
    """(pick day, ship day, promised date, eta_days) of an order at local time `at`."""
    cals = calendars(**world)  # type: ignore[arg-type]
    moment = LocalMoment.of(dt.datetime.fromisoformat(at).replace(tzinfo=zone), zone)
    row = cals.carriers.service.index(service)
    dates = cals.dates(0, row, moment)
    assert not isinstance(dates, NoPromise), dates
    pick = dt.date(1970, 1, 1) + dt.timedelta(days=dates.pick_day)
    return (
        f"{pick:%a %d}",
        f"{dates.ship_date:%a %d}",
        f"{dates.promised_date:%a %d %b}",
        dates.eta_days,
    )


# ------------------------------------------------------------------ cut-off


def test_an_order_just_before_the_cutoff_is_picked_that_day():
    assert promised("2026-11-13T13:59") == ("Fri 13", "Fri 13", "Mon 16 Nov", 3)


def test_the_seconds_of_an_order_do_not_count_against_the_cutoff():
    assert promised("2026-11-13T13:59:59") == ("Fri 13", "Fri 13", "Mon 16 Nov", 3)


def test_an_order_at_the_cutoff_is_picked_the_next_open_day():
    assert promised("2026-11-13T14:00") == ("Sat 14", "Mon 16", "Wed 18 Nov", 5)


def test_an_order_just_after_the_cutoff_is_picked_the_next_open_day():
    assert promised("2026-11-13T15:10") == ("Sat 14", "Mon 16", "Wed 18 Nov", 5)


def test_the_default_cutoff_2359_leaves_out_the_last_minute_of_the_day():
    assert promised("2026-11-13T23:58:59", cutoff="")[0] == "Fri 13"
    assert promised("2026-11-13T23:59:30", cutoff="")[0] == "Sat 14"


# ------------------------------------------------------------------ weekends


def test_a_saturday_order_with_mon_sat_open_days_is_picked_on_saturday():
    assert promised("2026-11-14T10:00") == ("Sat 14", "Mon 16", "Wed 18 Nov", 4)
    assert promised("2026-11-14T10:00", "express") == ("Sat 14", "Sat 14", "Mon 16 Nov", 2)


def test_a_saturday_order_with_mon_fri_open_days_waits_for_monday():
    assert promised("2026-11-14T10:00", "express", open_days="Mon-Fri") == (
        "Mon 16",
        "Mon 16",
        "Tue 17 Nov",
        3,
    )


def test_a_sunday_order_is_picked_on_monday():
    assert promised("2026-11-15T10:00") == ("Mon 16", "Mon 16", "Wed 18 Nov", 3)


# ------------------------------------------------------------------ closures


def test_a_public_holiday_closes_the_node_and_every_carrier():
    # Tue 10 after the cut-off: Wed 11 (Armistice) is skipped for the pick day
    assert promised("2026-11-10T15:00") == ("Thu 12", "Thu 12", "Sat 14 Nov", 4)
    # Tue 10 before it: Wed 11 is no delivery day either
    assert promised("2026-11-10T10:00") == ("Tue 10", "Tue 10", "Fri 13 Nov", 3)


def test_a_carrier_closure_moves_its_collection_only():
    strike = [*HOLIDAYS, ("2026-11-16", "carrier", "colissimo")]
    assert promised("2026-11-13T15:10", closures=strike) == ("Sat 14", "Tue 17", "Thu 19 Nov", 6)
    assert promised("2026-11-13T15:10", "express", closures=strike)[2] == "Mon 16 Nov"


def test_a_carrier_closure_is_no_delivery_day_of_it():
    # shipped Fri 13; without the closure: Sat 14, Mon 16
    strike = [*HOLIDAYS, ("2026-11-14", "carrier", "colissimo")]
    assert promised("2026-11-13T13:00", closures=strike) == ("Fri 13", "Fri 13", "Tue 17 Nov", 4)


def test_a_node_closure_moves_the_pick_day():
    stocktake = [*HOLIDAYS, ("2026-11-14", "node", "S1")]
    assert promised("2026-11-13T15:10", "express") == ("Sat 14", "Sat 14", "Mon 16 Nov", 3)
    assert promised("2026-11-13T15:10", "express", closures=stocktake) == (
        "Mon 16",
        "Mon 16",
        "Tue 17 Nov",
        4,
    )


def test_a_node_closure_on_the_order_day_moves_the_pick_day_whatever_the_time():
    stocktake = [*HOLIDAYS, ("2026-11-13", "node", "S1")]
    assert promised("2026-11-13T09:00", "express", closures=stocktake)[0] == "Sat 14"


# ------------------------------------------------------------------ prep and transit


def test_prep_days_count_open_days_over_a_weekend():
    assert promised("2026-11-13T10:00", prep_days=2) == ("Fri 13", "Mon 16", "Wed 18 Nov", 5)
    assert promised("2026-11-13T10:00", prep_days=2, open_days="Mon-Fri") == (
        "Fri 13",
        "Tue 17",
        "Thu 19 Nov",
        6,
    )


def test_prep_days_skip_a_holiday():
    # Mon 9 picked; 2 prep days: Tue 10, (Wed 11 closed) Thu 12
    assert promised("2026-11-09T10:00", prep_days=2) == ("Mon 09", "Thu 12", "Sat 14 Nov", 5)


def test_transit_over_christmas_skips_the_holiday():
    assert promised("2026-12-23T10:00") == ("Wed 23", "Wed 23", "Sat 26 Dec", 3)
    assert promised("2026-12-23T10:00", closures=[])[2] == "Fri 25 Dec"


def test_transit_zero_delivers_on_the_ship_day():
    assert promised("2026-11-13T10:00", "same_day") == ("Fri 13", "Fri 13", "Fri 13 Nov", 0)
    assert promised("2026-11-13T14:30", "same_day") == ("Sat 14", "Sat 14", "Sat 14 Nov", 1)


def test_transit_counts_delivery_days_of_the_carrier_only():
    # geodis delivers Mon-Fri: 3 days after Fri 13 are Mon 16, Tue 17, Wed 18
    assert promised("2026-11-13T10:00", "freight", node_type="dc") == (
        "Fri 13",
        "Fri 13",
        "Wed 18 Nov",
        5,
    )


# ------------------------------------------------------------------ local days


def test_an_order_is_dated_by_its_local_day_after_a_clock_change():
    # 22:30 UTC on Sun 29 Mar 2026 is 00:30 on Monday in Paris (summer time since 02:00)
    moment = LocalMoment.of(dt.datetime(2026, 3, 29, 22, 30, tzinfo=dt.UTC), PARIS)
    assert (moment.date, moment.minute) == (dt.date(2026, 3, 30), 30)
    # the day before the change, 22:30 UTC is still 23:30 on Saturday
    moment = LocalMoment.of(dt.datetime(2026, 3, 28, 22, 30, tzinfo=dt.UTC), PARIS)
    assert (moment.date, moment.minute) == (dt.date(2026, 3, 28), 23 * 60 + 30)


def test_the_cutoff_is_local_time_on_both_sides_of_a_clock_change():
    cals = calendars()
    row = cals.carriers.service.index("standard")
    for at, pick in (
        (dt.datetime(2026, 3, 27, 12, 59, tzinfo=dt.UTC), "2026-03-27"),  # 13:59 CET
        (dt.datetime(2026, 3, 27, 13, 0, tzinfo=dt.UTC), "2026-03-28"),  # 14:00 CET
        (dt.datetime(2026, 3, 30, 11, 59, tzinfo=dt.UTC), "2026-03-30"),  # 13:59 CEST
        (dt.datetime(2026, 3, 30, 12, 0, tzinfo=dt.UTC), "2026-03-31"),  # 14:00 CEST
    ):
        dates = cals.dates(0, row, LocalMoment.of(at, PARIS))
        assert not isinstance(dates, NoPromise)
        assert dt.date(1970, 1, 1) + dt.timedelta(days=dates.pick_day) == dt.date.fromisoformat(
            pick
        )


def test_an_order_without_an_offset_is_refused():
    with pytest.raises(ValueError, match="offset or time zone"):
        LocalMoment.of(dt.datetime(2026, 11, 13, 10, 0), PARIS)


# ------------------------------------------------------------------ the bound


def test_no_delivery_within_366_days_gives_no_promise():
    cals = calendars(prep_days=365, open_days="Mon-Fri")
    moment = LocalMoment.of(dt.datetime(2026, 11, 13, 10, tzinfo=PARIS), PARIS)
    dates = cals.dates(0, 0, moment)
    assert dates == NoPromise(
        f"S1 has not prepared it (365 prep days) within {MAX_PROMISE_DAYS} days of the order"
    )


def test_a_delivery_on_the_last_day_of_the_bound_is_promised_and_a_day_later_is_not():
    # after the cut-off on Mon 5 Jan 2026: picked Tue 6, 365 prep days later is Wed
    # 6 Jan 2027, the order's day + 366; the same-day courier collects and delivers then
    after_cutoff = LocalMoment.of(dt.datetime(2026, 1, 5, 15, tzinfo=PARIS), PARIS)
    cals = calendars(prep_days=365, open_days="Mon-Sun", closures=[])
    row = cals.carriers.service.index("same_day")
    dates = cals.dates(0, row, after_cutoff)
    assert not isinstance(dates, NoPromise)
    assert (dates.promised_date, dates.eta_days) == (dt.date(2027, 1, 6), MAX_PROMISE_DAYS)
    strike = [("2027-01-06", "carrier", "stuart")]
    cals = calendars(prep_days=365, open_days="Mon-Sun", closures=strike)
    assert cals.dates(0, row, after_cutoff) == NoPromise(
        "stuart same_day collects from S1 on no open day within 366 days of the order"
    )


# ------------------------------------------------------------------ eligibility and cost


def parcel(**changes: object) -> Parcel:
    values: dict[str, object] = dict(
        node=0, node_type="store", country="FR", km=12.0, weight_kg=3.0, units=2, pick_cost=0.5
    )
    values.update(changes)
    return Parcel(**values)  # type: ignore[arg-type]


FRIDAY_MORNING = LocalMoment.of(dt.datetime(2026, 11, 13, 10, tzinfo=PARIS), PARIS)


def test_the_price_of_a_parcel():
    cals = calendars()
    made = offer(cals, cals.carriers.service.index("same_day"), parcel(), FRIDAY_MORNING)
    assert isinstance(made, Offer)
    assert made.cost == pytest.approx(0.5 * 2 + 7.90 + 0 * 3.0 + 0.45 * 12.0)
    assert made.co2_kg == pytest.approx(DEFAULT_CO2_KG_PER_KM * 12.0)  # no co2_per_km column
    assert made.dates.promised_date == dt.date(2026, 11, 13)


def test_a_parcel_at_the_weight_limit_goes_and_one_above_is_refused():
    cals = calendars()
    assert isinstance(offer(cals, 0, parcel(weight_kg=30.0), FRIDAY_MORNING), Offer)
    refused = offer(cals, 0, parcel(weight_kg=30.5), FRIDAY_MORNING)
    assert refused == Refusal("colissimo", "standard", "colissimo standard: 30.5 kg > 30 kg")


def test_a_parcel_at_the_distance_limit_goes_and_one_beyond_is_refused():
    cals = calendars()
    row = cals.carriers.service.index("same_day")
    assert isinstance(offer(cals, row, parcel(km=30.0), FRIDAY_MORNING), Offer)
    refused = offer(cals, row, parcel(km=31.25), FRIDAY_MORNING)
    assert isinstance(refused, Refusal) and refused.reason == "stuart same_day: 31.25 km > 30 km"


def test_a_service_refuses_another_country_and_another_node_type():
    cals = calendars()
    assert offer(cals, 0, parcel(country="be"), FRIDAY_MORNING).reason == (  # type: ignore[union-attr]
        "colissimo standard: does not deliver to BE"
    )
    row = cals.carriers.service.index("same_day")
    assert offer(cals, row, parcel(node_type="dc"), FRIDAY_MORNING).reason == (  # type: ignore[union-attr]
        "stuart same_day: does not collect from dc nodes"
    )


def test_the_daily_parcels_cap_counts_the_ship_day():
    cals = calendars()
    row = cals.carriers.service.index("express")
    assert isinstance(offer(cals, row, parcel(), FRIDAY_MORNING, parcels_taken=119), Offer)
    refused = offer(cals, row, parcel(), FRIDAY_MORNING, parcels_taken=120)
    assert isinstance(refused, Refusal)
    assert refused.reason == (
        "chronopost express: 120 parcels already collected from S1 on 2026-11-13 "
        "(daily_parcels 120)"
    )


def test_the_first_reason_is_given_in_the_documented_order():
    cals = calendars()
    refused = offer(cals, 0, parcel(country="DE", weight_kg=99, km=9999), FRIDAY_MORNING)
    assert isinstance(refused, Refusal) and "does not deliver to DE" in refused.reason
    refused = offer(cals, 0, parcel(weight_kg=99, km=9999), FRIDAY_MORNING)
    assert isinstance(refused, Refusal) and refused.reason.endswith("99 kg > 30 kg")


# ------------------------------------------------------------------ docs/routing.md


def test_the_worked_example_of_the_routing_docs_on_the_demo_carriers():
    """docs/routing.md, "The delivery promise (computation)": the demo carriers
    and French holidays, a Mon-Sat store with a 14:00 cut-off."""
    nodes = load_nodes(
        pd.DataFrame(
            {"id": ["S1"], "type": ["store"], "lat": [48.85], "lon": [2.35], "pick_cost": [0.80]}
            | {"cutoff": ["14:00"], "open_days": ["Mon-Sat"], "prep_days": [0]}
        )
    )
    carriers = load_carriers(pd.DataFrame(carriers_table()))
    holidays = load_closures(pd.DataFrame(closures_table(2026, 2027)))
    assert nodes.ok and carriers.ok and holidays.ok
    cals = PromiseCalendars(NodeCalendar.of(nodes), carriers, holidays)
    standard = carriers.index("colissimo", "standard")
    sent = parcel(km=14.2, weight_kg=2 * 1.2, units=2, pick_cost=0.80)

    at_1510 = LocalMoment.of(dt.datetime(2026, 11, 13, 15, 10, tzinfo=PARIS), PARIS)
    made = offer(cals, standard, sent, at_1510)
    assert isinstance(made, Offer)
    assert (made.dates.ship_date, made.dates.promised_date, made.dates.eta_days) == (
        dt.date(2026, 11, 16),
        dt.date(2026, 11, 18),
        5,
    )
    assert made.cost == pytest.approx(7.15)
    assert made.co2_kg == pytest.approx(1.136)

    at_1310 = LocalMoment.of(dt.datetime(2026, 11, 13, 13, 10, tzinfo=PARIS), PARIS)
    early = cals.dates(0, standard, at_1310)
    assert not isinstance(early, NoPromise)
    assert (early.promised_date, early.eta_days) == (dt.date(2026, 11, 16), 3)
    express = cals.dates(0, carriers.index("chronopost", "express"), at_1510)
    assert not isinstance(express, NoPromise)
    assert express.promised_date == dt.date(2026, 11, 17)
