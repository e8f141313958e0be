"""What the bound's linear program (`simulations.bound_program`) is built from — the
day's order lines and their possible allocations (arcs) — and its fixed rows, numbered
once per program: which groups can bind, their row numbers and right-hand sides
(docs/kpis.md, "The model")."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Lines:
    """Order lines (SKUs of one order merged): their order, SKU and units."""

    order: np.ndarray
    sku: np.ndarray
    qty: np.ndarray


@dataclass(frozen=True)
class Arcs:
    """Possible (line, node) allocations: how many units at most (`cap`), the keep the
    order must leave there, the stock of the pair that day, the ruleset's units."""

    line: np.ndarray
    node: np.ndarray
    cap: np.ndarray
    keep: np.ndarray
    stock: np.ndarray
    pair: np.ndarray
    used: np.ndarray


def stock_rows(arc_day: np.ndarray, arcs: Arcs, first_row: int):
    """The stock rows (Σx ≤ stock per node, SKU and day) and keep rows (Σx of the arcs
    keeping k or more ≤ stock − k) that can bind, raised to the ruleset's use: the arc
    and row of each entry (level by level, arcs in order), the rows' right-hand sides
    and the next free row number. The sums per group and level are made in one pass
    (each arc counted at its own level) and added up from the top level down."""
    span = int(arcs.pair.max(initial=0)) + 1
    group, first = np.unique(arc_day * span + arcs.pair, return_inverse=True)
    stock = np.zeros(len(group), dtype=np.int64)
    stock[first] = arcs.stock
    levels = _levels(arcs.keep)
    level = np.searchsorted(levels, arcs.keep, side="right") - 1  # the highest it is in
    shape = (len(levels), len(group))
    cell, size = level * len(group) + first, len(levels) * len(group)
    total = np.bincount(cell, arcs.cap, minlength=size).reshape(shape)
    used = np.bincount(cell, arcs.used, minlength=size).reshape(shape)
    for k in range(len(levels) - 2, -1, -1):  # an arc in level k is in every level below
        total[k] += total[k + 1]
        used[k] += used[k + 1]
    room = np.maximum(np.maximum(stock - levels[:, None], 0), used)
    binding = np.flatnonzero(total > room)
    number = np.full(shape, -1, dtype=np.int64)
    number.flat[binding] = np.arange(first_row, first_row + len(binding))
    arc_of, row_of = [], []
    for k in range(len(levels)):
        row = number[k][first]
        take = np.flatnonzero((row >= 0) & (level >= k))
        arc_of.append(take)
        row_of.append(row[take])
    return (
        np.concatenate(arc_of),
        np.concatenate(row_of),
        room.flat[binding],
        first_row + len(binding),
    )


def _levels(keep: np.ndarray) -> np.ndarray:
    """0 and every `keep` above 0, ascending (a pass per level: there are few, and it
    is quicker than a sort)."""
    levels, above = [0], keep[keep > 0]
    while len(above):
        levels.append(int(above.min()))
        above = above[above > levels[-1]]
    return np.array(levels, dtype=np.int64)


def distinct(keys: np.ndarray, size: int):
    """The distinct `keys` (0 ≤ key < size) in ascending order and each key's place
    among them, as `np.unique(keys, return_inverse=True)` but through a table of
    `size` entries instead of a sort."""
    seen = np.zeros(size, dtype=bool)
    seen[keys] = True
    distinct = np.flatnonzero(seen)
    place = np.zeros(size, dtype=np.int64)
    place[distinct] = np.arange(len(distinct))
    return distinct, place[keys]


def run_starts(keys: np.ndarray) -> np.ndarray:
    """True where a run of equal `keys` begins: the first key and each change (none
    for no key)."""
    start = np.empty(len(keys), dtype=bool)
    start[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=start[1:])
    return start


def numbered(binding: np.ndarray, limit: np.ndarray, first_row: int):
    """Row numbers for the binding groups (−1 for the others), the next free row number,
    and their right-hand sides."""
    chosen = np.flatnonzero(binding)
    number = np.full(len(binding), -1, dtype=np.int64)
    number[chosen] = np.arange(first_row, first_row + len(chosen))
    return number, first_row + len(chosen), np.asarray(limit, dtype=np.float64)[chosen]
