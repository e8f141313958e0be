"""The demo's returns: deterministic, loading without a reject, and shaped like a
retailer's returns (rates by category, reasons and conditions, 40 % dropped in
store, 3 to 30 days after delivery, every returned unit one the customer bought);
and the returns columns of the demo nodes and stock."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.tables import RETURN_COLUMNS, load_inventory, load_nodes, load_orders, load_returns
from simulations.demo_data import generate
from simulations.demo_data.returns import CONDITIONS, RETURN_RATE
from simulations.geography import haversine_km

PARIS = "Europe/Paris"
END = pd.Timestamp("2027-01-01", tz=PARIS)
"""The end of the default demo's order period (365 days from 2026-01-01)."""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The default demo (20,000 orders, 60 nodes, 2,000 SKUs), loaded."""
    paths = generate(tmp_path_factory.mktemp("demo"))
    nodes = load_nodes(paths["nodes"])
    ids = nodes.arrow["id"]
    return {
        "paths": paths,
        "nodes": nodes,
        "inventory": load_inventory(paths["inventory"], node_ids=ids),
        "orders": load_orders(paths["orders"], node_ids=ids, timezone=PARIS),
        "returns": load_returns(paths["returns"], node_ids=ids, timezone=PARIS),
    }


@pytest.fixture(scope="module")
def returned(demo) -> pd.DataFrame:
    """Every returned line beside the order line it comes from (`_ordered` columns)."""
    lines = demo["orders"].frame
    merged = demo["returns"].frame.merge(
        lines, on=["order_id", "sku"], how="left", suffixes=("", "_ordered"), validate="m:1"
    )
    assert len(merged) == len(demo["returns"].frame)
    return merged


@pytest.fixture(scope="module")
def heads(demo) -> pd.DataFrame:
    """One row per return (its first line)."""
    return demo["returns"].frame.drop_duplicates("return_id")


def test_returns_load_without_a_reject_and_are_deterministic(demo, tmp_path):
    table = demo["returns"]
    assert table.ok, table.reject_rows[:5]
    assert 3_000 < len(table.arrow) < 8_000
    again = generate(tmp_path / "again", orders=2_000, nodes=30, skus=300, seed=4)
    twice = generate(tmp_path / "twice", orders=2_000, nodes=30, skus=300, seed=4)
    other = generate(tmp_path / "other", orders=2_000, nodes=30, skus=300, seed=5)
    assert again["returns"].read_bytes() == twice["returns"].read_bytes()
    assert again["returns"].read_bytes() != other["returns"].read_bytes()
    parquet = generate(
        tmp_path / "parquet", orders=2_000, nodes=30, skus=300, seed=4, fmt="parquet"
    )
    ids = load_nodes(parquet["nodes"]).arrow["id"]
    from_parquet = load_returns(parquet["returns"], node_ids=ids, timezone=PARIS)
    from_csv = load_returns(again["returns"], node_ids=ids, timezone=PARIS)
    assert from_parquet.ok
    pd.testing.assert_frame_equal(from_parquet.frame, from_csv.frame)


def test_a_period_too_short_for_any_return_writes_an_empty_table(tmp_path):
    """Two days of orders: every return would come after the period."""
    for fmt in ("csv", "parquet"):
        paths = generate(tmp_path / fmt, orders=300, skus=100, days=2, fmt=fmt)
        table = load_returns(paths["returns"], timezone=PARIS)
        assert table.ok and len(table.arrow) == 0
        assert table.arrow.column_names[:13] == list(RETURN_COLUMNS)


def test_every_returned_line_is_a_line_the_customer_bought(returned):
    assert returned["qty_ordered"].notna().all(), "a return names an order line"
    assert (returned["qty"] >= 1).all() and (returned["qty"] <= returned["qty_ordered"]).all()
    assert (returned["qty"] < returned["qty_ordered"]).any()  # some lines come back in part
    assert (returned["unit_price"] == returned["unit_price_ordered"]).all()
    assert (returned["category"] == returned["category_ordered"]).all()
    assert (returned["weight_kg"] == returned["weight_kg_ordered"]).all()
    # The lines of one order that come back form one return, and an order one return.
    assert returned.groupby("return_id")["order_id"].nunique().eq(1).all()
    assert returned.groupby("order_id")["return_id"].nunique().eq(1).all()


def test_ids_follow_time_order_and_nothing_comes_after_the_period(demo, heads):
    frame = demo["returns"].frame
    assert frame["created_at"].is_monotonic_increasing
    assert heads["return_id"].tolist() == sorted(heads["return_id"])
    assert heads["return_id"].iloc[0] == "R0000001"
    assert frame["created_at"].max() < END
    assert frame["created_at"].max() > END - pd.Timedelta(days=3)  # up to the end


