"""Checks of return strategies (`return strategy`, returns.md) and of what keeps the
two kinds of strategy apart: the clauses of each kind, its fields (`dsl.checks.
expressions`), its rank keys, and fallbacks within one kind. Each function returns
its findings; its docstring quotes the message it gives."""

from __future__ import annotations

from dsl import syntax as s
from dsl.checks.codes import finding
from dsl.checks.expressions import (
    ANY,
    CLOCK,
    NUMBER,
    RETURN_NODE_ROOTS,
    RETURN_ROOTS,
    TEXT,
    CheckRun,
    Scope,
    check_condition,
    check_value,
    kind_word,
)
from dsl.checks.strategies import check_rank
from dsl.diagnostics import Diagnostic
from dsl.expected import join_or
from dsl.formatter import KIND_WORDS, format_case_value, format_expr
from dsl.schema import FIELDS, FieldSpec
from dsl.suggestions import closest

ORDER_CLAUSES = {
    "source": "source from",
    "transfer": "transfer from",
    "keep": "keep",
    "lines_where": "lines where",
    "ship_with": "ship with",
    "deliver": "deliver",
    "carrier_by": "carrier by",
    "split": "split",
    "on_shortage": "on shortage",
}
"""The clauses only an order strategy takes (strategy field → words)."""
RETURN_CLAUSES = {
    "send_to": "send to",
    "disposition": "disposition",
    "restock_after": "restock after",
}
"""The clauses only a return strategy takes (strategy field → words)."""
_MATCHABLE = (TEXT, NUMBER, CLOCK, ANY)
"""The kinds of value `disposition by` can match with its cases (words and numbers)."""


def check_clause_kinds(strategy: s.Strategy) -> list[Diagnostic]:
    """Reports "`send to` is a clause of return strategies: strategy `a` routes
    orders ..." and "`source from` is a clause of order strategies: return strategy
    `b` routes returned units ...", once for each clause."""
    found: list[Diagnostic] = []
    misplaced = RETURN_CLAUSES if strategy.kind == "order" else ORDER_CLAUSES
    for key, words in misplaced.items():
        value = getattr(strategy, key)
        if value is None or value == []:
            continue
        spans = [keep.span for keep in strategy.keep] if key == "keep" else [None]
        for span in spans:
            where = span or strategy.clause_spans.get(key) or strategy.span
            message = _misplaced(strategy, words)
            found.append(finding("clause-not-for-kind", where, message, len(words)))
    return found


def _misplaced(strategy: s.Strategy, words: str) -> str:
    if strategy.kind == "order":
        return (
            f"`{words}` is a clause of return strategies: strategy `{strategy.id}` routes orders, "
            f"so it would never apply; start it with `return strategy` if it routes returned "
            "units, or remove the line"
        )
    instead = (
        "a return strategy chooses its nodes with `send to`"
        if words == "source from"
        else "remove the line"
    )
    return (
        f"`{words}` is a clause of order strategies: return strategy `{strategy.id}` routes "
        f"returned units, not orders, so it would never apply; {instead}"
    )


def check_fallback_kinds(ruleset: s.Ruleset) -> list[Diagnostic]:
    """Reports "`otherwise use b`: `b` is a return strategy, but `a` is an order
    strategy": a chain stays within one kind."""
    kinds: dict[str, s.Strategy] = {}
    for strategy in ruleset.strategies:
        kinds.setdefault(strategy.id, strategy)
    found = []
    for strategy in ruleset.strategies:
        target = kinds.get(strategy.otherwise or "")
        if target is None or target.kind == strategy.kind:
            continue
        found.append(
            finding(
                "fallback-other-kind",
                strategy.clause_spans.get("otherwise") or strategy.span,
                f"`otherwise use {target.id}`: `{target.id}` is {_a(target)}, but "
                f"`{strategy.id}` is {_a(strategy)}; a strategy falls back to one of its own "
                f"kind (`{KIND_WORDS[strategy.kind]}`)",
                len("otherwise use"),
            )
        )
    return found


def _a(strategy: s.Strategy) -> str:
    return "an order strategy" if strategy.kind == "order" else "a return strategy"


