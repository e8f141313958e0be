"""What routing can only do with a carriers table: the clauses `ship with` and `carrier
by`, which choose among carrier services (docs/language.md, "Without a carriers
table"). Binding a ruleset that uses either to a network without a carriers table is
refused, with one finding per use, rather than routed as if the clause were not
there; `deliver` and the rank key `eta` read the distance eta instead.
"""

from __future__ import annotations

from dsl import syntax as s
from dsl.diagnostics import Diagnostic

CODE = "needs-carriers"

CLAUSES = {"ship_with": "ship with", "carrier_by": "carrier by"}
"""Clause key (`Strategy.clause_spans`) → its words."""


def needs_carriers(ruleset: s.Ruleset) -> list[Diagnostic]:
    """One error for each use of what needs a carriers table, in file order."""
    found: list[Diagnostic] = []
    for strategy in ruleset.strategies:
        for clause, words in CLAUSES.items():
            if getattr(strategy, clause) is not None:
                span = strategy.clause_spans.get(clause) or strategy.span
                found.append(_finding(span, f"strategy `{strategy.id}`: `{words}`", len(words)))
    found.sort(key=lambda d: (d.line, d.column))
    return found


def _finding(span: s.Span | None, what: str, length: int) -> Diagnostic:
    line, column = (span.line, span.column) if span is not None else (1, 1)
    return Diagnostic(
        severity="error",
        message=what + " needs a carriers table: give one (`--carriers FILE`, or the "
        "carriers of the data set) to route this ruleset",
        line=line,
        column=column,
        length=length,
        code=CODE,
    )
