"""The durable-rules reactions under a long stream: 12,000 events mixed with
4,000 orders over a week, on a seeded random network. Nothing may crash,
every unit ordered must end allocated or unfilled, stock must never be
oversold, and working memory must hold exactly the open allocations."""

from __future__ import annotations

import datetime as dt
import random
import time

import pandas as pd

import engine
from engine.events import Event

EVENTS = 12_000
OUTAGES = 40
ORDERS = 4_000
NODES = 14
SKUS = 40
START = dt.datetime(2026, 11, 16, 6, 0, tzinfo=dt.UTC)
SPAN = dt.timedelta(days=7)
RULESET = """ruleset "Stress"
timezone "Europe/Paris"

strategy express "Express from stores"
  priority 10
  when order.delivery == "express"
  source from node.type == "store"
  within 300 km
  keep 1 unit at node.tags has "flagship"
  rank by distance
  split none
  otherwise use stores_and_dcs

strategy stores_and_dcs "Stores and warehouses"
  priority 20
  when order.channel in ["web", "marketplace"]
  source from node.type in ["dc", "store"]
  rank by shipments, distance, cost
  split at most 2
  otherwise use backstop

strategy picky "Partial only"
  priority 30
  when order.channel == "b2b"
  source from node.type == "dc"
  rank by stock desc
  split at most 2
  on shortage partial

strategy backstop "Warehouses"
  priority 1000
  source from node.type == "dc"
  rank by stock desc, node.priority
  split at most 3
  on shortage backorder
"""


def network(rng: random.Random):
    rows = []
    for i in range(NODES):
        kind = "dc" if i < 4 else "store"
        rows.append(
            {
                "id": f"N{i:02d}",
                "type": kind,
                "lat": rng.uniform(43.5, 50.5),
                "lon": rng.uniform(-1.0, 7.0),
                "tags": "flagship" if i in (4, 5) else "",
                "capacity": None if kind == "dc" else rng.choice([None, 40, 80]),
                "priority": i,
                "pick_cost": 0.4,
                "ship_cost_base": 3.0,
                "ship_cost_per_km": 0.01,
                "handling_days": rng.choice([0.25, 0.5, 1.0, 2.0]),
            }
        )
    nodes = engine.Network.from_frame(pd.DataFrame(rows))
    stock = [
        {"node_id": f"N{i:02d}", "sku": f"S{s:02d}", "on_hand": rng.randint(10, 150)}
        for i in range(NODES)
        for s in range(SKUS)
    ]
    return nodes, engine.Inventory.from_frame(pd.DataFrame(stock), nodes)


def orders(rng: random.Random) -> list[engine.Order]:
    out = []
    for i in range(ORDERS):
        lines = tuple(
            engine.Line(f"S{s:02d}", rng.randint(1, 3))
            for s in rng.sample(range(SKUS), rng.choice([1, 1, 1, 2, 2, 3]))
        )
        fields = {
            "channel": rng.choice(["web", "web", "marketplace", "b2b", "store"]),
            "delivery": rng.choice(["home", "home", "express"]),
            "tier": "standard",
            "dest_lat": rng.uniform(43.5, 50.5),
            "dest_lon": rng.uniform(-1.0, 7.0),
        }
        at = START + SPAN * rng.random()
        out.append(engine.Order(f"O{i:05d}", at, lines, fields))
    return out


def events(rng: random.Random) -> list[Event]:
    """Outages (a node offline, back 1 to 6 hours later), stock counts,
    replenishments and capacity changes at random instants."""
    out = []
    for _ in range(OUTAGES):
        at = START + SPAN * rng.random()
        node = f"N{rng.randrange(NODES):02d}"
        out.append(Event(at, "node_offline", node, note="outage"))
        out.append(Event(at + dt.timedelta(hours=rng.uniform(1, 6)), "node_online", node))
    while len(out) < EVENTS:
        at = START + SPAN * rng.random()
        node = f"N{rng.randrange(NODES):02d}"
        sku = f"S{rng.randrange(SKUS):02d}"
        kind = rng.choices(["stock_adjust", "replenish", "capacity_change"], weights=[4, 4, 1])[0]
        if kind == "stock_adjust":
            out.append(Event(at, kind, node, sku, rng.randint(0, 40), "cycle count"))
        elif kind == "replenish":
            out.append(Event(at, kind, node, sku, rng.randint(10, 80)))
        else:
            out.append(Event(at, kind, node, qty=rng.choice([None, 5, 30, 100])))
    rng.shuffle(out)
    return out


def test_a_long_stream_of_events_and_orders_keeps_every_unit_accounted_for(capsys):
    rng = random.Random(20261116)
    nodes, inventory = network(rng)
    stream_orders, stream_events = orders(rng), events(rng)
    ordered = sum(line.qty for order in stream_orders for line in order.lines)

    with engine.Session(engine.policy_of(RULESET), nodes, inventory, follow=True) as replaying:
        session = replaying.reactions
        started = time.perf_counter()
        emitted = rerouted = 0
        for step in replaying.replay(stream_orders, (), stream_events):
            for decision in step.decisions:
                emitted += 1
                rerouted += decision.rerouted_from is not None
                if emitted % 2_000 == 0:  # the bookkeeping holds all along, not only at the end
                    assert session.problems() == []
        elapsed = time.perf_counter() - started

        assert session.events_applied == EVENTS
        assert len(session.ledger.orders) == ORDERS
        assert emitted == ORDERS + rerouted
        assert rerouted > 500  # the stream really exercised the reactions
        assert session.problems() == []
        totals = session.ledger.totals()
        assert totals["ordered"] == ordered
        assert totals["allocated"] + totals["unfilled"] + totals["cancelled"] == ordered
        assert (inventory.free[: len(inventory.skus)] >= 0).all()
        held = [f for f in session.facts() if f["t"] == "allocation"]
        assert sorted(f["aid"] for f in held) == sorted(session.ledger.open)
        statuses = pd.Series([r.decision.status for r in session.ledger.orders.values()])
        assert "routed" in set(statuses)
        assert session.ledger.released_units > 0  # receipts released backorders
    assert session.facts() == []

    with capsys.disabled():
        print(
            f"\n[reactions stress] {EVENTS:,} events + {ORDERS:,} orders in {elapsed:.2f} s: "
            f"{(EVENTS + ORDERS) / elapsed:,.0f} items/s, {rerouted:,} re-routes; "
            f"allocated {totals['allocated']:,} + unfilled {totals['unfilled']:,} = "
            f"ordered {ordered:,} units; statuses {statuses.value_counts().to_dict()}"
        )
