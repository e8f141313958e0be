"""The Sweep page's forms: which settings to vary (a strategy clause or a scenario
override), each over a range of numbers or a list of dates, and the KPIs to optimise.
They give `simulations.sweep_file.build_sweep` its `vary` and `objectives`."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dsl import syntax as s
from simulations.charts import KPI_LABELS
from simulations.sweep_params import strategy_addresses
from studio.components.widget_memory import field

ROWS = 3
"""Parameters a user may vary at once on the page (a sweep file takes any number)."""
NONE = "—"
MAX_VALUES = 50
"""Values one range may give (the page's sweeps stay small; files go further)."""
DEFAULTS = {
    "peak_store_protection.keep": (1, 5, 1),
    "standard_home.within": (200, 400, 100),
}
"""Ranges offered first when the ruleset has these settings (the France example)."""
OBJECTIVES = {
    "cost_per_order": "min",
    "fill_rate": "max",
    "store_stockouts": "min",
    "avg_distance_km": "min",
    "split_rate": "min",
    "complete_rate": "max",
    "on_time_rate": "max",
    "co2_kg": "min",
    "capacity_overflows": "min",
}
"""The KPIs the page offers to optimise, each in the direction that is better."""
DEFAULT_OBJECTIVES = ["cost_per_order", "fill_rate", "store_stockouts"]


def settings(ruleset: s.Ruleset, nodes: pd.DataFrame) -> dict[str, str]:
    """Every setting the page can vary, address -> kind ("whole", "number", "date"):
    the ruleset's clauses, then capacity and stock by node type and demand."""
    found = dict(strategy_addresses(ruleset))
    for what in ("capacity", "stock"):
        for selector in ["*", *sorted(set(nodes["type"].astype(str)))]:
            found[f"nodes.{what}.{selector}"] = "number"
    found["demand.scale"] = "number"
    return found


def vary_form(key: str, ruleset: s.Ruleset, nodes: pd.DataFrame) -> tuple[dict, list[str]]:
    """Up to ROWS parameter rows; the `vary` table they make (flat addresses) and the
    problems found in what was typed."""
    found = settings(ruleset, nodes)
    offered = [address for address in DEFAULTS if address in found]
    vary: dict[str, list] = {}
    problems: list[str] = []
    for row in range(ROWS):
        default = offered[row] if row < len(offered) else NONE
        left, right = st.columns([2, 3])
        picked = left.selectbox(
            f"Setting {row + 1}",
            [NONE, *found],
            key=field(f"{key}.{row}.address", default),
            help="STRATEGY.CLAUSE (docs/sweeps.md), or a scenario override",
        )
        if picked == NONE:
            continue
        with right:
            values, problem = _values(f"{key}.{row}", picked, found[picked])
        if problem:
            problems.append(f"{picked}: {problem}")
        elif picked in vary:
            problems.append(f"{picked} is chosen twice")
        else:
            vary[picked] = values
    return vary, problems


def _values(key: str, address: str, kind: str) -> tuple[list, str | None]:
    if kind == "date":
        text = st.text_input(
            "Dates",
            key=field(f"{key}.dates", "2026-11-01, 2026-11-10, 2026-11-15"),
            help="dates (2026-11-10) or local date-times (2026-11-10T06:00), commas between",
        )
        return dates(text)
    start, stop, step = DEFAULTS.get(address, (1, 3, 1))
    whole = kind == "whole"
    number = int if whole else float
    nudge = 1 if whole else 0.1  # the +/- buttons' step; its type is the widget's
    boxes = zip(st.columns(3), ("From", "To", "Step"), (start, stop, step), strict=True)
    low, high, size = (
        column.number_input(label, step=nudge, key=field(f"{key}.{label.lower()}", number(value)))
        for column, label, value in boxes
    )
    return number_range(low, high, size, whole)


def number_range(low, high, step, whole: bool) -> tuple[list, str | None]:
    """`low`, `low + step`, ... up to `high` included (decimals rounded to 6 places;
    whole numbers when every value is one)."""
    if step is None or low is None or high is None or step <= 0:
        return [], "give a step above 0"
    if high < low:
        return [], "'To' is below 'From'"
    count = int((high - low) / step + 1e-9) + 1
    if count > MAX_VALUES:
        return [], f"{count} values; at most {MAX_VALUES}"
    values = [round(float(low + i * step), 6) for i in range(count)]
    if whole or all(v.is_integer() for v in values):  # 200, not 200.0, in the ruleset
        return [int(v) for v in values], None
    return values, None


def dates(text: str) -> tuple[list, str | None]:
    """Dates or local date-times written with commas between them."""
    values: list = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            read = dt.datetime.fromisoformat if "T" in part else dt.date.fromisoformat
            values.append(read(part))
        except ValueError:
            return [], f"{part!r} is not a date (2026-11-10) or date-time (2026-11-10T06:00)"
    return (values, None) if values else ([], "give at least one date")


def objectives_form(key: str) -> dict[str, str]:
    """The KPIs to optimise (each in its better direction)."""
    picked = st.multiselect(
        "Optimise",
        list(OBJECTIVES),
        key=field(key, DEFAULT_OBJECTIVES),
        format_func=_objective_label,
    )
    return {name: OBJECTIVES[name] for name in picked}


def _objective_label(key: str) -> str:
    better = "lower" if OBJECTIVES[key] == "min" else "higher"
    return f"{KPI_LABELS[key][0]} ({better} is better)"
