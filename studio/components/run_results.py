"""What a simulation run shows: KPI cards (with deltas against a baseline run), the
charts of `simulations.charts`, the returns of a run with returns, the orders behind a
figure with one order explained, and the downloads (the decisions and the offline HTML
report)."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from simulations import Overrides, Simulation, explain_orders, orders_behind
from simulations.bound_figures import BOUND_KEYS
from simulations.charts import (
    KPI_LABELS,
    daily_figure,
    distance_figure,
    node_map_figure,
    node_type_figure,
    utilisation_figure,
)
from simulations.exports import csv_bytes
from simulations.report import write_report
from simulations.return_charts import disposition_figure, return_flow_figure
from simulations.return_kpis import RETURN_KEYS
from simulations.transfer_kpis import TRANSFER_KEYS
from studio import formats
from studio.components import (
    bound_view,
    collect_figures,
    decision_view,
    promise_figures,
    return_figures,
)
from studio.components.kpi_cards import kpi_cards
from studio.components.period_picker import Period, period_filter
from studio.components.widget_memory import field as kept_field

ALL = "All"
WHOLE_RUN = Period("whole run", None, None)
SHOWN_ROWS = 1_000
PROMISE_BEHIND = {
    "promised_orders": "the orders with a promised date",
    "avg_promised_days": "the orders with a promised date",
    "p90_promised_days": "the orders promised at or above the 90th percentile",
    "next_day_rate": "the orders promised next day",
    "missed_cutoff_orders": "the orders picked after their day",
    "missed_cutoff_rate": "the orders picked after their day",
    "capped_parcels": "the orders with a parcel a full service refused",
}
"""What `orders_behind` returns for the promise figures (docs/kpis.md)."""
TRANSFER_BEHIND = {
    "collect_orders": "the collect orders",
    "ready_on_time_rate": "the collect orders not ready on time",
    "avg_ready_days": "the routed collect orders it averages over",
}
"""What `orders_behind` returns for the click & collect figures; the others give the
orders with a transfer leg."""
CHARTS = {
    "daily": "Per day",
    "node_types": "Node types",
    "distance": "Distance",
    "utilisation": "Utilisation",
    "map": "Map",
}


@dataclass
class Run:
    """A simulation as the studio keeps it: what ran, on which data, and its results."""

    label: str
    overrides: Overrides
    first_day: dt.date | None
    last_day: dt.date | None
    data_key: tuple
    simulation: Simulation
    baseline: Simulation | None = None
    baseline_label: str | None = None
    peaks: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    """The peak seasons of the ruleset within the run's days (figures can be shown for one)."""
    figures: dict[tuple, go.Figure] = field(default_factory=dict)
    behind: dict[tuple, pd.DataFrame] = field(default_factory=dict)
    explained: dict[str, tuple] = field(default_factory=dict)
    views: dict[tuple, tuple] = field(default_factory=dict)

    @property
    def days(self) -> tuple[dt.date, dt.date] | None:
        """The first and last day with orders in the run."""
        days = self.simulation.kpis.by_day["day"]
        return (days.iloc[0], days.iloc[-1]) if len(days) else None

    @property
    def period(self) -> str:
        days = self.days
        return formats.date_range(*days) if days else "no orders"

    def seen(self, period: Period) -> tuple[Simulation, Simulation | None]:
        """The run and its baseline narrowed to `period` (each computed once)."""
        if period.whole:
            return self.simulation, self.baseline
        key = (period.first, period.last)
        if key not in self.views:
            self.views[key] = (
                self.simulation.between(period.first, period.last),
                None if self.baseline is None else self.baseline.between(*key),
            )
        return self.views[key]

    def figure(self, name: str, period: Period = WHOLE_RUN) -> go.Figure:
        """The run's charts for a period, built once (they take a moment on a year of
        orders)."""
        key = (name, period.first, period.last)
        if key not in self.figures:
            sim = self.seen(period)[0]
            build = {
                "daily": lambda: daily_figure(sim.kpis),
                "node_types": lambda: node_type_figure(sim.kpis),
                "distance": lambda: distance_figure(sim.tables, sim.kpis),
                "utilisation": lambda: utilisation_figure(sim.kpis),
                "map": lambda: node_map_figure(sim.tables, sim.inputs.nodes),
                "dispositions": lambda: disposition_figure(sim.kpis),
                "return_flows": lambda: return_flow_figure(sim.returns, sim.inputs.nodes),
            }[name]
            figure = build()
            if name == "utilisation":  # one readable row per node
                rows = len(figure.data[0].y) if figure.data and figure.data[0].y is not None else 0
                figure.update_layout(height=max(450, 120 + 14 * rows))
            self.figures[key] = figure
        return self.figures[key]

    def orders_behind(self, kpi: str, period: Period = WHOLE_RUN, **filters) -> pd.DataFrame:
        key = (kpi, period.first, period.last, *sorted(filters.items()))
        if key not in self.behind:
            sim = self.seen(period)[0]
            self.behind[key] = orders_behind(sim.tables, kpi, kpis=sim.kpis, **filters)
        return self.behind[key]


