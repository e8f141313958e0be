"""Orders as columns: what routing reads of a batch of orders, without an object per order.

An `OrderBatch` holds the orders' ids, instants and lines (SKU codes into a table of
SKU names, quantities) as arrays; every other column stays as it came and is turned
into Python values only when something reads it. `order(i)` builds the `engine.Order`
of one order when something needs the object (an explanation, a condition that reads
the lines, the ledger that follows allocations). A batch is made from the orders table
(`engine.tables.load_orders(...).frame`) or from `Order`s.

`value(name)` gives, for every order, what `Order.get(name)` gives for a plain field —
a header column, `id`, or a line column's first-line value — so a condition evaluated
on the batch and on the objects reads the same values.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from engine.columns import ORDER_HEADER_COLUMNS
from engine.errors import DataError
from engine.model import Line, Order, dictionary_encoded, plain
from engine.windows import UTC

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

T = TypeVar("T")

HEADER = tuple(c for c in ORDER_HEADER_COLUMNS if c not in ("order_id", "created_at"))
"""Order-level columns other than the id and the creation time (data.md)."""
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)


def instant_ns(moment: dt.datetime, tz: dt.tzinfo) -> int:
    """An instant as integer nanoseconds since 1970 UTC (naive: read in `tz`)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


def from_ns(value: int) -> dt.datetime:
    """The aware UTC datetime of integer nanoseconds since 1970."""
    return _EPOCH + dt.timedelta(microseconds=value // 1_000)


class OrderBatch:
    """Orders as columns (see the module doc). Order `i` owns lines
    `line_start[i]:line_start[i + 1]`; line `j` is `qty[j]` units of
    `sku_names[sku_codes[j]]`."""

    def __init__(
        self,
        ids: list[str],
        instants: np.ndarray,
        line_start: np.ndarray,
        sku_codes: np.ndarray,
        sku_names: list[str],
        qty: np.ndarray,
        *,
        rows: _Rows | None = None,
        orders: Sequence[Order] | None = None,
        created: list[dt.datetime] | None = None,
    ):
        self.ids = ids
        self.instants = instants
        """Creation instants (or the instant to route at), int64 nanoseconds UTC."""
        self.line_start = line_start
        self.sku_codes = sku_codes
        self.sku_names = sku_names
        self.qty = qty
        self._rows = rows
        """The order-line rows, grouped by order (from a table)."""
        self._orders = orders
        """The orders themselves (from objects)."""
        self._created = created
        self._values: dict[str, list[Any]] = {}
        self._derived: dict[tuple[object, ...], Any] = {}
        self.strategy_ids: list[str | None] | None = None
        """Per order, the strategy it is routed by, when given rather than chosen (the
        line groups of `lines where`, engine.line_groups)."""

    def derived(self, key: tuple[object, ...], make: Callable[[], T]) -> T:
        """`make()`, worked out once per batch for `key` (what routing derives from the
        orders — merged lines, destinations — is asked for again at every block)."""
        try:
            known: T = self._derived[key]
            return known
        except KeyError:
            value = self._derived[key] = make()
            return value

    def __len__(self) -> int:
        return len(self.ids)

    # ------------------------------------------------------------ making
    @classmethod
    def from_orders(
        cls, given: Iterable[Order], tz: dt.tzinfo, at: dt.datetime | None = None
    ) -> OrderBatch:
        """A batch of `Order`s (routed at `at` instead of their created_at, when given)."""
        orders = list(given)
        created = [at if at is not None else o.created_at for o in orders]
        instants = np.array([instant_ns(c, tz) for c in created], dtype=np.int64)
        line_start = np.zeros(len(orders) + 1, dtype=np.int64)
        np.cumsum([len(o.lines) for o in orders], out=line_start[1:])
        names: dict[str, int] = {}
        codes = [names.setdefault(line.sku, len(names)) for o in orders for line in o.lines]
        return cls(
            [o.id for o in orders],
            instants,
            line_start,
            np.array(codes, dtype=np.int64),
            list(names),
            np.array([line.qty for o in orders for line in o.lines], dtype=np.int64),
            orders=orders,
        )

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, tz: dt.tzinfo) -> OrderBatch:
        """A batch of the order-line rows of a frame (the orders loader's), grouped by
        `order_id` in order of first appearance, lines in row order."""
        import pandas as pd

        codes, uniques = pd.factorize(frame["order_id"].astype(str), sort=False)
        if len(codes) > 1 and (np.diff(codes) < 0).any():  # an order's lines apart
            frame = frame.iloc[np.argsort(codes, kind="stable")]
            codes = np.sort(codes, kind="stable")
        frame = frame.reset_index(drop=True)
        line_start = np.zeros(len(uniques) + 1, dtype=np.int64)
        if len(codes):
            np.cumsum(np.bincount(codes, minlength=len(uniques)), out=line_start[1:])
        created = frame["created_at"].iloc[line_start[:-1]]
        given = None
        if isinstance(created.dtype, pd.DatetimeTZDtype):
            instants = created.dt.tz_convert("UTC").dt.as_unit("ns").to_numpy("int64")
        else:
            given = [_moment(v) for v in _plain_list(created)]
            instants = np.array([instant_ns(c, tz) for c in given], dtype=np.int64)
        sku_codes, sku_names = pd.factorize(frame["sku"].astype(str), sort=False)
        return cls(
            [str(i) for i in uniques.tolist()],
            np.asarray(instants, dtype=np.int64),
            line_start,
            np.asarray(sku_codes, dtype=np.int64),
            [str(s) for s in sku_names.tolist()],
            np.asarray(frame["qty"].to_numpy(), dtype=np.int64),
            rows=_FrameRows(frame),
            created=given,
        )

    @classmethod
    def from_arrow(cls, table: pa.Table, tz: dt.tzinfo) -> OrderBatch:
        """A batch of the orders loader's Arrow table (`load_orders(...).arrow`): lines
        of one order next to each other (the loader sorts by created_at, then order_id),
        `created_at` a UTC timestamp column."""
        import pyarrow as pa
        import pyarrow.compute as pc

        from engine.arrow import row_indices, to_numpy

        ids = table["order_id"].combine_chunks()
        new = np.ones(len(ids), dtype=bool)
        if len(ids) > 1:
            new[1:] = to_numpy(pc.not_equal(ids[1:], ids[:-1]))
        firsts = np.flatnonzero(new)
        order_ids = ids.take(row_indices(firsts)).to_pylist()
        if len(set(order_ids)) != len(order_ids):  # an order's lines apart: group them
            return cls.from_frame(table.to_pandas(), tz)
        line_start = np.append(firsts, len(ids)).astype(np.int64)
        created = table["created_at"].combine_chunks().take(row_indices(firsts))
        micros = pc.cast(created, pa.timestamp("us", tz="UTC"))
        skus = dictionary_encoded(table["sku"])
        return cls(
            [str(i) for i in order_ids],
            to_numpy(micros) * 1_000,
            line_start,
            to_numpy(skus.indices).astype(np.int64),
            [str(n) for n in skus.dictionary.to_pylist()],
            to_numpy(table["qty"]).astype(np.int64),
            rows=_ArrowRows(table),
        )

    # ------------------------------------------------------------ reading
    def created(self, i: int) -> dt.datetime:
        """Order `i`'s creation time as given (aware UTC when read from a table)."""
        if self._orders is not None:
            return self._orders[i].created_at
        if self._created is not None:
            return self._created[i]
        return from_ns(int(self.instants[i]))

    def value(self, name: str) -> list[Any]:
        """`Order.get(name)` of every order, for plain fields (header columns, `id`, and
        line columns by their first line's value)."""
        values = self._values.get(name)
        if values is None:
            if name == "id":
                values = self.ids
            elif self._orders is not None:
                values = Order.get_each(self._orders, name)
            elif name in self._table.names and name not in ("order_id", "created_at"):
                values = self._table.take(name, self.line_start[:-1])
            else:
                values = [None] * len(self)
            self._values[name] = values
        return values

    @property
    def _table(self) -> _Rows:
        """The rows of a batch made from a table (one made from `Order`s has none)."""
        assert self._rows is not None, "a batch holds its orders or its rows"
        return self._rows

    def row(self, i: int) -> OrderRow:
        """Order `i` as far as plain fields go (cheaper than `order(i)`)."""
        return OrderRow(self, i)

    def order(self, i: int) -> Order:
        """Order `i` as an `engine.Order` (the one given, or made from the columns)."""
        if self._orders is not None:
            return self._orders[i]
        rows = self._table
        start, end = int(self.line_start[i]), int(self.line_start[i + 1])
        header = [c for c in HEADER if c in rows.names]
        line_names = [c for c in rows.names if c not in ORDER_HEADER_COLUMNS]
        lines = []
        for row in range(start, end):
            fields = {name: rows.cell(name, row) for name in line_names}
            fields["sku"], fields["qty"] = str(fields["sku"]), int(fields["qty"])
            lines.append(Line(sku=fields["sku"], qty=fields["qty"], fields=fields))
        fields = {name: rows.cell(name, start) for name in header}
        return Order(id=self.ids[i], created_at=self.created(i), lines=tuple(lines), fields=fields)

    def line_floats(self, name: str) -> np.ndarray:
        """A line column as floats, one per line (NaN where missing or not a number)."""
        if self._rows is not None:
            return self._rows.floats(name, np.arange(len(self.qty), dtype=np.int64))
        values = [line.get(name) for order in self._orders or () for line in order.lines]
        return _floats(values)

    def destinations(self) -> tuple[np.ndarray, np.ndarray]:
        """Destination latitudes and longitudes (NaN where missing)."""
        if self._rows is not None:
            firsts = self.line_start[:-1]
            return self._rows.floats("dest_lat", firsts), self._rows.floats("dest_lon", firsts)
        return _floats(self.value("dest_lat")), _floats(self.value("dest_lon"))


