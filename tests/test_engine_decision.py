"""The decision JSON contract (data.md) and the compiler's refusals."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from routing_world import network, node, order, router

import engine
from engine.decision import Decision, Shipment, ShipmentLine, Unfilled

FRANCE = resources.files("rulesets").joinpath("france.route").read_text(encoding="utf-8")


def test_json_has_data_md_keys_in_order_and_rounds_to_two_decimals():
    decision = Decision(
        "o1",
        "partial",
        ("a", "b"),
        (Shipment("DC", (ShipmentLine("A", 1),), 12.34567, 7.854999, 1.5),),
        (Unfilled("B", 2, "no candidate with stock"),),
    )
    text = decision.to_json()
    assert "\n" not in text
    data = json.loads(text)
    assert list(data) == ["order_id", "status", "strategies", "shipments", "unfilled", "explain"]
    assert data["shipments"][0] == {
        "node_id": "DC",
        "lines": [{"sku": "A", "qty": 1}],
        "distance_km": 12.35,
        "cost": 7.85,
        "eta_days": 1.5,
    }
    assert data["unfilled"] == [{"sku": "B", "qty": 2, "reason": "no candidate with stock"}]
    assert "rerouted_from" not in data and "reason" not in data


def test_rerouted_from_and_reason_appear_only_when_set():
    data = json.loads(Decision("o", "routed", rerouted_from="o#1", reason="node offline").to_json())
    assert list(data)[-2:] == ["rerouted_from", "reason"]


def run_once() -> list[str]:
    net = network(
        node("DC-LYON", "lyon", "dc"),
        node("ST-PARIS", "paris"),
        node("ST-VERSAILLES", "versailles", capacity=2),
    )
    stock = {("DC-LYON", "A"): 4, ("ST-PARIS", "A"): 3, ("ST-VERSAILLES", "B"): 3}
    orders = [
        order(f"o{i}", {"A": 1 + i % 2, "B": i % 3}, f"2026-03-02T{10 + i}:00:00+00:00")
        for i in range(8)
    ]
    return [d.to_json() for d in router(FRANCE, net, stock).route_batch(orders, explain=True)]


def test_decisions_are_byte_identical_across_runs():
    first, second = run_once(), run_once()
    assert first == second
    assert {json.loads(line)["status"] for line in first} >= {"routed"}


def test_eta_and_cost_follow_kpis_md():
    net = network(
        node(
            "DC",
            "lyon",
            "dc",
            pick_cost=0.5,
            ship_cost_base=4.0,
            ship_cost_per_km=0.01,
            handling_days=1.0,
        )
    )
    decision = router(FRANCE, net, {("DC", "A"): 9}).route(order("o", {"A": 3}, place="lille"))
    shipment = decision.shipments[0]
    assert shipment.distance_km == pytest.approx(556.8, abs=0.1)
    assert shipment.cost == pytest.approx(0.5 * 3 + 4.0 + 0.01 * shipment.distance_km)
    assert shipment.eta_days == 1.0 + 2  # ⌈556.8 / 500⌉ = 2 transit days


def test_compile_refuses_checker_errors_with_rendered_diagnostics():
    text = 'strategy a\n  when order.chanel == "web"\n  otherwise use nowhere\n'
    with pytest.raises(engine.CompileError) as caught:
        engine.policy_of(text, filename="bad.route")
    message = str(caught.value)
    assert "bad.route:2:" in message and "order.chanel" in message
    assert "nowhere" in message
    assert all(d.is_error for d in caught.value.diagnostics)


def test_compile_accepts_extra_fields_of_the_data():
    text = 'strategy a\n  when order.gift_wrap == true\n  source from node.zone == "north"\n'
    with pytest.raises(engine.CompileError):
        engine.policy_of(text)
    policy = engine.policy_of(text, extra_fields=["order.gift_wrap", "node.zone"])
    strategy = policy.strategies[0]
    assert (strategy.priority, strategy.split, strategy.on_shortage) == (100, 1, "partial")
    assert strategy.rank_text == "rank by shipments, distance"
