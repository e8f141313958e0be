"""The allocation ledger: what a router has promised, which promises are still
open, and what moves them — re-routes when something goes wrong, order events
(cancel, modify, a node refusing a line, a parcel leaving) and backorders released
when stock arrives.

An allocation is one shipment line (order, node, SKU, units) of one parcel. It is
*open* from routing until its node's `handling_days` have passed or an
`order_ship` event says it left; then the units leave the node's on-hand and the
allocation is closed for good (shipped). Only open allocations can be released.

Every ordered unit is exactly one of: open (allocated), shipped, backordered,
cancelled or unfilled (dropped by `on shortage partial`/`reject`, or unroutable).
Stock bookkeeping (per node and SKU): `on_hand − free` is always the sum of the
open allocations and the holds there, and `free` never stays below 0 after an event.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from dsl.errors import SourcingError
from engine.backorders import (
    Backorders,
    Release,
    reached,
    release_key,
    release_reason,
    releases_of,
    status_after,
    take_units,
    try_release,
    units_by_sku,
)
from engine.decision import Decision, Shipment, ShipmentLine, Status, Unfilled
from engine.errors import DataError
from engine.ledger_records import Allocation, OrderRecord, Parcel, Reroute
from engine.limits import STOCK, OutOfRange
from engine.model import Order
from engine.router import Router
from engine.windows import LocalDays, as_instant

if TYPE_CHECKING:
    from engine.holds import Holds

BACKORDERED = "backordered after a re-route"


class OrderAlreadyRouted(SourcingError, ValueError):
    """An order id the ledger already holds: routing it again would promise twice."""


class OrderEventRefused(DataError):
    """An order event that cannot apply (unknown order, nothing left to cancel, a line
    already shipped...): it is refused whole, nothing changed."""


class Ledger:
    """Open allocations of the orders routed through it, their backorders, and
    everything that moves them."""

    def __init__(self, router: Router):
        self.router = router
        self.inventory = router.inventory
        self.network = router.network
        self.orders: dict[str, OrderRecord] = {}
        self.open: dict[int, Allocation] = {}
        self.shipped_units = 0
        self.releases: list[Release] = []
        """Every backorder released (engine.backorders.Release)."""
        self.clock: dt.datetime | None = None
        self.backorders = Backorders()
        self.holds: Holds | None = None
        """Stock held for baskets (engine.holds), counted in the audit and given up
        first when a count finds less stock than is promised."""
        self._due: list[tuple[dt.datetime, int]] = []
        self._next_id = 1
        self._days = LocalDays(router.tz)
        self._handling: dict[str, dt.timedelta] = {}
        """Each node's handling time, as allocations' `open_until` adds it."""
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
        """Keep a routed order's decision; its shipment lines become open allocations
        and, when it is backordered, its unfilled units wait for stock."""
        if self.known(order.id):
            raise OrderAlreadyRouted(f"order {order.id!r} was already routed")
        instant = self.instant(at)
        record = self.orders[order.id] = OrderRecord(order, decision, 1, instant)
        if decision.status == "backordered":
            record.backorders = list(decision.unfilled)
            self.wait(record)
        else:  # a new order: nothing of it waits, nothing to take out of the index
            record.dropped = decision.unfilled
        return self.allocate(record, decision.shipments, instant)

    def advance(self, at: dt.datetime) -> list[Allocation]:
        """Move the clock to `at` (never back) and close the allocations whose
        handling time has passed: their units leave the node."""
        instant = self.instant(at)
        clock = self.clock
        if clock is None or instant > clock:
            self.clock = clock = instant
        due = self._due
        if not due or due[0][0] > clock:  # the common case: nothing due yet
            return []
        closed = []
        while due and due[0][0] <= clock:
            _, allocation_id = heapq.heappop(due)
            allocation = self.open.get(allocation_id)
            if allocation is not None:
                self.ship_allocation(allocation)
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
            if record is None or record.backorders:
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

    # ------------------------------------------------------ network events
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
        """A stock count found `on_hand` units: set it, and return how many units the
        open allocations there now lack (0 when the count covers them). Holds give
        way first: their units are taken back before any allocation's."""
        delta = on_hand - self.inventory.on_hand_of(node_id, sku)
        if delta:
            self.inventory.receive(node_id, sku, delta)  # a negative receipt lowers both
        short = max(0, -self.inventory.free_of(node_id, sku))
        if short and self.holds is not None:
            short -= self.holds.shrink(node_id, sku, short)
        return short

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

    def reroute(
        self, lost: dict[int, int], reason: str, at: dt.datetime, exclude: Iterable[str] = ()
    ) -> list[Reroute]:
        """Release `lost` units of open allocations ({id: units}) and place them
        again with each order's own strategy chain, away from the nodes they
        leave (and `exclude`); what nothing can take is backordered. Orders go
        oldest first."""
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
            self._reroute(self.orders[oid], by_order[oid], reason, instant, set(exclude))
            for oid in oldest_first
        ]

    # ------------------------------------------------------------ releases
    def release(self, skus: Iterable[str], at: dt.datetime, why: str) -> list[Reroute]:
        """Stock of `skus` came back: try the orders waiting for them, in the release
        order (engine.backorders), each with its own strategy chain."""
        skus = set(skus)
        instant = self.instant(at)
        changes = []
        for order_id in self.backorders.waiting(skus):
            record = self.orders[order_id]
            need = {s: u for s, u in units_by_sku(record.backorders).items() if s in skus}
            new, released, tried = try_release(
                self.router, record.order, record.primary, need, instant, record.routed_at
            )
            if not released:
                continue
            record.backorders = take_units(record.backorders, released)
            self.releases += releases_of(order_id, released, record.routed_at, instant)
            created = self.allocate(record, new, instant)
            reason = release_reason(released, why)
            changes.append(Reroute(self.decide(record, reason, tried), (), tuple(created)))
            self.wait(record)
        return changes

    @property
    def released_units(self) -> int:
        """Units released from backorder so far."""
        return sum(release.units for release in self.releases)

    # ------------------------------------------------------------- audit
    def totals(self) -> dict[str, int]:
        """Units ordered, allocated (shipped or open), backordered, cancelled and
        unfilled for good over the orders held."""
        totals = dict.fromkeys(("ordered", "allocated", "unfilled", "backordered", "cancelled"), 0)
        for record in self.orders.values():
            totals["ordered"] += sum(line.qty for line in record.order.lines)
            totals["allocated"] += record.decision.units_allocated
            totals["unfilled"] += record.decision.units_unfilled
            totals["backordered"] += _units(record.backorders)
            totals["cancelled"] += sum(record.cancelled.values())
        return totals

    # ---------------------------- bookkeeping (engine.order_events uses it too)
    def _cell(self, node_id: str, sku: str) -> tuple[int, int]:
        return self.inventory.row(sku), self.network.index[node_id]

    def wait(self, record: OrderRecord) -> None:
        """Index the order's backorders for release (or stop indexing it)."""
        if not record.backorders:
            self.backorders.forget(record.order.id)
            return
        key = release_key(self.router, record.primary, record.order, record.routed_at)
        self.backorders.wait(record.order.id, key, units_by_sku(record.backorders))

    def ship_allocation(self, allocation: Allocation) -> None:
        """The allocation's units left its node: closed, off the node's on-hand."""
        del self.open[allocation.id]
        row, col = self._cell(allocation.node_id, allocation.sku)
        self.inventory.on_hand[row, col] -= allocation.qty  # free is unchanged
        self.shipped_units += allocation.qty
        record = self.orders.get(allocation.order_id)
        if record is not None:
            record.shipped[allocation.sku] = record.shipped.get(allocation.sku, 0) + allocation.qty

    def allocate(
        self, record: OrderRecord, shipments: Iterable[Shipment], instant: dt.datetime
    ) -> list[Allocation]:
        made = []
        day = self._days.day(instant)
        order_id, handling, opened = record.order.id, self._handling, self.open
        for shipment in shipments:
            node_id = shipment.node_id
            step = handling.get(node_id)
            until = instant + (self._handling_of(node_id) if step is None else step)
            parcel = Parcel(shipment, day)
            record.parcels.append(parcel)
            for line in shipment.lines:
                allocation_id = self._next_id
                self._next_id += 1
                allocation = Allocation(
                    allocation_id, order_id, node_id, line.sku, line.qty, instant, until, parcel
                )
                opened[allocation_id] = allocation
                record.allocations.append(allocation_id)
                heapq.heappush(self._due, (until, allocation_id))
                made.append(allocation)
        return made

    def _handling_of(self, node_id: str) -> dt.timedelta:
        """A node's handling time (`handling_days`), kept once worked out."""
        days = float(self.network.handling_days[self.network.index[node_id]])
        self._handling[node_id] = handling = dt.timedelta(days=days)
        return handling

    def take(self, record: OrderRecord, lost: dict[int, int]) -> list[Allocation]:
        """Take `lost` units back from the order's open allocations: their stock is free
        again, their parcels shrink (an emptied parcel gives its node back that day's
        capacity). Returns the allocations fully released."""
        released = []
        removed: dict[int, dict[str, int]] = {}
        parcels: dict[int, Parcel] = {}
        for allocation_id, units in lost.items():
            allocation = self.open[allocation_id]
            self.inventory.release(allocation.node_id, allocation.sku, units)
            allocation.qty -= units
            parcel = allocation.parcel
            assert parcel is not None, "every allocation is made with its parcel"
            parcels[id(parcel)] = parcel
            per_sku = removed.setdefault(id(parcel), {})
            per_sku[allocation.sku] = per_sku.get(allocation.sku, 0) + units
            if allocation.qty == 0:
                del self.open[allocation_id]
                released.append(allocation)
        for key, parcel in parcels.items():
            smaller = self._without(parcel.shipment, removed[key])
            if smaller is None:
                record.parcels.remove(parcel)
                self.router.release_shipment(parcel.shipment.node_id, parcel.day)
            else:
                parcel.shipment = smaller
        return released

    def _reroute(
        self,
        record: OrderRecord,
        lost: dict[int, int],
        reason: str,
        instant: dt.datetime,
        exclude: set[str],
    ) -> Reroute:
        need: dict[str, int] = {}
        leaving = set(exclude)
        for allocation_id, units in lost.items():
            allocation = self.open[allocation_id]
            need[allocation.sku] = need.get(allocation.sku, 0) + units
            leaving.add(allocation.node_id)
        released = self.take(record, lost)
        new, rest, tried = self.router.reroute(
            record.order,
            need,
            instant,
            chain=(record.primary,),
            kept=[parcel.shipment.node_id for parcel in record.parcels],
            exclude=leaving,
        )
        created = self.allocate(record, new, instant)
        record.backorders += [
            Unfilled(sku, qty, f"{BACKORDERED}: {reason}") for sku, qty in rest.items()
        ]
        decision = self.decide(record, reason, tried)
        self.wait(record)
        return Reroute(decision, tuple(released), tuple(created))

    def decide(
        self,
        record: OrderRecord,
        reason: str,
        tried: Iterable[str] = (),
        primary: str | None = None,
    ) -> Decision:
        """The order's new complete decision, from where its units stand now."""
        was = record.decision
        ordered = sum(line.qty for line in record.order.lines)
        shipments = tuple(parcel.shipment for parcel in record.parcels)
        status: Status
        if sum(record.cancelled.values()) == ordered - _units(record.dropped) and not shipments:
            status = "cancelled"
        else:
            status = status_after(
                bool(shipments), bool(record.backorders), bool(record.dropped), was.status
            )
        first = primary or record.primary
        used = set(tried) | ({first} if primary else set(was.strategies))
        decision = Decision(
            record.order.id,
            status,
            reached(self.router, first, used),
            shipments,
            tuple(record.dropped) + tuple(record.backorders),
            rerouted_from=record.label,
            reason=reason,
            carriers=was.carriers,
            cancelled=tuple(
                ShipmentLine(sku, units) for sku, units in sorted(record.cancelled.items()) if units
            ),
        )
        record.decision = decision
        record.revision += 1
        return decision

    def _without(self, shipment: Shipment, removed: dict[str, int]) -> Shipment | None:
        """The shipment less the removed units per SKU (its cost less their picking),
        or None when nothing is left in it."""
        lines = []
        gone = 0
        for line in shipment.lines:
            units = removed.get(line.sku, 0)
            gone += units
            if line.qty > units:
                lines.append(ShipmentLine(line.sku, line.qty - units))
        if not lines:
            return None
        if not gone:
            return shipment
        pick = float(self.network.pick_cost[self.network.index[shipment.node_id]])
        return replace(shipment, lines=tuple(lines), cost=shipment.cost - pick * gone)


def _units(items: Iterable[Unfilled]) -> int:
    return sum(item.qty for item in items)
