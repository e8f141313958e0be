"""KPI figures of kpis.md checked to their exact values on a small hand-computed run.

The network (costs per node: pick / base / per km / handling days / capacity):
    DC1 dc     0.50 / 5.00 / 0.010 / 1.0 / 1 order a day
    ST1 store  1.00 / 3.00 / 0.020 / 0.5 / 1 order a day
    ST2 store  1.00 / 3.00 / 0.020 / 0.5 / unlimited
    3P1 3pl    0.25 / 6.00 / 0.005 / 2.0 / unlimited
Stock: DC1 A10 B3 E1, ST1 A2, ST2 A1, 3P1 C5. Strategy "peak" keeps 1 unit at ST1 and ST2.
Time zone Europe/Paris (UTC+1 in December).

Orders (final decisions), shipment cost = pick x units + base + per_km x km,
eta = handling + max(1, ceil(km / 500)):
  O1 web   12-01 A2 B1, promised 2: routed, DC1 A2 B1 100 km: 1.5+5+1 = 7.5, eta 1+1 = 2 (on time)
  O2 web   12-01 A1 C2, promised 1: routed, split in two shipments
           ST1 A1 10 km (peak): 1+3+0.2 = 4.2, eta 1.5; 3P1 C2 600 km (dc_backstop):
           0.5+6+3 = 9.5, eta 2+2 = 4 -> order cost 13.7, eta 4 (late)
  O3 mkt   12-01 23:30 UTC = 12-02 00:30 Paris, B3, no promise: partial, DC1 B2 250 km:
           1+5+2.5 = 8.5, eta 2; B x1 unfilled
  O4 store 12-02 D1, promised 3: unroutable
  O5 web   12-02 A1, promised 3: first ST1 (discarded), re-routed (last decision counts)
           to ST2 A1 1000 km (peak): 1+3+20 = 24, eta 0.5+2 = 2.5 (on time).
           ST2 A: 1 - 1 = 0 < keep 1 -> the breach; ST2 A started at 1, now 0 -> the stock-out
  O6 b2b   12-02 E4, promised 2: backordered, DC1 E1 50 km: 0.5+5+0.5 = 6, eta 2 (on time)
  O7 mkt   12-02 A5: rejected
"""

from __future__ import annotations

import json
import math
from datetime import date

import pandas as pd
import pytest

from simulations.decisions import DecisionTables, decision_tables
from simulations.kpis import OVERALL_KEYS, compute_kpis
from simulations.trace import orders_behind

D1, D2 = date(2025, 12, 1), date(2025, 12, 2)


def approx(value):
    return pytest.approx(value, rel=1e-12, abs=1e-12)


def make_nodes() -> pd.DataFrame:
    rows = [
        ("DC1", "dc", 0.50, 5.0, 0.010, 1.0, 1),
        ("ST1", "store", 1.00, 3.0, 0.020, 0.5, 1),
        ("ST2", "store", 1.00, 3.0, 0.020, 0.5, None),
        ("3P1", "3pl", 0.25, 6.0, 0.005, 2.0, None),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "id",
            "type",
            "pick_cost",
            "ship_cost_base",
            "ship_cost_per_km",
            "handling_days",
            "capacity",
        ],
    )
    frame["capacity"] = frame["capacity"].astype("Int64")
    frame["lat"] = [45.7, 48.9, 43.3, 50.6]
    frame["lon"] = [4.8, 2.3, 5.4, 3.1]
    frame["name"] = frame["id"]
    return frame


def make_orders() -> pd.DataFrame:
    rows = [
        ("O1", "2025-12-01T09:00Z", "web", 2.0, "A", 2),
        ("O1", "2025-12-01T09:00Z", "web", 2.0, "B", 1),
        ("O2", "2025-12-01T10:00Z", "web", 1.0, "A", 1),
        ("O2", "2025-12-01T10:00Z", "web", 1.0, "C", 2),
        ("O3", "2025-12-01T23:30Z", "marketplace", None, "B", 3),
        ("O4", "2025-12-02T08:00Z", "store", 3.0, "D", 1),
        ("O5", "2025-12-02T09:00Z", "web", 3.0, "A", 1),
        ("O6", "2025-12-02T10:00Z", "b2b", 2.0, "E", 4),
        ("O7", "2025-12-02T11:00Z", "marketplace", None, "A", 5),
    ]
    frame = pd.DataFrame(
        rows, columns=["order_id", "created_at", "channel", "promised_days", "sku", "qty"]
    )
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["delivery"] = "home"
    frame["tier"] = "standard"
    return frame


