"""Building the syntax tree while Lark parses: one callback per grammar rule turns
the rule's tokens and children into `dsl.syntax` models with their spans, and
applies the limits of `dsl.limits` (numbers, names, texts, nesting).

This runs for every rule of every clause, so it is written for speed: nodes are
made without pydantic validation (the values are built here with their right
types), and nesting depth is only tracked for nodes that can nest.
"""

from __future__ import annotations

import datetime as dt
import re
import threading

from lark import Token, Transformer

from dsl import limits
from dsl import syntax as s
from dsl.diagnostics import Diagnostic
from dsl.formatter import bracketed

parsing = threading.local()
"""Per parse (and per thread): `text`, the source; `levels`, the nesting depth of
each node that has any, by `id` (see `_nested`)."""


class Misplaced(Exception):
    """A value that parsed but means nothing (a bad date, a clause given twice, a
    number out of range); the parser reports it as a syntax error."""

    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic


class GluedWord(Misplaced):
    """A keyword run into the next word; it is a syntax error where it stands."""


# ------------------------------------------------------------- making nodes

_new = object.__new__
_set = object.__setattr__


def _node(cls, fields: dict):
    """A model from trusted parser output, as `cls(**fields)` would make it but
    without validating again what was just built (a large file holds 100,000 nodes).

    Its set of fields set (pydantic's `__pydantic_fields_set__`) is one set per class
    holding every field: setting an attribute adds a name already there, and
    `model_copy` copies the set before updating it, so sharing it is safe."""
    node = _new(cls)
    _set(node, "__dict__", fields)
    _set(node, "__pydantic_fields_set__", _ALL_FIELDS[cls])
    _set(node, "__pydantic_extra__", None)
    _set(node, "__pydantic_private__", None)
    return node


_ALL_FIELDS = {
    model: set(model.model_fields)
    for model in (
        s.FieldRef,
        s.Name,
        s.Text,
        s.Number,
        s.Boolean,
        s.Moment,
        s.ListOf,
        s.Compare,
        s.AllOf,
        s.AnyOf,
        s.Not,
        s.Effective,
        s.Keep,
        s.RankKey,
        s.Strategy,
        s.Ruleset,
    )
}


_span = s.Span


def token_span(token: Token) -> s.Span:
    return _span(token.line, token.column, token.end_line, token.end_column)


class Parenthesised:
    """An expression written in brackets. Lark would stretch the enclosing rule's span
    to the brackets; carrying them here keeps every span as Lark computes it."""

    __slots__ = ("expr", "extent")

    def __init__(self, expr, extent: tuple[int, int, int, int]):
        self.expr = expr
        self.extent = extent


def _bare(child):
    return child.expr if type(child) is Parenthesised else child


def _start(child) -> tuple[int, int]:
    if type(child) is Token:
        return child.line, child.column
    if type(child) is Parenthesised:
        return child.extent[0], child.extent[1]
    span = child[1] if type(child) is tuple else child.span
    return span.line, span.column


def _end(child) -> tuple[int, int]:
    if type(child) is Token:
        return child.end_line, child.end_column
    if type(child) is Parenthesised:
        return child.extent[2], child.extent[3]
    span = child[1] if type(child) is tuple else child.span
    return span.end_line, span.end_column


def rule_span(children) -> s.Span:
    """A rule's span: from its first token or child to its last, keywords included.
    (`_start` and `_end` inlined for tokens, the usual first and last child.)"""
    first, last = children[0], children[-1]
    if type(first) is Token:
        line, column = first.line, first.column
    else:
        line, column = _start(first)
    if type(last) is Token:
        return _span(line, column, last.end_line, last.end_column)
    end_line, end_column = _end(last)
    return _span(line, column, end_line, end_column)


def _values(children) -> list:
    """The children that are not keywords or punctuation, brackets removed."""
    return [_bare(child) for child in children if type(child) is not Token]


# ---------------------------------------------------------------- values


