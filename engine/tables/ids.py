"""Id columns (node ids, SKUs, order ids): their distinct texts, rows repeating an
earlier key, and the names a table's ids are checked against."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.arrow import Ints, Mask, row_indices, str_list, texts
from engine.arrow import to_numpy as as_numpy
from engine.tables.raw import as_string, is_text
from engine.tables.text import cell_text

KnownIds = Iterable[object]
"""The ids a table's ids are checked against: a list, a pandas Series or an Arrow
array (chunked or not); a missing one (None, NaN) names nothing, any other is
read as its text."""


@dataclass
class Distinct:
    """An id column as its distinct trimmed texts and, per row, the code of its
    text: checks run once per distinct id, not once per row."""

    values: pa.Array[Any]
    codes: Ints
    _text: pa.Array[Any] | None = None

    @classmethod
    def of(cls, column: pa.Array[Any]) -> Distinct:
        if not is_text(column) or column.null_count:
            column = cell_text(column)
        encoded = column.dictionary_encode()
        codes = as_numpy(encoded.indices, writable=False).astype(np.int64)
        distinct = cell_text(encoded.dictionary)
        if pc.all(pc.equal(distinct, encoded.dictionary)).as_py() is not False:
            return cls(distinct, codes, column)
        again = distinct.dictionary_encode()
        codes = as_numpy(again.indices, writable=False).astype(np.int64)[codes]
        return cls(again.dictionary, codes)

    @property
    def text(self) -> pa.Array[Any]:
        """Every row's trimmed text."""
        if self._text is None:
            self._text = self.values.take(row_indices(self.codes))
        return self._text

    def rows(self, mask: Mask) -> Mask:
        """A mask over the distinct values, spread over the rows."""
        if not mask.any():
            return np.zeros(len(self.codes), dtype=bool)
        if mask.all():
            return np.ones(len(self.codes), dtype=bool)
        return mask[self.codes]

    def texts(self, rows: Mask | Ints) -> list[str]:
        """The texts of the rows where `rows` (a mask or positions) holds, in order."""
        return str_list(self.values.take(row_indices(self.codes[rows])))


def repeated_keys(keys: Ints, space: int) -> tuple[Mask, Ints]:
    """(mask of the rows whose key an earlier row has, the position of the first
    row with each row's key, meaningful where the mask holds) for integer keys in
    `range(space)`. Keys in increasing order, the common sorted file, are settled
    in one pass; a small key space is counted; else the keys are sorted."""
    size = len(keys)
    repeated = np.zeros(size, dtype=bool)
    firsts = np.zeros(size, dtype=np.int64)
    if size < 2 or (keys[1:] > keys[:-1]).all():
        return repeated, firsts
    if space <= max(16 * size, 1 << 16):
        candidates = np.flatnonzero(np.bincount(keys, minlength=space)[keys] > 1)
    else:
        candidates = np.arange(size)
    _, first, inverse = np.unique(keys[candidates], return_index=True, return_inverse=True)
    first_position = candidates[first][inverse]
    repeated[candidates] = first_position != candidates
    firsts[candidates] = first_position
    return repeated, firsts


def known_names(names: KnownIds) -> pa.Array[Any]:
    """Known ids (a list, a pandas Series or an Arrow array) as distinct texts, in
    order; a missing name (None, NaN) names nothing."""
    if isinstance(names, pa.ChunkedArray):
        names = names.combine_chunks()
    if isinstance(names, pa.Array):
        present = names.drop_null()
        return pc.unique(as_string(present) if is_text(present) else cell_text(present))
    given = [str(n) for n in names if n is not None and n == n]
    return texts(list(dict.fromkeys(given)))
