"""KPI cards: the headline figures of a run, written as studio/formats.py writes them, with
their change against a baseline run coloured by whether the change is good news."""

from __future__ import annotations

import streamlit as st

from simulations.charts import KPI_LABELS
from simulations.kpis import HEADLINE_KEYS
from studio import formats

HIGHER_IS_BETTER = frozenset(
    {
        "fill_rate", "complete_rate", "on_time_rate", "next_day_rate", "ready_on_time_rate",
        "resold_within_30_days", "fill_rate_gain",
    }
)  # fmt: skip
NEUTRAL = frozenset(
    {
        "orders", "lines", "units", "node_utilisation", "promised_orders", "collect_orders",
        # returns: what comes back is the data's; where it goes is a choice, not a score
        "units_returned", "return_rate", "units_restocked", "units_refurbished",
        "units_liquidated", "units_destroyed",
    }
)  # fmt: skip
"""Figures whose change is neither good nor bad news. Every other figure is better lower
(costs, distances, days, breaches, overflows, returned units no strategy took)."""


def delta_text(key: str, change: float | None) -> str | None:
    """A change as people read it (formats.kpi_change): "+1.2 pts", "-€0.12", "+1.3 t"."""
    return formats.kpi_change(key, change)


def change(value, base) -> float | None:
    """value − base, or None when either figure is empty."""
    if value is None or base is None:
        return None
    return float(value) - float(base)


def delta_colour(key: str, difference: float | None) -> str:
    """Streamlit's delta colour: green means better, whichever way the figure moved."""
    if difference is None or difference == 0 or key in NEUTRAL:
        return "off"
    return "normal" if key in HIGHER_IS_BETTER else "inverse"


def kpi_cards(
    overall: dict,
    baseline: dict | None = None,
    keys: tuple[str, ...] = HEADLINE_KEYS,
    columns: int = 4,
    baseline_name: str = "baseline",
    wording: dict[str, tuple[str, str]] | None = None,
) -> None:
    """One card per KPI: value, definition on hover, change against `baseline`.
    `wording` gives some keys another (label, definition) than KPI_LABELS's."""
    keys = tuple(k for k in keys if k in overall and k in KPI_LABELS)
    rows = [keys[i : i + columns] for i in range(0, len(keys), columns)]
    for row in rows:
        for column, key in zip(st.columns(columns), row, strict=False):
            label, _kind, definition = KPI_LABELS[key]
            label, definition = (wording or {}).get(key, (label, definition))
            difference = None if baseline is None else change(overall[key], baseline.get(key))
            shown = delta_text(key, difference)
            flat = shown is not None and not any(digit in shown for digit in "123456789")
            column.metric(  # a change that shows as zero ("+0", "-0.0 pts"): grey, no arrow
                label,
                formats.kpi(key, overall[key]),
                delta=shown,
                delta_color="off" if flat else delta_colour(key, difference),
                delta_arrow="off" if flat else "auto",
                help=definition[:1].upper() + definition[1:] + ".",
                delta_description=f"vs {baseline_name}" if baseline is not None else None,
                border=True,
            )


def side_by_side(
    overalls: dict[str, dict], keys: tuple[str, ...], heading: str, caption: str, key: str
) -> None:
    """Compare: a section of figures (`keys`) as a table, one column per scenario, then
    each one's change against the first."""
    from studio.components.scenario_overlays import kpi_table

    names = list(overalls)
    st.subheader(heading, anchor=False)
    st.caption(caption + f" Each Δ is the scenario minus **{names[0]}**.")
    st.dataframe(
        kpi_table(overalls, keys, lambda k: KPI_LABELS[k][0], formats.kpi, delta_text),
        hide_index=True,
        key=key,
    )
