"""The orders table: one row per order line; lines sharing an order_id form one
order, and an order with one bad line is rejected whole."""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from dsl.schema import DELIVERY_METHODS
from engine.arrow import (
    EMPTY,
    Ints,
    Mask,
    from_numpy,
    row_indices,
    scalar,
    str_list,
    texts,
)
from engine.arrow import to_numpy as as_numpy
from engine.columns import LINE_PROMISE_COLUMNS, ORDER_PROMISE_COLUMNS
from engine.columns import ORDER_LEVEL_COLUMNS as ORDER_LEVEL
from engine.columns import ORDER_TABLE_COLUMNS as ORDER_COLUMNS
from engine.limits import (
    DAYS,
    LATITUDE,
    LINE_QTY,
    LONGITUDE,
    MAX_LINES,
    MONEY,
    computed_field_problem,
)
from engine.tables.cells import ColumnReader, floats
from engine.tables.ids import KnownIds
from engine.tables.moments import instants, zone
from engine.tables.promise_columns import order_promise_columns
from engine.tables.raw import FrameLayout
from engine.tables.reading import RawTable, Source, TableError, read_source
from engine.tables.table import Table
from engine.tables.text import shown

__all__ = ["DEFAULT_TIER", "ORDER_COLUMNS", "ORDER_REQUIRED", "load_orders"]

ORDER_REQUIRED = (
    "order_id",
    "created_at",
    "channel",
    "delivery",
    "dest_lat",
    "dest_lon",
    "sku",
    "qty",
)
DEFAULT_TIER = "standard"

LineValues: TypeAlias = "dict[str, pa.Array[Any] | npt.NDArray[Any]]"
"""The orders table's columns as read, before the rows are chosen: texts in Arrow,
numbers in numpy (instants as int64 microseconds, the rest as float64)."""


def load_orders(source: Source, node_ids: KnownIds | None = None, timezone: str = "UTC") -> Table:
    """Good orders sorted by created_at then order_id (lines in file order), and
    the rejects; `created_at` without an offset is read in `timezone`."""
    zone(timezone)
    raw = read_source(source, "orders", ORDER_REQUIRED)
    _refuse_computed_columns(raw)
    read = ColumnReader(raw, "orders")
    ids = read.identifier("order_id")
    created = read.moment("created_at", timezone)
    channel = read.required_text("channel")
    delivery = read.choice("delivery", DELIVERY_METHODS)
    collect = as_numpy(pc.equal(delivery, scalar("collect")))
    collect_node = read.identifier("collect_node", required=False)
    named = as_numpy(pc.not_equal(collect_node, EMPTY))
    read.log.add(
        collect & ~named,
        "collect_node",
        "collect_node is empty; a collect order must name the store where it is collected",
    )
    if read.has("collect_node"):
        read.known("collect_node", node_ids, collect & named, "node")
    tier = read.text("tier")
    values: LineValues = {
        "order_id": ids,
        "created_at": created,
        "channel": channel,
        "delivery": delivery,
        "collect_node": collect_node,
        "tier": pc.if_else(pc.equal(tier, EMPTY), scalar(DEFAULT_TIER), tier),
        "dest_lat": read.number("dest_lat", LATITUDE),
        "dest_lon": read.number("dest_lon", LONGITUDE),
        "country": read.text("country"),
        "region": read.text("region"),
        "postal_code": read.text("postal_code"),
        "promised_days": read.number("promised_days", DAYS, default=np.nan, note="(or empty)"),
        "sku": read.identifier("sku"),
        "qty": read.whole("qty", LINE_QTY),
        "unit_price": read.number("unit_price", MONEY, default=0.0),
        "category": read.text("category"),
        **order_promise_columns(read),
    }
    codes = _order_codes(read)
    _check_line_count(read, codes)
    _check_order_level(read, values, codes)
    good = _reject_whole_orders(read, codes)

    order = _in_time_order(created, np.flatnonzero(good), codes, read)
    columns: dict[str, pa.Array[Any]] = {}
    for name, v in values.items():
        if name == "created_at":
            columns[name] = instants(created)
        else:
            columns[name] = floats(v) if isinstance(v, np.ndarray) else v
    extras, kept = read.extras((*ORDER_COLUMNS, *ORDER_PROMISE_COLUMNS, *LINE_PROMISE_COLUMNS))
    table = pa.table({**columns, **extras})
    if len(order) != table.num_rows or (order != np.arange(len(order))).any():
        table = table.take(row_indices(order))
    rejects = read.log.rejects(order_ids=read.distinct("order_id").texts)
    layout = FrameLayout(kept=kept, originals=raw.originals, positions=order)
    return Table(table, rejects, layout)


