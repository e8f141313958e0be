"""Syntax tree → canonical text. `parse(format(tree)) == tree` for every tree,
and formatting formatted text changes nothing."""

from __future__ import annotations

import re

from dsl import syntax as s
from dsl.limits import MAX_NAME_LENGTH

INDENT = "  "

# Binding strength: a child binding no tighter than its parent's operands gets
# parentheses. `and` inside `or` is bracketed for readers, though it binds tighter.
_STRENGTH = {s.AnyOf: 1, s.AllOf: 2, s.Not: 3, s.Compare: 4}
_ATOM = 5
_ESCAPED = re.compile(r'["\\\n\t\r]')
"""The characters a text writes as escapes."""
_OPERANDS = {s.AnyOf: 2, s.AllOf: 2, s.Not: 2, s.Compare: 4, s.ListOf: 4}
"""The strength a child must exceed to go without parentheses, by parent."""


def bracketed(child: s.Expr, parent: s.Expr) -> bool:
    """True when the canonical text writes `child` in parentheses inside `parent`."""
    return _STRENGTH.get(type(child), _ATOM) <= _OPERANDS[type(parent)]


def format_ruleset(ruleset: s.Ruleset) -> str:
    """The canonical text of a ruleset: header, then strategies, clauses in a fixed order."""
    blocks: list[list[str]] = []
    head = [_comment(c) for c in ruleset.comments]
    if ruleset.name is not None:
        head.append(f"ruleset {quote(ruleset.name)}")
    if ruleset.timezone is not None:
        head.append(f"timezone {quote(ruleset.timezone)}")
    if head:
        blocks.append(head)
    blocks.extend(strategy_lines(strategy) for strategy in ruleset.strategies)
    return "\n\n".join("\n".join(block) for block in blocks) + "\n" if blocks else ""


def strategy_lines(strategy: s.Strategy) -> list[str]:
    lines = [_comment(c) for c in strategy.comments]
    header = f"{KIND_WORDS[strategy.kind]} {strategy.id}"
    if strategy.label is not None:
        header += f" {quote(strategy.label)}"
    lines.append(header)
    lines.extend(INDENT + clause for clause in clause_lines(strategy))
    return lines


KIND_WORDS = {"order": "strategy", "return": "return strategy"}
"""The words that start a strategy of each kind."""


def clause_lines(strategy: s.Strategy) -> list[str]:
    """The strategy's clauses, one line each, without indentation. One order serves
    both kinds: a return strategy's clauses come as priority, effective, when,
    send to, within, rank by, disposition, restock after, otherwise use."""
    return _choice_lines(strategy) + _allocation_lines(strategy)


def _choice_lines(strategy: s.Strategy) -> list[str]:
    """The clauses that choose the strategy and its candidates: `priority` to `keep`."""
    out: list[str] = []
    if strategy.priority is not None:
        out.append(f"priority {strategy.priority}")
    out.extend(format_effective(window) for window in strategy.effective)
    if strategy.when is not None:
        out.append(f"when {format_expr(strategy.when)}")
    if strategy.lines_where is not None:
        out.append(f"lines where {format_expr(strategy.lines_where)}")
    if strategy.source is not None:
        out.append(f"source from {format_expr(strategy.source)}")
    if strategy.transfer is not None:
        out.append(f"transfer from {format_expr(strategy.transfer)}")
    if strategy.send_to is not None:
        out.append(f"send to {format_expr(strategy.send_to)}")
    if strategy.within_km is not None:
        out.append(f"within {_number(strategy.within_km)} km")
    for keep in strategy.keep:
        unit = "unit" if keep.units == 1 else "units"
        out.append(f"keep {keep.units} {unit} at {format_expr(keep.at)}")
    return out


def _allocation_lines(strategy: s.Strategy) -> list[str]:
    """The clauses that say how the candidates are used: `ship with` to `on shortage`."""
    out: list[str] = []
    if strategy.ship_with is not None:
        out.append(f"ship with {format_expr(strategy.ship_with)}")
    if strategy.deliver is not None:
        out.append(format_deliver(strategy.deliver))
    if strategy.carrier_by is not None:
        out.append("carrier by " + ", ".join(key.name for key in strategy.carrier_by))
    if strategy.rank is not None:
        out.append("rank by " + ", ".join(format_rank_key(key) for key in strategy.rank))
    if strategy.disposition is not None:
        out.append(format_disposition(strategy.disposition))
    if strategy.restock_after is not None:
        out.append(f"restock after {_days(strategy.restock_after)}")
    if strategy.split is not None:
        out.append("split none" if strategy.split == 1 else f"split at most {strategy.split}")
    if strategy.otherwise is not None:
        out.append(f"otherwise use {strategy.otherwise}")
    if strategy.on_shortage is not None:
        out.append(f"on shortage {strategy.on_shortage}")
    return out