def show_run(run: Run, key: str) -> None:
    """The whole results section of a run (widgets keyed under `key`)."""
    changes = run.overrides.describe()
    st.caption(
        f"**{run.label}** · orders from {run.period} · "
        + ("; ".join(changes) if changes else "no overrides")
        + f" · {formats.count(len(run.simulation.decisions), 'order')} replayed in "
        f"{formats.duration(run.simulation.seconds)}"
    )
    period = period_filter(run.days, run.peaks, key) if run.days else WHOLE_RUN
    sim, base = run.seen(period)
    if not sim.rejects.empty:
        rows = sim.rejects[["table", "row"]].drop_duplicates()
        st.warning(
            f"{len(rows):,} rows of the tables were rejected and are not in this run: "
            "see Network and stock for each one and why.",
            icon=":material/rule:",
        )
    baseline = base.kpis.overall if base is not None else None
    if base is not None:
        st.caption(f"Changes against **{run.baseline_label}** on the same orders, no overrides.")
    if not period.whole:
        st.caption(
            f"Figures for the {formats.count(len(sim.decisions), 'order')} placed in the "
            f"{period.name}, with the stock and capacity the whole run left them."
        )
    kpi_cards(
        sim.kpis.overall,
        baseline,
        keys=promise_figures.headline_keys(sim.kpis),
        baseline_name=run.baseline_label or "baseline",
    )
    promise_figures.show(
        sim.kpis, None if base is None else base.kpis, (run.baseline_label, run.label), key
    )
    collect_figures.show(sim.kpis, None if base is None else base.kpis, run.baseline_label)
    return_figures.show(sim, base, run.baseline_label, lambda name: run.figure(name, period), key)
    bound_view.show(sim, key)
    tabs = st.tabs(list(CHARTS.values()))
    for tab, name in zip(tabs, CHARTS, strict=True):
        with tab:
            st.plotly_chart(run.figure(name, period), key=f"{key}.chart.{name}")
    with st.expander("By channel and by node type"):
        st.dataframe(formats.kpi_frame(sim.kpis.by_channel), hide_index=True)
        st.dataframe(formats.kpi_frame(sim.kpis.by_node_type), hide_index=True)
    drill(run, key, period)
    downloads(run, key, period)


def drill(run: Run, key: str, period: Period = WHOLE_RUN) -> None:
    """From a figure to the orders behind it, and from an order to its explanation."""
    st.subheader("Orders behind a figure")
    sim = run.seen(period)[0]
    one, two, three = st.columns(3)
    name = promise_figures.label if sim.kpis.carriers else (lambda k: KPI_LABELS[k][0])
    keys = order_keys(sim)
    kpi = one.selectbox(
        "KPI",
        keys,
        format_func=name,
        key=_option(f"{key}.kpi", keys, "split_rate"),
        help="The figures about orders; the returned lines behind the returns figures are "
        "listed in the Returns section"
        if sim.kpis.returns is not None
        else None,
    )
    channels = [ALL, *sorted(sim.kpis.by_channel["channel"].astype(str))]
    channel = two.selectbox("Channel", channels, key=_option(f"{key}.channel", channels))
    types = [ALL, *sorted(sim.kpis.by_node_type["node_type"].astype(str))]
    node_type = three.selectbox("Node type", types, key=_option(f"{key}.node_type", types))
    filters = {}
    if channel != ALL:
        filters["channel"] = channel
    if node_type != ALL:
        filters["node_type"] = node_type
    behind = run.orders_behind(kpi, period, **filters)
    st.markdown(f"**{formats.count(len(behind), 'order')}** behind *{name(kpi)}* ({_what(kpi)})")
    zone = sim.policy.timezone
    listed = _local(behind.head(SHOWN_ROWS), zone)
    st.dataframe(
        listed, hide_index=True, key=f"{key}.behind", column_config=formats.money_columns(listed)
    )
    st.caption(formats.zone_note(zone))
    if len(behind) > SHOWN_ROWS:
        st.caption(f"The first {formats.count(SHOWN_ROWS)} are listed; the download has them all.")
    st.download_button(
        "Download these orders (CSV)",
        data=lambda: csv_bytes(behind),
        file_name=f"orders_behind_{kpi}.csv",
        mime="text/csv",
        icon=":material/download:",
        key=f"{key}.behind_csv",
    )
    if behind.empty:
        return
    ids = behind["order_id"].astype(str).head(SHOWN_ROWS).tolist()
    order_id = st.selectbox("Look at one order", ids, key=_option(f"{key}.order", ids))
    shipments = sim.tables.shipments
    its = _local(shipments[shipments["order_id"] == order_id], zone)
    st.dataframe(its, hide_index=True, column_config=formats.money_columns(its))
    if order_id in run.explained:
        decision_view.show_explanation(
            run.explained[order_id], sim.inputs.nodes, sim.policy.ruleset
        )
    elif st.button(
        "Explain this order as the run routed it",
        icon=":material/manage_search:",
        key=f"{key}.explain",
        help="replays the orders before it (stock and capacity as they were), then stops",
    ):
        bar = st.progress(0.0, text="Replaying up to this order…")
        found = explain_orders(
            sim.policy,
            sim.inputs,
            [order_id],
            on_progress=lambda done, total: bar.progress(
                min(done / max(total, 1), 1.0), text=f"Replaying: {formats.count(done, 'order')}"
            ),
            first_day=run.first_day,
            last_day=run.last_day,
        )
        bar.empty()
        run.explained[order_id] = found.get(order_id, ())
        decision_view.show_explanation(
            run.explained[order_id], sim.inputs.nodes, sim.policy.ruleset
        )