def _in_time_order(moments: Ints, keep: Ints, codes: Ints, read: ColumnReader) -> Ints:
    """Positions of the kept rows by created_at, then order_id, then file order.
    Only runs of one instant holding several orders need the (slower) id sort."""
    kept = moments[keep]
    if len(kept) > 1 and not (kept[1:] >= kept[:-1]).all():
        order = keep[np.argsort(kept, kind="stable")]
        kept = moments[order]
    else:
        order = keep.copy()
    if len(order) < 2:
        return order
    same = kept[1:] == kept[:-1]
    mixed = same & (codes[order][1:] != codes[order][:-1])
    if not mixed.any():
        return order
    run = np.concatenate(([0], np.cumsum(~same)))
    tied = np.zeros(run[-1] + 1, dtype=bool)
    tied[run[1:][mixed]] = True
    spots = np.flatnonzero(tied[run])
    involved, inverse = np.unique(codes[order[spots]], return_inverse=True)
    ids = str_list(read.distinct("order_id").values.take(row_indices(involved)))
    rank = np.empty(len(involved), dtype=np.int64)
    rank[np.argsort(np.asarray(ids, dtype=object), kind="stable")] = np.arange(len(involved))
    by = np.lexsort((order[spots], rank[inverse], kept[spots]))
    order[spots] = order[spots][by]
    return order


def _refuse_computed_columns(raw: RawTable) -> None:
    """A column named like a value the engine computes (order.value, ...) would
    override it: the whole table is refused, naming the column."""
    for column in raw.columns:
        problem = computed_field_problem(column)
        if problem is not None:
            raise TableError(f"{raw.name}: column {column!r}: {problem}")


def _order_codes(read: ColumnReader) -> Ints:
    """One integer per order (in order of first appearance); -1 for an empty id."""
    ids = read.distinct("order_id")
    empty = as_numpy(pc.equal(ids.values, EMPTY))
    if not empty.any():
        return ids.codes
    renumbered = np.cumsum(~empty) - 1
    renumbered[empty] = -1
    return renumbered[ids.codes]