def check_return_strategy(
    strategy: s.Strategy, extra: frozenset[str], run: CheckRun | None = None
) -> list[Diagnostic]:
    """Every finding about the clauses of one return strategy: the clauses it needs,
    its fields and rank keys, its disposition and `restock after`."""
    found: list[Diagnostic] = []
    run = CheckRun() if run is None else run
    where = strategy.clause_spans.get("id") or strategy.span
    if strategy.send_to is None:
        found.append(
            finding(
                "missing-send-to",
                where,
                f"return strategy `{strategy.id}` has no `send to`: every return strategy says "
                'which nodes its units may go to, such as `send to node.tags has "returns"`',
            )
        )
    if strategy.disposition is None:
        found.append(
            finding(
                "missing-disposition",
                where,
                f"return strategy `{strategy.id}` has no `disposition`: every return strategy "
                "says what becomes of its units, such as `disposition restock` or "
                "`disposition by return.condition: new -> restock, opened -> refurbish, "
                "damaged -> liquidate`",
            )
        )
    if strategy.when is not None:
        check_condition(strategy.when, Scope("when", RETURN_ROOTS, extra, found, run, "return"))
    if strategy.send_to is not None:
        scope = Scope("send to", RETURN_NODE_ROOTS, extra, found, run, "return")
        check_condition(strategy.send_to, scope)
    check_rank(
        strategy.rank or [], Scope("rank by", RETURN_NODE_ROOTS, extra, found, run, "return")
    )
    if strategy.disposition is not None:
        scope = Scope("disposition by", RETURN_ROOTS, extra, found, run, "return")
        _disposition(strategy, strategy.disposition, scope)
    found += _restock_after(strategy)
    return found


# ---------------------------------------------------------------- disposition


def _disposition(strategy: s.Strategy, disposition: s.Disposition, scope: Scope) -> None:
    """A fixed disposition, or `disposition by`: its value, its cases, what they leave out."""
    if disposition.by is None:
        if disposition.fixed is not None:
            _known_disposition(disposition.fixed, disposition.span, scope)
        return
    by = disposition.by
    before = len(scope.found)
    kind = check_value(by, scope)
    if len(scope.found) > before:
        return  # the value is already wrong: its cases cannot be judged
    if kind not in _MATCHABLE:
        scope.report(
            "disposition-by-not-a-value",
            by,
            f"`disposition by` matches the value of `{format_expr(by)}` with its cases, but it "
            f"is {kind_word(kind)}: name a value such as `return.condition` "
            "(cases `new -> restock, ...`)",
        )
        return
    spec = FIELDS.get(by.path) if isinstance(by, s.FieldRef) else None
    seen: dict[tuple[str, object], s.DispositionCase] = {}
    for case in disposition.cases:
        _known_disposition(case.disposition, _word_span(case), scope)
        key = _case_key(case.value)
        if key in seen:
            _duplicate(case, seen[key], scope)
            continue
        seen[key] = case
        _case_value(case, by, kind, spec, scope)
    if spec is not None and spec.values:
        named = {case.value for case in disposition.cases}
        missing = [value for value in spec.values if value not in named]
        if missing:
            _uncovered(strategy, by, missing, spec.closed, scope)


def _known_disposition(word: str, span: s.Span | None, scope: Scope) -> None:
    """Reports "`restok` is not a disposition (did you mean `restock`?)"."""
    if word in s.DISPOSITIONS:
        return
    scope.found.append(
        finding(
            "unknown-disposition",
            span,
            f"`{word}` is not a disposition{_hint(closest(word, s.DISPOSITIONS))}: write "
            + join_or([f"`{d}`" for d in s.DISPOSITIONS]),
        )
    )


def _hint(match: str | None) -> str:
    return f" (did you mean `{match}`?)" if match else ""


def _word_span(case: s.DispositionCase) -> s.Span | None:
    """The span of a case's disposition word (the end of the case, on its line)."""
    span = case.span
    if span is None or span.end_line != span.line:
        return span
    start = span.end_column - len(case.disposition)
    return s.Span(span.line, start, span.line, span.end_column)


