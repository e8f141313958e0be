"""A loaded table: the clean rows (an Arrow table) and the rows rejected, with
reasons. The pandas views (`frame`, `rejects`) are built on first use only, so a
program that reads `arrow` and finds no reject never imports pandas."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from engine.tables.raw import FrameLayout
from engine.tables.rejects import RejectRow

if TYPE_CHECKING:
    import pandas as pd


class Table:
    """`arrow` holds the good rows, normalised; `reject_rows` one `RejectRow`
    (table, row, column, reason, order_id) per problem, sorted by row."""

    def __init__(
        self, arrow: pa.Table, reject_rows: list[RejectRow], layout: FrameLayout | None = None
    ) -> None:
        self.arrow = arrow
        self.reject_rows = reject_rows
        self._layout = layout or FrameLayout()
        self._frame: pd.DataFrame | None = None
        self._rejects: pd.DataFrame | None = None

    @property
    def frame(self) -> pd.DataFrame:
        """The good rows as a pandas DataFrame (built once, then cached)."""
        if self._frame is None:
            from engine.tables.frames import pandas_frame

            self._frame = pandas_frame(self.arrow, self._layout)
        return self._frame

    @property
    def rejects(self) -> pd.DataFrame:
        """The rejects as a DataFrame with the columns REJECT_COLUMNS (built once)."""
        if self._rejects is None:
            from engine.tables.frames import rejects_frame

            self._rejects = rejects_frame(self.reject_rows)
        return self._rejects

    @property
    def rejected_rows(self) -> int:
        """How many input rows were rejected (a row with two problems counts once)."""
        return len({reject.row for reject in self.reject_rows})

    @property
    def ok(self) -> bool:
        """No row was rejected."""
        return not self.reject_rows

    def __repr__(self) -> str:
        return (
            f"Table({self.arrow.num_rows:,} rows, {len(self.arrow.column_names)} columns, "
            f"{len(self.reject_rows):,} rejects)"
        )