def make_inventory() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("DC1", "A", 10),
            ("DC1", "B", 3),
            ("DC1", "E", 1),
            ("ST1", "A", 2),
            ("ST2", "A", 1),
            ("3P1", "C", 5),
        ],
        columns=["node_id", "sku", "on_hand"],
    )


KEEP = pd.DataFrame({"strategy": ["peak", "peak"], "node_id": ["ST1", "ST2"], "keep": [1, 1]})


def shipment(node_id, km, *lines, strategy=None):
    """A decision's shipment with its figures worked out by hand (the module doc): the
    tables read them as the decision gives them."""
    node = make_nodes().set_index("id").loc[node_id]
    units = sum(q for _, q in lines)
    out = {
        "node_id": node_id,
        "lines": [{"sku": s, "qty": q} for s, q in lines],
        "distance_km": km,
        "cost": node["pick_cost"] * units + node["ship_cost_base"] + node["ship_cost_per_km"] * km,
        "eta_days": node["handling_days"] + max(1, math.ceil(km / 500)),
    }
    if strategy:
        out["strategy"] = strategy
    return out


def decision(order_id, status, strategies, shipments=(), unfilled=(), **extra):
    return {
        "order_id": order_id,
        "status": status,
        "strategies": list(strategies),
        "shipments": list(shipments),
        "unfilled": [{"sku": s, "qty": q, "reason": r} for s, q, r in unfilled],
        "explain": [],
        **extra,
    }


def make_decisions() -> list[dict]:
    return [
        decision("O1", "routed", ["std"], [shipment("DC1", 100.0, ("A", 2), ("B", 1))]),
        decision(
            "O2",
            "routed",
            ["peak", "dc_backstop"],
            [
                shipment("ST1", 10.0, ("A", 1), strategy="peak"),
                shipment("3P1", 600.0, ("C", 2), strategy="dc_backstop"),
            ],
        ),
        decision(
            "O3",
            "partial",
            ["std"],
            [shipment("DC1", 250.0, ("B", 2))],
            [("B", 1, "no candidate with stock")],
        ),
        decision("O4", "unroutable", [], unfilled=[("D", 1, "no strategy applies")]),
        decision("O5", "routed", ["peak"], [shipment("ST1", 20.0, ("A", 1))]),
        decision(
            "O6",
            "backordered",
            ["b2b"],
            [shipment("DC1", 50.0, ("E", 1))],
            [("E", 3, "backordered")],
        ),
        decision("O7", "rejected", ["std"], unfilled=[("A", 5, "shortage: reject")]),
        decision(
            "O5",
            "routed",
            ["peak"],
            [shipment("ST2", 1000.0, ("A", 1))],
            rerouted_from="ST1",
            reason="node offline",
        ),
    ]


@pytest.fixture(scope="module")
def tables() -> DecisionTables:
    return decision_tables(make_decisions(), make_orders(), make_nodes(), "Europe/Paris")


@pytest.fixture(scope="module")
def kpis(tables):
    return compute_kpis(tables, make_nodes(), make_inventory(), keep_levels=KEEP)


def test_overall_keys_are_exactly_the_kpis_md_names(kpis):
    assert tuple(kpis.overall) == OVERALL_KEYS
    assert list(json.loads(kpis.to_json())["overall"]) == list(OVERALL_KEYS)


