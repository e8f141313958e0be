"""The orders table: one row per order line; lines sharing an order_id form one
order, and an order with one bad line is rejected whole."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute

from dsl.schema import DELIVERY_METHODS
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
from legacy_tables.cells import ColumnReader, shown, whole_numbers
from legacy_tables.moments import zone
from legacy_tables.reading import Source, TableError, read_source
from legacy_tables.table import Table

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


def load_orders(
    source: Source, node_ids: Iterable[str] | None = None, timezone: str = "UTC"
) -> Table:
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
    collect = (delivery == "collect").to_numpy()
    collect_node = read.identifier("collect_node", required=False)
    named = (collect_node != "").to_numpy()
    read.log.add(
        collect & ~named,
        "collect_node",
        "collect_node is empty; a collect order must name the store where it is collected",
    )
    read.known(collect_node, "collect_node", node_ids, collect & named, "node")
    tier = read.text("tier")
    values = {
        "order_id": ids,
        "created_at": created,
        "channel": channel,
        "delivery": delivery,
        "collect_node": collect_node,
        "tier": tier.where(tier != "", DEFAULT_TIER),
        "dest_lat": read.number("dest_lat", LATITUDE),
        "dest_lon": read.number("dest_lon", LONGITUDE),
        "country": read.text("country"),
        "region": read.text("region"),
        "postal_code": read.text("postal_code"),
        "promised_days": read.number("promised_days", DAYS, default=np.nan, note="(or empty)"),
        "sku": read.identifier("sku"),
        "qty": whole_numbers(read.number("qty", LINE_QTY)),
        "unit_price": read.number("unit_price", MONEY, default=0.0),
        "category": read.text("category"),
    }
    codes = _order_codes(ids)
    _check_line_count(read, ids, codes)
    _check_order_level(read, values, codes)
    good = _reject_whole_orders(read, ids, codes, raw.broken)

    frame = pd.DataFrame(values)
    for column, extra in read.extras(ORDER_COLUMNS).items():
        frame[column] = extra
    frame = frame.iloc[_in_time_order(frame, np.flatnonzero(good), codes)]
    rejects = read.log.frame(order_ids=ids)
    return Table(frame.reset_index(drop=True), rejects)


def _in_time_order(frame: pd.DataFrame, keep: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Positions of the kept rows by created_at, then order_id, then file order.
    Only runs of one instant holding several orders need the (slower) id sort."""
    moments = frame["created_at"].array.asi8[keep]
    if len(moments) > 1 and not (np.diff(moments) >= 0).all():
        order = keep[np.argsort(moments, kind="stable")]
        moments = frame["created_at"].array.asi8[order]
    else:
        order = keep.copy()
    if len(order) < 2:
        return order
    same = moments[1:] == moments[:-1]
    mixed = same & (codes[order][1:] != codes[order][:-1])
    if not mixed.any():
        return order
    run = np.concatenate(([0], np.cumsum(~same)))
    spots = np.flatnonzero(np.isin(run, run[1:][mixed]))
    ids = frame["order_id"].to_numpy(dtype=object)[order[spots]]
    ranks = pd.factorize(ids, sort=True)[0]
    by = np.lexsort((order[spots], ranks, moments[spots]))
    order[spots] = order[spots][by]
    return order


def _refuse_computed_columns(raw) -> None:
    """A column named like a value the engine computes (order.value, ...) would
    override it: the whole table is refused, naming the column."""
    for column in raw.frame.columns:
        problem = computed_field_problem(column)
        if problem is not None:
            raise TableError(f"{raw.name}: column {column!r}: {problem}")


def _check_line_count(read: ColumnReader, ids: pd.Series, codes: np.ndarray) -> None:
    """An order of more than MAX_LINES lines: its first line past the limit is
    rejected (and so the order, whole)."""
    if len(codes) <= MAX_LINES:
        return
    position = pd.Series(codes).groupby(codes).cumcount().to_numpy()
    extra = (position == MAX_LINES) & (codes >= 0)
    if not extra.any():
        return
    lines = np.bincount(codes[codes >= 0])
    read.log.add(
        extra,
        "order_id",
        [
            f"order {order_id!r} has {lines[code]:,} lines; at most {MAX_LINES:,} make one order"
            for order_id, code in zip(ids[extra], codes[extra], strict=True)
        ],
    )


def _order_codes(ids: pd.Series) -> np.ndarray:
    """One integer per order (in order of first appearance); -1 for an empty id."""
    return pd.factorize(ids.where(ids != ""), use_na_sentinel=True)[0]


def _check_order_level(read: ColumnReader, values: dict, codes: np.ndarray) -> None:
    """Every line must repeat its order's first line for order-level columns."""
    valid = codes >= 0
    if not valid.any():
        return
    first_pos = np.flatnonzero(valid & ~pd.Series(codes).duplicated().to_numpy())
    lead = np.where(valid, first_pos[np.where(valid, codes, 0)], 0)
    ids = values["order_id"]
    for column in ORDER_LEVEL:
        if not read.has(column):
            continue
        same = _same_as_lead(values[column], lead)
        unreadable = read.log.bad_in(column, len(codes))
        differs = valid & ~same & ~unreadable & ~unreadable[lead]
        if not differs.any():
            continue
        text = read.text(column)
        here = shown(text[differs])
        there = shown(text.iloc[lead[differs]])
        rows = read.raw.rows[lead[differs]]
        read.log.add(
            differs,
            column,
            [
                f"{column} differs between the lines of order {o!r}: {h} here, {t} on row {r}"
                for o, h, t, r in zip(ids[differs], here, there, rows, strict=True)
            ],
        )


def _same_as_lead(values, lead: np.ndarray) -> np.ndarray:
    """Whether each cell equals the cell at its order's first line (empty = empty)."""
    if isinstance(values, np.ndarray):
        return (values == values[lead]) | (np.isnan(values) & np.isnan(values[lead]))
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        instants = values.array.asi8
        return instants == instants[lead]
    text = pa.array(values.array)
    same = pa_compute.equal(text, text.take(pa.array(lead)))
    return same.to_numpy(zero_copy_only=False)


def _reject_whole_orders(
    read: ColumnReader, ids: pd.Series, codes: np.ndarray, broken: list
) -> np.ndarray:
    """Reject the other lines of every order that has a bad line; return the
    mask of good rows."""
    size = len(codes)
    bad = read.log.bad(size)
    rows = read.raw.rows
    faulty: dict[str, list[int]] = {}
    for position in np.flatnonzero(bad & (codes >= 0)):
        faulty.setdefault(ids.iat[position], []).append(int(rows[position]))
    for record in broken:
        order_id = record.values.get("order_id", "").strip()
        read.log.add_row(record.row, "", record.reason, order_id)
        if order_id:
            faulty.setdefault(order_id, []).append(record.row)
    if not faulty:
        return ~bad
    sibling = ids.isin(list(faulty)).to_numpy() & ~bad
    reasons = {}
    for order_id, bad_rows in faulty.items():
        bad_rows = sorted(bad_rows)
        shown_rows = ", ".join(str(r) for r in bad_rows[:5]) + (", …" if len(bad_rows) > 5 else "")
        verb = "has an error" if len(bad_rows) == 1 else "have errors"
        noun = "row" if len(bad_rows) == 1 else "rows"
        reasons[order_id] = f"order rejected: {noun} {shown_rows} {verb}"
    read.log.add(sibling, "", [reasons[i] for i in ids[sibling]])
    return ~bad & ~sibling
