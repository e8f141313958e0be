"""The Pareto-optimal rows of a KPI table: the settings no other setting beats on every
objective at once (docs/sweeps.md, "Pareto-optimal settings")."""

from __future__ import annotations

import numpy as np
import pandas as pd


def pareto_optimal(table: pd.DataFrame, objectives: dict[str, str]) -> pd.Series:
    """True for each row that no other row dominates. Row A dominates row B when A is
    at least as good as B on every objective ("min": lower is better, "max": higher)
    and strictly better on one. Rows equal on every objective do not dominate each
    other, so all of them stay. Only rows with status "done" and a figure for every
    objective take part; the others are never optimal."""
    flags = np.zeros(len(table), dtype=bool)
    missing = [key for key in objectives if key not in table.columns]
    if missing or table.empty:
        return pd.Series(flags, index=table.index, name="pareto")
    signs = np.array([-1.0 if objectives[key] == "max" else 1.0 for key in objectives])
    costs = table[list(objectives)].astype("float64").to_numpy() * signs  # lower is better
    done = (table["status"] == "done").to_numpy(dtype=bool, na_value=False)
    eligible = np.flatnonzero(done & ~np.isnan(costs).any(axis=1))
    candidates = costs[eligible]
    for row, cost in zip(eligible, candidates, strict=True):
        no_worse = (candidates <= cost).all(axis=1)
        better = (candidates < cost).any(axis=1)
        flags[row] = not (no_worse & better).any()
    return pd.Series(flags, index=table.index, name="pareto")
