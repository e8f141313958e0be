"""What routing returns: a Decision with its shipments, unfilled lines and
explanation, serialised to the one-line JSON that data.md fixes.

Figures are kept unrounded in memory; `to_json` rounds distance_km, cost and
eta_days to 2 decimals (Python's `round`, half-to-even on the binary value), so
the same decision always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

Status = Literal["routed", "partial", "backordered", "rejected", "unroutable", "cancelled"]
Outcome = Literal["excluded", "ranked", "chosen"]

DECIMALS = 2


@dataclass(frozen=True, slots=True)
class ShipmentLine:
    sku: str
    qty: int


@dataclass(frozen=True, slots=True)
class Carried:
    """How a parcel travels when routing has a carriers table (promise.md): the carrier
    service, its local pick, ship and delivery dates, its CO2, and whether the service
    `carrier by` preferred was full that day (`daily_parcels`)."""

    carrier: str
    service: str
    pick_date: dt.date
    ship_date: dt.date
    promised_date: dt.date
    co2_kg: float
    capped: bool = False


@dataclass(frozen=True, slots=True)
class Transfer:
    """A collect order's shipment from another node than its collect store: a leg to the
    store, with its own km (node → store), cost (kpis.md's shipment cost for that km)
    and days (docs/routing.md, "Click & collect transfers")."""

    to_node: str
    distance_km: float
    cost: float
    days: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "to_node": self.to_node,
            "distance_km": round(self.distance_km, DECIMALS),
            "cost": round(self.cost, DECIMALS),
            "days": round(self.days, DECIMALS),
        }


@dataclass(frozen=True, slots=True)
class Shipment:
    """One parcel: the lines a node ships for an order, with its distance, cost and
    eta (kpis.md: handling + max(1, ⌈km / 500⌉) days; with carriers, pick cost plus the
    carrier's price, and the days to the promised date), the strategy (chain step)
    that allocated it and, with carriers, how it travels."""

    node_id: str
    lines: tuple[ShipmentLine, ...]
    distance_km: float
    cost: float
    eta_days: float
    strategy: str | None = None
    carried: Carried | None = None
    transfer: Transfer | None = None
    """A collect order's leg to its store (None: the store's own stock, or not a
    collect order)."""
    ready_date: dt.date | None = None
    """A collect order's shipment: the local date its lines are ready at the store."""

    @property
    def units(self) -> int:
        return sum(line.qty for line in self.lines)

    @property
    def carrier(self) -> str | None:
        return None if self.carried is None else self.carried.carrier

    @property
    def service(self) -> str | None:
        return None if self.carried is None else self.carried.service

    @property
    def pick_date(self) -> dt.date | None:
        return None if self.carried is None else self.carried.pick_date

    @property
    def ship_date(self) -> dt.date | None:
        return None if self.carried is None else self.carried.ship_date

    @property
    def promised_date(self) -> dt.date | None:
        return None if self.carried is None else self.carried.promised_date

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "node_id": self.node_id,
            "lines": [{"sku": line.sku, "qty": line.qty} for line in self.lines],
            "distance_km": round(self.distance_km, DECIMALS),
            "cost": round(self.cost, DECIMALS),
            "eta_days": round(self.eta_days, DECIMALS),
        }
        carried = self.carried
        if carried is not None:
            out["carrier"] = carried.carrier
            out["service"] = carried.service
            out["ship_date"] = carried.ship_date.isoformat()
            out["promised_date"] = carried.promised_date.isoformat()
        if self.transfer is not None:
            out["transfer"] = self.transfer.to_dict()
        if self.ready_date is not None:
            out["ready_date"] = self.ready_date.isoformat()
        if self.strategy is not None:
            out["strategy"] = self.strategy
        return out


@dataclass(frozen=True, slots=True)
class Unfilled:
    """Units of a SKU that no shipment carries, and why."""

    sku: str
    qty: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"sku": self.sku, "qty": self.qty, "reason": self.reason}


