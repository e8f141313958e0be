"""The returns of a run (docs/kpis.md, "Returns"), wherever the studio shows a run with
returns (Simulate, Compare): the RETURN_KEYS cards with their change against the other
side, the units of each disposition, the return rates by channel and by category, the
map of return flows, and the returned lines behind the figures. Every figure is
`simulations`' own; a run without returns shows none of this."""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go
import streamlit as st

from simulations import Kpis, Simulation
from simulations.exports import csv_bytes
from simulations.return_charts import CELL_DEGREES, UNROUTED
from simulations.return_kpis import RETURN_KEYS
from studio import formats
from studio.components.kpi_cards import kpi_cards
from studio.components.kpi_cards import side_by_side as side_by_side_table

CAPTION = (
    "The returns created in the period, routed by the ruleset's return strategies "
    "between the orders: a restocked unit is stock at its node from its restock date on. "
    "*Fill rate gained* compares with the same replay without the returns."
)
MAP_CAPTION = (
    "A line from where each return starts — the store it was dropped at, or the "
    f"customers' addresses (post and courier, grouped by {CELL_DEGREES}° cells, about "
    "10 km) — to the node receiving it, as wide as its units, coloured by disposition. "
    "Nodes are sized by the units they receive; a red cross marks returns no strategy took."
)
ALL = "All"
SHOWN_ROWS = 1_000
LINE_COLUMNS = (
    "return_id", "created_at", "method", "drop_node", "channel", "category", "sku", "qty",
    "reason", "condition", "node_id", "node_type", "disposition", "restock_date",
    "distance_km", "cost", "strategy", "unrouted_reason",
)  # fmt: skip
"""The columns of the returned lines table, in the order shown."""


def show(
    sim: Simulation,
    base: Simulation | None,
    base_name: str | None,
    figure: Callable[[str], go.Figure],
    key: str,
) -> None:
    """The run's returns section; `figure(name)` builds (once) the run's "dispositions"
    and "return_flows" figures."""
    if sim.kpis.returns is None or sim.returns is None:
        return
    st.subheader("Returns", anchor=False)
    st.caption(CAPTION)
    compared = base is not None and base.kpis.returns is not None
    kpi_cards(
        sim.kpis.overall,
        base.kpis.overall if compared and base is not None else None,
        keys=RETURN_KEYS,
        baseline_name=base_name or "baseline",
    )
    left, right = st.columns([3, 2])
    left.plotly_chart(figure("dispositions"), key=f"{key}.chart.dispositions")
    with right:
        for title, table in (
            ("Return rate by channel (of the original order)", sim.kpis.returns_by_channel),
            ("Return rate by category", sim.kpis.returns_by_category),
        ):
            st.markdown(f"**{title}**")
            st.dataframe(formats.kpi_frame(table), hide_index=True)
    st.plotly_chart(figure("return_flows"), key=f"{key}.chart.return_flows")
    st.caption(MAP_CAPTION)
    returned_lines(sim, key)


def returned_lines(sim: Simulation, key: str) -> None:
    """The returned lines behind the figures, by disposition (the orders behind a
    figure, below, are for the order figures)."""
    lines = sim.returns
    if lines is None:
        return
    st.markdown("**Returned lines behind a figure**")
    choices = [ALL, *sorted(set(lines["disposition"].dropna().astype(str))), UNROUTED]
    picked = st.selectbox(
        "Disposition",
        choices,
        key=f"{key}.returns.disposition",
        help="restocked, refurbished, liquidated or destroyed units, or those no strategy "
        "took (with why)",
    )
    if picked == UNROUTED:
        shown = lines[lines["node_id"].isna()]
    elif picked != ALL:
        shown = lines[lines["disposition"] == picked]
    else:
        shown = lines
    shown = shown[[c for c in LINE_COLUMNS if c in shown.columns]]
    zone = sim.policy.timezone
    st.markdown(
        f"**{formats.count(len(shown), 'returned line')}**, "
        f"{formats.count(int(shown['qty'].sum()), 'unit')}"
    )
    listed = shown.head(SHOWN_ROWS)
    listed = listed.assign(created_at=formats.date_times(listed["created_at"], zone))
    st.dataframe(
        listed,
        hide_index=True,
        key=f"{key}.returns.lines",
        column_config=formats.money_columns(listed),
    )
    st.caption(formats.zone_note(zone))
    st.download_button(
        "Download these returned lines (CSV)",
        data=lambda: csv_bytes(shown),
        file_name="returned_lines.csv",
        mime="text/csv",
        icon=":material/download:",
        key=f"{key}.returns.csv",
    )


def side_by_side(runs: dict[str, Kpis], key: str) -> None:
    """Compare: every scenario's returns figures, with each one's change against the
    first. Nothing when no scenario routed returns."""
    if not any(kpis.returns is not None for kpis in runs.values()):
        return
    overalls = {name: kpis.overall for name, kpis in runs.items()}
    side_by_side_table(overalls, RETURN_KEYS, "Returns", CAPTION, f"{key}.returns")
