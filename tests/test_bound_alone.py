"""The orders the bound keeps out of HiGHS (simulations.bound_alone): the one-node
allocation is taken only where a dual solution proves it optimal, and the bound with
that shortcut is the bound of the whole program on random cases (docs/kpis.md, "How it
is solved fast")."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulations import bound_program
from simulations.bound import compute_bound
from simulations.bound_alone import Alone, alone, priced_out, smallest
from tests.test_bound_property import replayed, worlds


def _one_line(partial_cap: float, partial_ship: float) -> Alone:
    """One order of 4 units of one SKU: node 0 has them all (ship 4, pick 1), node 1
    has `partial_cap` of them (pick 1)."""
    return alone(
        order=np.array([0]), qty=np.array([4]),
        arc_line=np.array([0, 0]), arc_cap=np.array([4, partial_cap]),
        arc_pick=np.array([1.0, 1.0]), arc_option=np.array([0, 1]),
        option_order=np.array([0, 0]), option_cost=np.array([4.0, partial_ship]),
        option_pick=np.array([1.0, 1.0]), limit=np.array([2]), penalty=50.0,
    )  # fmt: skip


def test_the_whole_node_is_kept_when_no_unit_is_cheaper_elsewhere() -> None:
    # node 0 costs 1 + 4/4 = 2 a unit; node 1 costs 1 + 3/2 = 2.5 a unit
    kept = _one_line(partial_cap=2, partial_ship=3.0)
    assert kept.option.tolist() == [0]
    assert kept.value.tolist() == [8.0]


def test_a_cheaper_unit_elsewhere_sends_the_order_to_the_program() -> None:
    # node 1 costs 1 + 1/2 = 1.5 a unit: the optimum on its own mixes both nodes
    assert _one_line(partial_cap=2, partial_ship=1.0).option.tolist() == [-1]


def test_an_order_dearer_than_its_penalty_goes_to_the_program() -> None:
    found = alone(
        order=np.array([0]), qty=np.array([1]), arc_line=np.array([0]),
        arc_cap=np.array([1]), arc_pick=np.array([1.0]), arc_option=np.array([0]),
        option_order=np.array([0]), option_cost=np.array([80.0]),
        option_pick=np.array([1.0]), limit=np.array([1]), penalty=50.0,
    )  # fmt: skip
    assert found.option.tolist() == [-1]


def _nobody_alone(*args, **kwargs) -> Alone:
    orders = len(kwargs.get("limit", args[9]))
    return Alone(option=np.full(orders, -1, dtype=np.int64), value=np.zeros(orders))


@settings(max_examples=40)
@given(worlds(), st.sampled_from([0.0, 5.0, 50.0]))
def test_the_shortcut_keeps_the_bound_of_the_whole_program(world, penalty) -> None:
    simulation = replayed(world)
    fast = compute_bound(simulation, penalty=penalty).by_day
    with mock.patch.object(bound_program, "alone", _nobody_alone):
        whole = compute_bound(simulation, penalty=penalty).by_day
    # Only the optimum's value is unique: where costs tie (a penalty of 0 against free
    # nodes, a unit costing exactly the penalty) two optima may leave different units
    # unfilled, so the units are not compared.
    assert fast["bound_value"].to_numpy() == pytest.approx(
        whole["bound_value"].to_numpy(), rel=1e-7, abs=1e-7
    )


def test_an_order_no_node_may_ship_is_set_aside_all_unfilled() -> None:
    # order 0: 2 units, node 0 holds them; order 1: 3 units of a SKU no node holds
    seen: list[list[bool]] = []
    solve = bound_program._Model.solve

    def recording(model, active):
        seen.append(active.tolist())
        return solve(model, active)

    with mock.patch.object(bound_program._Model, "solve", recording):
        solved = bound_program.solve_days(
            bound_program.Lines(order=np.array([0, 1]), sku=np.array([0, 1]), qty=np.array([2, 3])),
            bound_program.Arcs(
                line=np.array([0]), node=np.array([0]), cap=np.array([2]), keep=np.array([0]),
                stock=np.array([5]), pair=np.array([0]), used=np.array([0]),
            ),
            2, np.array([0, 0]), np.array([1, 1]),
            bound_program.Costs(np.array([[4.0], [4.0]]), np.array([1.0]), np.array([np.inf])),
            50.0, np.zeros((0, 2), dtype=np.int64),
        )  # fmt: skip
    assert all(not active[1] for active in seen)  # HiGHS never gets order 1
    assert solved.value.tolist() == [6.0, 150.0]
    assert solved.unfilled.tolist() == [0.0, 3.0]
    assert solved.node.tolist() == [0, -1]


def test_the_smallest_values_of_each_owner_ties_to_the_first() -> None:
    values = np.array([3.0, 1.0, 1.0, 5.0, 2.0, np.inf])
    owner = np.array([0, 0, 0, 1, 1, 2])
    assert smallest(values, owner, 1).tolist() == [1, 4, 5]
    assert smallest(values, owner, 2).tolist() == [1, 2, 3, 4, 5]
    assert smallest(values, owner, 3).tolist() == [0, 1, 2, 3, 4, 5]
    assert smallest(values[:0], owner[:0], 2).tolist() == []


def _priced(stock_price: float, penalty: float = 50.0) -> list[bool]:
    """`_one_line(2, 3.0)` kept on node 0, with node 0's stock row priced."""
    return priced_out(
        order=np.array([0]), qty=np.array([4]),
        arc_line=np.array([0, 0]), arc_cap=np.array([4, 2]),
        arc_cost=np.array([1.0 + stock_price, 1.0]), arc_option=np.array([0, 1]),
        option_order=np.array([0, 0]), option_cost=np.array([4.0, 3.0]),
        chosen=np.array([0]), penalty=penalty,
    ).tolist()  # fmt: skip


def test_a_kept_order_stays_while_its_rows_are_cheap() -> None:
    # π = 1 + 4/4 = 2 a unit: node 1 saves 2 × (2 − 1) = 2 ≤ its ship cost 3
    assert _priced(stock_price=0.0) == [False]
    assert _priced(stock_price=0.5) == [False]  # π = 2.5: saves 3 ≤ 3


def test_a_priced_row_or_the_penalty_draws_a_kept_order_in() -> None:
    assert _priced(stock_price=1.0) == [True]  # π = 3: node 1 saves 4 > 3
    assert _priced(stock_price=0.0, penalty=1.5) == [True]  # π = 2 > the penalty
