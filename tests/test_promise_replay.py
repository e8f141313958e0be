"""Replays with carriers on the demo year (a slice of it, for speed): the engine's
promise comes through to the tables and the KPIs, a dated carrier change routes with
the old table until that day and the new one after, a cut replay is the uncut one
when nothing changes."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

import simulations
from dsl import parse
from engine import Session
from engine.tables import load_events
from simulations.decisions import decision_tables
from simulations.demo_data import generate
from simulations.overrides import Overrides
from simulations.promise_kpis import PROMISE_KEYS
from simulations.scenarios import Scenario

RULESET = """\
ruleset "Promise demo"
timezone "Europe/Paris"

strategy express_home "Express home delivery"
  priority 5
  when order.delivery == "express"
  source from node.can_ship
  ship with carrier.service in ["express", "same_day"]
  carrier by eta, cost
  rank by eta, distance
  split none
  otherwise use standard_home

strategy standard_home "Standard home delivery"
  priority 100
  when order.delivery in ["home", "express"]
  source from node.type in ["dc", "store"] and node.can_ship
  rank by shipments, distance, cost
  split at most 2
  otherwise use dc_backstop

strategy dc_backstop "Warehouses only"
  priority 1000
  source from node.type == "dc"
  rank by stock desc, node.priority
  split at most 3
  on shortage backorder