def fail(where: Token | s.Span, message: str, code: str = "syntax") -> Misplaced:
    length = len(str(where)) if isinstance(where, Token) else 1
    return Misplaced(
        Diagnostic(
            severity="error",
            message=message,
            line=where.line,
            column=where.column,
            length=max(1, length),
            code=code,
        )
    )


def _whole(token: Token, what: str) -> int:
    value = _number(token)
    if not isinstance(value, int):
        raise fail(token, f"{what} must be a whole number, not `{token}`")
    return value


def _number(token: Token) -> int | float:
    try:
        return limits.read_number(str(token))
    except limits.OutOfRange as error:
        raise fail(token, str(error), "number-out-of-range") from None


def _word(token: Token) -> str:
    """A strategy id, field path or bare word, no longer than the limit."""
    if len(token) > limits.MAX_NAME_LENGTH:
        raise fail(
            token,
            f"this name is {len(token):,} characters long: names and fields have at most "
            f"{limits.MAX_NAME_LENGTH}",
            "too-long",
        )
    return str(token)


def _moment(token: Token) -> s.Moment:
    text = str(token)
    day_text, _, minute_text = text.partition("T")
    try:
        year, month, day = (int(part) for part in day_text.split("-"))
        day_value = dt.date(year, month, day)
        minute = None
        if minute_text:
            parts = [int(part) for part in minute_text.split(":")]
            if len(parts) == 3 and parts[2] != 0:
                raise ValueError("times are to the minute: leave out the seconds")
            minute = dt.time(parts[0], parts[1])
    except ValueError as error:
        raise fail(
            token, f"`{text}` is not a valid date ({error}); write dates as 2026-11-15"
        ) from None
    if not limits.FIRST_DATE <= day_value <= limits.LAST_DATE:
        raise fail(
            token,
            f"`{text}` is outside the dates a ruleset may use, {limits.FIRST_DATE} to "
            f"{limits.LAST_DATE}; to leave a window open, leave out its end (`effective from`) "
            "or its start (`effective until`)",
            "date-out-of-range",
        )
    return _node(
        s.Moment, {"span": token_span(token), "kind": "moment", "day": day_value, "minute": minute}
    )


_ESCAPE = re.compile(r"\\(.)")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}
"""`\\n`, `\\t` and `\\r` in a text; any other escaped character stands for itself."""


def text_of(token: Token) -> str:
    body = str(token)[1:-1]
    if len(body) > limits.MAX_TEXT_LENGTH:
        raise fail(
            token,
            f"this text is {len(body):,} characters long: a text in quotes has at most "
            f"{limits.MAX_TEXT_LENGTH:,}",
            "too-long",
        )
    if "\\" not in body:
        return body
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m[1], m[1]), body)


# --------------------------------------------------------------- nesting
# How deep each expression goes, counted as the canonical text writes it (`not`,
# `[` and each group in parentheses open a level; see `dsl.formatter.bracketed`),
# kept beside the tree while Lark builds it bottom-up, so that no walk of an
# accepted tree recurses deeper than the limit allows.

_NESTING = frozenset((s.Compare, s.AllOf, s.AnyOf, s.Not, s.ListOf))
"""The nodes that hold other expressions; leaves are 0 levels deep."""


def _depth(node) -> int:
    """Levels `node` holds (its own `not` or `[` included, not brackets around it)."""
    return parsing.levels.get(id(node), 0) if type(node) in _NESTING else 0


def _nested(node, children) -> object:
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


def _children(node) -> list:
    if type(node) is s.Not:
        return [node.operand]
    if type(node) is s.Compare:
        return [node.left, node.right]
    return list(node.items)


def shallow(child):
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
            line=node.span.line,
            column=node.span.column,
            length=3 if type(node) is s.Not else 1,
            code="too-deep",
        )
    )


# ------------------------------------------------------ wiring to Lark


class Run(list):
    """The items of a repetition (`clause*`, `("," rank_key)*`): Lark makes each one
    a rule of its own (`__strategy_star_2`); its items are spliced into the rule
    that holds it."""


