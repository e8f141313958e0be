"""The table loaders as they were before the move to Arrow (pandas all the way),
kept unchanged as the reference that tests/test_tables_reference.py compares the
loaders of engine.tables with: the same frames, the same rejects.

Loading the data tables (nodes, inventory, orders, replenishments) from CSV,
Parquet or a DataFrame: the good rows normalised in `Table.frame`, and every
problem in `Table.rejects` with its row number, column and reason.

A missing required column (or an unreadable file) makes the whole table
unusable and raises `TableError`. See docs/data.md for every rule.
"""

from legacy_tables.cells import REJECT_COLUMNS
from legacy_tables.events import EVENT_COLUMNS, load_events
from legacy_tables.fields import data_fields
from legacy_tables.network import NODE_COLUMNS, load_nodes
from legacy_tables.orders import ORDER_COLUMNS, load_orders
from legacy_tables.reading import TableError
from legacy_tables.stock import load_inventory, load_replenishments
from legacy_tables.table import Table

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
