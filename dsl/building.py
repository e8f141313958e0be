"""Building the syntax tree while Lark parses (`dsl.parser` wires it in): one method
per grammar rule turns
the rule's tokens and children into `dsl.syntax` models with their spans, and
keeps expressions within the nesting limit of `dsl.limits`.

This runs for every rule of every clause, so it is written for speed: nodes are
made without pydantic validation (`dsl.values.make`), and nesting depth is only
tracked for nodes that can nest.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lark import Transformer

from dsl import limits
from dsl import syntax as s
from dsl.diagnostics import Diagnostic
from dsl.formatter import bracketed
from dsl.values import (
    Misplaced,
    PlacedToken,
    fail,
    make,
    make_span,
    moment_of,
    name_of,
    number_of,
    parsing,
    text_of,
    token_span,
    whole_number,
)

Clause = tuple[str, s.Span, Any]
"""What a clause rule returns: its key, the span of its line and its value (a
number, a name, an expression, a window...: what the model's field holds)."""

Children = list[Any]
"""What Lark hands a rule: its tokens (`PlacedToken`) and what the rules below it
returned (expressions, `Parenthesised`, clauses); each method knows the shape of
its own rule from the grammar."""


class Parenthesised:
    """An expression written in brackets. Lark would stretch the enclosing rule's span
    to the brackets; carrying them here keeps every span as Lark computes it."""

    __slots__ = ("expr", "extent")

    def __init__(self, expr: s.Expr, extent: tuple[int, int, int, int]):
        self.expr = expr
        self.extent = extent


def _bare(child: s.Expr | Parenthesised) -> s.Expr:
    return child.expr if isinstance(child, Parenthesised) else child


Part = PlacedToken | Parenthesised | Clause | s.Syntax
"""A child of a rule, as far as its span is concerned."""


def _span_of(child: Clause | s.Syntax) -> s.Span:
    span = child[1] if isinstance(child, tuple) else child.span
    assert span is not None, "every node the parser makes has its span"
    return span


def _start(child: Part) -> tuple[int, int]:
    if isinstance(child, PlacedToken):
        return child.line, child.column
    if isinstance(child, Parenthesised):
        return child.extent[0], child.extent[1]
    span = _span_of(child)
    return span.line, span.column


def _end(child: Part) -> tuple[int, int]:
    if isinstance(child, PlacedToken):
        return child.end_line, child.end_column
    if isinstance(child, Parenthesised):
        return child.extent[2], child.extent[3]
    span = _span_of(child)
    return span.end_line, span.end_column


def rule_span(children: Children) -> s.Span:
    """A rule's span: from its first token or child to its last, keywords included.
    (`_start` and `_end` inlined for tokens, the usual first and last child.)"""
    first, last = children[0], children[-1]
    if type(first) is PlacedToken:
        line, column = first.line, first.column
    else:
        line, column = _start(first)
    if type(last) is PlacedToken:
        return make_span(line, column, last.end_line, last.end_column)
    end_line, end_column = _end(last)
    return make_span(line, column, end_line, end_column)


def _values(children: Children) -> list[Any]:
    """The children that are not keywords or punctuation, brackets removed."""
    return [_bare(child) for child in children if type(child) is not PlacedToken]


# --------------------------------------------------------------- nesting
# How deep each expression goes, counted as the canonical text writes it (`not`,
# `[` and each group in parentheses open a level; see `dsl.formatter.bracketed`),
# kept beside the tree while Lark builds it bottom-up, so that no walk of an
# accepted tree recurses deeper than the limit allows.

_NESTING = frozenset((s.Compare, s.AllOf, s.AnyOf, s.Not, s.ListOf))
"""The nodes that hold other expressions; leaves are 0 levels deep."""


def _depth(node: s.Expr) -> int:
    """Levels `node` holds (its own `not` or `[` included, not brackets around it)."""
    return parsing.levels.get(id(node), 0) if type(node) in _NESTING else 0


def _nested(node: s.Expr, children: Iterable[s.Expr]) -> s.Expr:
    """Record the levels `node` holds: its deepest child's, plus one for brackets
    around that child, plus one when `node` is a `not` or a list."""
    deepest = 0
    for child in children:
        if type(child) in _NESTING:
            depth = parsing.levels.get(id(child), 0) + bracketed(child, node)
            if depth > deepest:
                deepest = depth
    if type(node) is s.Not or type(node) is s.ListOf:
        deepest += 1
    if deepest:
        parsing.levels[id(node)] = deepest
    return node


def _children(node: s.Expr) -> list[s.Expr]:
    if type(node) is s.Not:
        return [node.operand]
    if type(node) is s.Compare:
        return [node.left, node.right]
    if type(node) is s.AllOf or type(node) is s.AnyOf or type(node) is s.ListOf:
        return list(node.items)
    return []


def shallow(child: s.Expr | Parenthesised) -> s.Expr:
    """A clause's expression, refused when it nests deeper than the limit: the error
    points where the deepest path passes the limit, counting from the outside."""
    node = _bare(child)
    if _depth(node) <= limits.MAX_NESTING:
        return node
    level = 0
    while True:
        level += type(node) is s.Not or type(node) is s.ListOf
        if level > limits.MAX_NESTING:
            break
        parent = node
        node = max(_children(parent), key=lambda c: _depth(c) + bracketed(c, parent))
        level += bracketed(node, parent)
        if level > limits.MAX_NESTING:
            break
    raise Misplaced(
        Diagnostic(
            severity="error",
            message=f"the condition reaches level {level} here: expressions nest at most "
            f"{limits.MAX_NESTING} levels (each `not`, list and bracketed group opens one, as "
            "`sourcing fmt` writes it); write it with fewer levels",
            line=_span_of(node).line,
            column=_span_of(node).column,
            length=3 if type(node) is s.Not else 1,
            code="too-deep",
        )
    )


# --------------------------------------------------------------- the rules


class ToSyntax(Transformer[PlacedToken, s.Ruleset]):
    """Builds `dsl.syntax` models while Lark parses (no parse tree in between).

    Lark keeps every token (`keep_all_tokens`) so that each rule's span runs from its
    first keyword to its last token, as Lark's own position propagation would say."""

    # -- ruleset and strategies
    def start(self, children: Children) -> s.Ruleset:
        spans: dict[str, s.Span] = {}
        strategies: list[s.Strategy] = []
        fields: dict[str, object] = {
            "span": rule_span(children) if children else None,
            "name": None,
            "timezone": None,
            "comments": [],
            "strategies": strategies,
            "clause_spans": spans,
        }
        for child in children:
            if type(child) is PlacedToken:
                continue
            if type(child) is s.Strategy:
                strategies.append(child)
                continue
            key, span, value = child
            if key in spans:
                word = "ruleset" if key == "name" else key
                raise fail(
                    span,
                    f"`{word}` is given twice (first on line {spans[key].line}); keep one",
                    "duplicate-clause",
                )
            spans[key] = span
            fields[key] = value
        return make(s.Ruleset, fields)

    def ruleset_name(self, children: Children) -> Clause:
        return ("name", rule_span(children), text_of(children[1]))

    def timezone(self, children: Children) -> Clause:
        return ("timezone", rule_span(children), text_of(children[1]))

    def strategy(self, children: Children) -> s.Strategy:
        # `strategy ID` or `return strategy ID`, then an optional label.
        kind = "return" if children[0].type == "RETURN" else "order"
        at = 2 if kind == "return" else 1
        ident: PlacedToken = children[at]
        label = text_of(children[at + 1]) if children[at + 1].type == "STRING" else None
        spans = {"id": token_span(ident)}
        repeated: dict[str, list[Any]] = {"effective": [], "keep": []}
        fields: dict[str, object] = {
            "span": rule_span(children),
            "id": name_of(ident),
            "kind": kind,
            "label": label,
            "comments": [],
            "priority": None,
            "effective": repeated["effective"],
            "when": None,
            "source": None,
            "transfer": None,
            "within_km": None,
            "keep": repeated["keep"],
            "lines_where": None,
            "ship_with": None,
            "deliver": None,
            "carrier_by": None,
            "rank": None,
            "split": None,
            "otherwise": None,
            "on_shortage": None,
            "send_to": None,
            "disposition": None,
            "restock_after": None,
            "clause_spans": spans,
        }
        for child in children:
            if type(child) is PlacedToken:
                continue
            key, span, value = child
            if key == "effective" or key == "keep":
                repeated[key].append(value)
                continue
            if key in spans:
                raise fail(
                    span,
                    f"`{_CLAUSE_WORDS.get(key, key)}` is given twice in strategy `{ident}` "
                    f"(first on line {spans[key].line}); keep one",
                    "duplicate-clause",
                )
            spans[key] = span
            fields[_FIELD.get(key, key)] = value
        return make(s.Strategy, fields)

    # -- clauses: each returns (clause key, span of its line, value)
    def priority(self, children: Children) -> Clause:
        return ("priority", rule_span(children), whole_number(children[1], "priority"))

    def effective_range(self, children: Children) -> Clause:
        span = rule_span(children)
        start, end = moment_of(children[1]), moment_of(children[3])
        return ("effective", span, make(s.Effective, {"span": span, "start": start, "end": end}))

    def effective_from(self, children: Children) -> Clause:
        span = rule_span(children)
        start = moment_of(children[2])
        return ("effective", span, make(s.Effective, {"span": span, "start": start, "end": None}))

    def effective_until(self, children: Children) -> Clause:
        span = rule_span(children)
        end = moment_of(children[2])
        return ("effective", span, make(s.Effective, {"span": span, "start": None, "end": end}))

    def when(self, children: Children) -> Clause:
        return ("when", rule_span(children), shallow(children[1]))

    def source(self, children: Children) -> Clause:
        return ("source", rule_span(children), shallow(children[2]))

    def transfer(self, children: Children) -> Clause:
        return ("transfer", rule_span(children), shallow(children[2]))

    def within(self, children: Children) -> Clause:
        return ("within", rule_span(children), number_of(children[1]))

    def keep(self, children: Children) -> Clause:
        span = rule_span(children)
        units = whole_number(children[1], "the number of units to keep")
        at = shallow(children[4])
        return ("keep", span, make(s.Keep, {"span": span, "units": units, "at": at}))

    def lines_where(self, children: Children) -> Clause:
        return ("lines_where", rule_span(children), shallow(children[2]))

    def ship_with(self, children: Children) -> Clause:
        return ("ship_with", rule_span(children), shallow(children[2]))

    def deliver_within(self, children: Children) -> Clause:
        span = rule_span(children)
        days = whole_number(children[2], "the number of days")
        deliver = make(s.Deliver, {"span": span, "within_days": days, "by": None})
        return ("deliver", span, deliver)

    def deliver_by(self, children: Children) -> Clause:
        span = rule_span(children)
        by = self.field([children[2]])
        return ("deliver", span, make(s.Deliver, {"span": span, "within_days": None, "by": by}))

    def carrier_by(self, children: Children) -> Clause:
        keys = [self.name([token]) for token in children[2:] if token.type == "IDENT"]
        return ("carrier_by", rule_span(children), keys)

    def rank(self, children: Children) -> Clause:
        return ("rank", rule_span(children), _values(children))

    def rank_key(self, children: Children) -> s.RankKey:
        direction = str(children[1]) if len(children) > 1 else None
        fields: dict[str, object] = {
            "span": rule_span(children),
            "key": shallow(children[0]),
            "direction": direction,
        }
        return make(s.RankKey, fields)

    def split_none(self, children: Children) -> Clause:
        return ("split", rule_span(children), 1)

    def split_at_most(self, children: Children) -> Clause:
        return ("split", rule_span(children), whole_number(children[3], "the split limit"))

    def otherwise(self, children: Children) -> Clause:
        return ("otherwise", rule_span(children), name_of(children[2]))

    def on_shortage(self, children: Children) -> Clause:
        return ("on_shortage", rule_span(children), str(children[2]))

    def send_to(self, children: Children) -> Clause:
        return ("send_to", rule_span(children), shallow(children[2]))

    def disposition_fixed(self, children: Children) -> Clause:
        span = rule_span(children)
        fields: dict[str, object] = {"span": span, "fixed": name_of(children[1])}
        fields["by"], fields["cases"] = None, []
        return ("disposition", span, make(s.Disposition, fields))

    def disposition_by(self, children: Children) -> Clause:
        span = rule_span(children)
        cases = [child for child in children if type(child) is s.DispositionCase]
        fields: dict[str, object] = {"span": span, "fixed": None, "by": shallow(children[2])}
        fields["cases"] = cases
        return ("disposition", span, make(s.Disposition, fields))

    def disposition_case(self, children: Children) -> s.DispositionCase:
        token: PlacedToken = children[0]
        value: str | int | float
        if token.type == "STRING":
            value = text_of(token)
        elif token.type == "NUMBER":
            value = number_of(token)
        else:
            value = name_of(token)
        fields: dict[str, object] = {"span": rule_span(children), "value": value}
        fields["disposition"] = name_of(children[2])
        return make(s.DispositionCase, fields)

    def restock_after(self, children: Children) -> Clause:
        days = whole_number(children[2], "the number of days")
        return ("restock_after", rule_span(children), days)

    # -- expressions
    def operand(self, children: Children) -> Parenthesised:
        # `"(" expr ")"`: the only operand without a rule of its own.
        first, last = children[0], children[-1]
        extent = (first.line, first.column, last.end_line, last.end_column)
        return Parenthesised(_bare(children[1]), extent)

    def any_of(self, children: Children) -> s.Expr | Parenthesised:
        if len(children) == 1:
            only: s.Expr | Parenthesised = children[0]
            return only
        items = _values(children)
        node = make(s.AnyOf, {"span": rule_span(children), "kind": "any", "items": items})
        return _nested(node, items)

    def all_of(self, children: Children) -> s.Expr | Parenthesised:
        if len(children) == 1:
            only: s.Expr | Parenthesised = children[0]
            return only
        items = _values(children)
        node = make(s.AllOf, {"span": rule_span(children), "kind": "all", "items": items})
        return _nested(node, items)

    def negation(self, children: Children) -> s.Expr:
        operand = _bare(children[1])
        node = make(s.Not, {"span": rule_span(children), "kind": "not", "operand": operand})
        return _nested(node, (operand,))

    def compare(self, children: Children) -> s.Compare:
        left, op, right = children
        return self._compare(str(op), _bare(left), _bare(right), children)

    def is_in(self, children: Children) -> s.Compare:
        return self._compare("in", _bare(children[0]), _bare(children[2]), children)

    def not_in(self, children: Children) -> s.Compare:
        return self._compare("not in", _bare(children[0]), _bare(children[3]), children)

    def has(self, children: Children) -> s.Compare:
        return self._compare("has", _bare(children[0]), _bare(children[2]), children)

    @staticmethod
    def _compare(op: str, left: s.Expr, right: s.Expr, children: Children) -> s.Compare:
        fields: dict[str, object] = {"span": rule_span(children), "kind": "compare", "op": op}
        fields["left"], fields["right"] = left, right
        node = make(s.Compare, fields)
        if type(left) in _NESTING or type(right) in _NESTING:
            _nested(node, (left, right))
        return node

    def field(self, children: Children) -> s.FieldRef:
        token = children[0]
        return make(
            s.FieldRef, {"span": token_span(token), "kind": "field", "path": name_of(token)}
        )

    def name(self, children: Children) -> s.Name:
        token = children[0]
        return make(s.Name, {"span": token_span(token), "kind": "name", "name": name_of(token)})

    def string(self, children: Children) -> s.Text:
        token = children[0]
        return make(s.Text, {"span": token_span(token), "kind": "text", "value": text_of(token)})

    def number(self, children: Children) -> s.Number:
        token = children[0]
        value = number_of(token)
        return make(s.Number, {"span": token_span(token), "kind": "number", "value": value})

    def date(self, children: Children) -> s.Moment:
        return moment_of(children[0])

    def true(self, children: Children) -> s.Boolean:
        return make(s.Boolean, {"span": token_span(children[0]), "kind": "boolean", "value": True})

    def false(self, children: Children) -> s.Boolean:
        span = token_span(children[0])
        return make(s.Boolean, {"span": span, "kind": "boolean", "value": False})

    def list(self, children: Children) -> s.Expr:
        items = _values(children)
        node = make(s.ListOf, {"span": rule_span(children), "kind": "list", "items": items})
        return _nested(node, items)


_FIELD = {"within": "within_km"}

_CLAUSE_WORDS = {
    "source": "source from",
    "transfer": "transfer from",
    "lines_where": "lines where",
    "ship_with": "ship with",
    "carrier_by": "carrier by",
    "rank": "rank by",
    "otherwise": "otherwise use",
    "on_shortage": "on shortage",
    "send_to": "send to",
    "restock_after": "restock after",
}