def _check_line_count(read: ColumnReader, codes: Ints) -> None:
    """An order of more than MAX_LINES lines: its first line past the limit is
    rejected (and so the order, whole)."""
    if len(codes) <= MAX_LINES:
        return
    valid = codes >= 0
    lines = np.bincount(codes[valid])
    if not len(lines) or lines.max() <= MAX_LINES:
        return
    by_order = np.argsort(codes, kind="stable")
    sorted_codes = codes[by_order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    position = np.empty(len(codes), dtype=np.int64)
    position[by_order] = np.arange(len(codes)) - np.repeat(
        starts, np.diff(np.r_[starts, len(codes)])
    )
    extra = (position == MAX_LINES) & valid
    order_ids = read.distinct("order_id").texts(extra)
    read.log.add(
        extra,
        "order_id",
        [
            f"order {order_id!r} has {lines[code]:,} lines; at most {MAX_LINES:,} make one order"
            for order_id, code in zip(order_ids, codes[extra].tolist(), strict=True)
        ],
    )


def _check_order_level(read: ColumnReader, values: LineValues, codes: Ints) -> None:
    """Every line must repeat its order's first line for order-level columns."""
    valid = codes >= 0
    if not valid.any():
        return
    size = len(codes)
    first = np.full(codes.max() + 1, size, dtype=np.int64)
    np.minimum.at(first, codes[valid], np.flatnonzero(valid))
    lead = np.where(valid, first[np.where(valid, codes, 0)], 0)
    later = valid & (lead != np.arange(size))  # an order's other lines
    if not later.any():
        return
    # Lines of one order usually follow each other: a run of lines each equal to the
    # line before equals its first line, so only the runs with a change, and the
    # lines that follow another order's line, are compared with their order's first.
    follows = np.zeros(size, dtype=bool)
    follows[1:] = later[1:] & (codes[1:] == codes[:-1])
    run = np.cumsum(~follows)
    ids = read.distinct("order_id")
    for column in (*ORDER_LEVEL, *ORDER_PROMISE_COLUMNS):
        if not read.has(column):
            continue
        changed = np.zeros(run[-1] + 1, dtype=bool)
        changed[run[later & ~follows]] = True
        changed[run[1:][follows[1:] & ~_same_as_previous(values[column])]] = True
        compared = np.flatnonzero(later & changed[run])
        unreadable = read.log.bad_in(column, size)
        differs = np.zeros(size, dtype=bool)
        differs[compared] = ~_same(values[column], compared, lead[compared])
        differs &= ~unreadable & ~unreadable[lead]
        if not differs.any():
            continue
        text = read.text(column)
        here = shown(str_list(text.filter(from_numpy(differs))))
        there = shown(str_list(text.take(row_indices(lead[differs]))))
        rows = read.raw.rows[lead[differs]].tolist()
        read.log.add(
            differs,
            column,
            [
                f"{column} differs between the lines of order {o!r}: {h} here, {t} on row {r}"
                for o, h, t, r in zip(ids.texts(differs), here, there, rows, strict=True)
            ],
        )


def _same_as_previous(values: pa.Array[Any] | npt.NDArray[Any]) -> Mask:
    """Whether each cell but the first equals the cell before it (empty = empty)."""
    if isinstance(values, np.ndarray):
        return _equal(values[1:], values[:-1])
    return as_numpy(pc.equal(values.slice(1), values.slice(0, len(values) - 1)))


def _same(values: pa.Array[Any] | npt.NDArray[Any], rows: Ints, leads: Ints) -> Mask:
    """Whether the cells at `rows` equal the cells at `leads` (empty = empty)."""
    if isinstance(values, np.ndarray):
        return _equal(values[rows], values[leads])
    return as_numpy(pc.equal(values.take(row_indices(rows)), values.take(row_indices(leads))))


def _equal(here: npt.NDArray[Any], there: npt.NDArray[Any]) -> Mask:
    """Numbers compared cell by cell, NaN (an empty cell) equal to NaN."""
    same: Mask = np.equal(here, there)
    if here.dtype.kind == "f":
        same |= np.isnan(here) & np.isnan(there)
    return same


def _reject_whole_orders(read: ColumnReader, codes: Ints) -> Mask:
    """Reject the other lines of every order that has a bad line; return the
    mask of good rows."""
    size = len(codes)
    bad = read.log.bad(size)
    rows = read.raw.rows
    ids = read.distinct("order_id")
    faulty: dict[str, list[int]] = {}
    flagged = bad & (codes >= 0)
    for order_id, row in zip(ids.texts(flagged), rows[flagged].tolist(), strict=True):
        faulty.setdefault(order_id, []).append(row)
    for record in read.raw.broken:
        order_id = record.values.get("order_id", "").strip()
        read.log.add_row(record.row, "", record.reason, order_id)
        if order_id:
            faulty.setdefault(order_id, []).append(record.row)
    if not faulty:
        return ~bad
    sibling = as_numpy(pc.is_in(ids.text, value_set=texts(list(faulty)))) & ~bad
    reasons = {}
    for order_id, bad_rows in faulty.items():
        bad_rows = sorted(bad_rows)
        shown_rows = ", ".join(str(r) for r in bad_rows[:5]) + (", …" if len(bad_rows) > 5 else "")
        verb = "has an error" if len(bad_rows) == 1 else "have errors"
        noun = "row" if len(bad_rows) == 1 else "rows"
        reasons[order_id] = f"order rejected: {noun} {shown_rows} {verb}"
    read.log.add(sibling, "", [reasons[i] for i in ids.texts(sibling)])
    return ~bad & ~sibling
