"""Typing of conditions and rank keys: every field is known and visible in its
clause, every comparison is between values of one kind, every condition is
true/false, and closed sets (`node.type`) hold only their own values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from dsl import limits
from dsl import syntax as s
from dsl.checks.codes import finding
from dsl.checks.windows import date_out_of_range
from dsl.diagnostics import Diagnostic
from dsl.expected import join_or
from dsl.formatter import format_expr
from dsl.schema import FIELDS, METRICS, RETURN_METRICS, ROOTS, FieldType
from dsl.suggestions import closest, did_you_mean
from dsl.syntax import StrategyKind

TEXT, NUMBER, BOOL, TAGS, TIME, CLOCK = (
    FieldType.TEXT.value,
    FieldType.NUMBER.value,
    FieldType.BOOL.value,
    FieldType.TAGS.value,
    FieldType.TIME.value,
    FieldType.CLOCK.value,
)
LIST = "list"
ANY = "any"
"""The kind of an extra data column, or of something already reported: accepted anywhere."""

_KIND_WORDS = {
    TEXT: "text",
    NUMBER: "a number",
    BOOL: "true/false",
    TAGS: "a list of tags",
    TIME: "a date",
    CLOCK: "a time of day (HH:MM)",
    LIST: "a list",
    ANY: "a value",
}
_LITERAL_KINDS = {s.Text: TEXT, s.Number: NUMBER, s.Boolean: BOOL, s.Moment: TIME}


@dataclass
class Scope:
    """Where an expression is written: the clause (for messages), the field roots it
    may read, the extra fields the data brings, and where findings go."""

    clause: str
    roots: tuple[str, ...]
    extra: frozenset[str]
    found: list[Diagnostic] = field(default_factory=list)
    run: CheckRun = field(default_factory=lambda: CheckRun())
    """What the scopes of one `check` run share."""
    kind: StrategyKind = "order"
    """The kind of strategy the clause is in: its rank keys and the words of messages."""

    def report(self, code: str, where: s.Syntax, message: str) -> None:
        self.found.append(finding(code, where.span, message))

    def closest(self, word: str, choices: list[str], cutoff: float = 0.6) -> str | None:
        """`suggestions.closest`, while this run's budget of hints lasts."""
        if self.run.hints_left <= 0:
            return None
        self.run.hints_left -= 1
        return closest(word, choices, cutoff)


SUGGESTED_NAMES = 100
"""Unknown fields, words and rank keys that get a "did you mean" in one check run:
each hint compares the word with every known field, and the data may bring
thousands of columns; past this many the messages name none."""


ValueKey = tuple[object, ...]
"""A plain value (a field, a literal, a list of literals) as `_value_key` keys it."""
PlainKey = tuple[str, ValueKey, ValueKey, tuple[str, ...]]
"""A comparison of plain values in a clause, as `_plain_key` keys it."""


@dataclass
class CheckRun:
    """State shared by the scopes of one `check` run."""

    clean: set[PlainKey] = field(default_factory=set)
    """Comparisons of plain values already checked without a finding (see
    `_plain_key`): rulesets repeat their conditions, and a repeat needs no second
    look."""
    hints_left: int = SUGGESTED_NAMES


ORDER_ROOTS = ("order", "line")
"""`when` reads the order and its lines ("any line"), never a node; `lines where` the
order and each line on its own."""
NODE_ROOTS = ("order", "node")
"""`source from`, `keep ... at` and `rank by` look at one node for one order, not at lines."""
CARRIER_ROOTS = ("order", "node", "carrier")
"""`ship with` looks at one carrier service for one parcel from one node."""
RETURN_ROOTS = ("return", "line")
"""A return strategy's `when` and `disposition by` read the returned line (`return.*`)
and its product (`line.*`)."""
RETURN_NODE_ROOTS = ("return", "line", "node")
"""A return strategy's `send to` and `rank by` look at one node for one returned line."""

CLOCK_TEXT = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
"""A time of day as the language writes it: "09:30" (24-hour, leading zeros), so
that texts sort as the times do."""


def check_condition(expr: s.Expr, scope: Scope) -> None:
    """`when`, `source from`, `keep ... at`: the expression must be true or false."""
    _expect_condition(expr, scope)


