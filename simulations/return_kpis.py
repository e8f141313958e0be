"""The returns KPIs of a run with returns (docs/kpis.md, "Returns"): how much comes
back, where it goes, what it costs, how fast it is sellable again, how much of it is
sold again within 30 days, and the fill rate it adds.

They are computed from the returned lines (`simulations.return_tables`) and the
decision tables' allocations; a run without returns has none of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

RETURN_KEYS = (
    "units_returned",
    "return_rate",
    "units_restocked",
    "units_refurbished",
    "units_liquidated",
    "units_destroyed",
    "units_unrouted",
    "return_cost_per_unit",
    "days_to_sellable",
    "resold_within_30_days",
    "fill_rate_gain",
)
"""The overall figures a run with returns adds (docs/kpis.md, "Returns")."""
RETURN_COUNT_KEYS = frozenset(
    {
        "units_returned",
        "units_restocked",
        "units_refurbished",
        "units_liquidated",
        "units_destroyed",
        "units_unrouted",
    }  # fmt: skip
)
RESOLD_DAYS = 30
"""A restocked unit counts as resold when its node ships the SKU within this many
days of its restock instant."""
RATE_COLUMNS = ["channel", "category", "units_ordered", "units_returned", "return_rate"]


def return_figures(lines: pd.DataFrame, allocations: pd.DataFrame, units_ordered: int) -> dict:
    """RETURN_KEYS but `fill_rate_gain` (the replay's to compute) for the returned lines
    of a run whose orders ordered `units_ordered` units."""
    qty = lines["qty"].to_numpy(dtype="int64")
    disposition = lines["disposition"].fillna("").to_numpy(dtype=object)
    routed = lines["node_id"].notna().to_numpy(dtype=bool)
    restocked = disposition == "restock"
    returned = int(qty.sum())
    cost = lines["cost"].fillna(0.0).to_numpy(dtype="float64")
    days = _days_to_sellable(lines[restocked])
    restocked_units = int(qty[restocked].sum())
    return {
        "units_returned": returned,
        "return_rate": returned / units_ordered if units_ordered else None,
        "units_restocked": restocked_units,
        "units_refurbished": int(qty[disposition == "refurbish"].sum()),
        "units_liquidated": int(qty[disposition == "liquidate"].sum()),
        "units_destroyed": int(qty[disposition == "destroy"].sum()),
        "units_unrouted": int(qty[~routed].sum()),
        "return_cost_per_unit": (
            float(cost[routed].sum()) / int(qty[routed].sum()) if routed.any() else None
        ),
        "days_to_sellable": (
            float(np.average(days, weights=qty[restocked])) if restocked_units else None
        ),
        "resold_within_30_days": (
            resold(lines[restocked], allocations) / restocked_units if restocked_units else None
        ),
        "fill_rate_gain": None,
    }


def _days_to_sellable(restocked: pd.DataFrame) -> np.ndarray:
    """Per restocked line: its restock date − the return's local day, in days."""
    ready = pd.to_datetime(pd.Series(restocked["restock_date"].to_list(), dtype=object))
    dropped = pd.to_datetime(pd.Series(restocked["day"].to_list(), dtype=object))
    days: np.ndarray = (ready - dropped).dt.days.to_numpy(dtype="float64")
    return days


def resold(restocked: pd.DataFrame, allocations: pd.DataFrame) -> int:
    """Restocked units shipped again within RESOLD_DAYS of their restock instant: per
    node and SKU, restocks in time order take the units allocated there at or after
    their instant and before it + RESOLD_DAYS, each allocated unit counted once.

    The tables are sorted and grouped once (positions per node and SKU), not per pair:
    a year of demo returns has thousands of pairs."""
    if restocked.empty or allocations.empty:
        return 0
    window = np.timedelta64(RESOLD_DAYS, "D")
    shipped = allocations[["node_id", "sku", "qty", "created_at"]]
    at = _utc(shipped["created_at"])
    order = np.argsort(at, kind="stable")
    at, left = at[order], shipped["qty"].to_numpy(dtype="int64")[order].copy()
    positions = _positions(shipped["node_id"].to_numpy()[order], shipped["sku"].to_numpy()[order])
    mine = restocked.sort_values("restock_at", kind="stable")
    starts, units = _utc(mine["restock_at"]), mine["qty"].to_numpy(dtype="int64")
    total = 0
    for pair, rows in _positions(mine["node_id"].to_numpy(), mine["sku"].to_numpy()).items():
        there = positions.get(pair)
        if there is None:
            continue
        times = at[there]
        for row in rows:
            begin = int(np.searchsorted(times, starts[row], side="left"))
            end = int(np.searchsorted(times, starts[row] + window, side="left"))
            want = int(units[row])
            for k in there[begin:end]:
                if not want:
                    break
                take = min(want, int(left[k]))
                left[k] -= take
                want -= take
            total += int(units[row]) - want
    return total


def _positions(nodes: np.ndarray, skus: np.ndarray) -> dict[tuple[str, str], np.ndarray]:
    """Row positions per (node id, SKU), each pair's in row order."""
    pairs = pd.DataFrame({"node": nodes, "sku": skus}).astype(str)
    return pairs.groupby(["node", "sku"], sort=False).indices


def _utc(instants: pd.Series) -> np.ndarray:
    """Aware instants as numpy datetime64 in UTC (comparable with one another)."""
    values: np.ndarray = pd.to_datetime(instants, utc=True).dt.tz_localize(None).to_numpy()
    return values


def rates(lines: pd.DataFrame, orders: pd.DataFrame, by: str) -> pd.DataFrame:
    """Units ordered, units returned and the return rate per channel or per category
    (the returned line's category; ordered units by their line's category)."""
    ordered = orders.groupby(orders[by].astype(str))["qty"].sum() if by in orders else None
    returned = lines.groupby(lines[by].fillna("unknown").astype(str))["qty"].sum()
    keys = sorted(set(returned.index) | set(ordered.index if ordered is not None else []))
    rows = []
    for key in keys:
        units = int(ordered.get(key, 0)) if ordered is not None else 0
        back = int(returned.get(key, 0))
        rows.append({by: key, "units_ordered": units, "units_returned": back,
                     "return_rate": back / units if units else None})  # fmt: skip
    columns = [by, "units_ordered", "units_returned", "return_rate"]
    return pd.DataFrame(rows, columns=columns)
