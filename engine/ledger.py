"""The allocation ledger: what a router has promised, which promises are still
open, and the re-routes that move them when something goes wrong.

An allocation is one shipment line (order, node, SKU, units). It is *open*
from routing until its node's `handling_days` have passed; then the parcel has
left: the units leave the node's on-hand and the allocation is closed for
good. Only open allocations can be released and re-routed.

Stock bookkeeping (per node and SKU): `on_hand − free` is always the sum of
the open allocations there, and `free` never stays below 0 after an event.
Every order's latest decision satisfies allocated + unfilled == ordered.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from dsl.errors import SourcingError
from engine.decision import Decision, Shipment, ShipmentLine, Status, Unfilled
from engine.limits import STOCK, OutOfRange
from engine.model import Order
from engine.router import Router
from engine.windows import LocalDays, as_instant

BACKORDERED = "backordered after a re-route"


class OrderAlreadyRouted(SourcingError, ValueError):
    """An order id the ledger already holds: routing it again would promise twice."""


@dataclass(slots=True)
class Allocation:
    """Units of one SKU that a node ships for an order; `id` grows with time,
    so a larger id is a newer promise."""

    id: int
    order_id: str
    node_id: str
    sku: str
    qty: int
    routed_at: dt.datetime
    open_until: dt.datetime

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
    """An order as the ledger follows it: its latest decision and its number
    (1 for the first routing), and the local day each shipment was counted on."""

    order: Order
    decision: Decision
    revision: int
    routed_at: dt.datetime
    days: dict[str, dt.date] = field(default_factory=dict)
    allocations: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        """How a later decision names this one in `rerouted_from`."""
        return f"{self.order.id}#{self.revision}"


@dataclass(frozen=True, slots=True)
class Reroute:
    """What one re-route changed: the new decision, allocations gone (fully
    released) and allocations made."""

    decision: Decision
    released: tuple[Allocation, ...]
    created: tuple[Allocation, ...]


class Ledger:
    """Open allocations of the orders routed through it, and their re-routes."""

    def __init__(self, router: Router):
        self.router = router
        self.inventory = router.inventory
        self.network = router.network
        self.orders: dict[str, OrderRecord] = {}
        self.open: dict[int, Allocation] = {}
        self.shipped_units = 0
        self.clock: dt.datetime | None = None
        self._due: list[tuple[dt.datetime, int]] = []
        self._next_id = 1
        self._days = LocalDays(router.tz)
        self.finished_window: int | None = None
        """None (the default): every order's record is kept, as a replay reads
        them all. A number N: an order is forgotten once it is finished (see
        `settle`), and the ids of the last N forgotten orders are remembered."""
        self.finished: dict[str, None] = {}
        """Ids of the orders forgotten, oldest first (a dict keeps insertion order)."""

    # ------------------------------------------------------------ routing
    def instant(self, at: dt.datetime) -> dt.datetime:
        return as_instant(at, self.router.tz)

    def record(self, order: Order, decision: Decision, at: dt.datetime) -> list[Allocation]:
        """Keep a routed order's decision; its shipment lines become open allocations."""
        if self.known(order.id):
            raise OrderAlreadyRouted(f"order {order.id!r} was already routed")
        instant = self.instant(at)
        record = OrderRecord(order, decision, 1, instant)
        self.orders[order.id] = record
        return self._allocate(record, decision.shipments, instant)

    def advance(self, at: dt.datetime) -> list[Allocation]:
        """Move the clock to `at` (never back) and close the allocations whose
        handling time has passed: their units leave the node."""
        instant = self.instant(at)
        if self.clock is None or instant > self.clock:
            self.clock = instant
        closed = []
        due = self._due
        while due and due[0][0] <= self.clock:
            _, allocation_id = heapq.heappop(due)
            allocation = self.open.pop(allocation_id, None)
            if allocation is None:
                continue  # released by a re-route
            row, col = self._cell(allocation.node_id, allocation.sku)
            self.inventory.on_hand[row, col] -= allocation.qty  # free is unchanged
            self.shipped_units += allocation.qty
            closed.append(allocation)
        return closed

    def known(self, order_id: str) -> bool:
        """Whether `order_id` was routed here: held, or forgotten within the window."""
        return order_id in self.orders or order_id in self.finished

    def settle(self, order_ids: Iterable[str]) -> int:
        """With a `finished_window`, forget the orders among `order_ids` that are
        finished — no allocation of theirs open, nothing backordered — keeping
        only their ids (the oldest ids beyond the window go). Memory then follows
        what is open, not every order ever routed. Returns how many it forgot."""
        window = self.finished_window
        if window is None:
            return 0
        forgotten = 0
        for order_id in order_ids:
            record = self.orders.get(order_id)
            if record is None or record.decision.status == "backordered":
                continue
            if any(allocation_id in self.open for allocation_id in record.allocations):
                continue
            del self.orders[order_id]
            self.finished[order_id] = None
            forgotten += 1
        excess = len(self.finished) - window
        if excess > 0:
            for order_id in list(itertools.islice(self.finished, excess)):
                del self.finished[order_id]
        return forgotten

    # ------------------------------------------------------------- events
    def check_receipt(self, node_id: str, sku: str, qty: int) -> None:
        """OutOfRange when a receipt of `qty` units would take the node's on-hand
        units of `sku` above engine.limits.STOCK: nothing is received then."""
        on_hand = self.inventory.on_hand_of(node_id, sku)
        if on_hand + qty > STOCK.high:
            raise OutOfRange(
                f"a replenish of {qty:,} unit(s) of {sku!r} at {node_id} would take its "
                f"{on_hand:,} units on hand above {STOCK.high:,}, the most one position holds"
            )

    def count(self, node_id: str, sku: str, on_hand: int) -> int:
        """A stock count found `on_hand` units: set it, and return how many
        units the open allocations there now lack (0 when the count covers them)."""
        delta = on_hand - self.inventory.on_hand_of(node_id, sku)
        if delta:
            self.inventory.receive(node_id, sku, delta)  # a negative receipt lowers both
        return max(0, -self.inventory.free_of(node_id, sku))

    def newest_first(self, allocation_ids: Iterable[int], units: int) -> dict[int, int]:
        """Units to take back from open allocations, newest first, until `units`
        are found: {allocation id: units}."""
        taken: dict[int, int] = {}
        for allocation_id in sorted(set(allocation_ids), reverse=True):
            if units <= 0:
                break
            allocation = self.open[allocation_id]
            take = min(allocation.qty, units)
            taken[allocation_id] = take
            units -= take
        return taken

    def reroute(self, lost: dict[int, int], reason: str, at: dt.datetime) -> list[Reroute]:
        """Release `lost` units of open allocations ({id: units}) and place them
        again with each order's own strategy chain, away from the nodes they
        leave; what nothing can take is backordered. Orders go oldest first."""
        instant = self.instant(at)
        by_order: dict[str, dict[int, int]] = {}
        for allocation_id in sorted(lost):
            allocation = self.open.get(allocation_id)
            if allocation is None:
                raise KeyError(f"allocation {allocation_id} is not open")
            if not 0 < lost[allocation_id] <= allocation.qty:
                raise ValueError(f"cannot take {lost[allocation_id]} units of {allocation}")
            by_order.setdefault(allocation.order_id, {})[allocation_id] = lost[allocation_id]
        oldest_first = sorted(by_order, key=lambda oid: min(by_order[oid]))
        return [
            self._reroute(self.orders[oid], by_order[oid], reason, instant) for oid in oldest_first
        ]

    # ------------------------------------------------------------- audit
    def problems(self) -> list[str]:
        """Broken bookkeeping, if any: units lost or allocated twice, oversold
        stock, open allocations that disagree with stock or decisions."""
        out = []
        for record in self.orders.values():
            ordered: dict[str, int] = {}
            for line in record.order.lines:
                ordered[line.sku] = ordered.get(line.sku, 0) + line.qty
            placed: dict[str, int] = {}
            for shipment in record.decision.shipments:
                for shipped in shipment.lines:
                    placed[shipped.sku] = placed.get(shipped.sku, 0) + shipped.qty
            for item in record.decision.unfilled:
                placed[item.sku] = placed.get(item.sku, 0) + item.qty
            if placed != ordered:
                out.append(f"order {record.order.id}: ordered {ordered}, accounted {placed}")
        free = self.inventory.free[: len(self.inventory.skus)]
        if (free < 0).any():
            rows, cols = (free < 0).nonzero()
            out.append(f"oversold: {len(rows)} node/SKU position(s) below 0 free units")
        held = self.inventory.on_hand - self.inventory.free
        expected = held * 0
        for allocation in self.open.values():
            row, col = self._cell(allocation.node_id, allocation.sku)
            expected[row, col] += allocation.qty
        if (held != expected).any():
            out.append("open allocations disagree with on_hand − free")
        return out

    def totals(self) -> dict[str, int]:
        """Units ordered, allocated (shipped or open) and unfilled over the
        latest decision of every order."""
        ordered = allocated = unfilled = 0
        for record in self.orders.values():
            ordered += sum(line.qty for line in record.order.lines)
            allocated += record.decision.units_allocated
            unfilled += record.decision.units_unfilled
        return {"ordered": ordered, "allocated": allocated, "unfilled": unfilled}

    # ------------------------------------------------------------ inner
    def _cell(self, node_id: str, sku: str) -> tuple[int, int]:
        return self.inventory.row(sku), self.network.index[node_id]

    def _allocate(
        self, record: OrderRecord, shipments: Iterable[Shipment], instant: dt.datetime
    ) -> list[Allocation]:
        made = []
        day = self._days.day(instant)
        for shipment in shipments:
            handling = float(self.network.handling_days[self.network.index[shipment.node_id]])
            until = instant + dt.timedelta(days=handling)
            record.days[shipment.node_id] = day
            for line in shipment.lines:
                allocation = Allocation(
                    self._next_id, record.order.id, shipment.node_id, line.sku, line.qty,
                    instant, until,
                )  # fmt: skip
                self._next_id += 1
                self.open[allocation.id] = allocation
                record.allocations.append(allocation.id)
                heapq.heappush(self._due, (until, allocation.id))
                made.append(allocation)
        return made

    def _reroute(
        self, record: OrderRecord, lost: dict[int, int], reason: str, instant: dt.datetime
    ) -> Reroute:
        released = []
        removed: dict[tuple[str, str], int] = {}
        for allocation_id, units in lost.items():
            allocation = self.open[allocation_id]
            self.inventory.release(allocation.node_id, allocation.sku, units)
            allocation.qty -= units
            key = (allocation.node_id, allocation.sku)
            removed[key] = removed.get(key, 0) + units
            if allocation.qty == 0:
                del self.open[allocation_id]
                released.append(allocation)
        decision = record.decision
        kept = []
        for shipment in decision.shipments:
            smaller = self._without(shipment, removed)
            if smaller is not None:
                kept.append(smaller)
            else:  # the parcel is gone: its node gets back that day's capacity
                self.router.release_shipment(shipment.node_id, record.days[shipment.node_id])
        need: dict[str, int] = {}
        for (_, sku), units in removed.items():
            need[sku] = need.get(sku, 0) + units
        leaving = {node_id for node_id, _ in removed}
        new, rest, tried = self.router.reroute(
            record.order,
            need,
            instant,
            chain=decision.strategies[:1],
            kept=[s.node_id for s in kept],
            exclude=leaving,
        )
        created = self._allocate(record, new, instant)
        backordered = tuple(
            Unfilled(sku, qty, f"{BACKORDERED}: {reason}") for sku, qty in rest.items()
        )
        unfilled = decision.unfilled + backordered
        status: Status
        if not unfilled:
            status = "routed"
        elif backordered or decision.status == "backordered":
            status = "backordered"
        else:
            status = decision.status
        chain = [
            st.id
            for st in self.router.policy.chain(self.router.policy.strategy(decision.strategies[0]))
        ]
        used = set(decision.strategies) | set(tried)
        rerouted = Decision(
            record.order.id,
            status,
            tuple(step for step in chain if step in used),
            tuple(kept) + new,
            unfilled,
            rerouted_from=record.label,
            reason=reason,
        )
        record.decision = rerouted
        record.revision += 1
        return Reroute(rerouted, tuple(released), tuple(created))

    def _without(self, shipment: Shipment, removed: dict[tuple[str, str], int]) -> Shipment | None:
        """The shipment less the removed units (its cost less their picking), or
        None when nothing is left in it."""
        lines = []
        gone = 0
        for line in shipment.lines:
            units = removed.get((shipment.node_id, line.sku), 0)
            gone += units
            if line.qty > units:
                lines.append(ShipmentLine(line.sku, line.qty - units))
        if not lines:
            return None
        if not gone:
            return shipment
        pick = float(self.network.pick_cost[self.network.index[shipment.node_id]])
        return replace(shipment, lines=tuple(lines), cost=shipment.cost - pick * gone)
