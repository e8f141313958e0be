"""The delivery promise of one shipment (promise.md; docs/routing.md, "The
delivery promise (computation)"): the day a node picks it, the day a carrier
service collects it, the day it is delivered, and whether that service may carry
it at all (country, node type, weight, distance, parcels a day) and at what
price.

Plain Python over the typed tables (`NodeCalendar`, `Carriers`, `Closures`):
days are day numbers (days since 1970-01-01) of local dates in the ruleset's
time zone, walked one at a time. No walk goes past `MAX_PROMISE_DAYS` after the
order's local date: a service that cannot deliver by then gives no promise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from engine.tables.calendar_text import date_of, day_number, weekday
from engine.tables.carriers import UNLIMITED, Carriers
from engine.tables.closures import Closures
from engine.tables.promise_columns import NodeCalendar

MAX_PROMISE_DAYS = 366
"""The latest promised date is the order's local date + 366 days: every walk
(pick day, prep days, ship day, transit days) stops there. Without a delivery
day by then a service is not eligible ("no delivery within 366 days")."""


@dataclass(frozen=True)
class LocalMoment:
    """When an order was placed, as the ruleset's time zone reads it: the local
    date (a day number) and the local time in whole minutes after midnight (the
    seconds dropped: 13:59:59 is 13:59, as `order.local_time` shows it)."""

    day: int
    minute: int

    @classmethod
    def of(cls, at: dt.datetime, zone: ZoneInfo) -> LocalMoment:
        """The local moment of an instant (an aware datetime) in `zone`; zoneinfo
        gives the offset in force at that instant, so DST change days are exact."""
        if at.tzinfo is None:
            raise ValueError("an order's instant needs its offset or time zone")
        local = at.astimezone(zone)
        return cls(day_number(local.date()), local.hour * 60 + local.minute)

    @property
    def date(self) -> dt.date:
        return date_of(self.day)


@dataclass(frozen=True)
class PromiseDates:
    """The days of one shipment's promise, as day numbers, and `eta_days`."""

    pick_day: int
    ship_day: int
    delivery_day: int
    eta_days: int

    @property
    def ship_date(self) -> dt.date:
        return date_of(self.ship_day)

    @property
    def promised_date(self) -> dt.date:
        return date_of(self.delivery_day)


@dataclass(frozen=True)
class NoPromise:
    """No delivery day within MAX_PROMISE_DAYS; `reason` says which step failed."""

    reason: str


class PromiseCalendars:
    """The nodes' calendars, the carrier services and the closures a promise reads:
    which days a node is open, a service collects, a service delivers."""

    def __init__(
        self, nodes: NodeCalendar, carriers: Carriers, closures: Closures | None = None
    ) -> None:
        self.nodes = nodes
        self.carriers = carriers
        self._node_row = {node_id: row for row, node_id in enumerate(nodes.ids)}

        def closed(scope: str, key: str = "") -> frozenset[int]:
            return closures.days(scope, key) if closures is not None else frozenset()

        self._all_closed = closed("all")
        self.node_closed = [closed("node", node_id) | self._all_closed for node_id in nodes.ids]
        self.carrier_closed = {
            name: closed("carrier", name) | self._all_closed for name in set(carriers.carrier)
        }

    def node_row(self, node_id: str) -> int:
        """The row of a node in the calendars; KeyError for an unknown node."""
        return self._node_row[node_id]

    def node_open(self, node: int, day: int) -> bool:
        """The node picks on `day`: one of its open days, no closure of it or of all."""
        opens = int(self.nodes.open_days[node]) >> weekday(day) & 1
        return bool(opens) and day not in self.node_closed[node]

    def collects(self, service: int, day: int) -> bool:
        """The service collects on `day`: a pickup day, no closure of its carrier or all."""
        carriers = self.carriers
        collects = int(carriers.pickup_days[service]) >> weekday(day) & 1
        return bool(collects) and day not in self.carrier_closed[carriers.carrier[service]]

    def delivers(self, service: int, day: int) -> bool:
        """The service delivers on `day`: a delivery day, no closure of its carrier or all."""
        carriers = self.carriers
        delivers = int(carriers.delivery_days[service]) >> weekday(day) & 1
        return bool(delivers) and day not in self.carrier_closed[carriers.carrier[service]]

    def dates(self, node: int, service: int, order: LocalMoment) -> PromiseDates | NoPromise:
        """Steps 1-4 of promise.md for node row `node` and carrier row `service`."""
        last = order.day + MAX_PROMISE_DAYS
        node_id = self.nodes.ids[node]
        name = f"{self.carriers.carrier[service]} {self.carriers.service[service]}"
        # 1. pick day: today if open and the order came strictly before the cut-off
        pick: int | None = order.day
        if not (self.node_open(node, order.day) and order.minute < int(self.nodes.cutoff[node])):
            pick = _first(order.day + 1, last, lambda d: self.node_open(node, d))
        if pick is None:
            return NoPromise(f"{node_id} is open on no day {_within()}")
        # 2. ship day: prep_days further open days, then a day the service collects
        prep = int(self.nodes.prep_days[node])
        prepared = _nth(pick, prep, last, lambda d: self.node_open(node, d))
        if prepared is None:
            return NoPromise(f"{node_id} has not prepared it ({prep} prep days) {_within()}")
        ship = _first(
            prepared, last, lambda d: self.collects(service, d) and self.node_open(node, d)
        )
        if ship is None:
            return NoPromise(f"{name} collects from {node_id} on no open day {_within()}")
        # 3. delivery day: transit_days further delivery days (0: the ship day)
        transit = int(self.carriers.transit_days[service])
        delivery = _nth(ship, transit, last, lambda d: self.delivers(service, d))
        if delivery is None:
            return NoPromise(f"{name} delivers on no day {_within()}")
        # 4. the promise
        return PromiseDates(pick, ship, delivery, delivery - order.day)


