"""Decision tables read the figures each decision carries: engine Decision objects and
the engine's columnar DecisionBatch give the same tables (unrounded figures), and their
data.md JSON gives the same tables with the figures as the JSON writes them."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from engine.decision import Decision, Shipment, ShipmentLine, Unfilled
from engine.decision_batch import DecisionBatch
from simulations.decisions import decision_tables


def nodes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["DC1", "ST1"],
            "type": ["dc", "store"],
            "pick_cost": [0.5, 1.0],
            "ship_cost_base": [5.0, 3.0],
            "ship_cost_per_km": [0.01, 0.02],
            "handling_days": [1.0, 0.5],
        }
    )


def order_lines() -> pd.DataFrame:
    rows = [
        ("O1", "2026-03-02T09:00Z", "web", 2.0, "A", 2),
        ("O1", "2026-03-02T09:00Z", "web", 2.0, "B", 1),
        ("O2", "2026-03-02T23:30Z", "marketplace", None, "C", 3),
        ("O3", "2026-03-03T08:00Z", "store", 1.0, "A", 1),
    ]
    frame = pd.DataFrame(
        rows, columns=["order_id", "created_at", "channel", "promised_days", "sku", "qty"]
    )
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame


def shipment(node_id, km, *lines, strategy=None) -> Shipment:
    items = tuple(ShipmentLine(sku, qty) for sku, qty in lines)
    return Shipment(node_id, items, km, cost=km / 3.0, eta_days=km / 7.0, strategy=strategy)


def decisions() -> list[Decision]:
    return [
        Decision("O1", "routed", ("std",), (shipment("DC1", 101.23456789, ("A", 2), ("B", 1)),)),
        Decision(
            "O2",
            "partial",
            ("peak", "backstop"),
            (
                shipment("ST1", 12.005, ("C", 1), strategy="peak"),
                shipment("DC1", 640.125, ("C", 1)),  # strategy unknown in a chain of two
            ),
            (Unfilled("C", 1, "no candidate with stock"),),
        ),
        Decision("O3", "routed", ("std",), (shipment("ST1", 3.0, ("A", 1)),)),
        Decision("O3", "unroutable", (), (), (Unfilled("A", 1, "node offline"),)),
        Decision(
            "O3",
            "routed",
            ("std",),
            (shipment("DC1", 250.555, ("A", 1)),),
            rerouted_from="ST1",
            reason="node offline",
        ),
    ]


def test_objects_batches_and_json_give_the_same_tables():
    objects = decision_tables(decisions(), order_lines(), nodes(), "Europe/Paris")
    batch = DecisionBatch.of(decisions(), tuple(nodes()["id"]))
    columnar = decision_tables(batch, order_lines(), nodes(), "Europe/Paris")
    as_json = decision_tables(
        [json.loads(d.to_json()) for d in decisions()], order_lines(), nodes(), "Europe/Paris"
    )
    figures = ["distance_km", "cost", "eta_days"]
    for name in ("orders", "shipments", "allocations"):
        pd.testing.assert_frame_equal(getattr(objects, name), getattr(columnar, name))
        unrounded = getattr(objects, name)
        written = getattr(as_json, name)
        shown = [c for c in figures if c in unrounded]
        pd.testing.assert_frame_equal(unrounded.drop(columns=shown), written.drop(columns=shown))
        for column in shown:
            assert written[column].tolist() == [round(v, 2) for v in unrounded[column]]
    orders = objects.orders.set_index("order_id")
    assert list(orders.index) == ["O1", "O2", "O3"]
    assert orders.loc["O3", "n_decisions"] == 3
    assert orders.loc["O3", "rerouted_from"] == "ST1"
    assert orders.loc["O2", "unfilled_reason"] == "C x1: no candidate with stock"
    assert objects.shipments["distance_km"].tolist() == [101.23456789, 12.005, 640.125, 250.555]
    assert objects.shipments["cost"].tolist() == [
        k / 3.0 for k in (101.23456789, 12.005, 640.125, 250.555)
    ]
    assert orders.loc["O2", "cost"] == 12.005 / 3.0 + 640.125 / 3.0
    assert objects.shipments["strategy"].astype(object).fillna("?").tolist() == [
        "std",
        "peak",
        "?",
        "std",
    ]
    assert objects.allocations["seq"].tolist() == [0, 1, 2, 3, 4]


def test_unknown_node_is_refused_with_the_order():
    wrong = [Decision("O1", "routed", ("std",), (shipment("XX", 1.0, ("A", 2)),))]
    with pytest.raises(ValueError, match="order O1: shipment from unknown node 'XX'"):
        decision_tables(wrong, order_lines(), nodes())