def check_rank_key(key: s.RankKey, scope: Scope) -> None:
    """A rank key is a metric word, a node field or a true/false condition on nodes."""
    expr = key.key
    if isinstance(expr, s.Name):
        metrics = RETURN_METRICS if scope.kind == "return" else METRICS
        if expr.name in METRICS or expr.name in RETURN_METRICS:
            if expr.name not in metrics:
                _metric_of_other_kind(expr, scope)
        else:
            match = scope.closest(expr.name, [*metrics, *_fields_in(scope)])
            hint = f" (did you mean `{match}`?)" if match else ""
            scope.report(
                "unknown-metric",
                expr,
                f"`{expr.name}` is not something to rank by{hint}: rank by "
                + ", ".join(metrics)
                + ', a node field (node.priority) or a condition (node.type == "dc" desc)',
            )
        return
    before = len(scope.found)
    kind = _kind(expr, scope)
    if len(scope.found) > before:
        return  # already wrong: a warning on top would only add noise
    if kind == TAGS:
        scope.report(
            "unsortable-rank-key",
            expr,
            f"cannot rank by `{format_expr(expr)}`: a list of tags has no order; "
            f'rank by a condition such as `{format_expr(expr)} has "flagship" desc`',
        )
        return
    if not any(isinstance(e, s.FieldRef) and e.root == "node" for e in s.walk(expr)):
        scope.report(
            "constant-rank-key",
            expr,
            f"`rank by {format_expr(expr)}` is the same for every node, so it never changes "
            "the ranking; rank by a node field or a condition on nodes",
        )
    elif kind == BOOL and key.direction != "desc":
        scope.report(
            "ascending-condition-rank",
            expr,
            f"`{format_expr(expr)}` without `desc` ranks the nodes where it is false first; "
            "add `desc` to prefer the nodes where it is true (or `asc` to keep this order)",
        )


def _metric_of_other_kind(expr: s.Name, scope: Scope) -> None:
    """`need` in an order strategy, `shipments` in a return strategy."""
    if scope.kind == "return":
        what = "a rank key of order strategies only: a return strategy ranks by "
        keys = ", ".join(RETURN_METRICS)
    else:
        what = "a rank key of return strategies only: an order strategy ranks by "
        keys = ", ".join(METRICS)
    scope.report(
        "metric-not-for-kind",
        expr,
        f"`{expr.name}` is {what}{keys}, a node field or a condition on nodes",
    )


def check_value(expr: s.Expr, scope: Scope) -> str:
    """The kind of value `expr` gives (`TEXT`, `NUMBER`, ..., `ANY` when unknown),
    reporting what is wrong inside it: for a clause that matches a value, such as
    `disposition by`."""
    return _kind(expr, scope)


# ------------------------------------------------------------------ kinds


def _kind(expr: s.Expr, scope: Scope, partner: s.Expr | None = None) -> str:
    """The kind of value `expr` gives, reporting what is wrong inside it. (Dispatched
    on the exact node type: this runs for every node of every condition.)"""
    if type(expr) is s.FieldRef:
        return _field_kind(expr, scope)
    if type(expr) is s.Compare:
        return _compare(expr, scope)
    if type(expr) is s.Text and type(partner) is s.FieldRef and _is_clock(partner):
        return _clock_text(expr, partner, scope)
    literal = _LITERAL_KINDS.get(type(expr))
    if literal is not None:
        if type(expr) is s.Moment and not limits.FIRST_DATE <= expr.day <= limits.LAST_DATE:
            scope.found.append(date_out_of_range(expr))  # a tree built in code
        return literal
    if type(expr) is s.AllOf or type(expr) is s.AnyOf:
        for item in expr.items:
            _expect_condition(item, scope)
        return BOOL
    if type(expr) is s.Not:
        _expect_condition(expr.operand, scope)
        return BOOL
    if type(expr) is s.ListOf:
        for item in expr.items:
            _kind(item, scope)
        return LIST
    if type(expr) is s.Name:
        _unknown_name(expr, scope, partner)
    return ANY


def _expect_condition(expr: s.Expr, scope: Scope) -> None:
    kind = _kind(expr, scope)
    if kind in (BOOL, ANY):
        return
    text = format_expr(expr)
    example = {
        TEXT: f'{text} == "..."',
        NUMBER: f"{text} > 0",
        TAGS: f'{text} has "..."',
        TIME: f"{text} >= 2026-01-01",
        CLOCK: f'{text} < "14:00"',
    }.get(kind)
    hint = f", e.g. `{example}`" if example and isinstance(expr, s.FieldRef) else ""
    scope.report(
        "not-a-condition",
        expr,
        f"`{text}` is {_KIND_WORDS[kind]}, not a true/false condition: "
        f"`{scope.clause}` needs a comparison{hint}",
    )