def test_every_overall_kpi_to_its_hand_computed_value(kpis):
    o = kpis.overall
    # 7 orders; lines 2+2+1+1+1+1+1 = 9; units 3+3+3+1+1+4+5 = 20
    assert (o["orders"], o["lines"], o["units"]) == (7, 9, 20)
    # allocated 3+3+2+0+1+1+0 = 10 of 20
    assert o["fill_rate"] == approx(0.5)
    assert o["complete_rate"] == approx(3 / 7)  # O1 O2 O5
    assert o["partial_rate"] == approx(2 / 7)  # O3 (2 of 3) O6 (1 of 4)
    assert o["backorder_rate"] == approx(1 / 7)  # O6
    assert o["unroutable_rate"] == approx(2 / 7)  # O4 unroutable, O7 rejected
    # routed: O1 O2 O3 O5 O6 (5); split: O2
    assert o["split_rate"] == approx(1 / 5)
    assert o["shipments_per_order"] == approx(6 / 5)  # 1+2+1+1+1
    # distances 100 10 600 250 1000 50: sum 2010, mean 335;
    # p90: sorted [10 50 100 250 600 1000], rank 0.9 x 5 = 4.5 -> 600 + 0.5 x 400 = 800
    assert o["avg_distance_km"] == approx(335.0)
    assert o["p90_distance_km"] == approx(800.0)
    # cost 7.5 + 4.2 + 9.5 + 8.5 + 24 + 6 = 59.7 over 5 routed orders
    assert o["cost_per_order"] == approx(59.7 / 5)
    # eta per order 2, 4, 2, 2.5, 2 -> 12.5 / 5
    assert o["avg_eta_days"] == approx(2.5)
    # promised and routed: O1 (2<=2) O2 (4>1) O5 (2.5<=3) O6 (2<=2) -> 3 of 4
    assert o["on_time_rate"] == approx(0.75)
    assert o["protection_breaches"] == 1  # O5 took ST2's last A under keep 1
    assert o["store_stockouts"] == 1  # (ST2, A): 1 -> 0
    # node-days with a capacity: DC1 12-01 O1 = 1/1, DC1 12-02 O3 O6 = 2/1,
    # ST1 12-01 O2 = 1/1, ST1 12-02 none = 0/1 -> mean (1 + 2 + 1 + 0) / 4 = 1; one overflow
    assert o["node_utilisation"] == approx(1.0)
    assert o["capacity_overflows"] == 1
    assert o["co2_kg"] == approx(2010 * 0.12)


def test_values_are_plain_python_for_json(kpis):
    for value in kpis.overall.values():
        assert value is None or type(value) in (int, float)


def test_decision_tables_rows(tables):
    orders = tables.orders.set_index("order_id")
    assert list(orders.index) == ["O1", "O2", "O3", "O4", "O6", "O7", "O5"]  # final order
    assert orders.loc["O5", "n_decisions"] == 2
    assert orders.loc["O5", "rerouted_from"] == "ST1"
    assert orders.loc["O5", "reroute_reason"] == "node offline"
    assert orders.loc["O2", "strategies"] == "peak > dc_backstop"
    assert orders.loc["O2", "strategy"] == "peak"
    assert orders.loc["O2", "cost"] == approx(13.7)
    assert orders.loc["O2", "eta_days"] == approx(4.0)
    assert orders.loc["O3", "day"] == D2  # 23:30 UTC is past midnight in Paris
    assert orders.loc["O3", "unfilled_reason"] == "B x1: no candidate with stock"
    assert orders.loc["O6", "units_backordered"] == 3
    assert orders.loc["O3", "units_backordered"] == 0
    assert orders.loc["O3", "units_unfilled"] == 1
    assert orders["on_time"].dtype == "boolean"
    assert orders["on_time"].astype(object).fillna("n/a").to_dict() == {
        "O1": True,
        "O2": False,
        "O3": "n/a",  # no promised date
        "O4": "n/a",  # not routed
        "O6": True,
        "O7": "n/a",
        "O5": True,
    }
    shipments = tables.shipments
    assert shipments["cost"].tolist() == approx([7.5, 4.2, 9.5, 8.5, 6.0, 24.0])
    assert shipments["eta_days"].tolist() == [2.0, 1.5, 4.0, 2.0, 2.0, 2.5]
    assert shipments["node_type"].tolist() == ["dc", "store", "3pl", "dc", "dc", "store"]
    # a one-strategy chain names the shipment's strategy; a longer chain needs the key
    assert shipments["strategy"].tolist() == ["std", "peak", "dc_backstop", "std", "b2b", "peak"]
    allocations = tables.allocations
    assert allocations["seq"].tolist() == list(range(7))
    assert list(zip(allocations["order_id"], allocations["sku"], strict=True)) == [
        ("O1", "A"),
        ("O1", "B"),
        ("O2", "A"),
        ("O2", "C"),
        ("O3", "B"),
        ("O6", "E"),
        ("O5", "A"),
    ]


