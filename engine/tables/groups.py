"""Tables whose rows form groups by an id column — orders (`order_id`) and
returns (`return_id`): at most MAX_LINES rows per group, group-level columns
every row repeats, a group with one bad row rejected whole, and the kept rows
in time order (by `created_at`, then group id, then file order)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from engine.arrow import EMPTY, Ints, Mask, from_numpy, row_indices, str_list, texts
from engine.arrow import to_numpy as as_numpy
from engine.limits import MAX_LINES
from engine.tables.cells import ColumnReader, floats
from engine.tables.moments import instants
from engine.tables.raw import FrameLayout
from engine.tables.table import Table
from engine.tables.text import shown

RowValues: TypeAlias = "dict[str, pa.Array[Any] | npt.NDArray[Any]]"
"""A table's columns as read, before the rows are chosen: texts in Arrow,
numbers in numpy (instants as int64 microseconds, the rest as float64)."""


@dataclass(frozen=True)
class Grouping:
    """How rows form groups: the id column, what a group is called in reasons,
    and the columns every row of a group must repeat."""

    column: str
    noun: str
    level: tuple[str, ...]
    named: bool = False
    """Whether the reason given to the other rows of a rejected group names it
    (an orders reject carries the order id beside its reason already)."""


def grouped_table(
    read: ColumnReader, grouping: Grouping, values: RowValues, contract: tuple[str, ...]
) -> Table:
    """The good rows of `values` (the contract's columns as read, `created_at`
    among them) and the extra columns, in time order, with every reject: the
    checks of the groups run after the checks of the cells."""
    codes = _group_codes(read, grouping)
    _check_group_size(read, grouping, codes)
    _check_group_level(read, grouping, values, codes)
    good = _reject_whole_groups(read, grouping, codes)
    created = np.asarray(values["created_at"])  # int64 microseconds
    order = _in_time_order(created, np.flatnonzero(good), codes, read, grouping)
    columns: dict[str, pa.Array[Any]] = {}
    for name, v in values.items():
        if name == "created_at":
            columns[name] = instants(created)
        else:
            columns[name] = floats(v) if isinstance(v, np.ndarray) else v
    extras, kept = read.extras(contract)
    table = pa.table({**columns, **extras})
    if len(order) != table.num_rows or (order != np.arange(len(order))).any():
        table = table.take(row_indices(order))
    order_ids = read.distinct("order_id").texts if read.has("order_id") else None
    layout = FrameLayout(kept=kept, originals=read.raw.originals, positions=order)
    return Table(table, read.log.rejects(order_ids=order_ids), layout)


def _group_codes(read: ColumnReader, grouping: Grouping) -> Ints:
    """One integer per group (in order of first appearance); -1 for an empty id."""
    ids = read.distinct(grouping.column)
    empty = as_numpy(pc.equal(ids.values, EMPTY))
    if not empty.any():
        return ids.codes
    renumbered = np.cumsum(~empty) - 1
    renumbered[empty] = -1
    return renumbered[ids.codes]


def _check_group_size(read: ColumnReader, grouping: Grouping, codes: Ints) -> None:
    """A group of more than MAX_LINES rows: its first row past the limit is
    rejected (and so the group, whole)."""
    if len(codes) <= MAX_LINES:
        return
    valid = codes >= 0
    lines = np.bincount(codes[valid])
    if not len(lines) or lines.max() <= MAX_LINES:
        return
    by_group = np.argsort(codes, kind="stable")
    sorted_codes = codes[by_group]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    position = np.empty(len(codes), dtype=np.int64)
    position[by_group] = np.arange(len(codes)) - np.repeat(
        starts, np.diff(np.r_[starts, len(codes)])
    )
    extra = (position == MAX_LINES) & valid
    ids = read.distinct(grouping.column).texts(extra)
    noun = grouping.noun
    read.log.add(
        extra,
        grouping.column,
        [
            f"{noun} {group_id!r} has {lines[code]:,} lines; at most {MAX_LINES:,} make one {noun}"
            for group_id, code in zip(ids, codes[extra].tolist(), strict=True)
        ],
    )


def _check_group_level(
    read: ColumnReader, grouping: Grouping, values: RowValues, codes: Ints
) -> None:
    """Every row must repeat its group's first row for the group-level columns."""
    valid = codes >= 0
    if not valid.any():
        return
    size = len(codes)
    first = np.full(codes.max() + 1, size, dtype=np.int64)
    np.minimum.at(first, codes[valid], np.flatnonzero(valid))
    lead = np.where(valid, first[np.where(valid, codes, 0)], 0)
    later = valid & (lead != np.arange(size))  # a group's other rows
    if not later.any():
        return
    # Rows of one group usually follow each other: a run of rows each equal to the
    # row before equals its first row, so only the runs with a change, and the
    # rows that follow another group's row, are compared with their group's first.
    follows = np.zeros(size, dtype=bool)
    follows[1:] = later[1:] & (codes[1:] == codes[:-1])
    run = np.cumsum(~follows)
    ids = read.distinct(grouping.column)
    for column in grouping.level:
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
                f"{column} differs between the lines of {grouping.noun} {g!r}: "
                f"{h} here, {t} on row {r}"
                for g, h, t, r in zip(ids.texts(differs), here, there, rows, strict=True)
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


