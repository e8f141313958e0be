"""How POST /route routes the orders it has checked (docs/service.md, "How a batch is
routed"): in created_at order, then order id, each after the restocked returns due
by its instant, committing each; decisions come back in the request's order.

A batch without explanations is routed in blocks — the router's batch path
(`Router.route_in`, one kernel call for a run of orders, as a replay routes) and the
reactions' `record` keeping their allocations — cut wherever a restock falls due
between two orders, so that it lands first. The decisions are the ones routing the
orders one by one gives (tests/test_service_fast.py); the cost per order is a small
part of it. One order, and orders to explain, are routed one by one
(`Reactions.route`).
"""

from __future__ import annotations

import numpy as np

from engine.decision import Decision
from engine.model import Order
from engine.order_batch import OrderBatch, instant_ns
from engine.reactions import Reactions
from engine.router import routing_order
from service.restocks import Restocks


def routed_orders(
    reactions: Reactions, restocks: Restocks, orders: list[Order], explain: bool
) -> list[Decision]:
    """Route checked orders (see the module doc); their decisions in the orders' order."""
    if len(orders) > 1 and not explain:
        return _in_blocks(reactions, restocks, orders)
    decided = {}
    for order in sorted(orders, key=lambda o: (o.created_at, o.id)):
        restocks.land(order.created_at)
        decided[order.id] = reactions.route(order, explain=explain)
    return [decided[order.id] for order in orders]


def _in_blocks(reactions: Reactions, restocks: Restocks, orders: list[Order]) -> list[Decision]:
    router = reactions.router
    batch = OrderBatch.from_orders(orders, router.tz)
    rows = routing_order(batch)
    instants = batch.instants[rows]
    decisions: list[Decision | None] = [None] * len(orders)
    start = 0
    while start < len(rows):
        start = _piece(reactions, restocks, batch, rows, instants, start, decisions)
    reactions.ledger.settle(batch.ids)  # as Reactions.route does, order by order
    return [decision for decision in decisions if decision is not None]


def _piece(
    reactions: Reactions,
    restocks: Restocks,
    batch: OrderBatch,
    rows: np.ndarray,
    instants: np.ndarray,
    start: int,
    decisions: list[Decision | None],
) -> int:
    """Land the restocks due by the order at `start` (in routing order), route it and
    the orders after it up to the next restock due, keep their allocations and
    decisions; where the next piece starts."""
    router = reactions.router
    restocks.land(batch.created(int(rows[start])))
    due = restocks.next_due()
    end = len(rows)
    if due is not None:
        end = int(np.searchsorted(instants, instant_ns(due, router.tz), "left"))
    piece = rows[start:end]
    routed = list(router.route_rows(batch, piece))
    reactions.record(batch, piece, routed)
    for row, decision in zip(piece.tolist(), routed, strict=True):
        decisions[row] = decision
    return end
