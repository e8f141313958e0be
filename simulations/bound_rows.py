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
    and row of each entry, the rows' right-hand sides and the next free row number."""
    span = int(arcs.pair.max(initial=0)) + 1
    group, first = np.unique(arc_day * span + arcs.pair, return_inverse=True)
    stock = np.zeros(len(group), dtype=np.int64)
    stock[first] = arcs.stock
    arc_of, row_of, rhs = [], [], []
    row = first_row
    for level in [0, *np.unique(arcs.keep[arcs.keep > 0]).tolist()]:
        member = arcs.keep >= level
        total = np.bincount(first[member], arcs.cap[member], minlength=len(group))
        used = np.bincount(first[member], arcs.used[member], minlength=len(group))
        room = np.maximum(np.maximum(stock - level, 0), used)
        binding = np.flatnonzero(total > room)
        if not len(binding):
            continue
        number = np.full(len(group), -1, dtype=np.int64)
        number[binding] = np.arange(row, row + len(binding))
        row += len(binding)
        rhs.append(room[binding])
        take = np.flatnonzero(member & (number[first] >= 0))
        arc_of.append(take)
        row_of.append(number[first[take]])
    return (
        np.concatenate(arc_of) if arc_of else np.zeros(0, np.int64),
        np.concatenate(row_of) if row_of else np.zeros(0, np.int64),
        np.concatenate(rhs).astype(np.float64) if rhs else np.zeros(0),
        row,
    )


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


def numbered(binding: np.ndarray, limit: np.ndarray, first_row: int):
    """Row numbers for the binding groups (−1 for the others), the next free row number,
    and their right-hand sides."""
    chosen = np.flatnonzero(binding)
    number = np.full(len(binding), -1, dtype=np.int64)
    number[chosen] = np.arange(first_row, first_row + len(chosen))
    return number, first_row + len(chosen), np.asarray(limit, dtype=np.float64)[chosen]