"""
SLICE = {"first_day": dt.date(2026, 11, 23), "last_day": dt.date(2026, 12, 13)}
DECEMBER = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    """A demo year of 8,000 orders with its carriers and French holidays."""
    folder = tmp_path_factory.mktemp("year")
    paths = generate(folder, orders=8_000, nodes=40, skus=300, seed=11)
    inputs = simulations.load_inputs(
        paths["nodes"],
        paths["inventory"],
        paths["orders"],
        paths["replenishments"],
        carriers=paths["carriers"],
        closures=paths["closures"],
        timezone="Europe/Paris",
    )
    return paths, inputs


@pytest.fixture(scope="module")
def today(year):
    _, inputs = year
    return Scenario(name="today", ruleset=parse(RULESET)).simulate(inputs, **SLICE)


def test_the_demo_slice_reports_the_promise_kpis(today):
    tables, kpis = today.tables, today.kpis
    assert tables.carriers and kpis.carriers
    assert [key for key in kpis.overall if key in PROMISE_KEYS] == list(PROMISE_KEYS)
    assert tuple(kpis.overall) == kpis.keys
    orders = tables.orders
    routed = orders[orders["routed"]]
    # with carriers every shipment the engine makes travels by a carrier service
    assert tables.shipments["carrier"].notna().all()
    assert (tables.shipments["promised_date"] >= tables.shipments["ship_date"]).all()
    assert (tables.shipments["ship_date"] >= tables.shipments["pick_date"]).all()
    assert (tables.shipments["pick_date"] >= tables.shipments["day"]).all()
    # each figure redone from the order table
    days = routed["days_promised"].dropna().to_numpy()
    overall = kpis.overall
    assert overall["promised_orders"] == len(days) > 300
    assert overall["avg_promised_days"] == pytest.approx(days.mean())
    assert overall["p90_promised_days"] == pytest.approx(np.percentile(days, 90))
    assert overall["next_day_rate"] == pytest.approx((days <= 1).mean())
    assert 0 < overall["next_day_rate"] < 1
    assert overall["missed_cutoff_orders"] == int(routed["missed_cutoff"].sum()) > 0
    assert overall["on_time_rate"] == pytest.approx(orders["on_time"].dropna().mean())
    # the order's promise is its latest shipment's, and its eta the days to it
    latest = tables.shipments.groupby("order_id")["promised_date"].max()
    assert (
        routed.set_index("order_id")["promised_date"] == latest.reindex(routed["order_id"])
    ).all()
    assert (routed["eta_days"] == routed["days_promised"]).all()
    mix = kpis.carrier_mix
    assert set(mix["service"]) >= {"express", "standard"}
    assert mix["shipments"].sum() == len(tables.shipments)
    assert mix["share_of_shipments"].sum() == pytest.approx(1.0)
    assert kpis.by_carrier["cost"].sum() == pytest.approx(tables.shipments["cost"].sum())


def test_batches_objects_and_json_give_the_same_promise_columns(year):
    _, inputs = year
    lines = inputs.orders[inputs.orders["delivery"] == "express"].head(300)
    session = Session.open(
        parse(RULESET), inputs.nodes, inputs.inventory, carriers=inputs.carriers,
        closures=inputs.closures,
    )  # fmt: skip
    batch = session.route(lines)
    objects = list(batch)
    as_json = [json.loads(d.to_json()) for d in objects]
    tables = [
        decision_tables(decided, lines, inputs.nodes, "Europe/Paris")
        for decided in (batch, objects, as_json)
    ]
    assert all(t.carriers for t in tables)
    columns = ["carrier", "service", "ship_date", "promised_date"]
    for other in tables[1:]:
        pd.testing.assert_frame_equal(
            tables[0].shipments[columns], other.shipments[columns], check_dtype=False
        )
        pd.testing.assert_series_equal(
            tables[0].orders["promised_date"], other.orders["promised_date"]
        )
    # the JSON has no pick date, CO2 or capped: batches and objects do
    pd.testing.assert_frame_equal(tables[0].shipments, tables[1].shipments)
    assert tables[2].shipments["pick_date"].isna().all()


def test_a_cap_from_a_day_routes_with_the_old_table_until_that_day(year, today):
    _, inputs = year
    capped = Scenario(
        name="no express from December",
        ruleset=parse(RULESET),
        overrides=Overrides(
            carriers=({"carrier": "chronopost", "service": "express", "daily_parcels": 0,
                       "from": DECEMBER},)
        ),
    ).simulate(inputs, **SLICE)  # fmt: skip
    # orders of November decided once (a backorder released in December may differ)
    once = set.intersection(
        *(set(run.tables.orders.loc[run.tables.orders["rerouted_from"].isna(), "order_id"])
          for run in (today, capped))
    )  # fmt: skip
    before = [
        run.tables.allocations[
            (run.tables.allocations["day"] < DECEMBER)
            & run.tables.allocations["order_id"].isin(once)
        ].reset_index(drop=True)
        for run in (today, capped)
    ]
    assert len(before[0]) > 500
    pd.testing.assert_frame_equal(before[0], before[1])
    shipments = capped.tables.shipments
    from_december = shipments[shipments["day"] >= DECEMBER]
    assert not (from_december["service"] == "express").any()
    was = today.tables.shipments
    assert ((was["day"] >= DECEMBER) & (was["service"] == "express")).any()
    assert capped.kpis.overall["next_day_rate"] < today.kpis.overall["next_day_rate"]


def test_events_after_a_cut_reroute_the_allocations_made_before_it(year):
    """A cut that changes nothing replays as the uncut run, events included (the parts
    after the first once missed the allocations to re-route: nothing was followed)."""
    _, inputs = year
    events = pd.DataFrame(
        {
            "at": ["2026-11-30T23:30:00+00:00", "2026-12-01T09:00:00+01:00"],
            "kind": ["node_offline", "node_online"],
            "node_id": ["DC-PARIS", "DC-PARIS"],
            "note": ["inventory count", "counted"],
        }
    )
    node_ids = inputs.nodes["id"].tolist()
    with_events = inputs.with_tables(events=load_events(events, node_ids).frame)
    same = Overrides(
        carriers=({"carrier": "chronopost", "service": "express", "daily_parcels": 120,
                   "from": DECEMBER},)
    )  # fmt: skip
    uncut = Scenario(name="uncut", ruleset=parse(RULESET)).simulate(with_events, **SLICE)
    cut = Scenario(name="cut", ruleset=parse(RULESET), overrides=same).simulate(
        with_events, **SLICE
    )
    assert cut.inputs.carrier_periods and not uncut.inputs.carrier_periods
    assert uncut.reroutes == cut.reroutes
    for name in ("orders", "shipments", "allocations"):
        pd.testing.assert_frame_equal(getattr(uncut.tables, name), getattr(cut.tables, name))
