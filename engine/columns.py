"""The column names of the data tables, as data.md states them: one contract for
the loaders, the domain model and the demo data generator."""

NODE_COLUMNS = (
    "id",
    "name",
    "type",
    "lat",
    "lon",
    "country",
    "region",
    "tags",
    "can_ship",
    "can_collect",
    "capacity",
    "priority",
    "pick_cost",
    "ship_cost_base",
    "ship_cost_per_km",
    "handling_days",
)
ORDER_LEVEL_COLUMNS = (
    "created_at",
    "channel",
    "delivery",
    "collect_node",
    "tier",
    "dest_lat",
    "dest_lon",
    "country",
    "region",
    "postal_code",
    "promised_days",
)
"""Columns that describe the order, not the line: every line of an order agrees."""
LINE_COLUMNS = ("sku", "qty", "unit_price", "category")
ORDER_HEADER_COLUMNS = ("order_id", *ORDER_LEVEL_COLUMNS)
ORDER_TABLE_COLUMNS = (*ORDER_HEADER_COLUMNS, *LINE_COLUMNS)
"""The orders table: one row per order line."""

# The columns of the delivery promise (promise.md). They are optional: a table
# without them loads exactly as before, and holds them only when its source does.
NODE_CALENDAR_COLUMNS = ("cutoff", "open_days", "prep_days")
"""A node's working calendar: cut-off time, open days, preparation days."""
ORDER_PROMISE_COLUMNS = ("requested_date",)
"""Order-level: every line of an order agrees, like ORDER_LEVEL_COLUMNS."""
LINE_PROMISE_COLUMNS = ("weight_kg",)
"""Per line: the weight of one unit."""
CARRIER_COLUMNS = (
    "carrier",
    "service",
    "countries",
    "node_types",
    "max_weight_kg",
    "max_km",
    "transit_days",
    "pickup_days",
    "delivery_days",
    "cost_base",
    "cost_per_kg",
    "cost_per_km",
    "co2_per_km",
    "daily_parcels",
)
CLOSURE_COLUMNS = ("date", "scope", "id", "reason")

# The columns of returns (returns.md). Those of nodes and inventory are optional
# like the promise columns: a table without them loads exactly as before.
NODE_RETURN_COLUMNS = ("accepts_returns", "return_cost")
"""Whether a node takes returned units in, and its handling cost per unit."""
INVENTORY_RETURN_COLUMNS = ("target",)
"""The stock level a node wants for a SKU (a return's `need` is measured against it)."""
RETURN_LEVEL_COLUMNS = (
    "order_id",
    "created_at",
    "method",
    "drop_node",
    "origin_lat",
    "origin_lon",
)
"""Columns that describe the return, not the line: every line of a return agrees."""
RETURN_LINE_COLUMNS = ("sku", "qty", "reason", "condition", "unit_price", "category")
RETURN_TABLE_COLUMNS = ("return_id", *RETURN_LEVEL_COLUMNS, *RETURN_LINE_COLUMNS)
"""The returns table: one row per returned line."""

DEFAULT_CO2_KG_PER_KM = 0.12
"""kg of CO2 per shipment-km (kpis.md): the KPIs' constant, and a carrier's
co2_per_km when its row gives none."""