def _reject_whole_groups(read: ColumnReader, grouping: Grouping, codes: Ints) -> Mask:
    """Reject the other rows of every group that has a bad row (a CSV record that
    could not be split included: its group is read from its cells); return the
    mask of good rows. A reject carries the row's `order_id` as written."""
    size = len(codes)
    bad = read.log.bad(size)
    rows = read.raw.rows
    ids = read.distinct(grouping.column)
    faulty: dict[str, list[int]] = {}
    flagged = bad & (codes >= 0)
    for group_id, row in zip(ids.texts(flagged), rows[flagged].tolist(), strict=True):
        faulty.setdefault(group_id, []).append(row)
    for record in read.raw.broken:
        group_id = record.values.get(grouping.column, "").strip()
        read.log.add_row(record.row, "", record.reason, record.values.get("order_id", "").strip())
        if group_id:
            faulty.setdefault(group_id, []).append(record.row)
    if not faulty:
        return ~bad
    sibling = as_numpy(pc.is_in(ids.text, value_set=texts(list(faulty)))) & ~bad
    reasons = {}
    for group_id, bad_rows in faulty.items():
        bad_rows = sorted(bad_rows)
        shown_rows = ", ".join(str(r) for r in bad_rows[:5]) + (", …" if len(bad_rows) > 5 else "")
        verb = "has an error" if len(bad_rows) == 1 else "have errors"
        noun = "row" if len(bad_rows) == 1 else "rows"
        name = f"{grouping.noun} {group_id!r}" if grouping.named else grouping.noun
        reasons[group_id] = f"{name} rejected: {noun} {shown_rows} {verb}"
    read.log.add(sibling, "", [reasons[i] for i in ids.texts(sibling)])
    return ~bad & ~sibling


def _in_time_order(
    moments: Ints, keep: Ints, codes: Ints, read: ColumnReader, grouping: Grouping
) -> Ints:
    """Positions of the kept rows by instant, then group id, then file order.
    Only runs of one instant holding several groups need the (slower) id sort."""
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
    distinct = read.distinct(grouping.column)  # its codes count the empty id too
    involved, inverse = np.unique(distinct.codes[order[spots]], return_inverse=True)
    ids = str_list(distinct.values.take(row_indices(involved)))
    rank = np.empty(len(involved), dtype=np.int64)
    rank[np.argsort(np.asarray(ids, dtype=object), kind="stable")] = np.arange(len(involved))
    by = np.lexsort((order[spots], rank[inverse], kept[spots]))
    order[spots] = order[spots][by]
    return order
