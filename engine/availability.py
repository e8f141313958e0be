"""Available to promise: what a node could still promise of one SKU, per node and in
total (docs/reactions.md, "Holds"; GET /availability in docs/service.md).

    atp = max(0, on_hand − allocated − held − protected)     (0 at a node offline)

`protected` is what `keep` protects at the node for the strategy the router would
choose first for an order of that channel and delivery method, at that instant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from dsl.errors import SourcingError
from engine.holds import Holds
from engine.model import Line, Order
from engine.order_batch import OrderBatch
from engine.router import Router

if TYPE_CHECKING:
    from engine.session import Session

PROBE_ID = "availability-probe"
"""The id of the one-line order that asks which strategy would serve."""


class UnknownSku(SourcingError, KeyError):
    """A SKU the stock has no row for."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True, slots=True)
class NodeAvailability:
    """One node's figures for the SKU asked about."""

    node_id: str
    on_hand: int
    allocated: int
    held: int
    protected: int
    online: bool
    atp: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "node_id": self.node_id,
            "on_hand": self.on_hand,
            "allocated": self.allocated,
            "held": self.held,
            "protected": self.protected,
            "online": self.online,
            "atp": self.atp,
        }


@dataclass(frozen=True, slots=True)
class Availability:
    """Per node (those with stock, allocations or holds of the SKU, in network
    order) and in total; `strategy`: the one whose `keep` was applied (None: no
    strategy applies to such an order, nothing is protected)."""

    sku: str
    at: dt.datetime
    channel: str | None
    delivery: str | None
    strategy: str | None
    nodes: tuple[NodeAvailability, ...]

    @property
    def total(self) -> dict[str, int]:
        """Every figure summed over the nodes listed."""
        names = ("on_hand", "allocated", "held", "protected", "atp")
        return {name: sum(getattr(node, name) for node in self.nodes) for name in names}

    def to_dict(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "at": self.at.isoformat(),
            "channel": self.channel,
            "delivery": self.delivery,
            "strategy": self.strategy,
            "nodes": [node.to_dict() for node in self.nodes],
            "total": self.total,
        }


def availability(
    session_or_router: Session | Router,
    holds: Holds | None,
    sku: str,
    channel: str | None = None,
    delivery: str | None = None,
    at: dt.datetime | None = None,
) -> Availability:
    """Available to promise of `sku` at each node that holds or held some (non-zero
    on hand, allocated or held), in network order, at `at` (default: the holds'
    clock, else now). UnknownSku when the stock has no row for `sku`."""
    if isinstance(session_or_router, Router):
        router = session_or_router
    else:
        router = session_or_router.router
    inventory = router.inventory
    if sku not in inventory.sku_index:
        raise UnknownSku(f"unknown sku {sku!r}: the stock has no position of it")
    if at is None:
        at = holds.clock() if holds is not None else dt.datetime.now(dt.UTC)
    probe = _probe(sku, channel, delivery, at)
    strategy = _first_strategy(router, probe, at)
    row = inventory.row(sku)
    on_hand = inventory.on_hand[row]
    free = inventory.free[row]
    ids = router.network.ids
    held = np.zeros_like(on_hand)
    if holds is not None:
        held[:] = [holds.held_of(node_id, sku) for node_id in ids]
    protected = np.zeros_like(on_hand)
    if strategy is not None:
        kept = router.keep_for(strategy, probe)
        if kept is not None:
            protected = kept.astype(np.int64)
    allocated = on_hand - free - held
    online = router.offline == 0
    atp = np.where(online, np.maximum(0, free - protected), 0)
    listed = np.flatnonzero((on_hand != 0) | (allocated != 0) | (held != 0))
    nodes = tuple(
        NodeAvailability(
            ids[col],
            int(on_hand[col]),
            int(allocated[col]),
            int(held[col]),
            int(protected[col]),
            bool(online[col]),
            int(atp[col]),
        )
        for col in listed.tolist()
    )
    return Availability(sku, at, channel, delivery, strategy, nodes)


def _probe(sku: str, channel: str | None, delivery: str | None, at: dt.datetime) -> Order:
    """A one-unit order of `sku` with only the channel and delivery method given."""
    given = (("channel", channel), ("delivery", delivery))
    known = {name: value for name, value in given if value is not None}
    return Order(PROBE_ID, at, (Line(sku, 1, {"sku": sku, "qty": 1}),), known)


def _first_strategy(router: Router, probe: Order, at: dt.datetime) -> str | None:
    """The strategy the router would choose first for the probe (its `primary`)."""
    batch = OrderBatch.from_orders([probe], router.tz, at)
    [chosen] = router.policy.primaries(batch)
    return None if chosen is None else chosen.id
