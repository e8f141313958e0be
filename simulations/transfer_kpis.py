"""The click & collect KPIs of a run with collect orders (docs/kpis.md, "Click &
collect"): transfer legs per day, their cost, and collect orders ready on time.

They are computed from the decision tables' transfer columns (simulations.decisions)
and only for a run with collect orders: a run without keeps exactly its former figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TRANSFER_KEYS = (
    "collect_orders",
    "transfers",
    "transfers_per_day",
    "transfer_units",
    "transfer_cost",
    "transfer_cost_per_unit",
    "ready_on_time_rate",
    "avg_ready_days",
)
"""The overall figures a run with collect orders adds (and per channel and per day)."""
TRANSFER_COUNT_KEYS = frozenset({"collect_orders", "transfers", "transfer_units"})


def transfer_measures(orders: pd.DataFrame) -> pd.DataFrame:
    """Per-order amounts whose sums over any set of orders give its transfer figures:
    collect order, legs, units and cost of the legs, judged on readiness (routed with a
    ready date), ready on time, Σ ready days."""
    judged = orders["ready_on_time"].notna().to_numpy()
    on_time = orders["ready_on_time"].fillna(False).to_numpy(dtype=bool)
    ready_days = orders["ready_days"].to_numpy(dtype="float64")
    return pd.DataFrame(
        {
            "collect": orders["collect"].to_numpy(dtype="int64"),
            "transfers": orders["transfers"].to_numpy(dtype="int64"),
            "transfer_units": orders["transfer_units"].to_numpy(dtype="int64"),
            "transfer_cost": orders["transfer_cost"].to_numpy(dtype="float64"),
            "ready_judged": judged.astype("int64"),
            "ready_on_time": (judged & on_time).astype("int64"),
            "ready_days": np.where(judged, ready_days, 0.0),
        },
        index=orders.index,
    )


def transfer_figures(m, days: int) -> dict:
    """TRANSFER_KEYS from summed measures over a period of `days` calendar days."""
    cost, units, judged = float(m["transfer_cost"]), int(m["transfer_units"]), m["ready_judged"]
    return {
        "collect_orders": int(m["collect"]),
        "transfers": int(m["transfers"]),
        "transfers_per_day": float(m["transfers"]) / days if days else None,
        "transfer_units": units,
        "transfer_cost": cost,
        "transfer_cost_per_unit": cost / units if units else None,
        "ready_on_time_rate": float(m["ready_on_time"]) / judged if judged else None,
        "avg_ready_days": float(m["ready_days"]) / judged if judged else None,
    }


def run_days(orders: pd.DataFrame) -> int:
    """Calendar days from the first to the last order's local day, both included (0:
    no order)."""
    if orders.empty:
        return 0
    return (max(orders["day"]) - min(orders["day"])).days + 1
