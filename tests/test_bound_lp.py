"""The bound's HiGHS wrapper (simulations.bound_lp): a program grown between solves and
row bounds changed between solves give the optimum of the program as it then is."""

from __future__ import annotations

import numpy as np
import pytest

from simulations.bound_lp import INFINITY, LinearProgram, new_solver


def _program() -> tuple[LinearProgram, np.ndarray]:
    """max x (as min −x) with 0 ≤ x ≤ 10 and one row x ≤ 1."""
    lp = LinearProgram()
    x = lp.add_columns(np.array([-1.0]), 10.0)
    row = lp.add_rows(np.array([-INFINITY]), 1.0)
    lp.add_entries(row, x, 1.0)
    return lp, row


def test_a_row_bound_set_before_the_first_solve_is_used() -> None:
    lp, row = _program()
    lp.set_row_upper(row, np.array([3.0]))
    lp.solve()
    assert lp.values() == pytest.approx([3.0])


def test_a_row_bound_set_between_solves_is_used() -> None:
    lp, row = _program()
    for upper, value in [(None, 1.0), (4.0, 4.0), (2.5, 2.5)]:
        if upper is not None:
            lp.set_row_upper(row, np.array([upper]))
        lp.solve()
        assert lp.values() == pytest.approx([value])


def test_columns_and_an_equality_row_joining_after_a_solve() -> None:
    lp, row = _program()
    lp.solve()
    y = lp.add_columns(np.array([2.0]), 5.0)  # y = 2 is asked for, at a cost of 2 each
    demand = lp.add_rows(np.array([2.0]), 2.0)
    lp.add_entries(demand, y, 1.0)
    duals = lp.solve()
    assert lp.values() == pytest.approx([1.0, 2.0])
    assert duals[demand] == pytest.approx([2.0])


def test_a_solver_taken_over_keeps_nothing_of_its_last_program() -> None:
    solver = new_solver()
    first = LinearProgram(solver)
    x = first.add_columns(np.array([-1.0]), 10.0)
    first.add_entries(first.add_rows(np.array([-INFINITY]), 1.0), x, 1.0)
    first.solve()
    assert first.values() == pytest.approx([1.0])
    second = LinearProgram(solver)
    z = second.add_columns(np.array([1.0, 3.0]), 4.0)  # min z0 + 3 z1 with z0 + z1 ≥ 2
    row = second.add_rows(np.array([2.0]), INFINITY)
    second.add_entries(np.r_[row, row], z, 1.0)
    second.solve()
    assert second.values() == pytest.approx([2.0, 0.0])


@pytest.mark.parametrize("basic", [0, 1, 2])
def test_a_first_solve_from_a_given_basis_finds_the_same_optimum(basic: int) -> None:
    """min z0 + 3 z1 + 50 u with z0 + z1 + u = 2 and z0 ≤ 1: whichever column starts
    basic in the demand row, the optimum is z0 = 1, z1 = 1, its dual 3."""
    lp = LinearProgram(new_solver())
    z = lp.add_columns(np.array([1.0, 3.0, 50.0]), np.array([1.0, 4.0, 2.0]))
    demand = lp.add_rows(np.array([2.0]), 2.0)
    lp.add_entries(np.r_[demand, demand, demand], z, 1.0)
    duals = lp.solve((demand, z[[basic]]))
    assert lp.values() == pytest.approx([1.0, 1.0, 0.0])
    assert duals[demand] == pytest.approx([3.0])


def test_no_bound_is_highs_own_infinity() -> None:
    """Bounds are handed to HiGHS as they are: its infinity must be ±inf."""
    import highspy

    assert highspy.kHighsInf == INFINITY
