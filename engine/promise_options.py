"""The delivery options of a basket before checkout (docs/routing.md, "Promise before
checkout"): for each delivery method, what the ruleset would decide — promised date,
the latest local time to order for that date, carriers, cost, CO2 and nodes —
worked out by the same router without allocating anything (`Session.promise`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from dsl.schema import DELIVERY_METHODS
from engine.decision import Decision
from engine.promise import LocalMoment, PromiseDates
from engine.tables.calendar_text import day_number

if TYPE_CHECKING:
    from engine.model import Order
    from engine.router import Router

METHODS = ("home", "express", "collect")
"""The delivery methods a basket is promised for, in this order (`collect` only with a
`collect_node`)."""


@dataclass(frozen=True)
class Option:
    """One delivery method's promise for a basket."""

    delivery: str
    decision: Decision
    order_before: str | None
    """The latest local time (`HH:MM`) to order today for this promised date: the
    earliest cut-off of the nodes whose shipment would otherwise be picked a day later
    and arrive later (None: later today gives the same date, or nothing is promised)."""
    minutes_left: int | None
    """Whole minutes from the basket's local time to `order_before`."""

    @property
    def promised_date(self) -> dt.date | None:
        return self.decision.promised_date if self.decision.status == "routed" else None

    def to_dict(self) -> dict[str, Any]:
        shipments = []
        for shipment in self.decision.shipments:
            carried = shipment.carried
            shipments.append(
                {
                    "node_id": shipment.node_id,
                    "lines": [{"sku": line.sku, "qty": line.qty} for line in shipment.lines],
                    "carrier": shipment.carrier,
                    "service": shipment.service,
                    "ship_date": _iso(shipment.ship_date),
                    "promised_date": _iso(shipment.promised_date),
                    "cost": round(shipment.cost, 2),
                    "co2_kg": None if carried is None else round(carried.co2_kg, 3),
                }
            )
        decision = self.decision
        return {
            "delivery": self.delivery,
            "status": decision.status,
            "promised_date": _iso(self.promised_date),
            "order_before": self.order_before,
            "order_within": None if self.minutes_left is None else countdown(self.minutes_left),
            "minutes_left": self.minutes_left,
            "cost": round(sum(s.cost for s in decision.shipments), 2),
            "co2_kg": round(sum(s.carried.co2_kg for s in decision.shipments if s.carried), 3),
            "nodes": [s.node_id for s in decision.shipments],
            "shipments": shipments,
            "unfilled": [item.to_dict() for item in decision.unfilled],
            "strategies": list(decision.strategies),
        }


def promise_options(
    router: Router, basket: Order, at: dt.datetime, methods: tuple[str, ...] | None = None
) -> list[Option]:
    """The basket's options at instant `at` from a router (`Session.router`), one per
    delivery method (`methods`, or home and express, and collect when the basket names
    a `collect_node`); nothing is allocated."""
    chosen = methods or tuple(
        m for m in METHODS if m != "collect" or basket.fields.get("collect_node")
    )
    moment = LocalMoment.of(at, router.policy.tz)
    options = []
    for method in chosen:
        order = replace(basket, fields={**basket.fields, "delivery": method})
        decision = router.promise(order, at)
        before = _order_before(router, decision, moment) if decision.status == "routed" else None
        minutes = None if before is None else before - moment.minute
        shown = None if before is None else f"{before // 60:02d}:{before % 60:02d}"
        options.append(Option(method, decision, shown, minutes))
    return options


def _order_before(router: Router, decision: Decision, moment: LocalMoment) -> int | None:
    """The earliest cut-off (minutes after midnight) of a shipment picked today whose
    delivery would be later if the order came at that cut-off."""
    bound = router.delivery
    if bound is None or not bound.delivery.carried:
        return None
    calendars = bound.delivery.calendars
    carriers = calendars.carriers
    earliest: int | None = None
    for shipment in decision.shipments:
        carried = shipment.carried
        if carried is None or day_number(carried.pick_date) != moment.day:
            continue
        row = calendars.node_row(shipment.node_id)
        cutoff = int(calendars.nodes.cutoff[row])
        service = carriers.index(carried.carrier, carried.service)
        late = calendars.dates(row, service, LocalMoment(moment.day, cutoff))
        if not isinstance(late, PromiseDates) or late.promised_date > carried.promised_date:
            earliest = cutoff if earliest is None else min(earliest, cutoff)
    return earliest


def countdown(minutes: int) -> str:
    """`2 h 13 min`, `45 min`, `3 h`."""
    hours, rest = divmod(max(minutes, 0), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


class BasketError(ValueError):
    """A basket that cannot be promised: the message names the key at fault."""


def basket_order(data: Any, tz: dt.tzinfo) -> tuple[Order, dt.datetime | None, str | None]:
    """A basket given as JSON data (docs/routing.md, "Promise before checkout") as an
    order, the instant it is asked at (`at`; None: now; without an offset, local time
    in `tz`) and the one delivery method asked for (`delivery`; None: every method)."""
    from engine.model import Line, Order

    if not isinstance(data, dict):
        raise BasketError("a basket is a JSON object with `lines`")
    lines = data.get("lines")
    if not isinstance(lines, list) or not lines:
        raise BasketError('`lines`: a list of at least one line ({"sku": …, "qty": …})')
    made = []
    for k, line in enumerate(lines):
        if not isinstance(line, dict):
            raise BasketError(f"`lines[{k}]`: a line is an object with `sku` and `qty`")
        sku, qty = line.get("sku"), line.get("qty")
        if not isinstance(sku, str) or not sku.strip():
            raise BasketError(f"`lines[{k}].sku`: a SKU id (text)")
        if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
            raise BasketError(f"`lines[{k}].qty`: a whole number of units, 1 or more")
        made.append(Line(sku=sku.strip(), qty=qty, fields=dict(line)))
    delivery = data.get("delivery")
    if delivery is not None and delivery not in DELIVERY_METHODS:
        raise BasketError(f"`delivery`: one of {', '.join(DELIVERY_METHODS)}, or leave it out")
    at = data.get("at")
    instant = None
    if at is not None:
        try:
            instant = dt.datetime.fromisoformat(str(at))
        except ValueError:
            raise BasketError(
                f"`at`: an ISO 8601 date-time such as 2026-12-04T15:10, not {at!r}"
            ) from None
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=tz)
    header = {k: v for k, v in data.items() if k not in ("lines", "at", "delivery")}
    for key in ("dest_lat", "dest_lon"):
        value = header.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise BasketError(f"`{key}`: a number of degrees")
    created = instant or dt.datetime.now(dt.UTC)
    order_id = str(header.pop("order_id", "basket"))
    return (
        Order(id=order_id, created_at=created, lines=tuple(made), fields=header),
        instant,
        delivery,
    )
