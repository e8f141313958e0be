"""The fields the language knows, with their types: one schema for the checker
(typing, "did you mean") and the engine (where each value comes from).

Extra columns of the order or node data are reachable too; the checker learns
them from the data (`extra_fields`) rather than from this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FieldType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    BOOL = "true/false"
    TAGS = "list of tags"
    TIME = "date-time"


@dataclass(frozen=True)
class FieldSpec:
    path: str
    type: FieldType
    doc: str
    values: tuple[str, ...] = ()
    """For text fields with a closed set of values (`node.type`)."""


NODE_TYPES = ("dc", "store", "3pl", "dropship", "dark_store")
DELIVERY_METHODS = ("home", "collect", "express")

_T, _N, _B = FieldType.TEXT, FieldType.NUMBER, FieldType.BOOL

FIELDS: dict[str, FieldSpec] = {
    spec.path: spec
    for spec in (
        FieldSpec("order.id", _T, "the order id"),
        FieldSpec("order.created_at", FieldType.TIME, "when the order was placed"),
        FieldSpec("order.channel", _T, "web, marketplace, store, b2b, ..."),
        FieldSpec("order.delivery", _T, "delivery method", DELIVERY_METHODS),
        FieldSpec("order.tier", _T, "customer tier: standard, vip, b2b, ..."),
        FieldSpec("order.value", _N, "Σ qty × unit_price over the order's lines"),
        FieldSpec("order.collect_node", _T, "the store chosen for click & collect"),
        FieldSpec("order.country", _T, "destination country"),
        FieldSpec("order.region", _T, "destination region"),
        FieldSpec("order.postal_code", _T, "destination postal code"),
        FieldSpec("order.dest_lat", _N, "destination latitude"),
        FieldSpec("order.dest_lon", _N, "destination longitude"),
        FieldSpec("order.promised_days", _N, "days promised to the customer"),
        FieldSpec("order.lines", _N, "number of lines in the order"),
        FieldSpec("order.units", _N, "number of units in the order"),
        FieldSpec("node.id", _T, "the node id"),
        FieldSpec("node.name", _T, "the node's name"),
        FieldSpec("node.type", _T, "kind of node", NODE_TYPES),
        FieldSpec("node.region", _T, "the node's region"),
        FieldSpec("node.country", _T, "the node's country"),
        FieldSpec("node.tags", FieldType.TAGS, "tags such as flagship"),
        FieldSpec("node.can_ship", _B, "the node ships parcels"),
        FieldSpec("node.can_collect", _B, "customers can collect there"),
        FieldSpec("node.priority", _N, "lower is preferred"),
        FieldSpec("node.capacity", _N, "orders per day (empty: unlimited)"),
        FieldSpec("node.lat", _N, "latitude"),
        FieldSpec("node.lon", _N, "longitude"),
        FieldSpec("node.pick_cost", _N, "cost per unit picked"),
        FieldSpec("node.ship_cost_base", _N, "cost per shipment"),
        FieldSpec("node.ship_cost_per_km", _N, "cost per shipment-km"),
        FieldSpec("node.handling_days", _N, "days before a parcel leaves"),
        FieldSpec("line.sku", _T, "the product"),
        FieldSpec("line.qty", _N, "units ordered"),
        FieldSpec("line.unit_price", _N, "price of one unit"),
        FieldSpec("line.category", _T, "product category"),
    )
}

ROOTS = ("order", "node", "line")

METRICS: dict[str, str] = {
    "shipments": "nodes that can fill more of the remaining lines completely first",
    "distance": "great-circle distance from the node to the destination",
    "cost": "shipment cost (pick + base + per km)",
    "stock": "available units of the order's lines at the node",
    "load": "share of today's capacity already used",
    "eta": "the earliest promised date the node can reach with an eligible carrier service",
}
"""Bare words allowed as `rank by` keys, with what they sort by."""

CARRIER_KEYS: dict[str, str] = {
    "cost": "the cheapest carrier price for the parcel",
    "eta": "the earliest promised date",
    "co2": "the least CO2 (co2_per_km × km)",
}
"""Bare words allowed as `carrier by` keys, with what they prefer."""
DEFAULT_CARRIER_KEYS = ("cost",)
"""The choice among eligible carrier services when a strategy says no `carrier by`;
ties are always broken by carrier, then service name."""
