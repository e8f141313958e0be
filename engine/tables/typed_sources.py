"""Typed sources: a Parquet file (read without pandas) and a pandas DataFrame (the
studio's uploads), as raw Arrow columns; their row numbers are position + 2."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from engine.arrow import Ints, combined
from engine.tables.raw import (
    RawTable,
    TableError,
    as_string,
    check_columns,
    is_text,
    positions_as_rows,
)

if TYPE_CHECKING:
    import pandas as pd
    from typing_extensions import TypeIs


def is_data_frame(source: object) -> TypeIs[pd.DataFrame]:
    """Whether `source` is a pandas DataFrame, without importing pandas: a program
    that never loaded pandas cannot hold one."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(source, pandas.DataFrame)


def read_frame(frame: pd.DataFrame, table: str, required: tuple[str, ...]) -> RawTable:
    name = f"{table} (DataFrame)"
    names = [str(c).strip() for c in frame.columns]
    check_columns(name, names, required)
    columns, inferable = {}, set()
    for position, column in enumerate(names):
        series = frame.iloc[:, position]
        columns[column], texts = _frame_column(series)
        if texts:
            inferable.add(column)
    frame = frame.set_axis(names, axis="columns").reset_index(drop=True)
    return RawTable(
        name, columns, positions_as_rows(len(frame)), inferable=frozenset(inferable),
        originals=_FrameColumns(frame),
    )  # fmt: skip


def _frame_column(series: pd.Series) -> tuple[pa.Array[Any], bool]:
    """A DataFrame column as Arrow, and whether it is text (a `str` column, or
    an object column of strings). An object column of other or mixed values is
    read as the text of each value."""
    import pandas as pd

    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype) or (
        pd.api.types.is_object_dtype(dtype)
        and pd.api.types.infer_dtype(series, skipna=True) == "string"
    ):
        try:
            return pa.array(series.to_numpy(dtype=object), pa.string(), from_pandas=True), True
        except (pa.ArrowException, TypeError, ValueError):
            return _texts(series), True
    if not pd.api.types.is_object_dtype(dtype):
        try:
            return pa.array(series, from_pandas=True), False
        except (pa.ArrowException, TypeError, ValueError):
            pass
    return _texts(series), False


def _texts(series: pd.Series) -> pa.Array[Any]:
    """Each value's text (as pandas' `astype(str)` writes it); missing values null."""
    present = series.notna().to_numpy()
    cells: list[str | None] = []
    for value, here in zip(series.to_numpy(dtype=object), present, strict=True):
        if not here:
            cells.append(None)
        elif isinstance(value, bytes):
            cells.append(value.decode())
        else:
            cells.append(str(value))
    return pa.array(cells, pa.string())


@dataclass(frozen=True)
class _FrameColumns:
    """A DataFrame source's own columns."""

    source: pd.DataFrame

    def frame(self, columns: list[str], positions: Ints) -> pd.DataFrame:
        return self.source[columns].iloc[positions].reset_index(drop=True)


def read_parquet(path: Path, required: tuple[str, ...]) -> RawTable:
    try:  # pq.read_table would import pandas (through pyarrow.dataset)
        source = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        problem = f"Could not open Parquet input source '{path}': {exc}"
        raise TableError(f"{path}: not a readable Parquet file ({problem})") from exc
    try:
        data = source.read()
    except (pa.ArrowException, OSError) as exc:
        raise TableError(f"{path}: not a readable Parquet file ({exc})") from exc
    pandas = _pandas_metadata(data.schema)
    index = {c for c in _listed(pandas.get("index_columns")) if isinstance(c, str)}
    kept = [i for i, name in enumerate(data.column_names) if name not in index]
    data = data.select(kept)
    data = _as_pandas_reads(data, pandas)
    names = [name.strip() for name in data.column_names]
    check_columns(path.name, names, required)
    data = data.rename_columns(names).replace_schema_metadata(data.schema.metadata)
    columns = {name: combined(data.column(i)) for i, name in enumerate(names)}
    inferable = frozenset(name for name, values in columns.items() if is_text(values))
    columns = {
        name: as_string(values) if name in inferable else values for name, values in columns.items()
    }
    return RawTable(
        path.name, columns, positions_as_rows(data.num_rows), inferable=inferable,
        originals=_ParquetColumns(data),
    )  # fmt: skip


def _pandas_metadata(schema: pa.Schema) -> dict[str, object]:
    """What pandas stored about the DataFrame a Parquet file was written from. It
    is only a hint: what is not as pandas writes it is ignored (here and by its
    readers), never a reason to refuse the file."""
    try:
        metadata = json.loads((schema.metadata or {}).get(b"pandas", b"{}"))
    except ValueError:
        return {}
    return metadata if isinstance(metadata, dict) else {}


def _listed(value: object) -> list[object]:
    """The items of a list of the metadata; none for anything else."""
    return value if isinstance(value, list) else []


_NULLABLE_INTEGERS = {f"{sign}Int{bits}" for sign in ("", "U") for bits in (8, 16, 32, 64)}


def _as_pandas_reads(data: pa.Table, pandas: dict[str, object]) -> pa.Table:
    """Integer columns with gaps as floats, as pandas reads them (unless the file
    says they were pandas' nullable integers): a cell is then worth what it is
    worth in pandas, `9007199254740993` read as `9007199254740992`."""
    nullable: set[str] = set()
    for described in _listed(pandas.get("columns")):
        if not isinstance(described, dict):
            continue
        name, kind = described.get("field_name", described.get("name")), described.get("numpy_type")
        if isinstance(name, str) and isinstance(kind, str) and kind in _NULLABLE_INTEGERS:
            nullable.add(name)
    metadata = data.schema.metadata
    for i, column in enumerate(data.schema):
        values = data.column(i)
        if pa.types.is_integer(column.type) and values.null_count and column.name not in nullable:
            data = data.set_column(i, column.name, values.cast(pa.float64(), safe=False))
    return data.replace_schema_metadata(metadata)


@dataclass(frozen=True)
class _ParquetColumns:
    """A Parquet file's own columns, turned into pandas as pandas reads the file
    (its stored pandas types, such as `Int64`, restored)."""

    source: pa.Table

    def frame(self, columns: list[str], positions: Ints) -> pd.DataFrame:
        chosen = self.source.select(columns)
        try:  # types as the whole column gives them, pandas' own types restored
            whole = chosen.to_pandas()
        except (KeyError, TypeError, AttributeError, ValueError, IndexError):
            # pyarrow reads the pandas metadata as pandas writes it and fails on any
            # other shape: such metadata is ignored here too (see read_parquet)
            whole = chosen.replace_schema_metadata(None).to_pandas()
        return whole.iloc[positions].reset_index(drop=True)