def test_return_rates_by_category(demo):
    lines = demo["orders"].frame
    done = lines[lines["created_at"] < END - pd.Timedelta(days=40)]  # every return written
    back = done.merge(demo["returns"].frame[["order_id", "sku"]], how="left", indicator=True)
    rate = back["_merge"].eq("both").groupby(back["category"]).mean()
    assert set(rate.index) == set(RETURN_RATE)
    for category, expected in RETURN_RATE.items():
        assert rate[category] == pytest.approx(expected, abs=0.02), category
    assert rate["apparel"] > 2.5 * rate["electronics"]


def test_reasons_and_conditions_go_together(demo):
    frame = demo["returns"].frame
    assert set(frame["condition"]) == set(CONDITIONS)
    condition = pd.crosstab(frame["reason"], frame["condition"], normalize="index")
    assert condition.loc["damaged", "damaged"] > 0.75
    assert condition.loc["changed_mind", "new"] > 0.7
    assert condition.loc["wrong_size", "damaged"] == 0
    sized = frame.loc[frame["reason"] == "wrong_size", "category"]
    assert set(sized) == {"apparel", "shoes", "sports"}
    reasons = frame.loc[frame["category"] == "apparel", "reason"].value_counts(normalize=True)
    assert reasons.idxmax() == "wrong_size"


def test_forty_percent_are_dropped_in_store_the_rest_sent(heads):
    share = heads["method"].value_counts(normalize=True)
    assert share["store"] == pytest.approx(0.40, abs=0.03)
    assert share["post"] == pytest.approx(0.45, abs=0.03)
    assert share["courier"] == pytest.approx(0.15, abs=0.03)


def test_where_each_return_starts(demo, returned):
    nodes = demo["nodes"].frame.set_index("id")
    stores = nodes[nodes["type"] == "store"]
    first = returned.drop_duplicates("return_id")
    store = first[first["method"] == "store"]
    # Collect orders come back to their collect store, the others to the nearest store.
    collect = store["delivery"] == "collect"
    assert (
        collect.any()
        and (store.loc[collect, "drop_node"] == store.loc[collect, "collect_node"]).all()
    )
    home = store[~collect]
    distance = haversine_km(
        home["dest_lat"].to_numpy()[:, None],
        home["dest_lon"].to_numpy()[:, None],
        stores["lat"].to_numpy()[None, :],
        stores["lon"].to_numpy()[None, :],
    )
    nearest = stores.index.to_numpy()[distance.argmin(axis=1)]
    assert (home["drop_node"].to_numpy() == nearest).all()
    assert store["origin_lat"].isna().all() and store["origin_lon"].isna().all()
    # Sent returns start at the order's address and name no store.
    sent = first[first["method"] != "store"]
    assert (sent["delivery"] != "collect").all()
    assert (sent["origin_lat"] == sent["dest_lat"]).all()
    assert (sent["origin_lon"] == sent["dest_lon"]).all()
    assert (sent["drop_node"] == "").all()


def test_returns_come_three_to_thirty_days_after_delivery(returned):
    first = returned.drop_duplicates("return_id")
    ordered = first["created_at_ordered"].dt.tz_convert(PARIS).dt.tz_localize(None)
    delivered = (ordered + pd.to_timedelta(first["promised_days"], unit="D")).dt.normalize()
    local = first["created_at"].dt.tz_convert(PARIS)
    days = (local.dt.tz_localize(None).dt.normalize() - delivered).dt.days
    assert days.between(3, 30).all()
    assert days.min() == 3 and days.max() == 30
    assert days.median() < 12  # most within two weeks
    hours = local.dt.hour
    at_store = first["method"] == "store"
    assert hours[at_store].between(10, 18).all()
    assert hours[~at_store].between(8, 21).all()


def test_nodes_take_returns_at_dcs_and_stores_with_returns_centres(demo, tmp_path):
    nodes = demo["nodes"].frame.set_index("id")
    assert (nodes["accepts_returns"] == nodes["type"].isin(["dc", "store"])).all()
    centres = nodes.index[nodes["tags"].map(lambda tags: "returns" in tags)].tolist()
    assert centres == ["DC-LYON", "DC-ORLEANS"]
    cost = nodes["return_cost"]
    assert cost["DC-LYON"] < cost["DC-PARIS"] < cost[nodes["type"].eq("store")].min()
    assert (cost[~nodes["accepts_returns"]] == 0).all()
    # A network of two DCs (Paris, Lyon) has one returns centre.
    small = load_nodes(generate(tmp_path, orders=50, nodes=12, skus=40)["nodes"]).frame
    assert small.loc[small["tags"].map(lambda tags: "returns" in tags), "id"].tolist() == [
        "DC-LYON"
    ]


def test_stores_want_their_opening_stock_other_nodes_nothing(demo):
    stock = demo["inventory"].frame.merge(
        demo["nodes"].frame[["id", "type"]], left_on="node_id", right_on="id"
    )
    store = stock["type"] == "store"
    assert (stock.loc[store, "target"] == stock.loc[store, "on_hand"]).all()
    assert (stock.loc[~store, "target"] == 0).all()
    assert stock.loc[store, "target"].gt(0).all()
    assert np.issubdtype(stock["target"].dtype, np.integer)
