"""Sweep files: addresses of strategy clauses and overrides, values written into the
ruleset, combination order and keys, refused files, and the Pareto set."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from dsl import parse
from simulations.overrides import ScenarioError
from simulations.pareto import pareto_optimal
from simulations.sweep_file import MAX_COMBINATIONS, build_sweep, load_sweep
from simulations.sweeps import results_table

RULESET = """\
ruleset "Sweep test"
timezone "Europe/Paris"

strategy home "Home"
  priority 10
  effective 2026-11-15 to 2026-12-31
  when order.value > 100 and order.created_at >= 2026-11-01
  source from node.type == "dc" or node.type == "store"
  within 300 km
  keep 1 unit at node.type == "store"
  keep 2 units at node.tags has "flagship"
  rank by distance
  split at most 2
  otherwise use backstop

strategy backstop "Warehouses"
  priority 1000
  source from node.type == "dc"
  rank by distance
"""
OBJECTIVES = {"cost_per_order": "min", "fill_rate": "max"}


def sweep(vary: dict, **options):
    return build_sweep(parse(RULESET), vary, OBJECTIVES, **options)


def strategy(text: str, strategy_id: str = "home"):
    return parse(text).strategy(strategy_id)


def test_combinations_come_in_product_order_numbered_from_one():
    found = sweep({"home": {"within": [100, 200], "split": [1, 2, 3]}}).combinations("data")
    assert [c.number for c in found] == [1, 2, 3, 4, 5, 6]
    assert [(c.values["home.within"], c.values["home.split"]) for c in found] == [
        (100, 1), (100, 2), (100, 3), (200, 1), (200, 2), (200, 3)
    ]  # fmt: skip
    last = strategy(found[-1].ruleset_text)
    assert (last.within_km, last.split) == (200, 3)
    assert len({c.key for c in found}) == 6


def test_each_clause_takes_its_value():
    vary = {
        "home.priority": [5],
        "home.keep.2": [4],
        "home.effective.from": [dt.date(2026, 11, 1)],
        "home.effective.to": [dt.datetime(2027, 1, 5, 18, 30)],
        "home.when.1": [250],
        "home.when.2": [dt.date(2026, 10, 20)],
        "backstop.split": [3],
    }
    (only,) = sweep(vary).combinations("data")
    home = strategy(only.ruleset_text)
    assert home.priority == 5
    assert [keep.units for keep in home.keep] == [1, 4]
    window = home.effective[0]
    assert (window.start.text(), window.end.text()) == ("2026-11-01", "2027-01-05T18:30")
    assert "order.value > 250" in only.ruleset_text
    assert "order.created_at >= 2026-10-20" in only.ruleset_text
    assert strategy(only.ruleset_text, "backstop").split == 3


def test_override_addresses_change_the_scenario_overrides():
    vary = {"nodes": {"capacity": {"store": [0.5, 1.0]}}, "demand": {"scale": [1.5]}}
    first, second = sweep(vary, base={"nodes": {"close": ["DC-1"]}}).combinations("data")
    assert first.overrides.capacity == {"store": 0.5}
    assert second.overrides.capacity == {"store": 1.0}
    assert first.overrides.close_nodes == ("DC-1",)
    assert first.overrides.demand_scale == 1.5
    assert first.ruleset_text == second.ruleset_text


def test_carrier_entries_are_numbered_from_one():
    base = {"carriers": [{"carrier": "dpd", "service": "standard", "daily_parcels": 5}]}
    (first, _) = sweep({"carriers": {"1": {"daily_parcels": [1, 2]}}}, base=base).combinations("")
    assert first.overrides.carriers[0].daily_parcels == 1
    with pytest.raises(ScenarioError, match="has 1 \\[\\[carriers\\]\\] entries"):
        sweep({"carriers": {"2": {"daily_parcels": [1]}}}, base=base)


def test_the_key_follows_the_data():
    vary = {"home.within": [100]}
    assert sweep(vary).combinations("a")[0].key != sweep(vary).combinations("b")[0].key
    assert sweep(vary).combinations("a")[0].key == sweep(vary).combinations("a")[0].key


@pytest.mark.parametrize(
    ("vary", "message"),
    [
        ({"hom.keep": [1]}, "unknown strategy 'hom'; did you mean 'home'"),
        ({"home.kep": [1]}, "unknown clause 'kep'; did you mean 'keep'"),
        ({"home.keep": [1]}, "has 2 keep clauses; add which one"),
        ({"home.keep.3": [1]}, "must be a number from 1 to 2"),
        ({"home.keep.1": ["two"]}, "'two' is not a number"),
        ({"home.keep.1": [1.5]}, "is not a whole number"),
        ({"home.within": [100, 100]}, "a value is given twice"),
        ({"home.within": [100, 100.0]}, "a value is given twice"),
        ({"home.within": [100, dt.date(2026, 1, 1)]}, "mixes dates and numbers"),
        ({"home.within": 100}, "give a list of values"),
        ({"home.within": [True]}, "cannot be varied"),
        ({"home.effective": [dt.date(2026, 1, 1)]}, "say which end of the window"),
        ({"home.effective.from": [3]}, "is not a date"),
        ({"home.effective.from": [dt.datetime(2026, 1, 1, 6, tzinfo=dt.UTC)]}, "no offset"),
        ({"home.when": [1]}, "has 2 numbers and dates in its when clause"),
        ({"home.when.2": [1]}, "is not a date"),
        ({"backstop.when": [1]}, "holds no number or date"),
        ({"home.within.2": [1]}, "unexpected '2'"),
        ({"nodes.capacity.store": [-1]}, "multiplier must be a number from 0"),
        ({"nodes.capasity.store": [1]}, "nodes.capasity: unknown setting"),
        ({"carriers.daily_parcels": [1]}, "write carriers.N.FIELD"),
        ({}, "name at least one parameter"),
    ],
)
def test_refused_parameters_say_why(vary, message):
    with pytest.raises(ScenarioError, match=message.replace("[", "\\[")):
        sweep(vary)


def test_objectives_are_known_kpis_and_the_size_is_bounded():
    with pytest.raises(Exception, match="unknown KPI 'fill_rat'; did you mean 'fill_rate'"):
        build_sweep(parse(RULESET), {"home.within": [1]}, {"fill_rat": "max"})
    values = list(range(1, 102))
    with pytest.raises(ScenarioError, match=f"above the {MAX_COMBINATIONS:,}"):
        sweep({"home.within": values, "home.priority": values})


def test_the_file_strategies_section_and_a_varied_window_conflict():
    base = {"strategies": {"effective": {"home": {"from": dt.date(2026, 11, 1)}}}}
    with pytest.raises(ScenarioError, match="vary one or the other"):
        sweep({"home.effective.from": [dt.date(2026, 11, 2)]}, base=base)


def test_a_sweep_file_reads_its_ruleset_and_data_relative_to_itself(tmp_path):
    (tmp_path / "rules.route").write_text(RULESET, encoding="utf-8")
    path = tmp_path / "grid.toml"
    path.write_text(
        """
