"""The optimisation bound (simulations.bound): on small hand-made networks its value is
the optimum found by trying every integer allocation; a ruleset that has no choice
(one node, enough of everything) has no gap; the figures, the example orders and
`sourcing simulate --bound` say what docs/kpis.md says."""

from __future__ import annotations

import json

import pytest

import simulations
from cli.main import main
from simulations.bound import compute_bound, with_bound
from tests.bound_world import World

# Two warehouses 156 km apart on the 45th parallel; costs are 1 per shipment + 0.1 per km.
DC1 = ("DC1", "dc", 45.0, 0.0, None, 0.0, 1.0, 0.1)
DC2 = ("DC2", "dc", 45.0, 2.0, None, 0.0, 1.0, 0.1)
NEAR_BOTH = ("O1", "2026-03-02T09:00:00Z", 45.0, 0.9, {"A": 1})  # DC1 71 km, DC2 86 km
WEST = ("O2", "2026-03-02T10:00:00Z", 45.0, -1.0, {"A": 1})  # DC1 79 km, DC2 236 km

CASES = {
    # O1 takes DC1's only unit, O2 must come from far away; the best swaps them
    "stock": World([DC1, DC2], {("DC1", "A"): 1, ("DC2", "A"): 5}, [NEAR_BOTH, WEST]),
    # the same with DC1 allowed one parcel a day
    "capacity": World(
        [DC1[:4] + (1,) + DC1[5:], DC2], {("DC1", "A"): 5, ("DC2", "A"): 5}, [NEAR_BOTH, WEST]
    ),
    # a store keeps 1 of its 2 units
    "keep": World(
        [("ST1",) + ("store",) + DC1[2:], DC2],
        {("ST1", "A"): 2, ("DC2", "A"): 5},
        [NEAR_BOTH, WEST],
        keep=1,
    ),
    # two lines from two nodes (split at most 2), against the penalty when split none
    "two lines": World(
        [DC1, DC2],
        {("DC1", "A"): 1, ("DC2", "B"): 2},
        [("O1", "2026-03-02T09:00:00Z", 45.0, 1.0, {"A": 1, "B": 2})],
    ),
    # two units from two nodes, and a second order left short
    "short": World(
        [DC1, DC2],
        {("DC1", "A"): 1, ("DC2", "A"): 1},
        [("O1", "2026-03-02T09:00:00Z", 45.0, 1.0, {"A": 2}), WEST],
    ),
    # within 100 km: O2 cannot reach DC2
    "within": World(
        [DC1, DC2], {("DC1", "A"): 1, ("DC2", "A"): 5}, [NEAR_BOTH, WEST], within=100.0
    ),
}


