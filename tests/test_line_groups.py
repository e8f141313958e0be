"""`lines where` (docs/routing.md, "Line groups"): an order's lines are grouped by the
first strategy that takes them, each group routed on its own, and the groups'
decisions put back together — in a batch, one order at a time, and as a promise."""

from __future__ import annotations

import datetime as dt

import pandas as pd

import engine
from engine.tables import load_carriers, load_inventory, load_nodes

RULESET = """ruleset "Groups"
timezone "Europe/Paris"

strategy bulky "Bulky goods by freight"
  priority 5
  lines where line.category == "bulky" or line.weight_kg > 30
  source from node.type == "dc"
  ship with carrier.service == "freight"

strategy standard_home "Everything else"
  priority 100
  when order.delivery == "home"
  source from node.can_ship
  rank by distance
"""
NODES = pd.DataFrame(
    {
        "id": ["DC-LYON", "ST-PARIS"],
        "type": ["dc", "store"],
        "lat": [45.76, 48.86],
        "lon": [4.84, 2.35],
        "can_ship": [True, True],
        "pick_cost": [0.5, 1.0],
        "cutoff": ["20:00", "14:00"],
    }
)
STOCK = pd.DataFrame(
    {
        "node_id": ["DC-LYON", "DC-LYON", "ST-PARIS"],
        "sku": ["SOFA", "MUG", "MUG"],
        "on_hand": [3, 5, 5],
    }
)
CARRIERS = pd.DataFrame(
    {
        "carrier": ["colissimo", "geodis"],
        "service": ["standard", "freight"],
        "max_weight_kg": [30, ""],
        "transit_days": [2, 3],
        "pickup_days": ["Mon-Fri", "Mon-Fri"],
        "delivery_days": ["Mon-Sat", "Mon-Fri"],
        "cost_base": [4.95, 39.0],
    },
    dtype=object,
)


def session() -> engine.Session:
    return engine.Session.open(
        RULESET, load_nodes(NODES), load_inventory(STOCK), carriers=load_carriers(CARRIERS)
    )


def order(order_id: str = "o1") -> engine.Order:
    return engine.Order(
        order_id,
        dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC),  # Thursday 10:00 in Paris
        (
            engine.Line("SOFA", 1, {"category": "bulky", "weight_kg": 45.0}),
            engine.Line("MUG", 2, {"category": "home", "weight_kg": 0.4}),
        ),
        {"delivery": "home", "dest_lat": 48.85, "dest_lon": 2.35, "country": "FR"},
    )


def test_each_group_is_routed_by_its_own_strategy_and_carrier():
    decision = session().route_one(order())
    assert decision.status == "routed"
    assert decision.strategies == ("bulky", "standard_home")
    sofa, mugs = decision.shipments
    assert (sofa.node_id, sofa.strategy, sofa.carried.service) == ("DC-LYON", "bulky", "freight")
    assert (mugs.node_id, mugs.strategy, mugs.carried.service) == (
        "ST-PARIS",
        "standard_home",
        "standard",
    )
    # freight: shipped Thursday, 3 delivery days Mon-Fri: Fri, Mon, Tue 8 December;
    # colissimo from the store before its 14:00 cut-off: Fri, Sat 5 December
    assert (sofa.promised_date, mugs.promised_date) == (dt.date(2026, 12, 8), dt.date(2026, 12, 5))
    assert decision.promised_date == dt.date(2026, 12, 8)


def test_a_batch_a_promise_and_one_order_agree():
    one = session().route_one(order())
    batch = session().route([order()])
    assert [d.to_json() for d in batch] == [one.to_json()]
    promising = session()
    assert promising.promise(order()).to_json() == one.to_json()
    assert promising.promise(order()).to_json() == one.to_json()  # nothing was taken


def test_a_line_no_strategy_takes_is_unfilled_for_that_reason():
    collect = engine.Order(
        "o2",
        dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC),
        order().lines,
        {"delivery": "collect", "dest_lat": 48.85, "dest_lon": 2.35, "country": "FR"},
    )
    decision = session().route_one(collect)
    assert decision.status == "partial"
    assert [s.node_id for s in decision.shipments] == ["DC-LYON"]
    assert [(u.sku, u.qty, u.reason) for u in decision.unfilled] == [
        ("MUG", 2, "no strategy applies")
    ]
