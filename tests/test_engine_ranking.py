"""Rank keys and the examples of language.md's complete ruleset
(rulesets/france.route), routed as the spec describes them."""

from __future__ import annotations

from importlib import resources

import pytest
from routing_world import network, node, order, router, ships

FRANCE = resources.files("rulesets").joinpath("france.route").read_text(encoding="utf-8")
BEFORE_PEAK = "2026-03-02T10:00:00+00:00"
IN_PEAK = "2026-12-01T10:00:00+00:00"


def ranked(rank: str, *nodes, stock, lines=None, place="paris", split="none", extra=""):
    text = f"""timezone "Europe/Paris"
strategy s
  rank by {rank}
  split {split}
{extra}"""
    return router(text, network(*nodes), stock).route(order("o", lines or {"A": 1}, place=place))


def test_default_rank_is_shipments_then_distance():
    decision = ranked(
        "shipments, distance",
        node("NEAR", "paris"),
        node("FAR", "lyon", "dc"),
        stock={("NEAR", "A"): 1, ("FAR", "A"): 1},
    )
    assert ships(decision)[0][0] == "NEAR"
    text = "strategy s\n  split none\n"
    default = router(
        text,
        network(node("NEAR", "paris"), node("FAR", "lyon", "dc")),
        {("NEAR", "A"): 1, ("FAR", "A"): 1},
    ).route(order("o", {"A": 1}))
    assert ships(default)[0][0] == "NEAR"


def test_cost_ranks_by_shipment_cost():
    cheap = node("CHEAP", "lyon", "dc", pick_cost=0.1, ship_cost_base=1.0, ship_cost_per_km=0.0)
    dear = node("DEAR", "paris", pick_cost=0.1, ship_cost_base=9.0, ship_cost_per_km=0.0)
    decision = ranked("cost", cheap, dear, stock={("CHEAP", "A"): 1, ("DEAR", "A"): 1})
    assert ships(decision)[0][0] == "CHEAP"
    assert decision.shipments[0].cost == pytest.approx(0.1 + 1.0)


def test_stock_desc_prefers_the_deepest_node():
    decision = ranked(
        "stock desc",
        node("THIN", "paris"),
        node("DEEP", "lyon", "dc"),
        stock={("THIN", "A"): 2, ("DEEP", "A"): 40},
    )
    assert ships(decision)[0][0] == "DEEP"


def test_load_prefers_the_least_used_node_today():
    nodes = (node("BUSY", "paris", capacity=4), node("IDLE", "lyon", "dc", capacity=4))
    text = 'timezone "Europe/Paris"\nstrategy s\n  rank by load, distance\n'
    route = router(text, network(*nodes), {("BUSY", "A"): 9, ("IDLE", "A"): 9})
    first = route.route(order("o1", {"A": 1}))
    second = route.route(order("o2", {"A": 1}))
    assert [ships(first)[0][0], ships(second)[0][0]] == ["BUSY", "IDLE"]


def test_node_field_ranks_ascending_and_missing_values_last():
    nodes = (
        node("P3", "paris", priority=3),
        node("P1", "lille", priority=1),
        node("PX", "versailles", priority=None),
    )
    stock = {(n["id"], "A"): 1 for n in nodes}
    assert ships(ranked("node.priority", *nodes, stock=stock))[0][0] == "P1"
    assert ships(ranked("node.priority desc", *nodes, stock=stock))[0][0] == "P3"


def test_boolean_rank_key_desc_puts_true_first_and_asc_false_first():
    nodes = (node("A-DC", "paris", "dc"), node("B-STORE", "paris", "store"))
    stock = {("A-DC", "A"): 1, ("B-STORE", "A"): 1}
    assert ships(ranked('node.type == "store" desc', *nodes, stock=stock))[0][0] == "B-STORE"
    assert ships(ranked('node.type == "store"', *nodes, stock=stock))[0][0] == "A-DC"


def test_final_tie_break_is_node_id_ascending():
    nodes = (node("B", "paris"), node("A", "paris"), node("C", "paris"))
    stock = {(n["id"], "A"): 1 for n in nodes}
    assert ships(ranked("distance", *nodes, stock=stock))[0][0] == "A"


# --------------------------------------------------------- france.route