def order_keys(sim: Simulation) -> list[str]:
    """The figures the orders behind a figure can be listed for: every figure of the
    run but the returns', which count returned lines, not orders, and the bound's, which
    compare whole days."""
    return [k for k in sim.kpis.keys if k not in RETURN_KEYS and k not in BOUND_KEYS]


def downloads(run: Run, key: str, period: Period = WHOLE_RUN) -> None:
    """The run's files, for the period shown."""
    st.subheader("Downloads")
    left, right = st.columns(2)
    left.download_button(
        "Decisions, shipments, allocations and KPIs (zip of CSV)",
        data=lambda: decisions_zip(run.seen(period)[0]),
        file_name="simulation.zip",
        mime="application/zip",
        icon=":material/folder_zip:",
        key=f"{key}.zip",
    )
    right.download_button(
        "Report (HTML, opens offline)",
        data=lambda: report_html(run.seen(period)[0], f"{run.label} ({period.name})"),
        file_name="simulation_report.html",
        mime="text/html",
        icon=":material/description:",
        key=f"{key}.report",
    )


def decisions_zip(sim: Simulation) -> bytes:
    """decisions.csv (one row per order), shipments.csv, allocations.csv, kpis.json,
    rejects.csv and, with returns, returns.csv (one row per returned line) in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("decisions.csv", csv_bytes(sim.tables.orders))
        archive.writestr("shipments.csv", csv_bytes(sim.tables.shipments))
        archive.writestr("allocations.csv", csv_bytes(sim.tables.allocations))
        archive.writestr("kpis.json", sim.kpis.to_json())
        archive.writestr("rejects.csv", csv_bytes(sim.rejects))
        if sim.returns is not None:
            archive.writestr("returns.csv", csv_bytes(sim.returns))
    return buffer.getvalue()


def report_html(sim: Simulation, label: str) -> bytes:
    """The offline report of `simulations.report`, as bytes."""
    with tempfile.TemporaryDirectory() as folder:
        path = write_report(
            Path(folder) / "report.html",
            sim.kpis,
            sim.tables,
            sim.inputs.nodes,
            title=f"Simulation: {label}",
        )
        return path.read_bytes()


def _local(frame: pd.DataFrame, zone: str) -> pd.DataFrame:
    """The rows with `created_at` as local wall-clock time, as people read it."""
    if "created_at" not in frame.columns:
        return frame
    return frame.assign(created_at=formats.date_times(frame["created_at"], zone))


def _option(key: str, options: list[str], default: str | None = None) -> str:
    """A select box's key (starting at `default`, else the first option), reset to that
    when its value is no longer offered."""
    first = default if default in options else options[0]
    kept_field(key, first)
    if st.session_state[key] not in options:
        st.session_state[key] = first
    return key


def _what(kpi: str) -> str:
    if kpi in ("fill_rate",):
        return "the orders not fully allocated"
    if kpi in ("on_time_rate",):
        return "the late orders"
    if kpi in ("shipments_per_order", "cost_per_order", "avg_eta_days"):
        return "the routed orders it averages over"
    if kpi in ("avg_distance_km", "co2_kg", "p90_distance_km"):
        return "orders with a shipment in scope"
    if kpi in TRANSFER_KEYS:
        return TRANSFER_BEHIND.get(kpi, "the orders with a transfer leg")
    return PROMISE_BEHIND.get(kpi, KPI_LABELS[kpi][2])
