"""Small hand-made networks for the bound's tests: the tables a replay reads, a ruleset
of one strategy, and a brute-force optimum of the same allocation problem worked out
by enumerating every integer allocation (docs/kpis.md, "The model")."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import pandas as pd

from engine.geo import distance_km


@dataclass
class World:
    """Nodes as (id, type, lat, lon, capacity or None, pick, base, per_km); stock as
    {(node, sku): units}; orders as (id, ISO time, lat, lon, {sku: qty}) in time order."""

    nodes: list[tuple]
    stock: dict[tuple[str, str], int]
    orders: list[tuple]
    source: str = 'node.type in ["dc", "store"]'
    within: float | None = None
    keep: int = 0
    split: int = 2
    rank: str = "distance"
    penalty: float = 50.0
    arrivals: list[tuple[str, str, str, int]] = field(default_factory=list)

    def ruleset(self) -> str:
        lines = ['ruleset "Bound test"', 'timezone "UTC"', "", "strategy only"]
        lines.append(f"  source from {self.source}")
        if self.within is not None:
            lines.append(f"  within {self.within} km")
        if self.keep:
            lines.append(f'  keep {self.keep} units at node.type == "store"')
        lines.append(f"  rank by {self.rank}")
        lines.append("  split none" if self.split == 1 else f"  split at most {self.split}")
        return "\n".join(lines) + "\n"

    def tables(self) -> dict[str, pd.DataFrame]:
        nodes = pd.DataFrame(
            [
                {"id": n[0], "name": n[0], "type": n[1], "lat": n[2], "lon": n[3],
                 "capacity": n[4], "pick_cost": n[5], "ship_cost_base": n[6],
                 "ship_cost_per_km": n[7], "handling_days": 1.0}
                for n in self.nodes
            ]
        )  # fmt: skip
        nodes["capacity"] = pd.array(nodes["capacity"], dtype="Int64")
        inventory = pd.DataFrame(
            [{"node_id": n, "sku": s, "on_hand": q} for (n, s), q in self.stock.items()]
        )
        orders = pd.DataFrame(
            [
                {"order_id": o[0], "created_at": o[1], "channel": "web", "delivery": "home",
                 "tier": "standard", "dest_lat": o[2], "dest_lon": o[3], "sku": sku,
                 "qty": qty, "unit_price": 10.0}
                for o in self.orders
                for sku, qty in o[4].items()
            ]
        )  # fmt: skip
        tables = {"nodes": nodes, "inventory": inventory, "orders": orders}
        if self.arrivals:
            tables["replenishments"] = pd.DataFrame(
                self.arrivals, columns=["node_id", "sku", "at", "qty"]
            )
        return tables

    def km(self, order, node) -> float:
        return distance_km(order[2], order[3], node[2], node[3])

    def candidates(self, order) -> list[tuple]:
        types = {"dc", "store"} if "store" in self.source else {"dc"}
        return [
            n for n in self.nodes
            if n[1] in types and (n[4] is None or n[4] > 0)
            and (self.within is None or self.km(order, n) <= self.within)
        ]  # fmt: skip

    def brute_force(self) -> float:
        """The cheapest integer allocation of all orders (one day, no arrivals): cost of
        kpis.md plus the penalty per unit unfilled, within stock, keep, capacity and
        split; every way of placing every unit is tried."""
        plans = [self._plans(order) for order in self.orders]
        best = math.inf
        for choice in itertools.product(*plans):
            if self._feasible(choice):
                best = min(best, sum(cost for cost, _ in choice))
        return best

    def _plans(self, order) -> list[tuple[float, dict]]:
        """Every allocation of one order: (its cost, {(node, sku): units})."""
        nodes = self.candidates(order)
        per_line = []
        for sku, qty in order[4].items():
            ways = []
            for split in itertools.product(range(qty + 1), repeat=len(nodes)):
                if sum(split) <= qty:
                    ways.append({(n[0], sku): u for n, u in zip(nodes, split, strict=True) if u})
            per_line.append((qty, ways))
        plans = []
        for combo in itertools.product(*(ways for _, ways in per_line)):
            used: dict[tuple[str, str], int] = {}
            for part in combo:
                used.update(part)
            shipping = {n for n, _ in used}
            if len(shipping) > self.split:
                continue
            placed = sum(used.values())
            cost = self.penalty * (sum(q for q, _ in per_line) - placed)
            for node in nodes:
                units = sum(u for (n, _), u in used.items() if n == node[0])
                if units:
                    cost += node[5] * units + node[6] + node[7] * self.km(order, node)
            plans.append((cost, used))
        return plans

    def _feasible(self, choice) -> bool:
        by_node = {n[0]: n for n in self.nodes}
        taken: dict[tuple[str, str], int] = {}
        kept: dict[tuple[str, str], int] = {}
        shipments: dict[str, int] = {}
        for _, used in choice:
            for (node, sku), units in used.items():
                taken[(node, sku)] = taken.get((node, sku), 0) + units
                if by_node[node][1] == "store":
                    kept[(node, sku)] = kept.get((node, sku), 0) + units
            for node in {n for n, _ in used}:
                shipments[node] = shipments.get(node, 0) + 1
        for pair, units in taken.items():
            if units > self.stock.get(pair, 0):
                return False
        for pair, units in kept.items():
            if units > max(self.stock.get(pair, 0) - self.keep, 0):
                return False
        return all(by_node[n][4] is None or k <= by_node[n][4] for n, k in shipments.items())
