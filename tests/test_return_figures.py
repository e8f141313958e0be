"""The returns figures the studio draws, from `simulations`: the resold count (grouped
once, not per node and SKU) agrees with a plain walk through the restocks, and the flows
map keeps every routed unit, starting each flow where its return starts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from simulations.return_charts import (
    CELL_DEGREES,
    UNROUTED,
    return_flow_figure,
    return_flows,
)
from simulations.return_kpis import RESOLD_DAYS, resold

START = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def plain_resold(restocked: pd.DataFrame, allocations: pd.DataFrame) -> int:
    """docs/kpis.md's rule, walked one restock at a time: restocks in time order take
    the units of their SKU allocated at their node from their instant to 30 days later,
    earliest first, each allocated unit once."""
    left = allocations["qty"].tolist()
    total = 0
    for restock in restocked.sort_values("restock_at", kind="stable").itertuples():
        end = restock.restock_at + dt.timedelta(days=RESOLD_DAYS)
        want = restock.qty
        rows = sorted(
            (a.created_at, i)
            for i, a in enumerate(allocations.itertuples())
            if a.node_id == restock.node_id and a.sku == restock.sku
            and restock.restock_at <= a.created_at < end
        )  # fmt: skip
        for _, i in rows:
            take = min(want, left[i])
            left[i] -= take
            want -= take
        total += restock.qty - want
    return total


def _rows(draw, count: int, columns: dict, moment: str) -> pd.DataFrame:
    """`count` rows drawn from `columns`; `moment` is the column of instants (kept a
    column of aware instants when no row is drawn)."""
    rows = [{name: draw(values) for name, values in columns.items()} for _ in range(count)]
    frame = pd.DataFrame(rows, columns=list(columns))
    return frame.astype({moment: "datetime64[ns, UTC]", "qty": "int64"})


@st.composite
def restocks_and_allocations(draw):
    hours = st.integers(min_value=0, max_value=24 * 70).map(lambda h: START + dt.timedelta(hours=h))
    where = {"node_id": st.sampled_from(["A", "B"]), "sku": st.sampled_from(["x", "y"])}
    restocked = _rows(
        draw, draw(st.integers(0, 8)),
        {**where, "qty": st.integers(1, 4), "restock_at": hours}, "restock_at",
    )  # fmt: skip
    allocations = _rows(
        draw, draw(st.integers(0, 12)),
        {**where, "qty": st.integers(1, 4), "created_at": hours}, "created_at",
    )  # fmt: skip
    return restocked, allocations


@settings(max_examples=200, deadline=None)
@given(restocks_and_allocations())
def test_resold_agrees_with_a_plain_walk_through_the_restocks(tables):
    restocked, allocations = tables
    assert resold(restocked, allocations) == plain_resold(restocked, allocations)


NODES = pd.DataFrame(
    {
        "id": ["ST-A", "ST-B", "DC-C"],
        "type": ["store", "store", "dc"],
        "lat": [48.85, 45.76, 47.90],
        "lon": [2.35, 4.83, 1.90],
    }
)


def _lines() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "return_id": ["R1", "R2", "R3", "R4", "R5", "R6"],
            "method": ["store", "store", "post", "courier", "post", "store"],
            "drop_node": ["ST-A", "ST-A", None, None, None, "ST-X"],
            "origin_lat": [np.nan, np.nan, 47.01, 47.03, 43.3, np.nan],
            "origin_lon": [np.nan, np.nan, 1.51, 1.53, 5.4, np.nan],
            "qty": [2, 1, 1, 3, 2, 1],
            "node_id": ["ST-A", "DC-C", "DC-C", "DC-C", None, None],
            "disposition": ["restock", "liquidate", "refurbish", "refurbish", None, None],
        }
    )


def test_flows_keep_every_routed_unit_and_start_where_returns_start():
    flows = return_flows(_lines(), NODES)
    assert flows["units"].sum() == 2 + 1 + 1 + 3
    in_store = flows[(flows["start"] == "ST-A") & (flows["node_id"] == "ST-A")].iloc[0]
    assert (in_store["start_lat"], in_store["start_lon"], in_store["units"]) == (48.85, 2.35, 2)
    # the two post/courier returns near 47.0, 1.5 are one flow, at their units' mean
    near = flows[flows["method"] == "post or courier"]
    assert len(near) == 1 and near["units"].iloc[0] == 4 and near["lines"].iloc[0] == 2
    assert near["start_lat"].iloc[0] == (47.01 * 1 + 47.03 * 3) / 4
    assert abs(near["start_lat"].iloc[0] - 47.0) <= CELL_DEGREES
    assert near["node_lat"].iloc[0] == 47.90


def test_the_flows_map_draws_lines_by_disposition_and_the_unrouted_in_red():
    figure = return_flow_figure(_lines(), NODES)
    assert figure.data[0].meta == "base map"  # the vendored countries: nothing fetched
    lines = [t for t in figure.data if t.mode == "lines" and t.meta != "base map"]
    assert {t.legendgroup for t in lines} == {"restock", "liquidate", "refurbish"}
    named = {t.name for t in lines if t.showlegend}
    assert named == {"restock (2 units)", "liquidate (1 unit)", "refurbish (4 units)"}
    unrouted = next(t for t in figure.data if t.name and t.name.startswith(UNROUTED))
    # R5 (post, placed by its address) is drawn; R6 (an unknown store) cannot be placed
    assert list(unrouted.lat) == [43.3] and unrouted.name == f"{UNROUTED} (2 units)"
    received = next(t for t in figure.data if t.name == "receiving nodes")
    assert sorted(received.text) == [
        "DC-C (dc) receives 5 units: liquidate 1, refurbish 4",
        "ST-A (store) receives 2 units: restock 2",
    ]
