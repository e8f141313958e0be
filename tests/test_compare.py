"""compare(base, variant): KPI deltas, the orders whose routing changed, and the reason
each changed, on the hand-worked tiny network and on the demo data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from test_replay import INVENTORY, NODES, RULESET, order_lines

import simulations
from dsl import parse
from simulations.compare import UNEXPLAINED, changed_orders, kpi_deltas
from simulations.demo_data import generate
from simulations.overrides import Overrides
from simulations.scenarios import Scenario

ROOT = Path(__file__).resolve().parent.parent
FRANCE = parse((ROOT / "rulesets" / "france.route").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def tiny():
    """The tiny network of test_replay, then the same with its store closed."""
    inputs = simulations.load_inputs(NODES, INVENTORY, order_lines())
    base = Scenario(name="today", ruleset=parse(RULESET))
    closed = Scenario(
        name="no store", ruleset=parse(RULESET), overrides=Overrides(close_nodes=("ST1",))
    )
    return simulations.compare(base, closed, inputs)


def test_the_orders_that_changed_and_how(tiny):
    # Without ST1: O1 gets DC1's only A and backorders the other; O2 finds no A left;
    # O3 is routed as before (DC1 ships B×2, A backordered); O4's B comes from DC1.
    changed = tiny.changed.set_index("order_id")
    assert changed.index.tolist() == ["O1", "O2", "O4"]
    assert changed["change"].to_dict() == {
        "O1": "nodes, strategy, status",
        "O2": "nodes, status",
        "O4": "nodes",
    }
    assert changed.loc["O1", ["base_nodes", "variant_nodes"]].tolist() == ["ST1 (2)", "DC1 (1)"]
    assert changed.loc["O1", "variant_strategies"] == "stores_first > any_node"
    assert changed.loc["O2", ["base_status", "variant_status"]].tolist() == [
        "routed",
        "backordered",
    ]
    assert tiny.summary["orders_changed"] == 3
    assert tiny.summary["changed_by_kind"] == {"nodes": 3, "strategy": 1, "status": 2}
    assert tiny.summary["orders_compared"] == 5


def test_each_change_has_its_reason_in_words(tiny):
    reasons = tiny.changed.set_index("order_id")["reason"]
    assert reasons["O4"] == (
        "No longer ships from Store (ST1): Store (ST1) is closed in no store; "
        "now ships from Warehouse (DC1)"
    )
    assert reasons["O2"] == (
        "No longer ships from Warehouse (DC1): in no store, Warehouse (DC1) has no stock left "
        "of A; the order is backordered instead of routed"
    )
    assert reasons["O1"].endswith("the order is backordered instead of routed")


def test_changed_orders_grouped_by_cause_with_their_effect(tiny):
    """Two causes: ST1 closed (O1, O4), and DC1's A gone to O1 before O2 comes."""
    causes = tiny.changed.set_index("order_id")["cause"]
    assert causes.to_dict() == {
        "O1": "Store (ST1) is closed in no store",
        "O2": "In no store, the node has no stock left of the order's products",
        "O4": "Store (ST1) is closed in no store",
    }
    summary = tiny.by_cause.set_index("cause")
    assert summary["orders"].tolist() == [2, 1]  # largest group first
    closed = summary.loc["Store (ST1) is closed in no store"]
    assert closed["examples"] == "O1, O4"
    base, variant = tiny.base.tables, tiny.variant.tables

    def total(tables, column, orders):
        return tables.orders.set_index("order_id").loc[orders, column].sum()

    def km(tables, orders):
        shipments = tables.shipments
        return shipments[shipments["order_id"].isin(orders)]["distance_km"].sum()

    for orders, row in ((["O1", "O4"], closed), (["O2"], summary.iloc[1])):
        assert row["cost_delta"] == pytest.approx(
            total(variant, "cost", orders) - total(base, "cost", orders)
        )
        assert row["km_delta"] == pytest.approx(km(variant, orders) - km(base, orders))
        assert row["shipments_delta"] == total(variant, "n_shipments", orders) - total(
            base, "n_shipments", orders
        )
        assert row["units_delta"] == total(variant, "units_allocated", orders) - total(
            base, "units_allocated", orders
        )
    assert summary.loc[summary.index[1], "shipments_delta"] == -1  # O2 ships nothing now
    assert tiny.summary["causes"] == 2


def test_kpi_deltas_are_variant_minus_base(tiny):
    overall = tiny.deltas[tiny.deltas["breakdown"] == "overall"].set_index("kpi")
    assert overall.loc["orders", ["base", "variant", "delta"]].tolist() == [5, 5, 0]
    assert overall.loc["fill_rate", ["base", "variant", "delta"]].tolist() == [
        6 / 8,
        4 / 8,
        4 / 8 - 6 / 8,
    ]
    assert overall.loc["store_stockouts", "delta"] == -1
    web = tiny.deltas[(tiny.deltas["breakdown"] == "channel") & (tiny.deltas["group"] == "web")]
    assert web.set_index("kpi").loc["units", "delta"] == 0
    store = tiny.deltas[tiny.deltas["breakdown"] == "node_type"].set_index(["group", "kpi"])
    # the variant has no store left, so no store row: its figures are empty, not 0
    assert store.loc[("store", "shipments"), ["base", "variant", "delta"]].tolist() == [
        2,
        None,
        None,
    ]
    # DC1 ships O2 and O3 today; O1, O3 and O4 without the store
    assert store.loc[("dc", "shipments"), ["base", "variant", "delta"]].tolist() == [2, 3, 1]
    assert kpi_deltas(tiny.base.kpis, tiny.base.kpis)["delta"].dropna().eq(0).all()


