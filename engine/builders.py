"""Orders and decisions made field by field, for code that makes thousands of them
(a batch's decisions read from its columns, engine.decision_batch; a service
request's orders, service.models).

These classes are frozen dataclasses with slots: their generated `__init__` sets
each field through `object.__setattr__`, looked up anew for every field. Here each
field is set through its slot's own setter, found once: an order or a decision is
made in about half the time. The objects are the same as their `__init__` makes
(tests/test_builders.py), and a builder names every field of its class in order,
so that adding a field fails at import, not later. A builder takes every field
(no defaults, no checks): it is for code that has them all at hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from typing import Any

from engine.decision import (
    Carried,
    Decision,
    Explanation,
    Shipment,
    ShipmentLine,
    Status,
    Transfer,
    Unfilled,
)
from engine.model import Line, Order

_new = object.__new__


def _setters(cls: type, *names: str) -> tuple[Any, ...]:
    """The slot setters of `cls`'s fields, which must be exactly `names`, in order."""
    declared = tuple(field.name for field in fields(cls))
    if declared != names:
        raise TypeError(f"{cls.__name__} has the fields {declared}, a builder sets {names}")
    return tuple(cls.__dict__[name].__set__ for name in names)


_order_line = _setters(Line, "sku", "qty", "fields")
_order = _setters(Order, "id", "created_at", "lines", "fields")
_shipment_line = _setters(ShipmentLine, "sku", "qty")
_ship = _setters(
    Shipment, "node_id", "lines", "distance_km", "cost", "eta_days", "strategy", "carried",
    "transfer", "ready_date",
)  # fmt: skip
_unfilled = _setters(Unfilled, "sku", "qty", "reason")
_decide = _setters(
    Decision, "order_id", "status", "strategies", "shipments", "unfilled", "explain",
    "rerouted_from", "reason", "carriers", "collect", "cancelled",
)  # fmt: skip


def new_line(sku: str, qty: int, fields: dict[str, Any]) -> Line:
    line = _new(Line)
    set_sku, set_qty, set_fields = _order_line
    set_sku(line, sku)
    set_qty(line, qty)
    set_fields(line, fields)
    return line


def new_order(
    order_id: str, created_at: dt.datetime, lines: tuple[Line, ...], fields: dict[str, Any]
) -> Order:
    order = _new(Order)
    set_id, set_created, set_lines, set_fields = _order
    set_id(order, order_id)
    set_created(order, created_at)
    set_lines(order, lines)
    set_fields(order, fields)
    return order


def new_shipment_line(sku: str, qty: int) -> ShipmentLine:
    line = _new(ShipmentLine)
    set_sku, set_qty = _shipment_line
    set_sku(line, sku)
    set_qty(line, qty)
    return line


def new_unfilled(sku: str, qty: int, reason: str) -> Unfilled:
    item = _new(Unfilled)
    set_sku, set_qty, set_reason = _unfilled
    set_sku(item, sku)
    set_qty(item, qty)
    set_reason(item, reason)
    return item


def new_shipment(
    node_id: str,
    lines: tuple[ShipmentLine, ...],
    distance_km: float,
    cost: float,
    eta_days: float,
    strategy: str | None,
    carried: Carried | None,
    transfer: Transfer | None,
    ready_date: dt.date | None,
) -> Shipment:
    made = _new(Shipment)
    node, parts, km, price, eta, by, carrier, leg, ready = _ship
    node(made, node_id)
    parts(made, lines)
    km(made, distance_km)
    price(made, cost)
    eta(made, eta_days)
    by(made, strategy)
    carrier(made, carried)
    leg(made, transfer)
    ready(made, ready_date)
    return made


def new_decision(
    order_id: str,
    status: Status,
    strategies: tuple[str, ...],
    shipments: tuple[Shipment, ...],
    unfilled_items: tuple[Unfilled, ...],
    explain: tuple[Explanation, ...],
    rerouted_from: str | None,
    reason: str | None,
    carriers: bool,
    collect: bool,
) -> Decision:
    """A decision with nothing cancelled (what routing makes)."""
    made = _new(Decision)
    order, state, chain, parcels, short, why, before, because, carried, collected, gone = _decide
    order(made, order_id)
    state(made, status)
    chain(made, strategies)
    parcels(made, shipments)
    short(made, unfilled_items)
    why(made, explain)
    before(made, rerouted_from)
    because(made, reason)
    carried(made, carriers)
    collected(made, collect)
    gone(made, ())
    return made
