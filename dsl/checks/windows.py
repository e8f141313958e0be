"""Effective windows as half-open intervals of local time, and the checks that
need them: a window that ends before it starts, a strategy that an earlier one
always beats, and strategies of equal priority that compete for the same orders.

Both ends of `effective A to B` are inclusive: a bare date is the whole day, a
date-time that minute. So `2026-11-15 to 2026-12-31` is [Nov 15 00:00, Jan 1
00:00) and `... to 2026-12-31T23:59` is [..., Jan 1 00:00) too. All windows of
a ruleset share its time zone, so comparing wall-clock times is exact.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
from collections.abc import Iterator
from dataclasses import dataclass

from dsl import limits
from dsl import syntax as s
from dsl.checks import sweep
from dsl.checks.codes import finding
from dsl.diagnostics import Diagnostic

Interval = tuple[dt.datetime, dt.datetime]
Pinned = frozenset[object]
"""The literal values a `when` pins a field to (each as `_literal` keys it)."""
BEGINNING, END_OF_TIME = dt.datetime.min, dt.datetime.max
ALWAYS: list[Interval] = [(BEGINNING, END_OF_TIME)]
DEFAULT_PRIORITY = 100


def window_start(moment: s.Moment) -> dt.datetime:
    """The first instant a moment covers (local wall-clock time)."""
    return dt.datetime.combine(moment.day, moment.minute or dt.time(0, 0))


def window_end(moment: s.Moment) -> dt.datetime:
    """The instant just after a moment: the next day for a date, the next minute for a time."""
    if moment.minute is None:
        if moment.day == dt.date.max:
            return END_OF_TIME
        return dt.datetime.combine(moment.day + dt.timedelta(days=1), dt.time(0, 0))
    start = window_start(moment)
    return END_OF_TIME if start > END_OF_TIME - dt.timedelta(minutes=1) else start + _MINUTE


_MINUTE = dt.timedelta(minutes=1)


def intervals(windows: list[s.Effective]) -> list[Interval]:
    """The union of a strategy's windows, merged and sorted; no window means always."""
    if not windows:
        return list(ALWAYS)
    spans = []
    for window in windows:
        start = window_start(window.start) if window.start else BEGINNING
        end = window_end(window.end) if window.end else END_OF_TIME
        if start < end:
            spans.append((start, end))
    merged: list[Interval] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def covers(outer: list[Interval], inner: list[Interval]) -> bool:
    """True when every instant of `inner` lies in `outer` (both merged)."""
    return all(any(o0 <= i0 and i1 <= o1 for o0, o1 in outer) for i0, i1 in inner)


def overlap(a: list[Interval], b: list[Interval]) -> bool:
    return any(a0 < b1 and b0 < a1 for a0, a1 in a for b0, b1 in b)


# ------------------------------------------------------------------ checks


def check_window_dates(strategy: s.Strategy) -> list[Diagnostic]:
    """Reports "`9999-12-31` is outside the dates a ruleset may use" for a tree built
    in code (the parser refuses such a date already): see `dsl.limits.FIRST_DATE`."""
    return [
        date_out_of_range(moment)
        for window in strategy.effective
        for moment in (window.start, window.end)
        if moment is not None and not limits.FIRST_DATE <= moment.day <= limits.LAST_DATE
    ]


def date_out_of_range(moment: s.Moment) -> Diagnostic:
    return finding(
        "date-out-of-range",
        moment.span,
        f"`{moment.text()}` is outside the dates a ruleset may use, {limits.FIRST_DATE} to "
        f"{limits.LAST_DATE}; to leave a window open, leave out its end (`effective from`) "
        "or its start (`effective until`)",
    )


def check_window_order(strategy: s.Strategy) -> list[Diagnostic]:
    """Reports "this window ends ... before it starts ...": an empty window is a typo."""
    found = []
    for window in strategy.effective:
        if window.start and window.end and window_end(window.end) <= window_start(window.start):
            found.append(
                finding(
                    "effective-ends-before-start",
                    window.end.span or window.span,
                    f"this window ends ({window.end.text()}) before it starts "
                    f"({window.start.text()}): write the earlier date first",
                )
            )
    return found


def by_priority(ruleset: s.Ruleset) -> list[tuple[int, s.Strategy]]:
    """Strategies in the order they are tried: ascending priority, then file order."""
    ordered = sorted(
        enumerate(ruleset.strategies),
        key=lambda pair: (_priority(pair[1]), pair[0]),
    )
    return [(_priority(strategy), strategy) for _, strategy in ordered]


