"""The tables a simulation reads, loaded once with their rejected rows.

Each table may be given as a file (CSV or Parquet), a DataFrame, or a `Table` the
loaders of `engine.tables` already returned (then it is used as it is). Bad rows never
disappear: every table's rejects are gathered in one frame (`table, row, column, reason,
order_id`), which the CLI writes to rejects.csv.

The carriers and closures of the delivery promise are kept as the loaders' typed
tables (`Carriers`, `Closures`): the engine reads them as they are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from engine.tables import (
    REJECT_COLUMNS,
    Carriers,
    Closures,
    Table,
    data_fields,
    load_carriers,
    load_closures,
    load_events,
    load_inventory,
    load_nodes,
    load_orders,
    load_replenishments,
    load_returns,
)

TableSource = str | Path | pd.DataFrame | Table


@dataclass(frozen=True)
class CarrierPeriod:
    """A carriers table in force from the start of a local day (ruleset time zone) until
    the next period's, or the end of the run: a scenario's dated carrier change."""

    start: dt.date
    carriers: Carriers


@dataclass(frozen=True)
class Inputs:
    """Loaded tables (good rows only) and every rejected row. Without `carriers` the
    decisions carry no promise (the distance ETA of kpis.md)."""

    nodes: pd.DataFrame
    inventory: pd.DataFrame
    orders: pd.DataFrame
    replenishments: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    rejects: pd.DataFrame | None = None
    carriers: Carriers | None = None
    closures: Closures | None = None
    carrier_periods: tuple[CarrierPeriod, ...] = ()
    """Carriers tables that replace `carriers` from their start day on, in day order."""
    returns: pd.DataFrame | None = None
    """Returned lines (returns.md), routed by the ruleset's return strategies."""

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
    carriers: TableSource | None = None,
    closures: TableSource | None = None,
    *,
    timezone: str = "UTC",
    returns: TableSource | None = None,
) -> Inputs:
    """Load every table (times without an offset read in `timezone`, node ids checked
    against the loaded network, a closure's node or carrier against the nodes and the
    carriers) and gather their rejects. Closures without carriers are refused: they
    only change a promise."""
    if closures is not None and carriers is None:
        raise ValueError("closures change the delivery promise only: give the carriers too")
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
    if returns is not None:
        tables["returns"] = _load(returns, lambda s: load_returns(s, node_ids, timezone=timezone))
    promise: dict[str, Table] = {}
    if carriers is not None:
        promise["carriers"] = found = _load(carriers, load_carriers)
        if closures is not None:
            promise["closures"] = _load(closures, lambda s: load_closures(s, node_ids, found))
    rejects = [
        table.rejects for table in (*tables.values(), *promise.values()) if not table.rejects.empty
    ]
    return Inputs(
        **{name: table.frame for name, table in tables.items()},
        **promise,  # type: ignore[arg-type]
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
