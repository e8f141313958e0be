"""The tables a simulation reads, loaded once with their rejected rows.

Each table may be given as a file (CSV or Parquet), a DataFrame, or a `Table` the
loaders of `engine.tables` already returned (then it is used as it is). Bad rows never
disappear: every table's rejects are gathered in one frame (`table, row, column, reason,
order_id`), which the CLI writes to rejects.csv.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from engine.tables import (
    REJECT_COLUMNS,
    Table,
    data_fields,
    load_events,
    load_inventory,
    load_nodes,
    load_orders,
    load_replenishments,
)

TableSource = str | Path | pd.DataFrame | Table


@dataclass(frozen=True)
class Inputs:
    """Loaded tables (good rows only) and every rejected row."""

    nodes: pd.DataFrame
    inventory: pd.DataFrame
    orders: pd.DataFrame
    replenishments: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    rejects: pd.DataFrame | None = None

    @property
    def fields(self) -> list[str]:
        """The language fields these tables provide (their extra columns included)."""
        return data_fields(self.nodes.columns, self.orders.columns)

    def with_tables(self, **frames: pd.DataFrame | None) -> Inputs:
        """The same inputs with some tables replaced (scenario overrides)."""
        return replace(self, **frames)


def load_inputs(
    nodes: TableSource,
    inventory: TableSource,
    orders: TableSource,
    replenishments: TableSource | None = None,
    events: TableSource | None = None,
    *,
    timezone: str = "UTC",
) -> Inputs:
    """Load every table (times without an offset read in `timezone`, node ids checked
    against the loaded network) and gather their rejects."""
    node_table = _load(nodes, load_nodes)
    node_ids = node_table.frame["id"].astype(str).tolist()
    tables = {
        "nodes": node_table,
        "inventory": _load(inventory, lambda s: load_inventory(s, node_ids)),
        "orders": _load(orders, lambda s: load_orders(s, node_ids, timezone=timezone)),
    }
    if replenishments is not None:
        tables["replenishments"] = _load(
            replenishments, lambda s: load_replenishments(s, node_ids, timezone=timezone)
        )
    if events is not None:
        tables["events"] = _load(events, lambda s: load_events(s, node_ids, timezone=timezone))
    rejects = [table.rejects for table in tables.values() if not table.rejects.empty]
    return Inputs(
        **{name: table.frame for name, table in tables.items()},
        rejects=_rejects(rejects),
    )


def _load(source: TableSource, loader) -> Table:
    if isinstance(source, Table):
        return source
    return loader(source)


def empty_rejects() -> pd.DataFrame:
    """A rejects table with no rows."""
    return pd.DataFrame({column: pd.Series(dtype="object") for column in REJECT_COLUMNS})


def _rejects(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if not frames:
        return empty_rejects()
    return pd.concat(frames, ignore_index=True)[list(REJECT_COLUMNS)]
