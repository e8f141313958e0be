"""The pandas views of a loaded table (`Table.frame`, `Table.rejects`): the only
module of the loaders that imports pandas, and only when a caller asks for one."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from engine.tables.raw import FrameLayout
from engine.tables.rejects import REJECT_COLUMNS, RejectRow


def pandas_frame(arrow: pa.Table, layout: FrameLayout) -> pd.DataFrame:
    """The good rows in pandas: text as `str`, instants as `datetime64[us, UTC]`,
    nullable integers as `Int64`, lists of text as tuples, and the columns kept as
    they came from a Parquet file or a DataFrame in the types pandas gives them."""
    kept = None
    if layout.kept and layout.originals is not None and layout.positions is not None:
        kept = layout.originals.frame(list(layout.kept), layout.positions)
    columns: dict[str, pd.Series] = {}
    for name in arrow.column_names:
        values = arrow.column(name)
        if kept is not None and name in kept.columns:
            columns[name] = kept[name]
        elif name in layout.tuples:
            tuples = [tuple(cell or ()) for cell in values.to_pylist()]  # a null list as ()
            columns[name] = pd.Series(tuples, dtype=object)
        elif name in layout.nullable_ints:
            columns[name] = values.to_pandas(types_mapper=_nullable_ints)
        else:
            columns[name] = values.to_pandas()
    return pd.DataFrame(columns, index=pd.RangeIndex(arrow.num_rows))


def _nullable_ints(kind: pa.DataType) -> pd.Int64Dtype | None:
    """int64 as pandas' nullable `Int64`, every other type as pyarrow converts it."""
    return pd.Int64Dtype() if kind == pa.int64() else None


def rejects_frame(rejects: list[RejectRow]) -> pd.DataFrame:
    """One row per reject, the columns REJECT_COLUMNS (`row` int64, the rest text)."""
    columns = list(zip(*rejects, strict=True)) if rejects else [()] * len(REJECT_COLUMNS)
    return pd.DataFrame(
        {
            name: pd.Series(list(values), dtype="int64" if name == "row" else "str")
            for name, values in zip(REJECT_COLUMNS, columns, strict=True)
        }
    )
