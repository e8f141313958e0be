"""Click & collect transfers (docs/routing.md, "Click & collect transfers"): hand-made
cases with exact legs, costs, days and ready dates."""

from __future__ import annotations

import datetime as dt
import json
import math

import pandas as pd
import pytest
from routing_world import network, node, order, router, ships

import engine
from engine.events import Event
from engine.geo import distance_km

COLLECT = """ruleset "Collect"
timezone "Europe/Paris"

strategy collect "Click and collect"
  when order.delivery == "collect"
  transfer from node.type == "dc"
  rank by distance
  split at most 2
  on shortage backorder

strategy home "Home"
  source from node.type == "dc"
  rank by distance
  split at most 2
"""


def world():
    # handling: the store 0.5 day, Lyon 1 day, Lille 2 days
    return network(
        node("ST-PARIS", "paris", handling_days=0.5),
        node("DC-LYON", "lyon", "dc", pick_cost=0.5, ship_cost_base=4.0, ship_cost_per_km=0.01),
        node("DC-LILLE", "lille", "dc", handling_days=2.0),
    )


def collect_order(order_id: str, lines: dict[str, int], at: str = "2026-12-03T10:00:00+01:00"):
    return order(order_id, lines, at, place="paris", delivery="collect", collect_node="ST-PARIS")


def test_a_store_with_everything_ships_no_leg_and_is_ready_after_its_handling():
    r = router(COLLECT, world(), {("ST-PARIS", "A"): 2, ("DC-LYON", "A"): 9})
    decision = r.route(collect_order("o", {"A": 2}))
    assert ships(decision) == [("ST-PARIS", {"A": 2})]
    assert decision.shipments[0].transfer is None
    # 3 December (Paris) + ⌈0.5⌉ day
    assert decision.ready_date == dt.date(2026, 12, 4)
    assert json.loads(decision.to_json())["ready_date"] == "2026-12-04"


def test_a_store_lacking_an_item_gets_a_leg_from_the_nearest_allowed_node():
    stock = {("ST-PARIS", "A"): 1, ("DC-LYON", "B"): 5, ("DC-LILLE", "B"): 5}
    decision = router(COLLECT, world(), stock).route(collect_order("o", {"A": 1, "B": 1}))
    assert ships(decision) == [("ST-PARIS", {"A": 1}), ("DC-LILLE", {"B": 1})]
    store, leg = decision.shipments
    assert store.transfer is None and store.ready_date == dt.date(2026, 12, 4)
    km = distance_km(50.6292, 3.0573, 48.8566, 2.3522)  # Lille → Paris
    assert leg.transfer.to_node == "ST-PARIS"
    assert leg.transfer.distance_km == pytest.approx(km)
    assert round(leg.transfer.distance_km) == 204
    assert leg.transfer.cost == pytest.approx(0.5 * 1 + 4.0 + 0.01 * km)
    assert leg.transfer.days == 2.0 + 1  # handling + max(1, ⌈204 / 500⌉)
    assert leg.ready_date == dt.date(2026, 12, 6)
    assert decision.ready_date == dt.date(2026, 12, 6)  # the latest of its shipments
    shown = json.loads(decision.to_json())
    assert shown["shipments"][1]["transfer"] == {
        "to_node": "ST-PARIS", "distance_km": round(km, 2),
        "cost": round(0.5 + 4.0 + 0.01 * km, 2), "days": 3.0,
    }  # fmt: skip
    assert shown["ready_date"] == "2026-12-06"


def test_the_store_ships_what_it_has_even_when_one_node_could_ship_everything():
    """Lyon holds both items and could ship the order as one parcel; the store's own
    unit of A is still used first, and Lyon (the nearest DC with B: Lille has none)
    sends B alone."""
    stock = {("ST-PARIS", "A"): 1, ("DC-LYON", "A"): 5, ("DC-LYON", "B"): 5}
    decision = router(COLLECT, world(), stock).route(collect_order("o", {"A": 1, "B": 1}))
    assert ships(decision) == [("ST-PARIS", {"A": 1}), ("DC-LYON", {"B": 1})]
    assert decision.shipments[1].transfer.to_node == "ST-PARIS"


def test_the_store_takes_part_of_a_line_and_a_leg_brings_the_rest():
    stock = {("ST-PARIS", "A"): 2, ("DC-LYON", "A"): 9}
    decision = router(COLLECT, world(), stock).route(collect_order("o", {"A": 5}))
    assert ships(decision) == [("ST-PARIS", {"A": 2}), ("DC-LYON", {"A": 3})]


def test_without_a_split_the_order_comes_whole_from_one_node():
    """`split none`: one shipment only, so a store that cannot fill the order does not
    ship part of it; the one node that can ship everything sends it as one leg."""
    text = COLLECT.replace("split at most 2", "split none")
    stock = {("ST-PARIS", "A"): 1, ("DC-LYON", "A"): 5, ("DC-LYON", "B"): 5}
    decision = router(text, world(), stock).route(collect_order("o", {"A": 1, "B": 1}))
    assert ships(decision) == [("DC-LYON", {"A": 1, "B": 1})]


