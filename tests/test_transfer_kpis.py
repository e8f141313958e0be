"""Click & collect in the decision tables and KPIs (docs/kpis.md, "Click & collect"):
a hand-made run with exact legs, costs, ready dates and figures.

Paris store ST-PARIS holds one A; the DCs hold B, Lille (204 km, 2 handling days) the
nearest: its legs take 2 + 1 = 3 days. Orders, all in Paris:

- c1 3 Dec, collect A×1, promised 1 day: the store ships it, ready 4 Dec (1 day): on time
- c2 3 Dec, collect B×2, promised 2 days: a leg from Lille, ready 6 Dec (3 days): late
- c3 4 Dec, collect B×1, no promised days (2 by default): Lille, ready 7 Dec: late
- c4 4 Dec, collect B×1, promised 5 days: Lille, ready 7 Dec (3 days): on time
- h1 4 Dec, home B×1: not a collect order
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from routing_world import network, node, order, router
from test_transfers import COLLECT

from engine.geo import distance_km
from simulations.decisions import COLLECT_READY_DAYS, DecisionTables, decision_tables
from simulations.kpis import compute_kpis
from simulations.trace import orders_behind
from simulations.transfer_kpis import TRANSFER_KEYS

LILLE_KM = distance_km(50.6292, 3.0573, 48.8566, 2.3522)
STOCK = {("ST-PARIS", "A"): 1, ("DC-LYON", "B"): 10, ("DC-LILLE", "B"): 10}
ZONE = "Europe/Paris"


NODES = [
    node("ST-PARIS", "paris", handling_days=0.5),
    node("DC-LYON", "lyon", "dc"),
    node("DC-LILLE", "lille", "dc", handling_days=2.0),
]


def world():
    return network(*NODES)


def collect(order_id, lines, at, promised=None):
    return order(order_id, lines, at, delivery="collect", collect_node="ST-PARIS",
                 promised_days=promised)  # fmt: skip


ORDERS = [
    collect("c1", {"A": 1}, "2026-12-03T10:00:00+01:00", 1),
    collect("c2", {"B": 2}, "2026-12-03T11:00:00+01:00", 2),
    collect("c3", {"B": 1}, "2026-12-04T09:00:00+01:00"),
    collect("c4", {"B": 1}, "2026-12-04T10:00:00+01:00", 5),
    order("h1", {"B": 1}, "2026-12-04T11:00:00+01:00", promised_days=2),
]


def order_lines(orders=ORDERS) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "order_id": o.id,
                "created_at": o.created_at,
                "channel": o.fields["channel"],
                "delivery": o.fields["delivery"],
                "tier": o.fields["tier"],
                "promised_days": o.fields.get("promised_days"),
                "sku": line.sku,
                "qty": line.qty,
            }
            for o in orders
            for line in o.lines
        ]
    )


def nodes() -> pd.DataFrame:
    return pd.DataFrame(NODES)


def inventory() -> pd.DataFrame:
    return pd.DataFrame([{"node_id": n, "sku": s, "on_hand": q} for (n, s), q in STOCK.items()])


def routed(how: str):
    r = router(COLLECT, world(), STOCK)
    if how == "batch":
        return r.route_batch(ORDERS)
    decisions = [r.route(o) for o in ORDERS]
    return decisions if how == "objects" else [json.loads(d.to_json()) for d in decisions]


def tables(how: str = "batch") -> DecisionTables:
    return decision_tables(routed(how), order_lines(), nodes(), timezone=ZONE)


def leg_cost(units: int) -> float:
    return 0.5 * units + 4.0 + 0.01 * LILLE_KM


def test_each_collect_order_has_its_ready_date_and_legs():
    orders = tables().orders.set_index("order_id")
    assert orders["collect"].to_dict() == {"c1": True, "c2": True, "c3": True, "c4": True,
                                           "h1": False}  # fmt: skip
    assert orders["ready_date"].to_dict() == {
        "c1": dt.date(2026, 12, 4), "c2": dt.date(2026, 12, 6), "c3": dt.date(2026, 12, 7),
        "c4": dt.date(2026, 12, 7), "h1": None,
    }  # fmt: skip
    assert orders["ready_days"].fillna(-1).tolist() == [1.0, 3.0, 3.0, 3.0, -1]
    assert orders["transfers"].tolist() == [0, 1, 1, 1, 0]
    assert orders["transfer_units"].tolist() == [0, 2, 1, 1, 0]
    assert orders["transfer_cost"].tolist() == pytest.approx([0, leg_cost(2), leg_cost(1),
                                                              leg_cost(1), 0])  # fmt: skip
    assert orders["ready_on_time"].tolist() == [True, False, False, True, pd.NA]
    assert COLLECT_READY_DAYS == 2  # c3 has no promised days: 3 > 2


def test_each_shipment_says_its_leg_and_ready_date():
    shipments = tables().shipments.set_index("order_id")
    assert shipments["transfer_to"].fillna("").to_dict() == {
        "c1": "", "c2": "ST-PARIS", "c3": "ST-PARIS", "c4": "ST-PARIS", "h1": "",
    }  # fmt: skip
    assert shipments.loc["c2", "transfer_km"] == pytest.approx(LILLE_KM)
    assert shipments.loc["c2", "transfer_days"] == 3.0
    assert shipments.loc["c2", "transfer_cost"] == pytest.approx(leg_cost(2))
    assert pd.isna(shipments.loc["c1", "transfer_km"])
    assert shipments.loc["c1", "ready_date"] == dt.date(2026, 12, 4)
    allocations = tables().allocations
    assert allocations["transfer_to"].fillna("").tolist() == ["", *["ST-PARIS"] * 3, ""]


def test_every_transfer_kpi_to_its_hand_computed_value():
    kpis = compute_kpis(tables(), nodes(), inventory())
    overall = kpis.overall
    cost = leg_cost(2) + 2 * leg_cost(1)
    assert {key: overall[key] for key in TRANSFER_KEYS} == pytest.approx(
        {
            "collect_orders": 4,
            "transfers": 3,
            "transfers_per_day": 3 / 2,  # 3 and 4 December
            "transfer_units": 4,
            "transfer_cost": cost,
            "transfer_cost_per_unit": cost / 4,
            "ready_on_time_rate": 2 / 4,
            "avg_ready_days": (1 + 3 + 3 + 3) / 4,
        }
    )
    assert kpis.keys[-len(TRANSFER_KEYS) :] == TRANSFER_KEYS
    by_day = kpis.by_day.set_index("day")
    assert by_day["transfers_per_day"].tolist() == [1.0, 2.0]
    assert by_day["ready_on_time_rate"].tolist() == [0.5, 0.5]
    document = json.loads(kpis.to_json())
    assert document["overall"]["transfers"] == 3
    assert document["by_channel"][0]["transfers_per_day"] == 1.5


def test_objects_json_and_batches_give_the_same_tables():
    columns = ["order_id", "collect", "ready_date", "transfers", "transfer_units",
               "ready_on_time"]  # fmt: skip
    batch = tables("batch")
    for how in ("objects", "json"):
        other = tables(how)
        pd.testing.assert_frame_equal(other.orders[columns], batch.orders[columns])
        assert other.orders["transfer_cost"].tolist() == pytest.approx(
            batch.orders["transfer_cost"].tolist(), abs=0.01
        )
        assert other.shipments["transfer_to"].equals(batch.shipments["transfer_to"])


def test_trace_the_transfer_figures_back():
    run = tables()
    ids = lambda kpi: orders_behind(run, kpi)["order_id"].tolist()  # noqa: E731
    assert ids("transfers") == ids("transfer_cost") == ["c2", "c3", "c4"]
    assert ids("ready_on_time_rate") == ["c2", "c3"]
    assert ids("collect_orders") == ["c1", "c2", "c3", "c4"]
    assert ids("avg_ready_days") == ["c1", "c2", "c3", "c4"]


def test_a_run_without_collect_orders_has_no_transfer_columns_or_figures():
    homes = [o for o in ORDERS if o.fields["delivery"] == "home"]
    run = decision_tables(
        router(COLLECT, world(), STOCK).route_batch(homes), order_lines(homes), nodes(),
        timezone=ZONE,
    )  # fmt: skip
    assert not run.collect and "ready_date" not in run.orders.columns
    kpis = compute_kpis(run, nodes(), inventory())
    assert not set(TRANSFER_KEYS) & set(kpis.keys)
    with pytest.raises(ValueError, match="a run with collect orders"):
        orders_behind(run, "transfers")


def test_the_transfer_columns_round_trip_through_parquet(tmp_path):
    run = tables()
    run.to_parquet(tmp_path)
    back = DecisionTables.from_parquet(tmp_path)
    assert back.collect
    for name in ("orders", "shipments", "allocations"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(run, name))
