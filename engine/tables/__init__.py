"""Loading the data tables (nodes, inventory, orders, replenishments) from CSV,
Parquet or a DataFrame: the good rows normalised in `Table.frame`, and every
problem in `Table.rejects` with its row number, column and reason.

A missing required column (or an unreadable file) makes the whole table
unusable and raises `TableError`. See docs/data.md for every rule.
"""

from engine.tables.cells import REJECT_COLUMNS
from engine.tables.events import EVENT_COLUMNS, load_events
from engine.tables.fields import data_fields
from engine.tables.network import NODE_COLUMNS, load_nodes
from engine.tables.orders import ORDER_COLUMNS, load_orders
from engine.tables.reading import TableError
from engine.tables.stock import load_inventory, load_replenishments
from engine.tables.table import Table

__all__ = [
    "EVENT_COLUMNS",
    "NODE_COLUMNS",
    "ORDER_COLUMNS",
    "REJECT_COLUMNS",
    "Table",
    "TableError",
    "data_fields",
    "load_events",
    "load_inventory",
    "load_nodes",
    "load_orders",
    "load_replenishments",
]
