"""Trace a KPI figure back to the orders behind it.

Rates give the orders of their numerator (split orders, late orders...), averages the
orders they average over; filters narrow to one cell of a breakdown (docs/kpis.md).
"""

from __future__ import annotations

import difflib
from datetime import date

import pandas as pd

from engine.backorders import RELEASED
from simulations.decisions import FAILED_STATUSES, DecisionTables
from simulations.kpis import BACKORDER_KEYS, OVERALL_KEYS, Kpis, percentile_90
from simulations.promise_kpis import NEXT_DAY, PROMISE_KEYS
from simulations.transfer_kpis import TRANSFER_KEYS

ORDER_FILTERS = ("channel", "day", "status", "strategy", "tier", "delivery")
NODE_FILTERS = ("node_type", "node_id")
NEEDS_KPIS = ("protection_breaches", "store_stockouts", "node_utilisation", "capacity_overflows")


def orders_behind(
    tables: DecisionTables, kpi: str, *, kpis: Kpis | None = None, **filters
) -> pd.DataFrame:
    """The order rows behind a KPI figure (see docs/kpis.md for what each KPI returns).

    Rates give the orders of their numerator (split orders, late orders...), averages the
    orders they average over. Filters narrow to a breakdown cell: ``channel``, ``day``,
    ``status``, ``strategy``, ``tier``, ``delivery`` on the order; ``node_type``, ``node_id``
    on its shipments. Stock and capacity KPIs need the computed ``kpis``; the promise
    KPIs (PROMISE_KEYS) a run with carriers, the transfer KPIs (TRANSFER_KEYS) a run
    with collect orders.
    """
    known = (
        OVERALL_KEYS
        + (PROMISE_KEYS if tables.carriers else ())
        + (TRANSFER_KEYS if tables.collect else ())
        + BACKORDER_KEYS
    )
    if kpi not in known:
        close = difflib.get_close_matches(kpi, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        more = ""
        if kpi in PROMISE_KEYS:
            more = " (a run with carriers)"
        elif kpi in TRANSFER_KEYS:
            more = " (a run with collect orders)"
        raise ValueError(f"unknown KPI {kpi!r}{hint}{more}; known: {', '.join(known)}")
    if kpi in NEEDS_KPIS and kpis is None:
        raise ValueError(f"tracing {kpi} needs the computed KPIs: pass kpis=compute_kpis(...)")
    orders, shipments, node_filters = _filtered(tables, filters)
    if kpi in _ORDER_ROWS:
        chosen = orders.loc[_ORDER_ROWS[kpi](orders), "order_id"]
    elif kpi == "p90_promised_days":
        days = orders.loc[_promised(orders), "days_promised"].to_numpy(dtype="float64")
        threshold = percentile_90(days)
        chosen = (
            orders.loc[_promised(orders) & (orders["days_promised"] >= threshold), "order_id"]
            if threshold is not None
            else []
        )
    elif kpi in ("missed_cutoff_orders", "missed_cutoff_rate", "capped_parcels"):
        chosen = shipments.loc[_late_pick(shipments) if "cutoff" in kpi else shipments["capped"]]
        chosen = chosen["order_id"]
    elif kpi in ("avg_distance_km", "co2_kg"):
        chosen = shipments["order_id"]
    elif kpi == "p90_distance_km":
        km = shipments["distance_km"].to_numpy(dtype="float64")
        threshold = percentile_90(km)
        chosen = shipments.loc[km >= threshold, "order_id"] if threshold is not None else []
    elif kpi in ("protection_breaches", "store_stockouts"):
        detail = kpis.breaches if kpi == "protection_breaches" else kpis.stockouts
        for column, value in node_filters.items():
            detail = detail[detail[column] == value]
        chosen = detail["order_id"]
    else:
        chosen = _at_node_days(kpis.node_utilisation, shipments, kpi == "capacity_overflows")
    behind = orders[orders["order_id"].isin(set(chosen))]
    return behind.sort_values("decision_seq").reset_index(drop=True)


def _short(orders: pd.DataFrame) -> pd.Series:
    return orders["units_allocated"] < orders["units_ordered"]


def _late(orders: pd.DataFrame) -> pd.Series:
    """Routed orders with a promise to keep that did not keep it."""
    return orders["on_time"].notna() & ~orders["on_time"].fillna(True)


def _promised(orders: pd.DataFrame) -> pd.Series:
    """Routed orders with a promised date (a run with carriers)."""
    return orders["routed"] & orders["days_promised"].notna()


def _late_pick(shipments: pd.DataFrame) -> pd.Series:
    """Shipments picked after their order's local date."""
    picked = shipments["pick_date"]
    known = picked.notna()
    late = pd.Series(False, index=shipments.index)
    late[known] = picked[known].to_numpy() > shipments.loc[known, "day"].to_numpy()
    return late


_ORDER_ROWS = {
    "orders": lambda orders: pd.Series(True, index=orders.index),
    "lines": lambda orders: pd.Series(True, index=orders.index),
    "units": lambda orders: pd.Series(True, index=orders.index),
    "fill_rate": _short,
    "complete_rate": lambda orders: ~_short(orders),
    "partial_rate": lambda orders: (orders["units_allocated"] > 0) & _short(orders),
    "backorder_rate": lambda orders: orders["units_backordered"] > 0,
    "unroutable_rate": lambda orders: orders["status"].isin(FAILED_STATUSES),
    "split_rate": lambda orders: orders["routed"] & (orders["n_shipments"] >= 2),
    "shipments_per_order": lambda orders: orders["routed"],
    "cost_per_order": lambda orders: orders["routed"],
    "avg_eta_days": lambda orders: orders["routed"],
    "on_time_rate": _late,
    "promised_orders": _promised,
    "avg_promised_days": _promised,
    "next_day_rate": lambda orders: _promised(orders) & (orders["days_promised"] <= NEXT_DAY),
    "collect_orders": lambda orders: orders["collect"],
    "transfers": lambda orders: orders["transfers"] > 0,
    "transfers_per_day": lambda orders: orders["transfers"] > 0,
    "transfer_units": lambda orders: orders["transfers"] > 0,
    "transfer_cost": lambda orders: orders["transfers"] > 0,
    "transfer_cost_per_unit": lambda orders: orders["transfers"] > 0,
    "ready_on_time_rate": lambda orders: orders["ready_on_time"].eq(False).fillna(False),
    "avg_ready_days": lambda orders: orders["ready_on_time"].notna(),
    "units_released": lambda orders: _released(orders),
    "backorder_days_mean": lambda orders: _released(orders),
    "backorder_days_p90": lambda orders: _released(orders),
}
"""The KPIs whose orders are picked from the order rows alone, and how."""


def _released(orders: pd.DataFrame) -> pd.Series:
    """Orders whose last decision released backordered units (engine.backorders)."""
    return orders["reroute_reason"].fillna("").str.startswith(RELEASED).astype(bool)


def _at_node_days(cells: pd.DataFrame, shipments: pd.DataFrame, overflowing: bool) -> pd.Series:
    """The orders of the shipments on node-days with a utilisation (an overflow)."""
    cells = cells[cells["overflow"]] if overflowing else cells[cells["utilisation"].notna()]
    keys = pd.MultiIndex.from_frame(cells[["node_id", "day"]])
    shipped = pd.MultiIndex.from_frame(shipments[["node_id", "day"]])
    return shipments.loc[shipped.isin(keys), "order_id"]


def _filtered(tables: DecisionTables, filters: dict):
    """Orders and shipments narrowed by order filters and by node filters on shipments."""
    unknown = sorted(set(filters) - set(ORDER_FILTERS) - set(NODE_FILTERS))
    if unknown:
        known = ", ".join(ORDER_FILTERS + NODE_FILTERS)
        raise ValueError(f"unknown filter {', '.join(unknown)}; known: {known}")
    orders, shipments = tables.orders, tables.shipments
    for column in ORDER_FILTERS:
        if column in filters:
            value = filters[column]
            if column == "day" and isinstance(value, str):
                value = date.fromisoformat(value)
            orders = orders[orders[column] == value]
    shipments = shipments[shipments["order_id"].isin(orders["order_id"])]
    node_filters = {c: filters[c] for c in NODE_FILTERS if c in filters}
    for column, value in node_filters.items():
        shipments = shipments[shipments[column] == value]
    if node_filters:
        orders = orders[orders["order_id"].isin(shipments["order_id"])]
    return orders, shipments, node_filters
