"""Text → syntax tree. Lark (LALR) does the parsing; this module turns its tree
into `dsl.syntax` models with spans, and its errors into diagnostics."""

from __future__ import annotations

import bisect
import datetime as dt
import gc
import re
import threading
from functools import cache
from importlib import resources

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from dsl import limits
from dsl import syntax as s
from dsl.diagnostics import Diagnostic
from dsl.errors import RulesetSyntaxError
from dsl.expected import describe_character, describe_unexpected
from dsl.formatter import bracketed


def _grammar() -> str:
    return resources.files("dsl").joinpath("routing.lark").read_text(encoding="utf-8")


@cache
def _lark() -> Lark:
    """The parser, building the syntax tree as it goes (LALR's tree-less mode: about
    twice as fast as building Lark's tree with positions and transforming it)."""
    keywords = [
        terminal.name
        for terminal in _recogniser().terminals
        if terminal.name in _WORD_TERMINALS or terminal.pattern.value.isalpha()
    ]
    return Lark(
        _grammar(),
        parser="lalr",
        lexer="contextual",
        keep_all_tokens=True,
        maybe_placeholders=False,
        transformer=_ToSyntax(),
        lexer_callbacks=dict.fromkeys(keywords, _whole_word),
    )


_WORD_TERMINALS = {"UNIT", "DIRECTION", "SHORTAGE"}
_WORD = re.compile(r"\w+")
_parsing = threading.local()
"""The text being parsed, for checks that look past a token (per thread)."""


def _whole_word(token: Token) -> Token:
    """A keyword must be a whole word: `sourcefrom` or `kms` is not `source` or `km`."""
    rest = _WORD.match(_parsing.text, token.end_pos)
    if rest is None:
        return token
    word = str(token) + rest[0]
    meant = f"{token} {rest[0]}" if rest[0] in _keyword_values() else str(token)
    raise _GluedWord(
        Diagnostic(
            severity="error",
            message=f"unknown word `{word}`: did you mean `{meant}`?",
            line=token.line,
            column=token.column,
            length=len(word),
            code="syntax",
        )
    )


@cache
def _keyword_values() -> frozenset[str]:
    values = set()
    for terminal in _recogniser().terminals:
        value = terminal.pattern.value
        if terminal.name in _WORD_TERMINALS:
            values.update(re.findall(r"[a-z]+", value))
        elif value.isalpha():
            values.add(value)
    return frozenset(values)


@cache
def _recogniser() -> Lark:
    """The bare grammar, used only to find a syntax error later in the text than a
    misplaced value: a syntax error is always the one reported."""
    return Lark(_grammar(), parser="lalr", lexer="contextual", maybe_placeholders=False)