DayTest = Callable[[int], bool]


def _first(first: int, last: int, allowed: DayTest) -> int | None:
    """The first day from `first` to `last` (both included) that `allowed` accepts."""
    for day in range(first, last + 1):
        if allowed(day):
            return day
    return None


def _nth(start: int, count: int, last: int, allowed: DayTest) -> int | None:
    """The `count`-th day after `start` that `allowed` accepts (`start` itself for
    0), or None past `last`."""
    day: int | None = start
    for _ in range(count):
        day = _first(day + 1, last, allowed) if day is not None else None
    return day


def _within() -> str:
    return f"within {MAX_PROMISE_DAYS} days of the order"


# ------------------------------------------------------------------ one parcel


@dataclass(frozen=True)
class Parcel:
    """One shipment as a carrier sees it: from which node (row of the calendars,
    its type and pick cost per unit), to which country, how far (great-circle km),
    how heavy (Σ qty × weight_kg of its lines) and how many units."""

    node: int
    node_type: str
    country: str
    km: float
    weight_kg: float
    units: int
    pick_cost: float


@dataclass(frozen=True)
class Offer:
    """An eligible carrier service for a parcel: its dates, price and CO2."""

    carrier: str
    service: str
    dates: PromiseDates
    cost: float
    co2_kg: float


@dataclass(frozen=True)
class Refusal:
    """A carrier service that may not carry the parcel; `reason` says why, as an
    explanation shows it ("colissimo standard: 32 kg > 30 kg")."""

    carrier: str
    service: str
    reason: str


def offer(
    calendars: PromiseCalendars,
    service: int,
    parcel: Parcel,
    order: LocalMoment,
    parcels_taken: int = 0,
) -> Offer | Refusal:
    """Whether carrier row `service` may carry `parcel` ordered at `order`, and
    then its promise and price (promise.md, steps 1-6 but `ship with`, which the
    strategy checks). `parcels_taken`: parcels this service already collects from
    the parcel's node on the ship day (`daily_parcels`). The first reason found,
    in this order: country, node type, weight, distance, no delivery within
    MAX_PROMISE_DAYS, parcels a day."""
    carriers = calendars.carriers
    carrier, name = carriers.carrier[service], carriers.service[service]

    def refused(reason: str) -> Refusal:
        return Refusal(carrier, name, f"{carrier} {name}: {reason}")

    if not carriers.serves(service, parcel.country):
        return refused(f"does not deliver to {parcel.country.upper() or 'an unknown country'}")
    if not carriers.collects_from(service, parcel.node_type):
        return refused(f"does not collect from {parcel.node_type} nodes")
    max_weight = float(carriers.max_weight_kg[service])
    if parcel.weight_kg > max_weight:
        return refused(f"{amount(parcel.weight_kg)} kg > {amount(max_weight)} kg")
    max_km = float(carriers.max_km[service])
    if parcel.km > max_km:
        return refused(f"{amount(parcel.km)} km > {amount(max_km)} km")
    dates = calendars.dates(parcel.node, service, order)
    if isinstance(dates, NoPromise):
        return refused(dates.reason)
    cap = int(carriers.daily_parcels[service])
    if cap != UNLIMITED and parcels_taken >= cap:
        node_id = calendars.nodes.ids[parcel.node]
        return refused(
            f"{parcels_taken:,} parcels already collected from {node_id} on "
            f"{dates.ship_date.isoformat()} (daily_parcels {cap:,})"
        )
    cost = (
        parcel.pick_cost * parcel.units
        + float(carriers.cost_base[service])
        + float(carriers.cost_per_kg[service]) * parcel.weight_kg
        + float(carriers.cost_per_km[service]) * parcel.km
    )
    co2 = float(carriers.co2_per_km[service]) * parcel.km
    return Offer(carrier, name, dates, cost, co2)


def amount(value: float) -> str:
    """A weight or distance as a reason shows it: up to 3 decimals, no trailing
    zeros, thousands separated (`32`, `30.5`, `1,250.125`)."""
    return f"{value:,.3f}".rstrip("0").rstrip(".")
