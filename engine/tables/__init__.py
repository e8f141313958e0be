"""Loading the data tables (nodes, inventory, orders, replenishments, events,
returns, and the promise's carriers and closures) from
CSV, Parquet or a pandas DataFrame: the good rows normalised in `Table.arrow` (a
pyarrow Table; `Table.frame` is the same rows in pandas, built on first use), and
every problem in `Table.reject_rows` (`Table.rejects` in pandas) with its row
number, column and reason. Loading a file imports no pandas.

A missing required column (or an unreadable file) makes the whole table
unusable and raises `TableError`. See docs/data.md for every rule.
"""

from engine.tables.calendar_text import (
    DAY_NAMES,
    CalendarTextError,
    format_clock,
    format_days,
    parse_clock,
    parse_date,
    parse_days,
)
from engine.tables.carriers import CARRIER_COLUMNS, UNLIMITED, Carriers, load_carriers
from engine.tables.closures import CLOSURE_COLUMNS, Closures, load_closures
from engine.tables.events import EVENT_COLUMNS, load_events
from engine.tables.fields import data_fields
from engine.tables.network import NODE_COLUMNS, load_nodes
from engine.tables.orders import ORDER_COLUMNS, load_orders
from engine.tables.promise_columns import NodeCalendar, line_weights, requested_days
from engine.tables.reading import TableError
from engine.tables.rejects import REJECT_COLUMNS, RejectRow
from engine.tables.return_columns import NodeReturns, stock_targets
from engine.tables.returns import RETURN_COLUMNS, RETURN_CONDITIONS, RETURN_METHODS, load_returns
from engine.tables.stock import load_inventory, load_replenishments
from engine.tables.table import Table

__all__ = [
    "CARRIER_COLUMNS",
    "CLOSURE_COLUMNS",
    "DAY_NAMES",
    "EVENT_COLUMNS",
    "NODE_COLUMNS",
    "ORDER_COLUMNS",
    "REJECT_COLUMNS",
    "RETURN_COLUMNS",
    "RETURN_CONDITIONS",
    "RETURN_METHODS",
    "UNLIMITED",
    "CalendarTextError",
    "Carriers",
    "Closures",
    "NodeCalendar",
    "NodeReturns",
    "RejectRow",
    "Table",
    "TableError",
    "data_fields",
    "format_clock",
    "format_days",
    "line_weights",
    "load_carriers",
    "load_closures",
    "load_events",
    "load_inventory",
    "load_nodes",
    "load_orders",
    "load_replenishments",
    "load_returns",
    "parse_clock",
    "parse_date",
    "parse_days",
    "requested_days",
    "stock_targets",
]
