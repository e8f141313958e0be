"""Scenarios: the TOML file, each override on its own, and the peak-season effect on
the demo data (flagship stores keep their stock inside the peak window, not outside)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import engine
import simulations
from dsl import parse
from simulations.demo_data import generate
from simulations.inputs import Inputs
from simulations.overrides import (
    EffectiveDates,
    Overrides,
    ScenarioError,
    apply_to_inputs,
    apply_to_ruleset,
    scale_demand,
)
from simulations.scenarios import Scenario, load_scenario, load_scenario_file

ROOT = Path(__file__).resolve().parent.parent
FRANCE = ROOT / "rulesets" / "france.route"
PEAK = dt.date(2026, 11, 15), dt.date(2026, 12, 31)


def france():
    return parse(FRANCE.read_text(encoding="utf-8"), str(FRANCE))


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------- the file


def test_the_shipped_scenarios_load_with_their_ruleset():
    peak = load_scenario(ROOT / "scenarios" / "peak_from_nov_10.toml")
    assert peak.name == "Peak protection from 10 November"
    assert peak.ruleset == france()
    assert peak.overrides.describe() == [
        "strategy peak_store_protection effective 2026-11-10 to 2026-12-31"
    ]
    closed = load_scenario(ROOT / "scenarios" / "close_paris_flagship.toml")
    assert closed.overrides.close_nodes == ("ST-PARIS-01",)
    assert closed.overrides.capacity == {"store": 0.8}


def test_every_setting_of_the_format(tmp_path):
    path = write(
        tmp_path,
        """
        name = "Everything"
        description = "all overrides at once"
        ruleset = { name = "France omnichannel", version = 3 }

        [strategies]
        off = ["vip_express"]
        effective.peak_store_protection = { from = "2026-11-10T06:00", to = 2026-12-24 }
        effective.click_and_collect = {}

        [nodes]
        close = ["ST-PARIS-01"]
        capacity = 0.5
        stock = { "*" = 1.2, store = 0.5, "DC-LYON" = 2 }

        [demand]
        scale = 1.3
        seed = 11
        """,
    )
    read = load_scenario_file(path)
    calls = []

    def stored(name, version):
        calls.append((name, version))
        return FRANCE.read_text(encoding="utf-8")

    scenario = read.scenario(stored=stored)
    assert calls == [("France omnichannel", 3)]
    assert scenario.name == "Everything"
    assert scenario.overrides.describe() == [
        "strategy vip_express switched off",
        "strategy peak_store_protection effective 2026-11-10T06:00 to 2026-12-24",
        "strategy click_and_collect effective always",
        "node ST-PARIS-01 closed",
        "capacity × 0.5 at every node",
        "stock × 1.2 at every node",
        "stock × 0.5 at store",
        "stock × 2 at DC-LYON",
        "demand × 1.3 (seed 11)",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nme = 'x'", "nme: unknown setting"),
        (
            "[nodes]\ncapacity = -1",
            "nodes.capacity: '*': the multiplier must be a number from 0 to 1,000",
        ),
        ("[nodes]\nstock = { store = 'lots' }", "the multiplier must be a number"),
        ("[demand]\nscale = 0", "demand.scale: Input should be greater than 0"),
        ("[strategies]\neffective.x = { from = 2026-11-10T06:00:00+01:00 }", "without offset"),
        ("name = ", "not valid TOML"),
    ],
)
def test_mistakes_in_the_file_are_named(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario_file(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_a_scenario_without_a_ruleset_needs_one(tmp_path):
    read = load_scenario_file(write(tmp_path, "[nodes]\ncapacity = 2"))
    with pytest.raises(ScenarioError, match="names no ruleset"):
        read.scenario()
    assert read.scenario(france()).ruleset == france()
    stored = load_scenario_file(write(tmp_path, "ruleset = { name = 'x' }", "t.toml"))
    with pytest.raises(ScenarioError, match="no ruleset store"):
        stored.scenario()


def test_a_ruleset_path_is_read_next_to_the_file(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "r.route").write_text(FRANCE.read_text(encoding="utf-8"))
    scenario = load_scenario(write(tmp_path, 'ruleset = "rules/r.route"'))
    assert scenario.ruleset == france()
    assert scenario.name == "s"  # the file's name when it gives none
    with pytest.raises(ScenarioError, match="cannot read the ruleset: no such file"):
        load_scenario(write(tmp_path, 'ruleset = "missing.route"', "m.toml"))


# --------------------------------------------------------- ruleset overrides


def test_switching_a_strategy_off_relinks_the_fallbacks():
    changed = apply_to_ruleset(france(), Overrides(strategies_off=("dc_backstop",)))
    ids = [strategy.id for strategy in changed.strategies]
    assert "dc_backstop" not in ids
    assert changed.strategy("standard_home").otherwise is None
    assert changed.strategy("vip_express").otherwise == "standard_home"
    engine.policy_of(changed)  # still a valid ruleset
    chained = apply_to_ruleset(france(), Overrides(strategies_off=("standard_home",)))
    assert chained.strategy("vip_express").otherwise == "dc_backstop"


def test_moving_effective_dates():
    moved = apply_to_ruleset(
        france(),
        Overrides(effective={"peak_store_protection": EffectiveDates(start=dt.date(2026, 11, 10))}),
    )
    [window] = moved.strategy("peak_store_protection").effective
    assert (window.start.text(), window.end) == ("2026-11-10", None)
    policy = engine.policy_of(moved)
    peak = policy.strategy("peak_store_protection")
    paris = dt.timezone(dt.timedelta(hours=1))
    assert peak.in_force(dt.datetime(2026, 11, 10, 0, 0, tzinfo=paris))
    assert not peak.in_force(dt.datetime(2026, 11, 9, 23, 59, tzinfo=paris))
    assert peak.in_force(dt.datetime(2027, 6, 1, tzinfo=paris))
    assert france().strategy("peak_store_protection").effective[0].start.text() == "2026-11-15"


def test_unknown_strategies_get_a_suggestion():
    with pytest.raises(ScenarioError, match="did you mean 'peak_store_protection'"):
        apply_to_ruleset(france(), Overrides(strategies_off=("peak_store_protect",)))


# ---------------------------------------------------------- table overrides


def tables() -> Inputs:
    nodes = pd.DataFrame(
        {
            "id": ["DC-A", "ST-B", "ST-C"],
            "type": ["dc", "store", "store"],
            "lat": [45.0, 46.0, 47.0],
            "lon": [2.0, 2.0, 2.0],
            "capacity": pd.array([None, 5, 3], dtype="Int64"),
        }
    )
    inventory = pd.DataFrame(
        {"node_id": ["DC-A", "ST-B", "ST-C", "ST-C"], "sku": ["X", "X", "X", "Y"]}
    ).assign(on_hand=[10, 3, 5, 1])
    arrivals = pd.DataFrame(
        {"node_id": ["DC-A", "ST-C"], "sku": ["X", "X"], "at": ["2026-01-02"] * 2, "qty": [4, 1]}
    )
    lines = pd.DataFrame(
        {
            "order_id": ["o1", "o1", "o2", "o3", "o4"],
            "created_at": ["2026-01-01T10:00:00+00:00"] * 5,
            "sku": ["X", "Y", "X", "X", "Y"],
            "qty": [1, 1, 2, 1, 1],
        }
    )
    events = pd.DataFrame({"node_id": ["ST-C", "DC-A"], "kind": ["node_offline"] * 2})
    return Inputs(nodes, inventory, lines, arrivals, events)


def test_closing_a_node_removes_it_with_its_stock_and_events():
    changed = apply_to_inputs(tables(), Overrides(close_nodes=("ST-C",)))
    assert changed.nodes["id"].tolist() == ["DC-A", "ST-B"]
    assert set(changed.inventory["node_id"]) == {"DC-A", "ST-B"}
    assert changed.replenishments["node_id"].tolist() == ["DC-A"]
    assert changed.events["node_id"].tolist() == ["DC-A"]
    with pytest.raises(ScenarioError, match="unknown node 'ST-X'"):
        apply_to_inputs(tables(), Overrides(close_nodes=("ST-X",)))


def test_capacity_and_stock_multipliers_by_id_type_and_every_node():
    overrides = Overrides(capacity={"*": 2, "store": 0.5, "ST-C": 1.5}, stock={"store": 0.5})
    changed = apply_to_inputs(tables(), overrides)
    # unlimited stays unlimited; 5 × 0.5 = 2.5 → 3 (halves round up); 3 × 1.5 = 4.5 → 5
    assert changed.nodes["capacity"].tolist() == [pd.NA, 3, 5]
    # DC stock untouched; store stock halved: 3 → 2 (1.5 up), 5 → 3 (2.5 up), 1 → 1 (0.5 up)
    assert changed.inventory["on_hand"].tolist() == [10, 2, 3, 1]
    assert changed.replenishments["qty"].tolist() == [4, 1]  # 1 × 0.5 = 0.5 → 1
    zero = apply_to_inputs(tables(), Overrides(stock={"ST-C": 0}))
    assert zero.replenishments["node_id"].tolist() == ["DC-A"]  # nothing arrives at ST-C
    with pytest.raises(ScenarioError, match="unknown node id or node type 'shop'"):
        apply_to_inputs(tables(), Overrides(stock={"shop": 2}))


def test_a_multiplier_that_would_overflow_the_stock_is_refused():
    """A stock factor of 10^10 on 10^12 units wrapped int64 and oversold; multipliers are
    bounded, and so is what they make (engine.limits)."""
    with pytest.raises(ValueError, match="from 0 to 1,000"):
        Overrides(stock={"*": 10**10})
    with pytest.raises(ValueError, match="less than or equal to 10"):
        Overrides(demand_scale=1e6)
    rich = tables()
    rich = rich.with_tables(inventory=rich.inventory.assign(on_hand=10**12))
    with pytest.raises(ScenarioError, match="above the 1,000,000,000,000 the engine accepts"):
        apply_to_inputs(rich, Overrides(stock={"*": 2}))
    with pytest.raises(ScenarioError, match="capacity multiplier"):
        apply_to_inputs(
            tables(), Overrides(capacity={"*": 1000}).model_copy(update={"capacity": {"*": 10**9}})
        )


def test_demand_is_resampled_by_whole_orders_and_the_same_for_the_same_seed():
    lines = tables().orders
    up = scale_demand(lines, 1.5, seed=3)
    ids = up["order_id"].drop_duplicates().tolist()
    assert len(ids) == 6  # round(1.5 × 4)
    assert {i.split("~")[0] for i in ids} == {"o1", "o2", "o3", "o4"}
    copies = [i for i in ids if "~" in i]
    assert len(copies) == 2 and all(i.endswith("~2") for i in copies)
    if "o1~2" in ids:  # a copied order keeps all its lines
        assert up[up["order_id"] == "o1~2"]["sku"].tolist() == ["X", "Y"]
    pd.testing.assert_frame_equal(up, scale_demand(lines, 1.5, seed=3))
    assert scale_demand(lines, 2, seed=0)["order_id"].tolist() == [
        "o1", "o1", "o1~2", "o1~2", "o2", "o2~2", "o3", "o3~2", "o4", "o4~2"
    ]  # fmt: skip
    down = scale_demand(lines, 0.5, seed=1)
    assert down["order_id"].nunique() == 2
    assert set(down["order_id"]) <= {"o1", "o2", "o3", "o4"}
    others = {tuple(scale_demand(lines, 0.5, seed=s)["order_id"].unique()) for s in range(8)}
    assert len(others) > 1  # the seed matters


# ------------------------------------------------------------ the peak season


@pytest.fixture(scope="module")
def autumn(tmp_path_factory):
    """Three thousand demo orders from October to January."""
    folder = tmp_path_factory.mktemp("autumn")
    paths = generate(folder, orders=3_000, nodes=40, skus=300, seed=3, start="2026-10-01", days=123)
    inputs = simulations.load_inputs(
        paths["nodes"],
        paths["inventory"],
        paths["orders"],
        paths["replenishments"],
        timezone="Europe/Paris",
    )
    flagships = inputs.nodes.loc[
        inputs.nodes["tags"].map(lambda tags: "flagship" in tags), "id"
    ].tolist()
    assert len(flagships) == 6
    return inputs, flagships


def flagship_days(simulation, flagships) -> pd.Series:
    """Local days on which a flagship store shipped a web or marketplace home order."""
    orders = simulation.tables.orders.set_index("order_id")
    shipped = simulation.tables.shipments
    shipped = shipped[shipped["node_id"].isin(flagships)]
    home = orders.loc[shipped["order_id"], "delivery"].to_numpy() == "home"
    online = shipped["channel"].isin(["web", "marketplace"]).to_numpy()
    return pd.Series(shipped.loc[home & online, "day"].to_numpy())


def in_peak(days: pd.Series, start=PEAK[0], end=PEAK[1]) -> pd.Series:
    return (days >= start) & (days <= end)


def test_flagships_keep_their_stock_in_the_peak_window_only(autumn):
    inputs, flagships = autumn
    base = Scenario(name="france", ruleset=france()).simulate(inputs)
    days = flagship_days(base, flagships)
    assert not in_peak(days).any()  # none inside 15 Nov – 31 Dec
    assert (~in_peak(days)).sum() > 50  # and plenty outside it
    assert (days < PEAK[0]).any() and (days > PEAK[1]).any()  # before and after
    # none either in the stock walk, but for parcels released from backorder: the walk
    # takes them at their order's place in routing order, before the arrival that
    # released them (docs/kpis.md)
    orders = base.tables.orders.set_index("order_id")
    released = orders["reroute_reason"].fillna("").str.startswith("backorder released")
    breaching = set(base.kpis.breaches["order_id"])
    assert breaching <= set(orders.index[released])

    off = Scenario(
        name="no peak",
        ruleset=france(),
        overrides=Overrides(strategies_off=("peak_store_protection",)),
    ).simulate(inputs)
    assert in_peak(flagship_days(off, flagships)).sum() > 50

    early = load_scenario(ROOT / "scenarios" / "peak_from_nov_10.toml").simulate(inputs)
    early_days = flagship_days(early, flagships)
    nov_10 = dt.date(2026, 11, 10)
    assert in_peak(days, nov_10, PEAK[0] - dt.timedelta(days=1)).sum() > 0  # base ships then
    assert not in_peak(early_days, nov_10).any()  # the scenario does not


def test_the_closed_flagship_ships_nothing_and_demand_grows(autumn):
    inputs, _ = autumn
    scenario = load_scenario(ROOT / "scenarios" / "close_paris_flagship.toml")
    scenario = scenario.model_copy(
        update={"overrides": scenario.overrides.model_copy(update={"demand_scale": 1.3})}
    )
    run = scenario.simulate(inputs)
    assert "ST-PARIS-01" not in set(run.tables.shipments["node_id"])
    assert len(run.decisions) == round(1.3 * inputs.orders["order_id"].nunique())
    capacity = run.inputs.nodes.set_index("id")["capacity"]
    original = inputs.nodes.set_index("id")["capacity"]
    stores = inputs.nodes.loc[inputs.nodes["type"] == "store", "id"].drop(
        inputs.nodes.index[inputs.nodes["id"] == "ST-PARIS-01"]
    )
    expected = np.floor(original[stores].astype(float) * 0.8 + 0.5).astype("int64")
    assert capacity[stores].astype("int64").tolist() == expected.tolist()


def test_a_scenario_may_read_the_datas_extra_columns():
    """`node.zone` is no standard field; the data has it, so the scenario compiles."""
    inputs = tables()
    inputs = inputs.with_tables(nodes=inputs.nodes.assign(zone=["north", "south", "north"]))
    ruleset = parse(
        'ruleset "zones"\nstrategy north "North only"\n  source from node.zone == "north"\n'
    )
    policy, _ = Scenario(name="zones", ruleset=ruleset).prepare(inputs)
    assert [strategy.id for strategy in policy.strategies] == ["north"]
    with pytest.raises(engine.CompileError, match="node.zone"):
        Scenario(name="zones", ruleset=ruleset).prepare(tables())


def test_a_scenario_file_that_never_ends_is_refused_after_a_bounded_read():
    with pytest.raises(ScenarioError, match="/dev/zero is larger than the limit of 1,048,576"):
        load_scenario_file("/dev/zero")
