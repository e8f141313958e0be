"""Backordered units waiting for stock, and the order in which stock releases them.

When stock arrives — a receipt, a count that finds more, a cancel that frees units,
a node back online — the orders waiting for that SKU are tried again, one at a time,
in the **release order** (docs/reactions.md, "Backorder release"):

1. the `priority` of the order's primary strategy (lower first, as strategies are tried);
2. the customer tier: `vip`, then `b2b`, then `standard`, then any other tier in
   alphabetical order, then orders without a tier;
3. age: the order routed first goes first;
4. the order id.

Each try places the order's backordered units of the SKUs that arrived down its own
strategy chain (`Router.reroute`): the chain's `source`, `within`, `keep`, `rank` and
`split` apply to the released units alone — a release is a new parcel, so the order's
earlier parcels neither count toward `split` nor stop a node from shipping again.
What the chain can place is released (all or part of a line); the rest keeps waiting.

`Backorders` is the index both the allocation ledger (`engine.ledger`) and a replay
that does not follow allocations (`engine.session`) keep; `take_units` and `status_after`
are the bookkeeping both share.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from engine.decision import Decision, Shipment, Status, Unfilled
from engine.model import Order
from engine.router import Router


@dataclass(frozen=True, slots=True)
class Release:
    """Units of one SKU released from backorder for an order: when, and how many days
    they waited since the order was routed."""

    order_id: str
    sku: str
    units: int
    waited_days: float
    at: dt.datetime


TIERS = ("vip", "b2b", "standard")
"""Tiers released first, in this order; other tiers follow alphabetically."""
RELEASED = "backorder released"
ReleaseKey = tuple[int, tuple[int, int, str], dt.datetime, str]
"""(strategy priority, tier rank, routing instant, order id): see the module doc."""


def release_key(
    router: Router, strategy_id: str, order: Order, routed_at: dt.datetime
) -> ReleaseKey:
    """Where an order waits in the release order (see the module doc)."""
    strategy = router.policy.by_id.get(strategy_id)
    priority = strategy.priority if strategy is not None else 0
    tier = order.get("tier")
    if isinstance(tier, str) and tier in TIERS:
        tier_rank: tuple[int, int, str] = (0, TIERS.index(tier), "")
    elif isinstance(tier, str) and tier:
        tier_rank = (1, 0, tier)
    else:
        tier_rank = (2, 0, "")
    return (priority, tier_rank, routed_at, order.id)


class Backorders:
    """Which orders wait for which SKUs, and in which order they are served."""

    def __init__(self) -> None:
        self.by_sku: dict[str, dict[str, None]] = {}
        self.keys: dict[str, ReleaseKey] = {}
        self._skus_of: dict[str, list[str]] = {}

    def wait(self, order_id: str, key: ReleaseKey, skus: Iterable[str]) -> None:
        """`order_id` waits for exactly `skus` now (none: it waits no more)."""
        self.forget(order_id)
        skus = list(skus)
        if not skus:
            return
        self.keys[order_id] = key
        self._skus_of[order_id] = skus
        for sku in skus:
            self.by_sku.setdefault(sku, {})[order_id] = None

    def forget(self, order_id: str) -> None:
        if self.keys.pop(order_id, None) is None:
            return
        for sku in self._skus_of.pop(order_id):
            waiting = self.by_sku[sku]
            del waiting[order_id]
            if not waiting:
                del self.by_sku[sku]

    def waiting(self, skus: Iterable[str]) -> list[str]:
        """Orders waiting for any of `skus`, in the release order."""
        ids = {order_id for sku in skus for order_id in self.by_sku.get(sku, ())}
        return sorted(ids, key=self.keys.__getitem__)

    def skus(self) -> list[str]:
        """Every SKU some order waits for."""
        return list(self.by_sku)

    def __len__(self) -> int:
        return len(self.keys)


def units_by_sku(items: Iterable[Unfilled]) -> dict[str, int]:
    units: dict[str, int] = {}
    for item in items:
        units[item.sku] = units.get(item.sku, 0) + item.qty
    return units


def take_units(items: Sequence[Unfilled], taken: dict[str, int]) -> list[Unfilled]:
    """`items` less `taken` units per SKU, taken from the first entries first."""
    left = dict(taken)
    out = []
    for item in items:
        units = min(item.qty, left.get(item.sku, 0))
        if units:
            left[item.sku] -= units
        if item.qty > units:
            out.append(Unfilled(item.sku, item.qty - units, item.reason))
    return out


def status_after(shipped: bool, backordered: bool, dropped: bool, was: Status) -> Status:
    """An order's status once its units moved: `backordered` while a unit waits,
    `routed` when nothing is unfilled, else the status it had (`partial`)."""
    if backordered:
        return "backordered"
    if not dropped:
        return "routed"
    if was in ("backordered", "routed"):
        return "partial" if shipped else "rejected"
    return was


def try_release(
    router: Router,
    order: Order,
    strategy_id: str,
    need: dict[str, int],
    at: dt.datetime,
    routed_at: dt.datetime,
) -> tuple[tuple[Shipment, ...], dict[str, int], tuple[str, ...]]:
    """Place an order's backordered units `need` down its chain (see the module doc):
    the new shipments, the units released per SKU and the strategies tried. Nothing is
    tried when no online node has a free unit of any SKU needed. A released parcel's
    `eta_days` counts from the order (routed at `routed_at`): the days it waited, plus
    its own — with carriers, its promised date less the order's local day."""
    if not _any_free(router, need):
        return (), {}, ()
    shipments, rest, tried = router.reroute(order, need, at, chain=(strategy_id,))
    released = {sku: units - rest.get(sku, 0) for sku, units in need.items()}
    waited = (at - routed_at).total_seconds() / 86_400
    days = (at.astimezone(router.tz).date() - routed_at.astimezone(router.tz).date()).days
    shipments = tuple(
        replace(s, eta_days=s.eta_days + (days if s.carried is not None else waited))
        for s in shipments
    )
    return shipments, {sku: units for sku, units in released.items() if units}, tried


