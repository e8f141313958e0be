"""simulations.run end to end: a tiny network and five orders worked out by hand go through
the real router, and every KPI of kpis.md comes out exactly; then replenishments, events,
the time window, progress, keep levels and the sliced flattening of big runs."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import engine
import simulations
from dsl import parse
from simulations.demo_data import generate

RULESET = """
ruleset "Tiny"
timezone "UTC"

strategy stores_first
  priority 1
  when order.channel == "web"
  source from node.type == "store"
  keep 1 unit at node.type == "store"
  rank by distance
  split none
  otherwise use any_node

strategy any_node
  priority 2
  when order.channel != "b2b"
  rank by distance
  split at most 2
  on shortage backorder
"""

# DC1 sits on the equator, ST1 one degree north of it; every order goes to ST1's spot,
# so ST1 is 0 km away and DC1 is 6371 × π/180 = 111.1949... km (111.19 in the decision's
# JSON; the tables keep the unrounded figure).
KM = 6371 * math.pi / 180
NODES = pd.DataFrame(
    {
        "id": ["DC1", "ST1"],
        "name": ["Warehouse", "Store"],
        "type": ["dc", "store"],
        "lat": [0.0, 1.0],
        "lon": [0.0, 0.0],
        "capacity": pd.array([None, 1], dtype="Int64"),
        "pick_cost": [0.5, 0.2],
        "ship_cost_base": [4.0, 3.0],
        "ship_cost_per_km": [0.01, 0.02],
        "handling_days": [1.0, 0.5],
    }
)
INVENTORY = pd.DataFrame(
    {"node_id": ["ST1", "ST1", "DC1", "DC1"], "sku": ["A", "B", "A", "B"], "on_hand": [3, 1, 1, 5]}
)


def order_lines() -> pd.DataFrame:
    rows = [
        # order, time (UTC), channel, sku, qty, promised days
        ("O1", "2026-03-02T10:00:00+00:00", "web", "A", 2, 1.0),
        ("O2", "2026-03-02T11:00:00+00:00", "web", "A", 1, 3.0),
        ("O3", "2026-03-02T12:00:00+00:00", "store", "B", 2, None),
        ("O3", "2026-03-02T12:00:00+00:00", "store", "A", 1, None),
        ("O4", "2026-03-03T09:00:00+00:00", "web", "B", 1, 2.0),
        ("O5", "2026-03-03T10:00:00+00:00", "b2b", "A", 1, 2.0),
    ]
    frame = pd.DataFrame(
        rows, columns=["order_id", "created_at", "channel", "sku", "qty", "promised_days"]
    )
    return frame.assign(delivery="home", dest_lat=1.0, dest_lon=0.0)


def policy():
    return engine.policy_of(RULESET, filename="tiny.route")


@pytest.fixture(scope="module")
def tiny():
    return simulations.run(policy(), NODES, INVENTORY, order_lines())


def test_the_router_decides_as_worked_out_by_hand(tiny):
    orders = tiny.decisions.set_index("order_id")
    # O1: ST1 has 3 A, keeps 1, ships 2 (its one order of the day).
    # O2: ST1's capacity is used up today: any_node sends DC1's only A.
    # O3: store channel → any_node; ST1 is full today, DC1 has B but no A left:
    #     DC1 ships B×2, A×1 is backordered.
    # O4: next day; ST1 keeps its only B under stores_first, any_node (no keep) takes it.
    # O5: b2b: no strategy applies.
    assert orders["status"].to_dict() == {
        "O1": "routed",
        "O2": "routed",
        "O3": "backordered",
        "O4": "routed",
        "O5": "unroutable",
    }
    assert orders["strategies"].to_dict() == {
        "O1": "stores_first",
        "O2": "stores_first > any_node",
        "O3": "any_node",
        "O4": "stores_first > any_node",
        "O5": "",
    }
    shipments = tiny.tables.shipments
    assert shipments[["order_id", "node_id", "strategy", "units"]].values.tolist() == [
        ["O1", "ST1", "stores_first", 2],
        ["O2", "DC1", "any_node", 1],
        ["O3", "DC1", "any_node", 2],
        ["O4", "ST1", "any_node", 1],
    ]
    assert orders.loc["O5", "unfilled_reason"] == "A x1: no strategy applies"


def test_every_kpi_is_exact(tiny):
    k = tiny.kpis.overall
    cost = 3.4 + (0.5 + 4 + 0.01 * KM) + (1.0 + 4 + 0.01 * KM) + 3.2
    assert k["orders"] == 5
    assert k["lines"] == 6
    assert k["units"] == 8
    assert k["fill_rate"] == 6 / 8
    assert k["complete_rate"] == 3 / 5  # O1, O2, O4
    assert k["partial_rate"] == 1 / 5  # O3: 2 of 3 units
    assert k["backorder_rate"] == 1 / 5  # O3
    assert k["unroutable_rate"] == 1 / 5  # O5
    assert k["split_rate"] == 0 / 4
    assert k["shipments_per_order"] == 4 / 4
    assert k["avg_distance_km"] == pytest.approx((0 + KM + KM + 0) / 4, abs=1e-12)
    assert k["p90_distance_km"] == pytest.approx(KM, abs=1e-12)  # [0, 0, KM, KM] at 2.7
    assert k["cost_per_order"] == pytest.approx(cost / 4, abs=1e-12)
    assert k["avg_eta_days"] == (1.5 + 2 + 2 + 1.5) / 4  # handling + max(1, ⌈km/500⌉)
    assert k["on_time_rate"] == 2 / 3  # O1 late (1.5 > 1), O2 and O4 on time
    assert k["protection_breaches"] == 0
    assert k["store_stockouts"] == 1  # ST1's only B, taken by O4
    assert k["node_utilisation"] == 1.0  # ST1: 1 of 1 on both days; DC1 unlimited
    assert k["capacity_overflows"] == 0
    assert k["co2_kg"] == pytest.approx(2 * KM * 0.12, abs=1e-12)


def test_breakdowns_by_channel_and_day(tiny):
    web = tiny.kpis.by_channel.set_index("channel").loc["web"]
    assert (web["orders"], web["units"], web["fill_rate"]) == (3, 4, 1.0)
    assert web["on_time_rate"] == 2 / 3
    days = tiny.kpis.by_day.set_index("day")
    assert days["orders"].to_dict() == {dt.date(2026, 3, 2): 3, dt.date(2026, 3, 3): 2}
    assert tiny.keep_levels.values.tolist() == [["stores_first", "ST1", 1]]
    assert tiny.rejects.empty


def test_replenishments_arrive_before_later_orders():
    arrivals = pd.DataFrame(
        {"node_id": ["DC1"], "sku": ["A"], "at": ["2026-03-02T11:30:00+00:00"], "qty": [1]}
    )
    sim = simulations.run(policy(), NODES, INVENTORY, order_lines(), arrivals)
    orders = sim.decisions.set_index("order_id")
    assert orders.loc["O3", "status"] == "routed"  # the A arrived at 11:30, O3 is at 12:00
    assert sim.kpis.overall["fill_rate"] == 7 / 8


def test_a_stock_only_known_from_a_replenishment_can_be_routed():
    arrivals = pd.DataFrame(
        {"node_id": ["DC1"], "sku": ["NEW"], "at": ["2026-03-01T00:00:00+00:00"], "qty": [4]}
    )
    lines = order_lines()
    lines.loc[lines["order_id"] == "O2", "sku"] = "NEW"
    sim = simulations.run(policy(), NODES, INVENTORY, lines, arrivals)
    shipped = sim.tables.allocations.set_index("order_id")
    assert (shipped.loc["O2", "node_id"], shipped.loc["O2", "sku"]) == ("DC1", "NEW")


def test_events_reroute_open_allocations():
    events = pd.DataFrame(
        {
            "at": ["2026-03-02T10:30:00+00:00"],
            "kind": ["node_offline"],
            "node_id": ["ST1"],
            "note": ["power cut"],
        }
    )
    sim = simulations.run(policy(), NODES, INVENTORY, order_lines(), events=events)
    assert sim.reroutes == 1
    o1 = sim.decisions.set_index("order_id").loc["O1"]
    assert o1["n_decisions"] == 2
    assert "ST1 offline" in o1["reroute_reason"]
    assert "ST1" not in set(sim.tables.shipments["node_id"])  # offline from 10:30 on


def test_the_period_keeps_orders_of_those_local_days():
    sim = simulations.run(policy(), NODES, INVENTORY, order_lines(), first_day=dt.date(2026, 3, 3))
    assert sim.decisions["order_id"].tolist() == ["O4", "O5"]
    sim = simulations.run(policy(), NODES, INVENTORY, order_lines(), last_day=dt.date(2026, 3, 2))
    assert sim.decisions["order_id"].tolist() == ["O1", "O2", "O3"]


def test_progress_goes_from_zero_to_the_total():
    seen = []
    simulations.run(
        policy(), NODES, INVENTORY, order_lines(), on_progress=lambda *a: seen.append(a)
    )
    assert seen[0] == (0, 5)
    assert seen[-1] == (5, 5)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_explained_orders_keep_their_reasons():
    sim = simulations.run(policy(), NODES, INVENTORY, order_lines(), explain={"O2"})
    assert set(sim.explanations) == {"O2"}
    capacity = [e for e in sim.explanations["O2"] if e.node_id == "ST1"]
    assert capacity[0].clause == "capacity"
    again = simulations.explain_orders(sim.policy, sim.inputs, ["O2"])
    assert again["O2"] == sim.explanations["O2"]


def test_a_keep_that_reads_the_order_uses_the_lowest_level_met():
    text = RULESET.replace(
        'keep 1 unit at node.type == "store"',
        'keep 2 units at node.type == "store" and order.channel == "web"',
    )
    sim = simulations.run(engine.policy_of(text), NODES, INVENTORY, order_lines())
    assert sim.keep_levels.values.tolist() == [["stores_first", "ST1", 2]]  # web orders only


# ------------------------------------------------------------ on demo data


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    paths = generate(folder, orders=400, nodes=30, skus=200, start="2026-11-01", days=40)
    return {name: str(path) for name, path in paths.items()}


def test_orders_of_a_batch_are_the_rows_of_the_table(demo):
    """The engine's columnar batch reads the same values as the table rows give, cell by
    cell: an order's header from its first line, every line column on its line."""
    lines = engine.tables.load_orders(demo["orders"], timezone="Europe/Paris").frame
    batch = engine.OrderBatch.from_frame(lines, policy().tz)
    rows = lines.to_dict("records")
    header = [c for c in engine.columns.ORDER_LEVEL_COLUMNS if c != "created_at"]
    at = 0
    for i in range(len(batch)):
        order = batch.order(i)
        first = rows[at]
        assert order.id == first["order_id"]
        assert order.created_at == first["created_at"].to_pydatetime()
        assert order.fields == {c: engine.model.plain(first[c]) for c in header}
        for line in order.lines:
            row = rows[at]
            assert line.sku == row["sku"] and line.qty == row["qty"]
            assert line.fields["unit_price"] == row["unit_price"]
            at += 1
        for name in ("channel", "delivery", "collect_node", "tier", "category"):
            assert batch.value(name)[i] == order.get(name)
    assert at == len(rows)