def _extend(children: list) -> Run:
    run = children[0]
    run.extend(children[1:])
    return run


def _splice(children: list) -> list:
    out: list = []
    for child in children:
        if type(child) is Run:
            out.extend(child)
        else:
            out.append(child)
    return out


def callbacks(rules, builder: ToSyntax) -> dict:
    """One plain function per grammar rule, for Lark's LALR parser to call on each
    reduction: the builder's method for the rule (by alias, else by name, as Lark's
    own transformer wiring finds it), with repetitions spliced in and `?rule`s of one
    child passed through — what Lark's tree-builder wrappers do, without a wrapper
    call per reduction (there are 150,000 in a 2,000-strategy ruleset)."""
    table = {}
    for rule in rules:
        name = rule.origin.name
        if name.startswith("__"):  # a repetition: left-recursive, `__x: item | __x item`
            recursive = rule.expansion and rule.expansion[0].name == name
            table[rule] = _extend if recursive else Run
            continue
        method = getattr(builder, rule.alias or name, None)
        splices = any(symbol.name.startswith("__") for symbol in rule.expansion)
        if rule.options.expand1 and not rule.alias:
            table[rule] = _passed_through(method, splices)
        else:
            assert method is not None, f"no builder for rule {rule}"
            table[rule] = _spliced(method) if splices else method
    return table


def _passed_through(method, splices: bool):
    def build(children):
        if len(children) == 1:
            return children[0]
        return method(_splice(children) if splices else children)

    return build


def _spliced(method):
    return lambda children: method(_splice(children))


# --------------------------------------------------------------- the rules


