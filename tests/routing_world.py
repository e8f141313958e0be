"""Small hand-made networks, stock and orders for the engine's tests, built as
the data.md frames the table loaders produce."""

from __future__ import annotations

import datetime as dt

import pandas as pd

import engine
from engine.router import Router

# Real coordinates, so distances read as a user expects (Paris–Lyon ≈ 392 km).
PLACES = {
    "paris": (48.8566, 2.3522),
    "versailles": (48.8049, 2.1204),
    "lyon": (45.7640, 4.8357),
    "lille": (50.6292, 3.0573),
    "marseille": (43.2965, 5.3698),
    "bordeaux": (44.8378, -0.5792),
}


def node(node_id: str, place: str, type_: str = "store", **fields) -> dict:
    lat, lon = PLACES[place]
    row = {
        "id": node_id,
        "name": node_id.title(),
        "type": type_,
        "lat": lat,
        "lon": lon,
        "country": "FR",
        "region": place,
        "tags": (),
        "can_ship": True,
        "can_collect": type_ == "store",
        "capacity": None,
        "priority": 1,
        "pick_cost": 0.5,
        "ship_cost_base": 4.0,
        "ship_cost_per_km": 0.01,
        "handling_days": 1.0,
    }
    row.update(fields)
    return row


def network(*rows: dict) -> engine.Network:
    return engine.Network.from_frame(pd.DataFrame(list(rows)))


def inventory(net: engine.Network, stock: dict[tuple[str, str], int]) -> engine.Inventory:
    frame = pd.DataFrame(
        [{"node_id": n, "sku": s, "on_hand": q} for (n, s), q in stock.items()],
        columns=["node_id", "sku", "on_hand"],
    )
    return engine.Inventory.from_frame(frame, net)


def order(
    order_id: str,
    lines: dict[str, int] | list[tuple[str, int]],
    at: str | dt.datetime = "2026-03-02T10:00:00+00:00",
    place: str = "paris",
    **fields,
) -> engine.Order:
    created = dt.datetime.fromisoformat(at) if isinstance(at, str) else at
    lat, lon = PLACES[place]
    header = {
        "channel": "web",
        "delivery": "home",
        "collect_node": None,
        "tier": "standard",
        "dest_lat": lat,
        "dest_lon": lon,
        "country": "FR",
        "region": place,
        "postal_code": "75001",
    }
    header.update(fields)
    items = lines.items() if isinstance(lines, dict) else lines
    made = tuple(
        engine.Line(sku, qty, {"sku": sku, "qty": qty, "unit_price": 10.0, "category": "toys"})
        for sku, qty in items
    )
    return engine.Order(order_id, created, made, header)


def router(text: str, net: engine.Network, stock: dict) -> Router:
    policy = engine.policy_of(text)
    return engine.Session(policy, net, inventory(net, stock)).router


def ships(decision: engine.Decision) -> list[tuple[str, dict[str, int]]]:
    """Shipments as (node id, {sku: qty}) for short assertions."""
    return [(s.node_id, {line.sku: line.qty for line in s.lines}) for s in decision.shipments]