def _case_key(value: str | int | float) -> tuple[str, object]:
    """Equal values are one case: `1` and `1.0` too, as the engine compares them."""
    return ("text", value) if isinstance(value, str) else ("number", float(value))


def _duplicate(case: s.DispositionCase, first: s.DispositionCase, scope: Scope) -> None:
    """Reports "`new` already has a case (`new -> restock`)"."""
    value = format_case_value(case.value)
    scope.found.append(
        finding(
            "duplicate-case-value",
            case.span,
            f"`{value}` already has a case (`{value} -> {first.disposition}`): each value takes "
            "one disposition; remove one of the two",
        )
    )


def _case_value(
    case: s.DispositionCase,
    by: s.Expr,
    kind: str,
    spec: FieldSpec | None,
    scope: Scope,
) -> None:
    """Reports a number matched with a text field (and the reverse), and "`opend` is
    not a known `return.condition` (did you mean `opened`?)"."""
    value = case.value
    text = format_case_value(value)
    if kind in (TEXT, CLOCK, NUMBER) and isinstance(value, str) != (kind != NUMBER):
        given = "text" if isinstance(value, str) else "a number"
        scope.found.append(
            finding(
                "type-mismatch",
                case.span,
                f"`{text}` is {given} but `{format_expr(by)}` is {kind_word(kind)}, "
                "so this case never matches",
            )
        )
        return
    if spec is None or not spec.values or not isinstance(value, str) or value in spec.values:
        return
    values = spec.values
    if spec.closed:
        effect = "this case never matches"
    else:
        effect = "this case matches only if the data holds that value"
    scope.found.append(
        finding(
            "unknown-case-value",
            case.span,
            f"`{text}` is not a known `{format_expr(by)}`{_hint(closest(value, values))}: its "
            f"values are {_and(values)}, so {effect}",
        )
    )


def _and(values: tuple[str, ...] | list[str]) -> str:
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} and {values[-1]}"


def _uncovered(
    strategy: s.Strategy, by: s.Expr, missing: list[str], closed: bool, scope: Scope
) -> None:
    """Reports "`disposition by return.condition` has no case for opened, damaged: a
    returned unit with such a value goes to `otherwise use x`" (or is unroutable)."""
    if strategy.otherwise is not None:
        effect = f"it goes to `otherwise use {strategy.otherwise}`"
    else:
        effect = "without `otherwise use`, it is unroutable"
    others = "" if closed else " (nor for any other value the data may hold)"
    scope.found.append(
        finding(
            "uncovered-disposition-values",
            strategy.disposition.span if strategy.disposition else strategy.span,
            f"`disposition by {format_expr(by)}` has no case for "
            f"{join_or([format_case_value(v) for v in missing])}{others}: strategy "
            f"`{strategy.id}` does not take a unit with such a value; {effect}",
            len("disposition"),
        )
    )


# --------------------------------------------------------------- restock after


def _restock_after(strategy: s.Strategy) -> list[Diagnostic]:
    """Reports "`restock after -1 days` is before the return" and "`restock after 2
    days` has no effect: strategy `x` never restocks"."""
    days = strategy.restock_after
    if days is None:
        return []
    where = strategy.clause_spans.get("restock_after") or strategy.span
    written = f"restock after {days} {'day' if days == 1 else 'days'}"
    if days < 0:
        return [
            finding(
                "restock-after-negative",
                where,
                f"`{written}` is before the return is created: write `restock after 0 days` "
                "(the same day) or more",
                len("restock after"),
            )
        ]
    disposition = strategy.disposition
    if disposition is None:
        return []
    if disposition.by is None:
        named = [disposition.fixed]
    else:
        named = [case.disposition for case in disposition.cases]
    if "restock" in named or any(word not in s.DISPOSITIONS for word in named):
        return []
    said = (
        f"its disposition is `{disposition.fixed}`"
        if disposition.by is None
        else "none of its `disposition by` cases is `restock`"
    )
    return [
        finding(
            "restock-never-happens",
            where,
            f"`{written}` has no effect: strategy `{strategy.id}` never restocks a unit ({said}); "
            "remove the line, or restock some units",
            len("restock after"),
        )
    ]
