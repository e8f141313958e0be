"""Order events (docs/reactions.md, "Order events"): a cancel, a change of address or
delivery method, a node refusing a line, a parcel leaving. Each changes one order held by
the allocation ledger (engine.ledger) and returns what it did; an event that cannot apply
raises `OrderEventRefused` before anything changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from engine.backorders import take_units, units_by_sku
from engine.decision import Unfilled
from engine.ledger import BACKORDERED, Ledger, OrderEventRefused
from engine.ledger_records import Allocation, OrderRecord, Reroute
from engine.model import Order

if TYPE_CHECKING:
    from engine.events import Event


def record_of(ledger: Ledger, event: Event) -> OrderRecord:
    """The order an order event names; refused when the ledger does not hold it."""
    assert event.order_id is not None, "Event checks it"
    record = ledger.orders.get(event.order_id)
    if record is None:
        if event.order_id in ledger.finished:
            raise OrderEventRefused(
                f"{event.kind}: order {event.order_id!r} is finished (everything shipped "
                "or cancelled); nothing of it can change"
            )
        raise OrderEventRefused(f"{event.kind}: no order {event.order_id!r} was routed here")
    return record


def open_of(ledger: Ledger, record: OrderRecord) -> list[Allocation]:
    """The order's open allocations, oldest first."""
    return [ledger.open[i] for i in record.allocations if i in ledger.open]


def cancel(ledger: Ledger, event: Event) -> tuple[Reroute, set[str]]:
    """`order_cancel`: take back the order's units not shipped (of one SKU, or `qty`
    of it) — backordered units first, then open allocations newest first — and
    give their stock back. Returns the change and the SKUs whose stock came back."""
    record = record_of(ledger, event)
    waiting = units_by_sku(record.backorders)
    open_units: dict[str, int] = {}
    for allocation in open_of(ledger, record):
        open_units[allocation.sku] = open_units.get(allocation.sku, 0) + allocation.qty
    skus = [event.sku] if event.sku else sorted(set(waiting) | set(open_units))
    left = {sku: waiting.get(sku, 0) + open_units.get(sku, 0) for sku in skus}
    wanted = {sku: left[sku] if event.qty is None else event.qty for sku in skus}
    if not any(left.values()):
        dropped = sum(item.qty for item in record.dropped)
        what = f"of {event.sku} " if event.sku else ""
        raise OrderEventRefused(
            f"order_cancel: order {record.order.id!r} has nothing {what}left to cancel "
            f"(shipped {sum(record.shipped.values())}, cancelled "
            f"{sum(record.cancelled.values())}, unfilled {dropped} unit(s))"
        )
    for sku in skus:
        if wanted[sku] > left[sku]:
            raise OrderEventRefused(
                f"order_cancel: order {record.order.id!r} has {left[sku]} unit(s) of {sku} "
                f"open or backordered, cannot cancel {wanted[sku]}"
            )
    from_waiting = {sku: min(wanted[sku], waiting.get(sku, 0)) for sku in skus}
    record.backorders = take_units(record.backorders, from_waiting)
    lost: dict[int, int] = {}
    for sku in skus:
        mine = [a.id for a in open_of(ledger, record) if a.sku == sku]
        lost.update(ledger.newest_first(mine, wanted[sku] - from_waiting[sku]))
    for sku in skus:
        record.cancelled[sku] = record.cancelled.get(sku, 0) + wanted[sku]
    freed = {ledger.open[i].sku for i in lost}
    released = ledger.take(record, lost)
    reason = f"order_cancel at {_when(event)}" + _note(event)
    change = Reroute(ledger.decide(record, reason), tuple(released), ())
    ledger.wait(record)
    return change, freed