@dataclass(frozen=True)
class _Facts:
    """What the reachability checks compare, computed once per strategy."""

    strategy: s.Strategy
    order: int
    """Position in the order strategies are tried."""
    priority: int
    spans: list[Interval]
    takes: s.Shape | None
    """What the strategy takes when in force: None for every line of every order (no
    `when`, no `lines where`), else the shapes (`dsl.syntax.shape`) of its `when` and
    `lines where`: equal shapes are equal conditions."""
    pins: dict[str, Pinned]

    @classmethod
    def of(cls, strategy: s.Strategy, order: int) -> _Facts:
        when, lines = strategy.when, strategy.lines_where
        takes = None
        if when is not None or lines is not None:
            takes = (_shape(when), _shape(lines))
        return cls(
            strategy,
            order,
            _priority(strategy),
            intervals(strategy.effective),
            takes,
            {} if when is None else _pins(when),
        )


def _shape(expr: s.Expr | None) -> s.Shape | None:
    return None if expr is None else s.shape(expr)


FURTHER_CANDIDATES = 64
"""How many more earlier strategies are examined, one by one, when the quick
answer does not settle a case (see `_earliest_beater` and `_earliest_rival`)."""


def check_reachability(ruleset: s.Ruleset, fallback_targets: set[str]) -> list[Diagnostic]:
    """Finds "`b` can never be chosen: `a` ... always wins" (error) and "`a` and `b` ...
    may both apply" (warning: equal priorities, at least one of them dated).

    Every strategy is compared with those tried before it through a sweep over the
    windows (`dsl.checks.sweep`), never pair by pair, so the check stays fast on a
    ruleset of thousands of dated strategies. Order strategies and return strategies
    are chosen apart (orders by the one, returns by the other), so each kind is
    compared only with its own."""
    found: list[Diagnostic] = []
    for kind in ("order", "return"):
        tried = ruleset.tried_order(kind)
        if tried:
            found += _reachability(tried, fallback_targets)
    return found


def _reachability(tried: list[s.Strategy], fallback_targets: set[str]) -> list[Diagnostic]:
    """`check_reachability` for strategies of one kind, in the order they are tried."""
    facts = [_Facts.of(strategy, order) for order, strategy in enumerate(tried)]
    beaters = _earliest_beaters(facts)
    rivals = _earliest_rivals(
        facts, {later.order for later in facts if beaters[later.order] is None}
    )
    found: list[Diagnostic] = []
    for later in facts:
        winner = beaters[later.order]
        if winner is not None:
            if later.strategy.id not in fallback_targets:
                found.append(_never_chosen(winner.strategy, later.strategy))
        elif later.order in rivals:
            found.append(_competing(rivals[later.order].strategy, later.strategy, later.priority))
    return found


def _earliest_beaters(facts: list[_Facts]) -> list[_Facts | None]:
    """For each strategy, the first one tried before it that has no `when` and no
    `lines where` (or the same ones) and whose windows cover all of its own: it
    always wins."""
    groups: dict[s.Shape | None, list[_Facts]] = {}
    for fact in facts:
        groups.setdefault(fact.takes, []).append(fact)
    # The least order covering each window of each strategy, from its own group
    # (the same `when`) and from the group without `when`.
    least: dict[tuple[int, int], int] = {}
    for takes, members in groups.items():
        if takes is not None and len(members) == 1:
            continue  # a `when` (or `lines where`) of its own: nothing before it shares it
        points = [(a, b, m.order) for m in members for a, b in m.spans]
        askers = members if takes is not None else facts
        asked = [(m.order, index) for m in askers for index in range(len(m.spans))]
        answers = sweep.earliest_containing(
            points, [facts[order].spans[index] for order, index in asked]
        )
        for key, answer in zip(asked, answers, strict=True):
            if answer is not None and answer < least.get(key, answer + 1):
                least[key] = answer
    beaters: list[_Facts | None] = []
    for later in facts:
        lower = [least.get((later.order, index)) for index in range(len(later.spans))]
        beaters.append(_earliest_beater(later, lower, groups, facts))
    return beaters


