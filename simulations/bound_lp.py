"""A linear program gathered as numpy blocks and solved by HiGHS (`highspy`): the
optimisation behind the bound (docs/kpis.md, "How far from the best possible").

Columns are added in blocks (cost, upper bound; the lower bound is always 0), rows in
blocks (lower, upper), and coefficients as (row, column, value) coordinates. The first
`solve` hands the whole matrix to HiGHS column-wise, in one call; columns and rows
added after it (every new coefficient in a new column) are handed over as they are and
HiGHS starts again from the basis it had, so a program grown a little is solved again
in a few iterations (column generation, `simulations.bound_program`): the first solve
by the dual simplex, from a basis it is given or from the slacks; the next ones by the
primal simplex when only columns and rows with no lower bound joined (the last basis
stays primal feasible, and it takes fewer iterations there), else by the dual simplex.
Upper bounds of rows with no lower bound can be raised or lowered between solves
(`set_row_upper`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

INFINITY = float("inf")
"""No bound: HiGHS's own infinity (`highspy.kHighsInf`), so bounds are handed as they are."""
DUAL_SIMPLEX, PRIMAL_SIMPLEX = 1, 4
"""HiGHS's `simplex_strategy` values: the dual simplex for a first solve and after rows
with a lower bound joined (they are unmet at the last basis), the primal simplex after
columns and ≤ rows only joined (the last basis stays primal feasible)."""


class BoundSolveError(RuntimeError):
    """HiGHS did not find an optimal solution (the program is always feasible and
    bounded, so this means a solver failure: the message says its status)."""


