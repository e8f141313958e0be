"""Stock held for baskets: units set aside for a while before checkout, so that the
order that follows finds them (docs/reactions.md, "Holds").

A hold is decided by the router without committing anything (`Router.promise`:
no node capacity, no carrier parcel), then the units of its shipments are taken
from the free stock — `free` is `on_hand − allocated − held` while holds exist —
so no order and no other hold can promise them. It ends when it is released
(the basket was abandoned), taken (its order is routed: the units come back just
before), or expires (`expires_at <= now`: released at the next call that looks).

Not thread-safe by itself: the service calls it under its write lock, like the
router.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from dsl.errors import SourcingError
from engine.decision import Decision
from engine.limits import HOLD_TTL, MAX_HOLDS
from engine.model import Order
from engine.router import Router

Clock = Callable[[], dt.datetime]
"""Returns the current instant, aware (UTC)."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class HoldNotFound(SourcingError, KeyError):
    """No hold open under that id: never made, released, taken or expired."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class NothingToHold(SourcingError, ValueError):
    """A basket of which the router places no unit: nothing would be held."""


class TooManyHolds(SourcingError, ValueError):
    """engine.limits.MAX_HOLDS holds are open already."""


@dataclass(frozen=True, slots=True)
class HeldLine:
    """Units of one SKU held at one node."""

    node_id: str
    sku: str
    qty: int

    def to_dict(self) -> dict[str, Any]:
        return {"node_id": self.node_id, "sku": self.sku, "qty": self.qty}


@dataclass(frozen=True, slots=True)
class Hold:
    """Stock held for a basket: the decision the router made for it when it was
    held, and the units still held (`lines`; a stock count may take some back,
    see `Holds.shrink`)."""

    id: str
    created_at: dt.datetime
    expires_at: dt.datetime
    order_id: str
    """The basket's order id."""
    decision: Decision
    lines: tuple[HeldLine, ...]

    @property
    def units(self) -> int:
        return sum(line.qty for line in self.lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "hold_id": self.id,
            "order_id": self.order_id,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "status": self.decision.status,
            "strategies": list(self.decision.strategies),
            "shipments": [shipment.to_dict() for shipment in self.decision.shipments],
            "unfilled": [item.to_dict() for item in self.decision.unfilled],
            "lines": [line.to_dict() for line in self.lines],
        }


