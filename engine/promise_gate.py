"""What the language says about carriers and the delivery promise, and this engine
does not route yet: the clauses `lines where`, `ship with`, `deliver` and
`carrier by`, the rank key `eta`, and the fields the promise works out or reads
with its own meaning (`order.weekday`, `node.cutoff`, ...; FIELDS below).

The checker accepts them (docs/language.md describes them); compiling refuses a
ruleset that uses any of them, with one finding per use, rather than route it
as if the clause were not there.
"""

from __future__ import annotations

from collections.abc import Iterator

from dsl import syntax as s
from dsl.diagnostics import Diagnostic

CODE = "not-routed-yet"

CLAUSES = {
    "lines_where": ("lines where", "routes a group of the order's lines on its own"),
    "ship_with": ("ship with", "needs a carriers table"),
    "deliver": ("deliver", "needs the delivery promise (cut-offs, calendars, carriers)"),
    "carrier_by": ("carrier by", "needs a carriers table"),
}
"""Clause key (`Strategy.clause_spans`) → its words and what it needs."""

FIELDS = frozenset(
    {
        "order.weight_kg",
        "order.requested_date",
        "order.local_time",
        "order.weekday",
        "line.weight_kg",
        "node.cutoff",
        "node.open_days",
        "node.prep_days",
    }
)
"""Fields whose values the delivery promise defines (computed, or read from its new
columns with its own rules: day lists, `HH:MM` times, dates)."""


def unrouted(ruleset: s.Ruleset) -> list[Diagnostic]:
    """One error for each use of what this engine does not route yet, in file order."""
    found: list[Diagnostic] = []
    for strategy in ruleset.strategies:
        for clause, (words, needs) in CLAUSES.items():
            span = strategy.clause_spans.get(clause)
            if getattr(strategy, clause) is not None:
                found.append(
                    _finding(
                        span or strategy.span,
                        f"strategy `{strategy.id}`: `{words}` {needs}, which routing does not "
                        "support yet",
                        len(words),
                    )
                )
        for key in strategy.rank or []:
            if isinstance(key.key, s.Name) and key.key.name == "eta":
                found.append(
                    _finding(
                        key.span or strategy.span,
                        f"strategy `{strategy.id}`: the rank key `eta` needs the delivery "
                        "promise, which routing does not support yet",
                        len("eta"),
                    )
                )
        for field in _fields(strategy):
            found.append(
                _finding(
                    field.span or strategy.span,
                    f"strategy `{strategy.id}`: `{field.path}` belongs to the delivery "
                    "promise, which routing does not support yet",
                    len(field.path),
                )
            )
    found.sort(key=lambda d: (d.line, d.column))
    return found


def _fields(strategy: s.Strategy) -> Iterator[s.FieldRef]:
    roots = [strategy.when, strategy.source, *(keep.at for keep in strategy.keep)]
    roots += [key.key for key in strategy.rank or []]
    for root in roots:
        if root is None:
            continue
        for expr in s.walk(root):
            if isinstance(expr, s.FieldRef) and expr.path in FIELDS:
                yield expr


def _finding(span: s.Span | None, message: str, length: int) -> Diagnostic:
    line, column = (span.line, span.column) if span is not None else (1, 1)
    return Diagnostic(
        severity="error",
        message=message + "; `sourcing check` accepts it, but routing refuses the ruleset "
        "rather than ignore it",
        line=line,
        column=column,
        length=length,
        code=CODE,
    )