def modify(ledger: Ledger, event: Event) -> tuple[Reroute, set[str]]:
    """`order_modify`: the order's new fields (destination, delivery method); its
    units not shipped — open and backordered — are routed again from scratch with
    the strategy chosen again for the changed order. Shipped parcels stay. Returns
    the change and the SKUs whose stock was given back."""
    record = record_of(ledger, event)
    instant = ledger.instant(event.at)
    order = _changed(record.order, dict(event.changes), ledger.network)
    if order.destination is None:
        raise OrderEventRefused(
            f"order_modify: order {record.order.id!r} would have no destination "
            "(give dest_lat and dest_lon)"
        )
    primary = ledger.router.policy.primary(order, instant)
    if primary is None:
        raise OrderEventRefused(
            f"order_modify: no strategy applies to order {record.order.id!r} once changed; "
            "nothing changed"
        )
    mine = open_of(ledger, record)
    waiting = units_by_sku(record.backorders)
    if not mine and not waiting:
        raise OrderEventRefused(
            f"order_modify: order {record.order.id!r} has nothing left to route "
            "(everything shipped, cancelled or unfilled)"
        )
    need = dict(waiting)
    for allocation in mine:
        need[allocation.sku] = need.get(allocation.sku, 0) + allocation.qty
    freed = {allocation.sku for allocation in mine}
    released = ledger.take(record, {a.id: a.qty for a in mine})
    record.backorders = []
    record.order = order
    new, rest, tried = ledger.router.reroute(order, need, instant, chain=(primary.id,))
    created = ledger.allocate(record, new, instant)
    reason = f"order_modify at {_when(event)}: " + ", ".join(
        f"{name} {value}" for name, value in event.changes
    )
    reason += _note(event)
    record.backorders = [
        Unfilled(sku, qty, f"{BACKORDERED}: {reason}") for sku, qty in rest.items()
    ]
    decision = ledger.decide(record, reason, tried, primary=primary.id)
    ledger.wait(record)
    return Reroute(decision, tuple(released), tuple(created)), freed


def reject_line(ledger: Ledger, event: Event) -> Reroute:
    """`line_reject`: the node cannot ship the SKU for the order: its open
    allocations of that SKU there are placed again elsewhere (never at that node).
    The stock count the event implies is set by the caller afterwards."""
    record = record_of(ledger, event)
    mine = [a for a in open_of(ledger, record) if a.node_id == event.node_id and a.sku == event.sku]
    if not mine:
        shipped = any(
            p.shipment.node_id == event.node_id
            and any(line.sku == event.sku for line in p.shipment.lines)
            for p in record.parcels
        )
        why = "it has already shipped" if shipped else "it has no allocation there"
        raise OrderEventRefused(
            f"line_reject: order {record.order.id!r} has no open allocation of {event.sku} "
            f"at {event.node_id}: {why}"
        )
    reason = f"{event.node_id} rejected {event.sku} at {_when(event)}" + _note(event)
    return ledger.reroute({a.id: a.qty for a in mine}, reason, event.at)[0]


def ship(ledger: Ledger, event: Event) -> Reroute:
    """`order_ship`: the order's open allocations at the node (every node when none is
    named; of the SKU when one is) have left: they are shipped, no longer open."""
    record = record_of(ledger, event)
    mine = [
        a
        for a in open_of(ledger, record)
        if (not event.node_id or a.node_id == event.node_id)
        and (not event.sku or a.sku == event.sku)
    ]
    if not mine:
        where = f" at {event.node_id}" if event.node_id else ""
        raise OrderEventRefused(
            f"order_ship: order {record.order.id!r} has no open allocation{where}"
            + (f" of {event.sku}" if event.sku else "")
            + " (shipped already, or never allocated there)"
        )
    for allocation in mine:
        ledger.ship_allocation(allocation)
    units = sum(a.qty for a in mine)
    reason = f"order_ship at {_when(event)}: {units} unit(s) left " + ", ".join(
        sorted({a.node_id for a in mine})
    )
    return Reroute(ledger.decide(record, reason + _note(event)), tuple(mine), ())


def _when(event: Event) -> str:
    return event.at.astimezone(dt.UTC).isoformat()


def _note(event: Event) -> str:
    return f" ({event.note})" if event.note else ""


def _changed(order: Order, changes: dict[str, Any], network: Any) -> Order:
    """The order with an `order_modify`'s fields; a change to collect without a new
    address takes the collect store's coordinates."""
    store_id = changes.get("collect_node")
    if store_id is not None and store_id not in network.index:
        raise OrderEventRefused(
            f"order_modify: collect_node {store_id!r} is not a node of the network"
        )
    fields = dict(order.fields)
    fields.update(changes)
    collect = changes.get("delivery") == "collect" or (
        "collect_node" in changes and fields.get("delivery") == "collect"
    )
    if collect and "dest_lat" not in changes:
        store = network.node(fields["collect_node"])
        fields["dest_lat"], fields["dest_lon"] = store.lat, store.lon
    return replace(order, fields=fields)