class Holds:
    """The holds open on a router's stock, and the clock that expires them."""

    def __init__(self, router: Router, clock: Clock = utc_now, max_open: int = MAX_HOLDS):
        self.router = router
        self.clock = clock
        self.max_open = max_open
        self._open: dict[str, Hold] = {}
        """Open holds by id, oldest first (a dict keeps insertion order)."""
        self._cells: dict[tuple[str, str], int] = {}
        """Units held per (node id, SKU)."""
        self._due: list[tuple[dt.datetime, int, str]] = []
        """(expires_at, number, hold id), a heap: the next hold to expire first."""
        self._numbers = itertools.count()
        self.new_id: Callable[[], str] = lambda: uuid.uuid4().hex
        """Names a new hold: 32 random hex digits (a replica replaying a shared log
        gives the id the log recorded)."""

    # ------------------------------------------------------------ changes
    def hold(self, basket: Order, ttl_seconds: int, at: dt.datetime | None = None) -> Hold:
        """Hold the units the router would place for `basket` (at its creation
        instant, or `at`) for `ttl_seconds` (1 … 3,600) from now. Holds that are due
        expire first. Raises `engine.limits.OutOfRange` for a bad ttl, NothingToHold
        when no unit of the basket can be placed and TooManyHolds past MAX_HOLDS —
        each before anything changes. A basket placed in part is held in part: the
        rest is in the hold's `unfilled`."""
        ttl = int(HOLD_TTL.check(ttl_seconds, "ttl_seconds"))
        now = self._now()
        self.expire(now)
        if len(self._open) >= self.max_open:
            raise TooManyHolds(
                f"{len(self._open):,} holds are open, the most at once ({self.max_open:,}); "
                "release holds no longer needed, or wait for some to expire"
            )
        decision = self.router.promise(basket, at)
        lines = _merged_lines(
            (shipment.node_id, line.sku, line.qty)
            for shipment in decision.shipments
            for line in shipment.lines
        )
        if not lines:
            skus = ", ".join(dict.fromkeys(line.sku for line in basket.lines))
            reasons = "; ".join(dict.fromkeys(item.reason for item in decision.unfilled))
            why = f" ({reasons})" if reasons else f" (status {decision.status})"
            raise NothingToHold(
                f"nothing can be held for basket {basket.id!r}: no node can place any unit of "
                f"{skus}{why}"
            )
        hold = Hold(self.new_id(), now, now + dt.timedelta(seconds=ttl), basket.id, decision, lines)
        for line in lines:
            self._add(line.node_id, line.sku, -line.qty)
        self._open[hold.id] = hold
        heapq.heappush(self._due, (hold.expires_at, next(self._numbers), hold.id))
        return hold

    def release(self, hold_id: str) -> Hold:
        """Give a hold's units back to the free stock (the basket was abandoned);
        HoldNotFound when no hold is open under `hold_id` (expired ones included)."""
        self.expire()
        hold = self._open.pop(hold_id, None)
        if hold is None:
            raise HoldNotFound(
                f"no hold {hold_id!r} is open: it was never made, or was released, taken "
                "or has expired; hold the basket again"
            )
        for line in hold.lines:
            self._add(line.node_id, line.sku, line.qty)
        return hold

    def take(self, hold_id: str) -> Hold:
        """Give a hold's units back for the order that consumes it, which is routed
        next (the caller routes it in the same step); HoldNotFound as `release`."""
        return self.release(hold_id)

    def expire(self, now: dt.datetime | None = None) -> list[Hold]:
        """Release every hold whose `expires_at` is at or before `now` (the clock's
        instant by default), soonest first."""
        instant = self._now() if now is None else now
        expired = []
        due = self._due
        while due and due[0][0] <= instant:
            _, _, hold_id = heapq.heappop(due)
            hold = self._open.pop(hold_id, None)
            if hold is None:
                continue  # released or taken before
            for line in hold.lines:
                self._add(line.node_id, line.sku, line.qty)
            expired.append(hold)
        return expired

    def shrink(self, node_id: str, sku: str, units: int) -> int:
        """Take back up to `units` held units of `sku` at `node_id` — a stock count
        found fewer units than are allocated and held there; holds give way before
        allocations — from the newest hold first. A hold keeps what is left of its
        line (the line goes at 0; the hold stays open, even empty). The units go back
        to the free stock, which the count took below zero, so `free` stays
        `on_hand − allocated − held`. Returns the units taken."""
        taken = 0
        for hold in reversed(list(self._open.values())):
            if taken >= units:
                break
            lines, changed = [], False
            for line in hold.lines:
                if line.node_id == node_id and line.sku == sku and taken < units:
                    take = min(line.qty, units - taken)
                    taken += take
                    changed = True
                    if line.qty > take:
                        lines.append(replace(line, qty=line.qty - take))
                    continue
                lines.append(line)
            if changed:
                self._open[hold.id] = replace(hold, lines=tuple(lines))
        if taken:
            self._add(node_id, sku, taken)
        return taken

    # ------------------------------------------------------------ reading
    def get(self, hold_id: str) -> Hold | None:
        """The hold open under `hold_id`, None when there is none (or it is due)."""
        hold = self._open.get(hold_id)
        if hold is None or hold.expires_at <= self._now():
            return None
        return hold

    def holds(self) -> list[Hold]:
        """Open holds, oldest first (those due are still listed until `expire`)."""
        return list(self._open.values())

    def held_of(self, node_id: str, sku: str) -> int:
        """Units of `sku` held at `node_id`."""
        return self._cells.get((node_id, sku), 0)

    @property
    def held_units(self) -> int:
        return sum(self._cells.values())

    def held_matrix(self) -> np.ndarray:
        """Units held per SKU row and node column, the shape of the inventory's
        `on_hand` as it is now (made afresh each call: the inventory may have grown)."""
        inventory = self.router.inventory
        matrix = np.zeros_like(inventory.on_hand)
        index = self.router.network.index
        for (node_id, sku), units in self._cells.items():
            matrix[inventory.row(sku), index[node_id]] += units
        return matrix

    # ------------------------------------------------------------ inner
    def _now(self) -> dt.datetime:
        return self.clock()

    def _add(self, node_id: str, sku: str, units: int) -> None:
        """`units` back to the free stock at a position (negative: held from it)."""
        inventory = self.router.inventory
        inventory.free[inventory.row(sku), self.router.network.index[node_id]] += units
        key = (node_id, sku)
        left = self._cells.get(key, 0) - units
        if left:
            self._cells[key] = left
        else:
            self._cells.pop(key, None)


def _merged_lines(lines: Iterable[tuple[str, str, int]]) -> tuple[HeldLine, ...]:
    """One line per (node, SKU), in the decision's order."""
    units: dict[tuple[str, str], int] = {}
    for node_id, sku, qty in lines:
        units[(node_id, sku)] = units.get((node_id, sku), 0) + qty
    return tuple(HeldLine(node_id, sku, qty) for (node_id, sku), qty in units.items() if qty)
