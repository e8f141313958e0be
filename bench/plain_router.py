"""A plain-Python router for one simple policy, written as a developer would in an
afternoon to check a product's claims: the CSV module in, JSON lines out, dicts and
loops, no numpy. It is the yardstick of `bench.end_to_end`, which requires
`sourcing route` to be faster end to end on the same files and to write the same bytes.

The policy (bench/nearest.route): every order line ships whole from the nearest node
that can ship (`can_ship`) within 400 km, keeping 1 unit of every SKU at stores; ties
go to the lower node id; orders in created_at order (ties by order id); nothing
available: the order is rejected ("split limit reached" when some node had a part of
the line, else "no candidate with stock"). Figures as kpis.md: haversine km, cost =
pick × units + base + per_km × km, eta = handling + max(1, ⌈km / 500⌉).

    python bench/plain_router.py NODES.csv INVENTORY.csv ORDERS.csv OUT.jsonl
"""

from __future__ import annotations

import csv
import json
import math
import sys
from datetime import UTC, datetime

RADIUS_KM = 400.0
KEEP_AT_STORES = 1
STRATEGY = "nearest"


def unit(lat: float, lon: float) -> tuple[float, float, float]:
    phi, lam = math.radians(lat), math.radians(lon)
    return (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))


def km_between(a, b) -> float:
    """Haversine on R = 6371 km, through the chord between two unit vectors."""
    dx, dy, dz = a[0] - b[0], a[1] - b[1], a[2] - b[2]
    return (2.0 * 6371.0) * math.asin(min(1.0, math.sqrt(dx * dx + dy * dy + dz * dz) * 0.5))


def number(text: str, default: float = 0.0) -> float:
    return float(text) if text.strip() else default


def main(nodes_path: str, inventory_path: str, orders_path: str, out_path: str) -> None:
    nodes = {}
    with open(nodes_path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            nodes[row["id"]] = {
                "point": unit(float(row["lat"]), float(row["lon"])),
                "ships": row["can_ship"].strip().lower() in ("true", "1", "yes"),
                "keep": KEEP_AT_STORES if row["type"] == "store" else 0,
                "pick": number(row["pick_cost"]),
                "base": number(row["ship_cost_base"]),
                "per_km": number(row["ship_cost_per_km"]),
                "handling": number(row["handling_days"]),
            }
    free: dict[tuple[str, str], int] = {}
    holders: dict[str, list[str]] = {}
    with open(inventory_path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (row["node_id"], row["sku"])
            if key not in free:
                holders.setdefault(row["sku"], []).append(row["node_id"])
            free[key] = free.get(key, 0) + int(row["on_hand"])
    for held in holders.values():
        held.sort()
    orders = []
    with open(orders_path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            moment = datetime.fromisoformat(row["created_at"]).astimezone(UTC)
            orders.append((moment, row["order_id"], row))
    orders.sort(key=lambda item: (item[0], item[1]))
    with open(out_path, "w", encoding="utf-8") as out:
        for _, order_id, row in orders:
            out.write(json.dumps(route(order_id, row, nodes, free, holders), ensure_ascii=False))
            out.write("\n")


def route(order_id: str, row: dict, nodes: dict, free: dict, holders: dict) -> dict:
    sku, qty = row["sku"], int(row["qty"])
    dest = unit(float(row["dest_lat"]), float(row["dest_lon"]))
    best, some = None, False
    for node_id in holders.get(sku, ()):  # in node id order
        node = nodes[node_id]
        if not node["ships"]:
            continue
        available = free[(node_id, sku)] - node["keep"]
        if available <= 0:
            continue
        km = km_between(node["point"], dest)
        if km > RADIUS_KM:
            continue
        some = True
        if available >= qty and (best is None or km < best[1]):
            best = (node_id, km)
    if best is None:
        reason = "split limit reached" if some else "no candidate with stock"
        return {
            "order_id": order_id,
            "status": "rejected",
            "strategies": [STRATEGY],
            "shipments": [],
            "unfilled": [{"sku": sku, "qty": qty, "reason": reason}],
            "explain": [],
        }
    node_id, km = best
    node = nodes[node_id]
    free[(node_id, sku)] -= qty
    cost = node["pick"] * qty + node["base"] + node["per_km"] * km
    eta = node["handling"] + max(1, math.ceil(km / 500.0))
    return {
        "order_id": order_id,
        "status": "routed",
        "strategies": [STRATEGY],
        "shipments": [
            {
                "node_id": node_id,
                "lines": [{"sku": sku, "qty": qty}],
                "distance_km": round(km, 2),
                "cost": round(cost, 2),
                "eta_days": round(eta, 2),
                "strategy": STRATEGY,
            }
        ],
        "unfilled": [],
        "explain": [],
    }


if __name__ == "__main__":
    main(*sys.argv[1:5])
