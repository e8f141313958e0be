"""A linear program gathered as numpy blocks and solved by HiGHS (`highspy`): the
optimisation behind the bound (docs/kpis.md, "How far from the best possible").

Columns are added in blocks (cost, upper bound; the lower bound is always 0), rows in
blocks (lower, upper), and coefficients as (row, column, value) coordinates; `solve`
hands the whole matrix to HiGHS column-wise, in one call, and returns the column
values of an optimal solution.
"""

from __future__ import annotations

import numpy as np

INFINITY = float("inf")


class BoundSolveError(RuntimeError):
    """HiGHS did not find an optimal solution (the program is always feasible and
    bounded, so this means a solver failure: the message says its status)."""


class LinearProgram:
    """min cost·x subject to lower ≤ A·x ≤ upper and 0 ≤ x ≤ column upper."""

    def __init__(self) -> None:
        self._cost: list[np.ndarray] = []
        self._upper: list[np.ndarray] = []
        self._row_lower: list[np.ndarray] = []
        self._row_upper: list[np.ndarray] = []
        self._entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.columns = 0
        self.rows = 0

    def add_columns(self, cost: np.ndarray, upper: np.ndarray) -> np.ndarray:
        """New columns; returns their indices."""
        cost = np.asarray(cost, dtype=np.float64)
        self._cost.append(cost)
        self._upper.append(np.broadcast_to(np.asarray(upper, dtype=np.float64), cost.shape))
        first, self.columns = self.columns, self.columns + len(cost)
        return np.arange(first, self.columns, dtype=np.int64)

    def add_rows(self, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
        """New rows lower ≤ Σ ≤ upper; returns their indices."""
        lower = np.asarray(lower, dtype=np.float64)
        self._row_lower.append(lower)
        self._row_upper.append(np.broadcast_to(np.asarray(upper, dtype=np.float64), lower.shape))
        first, self.rows = self.rows, self.rows + len(lower)
        return np.arange(first, self.rows, dtype=np.int64)

    def add_entries(self, rows: np.ndarray, columns: np.ndarray, values: np.ndarray) -> None:
        """Coefficients A[row, column] = value (a pair given twice is summed)."""
        rows = np.asarray(rows, dtype=np.int64)
        columns = np.asarray(columns, dtype=np.int64)
        values = np.broadcast_to(np.asarray(values, dtype=np.float64), rows.shape)
        self._entries.append((rows, columns, values))

    def costs(self) -> np.ndarray:
        """The cost of every column, in column order."""
        return _joined(self._cost, np.float64)

    def solve(self) -> tuple[np.ndarray, np.ndarray]:
        """The column values and the row duals of an optimal solution (for a minimum,
        a column's reduced cost is its cost − Σ coefficient × row dual)."""
        if self.columns == 0:
            return np.zeros(0, dtype=np.float64), np.zeros(self.rows, dtype=np.float64)
        import highspy

        cost = np.concatenate(self._cost)
        upper = np.concatenate(self._upper)
        rows = _joined([e[0] for e in self._entries], np.int64)
        columns = _joined([e[1] for e in self._entries], np.int64)
        values = _joined([e[2] for e in self._entries], np.float64)
        order = np.lexsort((rows, columns))
        start = np.zeros(self.columns + 1, dtype=np.int32)
        np.cumsum(np.bincount(columns, minlength=self.columns), out=start[1:])
        lp = highspy.HighsLp()
        lp.num_col_ = self.columns
        lp.num_row_ = self.rows
        lp.col_cost_ = cost
        lp.col_lower_ = np.zeros(self.columns, dtype=np.float64)
        lp.col_upper_ = np.where(np.isinf(upper), highspy.kHighsInf, upper)
        row_lower = _joined(self._row_lower, np.float64)
        row_upper = _joined(self._row_upper, np.float64)
        lp.row_lower_ = np.where(np.isinf(row_lower), -highspy.kHighsInf, row_lower)
        lp.row_upper_ = np.where(np.isinf(row_upper), highspy.kHighsInf, row_upper)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = start
        lp.a_matrix_.index_ = rows[order].astype(np.int32)
        lp.a_matrix_.value_ = values[order]
        solver = highspy._Highs()  # the bare solver: no callbacks, prints nothing
        solver.setOptionValue("output_flag", False)
        solver.setOptionValue("threads", 1)
        solver.setOptionValue(
            "presolve", "off"
        )  # small programs: presolve costs more than it saves
        solver.passModel(lp)
        solver.run()
        status = solver.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise BoundSolveError(
                f"the bound's linear program was not solved: HiGHS says "
                f"{solver.modelStatusToString(status)}"
            )
        solution = solver.getSolution()
        return (
            np.asarray(solution.col_value, dtype=np.float64),
            np.asarray(solution.row_dual, dtype=np.float64),
        )


def _joined(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)
