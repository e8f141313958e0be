"""The vectorised stock walk against a plain allocation-by-allocation walk of docs/kpis.md,
on random runs with replenishments, keep levels and chains of unknown strategy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from routing_world import node as node_row

import engine
from simulations.decisions import decision_tables
from simulations.stock_ledger import walk_stock

NODES = ["DC1", "ST1", "ST2", "ST3"]
TYPES = {"DC1": "dc", "ST1": "store", "ST2": "store", "ST3": "dark_store"}
SKUS = ["A", "B", "C", "D", "E"]
STRATEGIES = ["std", "peak", "backstop"]


def nodes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": NODES,
            "type": [TYPES[n] for n in NODES],
            "pick_cost": 1.0,
            "ship_cost_base": 2.0,
            "ship_cost_per_km": 0.01,
            "handling_days": 1.0,
        }
    )


def random_run(seed: int):
    """Orders, JSON decisions, inventory, keep levels and replenishments of a small run."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-02-01T00:00Z")
    lines, decisions = [], []
    minutes = np.sort(rng.integers(0, 3000, size=60))
    for number, minute in enumerate(minutes):
        order_id = f"O{number}"
        created = start + pd.Timedelta(minutes=int(minute))
        chain = list(rng.choice(STRATEGIES, size=rng.integers(1, 3), replace=False))
        shipments = []
        for node in rng.choice(NODES, size=rng.integers(1, 3), replace=False):
            skus = rng.choice(SKUS, size=rng.integers(1, 3), replace=False)
            items = [{"sku": str(s), "qty": int(rng.integers(1, 4))} for s in skus]
            shipment = {
                "node_id": str(node),
                "lines": items,
                "distance_km": 10.0,
                "cost": 1.0,
                "eta_days": 1.0,
            }
            if len(chain) > 1 and rng.random() < 0.5:
                shipment["strategy"] = str(rng.choice(chain))
            shipments.append(shipment)
            for item in items:
                lines.append((order_id, created, item["sku"], item["qty"]))
        decisions.append(
            {"order_id": order_id, "status": "routed", "strategies": chain, "shipments": shipments}
        )
    orders = pd.DataFrame(lines, columns=["order_id", "created_at", "sku", "qty"])
    pairs = [(n, s) for n in NODES for s in SKUS if rng.random() < 0.8]
    inventory = pd.DataFrame(
        [(n, s, int(rng.integers(0, 6))) for n, s in pairs], columns=["node_id", "sku", "on_hand"]
    )
    keep = pd.DataFrame(
        [
            (st, n, int(rng.integers(0, 3)))
            for st in STRATEGIES
            for n in NODES
            if rng.random() < 0.6
        ],
        columns=["strategy", "node_id", "keep"],
    )
    arrivals = pd.DataFrame(
        {
            "node_id": rng.choice(NODES, size=25),
            "sku": rng.choice(SKUS, size=25),
            "at": [start + pd.Timedelta(minutes=int(m)) for m in rng.integers(0, 3200, size=25)],
            "qty": rng.integers(1, 5, size=25),
        }
    )
    return orders, decisions, inventory, keep, arrivals


def reference_walk(tables, inventory, keep, arrivals):
    """docs/kpis.md's stock walk, one allocation at a time."""
    stock: dict = {}
    for row in inventory.itertuples():
        stock[(row.node_id, row.sku)] = stock.get((row.node_id, row.sku), 0) + row.on_hand
    opening = dict(stock)
    levels = keep.groupby(["strategy", "node_id"])["keep"].max().to_dict()
    chains = tables.orders.set_index("order_id")["strategies"].to_dict()
    due = arrivals.sort_values("at", kind="stable").to_dict("records")
    clock, breaches, emptied = None, [], {}
    for a in tables.allocations.sort_values("seq").to_dict("records"):
        clock = a["created_at"] if clock is None else max(clock, a["created_at"])
        while due and due[0]["at"] <= clock:
            arrival = due.pop(0)
            pair = (arrival["node_id"], arrival["sku"])
            stock[pair] = stock.get(pair, 0) + arrival["qty"]
        pair = (a["node_id"], a["sku"])
        stock[pair] = stock.get(pair, 0) - a["qty"]
        named = [a["strategy"]] if pd.notna(a["strategy"]) else chains[a["order_id"]].split(" > ")
        level = min(levels.get((s, a["node_id"]), 0) for s in named)
        if stock[pair] < level:
            breaches.append((a["seq"], level, stock[pair] + a["qty"], stock[pair]))
        started = opening.get(pair, 0)
        if a["node_type"] == "store" and started > 0 and stock[pair] <= 0 and pair not in emptied:
            emptied[pair] = (a["seq"], started)
    return breaches, sorted(emptied.values())


@pytest.mark.parametrize("seed", range(8))
def test_walk_matches_the_allocation_by_allocation_walk(seed):
    orders, decisions, inventory, keep, arrivals = random_run(seed)
    tables = decision_tables(decisions, orders, nodes())
    walk = walk_stock(tables, inventory, keep, arrivals)
    breaches, stockouts = reference_walk(tables, inventory, keep, arrivals)
    got = walk.breaches[["seq", "keep", "stock_before", "stock_after"]]
    assert [tuple(int(v) for v in row) for row in got.itertuples(index=False)] == breaches
    got = walk.stockouts[["seq", "on_hand"]]
    assert [tuple(int(v) for v in row) for row in got.itertuples(index=False)] == stockouts
    assert len(breaches) > 0 and len(stockouts) > 0  # the runs do exercise both


def test_walk_without_keep_levels_or_replenishments():
    orders, decisions, inventory, _keep, _arrivals = random_run(3)
    tables = decision_tables(decisions, orders, nodes())
    walk = walk_stock(tables, inventory)
    no_keep = pd.DataFrame({"strategy": [], "node_id": [], "keep": []})
    breaches, stockouts = reference_walk(tables, inventory, no_keep, _arrivals.iloc[:0])
    assert walk.breaches["seq"].tolist() == [seq for seq, *_ in breaches]
    assert walk.stockouts["seq"].tolist() == [seq for seq, _ in stockouts]


def test_inventory_adds_up_a_node_and_sku_given_twice_and_keeps_the_others():
    """A frame handed to the engine directly (the loaders reject such rows) may
    repeat a (node, SKU) pair: its quantities add up, whatever comes last."""
    network = engine.Network.from_frame(
        pd.DataFrame([node_row("DC-LYON", "lyon", "dc"), node_row("ST-PARIS", "paris")])
    )
    stock = pd.DataFrame(
        [("DC-LYON", "A", 5), ("ST-PARIS", "A", 2), ("DC-LYON", "A", 0), ("DC-LYON", "B", 3)],
        columns=["node_id", "sku", "on_hand"],
    )
    inventory = engine.Inventory.from_frame(stock, network)
    assert inventory.on_hand_of("DC-LYON", "A") == 5
    assert inventory.on_hand_of("ST-PARIS", "A") == 2
    assert inventory.on_hand_of("DC-LYON", "B") == 3
    assert inventory.free_of("DC-LYON", "A") == 5
