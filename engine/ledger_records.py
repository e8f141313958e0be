"""What the allocation ledger (engine.ledger) keeps of each order: its record, its
parcels and their allocations, and what one change to an order did."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from engine.decision import Decision, Shipment, Unfilled
from engine.model import Order


@dataclass(slots=True)
class Parcel:
    """One shipment of an order and the local day its node's capacity counted it."""

    shipment: Shipment
    day: dt.date


@dataclass(slots=True)
class Allocation:
    """Units of one SKU that a node ships for an order, in one parcel; `id` grows with
    time, so a larger id is a newer promise."""

    id: int
    order_id: str
    node_id: str
    sku: str
    qty: int
    routed_at: dt.datetime
    open_until: dt.datetime
    parcel: Parcel | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "order_id": self.order_id,
            "node_id": self.node_id,
            "sku": self.sku,
            "qty": self.qty,
            "routed_at": self.routed_at.isoformat(),
            "open_until": self.open_until.isoformat(),
        }


@dataclass(slots=True)
class OrderRecord:
    """An order as the ledger follows it: its latest decision and number (1 for the
    first routing), its parcels, and where each ordered unit stands."""

    order: Order
    decision: Decision
    revision: int
    routed_at: dt.datetime
    parcels: list[Parcel] = field(default_factory=list)
    allocations: list[int] = field(default_factory=list)
    backorders: list[Unfilled] = field(default_factory=list)
    """Units waiting for stock (released when it arrives)."""
    dropped: tuple[Unfilled, ...] = ()
    """Units the first routing left unfilled for good (partial, reject, unroutable)."""
    cancelled: dict[str, int] = field(default_factory=dict)
    shipped: dict[str, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How a later decision names this one in `rerouted_from`."""
        return f"{self.order.id}#{self.revision}"

    @property
    def primary(self) -> str:
        return self.decision.strategies[0]


@dataclass(frozen=True, slots=True)
class Reroute:
    """What one change to an order did: the new decision, allocations gone (fully
    released or shipped) and allocations made."""

    decision: Decision
    released: tuple[Allocation, ...]
    created: tuple[Allocation, ...]
