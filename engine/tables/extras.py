"""Columns outside the contract: kept, and typed from their cells when they came
as text (docs/data.md, "Extra columns")."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from engine.arrow import EMPTY, NO_TEXT, texts

_PLAIN_NUMBER = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
_LEADING_ZERO = r"^[+-]?0[0-9]"
_WHOLE = r"^[+-]?[0-9]+$"
_BOOLEANS = texts(["true", "false"])


def infer_column(text: pa.Array[Any]) -> pa.Array[Any]:
    """A text column (trimmed, '' for empty) as numbers when every filled cell is
    a plain number (digits 0-9) and none is a code with a leading zero (`01000`):
    int64 when every cell is filled, whole (no point, no exponent) and within
    int64, else float64 (null for an empty cell); as booleans when every cell is
    filled and true or false (any case); else as it is."""
    filled = pc.not_equal(text, EMPTY)
    filled_count = filled.true_count
    if not filled_count:
        return text
    everywhere = filled_count == len(text)
    cells = text.filter(filled)
    if (
        pc.all(pc.match_substring_regex(cells, _PLAIN_NUMBER)).as_py()
        and not pc.any(pc.match_substring_regex(cells, _LEADING_ZERO)).as_py()
    ):
        if everywhere and pc.all(pc.match_substring_regex(cells, _WHOLE)).as_py():
            try:
                return pc.replace_substring_regex(text, r"^\+", "").cast(pa.int64())
            except pa.ArrowInvalid:  # past int64: kept as floats
                pass
        filled_or_null: pa.Array[Any] = pc.if_else(filled, text, NO_TEXT)
        return filled_or_null.cast(pa.float64())
    lowered = pc.utf8_lower(cells)
    if everywhere and pc.all(pc.is_in(lowered, value_set=_BOOLEANS)).as_py():
        return pc.equal(pc.utf8_lower(text), _BOOLEANS[0])
    return text