def normalise(text: str) -> str:
    """The text as the parser reads it: without a byte-order mark at the start (as
    editors on Windows write it, and the data loaders accept it), and with every
    line ending, CRLF or a lone CR, as one LF. Positions are those of this text."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def parse(text: str, filename: str = "<ruleset>") -> s.Ruleset:
    """Parse ruleset text; raise `RulesetSyntaxError` pointing at the first mistake."""
    text = normalise(text)
    source = text if text.endswith("\n") else text + "\n"
    # Parsing allocates many small objects and no cycles; pausing the cyclic garbage
    # collector spares it rescanning the growing tree (40% of the time on large files).
    collecting = gc.isenabled()
    gc.disable()
    _parsing.text = source
    _parsing.levels = {}
    try:
        try:
            ruleset = _lark().parse(source)
        except _GluedWord as glued:
            raise RulesetSyntaxError(glued.diagnostic, text, filename) from None
        except _Misplaced as misplaced:
            _recogniser().parse(source)
            raise RulesetSyntaxError(misplaced.diagnostic, text, filename) from None
        _attach_comments(ruleset, source)
    except UnexpectedInput as error:
        raise RulesetSyntaxError(_diagnose(error, source), text, filename) from None
    finally:
        _parsing.levels = None
        if collecting:
            gc.enable()
    return ruleset


def parse_expression(text: str) -> s.Expr:
    """Parse a lone expression (as typed in a studio form) by wrapping it in a `when`."""
    ruleset = parse(f"strategy form_field\n  when {text.strip()}\n", "<expression>")
    return ruleset.strategies[0].when  # type: ignore[return-value]


# ---------------------------------------------------------------- the tree


# -- nesting: how deep each expression goes, counted as the canonical text writes
# it (`not`, `[` and each group in parentheses open a level; see
# `dsl.formatter.bracketed`) and kept beside the tree while Lark builds it bottom-up,
# so that no walk of an accepted tree recurses deeper than the limit allows.


def _depth(node) -> int:
    """Levels `node` holds (its own `not` or `[` included, not brackets around it)."""
    return _parsing.levels.get(id(node), 0)


def _nested(node):
    """Record the levels `node` holds: its deepest child's, plus one for brackets
    around that child, plus one when `node` is a `not` or a list."""
    deepest = max((_depth(c) + bracketed(c, node) for c in _children(node)), default=0)
    depth = deepest + 1 if isinstance(node, s.Not | s.ListOf) else deepest
    if depth:
        _parsing.levels[id(node)] = depth
    return node


def _shallow(child):
    """A clause's expression, refused when it nests deeper than the limit: the error
    points where the deepest path passes the limit, counting from the outside."""
    node = _bare(child)
    if _depth(node) <= limits.MAX_NESTING:
        return node
    level = 0
    while True:
        level += isinstance(node, s.Not | s.ListOf)
        if level > limits.MAX_NESTING:
            break
        parent = node
        node = max(_children(parent), key=lambda c: _depth(c) + bracketed(c, parent))
        level += bracketed(node, parent)
        if level > limits.MAX_NESTING:
            break
    raise _Misplaced(
        Diagnostic(
            severity="error",
            message=f"the condition reaches level {level} here: expressions nest at most "
            f"{limits.MAX_NESTING} levels (each `not`, list and bracketed group opens one, as "
            "`sourcing fmt` writes it); write it with fewer levels",
            line=node.span.line,
            column=node.span.column,
            length=3 if isinstance(node, s.Not) else 1,
            code="too-deep",
        )
    )


def _children(node) -> list:
    if isinstance(node, s.Not):
        return [node.operand]
    if isinstance(node, s.Compare):
        return [node.left, node.right]
    return list(node.items)


class _Misplaced(Exception):
    """A value that parsed but means nothing (a bad date, a clause given twice)."""

    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic


class _GluedWord(_Misplaced):
    """A keyword run into the next word; it is a syntax error where it stands."""


def _span(item) -> s.Span:
    """The span of a Lark token or of a rule's meta (they name positions alike)."""
    return s.Span(
        line=item.line, column=item.column, end_line=item.end_line, end_column=item.end_column
    )


def _fail(where: Token | s.Span, message: str, code: str = "syntax") -> _Misplaced:
    length = len(str(where)) if isinstance(where, Token) else 1
    return _Misplaced(
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
        raise _fail(token, f"{what} must be a whole number, not `{token}`")
    return value


def _number(token: Token) -> int | float:
    try:
        return limits.read_number(str(token))
    except limits.OutOfRange as error:
        raise _fail(token, str(error), "number-out-of-range") from None


def _word(token: Token) -> str:
    """A strategy id, field path or bare word, no longer than the limit."""
    if len(token) > limits.MAX_NAME_LENGTH:
        raise _fail(
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
        raise _fail(
            token, f"`{text}` is not a valid date ({error}); write dates as 2026-11-15"
        ) from None
    return s.Moment(day=day_value, minute=minute, span=_span(token))


def _text(token: Token) -> str:
    body = str(token)[1:-1]
    if len(body) > limits.MAX_TEXT_LENGTH:
        raise _fail(
            token,
            f"this text is {len(body):,} characters long: a text in quotes has at most "
            f"{limits.MAX_TEXT_LENGTH:,}",
            "too-long",
        )
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[1]), body)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}
"""`\\n`, `\\t` and `\\r` in a text; any other escaped character stands for itself."""


class _Parenthesised:
    """An expression written in brackets. Lark would stretch the enclosing rule's span
    to the brackets; carrying them here keeps every span as Lark computes it."""

    __slots__ = ("expr", "extent")

    def __init__(self, expr, extent: tuple[int, int, int, int]):
        self.expr = expr
        self.extent = extent


def _bare(child):
    return child.expr if isinstance(child, _Parenthesised) else child


def _extent(child) -> tuple[int, int, int, int]:
    """Where a child of a rule sits: (line, column, end line, end column)."""
    if isinstance(child, Token):
        return child.line, child.column, child.end_line, child.end_column
    if isinstance(child, _Parenthesised):
        return child.extent
    span = child[1] if isinstance(child, tuple) else child.span
    return span.line, span.column, span.end_line, span.end_column