def france():
    net = network(
        node("DC-LYON", "lyon", "dc", priority=2),
        node("DC-LILLE", "lille", "dc", priority=1),
        node("ST-PARIS", "paris", "store", tags=("flagship",)),
        node("ST-VERSAILLES", "versailles", "store"),
    )
    stock = {
        ("DC-LYON", "A"): 10,
        ("DC-LILLE", "A"): 3,
        ("ST-PARIS", "A"): 5,
        ("ST-VERSAILLES", "A"): 4,
        ("ST-VERSAILLES", "B"): 1,
        ("DC-LILLE", "B"): 4,
    }
    return router(FRANCE, net, stock)


def test_standard_home_ships_from_the_nearest_store_keeping_one_unit():
    decision = france().route(order("o", {"A": 4}, BEFORE_PEAK))
    assert decision.strategies == ("standard_home",)
    # ST-PARIS has 5 and keeps 1: exactly 4 to promise.
    assert ships(decision) == [("ST-PARIS", {"A": 4})]


def test_peak_protection_skips_flagships_and_keeps_three_units():
    decision = france().route(order("o", {"A": 2}, IN_PEAK))
    assert decision.strategies == ("peak_store_protection",)
    # ST-PARIS is a flagship; ST-VERSAILLES keeps 3 of 4: 1 left, short of 2 → a DC.
    assert ships(decision) == [("DC-LILLE", {"A": 2})]


def test_vip_express_uses_stores_within_50_km_then_standard_home():
    route = france()
    vip = order("v", {"A": 1}, IN_PEAK, tier="vip", delivery="express")
    assert route.route(vip).strategies == ("vip_express",)
    far = order("v2", {"A": 1}, IN_PEAK, place="marseille", tier="vip", delivery="express")
    decision = route.route(far)
    # No store within 50 km of Marseille: standard_home takes over (its `when` is not re-checked).
    assert decision.strategies == ("vip_express", "standard_home")
    assert ships(decision) == [("DC-LYON", {"A": 1})]


def test_click_and_collect_prefers_the_collect_store():
    collect = order("c", {"A": 1}, BEFORE_PEAK, delivery="collect", collect_node="ST-VERSAILLES")
    decision = france().route(collect)
    assert decision.strategies == ("click_and_collect",)
    assert ships(decision) == [("ST-VERSAILLES", {"A": 1})]


def test_click_and_collect_backorders_what_no_single_node_has():
    collect = order(
        "c", {"A": 1, "B": 9}, BEFORE_PEAK, delivery="collect", collect_node="ST-VERSAILLES"
    )
    decision = france().route(collect)
    assert decision.status == "backordered" and decision.shipments == ()


def test_backstop_takes_what_the_peak_strategy_leaves():
    big = france().route(order("big", {"A": 14, "B": 1}, IN_PEAK, place="lille"))
    # Peak (split at most 2), greedy with `shipments` first: DC-LILLE covers B (and 3 A),
    # then the nearest node for the 11 A left, ST-VERSAILLES, gives the 1 A it may promise.
    # dc_backstop (split at most 3) may add one shipment: DC-LYON ships the last 10.
    assert big.strategies == ("peak_store_protection", "dc_backstop")
    assert ships(big) == [
        ("DC-LILLE", {"A": 3, "B": 1}),
        ("ST-VERSAILLES", {"A": 1}),
        ("DC-LYON", {"A": 10}),
    ]
    assert big.status == "routed"


def test_backstop_ranks_dcs_by_stock_then_node_priority():
    net = network(
        node("DC-A", "lyon", "dc", priority=2),
        node("DC-B", "lille", "dc", priority=1),
        node("DC-C", "bordeaux", "dc", priority=3),
    )
    route = router(FRANCE, net, {("DC-A", "A"): 5, ("DC-B", "A"): 5, ("DC-C", "A"): 9})
    # `pallet` matches no `when`: only dc_backstop (no `when`) applies.
    first = route.route(order("o1", {"A": 4}, BEFORE_PEAK, delivery="pallet"))
    assert first.strategies == ("dc_backstop",)
    assert ships(first) == [("DC-C", {"A": 4})]  # most stock
    second = route.route(order("o2", {"A": 1}, BEFORE_PEAK, delivery="pallet"))
    assert ships(second) == [("DC-B", {"A": 1})]  # 5 each now: node.priority decides
