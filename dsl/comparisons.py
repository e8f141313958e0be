"""The rules of comparison, stated once: what routing (`engine.expressions`) and the
checker (a `ship with` tried against a carriers table) both apply to plain values —
None (missing), bool, number, text, tuple (a list) and aware datetimes.

* `==` needs both sides present and of the same kind; `!=` is its negation, so a
  missing value is `!=` everything.
* `< <= > >=` compare numbers, texts or instants of one kind; anything else is false.
* `a in [..]` holds when `a ==` some item; `not in` is its negation.
* `x has v` holds when the list `x` holds an item `== v`; with a list on the right,
  when it holds any of them.
"""

from __future__ import annotations

import datetime as dt

from dsl.errors import RulesetError

_ORDERED = ("number", "text", "time")


class UnknownOperator(RulesetError, ValueError):
    """An operator the language does not have (a tree not made by the parser)."""


def kind(value: object) -> str | None:
    """The kind of a value, as comparisons match them ("number", "text", ...)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, tuple):
        return "list"
    if isinstance(value, dt.datetime):
        return "time"
    return type(value).__name__


def equal(a: object, b: object) -> bool:
    if a is None or b is None:
        return False
    return kind(a) == kind(b) and a == b


def compare(op: str, a: object, b: object) -> bool:
    """One comparison, by the rules of this module's docstring."""
    if op == "==":
        return equal(a, b)
    if op == "!=":
        return not equal(a, b)
    if op == "in":
        return isinstance(b, tuple) and any(equal(a, item) for item in b)
    if op == "not in":
        return not (isinstance(b, tuple) and any(equal(a, item) for item in b))
    if op == "has":
        if not isinstance(a, tuple):
            return False
        wanted = b if isinstance(b, tuple) else (b,)
        return any(equal(item, w) for item in a for w in wanted)
    kind_a = kind(a)
    if kind_a not in _ORDERED or kind_a != kind(b):
        return False
    if op == "<":
        return bool(a < b)  # type: ignore[operator]  # one ordered kind, checked above
    if op == "<=":
        return bool(a <= b)  # type: ignore[operator]
    if op == ">":
        return bool(a > b)  # type: ignore[operator]
    if op == ">=":
        return bool(a >= b)  # type: ignore[operator]
    raise UnknownOperator(f"unknown operator {op!r}")
