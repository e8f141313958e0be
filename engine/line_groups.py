"""`lines where`: an order's lines grouped by the strategy that takes them, each group
routed on its own, and the groups' decisions put back together as the order's
(docs/routing.md, "Line groups").

A line goes to the first strategy — in the order strategies are tried — that is in
force at the routing instant, whose `when` holds for the order and whose `lines where`
holds for that line (a strategy without `lines where` takes every line it gets to).
Only a ruleset with a `lines where` is grouped; any other routes as it always has.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from engine.compiler import CompiledStrategy, Policy
from engine.decision import Decision, Unfilled
from engine.decision_batch import DecisionBatch
from engine.expressions import line_predicate
from engine.model import Order
from engine.order_batch import OrderBatch, from_ns

LineTest = Callable[[Any, Any], bool]


class LineGroups:
    """A policy's `lines where` clauses, ready to split orders into groups."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self.tests: list[tuple[CompiledStrategy, LineTest | None]] = [
            (st, None if st.lines_where is None else line_predicate(st.lines_where, policy.tz))
            for st in policy.strategies
        ]
        self.active = any(test is not None for _, test in self.tests)
        """Whether some strategy has `lines where` (else orders are never split)."""

    def split(
        self, batch: OrderBatch, rows: np.ndarray
    ) -> tuple[OrderBatch, np.ndarray, list[int]]:
        """The orders at `rows` (routing order) as groups: a batch of one order per group
        (in the same order, each at its order's instant, its strategy given), the rows
        to route it by, and for each group the position in `rows` of its order."""
        groups: list[Order] = []
        chosen: list[str | None] = []
        owners: list[int] = []
        instants: list[int] = []
        for k, row in enumerate(rows.tolist()):
            order = batch.order(row)
            instant = int(batch.instants[row])
            for strategy, lines in self._groups(order, instant):
                groups.append(replace(order, lines=tuple(lines)))
                chosen.append(strategy)
                owners.append(k)
                instants.append(instant)
        split = OrderBatch.from_orders(groups, self.policy.tz)
        split.instants = np.array(instants, dtype=np.int64)
        split.strategy_ids = chosen
        return split, np.arange(len(groups), dtype=np.int64), owners

    def _groups(self, order: Order, instant_ns: int) -> list[tuple[str | None, list[Any]]]:
        instant = from_ns(instant_ns)
        applies = [
            (st, test)
            for st, test in self.tests
            if st.in_force(instant) and (st.when is None or st.when(order))
        ]
        grouped: dict[str | None, list[Any]] = {}
        for line in order.lines:
            taken = next((st.id for st, test in applies if test is None or test(order, line)), None)
            grouped.setdefault(taken, []).append(line)
        return list(grouped.items())


def merged(decisions: Sequence[Decision], owners: list[int]) -> list[Decision]:
    """The groups' decisions put back together, one per order (docs/routing.md, "Line
    groups"): the strategies tried, in group order, each once; every shipment and
    unfilled line; the status the groups agree on, else `backordered` when one is,
    `partial` when something ships, `rejected` otherwise."""
    by_owner: dict[int, list[Decision]] = {}
    for decision, owner in zip(decisions, owners, strict=True):
        by_owner.setdefault(owner, []).append(decision)
    out = []
    for owner in sorted(by_owner):
        parts = by_owner[owner]
        if len(parts) == 1:
            out.append(parts[0])
            continue
        statuses = {part.status for part in parts}
        shipments = tuple(shipment for part in parts for shipment in part.shipments)
        if len(statuses) == 1:
            status = parts[0].status
        elif "backordered" in statuses:
            status = "backordered"
        else:
            status = "partial" if shipments else "rejected"
        chain = tuple(dict.fromkeys(st for part in parts for st in part.strategies))
        out.append(
            Decision(
                parts[0].order_id,
                status,
                chain,
                shipments,
                _unfilled(parts),
                tuple(entry for part in parts for entry in part.explain),
                reason=parts[0].reason if status == "unroutable" else None,
                carriers=parts[0].carriers,
                collect=any(part.collect for part in parts),
            )
        )
    return out


def _unfilled(parts: list[Decision]) -> tuple[Unfilled, ...]:
    """The groups' unfilled lines, one per SKU (units added, the first group's reason)."""
    by_sku: dict[str, Unfilled] = {}
    for item in (item for part in parts for item in part.unfilled):
        known = by_sku.get(item.sku)
        by_sku[item.sku] = item if known is None else replace(known, qty=known.qty + item.qty)
    return tuple(by_sku.values())


def merged_batch(
    decisions: DecisionBatch, owners: list[int], rows: np.ndarray, node_ids: Sequence[str]
) -> DecisionBatch:
    """`merged` for a batch: the orders' decisions, in the order of `rows`."""
    batch = DecisionBatch.of(merged(list(decisions), owners), node_ids)
    batch.order_rows = rows
    if not any(batch.explain or ()):
        batch.explain = None
    batch.rerouted_from = None
    batch.notes = None
    return batch
