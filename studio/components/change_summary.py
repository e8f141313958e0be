"""What changed between two scenarios, as a business user reads it: how many orders
changed, then the changed orders grouped by cause (how many, examples, what they add
up to), then every changed order with readable column names and no empty "None"
cells, with the CSV and the offline comparison report. The Compare page shows it for
each variant, the Rules page for the draft against the live version."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from simulations import Comparison
from simulations.decisions import STRATEGY_SEPARATOR
from simulations.exports import csv_bytes
from simulations.report import write_comparison_report
from studio import formats
from studio.components.widget_memory import field

EMPTY = "—"
"""What an empty cell shows."""
TOLD = 5
"""Causes also said as sentences above the table (the largest)."""
SHOWN_ROWS = 1_000
"""Changed orders listed on the page (the CSV has them all)."""
CHANGE_KINDS = ("nodes", "strategy", "status")
NO_COST = formats.money(0)
CHANGE_WORDS = {"nodes": "nodes", "strategy": "strategy", "status": "status"}
STATUS_WORDS = {
    "routed": "routed",
    "partial": "partly routed",
    "backordered": "backordered",
    "rejected": "rejected",
    "unroutable": "unroutable",
}


def cause_table(comparison: Comparison) -> pd.DataFrame:
    """One row per cause, largest first, with the effect of its orders in words."""
    groups = comparison.by_cause
    return pd.DataFrame(
        {
            "Cause": groups["cause"].astype(str),
            "Orders": [f"{int(n):,}" for n in groups["orders"]],
            "Example orders": groups["examples"].astype(str),
            "Cost": [_cost(v) for v in groups["cost_delta"]],
            "Distance": [_signed(v, ",.0f", " km") for v in groups["km_delta"]],
            "Parcels": [_signed(v, ",.0f") for v in groups["shipments_delta"]],
            "On-time orders": [_signed(v, ",.0f") for v in groups["on_time_delta"]],
            "Units shipped": [_signed(v, ",.0f") for v in groups["units_delta"]],
        }
    )


def detail_table(comparison: Comparison) -> pd.DataFrame:
    """Every changed order: readable headers naming the scenarios, strategies by their
    labels, statuses in words, and "—" where a cell has nothing."""
    base, variant = comparison.names
    changed = comparison.changed
    labels = _labels(comparison)
    return pd.DataFrame(
        {
            "Order": changed["order_id"].astype(str),
            "Day": [_day(d) for d in changed["day"]],
            "Channel": _text(changed["channel"]),
            "Delivery": _text(changed["delivery"]),
            "What changed": _text(changed["change"]),
            f"Status in {base}": [_status(v) for v in changed["base_status"]],
            f"Status in {variant}": [_status(v) for v in changed["variant_status"]],
            f"Strategies in {base}": [_chain(v, labels) for v in changed["base_strategies"]],
            f"Strategies in {variant}": [_chain(v, labels) for v in changed["variant_strategies"]],
            f"Ships from in {base}": _text(changed["base_nodes"]),
            f"Ships from in {variant}": _text(changed["variant_nodes"]),
            "Cause": _text(changed["cause"]),
            "Why": _text(changed["reason"]),
        }
    )


def show_causes(comparison: Comparison, key: str) -> None:
    """The grouped summary: a sentence per large cause, then the table of every cause."""
    groups = comparison.by_cause
    changed = len(comparison.changed)
    if groups.empty:
        if changed:
            st.caption("Reasons were not asked for: the changed orders are listed without them.")
        return
    st.markdown(f"**Why they changed** — {len(groups):,} causes for {changed:,} orders")
    table = cause_table(comparison)
    st.markdown("\n".join(_sentence(row) for row in table.head(TOLD).to_dict("records")))
    st.dataframe(
        table,
        hide_index=True,
        key=key,
        column_config={
            "Cause": st.column_config.TextColumn(width="large"),
            "Cost": st.column_config.TextColumn(help="shipping cost of these orders, change"),
            "Distance": st.column_config.TextColumn(help="km of their parcels, change"),
            "Parcels": st.column_config.TextColumn(help="number of parcels, change"),
            "On-time orders": st.column_config.TextColumn(
                help="orders delivered within their promise, change"
            ),
            "Units shipped": st.column_config.TextColumn(help="units shipped, change"),
        },
    )


def _sentence(row: dict) -> str:
    """A cause as a list item: its orders in bold, then what they add up to."""
    effect = [
        f"{row[column]}{what}"
        for column, what in (
            ("Cost", " cost"),
            ("Distance", ""),
            ("Parcels", " parcels"),
            ("On-time orders", " on-time orders"),
        )
        if row[column] not in ("0", NO_COST, "0 km", EMPTY)
    ]
    orders = "order" if row["Orders"] == "1" else "orders"
    said = f"- **{row['Orders']} {orders}**: {row['Cause']}"
    return said + (f" ({', '.join(effect)})" if effect else "")


def _labels(comparison: Comparison) -> dict[str, str]:
    out: dict[str, str] = {}
    for run in (comparison.variant, comparison.base):
        for strategy in run.policy.ruleset.strategies:
            out[strategy.id] = strategy.label or strategy.id
    return out


def _cost(value) -> str:
    """A change of cost as every page writes amounts: "-€98.66", "+€0.40", "€0.00"."""
    if value is None or pd.isna(value):
        return EMPTY
    if round(float(value), 2) == 0:
        return NO_COST
    return formats.signed(formats.money(abs(float(value))), value)


def _signed(value, spec: str, unit: str = "") -> str:
    if value is None or pd.isna(value):
        return EMPTY
    if round(float(value), 2) == 0:
        return f"0{unit}"
    return f"{float(value):+{spec}}{unit}"


def _text(values: pd.Series) -> list[str]:
    return [EMPTY if _missing(v) else str(v) for v in values]


def _missing(value) -> bool:
    return (
        value is None
        or value is pd.NA
        or (isinstance(value, float) and pd.isna(value))
        or (isinstance(value, str) and not value.strip())
    )


def _status(value) -> str:
    return EMPTY if _missing(value) else STATUS_WORDS.get(str(value), str(value))


def _chain(value, labels: dict[str, str]) -> str:
    if _missing(value):
        return EMPTY
    return " → ".join(labels.get(part, part) for part in str(value).split(STRATEGY_SEPARATOR))


def _day(value) -> str:
    """A day as every page writes it: 15/11/2026."""
    return EMPTY if _missing(value) else formats.date(value)


def show_changed(comparison: Comparison, key: str, heading: str | None = None) -> None:
    """The orders routed differently in `comparison`: counts by kind of change, the
    grouped causes, every changed order (filtered by kind), the CSV and the report.
    Widgets are keyed `<key>.<what>.<variant>`; `heading` replaces the default title."""
    base, variant = comparison.names
    changed = comparison.changed
    summary = comparison.summary
    st.subheader(heading or f"{variant}: orders routed differently from {base}", anchor=False)
    cols = st.columns(4)
    cols[0].metric("Orders changed", f"{len(changed):,}", help="present in both runs")
    for col, kind in zip(cols[1:], CHANGE_KINDS, strict=True):
        col.metric(f"… {kind}", f"{summary['changed_by_kind'][kind]:,}")
    if summary["orders_only_in_variant"] or summary["orders_only_in_base"]:
        st.caption(
            f"{summary['orders_only_in_variant']:,} orders only in {variant} and "
            f"{summary['orders_only_in_base']:,} only in {base} (demand resampled) "
            "are not compared."
        )
    show_causes(comparison, key=f"{key}.causes.{variant}")
    st.markdown("**Every changed order**")
    kinds = st.pills(
        "Changed in",
        CHANGE_KINDS,
        selection_mode="multi",
        key=field(f"{key}.kinds.{variant}", list(CHANGE_KINDS)),
    )
    shown = changed["change"].apply(lambda text: any(k in text for k in kinds)).to_numpy()
    detail = detail_table(comparison)[shown]
    if len(detail) > SHOWN_ROWS:
        st.caption(
            f"The first {SHOWN_ROWS:,} of {len(detail):,} orders; the CSV below has them all."
        )
    st.dataframe(detail.head(SHOWN_ROWS), hide_index=True, key=f"{key}.changed.{variant}")
    left, right = st.columns(2)
    left.download_button(
        "Changed orders (CSV)",
        data=lambda: csv_bytes(changed),
        file_name=f"changed_orders_{variant}.csv",
        mime="text/csv",
        icon=":material/download:",
        key=f"{key}.csv.{variant}",
    )
    right.download_button(
        "Comparison report (HTML, opens offline)",
        data=lambda: comparison_report(comparison),
        file_name=f"comparison_{variant}.html",
        mime="text/html",
        icon=":material/description:",
        key=f"{key}.report.{variant}",
    )


def comparison_report(comparison: Comparison) -> bytes:
    """`simulations.report.write_comparison_report` for one variant, as bytes (with
    carriers, the lost next-day promises too, as `Comparison.write` writes them)."""
    with tempfile.TemporaryDirectory() as folder:
        path = write_comparison_report(
            Path(folder) / "comparison.html",
            comparison.base.kpis,
            comparison.variant.kpis,
            names=comparison.names,
            changed_orders=comparison.changed.drop(columns=["created_at"]),
            causes=comparison.by_cause,
            next_day_causes=comparison.next_day_causes,
            lost_next_day=comparison.lost_next_day,
        )
        return path.read_bytes()
