"""The codes a batch's decision columns hold (engine.decision_batch): each order's
status, and why units are unfilled or an order is unroutable."""

from __future__ import annotations

from engine.decision import Status

STATUSES: tuple[Status, ...] = (
    "routed", "partial", "backordered", "rejected", "unroutable", "cancelled",
)  # fmt: skip
ROUTED, PARTIAL, BACKORDERED, REJECTED, UNROUTABLE, CANCELLED = range(6)
REASONS = (
    "",
    "no candidate with stock",
    "split limit reached",
    "order rejected: other lines are short",
    "no strategy applies",
    "the order has no destination (dest_lat, dest_lon)",
)
"""Why units are unfilled (code 0: nothing unfilled); the last two also name why an
order is unroutable."""
NONE, NO_STOCK, SPLIT_LIMIT, REJECTED_WITH_ORDER, NO_STRATEGY, NO_DESTINATION = range(6)
