"""Orders as columns: what routing reads of a batch of orders, without an object per order.

An `OrderBatch` holds the orders' ids, instants, destinations and lines as arrays, and
the other columns as they came; `order(i)` builds the `engine.Order` of one of them when
something needs the object (an explanation, a condition that reads the lines). It is
made from the orders table (`engine.tables.load_orders(...).frame`) or from `Order`s.

Values read through `value(name)` are what `Order.get(name)` gives for each order —
header columns, then a line column's first-line value — so a condition evaluated on
the batch and on the objects gives the same answer.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from engine.columns import ORDER_HEADER_COLUMNS
from engine.model import Line, Order, plain
from engine.windows import UTC

_HEADER = tuple(c for c in ORDER_HEADER_COLUMNS if c not in ("order_id", "created_at"))
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)


def instant_ns(moment: dt.datetime, tz) -> int:
    """An instant as integer nanoseconds since 1970 UTC (naive: read in `tz`)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


def from_ns(value: int) -> dt.datetime:
    """The aware UTC datetime of integer nanoseconds since 1970."""
    return _EPOCH + dt.timedelta(microseconds=value // 1_000)


class OrderBatch:
    """Orders as columns (see the module doc). Lines of an order are consecutive:
    order `i` owns lines `line_start[i]:line_start[i + 1]`."""

    def __init__(
        self,
        ids: list[str],
        instants: np.ndarray,
        line_start: np.ndarray,
        skus: list[str],
        qty: np.ndarray,
        header: dict[str, list],
        line_columns: dict[str, list],
        created: list[dt.datetime] | None = None,
        orders: Sequence[Order] | None = None,
    ):
        self.ids = ids
        self.instants = instants
        """Creation instants, int64 nanoseconds UTC."""
        self.line_start = line_start
        self.skus = skus
        self.qty = qty
        self.header = header
        """Order-level columns: one plain value per order."""
        self.line_columns = line_columns
        """Line columns (sku, qty, unit_price, product attributes): one value per line."""
        self._created = created
        self._orders = orders
        self._values: dict[str, list] = {}

    def __len__(self) -> int:
        return len(self.ids)

    # ------------------------------------------------------------ making
    @classmethod
    def from_orders(cls, orders: Iterable[Order], tz, at: dt.datetime | None = None) -> OrderBatch:
        """A batch of `Order`s (routed at `at` instead of their created_at, when given)."""
        orders = list(orders)
        created = [at if at is not None else o.created_at for o in orders]
        instants = np.array([instant_ns(c, tz) for c in created], dtype=np.int64)
        counts = [len(o.lines) for o in orders]
        line_start = np.zeros(len(orders) + 1, dtype=np.int64)
        np.cumsum(counts, out=line_start[1:])
        lines = [line for o in orders for line in o.lines]
        header = {name: [o.fields.get(name) for o in orders] for name in _HEADER}
        return cls(
            [o.id for o in orders],
            instants,
            line_start,
            [line.sku for line in lines],
            np.array([line.qty for line in lines], dtype=np.int64),
            header,
            {},
            created=created,
            orders=orders,
        )

    @classmethod
    def from_frame(cls, frame, tz) -> OrderBatch:
        """A batch of the order-line rows of a frame (the orders loader's), grouped by
        `order_id` in order of first appearance, lines in row order."""
        import pandas as pd

        ids_column = frame["order_id"].astype(str).to_numpy(dtype=object)
        codes, uniques = pd.factorize(ids_column)
        if len(codes) > 1 and (np.diff(codes) < 0).any():  # an order's lines apart
            frame = frame.iloc[np.argsort(codes, kind="stable")]
            codes = np.sort(codes, kind="stable")
        counts = np.bincount(codes, minlength=len(uniques)) if len(codes) else np.zeros(0, int)
        line_start = np.zeros(len(uniques) + 1, dtype=np.int64)
        np.cumsum(counts, out=line_start[1:])
        firsts = line_start[:-1]
        columns = list(frame.columns)
        header = {
            name: _plain_list(frame[name].iloc[firsts]) if name in columns else [None] * len(firsts)
            for name in _HEADER
        }
        line_names = [c for c in columns if c not in ORDER_HEADER_COLUMNS]
        line_columns = {name: _plain_list(frame[name]) for name in line_names}
        created_column = frame["created_at"].iloc[firsts]
        if isinstance(created_column.dtype, pd.DatetimeTZDtype):
            instants = created_column.dt.tz_convert("UTC").dt.as_unit("ns").to_numpy("int64")
            created = None
        else:
            created = [_moment(v) for v in _plain_list(created_column)]
            instants = np.array([instant_ns(c, tz) for c in created], dtype=np.int64)
        return cls(
            [str(i) for i in uniques.tolist()],
            np.asarray(instants, dtype=np.int64),
            line_start,
            [str(s) for s in line_columns["sku"]],
            np.asarray(frame["qty"].to_numpy(), dtype=np.int64),
            header,
            line_columns,
            created=created,
        )

    # ------------------------------------------------------------ reading
    def created(self, i: int) -> dt.datetime:
        """Order `i`'s creation time as given (aware UTC when read from a table)."""
        if self._created is not None:
            return self._created[i]
        return from_ns(int(self.instants[i]))

    def value(self, name: str) -> list:
        """`Order.get(name)` of every order, for plain fields (header columns, `id`, and
        line columns by their first line's value)."""
        values = self._values.get(name)
        if values is None:
            if name == "id":
                values = self.ids
            elif name in self.header:
                values = self.header[name]
            elif name in self.line_columns:
                column = self.line_columns[name]
                values = [column[i] for i in self.line_start[:-1].tolist()]
            elif self._orders is not None:
                values = [o.get(name) for o in self._orders]
            else:
                values = [None] * len(self)
            self._values[name] = values
        return values

    def row(self, i: int) -> OrderRow:
        """Order `i` as far as plain fields go (cheaper than `order(i)`)."""
        return OrderRow(self, i)

    def order(self, i: int) -> Order:
        """Order `i` as an `engine.Order` (the one given, or made from the columns)."""
        if self._orders is not None:
            return self._orders[i]
        start, end = int(self.line_start[i]), int(self.line_start[i + 1])
        names = list(self.line_columns)
        lines = tuple(
            Line(
                sku=self.skus[row],
                qty=int(self.qty[row]),
                fields={name: self.line_columns[name][row] for name in names},
            )
            for row in range(start, end)
        )
        fields = {name: values[i] for name, values in self.header.items()}
        return Order(id=self.ids[i], created_at=self.created(i), lines=lines, fields=fields)

    def destinations(self) -> tuple[np.ndarray, np.ndarray]:
        """Destination latitudes and longitudes (NaN where missing)."""
        return _floats(self.header.get("dest_lat")), _floats(self.header.get("dest_lon"))


class OrderRow:
    """One order of a batch read through `get`, as `Order.get` reads plain fields."""

    __slots__ = ("batch", "i")

    def __init__(self, batch: OrderBatch, i: int):
        self.batch = batch
        self.i = i

    def get(self, name: str) -> Any:
        return self.batch.value(name)[self.i]


def _floats(values: list | None) -> np.ndarray:
    if values is None:
        return np.zeros(0)
    return np.array([math.nan if v is None else float(v) for v in values], dtype=np.float64)


def _moment(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        raise ValueError(f"created_at is not a timestamp: {value!r}")
    return value


def _plain_list(values) -> list:
    """A column as plain Python values (`engine.model.plain` of every cell), converting
    cell by cell only where the column's type needs it."""
    import pandas as pd

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
    if isinstance(dtype, pd.DatetimeTZDtype) or dtype.kind == "M":
        return [None if v is pd.NaT else v.to_pydatetime() for v in values.tolist()]
    return [plain(v) for v in values.tolist()]
