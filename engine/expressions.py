"""Expressions of the language as plain Python: closures over the syntax tree
(never eval/exec), and node masks for `source`, `keep` and boolean rank keys.

Values are plain Python: None (missing), bool, number, text, tuple (tags and
lists) and aware datetimes. Comparisons follow `dsl.comparisons` (the checker applies
the same rules); besides them, as docs/routing.md states:

* A bare field is true only when its value is `true`.
* A date literal stands for its first instant in the ruleset's time zone.
* A comparison that mentions `line.*` holds when it holds for at least one
  line of the order.

Node-only predicates are evaluated once per node when a policy is bound to a
network; predicates that mix node and order fields are evaluated per order,
with masks memoised by the order-side value (`node.id == order.collect_node`
costs one dictionary look-up per order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from dsl import syntax as s
from dsl.comparisons import compare, kind
from dsl.errors import RulesetError
from dsl.formatter import format_expr
from dsl.schema import carrier_column
from engine import promise_fields
from engine.returns import NODE_RETURN_FIELDS, node_return_value
from engine.windows import moment_start

Value = Any
"""A value an expression reads: text, number, boolean, instant, tuple of them or None
(order and node fields come from the data, so their kind is known only at run time)."""
Getter = Callable[[Any, Any, Any], Value]
"""Reads a value from (order, line, node) — an `engine.model.Order`, a line's fields
and an `engine.model.Node` — any of them None when the expression does not read it."""
Predicate = Callable[[Any, Any, Any], bool]


class ExpressionError(RulesetError, ValueError):
    """An expression the engine cannot evaluate (e.g. a node field in `when`)."""

    def __init__(self, message: str, expr: Any = None):
        self.expr = expr
        super().__init__(message)


def roots(expr: s.Expr) -> set[str]:
    """The field roots (`order`, `node`, `line`) an expression reads."""
    return {e.root for e in s.walk(expr) if isinstance(e, s.FieldRef)}


DERIVED_ORDER_VALUES = frozenset(
    {"created_at", "value", "lines", "units", *promise_fields.WORKED_OUT}
)
"""Order values that are not plain fields of the order (or differ per order)."""


def plain_order_fields(expr: s.Expr) -> tuple[str, ...] | None:
    """The order fields an expression reads, when each is a plain field of the order
    (not a line field, nor a value worked out from the order such as `order.value`):
    the expression then gives the same result for orders with the same values of
    these fields. None when it reads anything else of the order or its lines."""
    names: set[str] = set()
    for item in s.walk(expr):
        if isinstance(item, s.FieldRef) and item.root != "node":
            if item.root not in ("order", "return") or item.name in DERIVED_ORDER_VALUES:
                return None
            names.add(item.name)
    return tuple(sorted(names))


# ------------------------------------------------------------ scalar closures


def value_getter(expr: s.Expr, tz: ZoneInfo) -> Getter:
    """A closure reading the value of `expr` from (order, line, node)."""
    match expr:
        case s.FieldRef():
            return _field_getter(expr, tz)
        case s.Text(value=v) | s.Number(value=v) | s.Boolean(value=v):
            return _constant(v)
        case s.Moment():
            instant = moment_start(expr, tz)
            return lambda _order, _line, _node: instant
        case s.ListOf(items=items):
            getters = [value_getter(item, tz) for item in items]
            return lambda o, line, n: tuple(g(o, line, n) for g in getters)
        case s.Name(name=name):
            raise ExpressionError(
                f"`{name}` is a rank metric and has no value in a condition", expr
            )
    return predicate_getter(expr, tz)


def _constant(value: Value) -> Getter:
    return lambda _order, _line, _node: value


def _field_getter(ref: s.FieldRef, tz: ZoneInfo) -> Getter:
    root, name = ref.root, ref.name
    if root == "order" and name in promise_fields.ORDER_FIELDS:
        return lambda o, _line, _node: promise_fields.order_value(name, o, tz)
    if root == "line" and name == "weight_kg":  # missing: 0
        return lambda _order, line, _node: line.get(name) or 0.0
    if root == "node" and name in promise_fields.NODE_FIELDS:
        return lambda _order, _line, n: promise_fields.node_value(name, n.fields)
    if root == "node" and name in NODE_RETURN_FIELDS:
        return lambda _order, _line, n: node_return_value(name, n.fields)
    if root in ("order", "return"):  # a return reads its returned line's fields too

        def read(o: Any, _line: Any, _node: Any) -> Value:
            value = o.get(name)
            if isinstance(value, dt.datetime) and value.tzinfo is None:
                return value.replace(tzinfo=tz)
            return value

        return read
    if root == "line":
        return lambda _order, line, _node: line.get(name)
    if root == "node":
        if name == "id":
            return lambda _order, _line, n: n.id
        return lambda _order, _line, n: n.fields.get(name)
    if root == "carrier":  # a node with one carrier service (engine.delivery)
        column = carrier_column(ref.path)
        return lambda _order, _line, n: n.carrier.get(column)
    raise ExpressionError(f"`{ref.path}`: fields start with order., return., node. or line.", ref)


def predicate_getter(expr: s.Expr, tz: ZoneInfo) -> Predicate:
    """A closure telling whether `expr` holds for (order, line, node)."""
    if "line" in roots(expr) and isinstance(expr, s.Compare | s.FieldRef):
        per_line = _atom(expr, tz)
        return lambda o, _line, n: any(per_line(o, each, n) for each in o.lines)
    match expr:
        case s.AllOf(items=items):
            parts = [predicate_getter(item, tz) for item in items]
            return lambda o, line, n: all(p(o, line, n) for p in parts)
        case s.AnyOf(items=items):
            parts = [predicate_getter(item, tz) for item in items]
            return lambda o, line, n: any(p(o, line, n) for p in parts)
        case s.Not(operand=operand):
            inner = predicate_getter(operand, tz)
            return lambda o, line, n: not inner(o, line, n)
        case s.Boolean(value=v):
            return lambda _order, _line, _node: v
    return _atom(expr, tz)


def line_predicate(expr: s.Expr, tz: ZoneInfo) -> Callable[[Any, Any], bool]:
    """`lines where`: whether `expr` holds for one line of an order (`line.*` reads that
    line, `order.*` the whole order), unlike `when`, where a line field means any line."""
    match expr:
        case s.AllOf(items=items):
            parts = [line_predicate(item, tz) for item in items]
            return lambda o, line: all(p(o, line) for p in parts)
        case s.AnyOf(items=items):
            parts = [line_predicate(item, tz) for item in items]
            return lambda o, line: any(p(o, line) for p in parts)
        case s.Not(operand=operand):
            inner = line_predicate(operand, tz)
            return lambda o, line: not inner(o, line)
    atom = _atom(expr, tz)
    return lambda o, line: atom(o, line, None)


def _atom(expr: s.Expr, tz: ZoneInfo) -> Predicate:
    if isinstance(expr, s.Compare) and _text_literals(expr.right) is not None:
        fast = _text_test(expr, tz)
        if fast is not None:
            return fast
    if isinstance(expr, s.Compare):
        left, right, op = value_getter(expr.left, tz), value_getter(expr.right, tz), expr.op
        return lambda o, line, n: compare(op, left(o, line, n), right(o, line, n))
    if isinstance(expr, s.FieldRef):
        read = _field_getter(expr, tz)
        return lambda o, line, n: read(o, line, n) is True
    if isinstance(expr, s.Boolean):
        value = expr.value
        return lambda _order, _line, _node: value
    raise ExpressionError(f"`{format_expr(expr)}` is not a condition", expr)


def _text_literals(expr: s.Expr) -> frozenset[str] | None:
    """The texts of a text literal or of a list of text literals, else None."""
    if isinstance(expr, s.Text):
        return frozenset((expr.value,))
    if isinstance(expr, s.ListOf):
        texts = [item.value for item in expr.items if isinstance(item, s.Text)]
        return frozenset(texts) if len(texts) == len(expr.items) else None
    return None


def _text_test(expr: s.Compare, tz: ZoneInfo) -> Predicate | None:
    """`x == "a"`, `x != "a"`, `x in ["a", "b"]`, `x not in [...]` as a set look-up:
    the same rules (only a text equals a text), without the general path."""
    texts = _text_literals(expr.right)
    if texts is None:
        return None
    is_list = isinstance(expr.right, s.ListOf)
    read = value_getter(expr.left, tz)
    if (expr.op == "==" and not is_list) or (expr.op == "in" and is_list):
        return lambda o, line, n: type(v := read(o, line, n)) is str and v in texts
    if (expr.op == "!=" and not is_list) or (expr.op == "not in" and is_list):
        return lambda o, line, n: not (type(v := read(o, line, n)) is str and v in texts)
    return None


def order_predicate(expr: s.Expr | None, tz: ZoneInfo) -> Callable[[Any], bool] | None:
    """`when`: a predicate over the order alone (node fields are not allowed)."""
    if expr is None:
        return None
    if "node" in roots(expr):
        raise ExpressionError("`when` decides per order: it cannot read node fields", expr)
    predicate = predicate_getter(expr, tz)
    return lambda order: predicate(order, None, None)


# ---------------------------------------------------------------- node masks


class NodeMask:
    """Where a predicate holds over a network's nodes: a constant mask when it
    reads only node fields, else a per-order function returning a mask."""

    __slots__ = ("static", "dynamic", "expr")

    def __init__(
        self,
        expr: s.Expr,
        static: np.ndarray | None = None,
        dynamic: Callable[[Any], np.ndarray] | None = None,
    ):
        self.expr = expr
        self.static: np.ndarray | None = static
        self.dynamic: Callable[[Any], np.ndarray] | None = dynamic

    def for_order(self, order: Any) -> np.ndarray:
        if self.dynamic is not None:
            return self.dynamic(order)
        assert self.static is not None, "a mask is static, dynamic or both"
        return self.static


def node_mask(expr: s.Expr, nodes: Sequence[Any], tz: ZoneInfo) -> NodeMask:
    """Bind a predicate to a network (nodes in network order)."""
    count = len(nodes)
    used = roots(expr)
    if not used & {"order", "line", "return"}:
        predicate = predicate_getter(expr, tz)
        mask = np.fromiter((predicate(None, None, n) for n in nodes), dtype=bool, count=count)
        return NodeMask(expr, static=mask)
    if "node" not in used:
        predicate = predicate_getter(expr, tz)
        ones, zeros = np.ones(count, dtype=bool), np.zeros(count, dtype=bool)
        return NodeMask(expr, dynamic=lambda o: ones if predicate(o, None, None) else zeros)
    match expr:
        case s.AllOf(items=items) | s.AnyOf(items=items):
            return _combine(expr, [node_mask(item, nodes, tz) for item in items], count)
        case s.Not(operand=operand):
            inner = node_mask(operand, nodes, tz)
            return NodeMask(expr, dynamic=lambda o: ~inner.for_order(o))
        case s.Compare() if _splits(expr):
            return _memoised_compare(expr, nodes, tz)
    predicate = predicate_getter(expr, tz)
    return NodeMask(
        expr,
        dynamic=lambda o: np.fromiter(
            (predicate(o, None, n) for n in nodes), dtype=bool, count=count
        ),
    )


def _combine(expr: s.Expr, parts: list[NodeMask], count: int) -> NodeMask:
    conjunction = isinstance(expr, s.AllOf)
    op = np.logical_and if conjunction else np.logical_or
    static = np.ones(count, dtype=bool) if conjunction else np.zeros(count, dtype=bool)
    dynamic: list[Callable[[Any], np.ndarray]] = []
    for part in parts:
        if part.dynamic is None:
            static = op(static, part.for_order(None))
        else:
            dynamic.append(part.dynamic)

    def evaluate(order: Any) -> np.ndarray:
        result = static
        for function in dynamic:
            result = op(result, function(order))
        return result

    return NodeMask(expr, static=static, dynamic=evaluate)


def _splits(expr: s.Compare) -> bool:
    """One side reads only node fields, the other no node field."""
    left, right = roots(expr.left), roots(expr.right)
    return (left <= {"node"} and "node" not in right) or (right <= {"node"} and "node" not in left)


_MEMO_LIMIT = 4096


def _memoised_compare(expr: s.Compare, nodes: Sequence[Any], tz: ZoneInfo) -> NodeMask:
    node_on_left = roots(expr.left) <= {"node"} and "node" not in roots(expr.right)
    node_side, order_side = (expr.left, expr.right) if node_on_left else (expr.right, expr.left)
    read_node = value_getter(node_side, tz)
    node_values = [read_node(None, None, n) for n in nodes]
    read_order = value_getter(order_side, tz)
    op, count = expr.op, len(nodes)
    memo: dict[tuple[str | None, Value], np.ndarray] = {}

    vectorised = _VectorCompare(op, node_values, node_on_left)

    def mask_for(value: Value) -> np.ndarray:
        key = (kind(value), value)
        mask = memo.get(key)
        if mask is None:
            mask = vectorised(value)
            if mask is None:
                if node_on_left:
                    cells = (compare(op, v, value) for v in node_values)
                else:
                    cells = (compare(op, value, v) for v in node_values)
                mask = np.fromiter(cells, dtype=bool, count=count)
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            memo[key] = mask
        return mask

    if "line" in roots(order_side):

        def per_lines(order: Any) -> np.ndarray:
            result = np.zeros(count, dtype=bool)
            for line in order.lines:
                result = result | mask_for(read_order(order, line, None))
            return result

        return NodeMask(expr, dynamic=per_lines)
    return NodeMask(expr, dynamic=lambda o: mask_for(read_order(o, None, None)))


_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_UFUNCS = {
    "==": np.equal,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}


class _VectorCompare:
    """`node.f OP value` over all nodes at once, for text and number values:
    the same rules as `compare` (a missing or other-kind node value is never
    equal and never ordered). Returns None for values it does not cover."""

    def __init__(self, op: str, node_values: list[Value], node_on_left: bool):
        self.op = op if node_on_left else _FLIPPED.get(op, "")
        self.count = len(node_values)
        positions: dict[str, list[int]] = {}
        for i, v in enumerate(node_values):
            if isinstance(v, str):
                positions.setdefault(v, []).append(i)
        self.texts = {text: np.array(at, dtype=np.int64) for text, at in positions.items()}
        """Where each text is among the nodes: equality is a look-up, not 500 compares."""
        self.numbers = np.array(
            [v if kind(v) == "number" else np.nan for v in node_values], dtype=np.float64
        )

    def __call__(self, value: Value) -> np.ndarray | None:
        op = self.op
        negate = op == "!="
        ufunc = _UFUNCS.get("==" if negate else op)
        if ufunc is None:
            return None
        value_kind = kind(value)
        if value_kind == "number":
            with np.errstate(invalid="ignore"):
                mask = ufunc(self.numbers, float(value))
        elif value_kind == "text" and op in ("==", "!="):
            mask = np.zeros(self.count, dtype=bool)
            found = self.texts.get(value)
            if found is not None:
                mask[found] = True
        else:
            return None
        return ~mask if negate else mask