def _rule_span(children) -> s.Span:
    """A rule's span: from its first token or child to its last, keywords included."""
    first, last = _extent(children[0]), _extent(children[-1])
    return s.Span(line=first[0], column=first[1], end_line=last[2], end_column=last[3])


def _values(children) -> list:
    """The children that are not keywords or punctuation, brackets removed."""
    return [_bare(child) for child in children if not isinstance(child, Token)]


class _ToSyntax(Transformer):
    """Builds `dsl.syntax` models while Lark parses (no parse tree in between).

    Lark keeps every token (`keep_all_tokens`) so that each rule's span runs from its
    first keyword to its last token, as Lark's own position propagation would say."""

    # -- ruleset and strategies
    def start(self, children):
        ruleset = s.Ruleset(span=_rule_span(children) if children else None)
        for child in children:
            if isinstance(child, Token):
                continue
            if isinstance(child, s.Strategy):
                ruleset.strategies.append(child)
            else:
                key, span, value = child
                if key in ruleset.clause_spans:
                    word = "ruleset" if key == "name" else key
                    first = ruleset.clause_spans[key].line
                    raise _fail(
                        span,
                        f"`{word}` is given twice (first on line {first}); keep one",
                        "duplicate-clause",
                    )
                ruleset.clause_spans[key] = span
                setattr(ruleset, key, value)
        return ruleset

    def ruleset_name(self, children):
        return ("name", _rule_span(children), _text(children[1]))

    def timezone(self, children):
        return ("timezone", _rule_span(children), _text(children[1]))

    def strategy(self, children):
        ident = children[1]
        label = _text(children[2]) if children[2].type == "STRING" else None
        strategy = s.Strategy(id=_word(ident), label=label, span=_rule_span(children))
        strategy.clause_spans["id"] = _span(ident)
        for child in children:
            if isinstance(child, Token):
                continue
            key, span, value = child
            if key == "effective":
                strategy.effective.append(value)
            elif key == "keep":
                strategy.keep.append(value)
            else:
                if key in strategy.clause_spans:
                    first = strategy.clause_spans[key].line
                    raise _fail(
                        span,
                        f"`{_clause_words(key)}` is given twice in strategy `{ident}` "
                        f"(first on line {first}); keep one",
                        "duplicate-clause",
                    )
                strategy.clause_spans[key] = span
                setattr(strategy, _FIELD.get(key, key), value)
        return strategy

    # -- clauses: each returns (clause key, span of its line, value)
    def priority(self, children):
        return ("priority", _rule_span(children), _whole(children[1], "priority"))

    def effective_range(self, children):
        span = _rule_span(children)
        start, end = _moment(children[1]), _moment(children[3])
        return ("effective", span, s.Effective(start=start, end=end, span=span))

    def effective_from(self, children):
        span = _rule_span(children)
        return ("effective", span, s.Effective(start=_moment(children[2]), span=span))

    def effective_until(self, children):
        span = _rule_span(children)
        return ("effective", span, s.Effective(end=_moment(children[2]), span=span))

    def when(self, children):
        return ("when", _rule_span(children), _shallow(children[1]))

    def source(self, children):
        return ("source", _rule_span(children), _shallow(children[2]))

    def within(self, children):
        return ("within", _rule_span(children), _number(children[1]))

    def keep(self, children):
        span = _rule_span(children)
        units = _whole(children[1], "the number of units to keep")
        return ("keep", span, s.Keep(units=units, at=_shallow(children[4]), span=span))

    def rank(self, children):
        return ("rank", _rule_span(children), _values(children))

    def rank_key(self, children):
        direction = str(children[1]) if len(children) > 1 else None
        key = _shallow(children[0])
        return s.RankKey(key=key, direction=direction, span=_rule_span(children))

    def split_none(self, children):
        return ("split", _rule_span(children), 1)

    def split_at_most(self, children):
        return ("split", _rule_span(children), _whole(children[3], "the split limit"))

    def otherwise(self, children):
        return ("otherwise", _rule_span(children), _word(children[2]))

    def on_shortage(self, children):
        return ("on_shortage", _rule_span(children), str(children[2]))

    # -- expressions
    def operand(self, children):
        # `"(" expr ")"`: the only operand without a rule of its own.
        first, last = _extent(children[0]), _extent(children[-1])
        return _Parenthesised(_bare(children[1]), (first[0], first[1], last[2], last[3]))

    def any_of(self, children):
        if len(children) == 1:
            return children[0]
        return _nested(s.AnyOf(items=_values(children), span=_rule_span(children)))

    def all_of(self, children):
        if len(children) == 1:
            return children[0]
        return _nested(s.AllOf(items=_values(children), span=_rule_span(children)))

    def negation(self, children):
        node = s.Not(operand=_bare(children[1]), span=_rule_span(children))
        return _nested(node)

    def compare(self, children):
        left, op, right = children
        node = s.Compare(
            op=str(op), left=_bare(left), right=_bare(right), span=_rule_span(children)
        )
        return _nested(node)

    def is_in(self, children):
        return self._compare("in", children)

    def not_in(self, children):
        return self._compare("not in", children)

    def has(self, children):
        return self._compare("has", children)

    def _compare(self, op: str, children):
        left, right = _values(children)
        node = s.Compare(op=op, left=left, right=right, span=_rule_span(children))
        return _nested(node)

    def field(self, children):
        return s.FieldRef(path=_word(children[0]), span=_span(children[0]))

    def name(self, children):
        return s.Name(name=_word(children[0]), span=_span(children[0]))

    def string(self, children):
        return s.Text(value=_text(children[0]), span=_span(children[0]))

    def number(self, children):
        return s.Number(value=_number(children[0]), span=_span(children[0]))

    def date(self, children):
        return _moment(children[0])

    def true(self, children):
        return s.Boolean(value=True, span=_span(children[0]))

    def false(self, children):
        return s.Boolean(value=False, span=_span(children[0]))

    def list(self, children):
        node = s.ListOf(items=_values(children), span=_rule_span(children))
        return _nested(node)


