"""The simulation KPIs of kpis.md, overall and per channel, node type and day.

Every figure is computed from the decision tables (simulations.decisions) so it can be
traced back to the orders behind it with :func:`orders_behind`. Empty denominators give
``None`` (JSON null), never NaN.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from simulations.decisions import FAILED_STATUSES, DecisionTables
from simulations.stock_ledger import StockWalk, walk_stock

CO2_KG_PER_KM = 0.12
KPIS_FORMAT = 1
OVERALL_KEYS = (
    "orders",
    "lines",
    "units",
    "fill_rate",
    "complete_rate",
    "partial_rate",
    "backorder_rate",
    "unroutable_rate",
    "split_rate",
    "shipments_per_order",
    "avg_distance_km",
    "p90_distance_km",
    "cost_per_order",
    "avg_eta_days",
    "on_time_rate",
    "protection_breaches",
    "store_stockouts",
    "node_utilisation",
    "capacity_overflows",
    "co2_kg",
)
COUNT_KEYS = frozenset(
    {
        "orders",
        "lines",
        "units",
        "shipments",
        "protection_breaches",
        "store_stockouts",
        "capacity_overflows",
    }
)
CAPACITY_KEYS = ("node_utilisation", "capacity_overflows")
NODE_TYPE_KEYS = (
    "orders",
    "shipments",
    "units",
    "share_of_units",
    "shipments_per_order",
    "avg_distance_km",
    "p90_distance_km",
    "cost",
    "cost_per_order",
    "avg_eta_days",
    "protection_breaches",
    "store_stockouts",
    "node_utilisation",
    "capacity_overflows",
    "co2_kg",
)
UTILISATION_COLUMNS = [
    "node_id",
    "node_type",
    "day",
    "orders_shipped",
    "capacity",
    "utilisation",
    "overflow",
]


@dataclass(frozen=True)
class Kpis:
    """KPI figures of one simulation run: overall, breakdowns and the detail behind them."""

    overall: dict
    by_channel: pd.DataFrame
    by_node_type: pd.DataFrame
    by_day: pd.DataFrame
    node_utilisation: pd.DataFrame
    breaches: pd.DataFrame
    stockouts: pd.DataFrame
    co2_kg_per_km: float = field(default=CO2_KG_PER_KM)

    def to_dict(self) -> dict:
        """The kpis.json document as plain JSON values (dates as ISO text, gaps as None)."""
        return {
            "format": KPIS_FORMAT,
            "co2_kg_per_km": self.co2_kg_per_km,
            "overall": {key: _plain(self.overall[key]) for key in OVERALL_KEYS},
            "by_channel": _records(self.by_channel),
            "by_node_type": _records(self.by_node_type),
            "by_day": _records(self.by_day),
            "node_utilisation": _records(self.node_utilisation),
            "breaches": _records(self.breaches),
            "stockouts": _records(self.stockouts),
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The kpis.json document as text (strict JSON: no NaN)."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)


def compute_kpis(
    tables: DecisionTables,
    nodes: pd.DataFrame,
    inventory: pd.DataFrame,
    *,
    keep_levels: pd.DataFrame | None = None,
    replenishments: pd.DataFrame | None = None,
    co2_kg_per_km: float = CO2_KG_PER_KM,
) -> Kpis:
    """Compute every kpis.md figure for a run from its decision tables.

    ``keep_levels`` (strategy, node_id, keep) is the protected stock of each strategy at
    each node, as compiled from the ruleset; ``replenishments`` (node_id, sku, at, qty) the
    stock that arrived during the run.
    """
    walk = walk_stock(tables, inventory, keep_levels, replenishments)
    utilisation = node_utilisation(tables, nodes)
    orders, shipments = tables.orders, tables.shipments

    overall = _figures(orders, shipments, walk, utilisation, co2_kg_per_km)

    by_channel = []
    for channel in sorted(orders["channel"].dropna().unique()):
        figures = _figures(
            orders[orders["channel"] == channel],
            shipments[shipments["channel"] == channel],
            _slice(walk, "channel", channel),
            None,
            co2_kg_per_km,
        )
        by_channel.append({"channel": channel, **figures})

    by_day = []
    for day in sorted(utilisation["day"].unique()):
        figures = _figures(
            orders[orders["day"] == day],
            shipments[shipments["day"] == day],
            _slice(walk, "day", day),
            utilisation[utilisation["day"] == day],
            co2_kg_per_km,
        )
        by_day.append({"day": day, **figures})

    by_node_type = [
        {
            "node_type": node_type,
            **_node_type_figures(node_type, tables, walk, utilisation, co2_kg_per_km),
        }
        for node_type in sorted(nodes["type"].dropna().astype(str).unique())
    ]
    channel_keys = [k for k in OVERALL_KEYS if k not in CAPACITY_KEYS]
    return Kpis(
        overall=overall,
        by_channel=_frame(by_channel, "channel", channel_keys),
        by_node_type=_frame(by_node_type, "node_type", NODE_TYPE_KEYS),
        by_day=_frame(by_day, "day", OVERALL_KEYS),
        node_utilisation=utilisation,
        breaches=walk.breaches,
        stockouts=walk.stockouts,
        co2_kg_per_km=co2_kg_per_km,
    )


def node_utilisation(tables: DecisionTables, nodes: pd.DataFrame) -> pd.DataFrame:
    """Per node and day of the run: orders shipped ÷ capacity (NA when capacity is unlimited).

    The run's days are every calendar day from the first to the last order's local day.
    ``overflow`` marks a node-day that shipped more orders than its capacity.
    """
    orders = tables.orders
    if orders.empty:
        return pd.DataFrame(columns=UTILISATION_COLUMNS)
    first, last = min(orders["day"]), max(orders["day"])
    days = [d.date() for d in pd.date_range(first, last, freq="D")]
    node_ids = nodes["id"].astype(str).tolist()
    grid = pd.MultiIndex.from_product([node_ids, days], names=["node_id", "day"])
    shipped = (
        tables.shipments.groupby(["node_id", "day"])["order_id"].nunique().reindex(grid).fillna(0)
    )
    node = nodes.assign(id=nodes["id"].astype(str)).set_index("id")
    capacity = pd.array(node["capacity"].reindex(grid.get_level_values(0)), dtype="Int64")
    orders_shipped = shipped.to_numpy(dtype="int64")
    limited = (capacity > 0).fillna(False).to_numpy(dtype=bool)
    utilisation = np.full(len(grid), np.nan)
    utilisation[limited] = orders_shipped[limited] / capacity[limited].to_numpy(dtype="float64")
    return pd.DataFrame(
        {
            "node_id": grid.get_level_values(0).astype(str),
            "node_type": node["type"].reindex(grid.get_level_values(0)).astype(str).to_numpy(),
            "day": list(grid.get_level_values(1)),
            "orders_shipped": orders_shipped,
            "capacity": capacity,
            "utilisation": utilisation,
            "overflow": (orders_shipped > capacity).fillna(False).to_numpy(dtype=bool),
        }
    )


def _figures(
    orders: pd.DataFrame,
    shipments: pd.DataFrame,
    walk: StockWalk,
    utilisation: pd.DataFrame | None,
    co2_kg_per_km: float,
) -> dict:
    """The OVERALL_KEYS figures for a set of orders and their shipments."""
    n_orders = len(orders)
    units = int(orders["units_ordered"].sum())
    allocated = orders["units_allocated"]
    routed = orders[orders["routed"]]
    judged = routed[routed["promised_days"].notna()]
    km = shipments["distance_km"].to_numpy(dtype="float64")
    figures = {
        "orders": n_orders,
        "lines": int(orders["lines"].sum()),
        "units": units,
        "fill_rate": _ratio(allocated.sum(), units),
        "complete_rate": _ratio((allocated >= orders["units_ordered"]).sum(), n_orders),
        "partial_rate": _ratio(
            ((allocated > 0) & (allocated < orders["units_ordered"])).sum(), n_orders
        ),
        "backorder_rate": _ratio((orders["units_backordered"] > 0).sum(), n_orders),
        "unroutable_rate": _ratio(orders["status"].isin(FAILED_STATUSES).sum(), n_orders),
        "split_rate": _ratio((routed["n_shipments"] >= 2).sum(), len(routed)),
        "shipments_per_order": _ratio(routed["n_shipments"].sum(), len(routed)),
        "avg_distance_km": _mean(km),
        "p90_distance_km": percentile_90(km),
        "cost_per_order": _ratio(routed["cost"].sum(), len(routed)),
        "avg_eta_days": _mean(routed["eta_days"].to_numpy(dtype="float64")),
        "on_time_rate": _ratio(judged["on_time"].astype(bool).sum(), len(judged)),
        "protection_breaches": len(walk.breaches),
        "store_stockouts": len(walk.stockouts),
        "node_utilisation": None,
        "capacity_overflows": None,
        "co2_kg": float(km.sum()) * co2_kg_per_km,
    }
    if utilisation is not None:
        figures["node_utilisation"] = _mean(utilisation["utilisation"].dropna().to_numpy())
        figures["capacity_overflows"] = int(utilisation["overflow"].sum())
    return figures


def _node_type_figures(
    node_type: str,
    tables: DecisionTables,
    walk: StockWalk,
    utilisation: pd.DataFrame,
    co2_kg_per_km: float,
) -> dict:
    """Shipment-level figures for the nodes of one type."""
    shipments = tables.shipments[tables.shipments["node_type"] == node_type]
    served = shipments["order_id"].nunique()
    km = shipments["distance_km"].to_numpy(dtype="float64")
    cost = float(shipments["cost"].sum())
    used = utilisation[utilisation["node_type"] == node_type]
    return {
        "orders": int(served),
        "shipments": len(shipments),
        "units": int(shipments["units"].sum()),
        "share_of_units": _ratio(shipments["units"].sum(), tables.shipments["units"].sum()),
        "shipments_per_order": _ratio(len(shipments), served),
        "avg_distance_km": _mean(km),
        "p90_distance_km": percentile_90(km),
        "cost": cost,
        "cost_per_order": _ratio(cost, served),
        "avg_eta_days": _mean(shipments["eta_days"].to_numpy(dtype="float64")),
        "protection_breaches": int((walk.breaches["node_type"] == node_type).sum()),
        "store_stockouts": int((walk.stockouts["node_type"] == node_type).sum()),
        "node_utilisation": _mean(used["utilisation"].dropna().to_numpy()),
        "capacity_overflows": int(used["overflow"].sum()),
        "co2_kg": float(km.sum()) * co2_kg_per_km,
    }


def _slice(walk: StockWalk, column: str, value) -> StockWalk:
    """The breaches and stock-outs attributed to one channel or day."""
    return StockWalk(
        breaches=walk.breaches[walk.breaches[column] == value],
        stockouts=walk.stockouts[walk.stockouts[column] == value],
    )


def _ratio(numerator, denominator) -> float | None:
    """numerator ÷ denominator, None when the denominator is 0."""
    if not denominator:
        return None
    return float(numerator) / float(denominator)


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if len(values) else None


def percentile_90(values: np.ndarray) -> float | None:
    """90th percentile with linear interpolation (numpy's default method)."""
    return float(np.percentile(values, 90)) if len(values) else None


def _frame(rows: list[dict], key: str, columns) -> pd.DataFrame:
    """A breakdown table: the key column then the KPI columns (counts Int64, rest float)."""
    frame = pd.DataFrame(rows, columns=[key, *columns])
    for column in columns:
        dtype = "Int64" if column in COUNT_KEYS else "float64"
        frame[column] = pd.to_numeric(frame[column]).astype(dtype)
    return frame


def _plain(value):
    """A JSON-ready scalar: NA/NaN become None, dates ISO text, numpy numbers Python ones."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        return None if math.isnan(value) else float(value)
    return value


def _records(frame: pd.DataFrame) -> list[dict]:
    return [
        {column: _plain(value) for column, value in zip(frame.columns, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]