def _earliest_beater(
    later: _Facts,
    lower: list[int | None],
    groups: dict[s.Shape | None, list[_Facts]],
    facts: list[_Facts],
) -> _Facts | None:
    """The beater of `later`, given for each of its windows the first strategy that
    covers that window. One window (or none: always): that strategy. Several: the
    same strategy must cover them all; when the first ones differ, up to
    `FURTHER_CANDIDATES` more are examined in order."""
    pools = [groups.get(None, [])]
    if later.takes is not None:
        pools.append(groups.get(later.takes, []))
    if not later.spans:  # never in force (its windows are empty): any beater covers it
        first_ones = [pool[0] for pool in pools if pool and pool[0].order < later.order]
        return min(first_ones, key=lambda f: f.order, default=None)
    orders = [order for order in lower if order is not None]
    if len(orders) < len(lower) or any(order >= later.order for order in orders):
        return None
    first = max(orders)  # no strategy before this one covers every window
    if all(order == first for order in orders):
        return facts[first]
    candidates = heapq.merge(*(_from(pool, first) for pool in pools), key=lambda f: f.order)
    for examined, candidate in enumerate(candidates):
        if candidate.order >= later.order or examined == FURTHER_CANDIDATES:
            return None
        if covers(candidate.spans, later.spans):
            return candidate
    return None


def _from(members: list[_Facts], order: int) -> Iterator[_Facts]:
    """The members (in the order strategies are tried) from `order` on, without
    walking past the earlier ones."""
    start = bisect.bisect_left(members, order, key=lambda fact: fact.order)
    return (members[index] for index in range(start, len(members)))


def _earliest_rivals(facts: list[_Facts], asking: set[int]) -> dict[int, _Facts]:
    """For each strategy whose order is in `asking`, the first one of equal priority
    tried before it that may compete with it: at least one of the two is dated,
    their windows overlap, and their `when`s may both hold (not `_exclusive`).
    Undated strategies of equal priority are plain file order, no surprise."""
    levels: dict[int, list[_Facts]] = {}
    for fact in facts:
        levels.setdefault(fact.priority, []).append(fact)
    rivals: dict[int, _Facts] = {}
    for members in levels.values():
        if len(members) == 1:
            continue  # alone at its priority: no rival
        dated = [m for m in members if m.strategy.effective]
        undated = [m for m in members if not m.strategy.effective]
        # A dated strategy may compete with any other; an undated one only with dated ones.
        for pool, everyone in ((members, dated), (dated, undated)):
            askers = [m for m in everyone if m.order in asking]
            points = [(a, b, m.order) for m in pool for a, b in m.spans]
            asked = [(m, index) for m in askers for index in range(len(m.spans))]
            answers = sweep.earliest_overlapping(points, [m.spans[i] for m, i in asked])
            first: dict[int, int] = {}
            for (asker, _), answer in zip(asked, answers, strict=True):
                if answer is not None and answer < first.get(asker.order, answer + 1):
                    first[asker.order] = answer
            by_order = {m.order: m for m in pool}
            pinned = _PinIndex(pool)
            for asker in askers:
                rival = _earliest_rival(asker, first.get(asker.order), by_order, pinned)
                if rival is not None:
                    rivals[asker.order] = rival
    return rivals


def _earliest_rival(
    later: _Facts, first: int | None, by_order: dict[int, _Facts], pinned: _PinIndex
) -> _Facts | None:
    """`first` is the earliest strategy of the pool whose windows overlap `later`'s.
    It is the rival unless their `when`s exclude each other; then the strategies
    after it whose `when` can hold with `later`'s on the field that excluded `first`
    are examined in order, up to `FURTHER_CANDIDATES` of them."""
    if first is None or first >= later.order:
        return None
    earliest = by_order[first]
    if not _exclusive(earliest, later):
        return earliest
    path = next(
        p for p in earliest.pins.keys() & later.pins.keys() if not earliest.pins[p] & later.pins[p]
    )
    for examined, candidate in enumerate(pinned.compatible(path, later.pins[path], first + 1)):
        if candidate.order >= later.order or examined == FURTHER_CANDIDATES:
            return None
        if overlap(candidate.spans, later.spans) and not _exclusive(candidate, later):
            return candidate
    return None


class _PinIndex:
    """The strategies of a pool (in the order they are tried) by the values their
    `when` pins a field to, built for a field the first time it is asked about."""

    def __init__(self, pool: list[_Facts]):
        self.pool = pool
        self.by_path: dict[str, tuple[dict[object, list[_Facts]], list[_Facts]]] = {}

    def compatible(self, path: str, values: Pinned, order: int) -> Iterator[_Facts]:
        """From `order` on, in order: the strategies whose `when` pins `path` to one
        of `values`, or does not pin it at all (theirs and `values` can meet)."""
        if path not in self.by_path:
            by_value: dict[object, list[_Facts]] = {}
            free: list[_Facts] = []
            for fact in self.pool:
                for value in fact.pins.get(path, ()):
                    by_value.setdefault(value, []).append(fact)
                if path not in fact.pins:
                    free.append(fact)
            self.by_path[path] = (by_value, free)
        by_value, free = self.by_path[path]
        streams = [_from(by_value.get(value, []), order) for value in values]
        merged = heapq.merge(*streams, _from(free, order), key=lambda fact: fact.order)
        last = None
        for fact in merged:  # a strategy pinning several of `values` comes once
            if fact is not last:
                yield fact
            last = fact