name = "grid"
ruleset = "rules.route"
[data]
nodes = "d/nodes.csv"
inventory = "d/inventory.csv"
orders = "d/orders.csv"
from = 2026-11-01
[objectives]
fill_rate = "max"
[nodes]
capacity = { store = 0.8 }
[vary]
home.keep.1 = [0, 1, 2]
nodes.stock."*" = [1, 2]
""",
        encoding="utf-8",
    )
    found = load_sweep(path)
    assert found.size == 6 and found.first_day == dt.date(2026, 11, 1)
    assert found.data["orders"] == tmp_path / "d" / "orders.csv"
    assert [p.address for p in found.parameters] == ["home.keep.1", 'nodes.stock."*"']
    first = found.combinations("")[0]
    assert first.overrides.capacity == {"store": 0.8} and first.overrides.stock == {"*": 1}
    path.write_text(path.read_text().replace("[vary]", "[vary]\nbogus = 1\n[extra]"))
    with pytest.raises(ScenarioError, match="extra: unknown setting .see docs/sweeps.md"):
        load_sweep(path)


# ---------------------------------------------------------------------- Pareto


def frame(rows, status=None):
    table = pd.DataFrame(rows, columns=["cost_per_order", "fill_rate"])
    table["status"] = status or ["done"] * len(rows)
    return table


def test_pareto_keeps_the_rows_nothing_beats_on_every_objective():
    table = frame([(5.0, 0.9), (4.0, 0.8), (6.0, 0.95), (6.0, 0.9), (4.0, 0.8)])
    # row 4 (6.0, 0.9) is beaten by row 1; rows 2 and 5 tie exactly and both stay
    assert pareto_optimal(table, OBJECTIVES).tolist() == [True, True, True, False, True]


def test_pareto_leaves_out_failed_rows_and_missing_figures():
    table = frame([(1.0, 1.0), (5.0, np.nan), (6.0, 0.5)], status=["failed", "done", "done"])
    assert pareto_optimal(table, OBJECTIVES).tolist() == [False, False, True]


def test_the_results_table_has_a_row_per_combination(tmp_path):
    grid = sweep({"home.within": [100, 200]})
    combinations = grid.combinations("")
    table = results_table(grid, combinations, tmp_path / "results", {2: "CompileError: no"})
    assert table["status"].tolist() == ["not run", "failed"]
    assert table["error"].tolist()[1] == "CompileError: no"
    assert not table["pareto"].any()


def test_the_shipped_sweep_file_is_valid():
    from pathlib import Path

    grid = load_sweep(Path(__file__).resolve().parent.parent / "sweeps" / "peak_grid.toml")
    assert grid.size == 45 and list(grid.objectives) == [
        "cost_per_order",
        "fill_rate",
        "store_stockouts",
    ]
    numbers = {c.number: c.values for c in grid.combinations("")}
    assert list(numbers[1]) == [
        "peak_store_protection.keep",
        "peak_store_protection.effective.from",
        "standard_home.within",
    ]
    assert list(numbers[2].values()) == [1, dt.date(2026, 11, 1), 300]
    assert list(numbers[4].values()) == [1, dt.date(2026, 11, 10), 200]
    assert list(numbers[45].values()) == [5, dt.date(2026, 11, 15), 400]


def test_addresses_sharing_a_first_part_are_grouped_as_toml_reads_them():
    import tomllib

    vary = tomllib.loads("home.within = [1]\nbackstop.within = [2]\nhome.split = [3]\n")
    order = [p.address for p in sweep(vary).parameters]
    assert order == ["home.within", "home.split", "backstop.within"]


def test_every_address_the_studio_offers_is_accepted():
    from simulations.sweep_params import strategy_addresses

    ruleset = parse(RULESET)
    values = {"whole": [7], "number": [2.5], "date": [dt.date(2026, 11, 20)]}
    offered = strategy_addresses(ruleset)
    assert ("home.keep.2", "whole") in offered and ("home.when.2", "date") in offered
    for address, kind in offered:
        (only,) = build_sweep(ruleset, {address: values[kind]}, OBJECTIVES).combinations("")
        assert parse(only.ruleset_text) != ruleset, address
