"""The bound's figures (docs/kpis.md, "How far from the best possible"): the gap overall,
per local day and per strategy, summed from one row per order so that any period of a
run (`Bound.between`) reads the same way."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

BOUND_KEYS = (
    "ruleset_value",
    "bound_value",
    "cost_gap_pct",
    "fill_gap_pts",
    "gap_strategy",
    "bound_penalty",
)
"""The overall figures a run with the bound adds (`kpis.overall`)."""
DAY_COLUMNS = [
    "day", "orders", "units", "ruleset_cost", "ruleset_unfilled", "ruleset_value",
    "bound_cost", "bound_unfilled", "bound_value", "cost_gap_pct", "fill_gap_pts",
]  # fmt: skip
STRATEGY_COLUMNS = ["strategy", "orders", "ruleset_value", "bound_value", "gap", "gap_share"]
SUMMED = ["orders", "units", "ruleset_cost", "ruleset_unfilled", "ruleset_value",
          "bound_cost", "bound_unfilled", "bound_value"]  # fmt: skip


@dataclass(frozen=True)
class Bound:
    """A run's bound: overall figures (BOUND_KEYS and the sums behind them), per day,
    per primary strategy, per order, and example orders the bound routes otherwise."""

    overall: dict
    by_day: pd.DataFrame
    by_strategy: pd.DataFrame
    orders: pd.DataFrame
    examples: pd.DataFrame
    penalty: float
    seconds: float

    def between(self, first: dt.date | None, last: dt.date | None) -> Bound:
        """The figures of the orders placed from `first` to `last` (local days, both
        included): the bound of each day does not depend on the period looked at."""
        days = pd.to_datetime(pd.Series(self.orders["day"], dtype="object"))
        keep = np.ones(len(days), dtype=bool)
        if first is not None:
            keep &= (days >= pd.Timestamp(first)).to_numpy()
        if last is not None:
            keep &= (days <= pd.Timestamp(last)).to_numpy()
        ids = set(self.orders["order_id"][keep])
        shown = self.examples[self.examples["order_id"].isin(ids)]
        return summarise(self.orders[keep], self.penalty, shown, self.seconds)

    def to_dict(self) -> dict:
        """The bound as plain JSON values (bound.json)."""
        return {
            "overall": {k: _plain(v) for k, v in self.overall.items()},
            "by_day": _records(self.by_day),
            "by_strategy": _records(self.by_strategy),
            "examples": _records(self.examples),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"


def summarise(
    orders: pd.DataFrame, penalty: float, examples: pd.DataFrame, seconds: float
) -> Bound:
    """The figures of a set of orders' rows (`simulations.bound`)."""
    frame = orders.assign(orders=1)
    by_day = frame.groupby("day", sort=True)[SUMMED[:3] + SUMMED[3:]].sum().reset_index()
    # a day's optimum is never above the ruleset's: min() only strips solver round-off
    by_day["bound_value"] = np.minimum(by_day["bound_value"], by_day["ruleset_value"])
    by_day["cost_gap_pct"] = _gap_pct(by_day["ruleset_value"], by_day["bound_value"])
    by_day["fill_gap_pts"] = _fill_pts(by_day)
    totals = {key: float(by_day[key].sum()) for key in SUMMED}
    gap = totals["ruleset_value"] - totals["bound_value"]
    by_strategy = (
        frame.assign(strategy=frame["strategy"].fillna("").astype(str))
        .groupby("strategy", sort=True)[["orders", "ruleset_value", "bound_value", "gap"]]
        .sum()
        .reset_index()
        .sort_values(["gap", "strategy"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )
    by_strategy["gap_share"] = by_strategy["gap"] / gap if gap > 0 else np.nan
    overall = {
        "ruleset_value": totals["ruleset_value"],
        "bound_value": totals["bound_value"],
        "cost_gap_pct": _gap_pct(totals["ruleset_value"], totals["bound_value"]),
        "fill_gap_pts": _fill_pts(totals),
        "gap_strategy": (
            str(by_strategy["strategy"].iloc[0]) if gap > 0 and len(by_strategy) else None
        ),
        "bound_penalty": penalty,
        "ruleset_cost": totals["ruleset_cost"],
        "ruleset_unfilled": int(round(totals["ruleset_unfilled"])),
        "bound_cost": totals["bound_cost"],
        "bound_unfilled": totals["bound_unfilled"],
        "bound_days": len(by_day),
        "bound_seconds": seconds,
    }
    return Bound(
        overall=overall,
        by_day=by_day[DAY_COLUMNS],
        by_strategy=by_strategy[STRATEGY_COLUMNS],
        orders=orders,
        examples=examples.reset_index(drop=True),
        penalty=penalty,
        seconds=seconds,
    )


def _gap_pct(ruleset, bound):
    """100 × (ruleset − bound) ÷ ruleset; None (NaN in tables) when the ruleset's value is 0."""
    if np.isscalar(ruleset):
        return None if ruleset <= 0 else 100.0 * max(ruleset - bound, 0.0) / ruleset
    ruleset = np.asarray(ruleset, dtype=np.float64)
    gap = np.maximum(ruleset - np.asarray(bound, dtype=np.float64), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ruleset > 0, 100.0 * gap / ruleset, np.nan)


def _fill_pts(figures):
    """100 × (units the ruleset left unfilled − units the bound leaves) ÷ units ordered."""
    units = figures["units"]
    diff = figures["ruleset_unfilled"] - figures["bound_unfilled"]
    if np.isscalar(units):
        return None if units <= 0 else 100.0 * diff / units
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(units > 0, 100.0 * diff / units, np.nan)


def _plain(value):
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
