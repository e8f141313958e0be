"""The delivery promise of runs with carriers, wherever the studio shows a run's KPIs
(Simulate, Compare with live, Compare): the promise cards with their change against
the other side, the carrier mix as a chart, and the carrier mix and the cost per
carrier as tables. Every figure is `simulations.kpis`'s (docs/kpis.md, "The delivery
promise"); a run without carriers has none of them and shows none of this."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulations import Kpis
from simulations.charts import KPI_LABELS, carrier_mix_comparison_figure, carrier_mix_figure
from simulations.kpis import HEADLINE_KEYS
from simulations.promise_kpis import service_names
from studio import formats
from studio.components.kpi_cards import kpi_cards

PROMISE_CARDS = (
    "promised_orders",
    "avg_promised_days",
    "p90_promised_days",
    "next_day_rate",
    "on_time_rate",
    "missed_cutoff_orders",
    "missed_cutoff_rate",
    "capped_parcels",
)
"""The cards of the delivery promise, in this order (two rows of four)."""
WORDING = {
    "on_time_rate": (
        "On time (promise)",
        "routed orders promised on or before their requested date (without one: within "
        "their promised days) ÷ routed orders with a promised date and either",
    ),
    "missed_cutoff_orders": (
        "Missed a cut-off",
        "routed orders with a shipment picked after the order's day (a cut-off missed, or "
        "the node closed that day)",
    ),
    "missed_cutoff_rate": ("Missed a cut-off (share)", "orders that missed a cut-off ÷ routed"),
    "capped_parcels": (
        "Refused by a full carrier",
        "parcels the service their strategy preferred refused: it had collected its "
        "daily_parcels at that node that day, so another service took them",
    ),
}
"""Labels and definitions of the promise cards where KPI_LABELS's are those of a run
without carriers or too short for a card's help."""
NO_CARRIER = "no carrier"
"""A carrier-mix row of shipments without a carrier service."""
MIX_FIGURES = (
    ("shipments", "Shipments"),
    ("share_of_shipments", "Share of shipments"),
    ("units", "Units"),
    ("cost", "Cost"),
    ("cost_per_shipment", "Cost per shipment"),
    ("co2_kg", "CO2"),
    ("avg_promised_days", "Average promised days"),
    ("capped_parcels", "Taken for a full service"),
)
"""The carrier mix table's figures (kpis.carrier_mix), as its headers say them."""
CARRIER_FIGURES = (
    ("shipments", "Shipments"),
    ("share_of_shipments", "Share of shipments"),
    ("cost", "Cost"),
    ("cost_per_shipment", "Cost per shipment"),
)
"""The cost per carrier table's figures (kpis.by_carrier)."""
COMPARED = ("shipments", "cost", "cost_per_shipment")
"""The figures whose change against the base each comparison's rows show."""


def label(key: str) -> str:
    """A KPI's name on the cards and tables of a run with carriers."""
    return WORDING[key][0] if key in WORDING else KPI_LABELS[key][0]


def headline_keys(kpis: Kpis, keys: tuple[str, ...] = HEADLINE_KEYS) -> tuple[str, ...]:
    """The figures shown above the promise's (`keys`): with carriers, on-time is judged
    on the promise and shown among the promise figures instead."""
    if not kpis.carriers:
        return keys
    return tuple(key for key in keys if key != "on_time_rate")


def show(kpis: Kpis, base: Kpis | None, names: tuple[str | None, str], key: str) -> None:
    """The delivery promise of a run (`kpis`), against `base` when given (`names`: the
    base's name, then the run's): cards, the carrier mix chart and the carrier tables.
    Nothing for a run without carriers."""
    if not kpis.carriers:
        return
    base = base if base is not None and base.carriers else None
    base_name, name = names
    st.subheader("Delivery promise", anchor=False)
    st.caption(
        "Every shipment was routed with a carrier service and a promised date from the "
        "carriers, closures and node calendars in use (the files', or as edited on the "
        "Carriers page); days are the ruleset's local days."
    )
    kpi_cards(
        kpis.overall,
        None if base is None else base.overall,
        keys=PROMISE_CARDS,
        baseline_name=base_name or "baseline",
        wording=WORDING,
    )
    runs = {name: kpis} if base is None else {str(base_name): base, name: kpis}
    figure = (
        carrier_mix_figure(kpis)
        if base is None
        else carrier_mix_comparison_figure(base, kpis, (str(base_name), name))
    )
    st.plotly_chart(figure, key=f"{key}.chart.carrier_mix")
    carrier_tables(runs, key)


def carrier_tables(runs: dict[str, Kpis], key: str) -> None:
    """The carrier mix (per carrier service) and the cost per carrier of each run, one
    row per run and service (or carrier); with several runs, each row's change against
    the first run's same service (or carrier)."""
    mixes = {name: kpis.carrier_mix for name, kpis in runs.items() if kpis.carrier_mix is not None}
    carriers = {name: kpis.by_carrier for name, kpis in runs.items() if kpis.by_carrier is not None}
    if not mixes:
        return
    st.markdown("**Carrier mix**")
    st.dataframe(
        carrier_table(mixes, service_names, "Carrier service", MIX_FIGURES),
        hide_index=True,
        key=f"{key}.carrier_mix",
    )
    st.markdown("**Cost per carrier**")
    st.dataframe(
        carrier_table(carriers, _carriers, "Carrier", CARRIER_FIGURES),
        hide_index=True,
        key=f"{key}.by_carrier",
    )
    if len(runs) > 1:
        first = next(iter(runs))
        st.caption(f"Each Δ is the scenario's figure minus **{first}**'s for the same row.")


def carrier_table(
    frames: dict[str, pd.DataFrame], names, heading: str, figures: tuple[tuple[str, str], ...]
) -> pd.DataFrame:
    """Rows of `frames` (one carrier table per run) in the simulations' order — by
    carrier then service, shipments without a carrier last — each run's row of a
    service after the other's; `names(frame)` names each row. With several runs, a
    Scenario column, and Δ columns against the first run (a service it did not use
    counts 0 shipments and €0)."""
    several = len(frames) > 1
    rows: dict[str, dict[str, dict]] = {}
    for run, frame in frames.items():
        for name, record in zip(names(frame), frame.to_dict("records"), strict=True):
            rows.setdefault(name, {})[run] = record
    order = sorted(rows, key=lambda name: (name == NO_CARRIER, name))
    base = next(iter(frames))
    out = []
    for name in order:
        for run in frames:
            record = rows[name].get(run)
            if record is None:
                continue
            row = {"Scenario": run} if several else {}
            row[heading] = name
            for figure, title in figures:
                row[title] = formats.kpi(figure, record[figure])
            if several:
                row.update(_changes(record, rows[name].get(base), run == base))
            out.append(row)
    return pd.DataFrame(out)


def _changes(record: dict, base: dict | None, is_base: bool) -> dict[str, str]:
    """Δ shipments, cost and cost per shipment against the base's row ("–" on the base's
    own rows, and for a cost per shipment the base has not)."""
    out = {}
    for figure in COMPARED:
        title = f"Δ {KPI_LABELS[figure][0].lower()}"
        if is_base:
            out[title] = formats.EMPTY
            continue
        was = (base or {}).get(figure, 0 if figure != "cost_per_shipment" else None)
        change = None if was is None else float(record[figure]) - float(was)
        out[title] = formats.kpi_change(figure, change) or formats.EMPTY
    return out


def _carriers(by_carrier: pd.DataFrame) -> list[str]:
    return [NO_CARRIER if carrier is None else str(carrier) for carrier in by_carrier["carrier"]]