def _any_free(router: Router, need: dict[str, int]) -> bool:
    inventory = router.inventory
    online = router.offline == 0
    for sku in need:
        row = inventory.sku_index.get(sku)
        if row is not None and bool((inventory.free[row][online] > 0).any()):
            return True
    return False


def releases_of(
    order_id: str, released: dict[str, int], routed_at: dt.datetime, at: dt.datetime
) -> list[Release]:
    """The records of one try's releases: units per SKU, and the days they waited."""
    waited = (at - routed_at).total_seconds() / 86_400
    return [Release(order_id, sku, units, waited, at) for sku, units in released.items()]


def release_reason(skus: Iterable[str], why: str) -> str:
    return f"{RELEASED}: {', '.join(sorted(skus))} — {why}"


__all__ = [
    "RELEASED",
    "Release",
    "ReplayBackorders",
    "reached",
    "TIERS",
    "Backorders",
    "release_key",
    "release_reason",
    "releases_of",
    "status_after",
    "take_units",
    "try_release",
    "units_by_sku",
]


def reached(router: Router, first: str, used: Iterable[str]) -> tuple[str, ...]:
    """The steps of `first`'s chain that routing reached (`used`), in chain order."""
    policy = router.policy
    seen = set(used)
    return tuple(st.id for st in policy.chain(policy.strategy(first)) if st.id in seen)


class ReplayBackorders:
    """Backorders of a replay that does not follow allocations (no events): the orders
    left waiting, released when stock arrives, each release a new decision linked to
    the one it replaces (`rerouted_from`), as the ledger does."""

    def __init__(self, router: Router):
        self.router = router
        self.book = Backorders()
        self.waiting: dict[str, tuple[Order, Decision, int, dt.datetime]] = {}
        self.releases: list[Release] = []

    def note(self, order: Order, decision: Decision, routed_at: dt.datetime) -> None:
        """A routed order: kept when it waits for stock."""
        if decision.status != "backordered" or not decision.unfilled:
            return
        self.waiting[order.id] = (order, decision, 1, routed_at)
        key = release_key(self.router, decision.strategies[0], order, routed_at)
        self.book.wait(order.id, key, units_by_sku(decision.unfilled))

    def release(self, skus: Iterable[str], at: dt.datetime, why: str) -> list[Decision]:
        skus = set(skus)
        out = []
        for order_id in self.book.waiting(skus):
            order, was, revision, routed_at = self.waiting[order_id]
            need = {s: u for s, u in units_by_sku(was.unfilled).items() if s in skus}
            first = was.strategies[0]
            new, released, tried = try_release(self.router, order, first, need, at, routed_at)
            if not released:
                continue
            self.releases += releases_of(order_id, released, routed_at, at)
            unfilled = tuple(take_units(was.unfilled, released))
            shipments = was.shipments + new
            decision = Decision(
                order_id,
                status_after(bool(shipments), bool(unfilled), False, was.status),
                reached(self.router, first, (*was.strategies, *tried)),
                shipments,
                unfilled,
                rerouted_from=f"{order_id}#{revision}",
                reason=release_reason(released, why),
                carriers=was.carriers,
            )
            out.append(decision)
            if unfilled:
                self.waiting[order_id] = (order, decision, revision + 1, routed_at)
                key = release_key(self.router, first, order, routed_at)
                self.book.wait(order_id, key, units_by_sku(unfilled))
            else:
                del self.waiting[order_id]
                self.book.forget(order_id)
        return out