_FIELD = {"within": "within_km"}


def _clause_words(key: str) -> str:
    return {
        "source": "source from",
        "rank": "rank by",
        "otherwise": "otherwise use",
        "on_shortage": "on shortage",
    }.get(key, key)


# -------------------------------------------------------------- comments

_COMMENT = re.compile(r'^(?:[^"#\n]|"(?:[^"\\\n]|\\.)*")*(#[^\n]*)$')


def _attach_comments(ruleset: s.Ruleset, source: str) -> None:
    """Keep every comment: each goes to the strategy it precedes or sits in;
    those above the first strategy belong to the ruleset."""
    starts = [st.span.line for st in ruleset.strategies if st.span]  # ascending
    # Lines as Lark counts them: only "\n" ends one (a text may hold U+2028).
    lines = source.split("\n")
    next_code = _next_code_lines(lines)
    for number, line in enumerate(lines, start=1):
        if "#" not in line:
            continue
        match = _COMMENT.match(line)
        if not match:
            continue
        text = match[1][1:].strip()
        following = bisect.bisect_right(starts, number)  # the first strategy below the line
        owner_index = following - 1 if following else None
        is_own_line = line.strip().startswith("#")
        # A block of comment lines right above a strategy belongs to it.
        if is_own_line and following < len(starts) and next_code[number] == starts[following]:
            owner_index = following
        if owner_index is None:
            ruleset.comments.append(text)
        else:
            ruleset.strategies[owner_index].comments.append(text)


def _next_code_lines(lines: list[str]) -> list[int]:
    """For each line number, the first line from there on that is not a comment line
    (one pass from the end, so a file of comments is as quick as any other)."""
    following = [0] * (len(lines) + 2)
    code = len(lines) + 1
    for number in range(len(lines), 0, -1):
        if not lines[number - 1].strip().startswith("#"):
            code = number
        following[number] = code
    return following


# ---------------------------------------------------------------- errors


def _diagnose(error: UnexpectedInput, source: str) -> Diagnostic:
    line_text = source.split("\n")[error.line - 1] if error.line > 0 else ""
    if isinstance(error, UnexpectedCharacters):
        char = source[error.pos_in_stream]
        if char == '"':
            message = 'this text is not closed: add a `"` before the end of the line'
        else:
            message = describe_character(char)
        return Diagnostic(
            severity="error", message=message, line=error.line, column=error.column, code="syntax"
        )
    assert isinstance(error, UnexpectedToken)
    token = error.token
    line, column = error.line, error.column
    if token.type == "$END" or line < 0:
        lines = source.rstrip("\n").split("\n")
        line, column = len(lines), len(lines[-1]) + 1 if lines else 1
        line_text = lines[-1] if lines else ""
    elif token.type == "_NL":
        column = len(line_text.split("#")[0].rstrip()) + 1
    message = describe_unexpected(token, set(error.expected), line_text, column)
    length = len(str(token)) if token.type not in ("_NL", "$END") else 1
    return Diagnostic(
        severity="error", message=message, line=line, column=column, length=length, code="syntax"
    )
