"""The example of promise.md, as written there: it parses, checks against the demo
carriers table and routes as described — express orders in peak with an express or
same-day service that delivers within a day, ranked by eta then distance, and what
no such service can promise goes to `standard_home`."""

from __future__ import annotations

import datetime as dt

import pandas as pd

import dsl
import engine
from engine.tables import load_carriers, load_inventory, load_nodes
from simulations.demo_data.promise import carriers_table
from tests.test_language_promise import PROMISE_EXAMPLE

EXAMPLE = (
    'ruleset "Promise example"\ntimezone "Europe/Paris"\n\n'
    + PROMISE_EXAMPLE
    + '\nstrategy standard_home "Standard home delivery"\n'
    "  source from node.can_ship\n"
    "  rank by distance\n"
)
"""promise.md's example as written there, with the strategy it falls back to."""
NODES = pd.DataFrame(
    {
        "id": ["ST-PARIS", "DC-PARIS", "DC-LYON"],
        "type": ["store", "dc", "dc"],
        "lat": [48.87, 48.98, 45.76],
        "lon": [2.33, 2.45, 4.84],
        "can_ship": [True, True, True],
        "pick_cost": [0.8, 0.35, 0.35],
        "cutoff": ["16:00", "20:00", "20:00"],
        "open_days": ["Mon-Sat", "Mon-Sat", "Mon-Sat"],
    }
)
STOCK = pd.DataFrame(
    {"node_id": ["ST-PARIS", "DC-PARIS", "DC-LYON"], "sku": ["A"] * 3, "on_hand": [5, 50, 50]}
)


def session() -> engine.Session:
    carriers = load_carriers(pd.DataFrame(carriers_table()))
    return engine.Session.open(EXAMPLE, load_nodes(NODES), load_inventory(STOCK), carriers=carriers)


def express(hour_utc: int, day: int, weight: float = 1.0) -> engine.Order:
    return engine.Order(
        f"E{day}-{hour_utc}",
        dt.datetime(2026, 12, day, hour_utc, 0, tzinfo=dt.UTC),
        (engine.Line("A", 1, {"weight_kg": weight}),),
        {"delivery": "express", "dest_lat": 48.85, "dest_lon": 2.35, "country": "FR"},
    )


def test_the_example_parses_and_checks_against_the_demo_carriers():
    ruleset = dsl.parse(EXAMPLE, "example.route")
    rows = pd.DataFrame(carriers_table()).to_dict("records")
    report = dsl.check(ruleset, carriers=rows)
    assert [d for d in report if d.is_error] == []
    assert dsl.format_ruleset(dsl.parse(dsl.format_ruleset(ruleset))) == dsl.format_ruleset(ruleset)


def test_a_weekday_express_order_gets_the_service_that_delivers_first():
    # Tuesday 1 December 10:00 in Paris: the courier from the store delivers the same
    # day (same_day, 0 transit days, 2.6 km); chronopost would deliver Wednesday.
    decision = session().route_one(express(9, 1))
    assert decision.strategies == ("peak_express",)
    (shipment,) = decision.shipments
    assert (shipment.node_id, shipment.carrier, shipment.service) == (
        "ST-PARIS",
        "stuart",
        "same_day",
    )
    assert shipment.promised_date == dt.date(2026, 12, 1)


def test_too_heavy_for_the_courier_it_goes_by_express_the_next_day():
    # 20 kg > stuart's 15 kg: chronopost express, collected Tuesday, Wednesday 2.
    (shipment,) = session().route_one(express(9, 1, weight=20.0)).shipments
    assert (shipment.service, shipment.promised_date) == ("express", dt.date(2026, 12, 2))
    assert shipment.node_id == "ST-PARIS"  # eta ties: then the closest


def test_what_no_service_promises_within_a_day_falls_to_standard_home():
    # Saturday 5 December 19:00 in Paris, 21 kg: too heavy for the courier, and
    # chronopost does not collect on Saturday: no delivery within a day from any node.
    decision = session().route_one(express(18, 5, weight=21.0))
    assert decision.strategies == ("peak_express", "standard_home")
    (shipment,) = decision.shipments
    assert (shipment.strategy, shipment.service) == ("standard_home", "standard")