class ToSyntax(Transformer):
    """Builds `dsl.syntax` models while Lark parses (no parse tree in between).

    Lark keeps every token (`keep_all_tokens`) so that each rule's span runs from its
    first keyword to its last token, as Lark's own position propagation would say."""

    # -- ruleset and strategies
    def start(self, children):
        fields = {
            "span": rule_span(children) if children else None,
            "name": None,
            "timezone": None,
            "comments": [],
            "strategies": [],
            "clause_spans": {},
        }
        spans, strategies = fields["clause_spans"], fields["strategies"]
        for child in children:
            if type(child) is Token:
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
        return _node(s.Ruleset, fields)

    def ruleset_name(self, children):
        return ("name", rule_span(children), text_of(children[1]))

    def timezone(self, children):
        return ("timezone", rule_span(children), text_of(children[1]))

    def strategy(self, children):
        ident = children[1]
        label = text_of(children[2]) if children[2].type == "STRING" else None
        spans = {"id": token_span(ident)}
        fields = {
            "span": rule_span(children),
            "id": _word(ident),
            "label": label,
            "comments": [],
            "priority": None,
            "effective": [],
            "when": None,
            "source": None,
            "within_km": None,
            "keep": [],
            "rank": None,
            "split": None,
            "otherwise": None,
            "on_shortage": None,
            "clause_spans": spans,
        }
        for child in children:
            if type(child) is Token:
                continue
            key, span, value = child
            if key == "effective" or key == "keep":
                fields[key].append(value)
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
        return _node(s.Strategy, fields)

    # -- clauses: each returns (clause key, span of its line, value)
    def priority(self, children):
        return ("priority", rule_span(children), _whole(children[1], "priority"))

    def effective_range(self, children):
        span = rule_span(children)
        start, end = _moment(children[1]), _moment(children[3])
        return ("effective", span, _node(s.Effective, {"span": span, "start": start, "end": end}))

    def effective_from(self, children):
        span = rule_span(children)
        start = _moment(children[2])
        return ("effective", span, _node(s.Effective, {"span": span, "start": start, "end": None}))

    def effective_until(self, children):
        span = rule_span(children)
        end = _moment(children[2])
        return ("effective", span, _node(s.Effective, {"span": span, "start": None, "end": end}))

    def when(self, children):
        return ("when", rule_span(children), shallow(children[1]))

    def source(self, children):
        return ("source", rule_span(children), shallow(children[2]))

    def within(self, children):
        return ("within", rule_span(children), _number(children[1]))

    def keep(self, children):
        span = rule_span(children)
        units = _whole(children[1], "the number of units to keep")
        at = shallow(children[4])
        return ("keep", span, _node(s.Keep, {"span": span, "units": units, "at": at}))

    def rank(self, children):
        return ("rank", rule_span(children), _values(children))

    def rank_key(self, children):
        direction = str(children[1]) if len(children) > 1 else None
        fields = {"span": rule_span(children), "key": shallow(children[0]), "direction": direction}
        return _node(s.RankKey, fields)

    def split_none(self, children):
        return ("split", rule_span(children), 1)

    def split_at_most(self, children):
        return ("split", rule_span(children), _whole(children[3], "the split limit"))

    def otherwise(self, children):
        return ("otherwise", rule_span(children), _word(children[2]))

    def on_shortage(self, children):
        return ("on_shortage", rule_span(children), str(children[2]))

    # -- expressions
    def operand(self, children):
        # `"(" expr ")"`: the only operand without a rule of its own.
        first, last = children[0], children[-1]
        extent = (first.line, first.column, last.end_line, last.end_column)
        return Parenthesised(_bare(children[1]), extent)

    def any_of(self, children):
        if len(children) == 1:
            return children[0]
        items = _values(children)
        node = _node(s.AnyOf, {"span": rule_span(children), "kind": "any", "items": items})
        return _nested(node, items)

    def all_of(self, children):
        if len(children) == 1:
            return children[0]
        items = _values(children)
        node = _node(s.AllOf, {"span": rule_span(children), "kind": "all", "items": items})
        return _nested(node, items)

    def negation(self, children):
        operand = _bare(children[1])
        node = _node(s.Not, {"span": rule_span(children), "kind": "not", "operand": operand})
        return _nested(node, (operand,))

    def compare(self, children):
        left, op, right = children
        return self._compare(str(op), _bare(left), _bare(right), children)

    def is_in(self, children):
        return self._compare("in", _bare(children[0]), _bare(children[2]), children)

    def not_in(self, children):
        return self._compare("not in", _bare(children[0]), _bare(children[3]), children)

    def has(self, children):
        return self._compare("has", _bare(children[0]), _bare(children[2]), children)

    @staticmethod
    def _compare(op: str, left, right, children):
        fields = {"span": rule_span(children), "kind": "compare", "op": op}
        fields["left"], fields["right"] = left, right
        node = _node(s.Compare, fields)
        if type(left) in _NESTING or type(right) in _NESTING:
            _nested(node, (left, right))
        return node

    def field(self, children):
        token = children[0]
        return _node(s.FieldRef, {"span": token_span(token), "kind": "field", "path": _word(token)})

    def name(self, children):
        token = children[0]
        return _node(s.Name, {"span": token_span(token), "kind": "name", "name": _word(token)})

    def string(self, children):
        token = children[0]
        return _node(s.Text, {"span": token_span(token), "kind": "text", "value": text_of(token)})

    def number(self, children):
        token = children[0]
        value = _number(token)
        return _node(s.Number, {"span": token_span(token), "kind": "number", "value": value})

    def date(self, children):
        return _moment(children[0])

    def true(self, children):
        return _node(s.Boolean, {"span": token_span(children[0]), "kind": "boolean", "value": True})

    def false(self, children):
        span = token_span(children[0])
        return _node(s.Boolean, {"span": span, "kind": "boolean", "value": False})

    def list(self, children):
        items = _values(children)
        node = _node(s.ListOf, {"span": rule_span(children), "kind": "list", "items": items})
        return _nested(node, items)


_FIELD = {"within": "within_km"}

_CLAUSE_WORDS = {
    "source": "source from",
    "rank": "rank by",
    "otherwise": "otherwise use",
    "on_shortage": "on shortage",
}
