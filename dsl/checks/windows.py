"""Effective windows as half-open intervals of local time, and the checks that
need them: a window that ends before it starts, a strategy that an earlier one
always beats, and strategies of equal priority that compete for the same orders.

Both ends of `effective A to B` are inclusive: a bare date is the whole day, a
date-time that minute. So `2026-11-15 to 2026-12-31` is [Nov 15 00:00, Jan 1
00:00) and `... to 2026-12-31T23:59` is [..., Jan 1 00:00) too. All windows of
a ruleset share its time zone, so comparing wall-clock times is exact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dsl import syntax as s
from dsl.checks.codes import finding
from dsl.diagnostics import Diagnostic
from dsl.formatter import format_expr

Interval = tuple[dt.datetime, dt.datetime]
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
    return window_start(moment) + dt.timedelta(minutes=1)


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
    when: str | None
    """The `when` as canonical text: equal texts are equal conditions."""
    pins: dict[str, frozenset]

    @classmethod
    def of(cls, strategy: s.Strategy, order: int) -> _Facts:
        when = strategy.when
        return cls(
            strategy,
            order,
            _priority(strategy),
            intervals(strategy.effective),
            None if when is None else format_expr(when),
            {} if when is None else _pins(when),
        )


def check_reachability(ruleset: s.Ruleset, fallback_targets: set[str]) -> list[Diagnostic]:
    """Finds "`b` can never be chosen: `a` ... always wins" (error) and "`a` and `b` ...
    may both apply" (warning: equal priorities, at least one of them dated)."""
    found: list[Diagnostic] = []
    # Earlier strategies indexed by what can matter: by `when` text (None: no `when`)
    # for "always wins", by priority for "may compete". Keeps long rulesets fast.
    by_when: dict[str | None, list[_Facts]] = {}
    by_level: dict[int, list[_Facts]] = {}
    tried = by_priority(ruleset)
    for later in (_Facts.of(strategy, order) for order, (_, strategy) in enumerate(tried)):
        beaters = [*by_when.get(None, []), *(by_when.get(later.when, []) if later.when else [])]
        winner = min(
            (e for e in beaters if covers(e.spans, later.spans)),
            key=lambda e: e.order,
            default=None,
        )
        if winner is not None:
            if later.strategy.id not in fallback_targets:
                found.append(_never_chosen(winner.strategy, later.strategy))
        else:
            rival = next(
                (e for e in by_level.get(later.priority, []) if _may_compete(e, later)), None
            )
            if rival is not None:
                found.append(_competing(rival.strategy, later.strategy, later.priority))
        by_when.setdefault(later.when, []).append(later)
        by_level.setdefault(later.priority, []).append(later)
    return found


def _priority(strategy: s.Strategy) -> int:
    return DEFAULT_PRIORITY if strategy.priority is None else strategy.priority


def _may_compete(earlier: _Facts, later: _Facts) -> bool:
    """Dated strategies of equal priority whose windows overlap and whose `when`s may
    both hold. Undated strategies of equal priority are plain file order, no surprise."""
    if not (earlier.strategy.effective or later.strategy.effective):
        return False
    if not overlap(earlier.spans, later.spans):
        return False
    return not _exclusive(earlier, later)


def _never_chosen(earlier: s.Strategy, later: s.Strategy) -> Diagnostic:
    reason = "applies to every order (no `when`)" if earlier.when is None else "has the same `when`"
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
        f"priority {priority}{default} and may both apply to the same order while both are "
        f"in force; `{earlier.id}` wins because it comes first in the file. Give them "
        "different priorities to make the choice explicit",
    )


def _where(strategy: s.Strategy) -> str:
    return f" (line {strategy.span.line})" if strategy.span else ""


# -------------------------------------------------- exclusive conditions


def _exclusive(a: _Facts, b: _Facts) -> bool:
    """True only when the two `when`s pin one field to disjoint literal values
    (`order.delivery == "home"` vs `... in ["collect", "express"]`). Conservative:
    anything it cannot read counts as "may both hold"."""
    return any(not (a.pins[path] & b.pins[path]) for path in a.pins.keys() & b.pins.keys())


def _pins(expr: s.Expr) -> dict[str, frozenset]:
    """Fields that every order matching `expr` has at one of a few literal values."""
    conjuncts = expr.items if isinstance(expr, s.AllOf) else [expr]
    pins: dict[str, frozenset] = {}
    for item in conjuncts:
        pinned = _pin(item)
        if pinned:
            path, values = pinned
            pins[path] = pins[path] & values if path in pins else values
    return pins


def _pin(expr: s.Expr) -> tuple[str, frozenset] | None:
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