def test_by_channel(kpis):
    web = kpis.by_channel.set_index("channel").loc["web"]
    # O1 O2 O5: 7 units all allocated, 4 shipments over 3 routed orders
    assert (web["orders"], web["lines"], web["units"]) == (3, 5, 7)
    assert web["fill_rate"] == approx(1.0)
    assert web["split_rate"] == approx(1 / 3)
    assert web["shipments_per_order"] == approx(4 / 3)
    # distances 100 10 600 1000: mean 427.5; p90 rank 2.7 -> 600 + 0.7 x 400 = 880
    assert web["avg_distance_km"] == approx(427.5)
    assert web["p90_distance_km"] == approx(880.0)
    assert web["cost_per_order"] == approx((7.5 + 4.2 + 9.5 + 24.0) / 3)
    assert web["avg_eta_days"] == approx((2 + 4 + 2.5) / 3)
    assert web["on_time_rate"] == approx(2 / 3)
    assert web["protection_breaches"] == 1
    assert web["store_stockouts"] == 1
    assert web["co2_kg"] == approx(1710 * 0.12)
    assert "node_utilisation" not in kpis.by_channel.columns  # not attributable to a channel

    market = kpis.by_channel.set_index("channel").loc["marketplace"]
    assert market["fill_rate"] == approx(2 / 8)
    assert market["partial_rate"] == approx(0.5)
    assert market["unroutable_rate"] == approx(0.5)
    assert market["split_rate"] == approx(0.0)
    assert pd.isna(market["on_time_rate"])  # no promised date in the channel

    store = kpis.by_channel.set_index("channel").loc["store"]
    assert store["unroutable_rate"] == approx(1.0)
    assert pd.isna(store["split_rate"]) and pd.isna(store["cost_per_order"])
    assert store["co2_kg"] == approx(0.0)

    b2b = kpis.by_channel.set_index("channel").loc["b2b"]
    assert b2b["backorder_rate"] == approx(1.0)
    assert b2b["fill_rate"] == approx(0.25)


def test_by_node_type(kpis):
    by_type = kpis.by_node_type.set_index("node_type")
    assert list(by_type.index) == ["3pl", "dc", "store"]
    dc = by_type.loc["dc"]
    # O1 100 km 3 units 7.5; O3 250 km 2 units 8.5; O6 50 km 1 unit 6.0
    assert (dc["orders"], dc["shipments"], dc["units"]) == (3, 3, 6)
    assert dc["share_of_units"] == approx(6 / 10)
    assert dc["avg_distance_km"] == approx(400 / 3)
    assert dc["p90_distance_km"] == approx(220.0)  # [50 100 250], rank 1.8 -> 100 + 0.8 x 150
    assert dc["cost"] == approx(22.0)
    assert dc["cost_per_order"] == approx(22.0 / 3)
    assert dc["avg_eta_days"] == approx(2.0)
    assert dc["node_utilisation"] == approx(1.5)  # DC1: 1/1 then 2/1
    assert dc["capacity_overflows"] == 1
    assert dc["co2_kg"] == approx(400 * 0.12)
    store = by_type.loc["store"]
    # ST1 O2 10 km 4.2 eta 1.5; ST2 O5 1000 km 24 eta 2.5
    assert store["p90_distance_km"] == approx(901.0)  # 10 + 0.9 x 990
    assert store["cost"] == approx(28.2)
    assert store["avg_eta_days"] == approx(2.0)
    assert (store["protection_breaches"], store["store_stockouts"]) == (1, 1)
    assert store["node_utilisation"] == approx(0.5)  # ST1 1/1 then 0/1; ST2 unlimited
    third = by_type.loc["3pl"]
    assert third["cost_per_order"] == approx(9.5)
    assert pd.isna(third["node_utilisation"])  # unlimited capacity


def test_by_day(kpis):
    by_day = kpis.by_day.set_index("day")
    assert list(by_day.index) == [D1, D2]
    first, second = by_day.loc[D1], by_day.loc[D2]
    # 12-01: O1 O2, 3 shipments, [10 100 600], cost 21.2, eta 2 and 4, O1 on time, O2 late
    assert (first["orders"], first["lines"], first["units"]) == (2, 4, 6)
    assert first["split_rate"] == approx(0.5)
    assert first["avg_distance_km"] == approx(710 / 3)
    assert first["p90_distance_km"] == approx(500.0)
    assert first["cost_per_order"] == approx(10.6)
    assert first["avg_eta_days"] == approx(3.0)
    assert first["on_time_rate"] == approx(0.5)
    assert first["node_utilisation"] == approx(1.0)
    assert first["capacity_overflows"] == 0
    # 12-02: O3 O4 O5 O6 O7, 14 units, 4 allocated
    assert second["fill_rate"] == approx(4 / 14)
    assert second["complete_rate"] == approx(1 / 5)
    assert second["partial_rate"] == approx(2 / 5)
    assert second["unroutable_rate"] == approx(2 / 5)
    assert second["p90_distance_km"] == approx(850.0)  # [50 250 1000] rank 1.8
    assert second["cost_per_order"] == approx(38.5 / 3)
    assert second["on_time_rate"] == approx(1.0)
    assert (second["protection_breaches"], second["store_stockouts"]) == (1, 1)
    assert second["capacity_overflows"] == 1
    assert second["co2_kg"] == approx(1300 * 0.12)


