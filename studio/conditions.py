"""Conditions as a business user picks them — field, operator, value — and back.

A condition (`when`, `source from`, `keep … at`) is shown as a group of rows joined
with one word, `and` (all must hold) or `or` (any may hold); a row of the group may
itself be a group of rows joined with the other word, so
`node.type == "dc" or (node.type == "store" and not node.tags has "flagship")` is two
rows joined with `or`, the second a group of two rows joined with `and`. A row is
either simple (`order.delivery` `==` `home`) or, when the expression does not fit the
three pickers, a free expression typed in the language itself. A row or a group is
only shown as such when turning it back gives exactly the same syntax tree, so a form
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

AND, OR = "and", "or"
JOINS = (AND, OR)
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


@dataclass(frozen=True)
class Group:
    """Rows joined with one word: `and` (all must hold) or `or` (any may hold). The
    rows of a clause's group may be groups themselves (one level down), whose rows
    are simple or expression rows."""

    join: str = AND
    rows: tuple[Condition | Group, ...] = ()


_JOINED = {AND: s.AllOf, OR: s.AnyOf}


def group_of(expr: s.Expr | None) -> Group:
    """A clause's condition as a group of rows (no row: the clause is left out)."""
    if expr is None:
        return Group()
    joined = _join_of(expr)
    if joined is None:
        return Group(AND, (_item_of(expr),))
    group = Group(joined, tuple(_item_of(item) for item in expr.items))  # type: ignore[union-attr]
    try:
        if expression_from(group) == expr:
            return group
    except ConditionError:
        pass
    return Group(AND, (Condition(EXPRESSION, "", format_expr(expr)),))


def _join_of(expr: s.Expr) -> str | None:
    return next((join for join, kind in _JOINED.items() if type(expr) is kind), None)


def _item_of(expr: s.Expr) -> Condition | Group:
    """A row of a clause's group: a group of rows for an `and`/`or` inside it."""
    joined = _join_of(expr)
    if joined is not None:
        group = Group(joined, tuple(condition_of(item) for item in expr.items))  # type: ignore[union-attr]
        try:
            if _joined(group) == expr:
                return group
        except ConditionError:
            pass
    return condition_of(expr)


def condition_of(expr: s.Expr) -> Condition:
    """A simple row when the pickers can say it exactly, else an expression row."""
    simple = _simple(expr)
    if simple is not None and _picked(simple) == simple:
        try:
            if expression_of(simple) == expr:
                return simple
        except ConditionError:
            pass
    return Condition(EXPRESSION, "", format_expr(expr))


def expression_from(group: Group) -> s.Expr | None:
    """The group's rows joined with its word (None when there is no row: the clause
    is left out). A group of one row is that row; an empty inner group is left out."""
    if group.join not in JOINS:
        raise ConditionError(f"rows are joined with and or or, not {group.join!r}")
    return _joined(group)


def _joined(group: Group) -> s.Expr | None:
    items = []
    for row in group.rows:
        item = _joined(row) if isinstance(row, Group) else expression_of(row)
        if item is not None:
            items.append(item)
    if not items:
        return None
    return items[0] if len(items) == 1 else _JOINED[group.join](items=items)


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
        items = literal_items(text)
        if not items:
            raise ConditionError(f"list the values for `{condition.op}`, separated by commas")
        return s.ListOf(items=[scalar(condition.field, item) for item in items])
    return scalar(condition.field, text)


def literal_items(text: str) -> list[str]:
    """A value box's values: comma-separated, an optional [ ] around them."""
    text = text.strip().removeprefix("[").removesuffix("]")
    return [item for item in (part.strip() for part in text.split(",")) if item]


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


def _picked(row: Condition) -> Condition:
    """The row as a value picker gives it back: its values, comma-separated."""
    if row.op in UNARY:
        return row
    return Condition(row.field, row.op, ", ".join(literal_items(row.value)))


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


# ------------------------------------------------------------ group edits


def with_row(group: Group, row: Condition, into: int | None = None) -> Group:
    """`row` added: at the end (`into` None), to the inner group at `into`, or, when the
    row at `into` is a simple one, grouped with it under the other word (`a` becomes
    `a or row` inside an `and` group)."""
    if into is None:
        return Group(group.join, (*group.rows, row))
    rows = list(group.rows)
    target = rows[into]
    if isinstance(target, Group):
        rows[into] = Group(target.join, (*target.rows, row))
    else:
        rows[into] = Group(OR if group.join == AND else AND, (target, row))
    return Group(group.join, tuple(rows))


def without_row(group: Group, index: int, inner: int | None = None) -> Group:
    """The row at `index` (or the row `inner` of the group at `index`) removed; an inner
    group left with one row becomes that row."""
    rows = list(group.rows)
    if inner is None:
        del rows[index]
    else:
        target = rows[index]
        assert isinstance(target, Group)
        kept = tuple(row for j, row in enumerate(target.rows) if j != inner)
        rows[index] = kept[0] if len(kept) == 1 else Group(target.join, kept)
    return Group(group.join, tuple(rows))