_FIELD_KINDS = {path: spec.type.value for path, spec in FIELDS.items()}


def field_kind_word(path: str) -> str:
    """What a field holds, in words: "text", "a number", "a date", ..."""
    return _KIND_WORDS[_FIELD_KINDS.get(path, ANY)]


def kind_word(kind: str) -> str:
    """A kind of value (as `check_value` gives it) in words: "text", "true/false", ..."""
    return _KIND_WORDS[kind]


def _field_kind(expr: s.FieldRef, scope: Scope) -> str:
    path = expr.path
    kind = _FIELD_KINDS.get(path)
    if kind is None:
        if path not in scope.extra:
            _unknown_field(expr, scope)
            return ANY
        kind = ANY
    root = expr.root
    if root in scope.roots:
        return kind
    if root in _OTHER_KIND:
        scope.report("field-not-for-kind", expr, f"`{path}` {_OTHER_KIND[root]}")
    elif root in _OUT_OF_PLACE:
        code, why, instead = _OUT_OF_PLACE[root]
        if scope.kind == "return":
            instead = _INSTEAD_IN_RETURNS.get(root, instead)
            reads = _WHAT_IT_READS_IN_RETURNS.get(scope.clause, _WHAT_IT_READS[scope.clause])
        else:
            reads = _WHAT_IT_READS[scope.clause]
        scope.report(
            code, expr, f"`{path}` cannot be used in `{scope.clause}`: {reads}{why}; {instead}"
        )
    return kind


_WHAT_IT_READS = {
    "when": "it decides whether the strategy applies to the order",
    "lines where": "it picks the order's lines the strategy takes",
    "source from": "that clause looks at one node",
    "transfer from": "that clause looks at one node",
    "keep ... at": "that clause looks at one node",
    "rank by": "that clause looks at one node",
    "ship with": "it looks at one carrier service for one parcel",
    "send to": "that clause looks at one node",
    "disposition by": "it decides what becomes of the returned unit",
}
"""What each clause looks at, for messages about a field it cannot read."""
_WHAT_IT_READS_IN_RETURNS = {
    "when": "it decides whether the strategy applies to the returned line",
}
"""What a clause of a return strategy looks at, where it differs from an order's."""
_INSTEAD_IN_RETURNS = {"node": "test nodes in `send to`"}
"""Where a return strategy tests a root instead, where it differs from an order's."""

_OTHER_KIND = {
    "return": (
        "is a field of a returned line: an order strategy (`strategy`) cannot read it; "
        "test returns in a `return strategy`"
    ),
    "order": (
        "is a field of an order: a return strategy reads the returned line (`return.*`), "
        "its product (`line.*`) and, in `send to` and `rank by`, the node (`node.*`)"
    ),
}
"""A root of the other kind of strategy: an order strategy never sees a return, and
a return strategy never sees an order (its scopes hold `return`, an order's `order`)."""

_OUT_OF_PLACE = {
    "node": (
        "node-field-in-when",
        ", before any node is looked at",
        "test nodes in `source from`",
    ),
    "line": (
        "line-field-in-node-clause",
        ", not at order lines",
        "test lines in `when` (true when any line matches) or take them with `lines where`",
    ),
    "carrier": (
        "carrier-field-outside-ship-with",
        ", before any carrier service is looked at",
        "carrier fields are read only in `ship with`",
    ),
}
"""A root a clause cannot read: the finding's code, why, and where to test it instead."""


def _fields_in(scope: Scope) -> list[str]:
    return _fields_under(scope.roots, scope.extra)


@cache
def _fields_under(roots: tuple[str, ...], extra: frozenset[str]) -> list[str]:
    return [p for p in [*FIELDS, *sorted(extra)] if p.split(".", 1)[0] in roots]


def _unknown_field(expr: s.FieldRef, scope: Scope) -> None:
    known = [*_fields_in(scope), *FIELDS, *sorted(scope.extra)]
    hint = did_you_mean(scope.closest(expr.path, known))
    if expr.root not in ROOTS:
        roots = join_or([f"`{root}.`" for root in ROOTS])
        message = f"`{expr.path}` is not a field: fields start with {roots}{hint}"
    else:
        message = f"unknown field `{expr.path}`{hint}"
        if not hint:
            message += (
                "; if it is a column of your order or node data, check the ruleset with that data"
            )
    scope.report("unknown-field", expr, message)


