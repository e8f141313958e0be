"""Click & collect figures of a run (docs/kpis.md, "Click & collect"): transfer legs to
the collect stores, what they cost, and whether collect orders were ready on time."""

from __future__ import annotations

import streamlit as st

from simulations.decisions import COLLECT_READY_DAYS
from simulations.kpis import Kpis
from simulations.transfer_kpis import TRANSFER_KEYS
from studio.components.kpi_cards import kpi_cards
from studio.components.kpi_cards import side_by_side as side_by_side_table

CAPTION = (
    "A collect order's store ships what it has; a **transfer** is a leg from another node "
    "to that store. An order is ready on time when its ready date is within its promised "
    f"days ({COLLECT_READY_DAYS} without) of the order's local day."
)


def show(kpis: Kpis, base: Kpis | None, base_name: str | None) -> None:
    """The run's click & collect cards, against `base` when it had collect orders too.
    Nothing for a run without collect orders."""
    if not kpis.collect:
        return
    st.subheader("Click & collect", anchor=False)
    st.caption(CAPTION)
    kpi_cards(
        kpis.overall,
        base.overall if base is not None and base.collect else None,
        keys=TRANSFER_KEYS,
        baseline_name=base_name or "baseline",
    )


def side_by_side(runs: dict[str, Kpis], key: str) -> None:
    """Compare: every scenario's click & collect figures, with each one's change against
    the first. Nothing when no scenario had collect orders."""
    if not any(kpis.collect for kpis in runs.values()):
        return
    overalls = {name: kpis.overall for name, kpis in runs.items()}
    side_by_side_table(overalls, TRANSFER_KEYS, "Click & collect", CAPTION, f"{key}.collect")
