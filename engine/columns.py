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