def test_node_utilisation_table(kpis):
    table = kpis.node_utilisation.set_index(["node_id", "day"])
    assert len(table) == 8  # 4 nodes x 2 days
    assert table.loc[("DC1", D2), "orders_shipped"] == 2
    assert table.loc[("DC1", D2), "utilisation"] == approx(2.0)
    assert bool(table.loc[("DC1", D2), "overflow"])
    assert table.loc[("ST1", D2), "utilisation"] == approx(0.0)
    assert pd.isna(table.loc[("ST2", D2), "utilisation"])
    assert table["overflow"].sum() == 1


def test_breach_and_stockout_details(kpis):
    breach = kpis.breaches.iloc[0]
    assert (breach["order_id"], breach["node_id"], breach["sku"]) == ("O5", "ST2", "A")
    assert (breach["keep"], breach["stock_before"], breach["stock_after"]) == (1, 1, 0)
    stockout = kpis.stockouts.iloc[0]
    assert (stockout["node_id"], stockout["sku"], stockout["order_id"]) == ("ST2", "A", "O5")


def test_timezone_moves_orders_between_days():
    tables = decision_tables(make_decisions(), make_orders(), make_nodes(), "UTC")
    kpis = compute_kpis(tables, make_nodes(), make_inventory())
    # in UTC O3 is a 12-01 order: DC1 ships O1 and O3 that day (2 > 1), O6 alone on 12-02
    overflow = kpis.node_utilisation[kpis.node_utilisation["overflow"]]
    assert list(zip(overflow["node_id"], overflow["day"], strict=True)) == [("DC1", D1)]
    assert kpis.overall["protection_breaches"] == 0  # no keep levels given


def test_trace_back_matches_the_figures(tables, kpis):
    def ids(kpi, **filters):
        return orders_behind(tables, kpi, kpis=kpis, **filters)["order_id"].tolist()

    assert ids("split_rate") == ["O2"]
    assert ids("unroutable_rate") == ["O4", "O7"]
    assert ids("on_time_rate") == ["O2"]  # the late order
    assert ids("backorder_rate") == ["O6"]
    assert ids("fill_rate") == ["O3", "O4", "O6", "O7"]  # not fully allocated
    assert ids("complete_rate") == ["O1", "O2", "O5"]
    assert ids("partial_rate") == ["O3", "O6"]
    assert ids("cost_per_order") == ["O1", "O2", "O3", "O6", "O5"]  # the routed orders
    assert ids("p90_distance_km") == ["O5"]  # shipments at or above 800 km
    assert ids("protection_breaches") == ["O5"]
    assert ids("store_stockouts") == ["O5"]
    assert ids("capacity_overflows") == ["O3", "O6"]  # DC1 on 12-02
    assert ids("orders") == ["O1", "O2", "O3", "O4", "O6", "O7", "O5"]
    # filters select one breakdown cell
    assert ids("split_rate", channel="web") == ["O2"]
    assert ids("split_rate", channel="marketplace") == []
    assert ids("unroutable_rate", day=D2) == ["O4", "O7"]
    assert ids("unroutable_rate", day="2025-12-01") == []
    assert ids("avg_distance_km", node_type="store") == ["O2", "O5"]
    assert ids("protection_breaches", node_type="dc") == []
    # the trace-back reproduces the rate
    o = kpis.overall
    assert len(ids("split_rate")) / len(ids("cost_per_order")) == approx(o["split_rate"])
    assert len(ids("unroutable_rate")) / o["orders"] == approx(o["unroutable_rate"])


def test_trace_back_errors_are_clear(tables):
    with pytest.raises(ValueError, match="did you mean 'split_rate'"):
        orders_behind(tables, "split_rat")
    with pytest.raises(ValueError, match="pass kpis="):
        orders_behind(tables, "protection_breaches")
    with pytest.raises(ValueError, match="unknown filter colour"):
        orders_behind(tables, "split_rate", colour="red")