def _priority(strategy: s.Strategy) -> int:
    return DEFAULT_PRIORITY if strategy.priority is None else strategy.priority


def _never_chosen(earlier: s.Strategy, later: s.Strategy) -> Diagnostic:
    if earlier.lines_where is not None:
        same = "`lines where`" if earlier.when is None else "`when` and `lines where`"
        reason = f"has the same {same}"
    elif earlier.when is None:
        reason = f"applies to every {_SUBJECT[earlier.kind]} (no `when`)"
    else:
        reason = "has the same `when`"
    return finding(
        "never-chosen",
        later.clause_spans.get("id") or later.span,
        f"strategy `{later.id}` can never be chosen: `{earlier.id}`{_where(earlier)} "
        f"is tried first (priority {_priority(earlier)}), {reason} and is in force whenever "
        f"`{later.id}` is; give `{earlier.id}` a `when`, or give `{later.id}` a priority "
        f"number below {_priority(earlier)}",
    )


def _competing(earlier: s.Strategy, later: s.Strategy, priority: int) -> Diagnostic:
    default = " (the default)" if later.priority is None else ""
    return finding(
        "overlapping-strategies",
        later.clause_spans.get("id") or later.span,
        f"strategies `{earlier.id}`{_where(earlier)} and `{later.id}` both have "
        f"priority {priority}{default} and may both apply to the same "
        f"{_SUBJECT[later.kind]} while both are "
        f"in force; `{earlier.id}` wins because it comes first in the file. Give them "
        "different priorities to make the choice explicit",
    )


_SUBJECT = {"order": "order", "return": "return"}
"""What a strategy of each kind applies to, in messages."""


def _where(strategy: s.Strategy) -> str:
    return f" (line {strategy.span.line})" if strategy.span else ""


# -------------------------------------------------- exclusive conditions


def _exclusive(a: _Facts, b: _Facts) -> bool:
    """True only when the two `when`s pin one field to disjoint literal values
    (`order.delivery == "home"` vs `... in ["collect", "express"]`). Conservative:
    anything it cannot read counts as "may both hold"."""
    return any(not (a.pins[path] & b.pins[path]) for path in a.pins.keys() & b.pins.keys())


def pinned_values(expr: s.Expr | None, path: str) -> frozenset[object] | None:
    """The values a field has in every order matching `expr`, when `expr` pins it
    to literals (`order.delivery == "home"`, `... in ["home", "express"]`), else None."""
    if expr is None:
        return None
    pinned = _pins(expr).get(path)
    if pinned is None:
        return None
    return frozenset(item[1] for item in pinned if isinstance(item, tuple))


def _pins(expr: s.Expr) -> dict[str, Pinned]:
    """Fields that every order matching `expr` has at one of a few literal values."""
    conjuncts = expr.items if isinstance(expr, s.AllOf) else [expr]
    pins: dict[str, Pinned] = {}
    for item in conjuncts:
        pinned = _pin(item)
        if pinned:
            path, values = pinned
            pins[path] = pins[path] & values if path in pins else values
    return pins


def _pin(expr: s.Expr) -> tuple[str, Pinned] | None:
    if isinstance(expr, s.FieldRef):
        return expr.path, frozenset({("value", True)})
    if isinstance(expr, s.Not) and isinstance(expr.operand, s.FieldRef):
        return expr.operand.path, frozenset({("value", False)})
    if not isinstance(expr, s.Compare):
        return None
    if expr.op == "==":
        for field, value in ((expr.left, expr.right), (expr.right, expr.left)):
            if isinstance(field, s.FieldRef) and _literal(value) is not None:
                return field.path, frozenset({_literal(value)})
    if expr.op == "in" and isinstance(expr.left, s.FieldRef) and isinstance(expr.right, s.ListOf):
        values = [_literal(item) for item in expr.right.items]
        if all(v is not None for v in values):
            return expr.left.path, frozenset(values)
    return None


def _literal(expr: s.Expr) -> object | None:
    if isinstance(expr, s.Text | s.Number | s.Boolean):
        return ("value", expr.value)
    return None
