"""The log of rejects a table's checks produce: one per row and problem, with
the row number, the column and the reason (and, for orders and returns, the
order id)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple

import numpy as np

from engine.arrow import Ints, Mask

REJECT_COLUMNS = ("table", "row", "column", "reason", "order_id")


class RejectRow(NamedTuple):
    """One problem of one row (`Table.reject_rows`)."""

    table: str
    row: int
    column: str
    reason: str
    order_id: str


class RejectLog:
    """The problems found in one table: (positions, column, reason) batches."""

    def __init__(self, table: str, rows: Ints) -> None:
        self.table = table
        self.rows = rows
        self._batches: list[tuple[Ints, str, list[str]]] = []
        self._extra: list[tuple[int, str, str, str]] = []

    def add(self, mask: Mask, column: str, reasons: str | Iterable[str]) -> None:
        """Record a problem at every position where `mask` holds; `reasons` is one
        text or one text per flagged position."""
        positions = np.flatnonzero(mask)
        if not len(positions):
            return
        texts = [reasons] * len(positions) if isinstance(reasons, str) else list(reasons)
        self._batches.append((positions, column, texts))

    def add_row(self, row: int, column: str, reason: str, order_id: str = "") -> None:
        """A problem on a record that never made it into the table (malformed CSV)."""
        self._extra.append((row, column, reason, order_id))

    def bad(self, size: int) -> Mask:
        """Positions with at least one problem."""
        mask = np.zeros(size, dtype=bool)
        for positions, _, _ in self._batches:
            mask[positions] = True
        return mask

    def bad_in(self, column: str, size: int) -> Mask:
        """Positions with a problem in `column`."""
        mask = np.zeros(size, dtype=bool)
        for positions, name, _ in self._batches:
            if name == column:
                mask[positions] = True
        return mask

    def rejects(self, order_ids: Callable[[Ints], list[str]] | None = None) -> list[RejectRow]:
        """All rejects, sorted by row (the problems of one row in the order found);
        `order_ids` gives the order ids at some positions."""
        found = []
        for positions, column, texts in self._batches:
            rows = self.rows[positions].tolist()
            ids = order_ids(positions) if order_ids is not None else [""] * len(rows)
            for row, text, order_id in zip(rows, texts, ids, strict=True):
                found.append(RejectRow(self.table, row, column, text, order_id))
        for row, column, reason, order_id in self._extra:
            found.append(RejectRow(self.table, row, column, reason, order_id))
        found.sort(key=lambda reject: reject.row)
        return found