def test_orders_explained_alone_leave_the_replay_unchanged(demo):
    """Orders asked to be explained are routed alone, between blocks; the decisions and
    the KPIs are those of the replay that explains nothing."""
    france = parse(Path("rulesets/france.route").read_text(encoding="utf-8"))
    tables = {name: demo[name] for name in ("nodes", "inventory", "orders", "replenishments")}
    plain_run = simulations.run(france, **tables)
    picked = plain_run.decisions["order_id"].iloc[::7].tolist()
    explained = simulations.run(france, **tables, explain=picked)
    assert set(explained.explanations) == set(picked)
    for name in ("orders", "shipments", "allocations"):
        pd.testing.assert_frame_equal(
            getattr(plain_run.tables, name), getattr(explained.tables, name), check_like=False
        )
    assert plain_run.kpis.to_json() == explained.kpis.to_json()
    assert np.array_equal(plain_run.decisions["decision_seq"], np.arange(len(plain_run.decisions)))


def test_orders_routed_together_decide_as_orders_routed_one_by_one(demo, monkeypatch):
    """Between two arrivals the replay routes orders together (kernel blocks); routed
    one at a time, with the stock arriving in between, they decide the same."""
    france = parse(Path("rulesets/france.route").read_text(encoding="utf-8"))
    tables = {name: demo[name] for name in ("nodes", "inventory", "orders", "replenishments")}
    together = simulations.run(france, **tables)
    monkeypatch.setattr(engine.router, "BLOCK", 1)
    alone = simulations.run(france, **tables)
    for name in ("orders", "shipments", "allocations"):
        pd.testing.assert_frame_equal(getattr(together.tables, name), getattr(alone.tables, name))
    assert together.kpis.to_json() == alone.kpis.to_json()
    assert len(together.tables.shipments) > 300


def test_a_period_of_a_run_reads_as_a_run_of_that_period(demo):
    """`Simulation.between` narrows every figure to the orders of those days: a run's first
    weeks read exactly as a run that stopped there (same orders, same stock met), and the
    whole period is the whole run."""
    france = parse(Path("rulesets/france.route").read_text(encoding="utf-8"))
    whole = simulations.run(france, **demo)
    last = dt.date(2026, 11, 20)
    prefix = simulations.run(france, **demo, last_day=last)
    seen = whole.between(None, last)
    assert seen.kpis.overall == prefix.kpis.overall
    assert set(seen.decisions["order_id"]) == set(prefix.decisions["order_id"])
    assert seen.kpis.by_day.equals(prefix.kpis.by_day)
    assert whole.between(None, None).kpis.overall == whole.kpis.overall
    rest = whole.between(last + dt.timedelta(days=1), None)
    assert seen.kpis.overall["orders"] + rest.kpis.overall["orders"] == whole.kpis.overall["orders"]
    assert rest.tables.shipments["day"].min() > last