def format_effective(window: s.Effective) -> str:
    if window.start is not None and window.end is not None:
        return f"effective {window.start.text()} to {window.end.text()}"
    if window.start is not None:
        return f"effective from {window.start.text()}"
    assert window.end is not None, "an effective window needs a start or an end"
    return f"effective until {window.end.text()}"


def format_deliver(deliver: s.Deliver) -> str:
    if deliver.by is not None:
        return f"deliver by {deliver.by.path}"
    assert deliver.within_days is not None, "`deliver` needs a number of days or a date field"
    return f"deliver within {_days(deliver.within_days)}"


def _days(days: int) -> str:
    return f"{days} {'day' if days == 1 else 'days'}"


def format_disposition(disposition: s.Disposition) -> str:
    """`disposition restock`, or `disposition by EXPR: value -> disposition, ...`."""
    if disposition.by is None:
        assert disposition.fixed is not None, "a disposition is fixed or given `by` a value"
        return f"disposition {disposition.fixed}"
    assert disposition.cases, "`disposition by` needs at least one case"
    cases = ", ".join(
        f"{format_case_value(case.value)} -> {case.disposition}" for case in disposition.cases
    )
    return f"disposition by {format_expr(disposition.by)}: {cases}"


_BARE_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def format_case_value(value: str | int | float) -> str:
    """A value of `disposition by`: a number, a word bare (`new`) when it can be one,
    else a text in quotes. Bare and quoted words read back the same."""
    if not isinstance(value, str):
        return _number(value)
    if _BARE_WORD.fullmatch(value) and len(value) <= MAX_NAME_LENGTH:
        return value
    return quote(value)


def format_rank_key(key: s.RankKey) -> str:
    text = format_expr(key.key)
    return f"{text} {key.direction}" if key.direction else text


def format_expr(expr: s.Expr) -> str:
    """An expression as it would be written, with only the parentheses it needs.
    (Tested on the exact node type, and two stack frames per level of nesting: it
    runs for every node, and for the deepest expressions the parser accepts.)"""
    if type(expr) is s.FieldRef:
        return expr.path
    if type(expr) is s.Text:
        return quote(expr.value)
    if type(expr) is s.Compare:
        return f"{_child(expr.left, 4)} {expr.op} {_child(expr.right, 4)}"
    if type(expr) is s.AnyOf or type(expr) is s.AllOf or type(expr) is s.ListOf:
        strength = _OPERANDS[type(expr)]
        parts = []
        for item in expr.items:
            parts.append(_child(item, strength))
        if type(expr) is s.ListOf:
            return "[" + ", ".join(parts) + "]"
        return (" or " if type(expr) is s.AnyOf else " and ").join(parts)
    if type(expr) is s.Not:
        return f"not {_child(expr.operand, 2)}"
    if type(expr) is s.Number:
        return _number(expr.value)
    if type(expr) is s.Name:
        return expr.name
    if type(expr) is s.Boolean:
        return "true" if expr.value else "false"
    if type(expr) is s.Moment:
        return expr.text()
    raise TypeError(f"not an expression: {expr!r}")


def _child(expr: s.Expr, parent_strength: int) -> str:
    """`expr` inside a parent whose operands must bind tighter than `parent_strength`
    (see `bracketed`), in parentheses when it does not."""
    text = format_expr(expr)
    return f"({text})" if _STRENGTH.get(type(expr), _ATOM) <= parent_strength else text


def quote(text: str) -> str:
    if not _ESCAPED.search(text):
        return f'"{text}"'
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\t", "\\t")
        .replace("\r", "\\r")
    )
    return f'"{escaped}"'


def _number(value: int | float) -> str:
    return str(value) if isinstance(value, int) else repr(float(value))


def _comment(text: str) -> str:
    return f"# {text}" if text else "#"
