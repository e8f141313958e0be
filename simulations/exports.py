"""Tables written as CSV for people to open, safe in a spreadsheet.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by
spreadsheet programs as a formula: an order id or a node name from a hostile file could
then run one on the machine of whoever opens the export. Such cells are written with a
leading `'` (what spreadsheets show as text); numbers are left as they are. Every CSV the
command line and the studio write goes through here (docs/data.md, "Exports")."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from engine.files import replaced_file

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells cannot be read as formulas."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        text = values.astype("object")
        risky = text.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_STARTS))
        if risky.any():
            out[column] = text.where(~risky, "'" + text.where(risky, "").astype(str))
    return out


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write `frame` as UTF-8 CSV (no index), formulas defused, whole or not at all."""
    with replaced_file(path) as out:
        spreadsheet_safe(frame).to_csv(out, index=False)
    return Path(path)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """`frame` as UTF-8 CSV bytes (no index), formulas defused: for downloads."""
    return spreadsheet_safe(frame).to_csv(index=False).encode("utf-8")
