"""Many interval questions at once, without comparing every pair: for each query
interval, the least `order` among given intervals that contain it, or that
overlap it. One sort and one sweep with a Fenwick tree: O((n + q) log n), where a
pairwise check is O(n · q) — the difference between milliseconds and minutes on
a ruleset of thousands of dated strategies.

Intervals are half-open, [start, end), of any ordered values (datetimes here).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Interval = tuple[Any, Any]
Point = tuple[Any, Any, int]
"""An interval and its order (smaller is earlier)."""


def earliest_containing(points: Sequence[Point], queries: Sequence[Interval]) -> list[int | None]:
    """For each query [a, b), the least order among points [s, t) with s <= a and
    b <= t (the point's interval contains the query's); None when none does."""
    return _least(points, queries, strict=False)


def earliest_overlapping(points: Sequence[Point], queries: Sequence[Interval]) -> list[int | None]:
    """For each query [a, b), the least order among points [s, t) with s < b and
    a < t (they share an instant); None when none does."""
    return _least(points, [(b, a) for a, b in queries], strict=True)


def _least(points: Sequence[Point], queries: Sequence[Interval], strict: bool) -> list[int | None]:
    """The least order among points with `start <= x` and `end >= y` for each query
    (x, y); with `strict`, `start < x` and `end > y`. Points are added in start
    order while the queries are answered in x order; a Fenwick tree over the ends
    (largest first) keeps the least order of every prefix of ends."""
    answers: list[int | None] = [None] * len(queries)
    if not points or not queries:
        return answers
    ends = sorted({end for _, end, _ in points}, reverse=True)
    rank = {end: index + 1 for index, end in enumerate(ends)}
    tree = _PrefixMinimum(len(ends))
    by_start = sorted(points, key=lambda point: point[0])
    added = 0
    for query in sorted(range(len(queries)), key=lambda q: queries[q][0]):
        x, y = queries[query]
        while added < len(by_start) and (
            by_start[added][0] < x if strict else by_start[added][0] <= x
        ):
            start, end, order = by_start[added]
            tree.lower(rank[end], order)
            added += 1
        # Ends are descending: those >= y (or > y) form a prefix of `ends`.
        reach = _prefix_length(ends, y, strict)
        answers[query] = tree.least(reach) if reach else None
    return answers


def _prefix_length(descending: Sequence[Any], bound: Any, strict: bool) -> int:
    """How many values at the front of `descending` are >= bound (> bound if strict)."""
    low, high = 0, len(descending)
    while low < high:
        middle = (low + high) // 2
        value = descending[middle]
        if value > bound or (not strict and value == bound):
            low = middle + 1
        else:
            high = middle
    return low


class _PrefixMinimum:
    """A Fenwick tree of the least value at each position, for prefixes."""

    def __init__(self, size: int):
        self.size = size
        self.cells: list[int | None] = [None] * (size + 1)

    def lower(self, position: int, value: int) -> None:
        cells = self.cells
        while position <= self.size:
            current = cells[position]
            if current is None or value < current:
                cells[position] = value
            position += position & -position

    def least(self, length: int) -> int | None:
        cells, best = self.cells, None
        while length > 0:
            value = cells[length]
            if value is not None and (best is None or value < best):
                best = value
            length -= length & -length
        return best