def test_a_run_compared_with_itself_has_no_change(tiny):
    assert changed_orders(tiny.base.tables, tiny.base.tables).empty


def test_the_comparison_is_written(tiny, tmp_path):
    written = tiny.write(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "base",
        "causes.csv",
        "changed_orders.csv",
        "deltas.csv",
        "report.html",
        "summary.json",
        "variant",
    ]
    assert pd.read_csv(written["changed"])["order_id"].tolist() == ["O1", "O2", "O4"]
    page = written["report"].read_text(encoding="utf-8")
    assert "Orders whose routing changed (3)" in page
    assert "Store (ST1) is closed in no store" in page
    assert "<h2>Why they changed</h2>" in page
    assert pd.read_csv(written["causes"])["orders"].tolist() == [2, 1]
    assert (tmp_path / "variant" / "kpis.json").is_file()


# ----------------------------------------------------------------- demo data


@pytest.fixture(scope="module")
def autumn(tmp_path_factory):
    folder = tmp_path_factory.mktemp("autumn")
    paths = generate(folder, orders=1_500, nodes=30, skus=200, seed=5, start="2026-11-01", days=61)
    return simulations.load_inputs(
        paths["nodes"],
        paths["inventory"],
        paths["orders"],
        paths["replenishments"],
        timezone="Europe/Paris",
    )


def test_switching_peak_protection_off(autumn):
    seen = []
    base = Scenario(name="france", ruleset=FRANCE)
    off = Scenario(
        name="no peak",
        ruleset=FRANCE,
        overrides=Overrides(strategies_off=("peak_store_protection",)),
    )
    result = simulations.compare(base, off, autumn, on_progress=lambda *a: seen.append(a))
    changed = result.changed
    assert len(changed) > 20
    assert changed["day"].min() >= dt.date(2026, 11, 15)  # nothing moves before the peak
    first = changed.iloc[0]
    assert first["base_strategies"].startswith("peak_store_protection")
    switched = "“Peak season store protection” is switched off in no peak"
    assert first["cause"] == switched
    moved = changed["base_strategies"].str.startswith("peak_store_protection")
    assert (changed.loc[moved, "cause"] == switched).all()
    # every changed order has a reason, and the summary accounts for every one of them
    assert (changed["reason"] != "").all() and (changed["reason"] != UNEXPLAINED).all()
    assert result.by_cause["orders"].sum() == len(changed)
    assert result.by_cause.set_index("cause").loc[switched, "orders"] == moved.sum()
    total = 4 * 1_500
    assert seen[-1] == (total, total)
    assert all(t == total for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


PEAK_COPY = """
strategy standard_home_peak "Standard home delivery in peak"
  priority 90
  effective 2026-11-15 to 2026-12-31
  when order.delivery == "home"
  source from node.type in ["dc", "store"] and node.can_ship
  keep 2 units at node.tags has "flagship"
  split at most 2
  otherwise use dc_backstop
"""


def test_a_strategy_new_in_the_variant_is_said_to_be_new_with_its_dates(autumn):
    """A strategy only the variant has once read "“B” applies instead of “A”" and no more:
    the cause now says it is new, and when it is in force."""
    text = (ROOT / "rulesets" / "france.route").read_text(encoding="utf-8")
    added = Scenario(name="flagships kept", ruleset=parse(text + PEAK_COPY))
    result = simulations.compare(Scenario(name="france", ruleset=FRANCE), added, autumn)
    moved = result.changed["variant_strategies"].str.startswith("standard_home_peak")
    assert moved.any()
    new = (
        "“Standard home delivery in peak” applies instead of “Standard home delivery”: it is "
        "new in flagships kept, in force from 15 November 2026 to 31 December 2026"
    )
    from_standard = moved & result.changed["base_strategies"].str.startswith("standard_home")
    assert (result.changed.loc[from_standard, "cause"] == new).all() and from_standard.any()


def test_scaled_demand_compares_the_orders_in_both(autumn):
    base = Scenario(name="france", ruleset=FRANCE)
    more = Scenario(name="+30%", ruleset=FRANCE, overrides=Overrides(demand_scale=1.3))
    result = simulations.compare(base, more, autumn, reasons=False)
    assert result.summary["orders_compared"] == 1_500
    assert result.summary["orders_only_in_variant"] == 450
    assert result.summary["orders_only_in_base"] == 0
    overall = result.deltas[result.deltas["breakdown"] == "overall"].set_index("kpi")
    assert overall.loc["orders", "delta"] == 450
    assert (result.changed["reason"] == "").all()
    assert not result.changed["order_id"].str.contains("~").any()


def test_a_reasons_limit_leaves_only_the_orders_that_need_explaining_unexplained():
    """`max_reasons` caps the explaining replays: a closed node still explains O1 and O4,
    while O2 (whose cause only an explanation gives) is listed as unexplained."""
    inputs = simulations.load_inputs(NODES, INVENTORY, order_lines())
    base = Scenario(name="today", ruleset=parse(RULESET))
    closed = Scenario(
        name="no store", ruleset=parse(RULESET), overrides=Overrides(close_nodes=("ST1",))
    )
    result = simulations.compare(base, closed, inputs, max_reasons=0)
    causes = result.changed.set_index("order_id")["cause"]
    assert causes["O2"] == UNEXPLAINED
    assert causes["O4"] == causes["O1"] == "Store (ST1) is closed in no store"
    assert result.summary["orders_explained"] == 0