def _unknown_name(expr: s.Name, scope: Scope, partner: s.Expr | None) -> None:
    word = expr.name
    if word in METRICS or word in RETURN_METRICS:
        scope.report(
            "metric-in-condition",
            expr,
            f"`{word}` is a ranking measure: use it as a whole `rank by` key, not inside "
            f"a condition"
            + ("; to limit distance use `within N km`" if word == "distance" else ""),
        )
        return
    boolean = closest(word, ["true", "false"], cutoff=0.8)
    field_match = scope.closest(word, _fields_in(scope), cutoff=0.8)
    if boolean:
        hint = f"did you mean `{boolean}`?"
    elif field_match:
        hint = f"did you mean the field `{field_match}`?"
    elif partner is not None and _is_text_like(partner):
        hint = f'text values go in double quotes: "{word}"'
    else:
        hint = 'text values go in double quotes ("web") and fields start with `order.` or `node.`'
    scope.report("unknown-name", expr, f"unknown word `{word}`: {hint}")


def _is_text_like(expr: s.Expr) -> bool:
    if isinstance(expr, s.FieldRef):
        known = FIELDS.get(expr.path)
        return known.type == FieldType.TEXT if known else True
    return isinstance(expr, s.Text)


# ------------------------------------------------------------ comparisons


def _compare(expr: s.Compare, scope: Scope) -> str:
    key = _plain_key(expr, scope)
    if key is not None and key in scope.run.clean:
        return BOOL
    before = len(scope.found)
    _check_compare(expr, scope)
    if key is not None and len(scope.found) == before:
        scope.run.clean.add(key)
    return BOOL


def _plain_key(expr: s.Compare, scope: Scope) -> PlainKey | None:
    """What decides the findings of a comparison between plain values (fields,
    literals, lists of literals) in a clause; None for any other comparison."""
    left, right = _value_key(expr.left), _value_key(expr.right)
    if left is None or right is None:
        return None
    return (expr.op, left, right, scope.roots)


def _value_key(expr: s.Expr) -> ValueKey | None:
    if type(expr) is s.FieldRef:
        return (s.FieldRef, expr.path)
    if type(expr) is s.Text or type(expr) is s.Number or type(expr) is s.Boolean:
        return (type(expr), type(expr.value), expr.value)
    if type(expr) is s.ListOf:
        items = tuple(_value_key(item) for item in expr.items)
        return None if None in items else (s.ListOf, items)
    return None


def _check_compare(expr: s.Compare, scope: Scope) -> str:
    if expr.op in ("in", "not in"):
        _membership(expr, scope)
    elif expr.op == "has":
        _has(expr, scope)
    else:
        left = _kind(expr.left, scope, partner=expr.right)
        right = _kind(expr.right, scope, partner=expr.left)
        if expr.op in ("==", "!="):
            _equality(expr, left, right, scope)
        else:
            _ordering(expr, left, right, scope)
    return BOOL


def _describe(expr: s.Expr, kind: str) -> str:
    return f"`{format_expr(expr)}` is {_KIND_WORDS[kind]}"


def _equality(expr: s.Compare, left: str, right: str, scope: Scope) -> None:
    if ANY in (left, right) or left == right:
        _closed_set(expr.left, expr.right, scope)
        _closed_set(expr.right, expr.left, scope)
        return
    hint = ""
    kinds = {left, right}
    if kinds == {TAGS, TEXT}:
        tags, tag = (expr.left, expr.right) if left == TAGS else (expr.right, expr.left)
        hint = f": to test a tag write `{format_expr(tags)} has {format_expr(tag)}`"
    elif LIST in kinds:
        hint = ": to test membership of a list use `in`"
    scope.report(
        "type-mismatch",
        expr.right,
        f"{_describe(expr.left, left)} but {_describe(expr.right, right)}, "
        f"so `{expr.op}` compares different kinds of value{hint}",
    )


