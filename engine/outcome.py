"""What routing an order comes to, as a Decision: the shipments with their
distance, cost and eta (kpis.md), the unfilled lines with their reason, and the
status that the last strategy's `on shortage` gives (language.md §5)."""

from __future__ import annotations

import math

from engine.decision import Decision, Shipment, ShipmentLine, Unfilled
from engine.geo import chord_km
from engine.model import merged_lines

NO_STRATEGY = "no strategy applies"
NO_DESTINATION = "the order has no destination (dest_lat, dest_lon)"
NO_STOCK = "no candidate with stock"
SPLIT_LIMIT = "split limit reached"
REJECTED_WITH_ORDER = "order rejected: other lines are short"


class Parcels:
    """Makes Shipments for a network: node ids and cost columns as plain lists."""

    __slots__ = ("ids", "pick", "base", "per_km", "handling")

    def __init__(self, network):
        self.ids = network.ids
        self.pick = network.pick_cost.tolist()
        self.base = network.ship_cost_base.tolist()
        self.per_km = network.ship_cost_per_km.tolist()
        self.handling = network.handling_days.tolist()

    def shipment(self, node: int, skus, takes, half: float, strategy: str | None) -> Shipment:
        """Node `node` ships `takes[i]` units of `skus[i]` (zeros left out);
        `half`: its half-chord to the destination."""
        lines, units = [], 0
        for sku, qty in zip(skus, takes, strict=True):
            if qty > 0:
                lines.append(ShipmentLine(sku, qty))
                units += qty
        distance = chord_km(half)  # as km_from_half_chords does
        cost = self.pick[node] * units + self.base[node] + self.per_km[node] * distance
        eta = self.handling[node] + max(1, math.ceil(distance / 500.0))
        return Shipment(self.ids[node], tuple(lines), distance, cost, eta, strategy)


def decide(order_id, strategies, shipments, skus, qty, short, limited, on_shortage) -> Decision:
    """The decision for an order whose lines (`skus`, `qty`) have `short` units
    left after the chain `strategies`; `limited[i]`: line i was short because of
    a split limit, not stock (None: none was)."""
    if not any(short):
        return Decision(order_id, "routed", strategies, shipments)
    if limited is None:
        reasons = [NO_STOCK] * len(short)
    else:
        reasons = [SPLIT_LIMIT if flag else NO_STOCK for flag in limited]
    if on_shortage == "reject":
        every = tuple(
            Unfilled(sku, int(units), reasons[i] if short[i] else REJECTED_WITH_ORDER)
            for i, (sku, units) in enumerate(zip(skus, qty, strict=True))
        )
        return Decision(order_id, "rejected", strategies, (), every)
    unfilled = tuple(Unfilled(skus[i], int(q), reasons[i]) for i, q in enumerate(short) if q)
    if on_shortage == "backorder":
        return Decision(order_id, "backordered", strategies, shipments, unfilled)
    status = "partial" if shipments else "rejected"
    return Decision(order_id, status, strategies, shipments, unfilled)


def not_routed(order, reason: str, strategies: tuple[str, ...] = ()) -> Decision:
    """An order no strategy could take up: every unit unfilled, for `reason`."""
    skus, qty = merged_lines(order.lines)
    unfilled = tuple(Unfilled(sku, units, reason) for sku, units in zip(skus, qty, strict=True))
    return Decision(order.id, "unroutable", strategies, (), unfilled, reason=reason)