def _run(world: World):
    tables = world.tables()
    return simulations.run(
        world.ruleset(),
        tables["nodes"],
        tables["inventory"],
        tables["orders"],
        replenishments=tables.get("replenishments"),
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_bound_is_the_brute_force_optimum(name: str) -> None:
    world = CASES[name]
    bound = compute_bound(_run(world), penalty=world.penalty)
    assert bound.overall["bound_value"] == pytest.approx(world.brute_force(), abs=1e-6)
    assert bound.overall["bound_value"] <= bound.overall["ruleset_value"] + 1e-9


def test_the_gap_and_its_example() -> None:
    world = CASES["stock"]
    bound = compute_bound(_run(world), penalty=world.penalty)
    overall = bound.overall
    assert overall["ruleset_value"] > overall["bound_value"]
    gap = 100 * (overall["ruleset_value"] - overall["bound_value"]) / overall["ruleset_value"]
    assert overall["cost_gap_pct"] == pytest.approx(gap)
    assert overall["fill_gap_pts"] == 0
    assert overall["gap_strategy"] == "only"
    assert bound.by_strategy["gap_share"].tolist() == [pytest.approx(1.0)]
    assert len(bound.by_day) == 1
    day = bound.by_day.iloc[0]
    assert day["cost_gap_pct"] == pytest.approx(gap)
    example = bound.examples.iloc[0]
    assert example["order_id"] == "O2"
    assert (example["ruleset_node"], example["bound_node"]) == ("DC2", "DC1")
    assert example["text"] == (
        "order O2: ruleset shipped from DC2, 236 km, bound ships from DC1, 79 km: "
        "DC1's stock of A was reserved by O1 earlier that day"
    )


REASONS = {
    # DC1 ships one parcel a day: O1's (SKU B) leaves no room for O2's A
    "capacity": (
        World(
            [DC1[:4] + (1,) + DC1[5:], DC2],
            {("DC1", "A"): 1, ("DC1", "B"): 1, ("DC2", "A"): 5, ("DC2", "B"): 5},
            [NEAR_BOTH[:4] + ({"B": 1},), WEST],
        ),
        "DC1 had already shipped its 1 parcels of the day (its capacity)",
    ),
    # DC1's only A arrives at 11:00, after O2 was routed at 10:00
    "arrival": (
        World(
            [DC1, DC2],
            {("DC2", "A"): 5},
            [NEAR_BOTH, WEST],
            arrivals=[("DC1", "A", "2026-03-02T11:00:00Z", 1)],
        ),
        "DC1 received A later that day, after the order was routed",
    ),
}


@pytest.mark.parametrize("name", sorted(REASONS))
def test_the_example_says_what_stood_in_the_rulesets_way(name: str) -> None:
    world, reason = REASONS[name]
    examples = compute_bound(_run(world), penalty=world.penalty).examples
    assert examples["order_id"].tolist() == ["O2"]
    assert examples["text"].iloc[0] == (
        f"order O2: ruleset shipped from DC2, 236 km, bound ships from DC1, 79 km: {reason}"
    )


def test_a_ruleset_without_choice_has_no_gap() -> None:
    only = ("DC1", "dc", 45.0, 0.0, None, 0.3, 4.0, 0.01)
    orders = [
        (f"O{i}", f"2026-03-0{1 + i % 3}T1{i % 10}:00:00Z", 44.0 + i / 10, 1.0, {"A": 1 + i % 2})
        for i in range(9)
    ]
    world = World([only], {("DC1", "A"): 100}, orders, split=1)
    simulation = with_bound(_run(world))
    bound = simulation.bound
    assert bound is not None
    assert bound.overall["cost_gap_pct"] == pytest.approx(0.0, abs=1e-9)
    assert bound.overall["fill_gap_pts"] == 0
    assert (bound.by_day["cost_gap_pct"].abs() < 1e-9).all()
    assert bound.examples.empty
    assert simulation.kpis.overall["cost_gap_pct"] == pytest.approx(0.0, abs=1e-9)
    seen = simulation.between(None, None).bound
    assert seen is not None and seen.overall["bound_value"] == bound.overall["bound_value"]


def test_the_bound_of_a_period_reads_its_days() -> None:
    world = CASES["stock"]
    later = [(o[0] + "b", o[1].replace("03-02", "03-03"), *o[2:]) for o in world.orders]
    simulation = with_bound(_run(World(world.nodes, world.stock, world.orders + later)))
    import datetime as dt

    first = simulation.between(dt.date(2026, 3, 2), dt.date(2026, 3, 2))
    assert first.bound is not None
    assert list(first.bound.by_day["day"]) == [dt.date(2026, 3, 2)]
    assert first.kpis.overall["bound_value"] == pytest.approx(
        simulation.bound.by_day["bound_value"].iloc[0]
    )


def test_simulate_bound_on_the_command_line(tmp_path, capsys) -> None:
    world = CASES["stock"]
    tables = world.tables()
    paths = {}
    for name, frame in tables.items():
        paths[name] = tmp_path / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    route = tmp_path / "only.route"
    route.write_text(world.ruleset())
    out = tmp_path / "run"
    code = main(
        ["simulate", str(route), "--nodes", str(paths["nodes"]), "--inventory",
         str(paths["inventory"]), "--orders", str(paths["orders"]), "--out", str(out),
         "--quiet", "--bound"]
    )  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0
    document = json.loads((out / "bound.json").read_text())
    assert document["overall"]["bound_value"] == pytest.approx(world.brute_force())
    assert document["by_day"][0]["day"] == "2026-03-02"
    assert json.loads((out / "kpis.json").read_text())["overall"]["gap_strategy"] == "only"
    assert "cost_gap_pct" in printed and "order O2: ruleset shipped from DC2" in printed
    assert "bound solved in" in printed


def test_a_negative_penalty_is_refused(tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["simulate", "x.route", "--nodes", "n", "--inventory", "i", "--orders", "o",
              "--out", str(tmp_path), "--bound-penalty", "-1"])  # fmt: skip
    assert stop.value.code == 2
    assert "must be a finite number, 0 or more" in capsys.readouterr().err
