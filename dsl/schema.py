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
    CLOCK = "time of day"
    """A local time of day, `HH:MM`: compared with another one or with a text such as
    "14:00" (zero-padded, so texts sort as the times do)."""


@dataclass(frozen=True)
class FieldSpec:
    path: str
    type: FieldType
    doc: str
    values: tuple[str, ...] = ()
    """For text fields with a known set of values (`node.type`)."""
    closed: bool = True
    """Whether `values` are the only ones (a text outside them never matches, an
    error) or the usual ones of an open set (`return.reason`: `disposition by`
    warns about those it leaves out)."""


NODE_TYPES = ("dc", "store", "3pl", "dropship", "dark_store")
DELIVERY_METHODS = ("home", "collect", "express")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Days of the week as the data and the language write them."""
RETURN_METHODS = ("store", "post", "courier")
"""How a customer returns an item: dropped at a store, by post, picked up by a courier."""
RETURN_CONDITIONS = ("new", "opened", "damaged")
"""A returned item's condition, as graded at drop or announced."""
RETURN_REASONS = ("damaged", "wrong_size", "not_as_described", "changed_mind")
"""The usual reasons for a return; the data may hold others."""

_T, _N, _B = FieldType.TEXT, FieldType.NUMBER, FieldType.BOOL
_DAYS, _CLOCK, _LIST = FieldType.TAGS, FieldType.CLOCK, FieldType.TAGS

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
        FieldSpec("order.weight_kg", _N, "Σ qty × weight_kg over the order's lines"),
        FieldSpec("order.requested_date", FieldType.TIME, "the local date the customer needs it"),
        FieldSpec("order.local_time", _CLOCK, "when the order was placed, local HH:MM"),
        FieldSpec("order.weekday", _T, "the local day the order was placed", WEEKDAYS),
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
        FieldSpec("node.cutoff", _CLOCK, "local HH:MM before which an order is picked that day"),
        FieldSpec("node.open_days", _DAYS, "the days the node picks", WEEKDAYS),
        FieldSpec("node.prep_days", _N, "open days between picking and handing over"),
        FieldSpec("node.accepts_returns", _B, "takes returned units in (empty: dc and store do)"),
        FieldSpec("node.return_cost", _N, "handling cost per returned unit (empty: 0)"),
        FieldSpec("line.sku", _T, "the product"),
        FieldSpec("line.qty", _N, "units ordered"),
        FieldSpec("line.unit_price", _N, "price of one unit"),
        FieldSpec("line.category", _T, "product category"),
        FieldSpec("line.weight_kg", _N, "weight of one unit in kg (missing: 0)"),
        # A returned line: one row of the returns table (return strategies only).
        FieldSpec("return.return_id", _T, "the return: its rows are its lines"),
        FieldSpec("return.order_id", _T, "the original order (empty for a gift return)"),
        FieldSpec("return.created_at", FieldType.TIME, "when the return was announced or dropped"),
        FieldSpec("return.method", _T, "how the customer returns it", RETURN_METHODS),
        FieldSpec("return.drop_node", _T, "the store it was dropped at (method store)"),
        FieldSpec("return.origin_lat", _N, "the customer's latitude (post, courier)"),
        FieldSpec("return.origin_lon", _N, "the customer's longitude (post, courier)"),
        FieldSpec("return.sku", _T, "the product returned"),
        FieldSpec("return.qty", _N, "units returned"),
        FieldSpec("return.reason", _T, "why it is returned", RETURN_REASONS, closed=False),
        FieldSpec("return.condition", _T, "as graded at drop or announced", RETURN_CONDITIONS),
        FieldSpec("return.unit_price", _N, "price of one unit"),
        # A carrier service: one row of the carriers table (`ship with` only).
        FieldSpec("carrier.name", _T, "the carrier (column `carrier`)"),
        FieldSpec("carrier.carrier", _T, "the carrier: the same as carrier.name"),
        FieldSpec("carrier.service", _T, "standard, express, same_day, freight, ..."),
        FieldSpec("carrier.countries", _LIST, "destination countries served (empty: all)"),
        FieldSpec("carrier.node_types", _LIST, "node types it collects from", NODE_TYPES),
        FieldSpec("carrier.max_weight_kg", _N, "the heaviest parcel, kg (empty: no limit)"),
        FieldSpec("carrier.max_km", _N, "the longest distance, km (empty: no limit)"),
        FieldSpec("carrier.transit_days", _N, "delivery days after collection"),
        FieldSpec("carrier.pickup_days", _DAYS, "the days it collects", WEEKDAYS),
        FieldSpec("carrier.delivery_days", _DAYS, "the days it delivers", WEEKDAYS),
        FieldSpec("carrier.cost_base", _N, "price of a parcel"),
        FieldSpec("carrier.cost_per_kg", _N, "price per kg"),
        FieldSpec("carrier.cost_per_km", _N, "price per km"),
        FieldSpec("carrier.co2_per_km", _N, "kg of CO2 per km"),
        FieldSpec("carrier.daily_parcels", _N, "parcels per node and local day (empty: no cap)"),
    )
}

FIELD_ALIASES = {"carrier.carrier": "carrier.name"}
"""Two spellings of one field: the carriers table's column is `carrier`, and
`carrier.name` reads better; both read that column."""

ROOTS = ("order", "node", "line", "carrier", "return")


def carrier_column(path: str) -> str:
    """The carriers table column a `carrier.` field reads: `carrier.<column>`, and
    `carrier.name` reads `carrier` (see FIELD_ALIASES)."""
    name = path.split(".", 1)[1]
    return "carrier" if name == "name" else name


METRICS: dict[str, str] = {
    "shipments": "nodes that can fill more of the remaining lines completely first",
    "distance": "great-circle distance from the node to the destination",
    "cost": "shipment cost (pick + base + per km)",
    "stock": "available units of the order's lines at the node",
    "load": "share of today's capacity already used",
    "eta": "the earliest promised date the node can reach with an eligible carrier service",
}
"""Bare words allowed as `rank by` keys of an order strategy, with what they sort by."""

RETURN_METRICS: dict[str, str] = {
    "need": "how many units the node lacks of the SKU: max(0, target - on hand - inbound returns)",
    "distance": "great-circle distance from the drop node or the customer's address",
    "cost": "cost of the return leg, plus the node's return_cost",
}
"""Bare words allowed as `rank by` keys of a return strategy, with what they sort by."""
DEFAULT_RETURN_RANK = ("distance",)
"""The ranking of a return strategy that says no `rank by`."""
DEFAULT_ORDER_RANK = ("shipments", "distance")
"""The ranking of an order strategy that says no `rank by` (language.md)."""

CARRIER_KEYS: dict[str, str] = {
    "cost": "the cheapest carrier price for the parcel",
    "eta": "the earliest promised date",
    "co2": "the least CO2 (co2_per_km × km)",
}
"""Bare words allowed as `carrier by` keys, with what they prefer."""
DEFAULT_CARRIER_KEYS = ("cost",)
"""The choice among eligible carrier services when a strategy says no `carrier by`;
ties are always broken by carrier, then service name."""