def _ordering(expr: s.Compare, left: str, right: str, scope: Scope) -> None:
    for side, kind in ((expr.left, left), (expr.right, right)):
        if kind not in (NUMBER, TIME, CLOCK, ANY):
            alternative = "use `==`, `!=` or `in` on text" if kind == TEXT else ""
            scope.report(
                "not-orderable",
                side,
                f"`{expr.op}` compares numbers, dates or times of day, but "
                f"{_describe(side, kind)}" + (f"; {alternative}" if alternative else ""),
            )
            return
    if ANY not in (left, right) and left != right:
        scope.report(
            "type-mismatch",
            expr.right,
            f"{_describe(expr.left, left)} but {_describe(expr.right, right)}, "
            f"so `{expr.op}` compares different kinds of value",
        )


def _membership(expr: s.Compare, scope: Scope) -> None:
    left = _kind(expr.left, scope)
    if not isinstance(expr.right, s.ListOf):
        right = _kind(expr.right, scope)
        if right == ANY or (right == TAGS and left in (TEXT, ANY)):
            return  # `"flagship" in node.tags` reads as `node.tags has "flagship"`
        if right == TAGS:
            hint = f'to test a tag write `{format_expr(expr.right)} has "..."`'
        else:
            hint = 'write the values as a list, e.g. `order.channel in ["web", "store"]`'
        scope.report(
            "in-needs-list",
            expr.right,
            f"`{expr.op}` needs a list on its right, but {_describe(expr.right, right)}; {hint}",
        )
        return
    if left == TAGS:
        scope.report(
            "type-mismatch",
            expr.left,
            f"{_describe(expr.left, left)}: to test its tags write "
            f'`{format_expr(expr.left)} has "..."` (one tag per `has`)',
        )
        return
    expected = left
    for item in expr.right.items:
        kind = _kind(item, scope, partner=expr.left)
        if kind == ANY:
            continue
        if expected == ANY:
            expected = kind
        elif kind != expected:
            subject = (
                f"`{format_expr(expr.left)}` is {_KIND_WORDS[expected]}"
                if left != ANY
                else f"the list starts with {_KIND_WORDS[expected]}"
            )
            scope.report(
                "list-item-type",
                item,
                f"{_describe(item, kind)} but {subject}: every item must be "
                f"{_KIND_WORDS[expected]}",
            )
            return
        _closed_set(expr.left, item, scope)


def _has(expr: s.Compare, scope: Scope) -> None:
    """`node.tags has "flagship"`; with a list, `has ["a", "b"]` holds when any is there."""
    left = _kind(expr.left, scope)
    if left not in (TAGS, ANY):
        _kind(expr.right, scope)
        alternative = "use `==` or `in`" if left == TEXT else "compare it with `==`"
        scope.report(
            "has-needs-tags",
            expr.left,
            f"`has` tests whether a list of tags holds a tag, but {_describe(expr.left, left)}; "
            f"{alternative}",
        )
        return
    tags = expr.right.items if isinstance(expr.right, s.ListOf) else [expr.right]
    for tag in tags:
        kind = _kind(tag, scope, partner=expr.left)
        if kind not in (TEXT, ANY):
            scope.report(
                "type-mismatch",
                tag,
                '`has` takes tags in double quotes, like "flagship", but ' + _describe(tag, kind),
            )
            return
        _closed_set(expr.left, tag, scope)


def _is_clock(expr: s.FieldRef) -> bool:
    return _FIELD_KINDS.get(expr.path) == CLOCK


def _clock_text(text: s.Text, field: s.FieldRef, scope: Scope) -> str:
    """A text next to a time-of-day field is a time of day: "14:00", never "2pm"."""
    if CLOCK_TEXT.fullmatch(text.value):
        return CLOCK
    scope.report(
        "not-a-time-of-day",
        text,
        f"{format_expr(text)} is not a time of day, so it never matches `{field.path}`: write "
        'it as "HH:MM", 24-hour with leading zeros, such as "09:30" or "14:00"',
    )
    return ANY


def _closed_set(target: s.Expr, value: s.Expr, scope: Scope) -> None:
    """`node.type == "warehouse"`: a text outside the field's closed set never matches."""
    if type(target) is not s.FieldRef or type(value) is not s.Text:
        return
    spec = FIELDS.get(target.path)
    if spec is None or not spec.values or not spec.closed or value.value in spec.values:
        return
    match = closest(value.value, spec.values)
    hint = f' (did you mean "{match}"?)' if match else ""
    scope.report(
        "unknown-value",
        value,
        f'"{value.value}" is not a possible `{target.path}`{hint}: '
        f"use one of {', '.join(spec.values)}",
    )
