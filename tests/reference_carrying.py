"""Carriers for the plain reference router (tests/reference_router.py), written from
docs/routing.md, "Carriers while routing", on top of the plain reading of promise.md
(tests/reference_promise.py): every service tried one by one for every node, days
walked one at a time, parcels counted in a dict. It shares no code with the engine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from reference_promise import RefClosure, RefNode, RefService, reference_offer

from engine.decision import Carried

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass
class Offer:
    service: int
    pick: dt.date
    ship: dt.date
    promised: dt.date
    days: int
    price: float
    co2: float


@dataclass
class RefCarrying:
    """The carriers table, closures and node calendars; parcels counted so far."""

    services: list[RefService]
    co2_per_km: list[float]
    closures: list[RefClosure]
    calendars: dict[str, RefNode]
    zone: str
    parcels: dict[tuple[str, int, dt.date], int] = field(default_factory=dict)

    def row(self, k: int) -> dict:
        """Service `k` as `carrier.*` fields read it."""
        service = self.services[k]
        return {
            "carrier": service.carrier,
            "name": service.carrier,
            "service": service.service,
            "transit_days": service.transit_days,
            "max_weight_kg": service.max_weight_kg,
            "max_km": service.max_km,
            "daily_parcels": service.daily_parcels,
            "cost_base": service.cost_base,
            "cost_per_kg": service.cost_per_kg,
            "cost_per_km": service.cost_per_km,
            "co2_per_km": self.co2_per_km[k],
            "countries": tuple(sorted(service.countries)),
            "node_types": tuple(sorted(service.node_types)),
            "pickup_days": tuple(DAYS[d] for d in sorted(service.pickup_days)),
            "delivery_days": tuple(DAYS[d] for d in sorted(service.delivery_days)),
        }

    def offers(self, node, step, order, instant, weight, km, reader, counting=True):
        """The services that may carry a parcel of `weight` kg from `node` for the step:
        promise.md step 6, then `ship with`, then the `deliver` deadline."""
        found = []
        country = order.fields.get("country") or ""
        local_day = instant.astimezone(reader.tz).date()
        for k, service in enumerate(self.services):
            calendar = self.calendars[node["id"]]
            kind, what = reference_offer(
                calendar, service, self.closures, instant, self.zone, country=str(country),
                km=km, weight_kg=weight, units=0, pick_cost=0.0, parcels_taken=0,
            )  # fmt: skip
            if kind != "offer":
                continue
            (pick, ship, promised, days), price = what
            taken = self.parcels.get((node["id"], k, ship), 0)
            if counting and service.daily_parcels is not None and taken >= service.daily_parcels:
                continue
            if step.ship_with is not None:
                reader.carrier = self.row(k)
                if not reader.holds(step.ship_with, order, None, node):
                    continue
            deadline = self.deadline(step, order, local_day)
            if deadline is not None and promised > deadline:
                continue
            found.append(Offer(k, pick, ship, promised, days, price, self.co2_per_km[k] * km))
        return found

    def deadline(self, step, order, local_day):
        deliver = step.deliver
        if deliver is None:
            return None
        if deliver.within_days is not None:
            return local_day + dt.timedelta(days=deliver.within_days)
        requested = order.fields.get(deliver.by.name)
        if requested:
            return dt.date.fromisoformat(str(requested)[:10])
        return None

    def best(self, offers, step):
        """The offer `carrier by` picks (then carrier, then service name)."""
        keys = [k.name for k in step.carrier_by] if step.carrier_by else ["cost"]

        def key(offer):
            values = []
            for name in keys:
                values.append(
                    offer.price if name == "cost" else offer.days if name == "eta" else offer.co2
                )
            service = self.services[offer.service]
            return (*values, service.carrier, service.service)

        return min(offers, key=key) if offers else None

    def carried(self, node, step, order, instant, weight, km, reader):
        """The service a shipment travels with, as a `Carried`, and its price."""
        chosen = self.best(self.offers(node, step, order, instant, weight, km, reader), step)
        free = self.best(self.offers(node, step, order, instant, weight, km, reader, False), step)
        if chosen is None:
            return None, 0.0
        service = self.services[chosen.service]
        capped = free is not None and free.service != chosen.service
        carried = Carried(
            service.carrier, service.service, chosen.pick, chosen.ship, chosen.promised,
            chosen.co2, capped,
        )  # fmt: skip
        return (carried, chosen), chosen.price

    def count(self, node_id, service, ship):
        key = (node_id, service, ship)
        self.parcels[key] = self.parcels.get(key, 0) + 1


def weight_of(order, need):
    """kg of `need` ({sku: units}): each SKU weighs what its first line says."""
    weights = {}
    for line in order.lines:
        weights.setdefault(line.sku, line.fields.get("weight_kg") or 0.0)
    return sum(q * weights.get(k, 0.0) for k, q in need.items())
