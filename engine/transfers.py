"""Click & collect: which shipments of a collect order are transfer legs to its store,
and when each is ready for collection (docs/routing.md, "Click & collect transfers").

One function labels shipments, `label`, for every path that makes them: the bulk
columns (`engine.blocks.unpack`), one order (`engine.blocks.decision_of`) and a re-route
(`engine.router.Router.reroute`). A collect order is one whose `delivery` is "collect"
and whose `collect_node` is a node of the network.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine import kernel
from engine.order_batch import OrderBatch

NOT_COLLECT = -1
"""The store of an order that is not a collect order."""


@dataclass
class CollectColumns:
    """Per order its collect store (a node index, NOT_COLLECT: not a collect order);
    per shipment, when it is a transfer leg (`leg_to` ≥ 0, the store) the leg's km,
    cost and days, and the local day it is ready at the store (-1: not a collect
    order's shipment)."""

    store: np.ndarray
    leg_to: np.ndarray
    leg_km: np.ndarray
    leg_cost: np.ndarray
    leg_days: np.ndarray
    ready_day: np.ndarray

    @classmethod
    def empty(cls, orders: int, ships: int) -> CollectColumns:
        none = np.full(ships, NOT_COLLECT, dtype=np.int64)
        zero = np.zeros(ships, dtype=np.float64)
        return cls(np.full(orders, NOT_COLLECT, dtype=np.int64), none, zero, zero.copy(),
                   zero.copy(), none.copy())  # fmt: skip

    def take(self, orders: np.ndarray, ships: np.ndarray) -> CollectColumns:
        return CollectColumns(
            self.store[orders], self.leg_to[ships], self.leg_km[ships], self.leg_cost[ships],
            self.leg_days[ships], self.ready_day[ships],
        )  # fmt: skip

    @classmethod
    def concat(
        cls, parts: Sequence[CollectColumns | None], orders: list[int], ships: list[int]
    ) -> CollectColumns:
        """Parts joined; a part without the columns has no collect order."""
        given = [
            cls.empty(n, m) if part is None else part
            for part, n, m in zip(parts, orders, ships, strict=True)
        ]
        return cls(*(np.concatenate([getattr(p, f) for p in given]) for f in _FIELDS))


_FIELDS = ("store", "leg_to", "leg_km", "leg_cost", "leg_days", "ready_day")


def collect_stores(batch: OrderBatch, node_ids: Sequence[str]) -> np.ndarray:
    """Per order of the batch, its collect store's node index (NOT_COLLECT: not a
    collect order), worked out once per batch."""

    def make() -> np.ndarray:
        index = {node_id: i for i, node_id in enumerate(node_ids)}
        delivery, store = batch.value("delivery"), batch.value("collect_node")
        return np.array(
            [
                index.get(node, NOT_COLLECT) if how == "collect" else NOT_COLLECT
                for how, node in zip(delivery, store, strict=True)
            ],
            dtype=np.int64,
        )

    return batch.derived(("collect stores", id(node_ids)), make)


def label(
    network: kernel.NetworkColumns,
    store: np.ndarray,
    local_day: int,
    ship_node: np.ndarray,
    ship_units: np.ndarray,
    ship_eta: np.ndarray,
    promised_day: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The collect columns of shipments (one per row of `ship_node`), each of an order
    placed on the local day number `local_day` whose collect store is `store` (per
    shipment; NOT_COLLECT: not a collect order): `leg_to`, `leg_km`, `leg_cost`,
    `leg_days`, `ready_day`.

    A shipment from another node than the store is a leg: km from node to store, cost
    as kpis.md's shipment cost for that km, days as kpis.md's eta (handling + transit)
    or, routed with carriers, the shipment's own days to its promised date; it is
    ready on the order's local day + ⌈days⌉ (with carriers: the promised date). The
    store's own shipment is ready on the local day + ⌈the store's handling_days⌉."""
    x, y, z, pick, base, per_km, handling = network
    count = len(ship_node)
    leg_to = np.full(count, NOT_COLLECT, dtype=np.int64)
    leg_km = np.zeros(count, dtype=np.float64)
    leg_cost = np.zeros(count, dtype=np.float64)
    leg_days = np.zeros(count, dtype=np.float64)
    ready = np.full(count, -1, dtype=np.int64)
    for s in np.flatnonzero(store >= 0).tolist():
        node, to = int(ship_node[s]), int(store[s])
        if node == to:
            ready[s] = local_day + math.ceil(float(handling[to]))
            continue
        half = 0.5 * math.sqrt(
            (x[node] - x[to]) ** 2 + (y[node] - y[to]) ** 2 + (z[node] - z[to]) ** 2
        )
        km = kernel.distance_km(half)
        leg_to[s], leg_km[s] = to, km
        leg_cost[s] = kernel.shipment_cost(
            pick[node], base[node], per_km[node], int(ship_units[s]), km
        )
        if promised_day is not None and promised_day[s] >= 0:
            leg_days[s] = float(ship_eta[s])
            ready[s] = int(promised_day[s])
        else:
            leg_days[s] = kernel.shipment_eta(handling[node], km)
            ready[s] = local_day + math.ceil(leg_days[s])
    return leg_to, leg_km, leg_cost, leg_days, ready
