"""The orders of a replay, in routing order, a slice at a time.

`engine.orders_from_frame` converts every cell on its own; for a million orders that
alone takes a minute and holds every order in memory. Here the loaded order-line table
is cut into slices of whole orders and each slice is turned into the same `engine.Order`
objects column by column, so a replay only ever holds one slice of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine import Line, Order
from engine.model import ORDER_COLUMNS, plain

SLICE_ORDERS = 20_000


@dataclass(frozen=True)
class OrderSlice:
    """Consecutive orders of the table: their lines (`rows` of the full table) and the
    `engine.Order` objects, in the same order."""

    start: int
    """Position of the slice's first order among all orders."""
    lines: pd.DataFrame
    orders: list[Order]


def in_routing_order(lines: pd.DataFrame, tz) -> pd.DataFrame:
    """The order-line table in the order the router takes orders: by creation instant,
    then order id, lines in table order (what `engine.tables.load_orders` already gives;
    anything else is sorted stably)."""
    if lines.empty:
        return lines.reset_index(drop=True)
    instants = _instants_ns(lines["created_at"], tz)
    ids = lines["order_id"].astype(str).to_numpy(dtype=object)
    same_id = ids[1:] == ids[:-1]
    ordered = (np.diff(instants) > 0) | ((np.diff(instants) == 0) & (ids[1:] >= ids[:-1]))
    if ordered.all() and _contiguous(ids, same_id):
        return lines.reset_index(drop=True)
    position = np.arange(len(lines))
    sequence = np.lexsort((position, pd.factorize(ids, sort=True)[0], instants))
    return lines.iloc[sequence].reset_index(drop=True)


def order_count(lines: pd.DataFrame) -> int:
    """How many orders an order-line table in routing order holds."""
    return len(_starts(lines))


def order_slices(lines: pd.DataFrame, size: int = SLICE_ORDERS) -> Iterator[OrderSlice]:
    """Slices of at most `size` whole orders of a table in routing order."""
    starts = _starts(lines)
    bounds = np.append(starts, len(lines))
    for first in range(0, len(starts), size):
        last = min(first + size, len(starts))
        begin, end = int(bounds[first]), int(bounds[last])
        chunk = lines.iloc[begin:end]
        yield OrderSlice(first, chunk, _orders(chunk, bounds[first : last + 1] - begin))


def _starts(lines: pd.DataFrame) -> np.ndarray:
    """Row positions where a new order begins."""
    if lines.empty:
        return np.zeros(0, dtype=np.int64)
    ids = lines["order_id"].astype(str).to_numpy(dtype=object)
    return np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))


def _contiguous(ids: np.ndarray, same_id: np.ndarray) -> bool:
    """Whether the lines of each order are next to each other."""
    return int((~same_id).sum()) + 1 == len(pd.unique(ids))


def _instants_ns(created: pd.Series, tz) -> np.ndarray:
    """Creation instants as UTC nanoseconds (naive times read in the ruleset's zone)."""
    moments = pd.to_datetime(created)
    if moments.dt.tz is None:
        moments = moments.dt.tz_localize(tz)
    return moments.dt.tz_convert("UTC").dt.as_unit("ns").astype("int64").to_numpy()


def _orders(chunk: pd.DataFrame, bounds: np.ndarray) -> list[Order]:
    """`engine.Order` objects for a chunk of whole orders; `bounds` are the positions of
    each order's first line, then the chunk's length. Same values as
    `engine.orders_from_frame` gives (missing cells None, Python scalars)."""
    columns = list(chunk.columns)
    header = [c for c in ORDER_COLUMNS if c in columns and c not in ("order_id", "created_at")]
    line_columns = [c for c in columns if c not in ORDER_COLUMNS]
    firsts = bounds[:-1]
    ids = [str(value) for value in chunk["order_id"].to_numpy()[firsts].tolist()]
    created = _created(chunk["created_at"].iloc[firsts])
    head_values = [_plain_list(chunk[c].iloc[firsts]) for c in header]
    line_values = [_plain_list(chunk[c]) for c in line_columns]
    sku_at, qty_at = line_columns.index("sku"), line_columns.index("qty")
    if not isinstance(chunk["sku"].dtype, pd.StringDtype):
        line_values[sku_at] = [str(value) for value in line_values[sku_at]]
    if chunk["qty"].dtype.kind not in "iu":
        line_values[qty_at] = [int(value) for value in line_values[qty_at]]
    lines = [
        Line(sku=row[sku_at], qty=row[qty_at], fields=dict(zip(line_columns, row, strict=True)))
        for row in zip(*line_values, strict=True)
    ]
    heads = zip(*head_values, strict=True) if header else [()] * len(ids)
    bounds = bounds.tolist()
    return [
        Order(
            id=order_id,
            created_at=when,
            lines=tuple(lines[bounds[i] : bounds[i + 1]]),
            fields=dict(zip(header, head, strict=True)),
        )
        for i, (order_id, when, head) in enumerate(zip(ids, created, heads, strict=True))
    ]


def _created(values: pd.Series) -> list[dt.datetime]:
    """Creation times as Python datetimes (text is read as ISO 8601)."""
    if isinstance(values.dtype, pd.DatetimeTZDtype) and not values.hasnans:
        return list(values.dt.to_pydatetime())
    out = []
    for value in _plain_list(values):
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        if not isinstance(value, dt.datetime):
            raise ValueError(f"created_at is not a timestamp: {value!r}")
        out.append(value)
    return out


def _plain_list(values: pd.Series) -> list:
    """A column as plain Python values (`engine.model.plain` of every cell), converting
    cell by cell only where the column's type needs it."""
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return values.tolist()
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        array = values.to_numpy()
        out = array.tolist()
        if np.isnan(array).any():
            out = [None if v != v else v for v in out]
        return out
    if isinstance(dtype, pd.StringDtype) and not values.hasnans:
        return values.tolist()
    return [plain(v) for v in values.tolist()]
