"""A loaded table: the clean rows and the rows rejected, with reasons."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass
class Table:
    """`frame` holds the good rows, normalised; `rejects` one row per problem
    (columns table, row, column, reason, order_id)."""

    frame: pd.DataFrame
    rejects: pd.DataFrame

    @property
    def rejected_rows(self) -> int:
        """How many input rows were rejected (a row with two problems counts once)."""
        return int(self.rejects["row"].nunique())

    @property
    def ok(self) -> bool:
        return self.rejects.empty