class _FrameRows:
    """The order-line rows of a pandas frame, read as plain values."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.names = list(frame.columns)
        self._cells: dict[str, np.ndarray] = {}

    def take(self, name: str, positions: np.ndarray) -> list[Any]:
        return _plain_list(self.frame[name].iloc[positions])

    def cell(self, name: str, row: int) -> Any:
        cells = self._cells.get(name)
        if cells is None:
            cells = self._cells[name] = self.frame[name].to_numpy()
        return plain(cells[row])

    def floats(self, name: str, positions: np.ndarray) -> np.ndarray:
        if name not in self.frame.columns:
            return np.full(len(positions), math.nan)
        column = self.frame[name].iloc[positions]
        return column.to_numpy(dtype=np.float64, na_value=math.nan)


class _ArrowRows:
    """The order-line rows of an Arrow table, read as plain values."""

    def __init__(self, table: pa.Table):
        self.table = table
        self.names = list(table.column_names)

    def take(self, name: str, positions: np.ndarray) -> list[Any]:
        from engine.arrow import row_indices

        return [plain(v) for v in self.table[name].take(row_indices(positions)).to_pylist()]

    def cell(self, name: str, row: int) -> Any:
        return plain(self.table[name][row].as_py())

    def floats(self, name: str, positions: np.ndarray) -> np.ndarray:
        import pyarrow as pa
        import pyarrow.compute as pc

        from engine.arrow import row_indices, to_numpy

        if name not in self.names:
            return np.full(len(positions), math.nan)
        return to_numpy(pc.cast(self.table[name].take(row_indices(positions)), pa.float64()))


_Rows = _FrameRows | _ArrowRows


class OrderRow:
    """One order of a batch read through `get`, as `Order.get` reads plain fields."""

    __slots__ = ("batch", "i")

    def __init__(self, batch: OrderBatch, i: int):
        self.batch = batch
        self.i = i

    def get(self, name: str) -> Any:
        return self.batch.value(name)[self.i]


def _floats(values: list[Any]) -> np.ndarray:
    return np.array([math.nan if v is None else float(v) for v in values], dtype=np.float64)


def _moment(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        raise DataError(f"created_at is not a timestamp: {value!r}")
    return value


def _plain_list(values: pd.Series) -> list[Any]:
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


def orders_from_frame(frame: pd.DataFrame, timezone: str | None = None) -> list[Order]:
    """Group order-line rows into orders, in order of first appearance.

    Known header columns (data.md) go to the order; `sku`, `qty`, `unit_price`,
    `category` and every extra column go to each line (extra columns are also readable
    as `order.<col>`, taking the first line's value). Naive `created_at` values stay
    naive unless `timezone` is given to read them in.
    """
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone) if timezone is not None else dt.UTC
    batch = OrderBatch.from_frame(frame, zone)
    orders = [batch.order(i) for i in range(len(batch))]
    if timezone is None:
        return orders
    return [
        replace(o, created_at=o.created_at.replace(tzinfo=zone))
        if o.created_at.tzinfo is None
        else o
        for o in orders
    ]