def test_the_leg_comes_only_from_nodes_transfer_from_allows():
    text = COLLECT.replace('transfer from node.type == "dc"', 'transfer from node.id == "DC-LYON"')
    stock = {("DC-LYON", "B"): 5, ("DC-LILLE", "B"): 5}
    decision = router(text, world(), stock).route(collect_order("o", {"B": 1}))
    assert ships(decision) == [("DC-LYON", {"B": 1})]
    leg = decision.shipments[0].transfer
    assert leg.days == 1.0 + 1  # ⌈392 / 500⌉ = 1 transit day
    assert round(leg.distance_km) == 391
    assert decision.ready_date == dt.date(2026, 12, 5)


def test_the_ready_date_is_the_local_date_of_the_order():
    """23:30 UTC on 3 December is 4 December in Paris: ready a day later."""
    r = router(COLLECT, world(), {("ST-PARIS", "A"): 1})
    decision = r.route(collect_order("o", {"A": 1}, at="2026-12-03T23:30:00+00:00"))
    assert decision.ready_date == dt.date(2026, 12, 5)


def test_an_order_that_is_not_collect_is_unaffected():
    """`transfer from` does nothing for a home order: no leg, no ready date, same bytes
    as the strategy without the clause."""
    stock = {("ST-PARIS", "A"): 1, ("DC-LYON", "A"): 5}
    home = order("o", {"A": 1}, "2026-12-03T10:00:00+01:00", collect_node="ST-PARIS")
    with_clause = COLLECT.split("\nstrategy home")[0].replace(
        'when order.delivery == "collect"', 'source from node.type == "dc"'
    )
    without = with_clause.replace('  transfer from node.type == "dc"\n', "")
    got = router(with_clause, world(), stock).route(home)
    want = router(without, world(), stock).route(home)
    assert got.to_json() == want.to_json()
    assert "ready_date" not in got.to_json() and "transfer" not in got.to_json()


def test_without_the_clause_a_collect_order_still_gets_its_legs_and_ready_date():
    """The labels say what happens to a collect order, whichever clause routed it."""
    text = COLLECT.replace(
        'transfer from node.type == "dc"',
        'source from node.id == order.collect_node or node.type == "dc"',
    )
    decision = router(text, world(), {("DC-LYON", "B"): 5}).route(collect_order("o", {"B": 1}))
    assert decision.shipments[0].transfer.to_node == "ST-PARIS"
    assert decision.ready_date == dt.date(2026, 12, 5)


def test_batch_and_single_order_paths_label_alike():
    stock = {("ST-PARIS", "A"): 1, ("DC-LYON", "B"): 5, ("DC-LILLE", "B"): 5}
    orders = [collect_order(f"o{i}", {"A": 1, "B": 1}) for i in range(3)]
    one = [router(COLLECT, world(), stock).route(o).to_json() for o in orders[:1]]
    batch = router(COLLECT, world(), stock).route_batch(orders)
    assert batch[0].to_json() == one[0]
    lines = "".join(batch.jsonl_chunks()).splitlines()
    assert lines == [d.to_json() for d in batch]
    assert json.loads(lines[1])["shipments"][0]["transfer"]["to_node"] == "ST-PARIS"


def test_the_explanation_says_the_leg_in_words():
    stock = {("ST-PARIS", "A"): 1, ("DC-LYON", "B"): 5}
    r = router(COLLECT, world(), stock)
    decision = r.route_batch([collect_order("o", {"A": 1, "B": 1})], explain=True)[0]
    words = [e.detail for e in decision.explain if e.kind == "transfer"]
    assert words == [
        "transfer from DC-LYON to ST-PARIS: 391 km, 2 days, ready 2026-12-05",
        "ready for collection 2026-12-05",
    ]


def test_a_reroute_keeps_the_leg_of_a_kept_shipment():
    nodes = pd.DataFrame(
        [
            {"id": "ST-PARIS", "type": "store", "lat": 48.8566, "lon": 2.3522,
             "handling_days": 0.5},
            {"id": "DC-LYON", "type": "dc", "lat": 45.7640, "lon": 4.8357, "handling_days": 1.0},
            {"id": "DC-LILLE", "type": "dc", "lat": 50.6292, "lon": 3.0573,
             "handling_days": 2.0},
        ]
    )  # fmt: skip
    stock = pd.DataFrame(
        [
            {"node_id": "DC-LYON", "sku": "A", "on_hand": 5},
            {"node_id": "DC-LILLE", "sku": "B", "on_hand": 5},
            {"node_id": "DC-LYON", "sku": "B", "on_hand": 5},
        ]
    )
    session = engine.Session.open(COLLECT.replace("split at most 2", "split at most 3"), nodes,
                                  stock, follow=True)  # fmt: skip
    reactions = session.reactions
    at = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
    placed = engine.Order(
        "o", at, (engine.Line("A", 1), engine.Line("B", 1)),
        {"delivery": "collect", "collect_node": "ST-PARIS", "dest_lat": 48.8566,
         "dest_lon": 2.3522},
    )  # fmt: skip
    first = reactions.route(placed)
    assert ships(first) == [("DC-LYON", {"A": 1, "B": 1})]
    (rerouted,) = reactions.apply(
        Event(at + dt.timedelta(minutes=5), "node_offline", "DC-LYON", None, None, "")
    )
    assert ships(rerouted) == [("DC-LILLE", {"B": 1})]
    leg = rerouted.shipments[0].transfer
    assert leg.to_node == "ST-PARIS" and leg.days == 3.0
    assert rerouted.ready_date == dt.date(2026, 12, 3) + dt.timedelta(days=math.ceil(3.0))
    session.close()
