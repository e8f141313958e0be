"""Conditions as a business user picks them — field, operator, value — and back.

A condition (`when`, `source from`) is shown as rows joined with `and`. A row is
either simple (`order.delivery` `==` `home`) or, when the expression does not fit
the three pickers, a free expression typed in the language itself. A row is only
shown as simple when turning it back gives exactly the same syntax tree, so a form
never changes what a rule means by displaying it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import dsl
from dsl import syntax as s
from dsl.formatter import format_expr
from dsl.schema import FIELDS, FieldType

EXPRESSION = "expression…"
"""The field picker's entry for a row written as a free expression."""
IS_TRUE, IS_FALSE, HAS_NOT = "is true", "is false", "has not"
OPERATORS = ("==", "!=", "in", "not in", "has", HAS_NOT, "<", "<=", ">", ">=", IS_TRUE, IS_FALSE)
"""Operators offered by the picker, the two yes/no tests of a boolean field last."""
UNARY = frozenset({IS_TRUE, IS_FALSE})
LIST_OPERATORS = frozenset({"in", "not in"})
"""Operators whose value is always a list."""
MAYBE_LIST_OPERATORS = frozenset({"has", HAS_NOT})
"""Operators whose value is a list when several are given (`tags has any of them`)."""
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


class ConditionError(ValueError):
    """A row that cannot become an expression; the message says what to type instead."""


@dataclass(frozen=True)
class Condition:
    """One row: `field op value`, or (field == EXPRESSION) `value` is an expression."""

    field: str
    op: str = "=="
    value: str = ""

    @property
    def is_expression(self) -> bool:
        return self.field == EXPRESSION


def conditions_of(expr: s.Expr | None) -> list[Condition]:
    """The rows of a condition: one per item of a top-level `and`."""
    if expr is None:
        return []
    items = expr.items if isinstance(expr, s.AllOf) else [expr]
    return [condition_of(item) for item in items]


def condition_of(expr: s.Expr) -> Condition:
    """A simple row when the pickers can say it exactly, else an expression row."""
    simple = _simple(expr)
    if simple is not None:
        try:
            if expression_of(simple) == expr:
                return simple
        except ConditionError:
            pass
    return Condition(EXPRESSION, "", format_expr(expr))


def expression_from(conditions: list[Condition]) -> s.Expr | None:
    """The rows joined with `and` (None when there is no row: the clause is left out)."""
    items = [expression_of(condition) for condition in conditions]
    if not items:
        return None
    return items[0] if len(items) == 1 else s.AllOf(items=items)


def expression_of(condition: Condition) -> s.Expr:
    """One row as a syntax tree; raises ConditionError saying what is wrong."""
    if condition.is_expression:
        return parse_condition(condition.value)
    if not condition.field:
        raise ConditionError("pick a field")
    field = s.FieldRef(path=condition.field)
    if condition.op == IS_TRUE:
        return field
    if condition.op == IS_FALSE:
        return s.Not(operand=field)
    if condition.op == HAS_NOT:
        return s.Not(operand=s.Compare(op="has", left=field, right=literal(condition)))
    if condition.op not in OPERATORS:
        raise ConditionError(f"unknown operator {condition.op!r}")
    return s.Compare(op=condition.op, left=field, right=literal(condition))  # type: ignore[arg-type]


def parse_condition(text: str) -> s.Expr:
    """A typed expression, or ConditionError with the parser's message."""
    if not text.strip():
        raise ConditionError('type an expression, e.g. order.tier == "vip"')
    try:
        return dsl.parse_expression(text)
    except dsl.RulesetSyntaxError as error:
        raise ConditionError(error.diagnostic.message) from error


def literal(condition: Condition) -> s.Expr:
    """The row's value typed by its field: a list for `in`/`not in` (comma-separated)."""
    text = condition.value.strip()
    several = condition.op in MAYBE_LIST_OPERATORS and "," in text
    if condition.op in LIST_OPERATORS or several or (text.startswith("[") and text.endswith("]")):
        text = text.removeprefix("[").removesuffix("]")
        items = [item for item in (part.strip() for part in text.split(",")) if item]
        if not items:
            raise ConditionError(f"list the values for `{condition.op}`, separated by commas")
        return s.ListOf(items=[scalar(condition.field, item) for item in items])
    return scalar(condition.field, text)


def scalar(field: str, text: str) -> s.Expr:
    """One value as the field's type asks (text needs no quotes; quotes force text)."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return s.Text(value=text[1:-1])
    spec = FIELDS.get(field)
    kind = spec.type if spec is not None else None
    if kind == FieldType.NUMBER or (kind is None and _NUMBER.fullmatch(text)):
        if not _NUMBER.fullmatch(text):
            raise ConditionError(f"{field} takes a number, not {text!r}")
        return s.Number(value=float(text) if "." in text else int(text))
    if kind == FieldType.BOOL or (kind is None and text in ("true", "false")):
        if text not in ("true", "false"):
            raise ConditionError(f"{field} is true or false, not {text!r}")
        return s.Boolean(value=text == "true")
    if kind == FieldType.TIME:
        return _moment(field, text)
    if not text:
        raise ConditionError(f"type a value for {field}")
    return s.Text(value=text)


def value_text(expr: s.Expr) -> str:
    """A literal as the value box shows it: no quotes, list items comma-separated."""
    match expr:
        case s.Text(value=value):
            return value
        case s.ListOf(items=items):
            return ", ".join(value_text(item) for item in items)
        case s.Moment():
            return expr.text()
    return format_expr(expr)


def _simple(expr: s.Expr) -> Condition | None:
    match expr:
        case s.FieldRef(path=path):
            return Condition(path, IS_TRUE)
        case s.Not(operand=s.FieldRef(path=path)):
            return Condition(path, IS_FALSE)
        case s.Not(operand=s.Compare(op="has", left=s.FieldRef(path=path), right=right)):
            return Condition(path, HAS_NOT, value_text(right)) if _is_literal(right) else None
        case s.Compare(op=op, left=s.FieldRef(path=path), right=right) if _is_literal(right):
            return Condition(path, op, value_text(right))
    return None


def _is_literal(expr: s.Expr) -> bool:
    if isinstance(expr, s.ListOf):
        return bool(expr.items) and all(_is_literal(item) for item in expr.items)
    return isinstance(expr, s.Text | s.Number | s.Boolean | s.Moment)


def _moment(field: str, text: str) -> s.Moment:
    try:
        if "T" in text:
            at = dt.datetime.fromisoformat(text)
            return s.Moment(day=at.date(), minute=at.time().replace(second=0, microsecond=0))
        return s.Moment(day=dt.date.fromisoformat(text))
    except ValueError as error:
        raise ConditionError(
            f"{field} takes a date (2026-11-15) or a date and time (2026-11-15T06:00)"
        ) from error
