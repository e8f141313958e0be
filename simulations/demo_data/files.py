"""Writing the demo tables byte-for-byte reproducibly, as CSV or Parquet.

Date-times are written as ISO 8601 local times with their offset in CSV
(`2026-11-27T14:05:09+01:00`) and as time-zone-aware timestamps in Parquet.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

FORMATS = ("csv", "parquet")


@dataclass(frozen=True)
class Indexed:
    """The column `values[index]`, built by Arrow rather than in Python: most
    columns repeat a few values (a channel, a SKU, an order's date) many times."""

    values: object
    index: np.ndarray


def iso_with_offset(moments: pd.DatetimeIndex) -> np.ndarray:
    """Aware instants as local ISO 8601 text with a `+HH:MM` offset."""
    wall = moments.tz_localize(None).to_numpy().astype("datetime64[s]")
    utc = moments.tz_convert("UTC").tz_localize(None).to_numpy().astype("datetime64[s]")
    offset = (wall - utc).astype("int64")
    text = {}
    for seconds in np.unique(offset):
        sign = "+" if seconds >= 0 else "-"
        hours, minutes = divmod(abs(int(seconds)) // 60, 60)
        text[seconds] = f"{sign}{hours:02d}:{minutes:02d}"
    suffix = np.empty(len(offset), dtype=object)
    for seconds, label in text.items():
        suffix[offset == seconds] = label
    return np.strings.add(np.datetime_as_string(wall, unit="s"), suffix.astype(str))


def to_arrow(columns: dict[str, object], fmt: str) -> pa.Table:
    """Arrays to an Arrow table; aware date-times become text for CSV."""
    return pa.table({name: _array(values, fmt) for name, values in columns.items()})


def _array(values: object, fmt: str) -> pa.Array:
    if isinstance(values, Indexed):
        return pa_compute.take(_array(values.values, fmt), pa.array(values.index))
    if isinstance(values, pd.DatetimeIndex):
        if fmt == "csv":
            return pa.array(iso_with_offset(values), type=pa.string())
        return pa.array(values.as_unit("s"), type=pa.timestamp("s", tz=str(values.tz)))
    if isinstance(values, pd.Series):
        return pa.Array.from_pandas(values)
    values = np.asarray(values)
    if values.dtype.kind in "OUT":
        return pa.array(values.astype(str), type=pa.string())
    return pa.array(values)


def write(columns: dict[str, object], directory: Path, name: str, fmt: str) -> Path:
    """Write one table as `directory/name.fmt` and return its path."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    table = to_arrow(columns, fmt)
    path = directory / f"{name}.{fmt}"
    if fmt == "parquet":
        pq.write_table(table, path, compression="zstd")
        return path
    # Quote only when a text value needs it, so that people can read the file.
    needs_quotes = any(
        pa_compute.any(pa_compute.match_substring_regex(column, r'[,"\r\n]')).as_py()
        for column in table.columns
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
    )
    options = pa_csv.WriteOptions(
        include_header=False, quoting_style="needed" if needs_quotes else "none"
    )
    with path.open("wb") as handle:
        handle.write((",".join(table.column_names) + "\n").encode())
        pa_csv.write_csv(table, handle, options)
    return path