def test_replenishment_arrives_before_later_allocations():
    nodes = make_nodes()
    orders = make_orders()
    # O5 alone takes ST2's only A at 09:00 under keep 1: a breach and a stock-out ...
    tables = decision_tables(make_decisions()[-1:], orders, nodes, "Europe/Paris")
    bare = compute_kpis(tables, nodes, make_inventory(), keep_levels=KEEP)
    assert (bare.overall["protection_breaches"], bare.overall["store_stockouts"]) == (1, 1)
    # ... unless 2 units arrived at 08:00: stock 1 + 2 - 1 = 2, above keep and above 0
    early = pd.DataFrame(
        {"node_id": ["ST2"], "sku": ["A"], "at": [pd.Timestamp("2025-12-02T08:00Z")], "qty": [2]}
    )
    fed = compute_kpis(tables, nodes, make_inventory(), keep_levels=KEEP, replenishments=early)
    assert (fed.overall["protection_breaches"], fed.overall["store_stockouts"]) == (0, 0)
    # a delivery after the order does not help it
    late = early.assign(at=[pd.Timestamp("2025-12-02T10:00Z")])
    after = compute_kpis(tables, nodes, make_inventory(), keep_levels=KEEP, replenishments=late)
    assert after.overall["protection_breaches"] == 1


def test_unknown_strategy_uses_the_lowest_keep_of_the_chain():
    nodes, orders = make_nodes(), make_orders()
    # O5 from ST2 under the chain peak > dc_backstop, no per-shipment strategy:
    # peak keeps 1 at ST2 but dc_backstop keeps 0 there, so no breach can be proven
    chained = decision("O5", "routed", ["peak", "dc_backstop"], [shipment("ST2", 5.0, ("A", 1))])
    tables = decision_tables([chained], orders, nodes, "UTC")
    assert tables.shipments["strategy"].isna().all()
    kpis = compute_kpis(tables, nodes, make_inventory(), keep_levels=KEEP)
    assert kpis.overall["protection_breaches"] == 0
    strict = pd.concat([KEEP, pd.DataFrame({"strategy": ["dc_backstop"], "node_id": ["ST2"]})])
    strict["keep"] = strict["keep"].fillna(1)
    kpis = compute_kpis(tables, nodes, make_inventory(), keep_levels=strict)
    assert kpis.overall["protection_breaches"] == 1


def test_empty_run_gives_nulls_not_nan():
    kpis = compute_kpis(
        decision_tables([], make_orders(), make_nodes()), make_nodes(), make_inventory()
    )
    o = kpis.overall
    assert (o["orders"], o["lines"], o["units"], o["co2_kg"]) == (0, 0, 0, 0.0)
    for key in ("fill_rate", "split_rate", "p90_distance_km", "on_time_rate", "node_utilisation"):
        assert o[key] is None
    doc = json.loads(kpis.to_json())  # strict JSON: would raise on NaN
    assert doc["overall"]["fill_rate"] is None
    assert doc["by_day"] == [] and doc["node_utilisation"] == []


def test_kpis_json_document(kpis):
    doc = json.loads(kpis.to_json())
    assert doc["format"] == 1 and doc["co2_kg_per_km"] == 0.12
    assert doc["overall"]["split_rate"] == approx(0.2)
    assert [row["day"] for row in doc["by_day"]] == ["2025-12-01", "2025-12-02"]
    store = next(row for row in doc["by_channel"] if row["channel"] == "store")
    assert store["split_rate"] is None
    assert doc["breaches"][0]["order_id"] == "O5"
    assert len(doc["node_utilisation"]) == 8


def test_co2_constant_is_overridable(tables):
    kpis = compute_kpis(tables, make_nodes(), make_inventory(), co2_kg_per_km=0.2)
    assert kpis.overall["co2_kg"] == approx(2010 * 0.2)


def test_tables_round_trip_through_parquet(tables, tmp_path):
    written = tables.to_parquet(tmp_path)
    assert sorted(p.name for p in written.values()) == [
        "allocations.parquet",
        "decisions.parquet",
        "shipments.parquet",
    ]
    back = DecisionTables.from_parquet(tmp_path)
    pd.testing.assert_frame_equal(back.orders, tables.orders)
    pd.testing.assert_frame_equal(back.shipments, tables.shipments)
    pd.testing.assert_frame_equal(back.allocations, tables.allocations)


def test_decision_for_an_unknown_order_is_refused():
    with pytest.raises(ValueError, match="absent from the orders table: O9"):
        decision_tables([decision("O9", "unroutable", [])], make_orders(), make_nodes())


def test_kpi_modules_do_not_load_plotly():
    # architecture.md: plotly is for reports only; the KPI code must run without it
    import subprocess
    import sys

    code = (
        "import sys, simulations.decisions, simulations.kpis, simulations.trace;"
        "print('plotly' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
