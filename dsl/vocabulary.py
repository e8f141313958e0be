"""The business words of the language: fields, values, rank metrics, shortage rules,
carrier keys and dispositions as a business reader says them. `dsl.wording` builds
its sentences from them (docs/studio.md, "Rules in plain words")."""

from __future__ import annotations

FIELD_WORDS: dict[str, str] = {
    "order.id": "order number",
    "order.created_at": "order time",
    "order.channel": "sales channel",
    "order.delivery": "delivery method",
    "order.tier": "customer tier",
    "order.value": "order value",
    "order.collect_node": "collection store",
    "order.country": "destination country",
    "order.region": "destination region",
    "order.postal_code": "destination postal code",
    "order.dest_lat": "destination latitude",
    "order.dest_lon": "destination longitude",
    "order.promised_days": "promised delivery days",
    "order.lines": "number of lines",
    "order.units": "number of units",
    "node.id": "node",
    "node.name": "name",
    "node.type": "kind",
    "node.region": "region",
    "node.country": "country",
    "node.tags": "tags",
    "node.can_ship": "parcel shipping",
    "node.can_collect": "collection service",
    "node.priority": "priority number",
    "node.capacity": "daily capacity",
    "node.lat": "latitude",
    "node.lon": "longitude",
    "node.pick_cost": "picking cost per unit",
    "node.ship_cost_base": "cost per parcel",
    "node.ship_cost_per_km": "cost per parcel-km",
    "node.handling_days": "handling days",
    "line.sku": "product",
    "line.qty": "quantity",
    "line.unit_price": "unit price",
    "line.category": "product category",
    "line.weight_kg": "weight per unit (kg)",
    "order.local_time": "local order time",
    "order.weekday": "day of the week of the order",
    "order.weight_kg": "order weight (kg)",
    "order.requested_date": "requested delivery date",
    "node.cutoff": "order cut-off time",
    "node.open_days": "opening days",
    "node.prep_days": "preparation days",
    "node.accepts_returns": "acceptance of returns",
    "node.return_cost": "handling cost per returned unit",
    "return.return_id": "return number",
    "return.order_id": "original order number",
    "return.created_at": "return time",
    "return.method": "return method",
    "return.drop_node": "drop-off store",
    "return.origin_lat": "customer's latitude",
    "return.origin_lon": "customer's longitude",
    "return.sku": "returned product",
    "return.qty": "returned quantity",
    "return.reason": "return reason",
    "return.condition": "condition of the returned item",
    "return.unit_price": "price of the returned unit",
    "carrier.carrier": "carrier",
    "carrier.name": "carrier",
    "carrier.service": "service",
    "carrier.countries": "destination countries",
    "carrier.node_types": "kinds of node collected from",
    "carrier.max_weight_kg": "parcel weight limit (kg)",
    "carrier.max_km": "distance limit (km)",
    "carrier.transit_days": "transit days",
    "carrier.pickup_days": "collection days",
    "carrier.delivery_days": "delivery days",
    "carrier.cost_base": "price per parcel",
    "carrier.cost_per_kg": "price per kg",
    "carrier.cost_per_km": "price per km",
    "carrier.co2_per_km": "CO2 per km",
    "carrier.daily_parcels": "parcels a day per node",
}
"""The business words for each field of dsl/schema.py: an order field reads as "the
sales channel", a node field as "the node's region", a line field as "a line's product
category"."""

NODE_KINDS: dict[str, tuple[str, str]] = {
    "dc": ("a warehouse", "warehouses"),
    "store": ("a store", "stores"),
    "3pl": ("a third-party warehouse", "third-party warehouses"),
    "dropship": ("a drop-ship supplier", "drop-ship suppliers"),
    "dark_store": ("a dark store", "dark stores"),
}
"""`node.type` values in words (singular, plural)."""

DELIVERY_WORDS = {"home": "home delivery", "collect": "click and collect", "express": "express"}
"""`order.delivery` values in words."""

BOOLEAN_FIELDS: dict[str, tuple[str, str]] = {
    "node.can_ship": ("ships parcels", "does not ship parcels"),
    "node.can_collect": ("offers collection", "does not offer collection"),
    "node.accepts_returns": ("takes returns in", "does not take returns in"),
}
"""True/false node fields as what the node does, and does not."""

METRIC_WORDS = {
    "shipments": ("that can ship the most of the order in one parcel", "that ship the least"),
    "distance": ("the closest to the customer", "the farthest from the customer"),
    "cost": ("the cheapest to ship from", "the most expensive to ship from"),
    "stock": ("with the least stock", "with the most stock"),
    "load": ("with the most capacity left today", "with the least capacity left today"),
    "eta": ("that can deliver the earliest", "that deliver the latest"),
}
"""Rank metrics in words, (asc, desc): what the preferred nodes are."""

SHORTAGE_WORDS = {
    "backorder": "What nobody can ship is backordered.",
    "partial": "What nobody can ship is left out; the rest ships.",
    "reject": "If anything is missing, the whole order is rejected.",
}
"""`on shortage` in words."""

RETURN_METRIC_WORDS = {
    "need": ("that need the product the least", "that need the product the most"),
    "distance": (
        "the closest to where the item is returned",
        "the farthest from where the item is returned",
    ),
    "cost": ("the cheapest to send it to", "the most expensive to send it to"),
}
"""Rank metrics of return strategies in words, (asc, desc): what the preferred nodes are."""

DISPOSITION_WORDS = {
    "restock": ("Restocks", "restocked"),
    "refurbish": ("Refurbishes", "refurbished"),
    "liquidate": ("Liquidates", "liquidated"),
    "destroy": ("Destroys", "destroyed"),
}
"""Dispositions in words: what a strategy does to every unit, and what becomes of one."""

METRIC_NOUNS = {
    "shipments": "the number of parcels",
    "distance": "the distance",
    "cost": "the shipping cost",
    "stock": "the stock",
    "load": "the day's load",
    "need": "the need for the product",
}
"""Rank metrics as nouns, inside a sentence."""

CARRIER_KEY_WORDS = {"cost": "lowest price", "eta": "earliest delivery", "co2": "least CO2"}
"""`carrier by` keys in words: what the chosen carrier service has."""
