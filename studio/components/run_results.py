"""What a simulation run shows: KPI cards (with deltas against a baseline run), the
charts of `simulations.charts`, the orders behind a figure with one order explained,
and the downloads (the decisions and the offline HTML report)."""

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
from simulations.charts import (
    KPI_LABELS,
    daily_figure,
    distance_figure,
    node_map_figure,
    node_type_figure,
    utilisation_figure,
)
from simulations.exports import csv_bytes
from simulations.kpis import OVERALL_KEYS
from simulations.report import write_report
from studio.components import decision_view
from studio.components.kpi_cards import kpi_cards
from studio.components.widget_memory import field as kept_field

ALL = "All"
SHOWN_ROWS = 1_000
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
    figures: dict[str, go.Figure] = field(default_factory=dict)
    behind: dict[tuple, pd.DataFrame] = field(default_factory=dict)
    explained: dict[str, tuple] = field(default_factory=dict)

    @property
    def period(self) -> str:
        days = self.simulation.kpis.by_day["day"]
        return f"{days.iloc[0]} to {days.iloc[-1]}" if len(days) else "no orders"

    def figure(self, name: str) -> go.Figure:
        """The run's charts, built once (they take a moment on a year of orders)."""
        if name not in self.figures:
            sim = self.simulation
            build = {
                "daily": lambda: daily_figure(sim.kpis),
                "node_types": lambda: node_type_figure(sim.kpis),
                "distance": lambda: distance_figure(sim.tables, sim.kpis),
                "utilisation": lambda: utilisation_figure(sim.kpis),
                "map": lambda: node_map_figure(sim.tables, sim.inputs.nodes),
            }[name]
            figure = build()
            if name == "utilisation":  # one readable row per node
                rows = len(figure.data[0].y) if figure.data and figure.data[0].y is not None else 0
                figure.update_layout(height=max(450, 120 + 14 * rows))
            self.figures[name] = figure
        return self.figures[name]

    def orders_behind(self, kpi: str, **filters) -> pd.DataFrame:
        key = (kpi, *sorted(filters.items()))
        if key not in self.behind:
            sim = self.simulation
            self.behind[key] = orders_behind(sim.tables, kpi, kpis=sim.kpis, **filters)
        return self.behind[key]


def show_run(run: Run, key: str) -> None:
    """The whole results section of a run (widgets keyed under `key`)."""
    sim = run.simulation
    changes = run.overrides.describe()
    st.caption(
        f"**{run.label}** · orders from {run.period} · "
        + ("; ".join(changes) if changes else "no overrides")
        + f" · {len(sim.decisions):,} orders replayed in {sim.seconds:.1f} s"
    )
    if not sim.rejects.empty:
        rows = sim.rejects[["table", "row"]].drop_duplicates()
        st.warning(
            f"{len(rows):,} rows of the tables were rejected and are not in this run: "
            "see Network and stock for each one and why.",
            icon=":material/rule:",
        )
    baseline = run.baseline.kpis.overall if run.baseline is not None else None
    if run.baseline is not None:
        st.caption(f"Changes against **{run.baseline_label}** on the same orders, no overrides.")
    kpi_cards(sim.kpis.overall, baseline, baseline_name=run.baseline_label or "baseline")
    tabs = st.tabs(list(CHARTS.values()))
    for tab, name in zip(tabs, CHARTS, strict=True):
        with tab:
            st.plotly_chart(run.figure(name), key=f"{key}.chart.{name}")
    with st.expander("By channel and by node type"):
        st.dataframe(sim.kpis.by_channel, hide_index=True)
        st.dataframe(sim.kpis.by_node_type, hide_index=True)
    drill(run, key)
    downloads(run, key)


def drill(run: Run, key: str) -> None:
    """From a figure to the orders behind it, and from an order to its explanation."""
    st.subheader("Orders behind a figure")
    sim = run.simulation
    one, two, three = st.columns(3)
    kpi = one.selectbox(
        "KPI",
        OVERALL_KEYS,
        format_func=lambda k: KPI_LABELS[k][0],
        key=kept_field(f"{key}.kpi", "split_rate"),
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
    behind = run.orders_behind(kpi, **filters)
    st.markdown(f"**{len(behind):,} orders** behind *{KPI_LABELS[kpi][0]}* ({_what(kpi)})")
    zone = sim.policy.timezone
    st.dataframe(_local(behind.head(SHOWN_ROWS), zone), hide_index=True, key=f"{key}.behind")
    st.caption(f"Times in {zone}, the ruleset's time zone.")
    if len(behind) > SHOWN_ROWS:
        st.caption(f"The first {SHOWN_ROWS:,} are listed; the download has them all.")
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
    st.dataframe(_local(shipments[shipments["order_id"] == order_id], zone), hide_index=True)
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
                min(done / max(total, 1), 1.0), text=f"Replaying: {done:,} orders"
            ),
            first_day=run.first_day,
            last_day=run.last_day,
        )
        bar.empty()
        run.explained[order_id] = found.get(order_id, ())
        decision_view.show_explanation(
            run.explained[order_id], sim.inputs.nodes, sim.policy.ruleset
        )


def downloads(run: Run, key: str) -> None:
    st.subheader("Downloads")
    left, right = st.columns(2)
    left.download_button(
        "Decisions, shipments, allocations and KPIs (zip of CSV)",
        data=lambda: decisions_zip(run),
        file_name="simulation.zip",
        mime="application/zip",
        icon=":material/folder_zip:",
        key=f"{key}.zip",
    )
    right.download_button(
        "Report (HTML, opens offline)",
        data=lambda: report_html(run),
        file_name="simulation_report.html",
        mime="text/html",
        icon=":material/description:",
        key=f"{key}.report",
    )


def decisions_zip(run: Run) -> bytes:
    """decisions.csv (one row per order), shipments.csv, allocations.csv, kpis.json and
    rejects.csv in one zip."""
    sim = run.simulation
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("decisions.csv", csv_bytes(sim.tables.orders))
        archive.writestr("shipments.csv", csv_bytes(sim.tables.shipments))
        archive.writestr("allocations.csv", csv_bytes(sim.tables.allocations))
        archive.writestr("kpis.json", sim.kpis.to_json())
        archive.writestr("rejects.csv", csv_bytes(sim.rejects))
    return buffer.getvalue()


def report_html(run: Run) -> bytes:
    """The offline report of `simulations.report`, as bytes."""
    sim = run.simulation
    with tempfile.TemporaryDirectory() as folder:
        path = write_report(
            Path(folder) / "report.html",
            sim.kpis,
            sim.tables,
            sim.inputs.nodes,
            title=f"Simulation: {run.label}",
        )
        return path.read_bytes()


def _local(frame: pd.DataFrame, zone: str) -> pd.DataFrame:
    """The rows with `created_at` as local wall-clock time, as people read it."""
    if "created_at" not in frame.columns:
        return frame
    local = pd.to_datetime(frame["created_at"], utc=True).dt.tz_convert(zone)
    return frame.assign(created_at=local.dt.strftime("%Y-%m-%d %H:%M:%S"))


def _option(key: str, options: list[str]) -> str:
    """A select box's key, reset to the first option when its value is no longer offered."""
    kept_field(key, options[0])
    if st.session_state[key] not in options:
        st.session_state[key] = options[0]
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
    return KPI_LABELS[kpi][2]
