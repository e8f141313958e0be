"""A second, plain reading of promise.md, for the property test of
engine/promise.py: dates walked one `datetime.date` at a time over plain values
(sets of weekdays, a list of closures), written from the contract and
docs/routing.md ("The delivery promise (computation)") without the engine's code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

LIMIT_DAYS = 366
"""The last promised date is the order's local date + 366 days (docs/routing.md)."""


@dataclass
class RefNode:
    id: str
    type: str
    open_days: set[int]  # 0 = Monday
    cutoff: str  # "HH:MM"; "" = 23:59
    prep_days: int


@dataclass
class RefService:
    carrier: str
    service: str
    pickup_days: set[int]
    delivery_days: set[int]
    transit_days: int
    countries: set[str] = field(default_factory=set)  # empty: every country
    node_types: set[str] = field(default_factory=set)  # empty: every type
    max_weight_kg: float | None = None
    max_km: float | None = None
    daily_parcels: int | None = None
    cost_base: float = 0.0
    cost_per_kg: float = 0.0
    cost_per_km: float = 0.0


@dataclass
class RefClosure:
    date: dt.date
    scope: str  # node, carrier, all
    id: str


def node_is_open(node: RefNode, day: dt.date, closures: list[RefClosure]) -> bool:
    if day.weekday() not in node.open_days:
        return False
    for closure in closures:
        if closure.date == day and (
            closure.scope == "all" or (closure.scope == "node" and closure.id == node.id)
        ):
            return False
    return True


def carrier_is_closed(service: RefService, day: dt.date, closures: list[RefClosure]) -> bool:
    for closure in closures:
        if closure.date == day and (
            closure.scope == "all" or (closure.scope == "carrier" and closure.id == service.carrier)
        ):
            return True
    return False


def reference_dates(
    node: RefNode,
    service: RefService,
    closures: list[RefClosure],
    at: dt.datetime,
    zone: str,
) -> tuple[dt.date, dt.date, dt.date, int] | None:
    """(pick day, ship day, promised date, eta_days), or None when the promised
    date would fall after the order's local date + LIMIT_DAYS."""
    local = at.astimezone(ZoneInfo(zone))
    order_day = local.date()
    limit = order_day + dt.timedelta(days=LIMIT_DAYS)
    one = dt.timedelta(days=1)
    hours, minutes = (int(part) for part in (node.cutoff or "23:59").split(":"))
    before_cutoff = (local.hour, local.minute) < (hours, minutes)

    # 1. pick day
    day = order_day
    if not (node_is_open(node, day, closures) and before_cutoff):
        day += one
        while not node_is_open(node, day, closures):
            day += one
            if day > limit:
                return None
    pick = day
    # 2. ship day: prep_days more open days, then the first day the carrier collects
    for _ in range(node.prep_days):
        day += one
        while not node_is_open(node, day, closures):
            day += one
            if day > limit:
                return None
        if day > limit:
            return None
    while not (
        day.weekday() in service.pickup_days
        and not carrier_is_closed(service, day, closures)
        and node_is_open(node, day, closures)
    ):
        day += one
        if day > limit:
            return None
    ship = day
    # 3. delivery day
    for _ in range(service.transit_days):
        day += one
        while day.weekday() not in service.delivery_days or carrier_is_closed(
            service, day, closures
        ):
            day += one
            if day > limit:
                return None
        if day > limit:
            return None
    if day > limit:
        return None
    return pick, ship, day, (day - order_day).days


def reference_offer(
    node: RefNode,
    service: RefService,
    closures: list[RefClosure],
    at: dt.datetime,
    zone: str,
    *,
    country: str,
    km: float,
    weight_kg: float,
    units: int,
    pick_cost: float,
    parcels_taken: int,
) -> tuple[str, object]:
    """("refused", the reason's kind) or ("offer", (dates, cost)): the kinds are
    country, node_type, weight, distance, no_delivery, daily_parcels, first found
    in that order."""
    if service.countries and country.upper() not in service.countries:
        return "refused", "country"
    if service.node_types and node.type not in service.node_types:
        return "refused", "node_type"
    if service.max_weight_kg is not None and weight_kg > service.max_weight_kg:
        return "refused", "weight"
    if service.max_km is not None and km > service.max_km:
        return "refused", "distance"
    dates = reference_dates(node, service, closures, at, zone)
    if dates is None:
        return "refused", "no_delivery"
    if service.daily_parcels is not None and parcels_taken >= service.daily_parcels:
        return "refused", "daily_parcels"
    cost = (
        pick_cost * units
        + service.cost_base
        + service.cost_per_kg * weight_kg
        + service.cost_per_km * km
    )
    return "offer", (dates, cost)