class LinearProgram:
    """min cost·x subject to lower ≤ A·x ≤ upper and 0 ≤ x ≤ column upper."""

    def __init__(self, solver: Any = None) -> None:
        """`solver`: a HiGHS instance (`new_solver`) done with its last program, to
        take over, emptied, instead of a new one (a program at a time each)."""
        self._cost: list[np.ndarray] = []
        self._upper: list[np.ndarray] = []
        self._row_lower: list[np.ndarray] = []
        self._row_upper: list[np.ndarray] = []
        self._entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.columns = 0
        self.rows = 0
        self._solver = None
        self._spare = solver
        self._handed = (0, 0, 0, 0)  # columns, rows, column blocks, row blocks
        self._handed_entries = 0
        self._changed: list[tuple[np.ndarray, np.ndarray]] = []
        """Upper bounds set on rows HiGHS has not got yet."""

    def add_columns(self, cost: np.ndarray, upper: np.ndarray | float) -> np.ndarray:
        """New columns; returns their indices."""
        cost = np.asarray(cost, dtype=np.float64)
        self._cost.append(cost)
        self._upper.append(_filled(upper, len(cost)))
        first, self.columns = self.columns, self.columns + len(cost)
        return np.arange(first, self.columns, dtype=np.int64)

    def add_rows(self, lower: np.ndarray, upper: np.ndarray | float) -> np.ndarray:
        """New rows lower ≤ Σ ≤ upper; returns their indices."""
        lower = np.asarray(lower, dtype=np.float64)
        self._row_lower.append(lower)
        self._row_upper.append(_filled(upper, len(lower)))
        first, self.rows = self.rows, self.rows + len(lower)
        return np.arange(first, self.rows, dtype=np.int64)

    def add_entries(self, rows: np.ndarray, columns: np.ndarray, values) -> None:
        """Coefficients A[row, column] = value (a pair given twice is summed)."""
        rows = np.asarray(rows, dtype=np.int64)
        columns = np.asarray(columns, dtype=np.int64)
        self._entries.append((rows, columns, _filled(values, len(rows))))

    def set_row_upper(self, rows: np.ndarray, upper: np.ndarray) -> None:
        """New upper bounds of rows with no lower bound (−inf)."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return
        upper = np.asarray(upper, dtype=np.float64)
        handed = rows < self._handed[1]
        if handed.any():
            at = rows[handed]
            self._solver.changeRowsBounds(
                len(at), at.astype(np.int32), np.full(len(at), -INFINITY), upper[handed]
            )
        self._changed.append((rows[~handed], upper[~handed]))

    def costs(self) -> np.ndarray:
        """The cost of every column, in column order."""
        return _joined(self._cost, np.float64)

    def solve(self, swap: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """The row duals of an optimal solution (for a minimum, a column's reduced cost
        is its cost − Σ coefficient × row dual); `values` reads its column values.
        `swap`, for a first solve only: rows that start nonbasic (at their lower bound)
        and as many columns that start basic, one for each; the other rows start basic
        and the other columns at 0 (without it: every row basic)."""
        if self.columns == 0:
            return np.zeros(self.rows, dtype=np.float64)
        import highspy

        if self._solver is None:
            self._solver = new_solver() if self._spare is None else _emptied(self._spare)
            self._pass_whole(highspy)
            if swap is not None:
                self._start(*swap, highspy)
        else:
            bounded = any(np.isfinite(low).any() for low in self._row_lower[self._handed[3] :])
            strategy = DUAL_SIMPLEX if bounded else PRIMAL_SIMPLEX
            self._solver.setOptionValue("simplex_strategy", strategy)
            self._hand_over_new()
        columns, rows = self.columns, self.rows
        self._handed = (columns, rows, len(self._cost), len(self._row_lower))
        self._changed.clear()
        self._handed_entries = len(self._entries)
        solver = self._solver
        solver.run()
        status = solver.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise BoundSolveError(
                f"the bound's linear program was not solved: HiGHS says "
                f"{solver.modelStatusToString(status)}"
            )
        return _floats(solver.getSolution().row_dual)

    def values(self) -> np.ndarray:
        """The column values of the last solve (read apart from the duals: column
        generation needs them only once, after its last solve)."""
        if self.columns == 0:
            return np.zeros(0, dtype=np.float64)
        return _floats(self._solver.getSolution().col_value)

    def _start(self, rows: np.ndarray, columns: np.ndarray, highspy) -> None:
        """HiGHS's first basis: every row basic but `rows` (nonbasic at their lower
        bound), every column at 0 but `columns` (basic)."""
        status = highspy.HighsBasisStatus
        lower, basic = status.kLower, status.kBasic
        column_status, row_status = [lower] * self.columns, [basic] * self.rows
        for column in columns.tolist():
            column_status[column] = basic
        for row in rows.tolist():
            row_status[row] = lower
        start = highspy.HighsBasis()
        start.col_status, start.row_status = column_status, row_status
        start.valid, start.alien = True, False  # as many basic as rows: taken as it is
        self._solver.setBasis(start)

    def _pass_whole(self, highspy) -> None:
        """The whole program handed to HiGHS column-wise, as arrays in one call (every
        column continuous)."""
        rows, columns, values = self._coordinates(0)
        start, index, value = _column_wise(rows, columns, values, 0, self.columns)
        status = self._solver.passModel(
            self.columns, self.rows, len(index), int(highspy.MatrixFormat.kColwise),
            int(highspy.ObjSense.kMinimize), 0.0, _joined(self._cost, np.float64),
            np.zeros(self.columns), _joined(self._upper, np.float64),
            _joined(self._row_lower, np.float64), self._uppers(0, 0),
            start, index, value, np.zeros(self.columns, dtype=np.int32),
        )  # fmt: skip
        if status == highspy.HighsStatus.kError:
            raise BoundSolveError("the bound's linear program was refused by HiGHS")

    def _hand_over_new(self) -> None:
        """Rows, then columns (with every new coefficient) added since the last solve."""
        columns, rows, column_blocks, row_blocks = self._handed
        if self.rows > rows:
            lower = _joined(self._row_lower[row_blocks:], np.float64)
            upper = self._uppers(row_blocks, rows)
            empty = np.zeros(0, dtype=np.int32)
            starts = np.zeros(len(lower), dtype=np.int32)
            self._solver.addRows(len(lower), lower, upper, 0, starts, empty, np.zeros(0))
        if self.columns > columns:
            at, index, value = self._coordinates(self._handed_entries)
            if len(index) and index.min() < columns:
                raise ValueError("a coefficient added after a solve must be in a new column")
            start, rows_of, values = _column_wise(at, index, value, columns, self.columns)
            cost = _joined(self._cost[column_blocks:], np.float64)
            upper = _joined(self._upper[column_blocks:], np.float64)
            self._solver.addCols(
                len(cost), cost, np.zeros(len(cost)), upper, len(rows_of),
                start[:-1], rows_of, values,
            )  # fmt: skip

    def _uppers(self, first_block: int, first_row: int) -> np.ndarray:
        """The upper bounds of rows first_row.. (their blocks from first_block on), with
        the changes made before HiGHS got them."""
        upper = _joined(self._row_upper[first_block:], np.float64)  # a new array
        for rows, values in self._changed:
            inside = rows >= first_row
            upper[rows[inside] - first_row] = values[inside]
        return upper

    def _coordinates(self, first: int):
        entries = self._entries[first:]
        return (
            _joined([e[0] for e in entries], np.int64),
            _joined([e[1] for e in entries], np.int64),
            _joined([e[2] for e in entries], np.float64),
        )


def new_solver() -> Any:
    """A HiGHS instance set for the bound's programs."""
    import highspy

    solver = highspy._Highs()  # the bare solver: no callbacks, prints nothing
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("threads", 1)
    solver.setOptionValue("presolve", "off")  # small programs: it costs more than it saves
    return solver


def _emptied(solver: Any) -> Any:
    """`solver` without its last program, basis and solution, set for a first solve."""
    solver.clearModel()
    solver.setOptionValue("simplex_strategy", DUAL_SIMPLEX)
    return solver


def _column_wise(rows, columns, values, first: int, end: int):
    """Coordinates of columns first..end−1 as column starts, row indices and values."""
    order = np.argsort(columns * (int(rows.max(initial=0)) + 1) + rows)
    start = np.zeros(end - first + 1, dtype=np.int32)
    np.cumsum(np.bincount(columns - first, minlength=end - first), out=start[1:])
    return start, rows[order].astype(np.int32), values[order]


def _filled(values, count: int) -> np.ndarray:
    """`values` as floats, a number repeated `count` times."""
    values = np.asarray(values, dtype=np.float64)
    return values if values.ndim else np.full(count, values)


def _floats(values: list[float]) -> np.ndarray:
    """A list of HiGHS's (highspy gives lists) as an array."""
    return np.fromiter(values, np.float64, len(values))


def _joined(parts: list[np.ndarray], dtype) -> np.ndarray:
    """The `parts` end to end, in a new array."""
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)