Kind = Literal[
    "source",
    "within",
    "offline",
    "capacity",
    "shipped",
    "keep",
    "stock",
    "split",
    "single",
    "rank",
    "carrier",
    "transfer",
]
"""Which check an entry is about (docs/routing.md, "Explanations")."""


class Explanation(NamedTuple):
    """Why a node was excluded, where it ranked, or that it was chosen, under
    one strategy. `node_id` is None for a remark about the strategy itself.
    (A named tuple: an explanation holds an entry per node, made in bulk.)

    `clause` and `detail` are the text of the JSON; `kind`, `condition` and `facts`
    say the same as data, for readers that word it themselves (the studio): the
    check, the part of the condition concerned (a syntax tree: for `source`, the
    smallest part that fails; for `keep`, the keep's condition) and the figures."""

    strategy: str
    node_id: str | None
    outcome: Outcome
    clause: str
    detail: str
    kind: Kind | None = None
    condition: Any = None
    facts: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "node_id": self.node_id,
            "outcome": self.outcome,
            "clause": self.clause,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """The routing of one order (data.md, "decisions")."""

    order_id: str
    status: Status
    strategies: tuple[str, ...] = ()
    shipments: tuple[Shipment, ...] = ()
    unfilled: tuple[Unfilled, ...] = ()
    explain: tuple[Explanation, ...] = ()
    rerouted_from: str | None = None
    reason: str | None = None
    carriers: bool = False
    """Routed with a carriers table: the order has a `promised_date` (None without
    shipments)."""
    collect: bool = False
    """A collect order: it has a `ready_date` (None without shipments). A decision whose
    shipments have ready dates has one too (a re-route rebuilt from kept shipments)."""
    cancelled: tuple[ShipmentLine, ...] = ()
    """Units an `order_cancel` event took back (docs/reactions.md), per SKU."""

    @property
    def ready_date(self) -> dt.date | None:
        """When the whole order is ready at its collect store: the latest ready date of
        its shipments."""
        dates = [s.ready_date for s in self.shipments if s.ready_date is not None]
        return max(dates) if dates else None

    @property
    def transfers(self) -> tuple[Shipment, ...]:
        """Its transfer legs."""
        return tuple(s for s in self.shipments if s.transfer is not None)

    @property
    def promised_date(self) -> dt.date | None:
        """The latest promised date of its shipments (promise.md)."""
        dates = [s.promised_date for s in self.shipments if s.promised_date is not None]
        return max(dates) if dates else None

    @property
    def units_allocated(self) -> int:
        return sum(shipment.units for shipment in self.shipments)

    @property
    def units_unfilled(self) -> int:
        return sum(item.qty for item in self.unfilled)

    @property
    def units_cancelled(self) -> int:
        return sum(line.qty for line in self.cancelled)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "order_id": self.order_id,
            "status": self.status,
            "strategies": list(self.strategies),
            "shipments": [shipment.to_dict() for shipment in self.shipments],
        }
        if self.carriers:
            promised = self.promised_date
            out["promised_date"] = None if promised is None else promised.isoformat()
        if self.collect or any(s.ready_date is not None for s in self.shipments):
            ready = self.ready_date
            out["ready_date"] = None if ready is None else ready.isoformat()
        out["unfilled"] = [item.to_dict() for item in self.unfilled]
        if self.cancelled:
            out["cancelled"] = [{"sku": line.sku, "qty": line.qty} for line in self.cancelled]
        out["explain"] = [entry.to_dict() for entry in self.explain]
        if self.rerouted_from is not None:
            out["rerouted_from"] = self.rerouted_from
        if self.reason is not None:
            out["reason"] = self.reason
        return out

    def to_json(self) -> str:
        """One line of JSON, keys in data.md's order, non-ASCII kept as UTF-8."""
        return json.dumps(self.to_dict(), ensure_ascii=False, allow_nan=False)
