"""Text → syntax tree. Lark (LALR) does the parsing; this module turns its tree
into `dsl.syntax` models with spans, and its errors into diagnostics."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from importlib import resources

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

from dsl import syntax as s
from dsl.diagnostics import Diagnostic, RulesetSyntaxError
from dsl.expected import describe_character, describe_unexpected, glued_word


@cache
def _lark() -> Lark:
    grammar = resources.files("dsl").joinpath("routing.lark").read_text(encoding="utf-8")
    return Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=False,
    )


def parse(text: str, filename: str = "<ruleset>") -> s.Ruleset:
    """Parse ruleset text; raise `RulesetSyntaxError` pointing at the first mistake."""
    source = text if text.endswith("\n") else text + "\n"
    try:
        tree = _lark().parse(source)
        ruleset = _ToSyntax().transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, _Misplaced):
            raise RulesetSyntaxError(error.orig_exc.diagnostic, text, filename) from None
        raise
    except UnexpectedInput as error:
        raise RulesetSyntaxError(_diagnose(error, source), text, filename) from None
    _attach_comments(ruleset, source)
    return ruleset


def parse_expression(text: str) -> s.Expr:
    """Parse a lone expression (as typed in a studio form) by wrapping it in a `when`."""
    ruleset = parse(f'strategy form_field\n  when {text.strip()}\n', "<expression>")
    return ruleset.strategies[0].when  # type: ignore[return-value]


# ---------------------------------------------------------------- the tree


class _Misplaced(Exception):
    """A value that parsed but means nothing (a bad date, a clause given twice)."""

    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic


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
    text = str(token)
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return float(text)


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
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), body)


_SINGLE = ("priority", "when", "source", "within", "rank", "split", "otherwise", "on_shortage")


@v_args(meta=True)
class _ToSyntax(Transformer):
    """Builds `dsl.syntax` models bottom-up from Lark's parse tree."""

    # -- ruleset and strategies
    def start(self, meta, children):
        ruleset = s.Ruleset(span=_span(meta) if not meta.empty else None)
        for child in children:
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

    def ruleset_name(self, meta, children):
        return ("name", _span(meta), _text(children[0]))

    def timezone(self, meta, children):
        return ("timezone", _span(meta), _text(children[0]))

    def strategy(self, meta, children):
        ident, *rest = children
        label = None
        if rest and isinstance(rest[0], Token):
            label = _text(rest.pop(0))
        strategy = s.Strategy(id=str(ident), label=label, span=_span(meta))
        strategy.clause_spans["id"] = _span(ident)
        for key, span, value in rest:
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
    def priority(self, meta, children):
        return ("priority", _span(meta), _whole(children[0], "priority"))

    def effective_range(self, meta, children):
        start, end = (_moment(t) for t in children)
        return ("effective", _span(meta), s.Effective(start=start, end=end, span=_span(meta)))

    def effective_from(self, meta, children):
        return ("effective", _span(meta), s.Effective(start=_moment(children[0]), span=_span(meta)))

    def effective_until(self, meta, children):
        return ("effective", _span(meta), s.Effective(end=_moment(children[0]), span=_span(meta)))

    def when(self, meta, children):
        return ("when", _span(meta), children[0])

    def source(self, meta, children):
        return ("source", _span(meta), children[0])

    def within(self, meta, children):
        return ("within", _span(meta), _number(children[0]))

    def keep(self, meta, children):
        units, _unit, at = children
        keep = s.Keep(units=_whole(units, "the number of units to keep"), at=at, span=_span(meta))
        return ("keep", _span(meta), keep)

    def rank(self, meta, children):
        return ("rank", _span(meta), list(children))

    def rank_key(self, meta, children):
        direction = str(children[1]) if len(children) > 1 else None
        return s.RankKey(key=children[0], direction=direction, span=_span(meta))

    def split_none(self, meta, children):
        return ("split", _span(meta), 1)

    def split_at_most(self, meta, children):
        return ("split", _span(meta), _whole(children[0], "the split limit"))

    def otherwise(self, meta, children):
        return ("otherwise", _span(meta), str(children[0]))

    def on_shortage(self, meta, children):
        return ("on_shortage", _span(meta), str(children[0]))

    # -- expressions
    def any_of(self, meta, children):
        return children[0] if len(children) == 1 else s.AnyOf(items=children, span=_span(meta))

    def all_of(self, meta, children):
        return children[0] if len(children) == 1 else s.AllOf(items=children, span=_span(meta))

    def negation(self, meta, children):
        return s.Not(operand=children[0], span=_span(meta))

    def compare(self, meta, children):
        left, op, right = children
        return s.Compare(op=str(op), left=left, right=right, span=_span(meta))

    def is_in(self, meta, children):
        return s.Compare(op="in", left=children[0], right=children[1], span=_span(meta))

    def not_in(self, meta, children):
        return s.Compare(op="not in", left=children[0], right=children[1], span=_span(meta))

    def has(self, meta, children):
        return s.Compare(op="has", left=children[0], right=children[1], span=_span(meta))

    def field(self, meta, children):
        return s.FieldRef(path=str(children[0]), span=_span(children[0]))

    def name(self, meta, children):
        return s.Name(name=str(children[0]), span=_span(children[0]))

    def string(self, meta, children):
        return s.Text(value=_text(children[0]), span=_span(children[0]))

    def number(self, meta, children):
        return s.Number(value=_number(children[0]), span=_span(children[0]))

    def date(self, meta, children):
        return _moment(children[0])

    def true(self, meta, children):
        return s.Boolean(value=True, span=_span(meta))

    def false(self, meta, children):
        return s.Boolean(value=False, span=_span(meta))

    def list(self, meta, children):
        return s.ListOf(items=list(children), span=_span(meta))


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
    starts = [st.span.line for st in ruleset.strategies if st.span]
    # Lines as Lark counts them: only "\n" ends one (a text may hold "\r" or U+2028).
    for number, line in enumerate(source.split("\n"), start=1):
        if "#" not in line:
            continue
        match = _COMMENT.match(line)
        if not match:
            continue
        text = match[1][1:].strip()
        owner_index = None
        for index, start in enumerate(starts):
            if start <= number:
                owner_index = index
        following = next((i for i, start in enumerate(starts) if start > number), None)
        is_own_line = line.strip().startswith("#")
        if is_own_line and following is not None and _only_comments_between(
            source, number, starts[following]
        ):
            owner_index = following
        if owner_index is None:
            ruleset.comments.append(text)
        else:
            ruleset.strategies[owner_index].comments.append(text)


def _only_comments_between(source: str, first: int, last: int) -> bool:
    """True when lines first..last-1 are an unbroken block of comment lines."""
    lines = source.split("\n")[first - 1 : last - 1]
    return all(line.strip().startswith("#") for line in lines)


# ---------------------------------------------------------------- errors


def _diagnose(error: UnexpectedInput, source: str) -> Diagnostic:
    line_text = source.splitlines()[error.line - 1] if error.line > 0 else ""
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
        lines = source.rstrip("\n").splitlines()
        line, column = len(lines), len(lines[-1]) + 1 if lines else 1
        line_text = lines[-1] if lines else ""
    elif token.type == "_NL":
        column = len(line_text.split("#")[0].rstrip()) + 1
    message = describe_unexpected(token, set(error.expected), line_text, column)
    length = len(str(token)) if token.type not in ("_NL", "$END") else 1
    glued = glued_word(line_text, column) if token.type not in ("_NL", "$END") else None
    if glued:
        column, word, keyword = glued
        message, length = f"unknown word `{word}`: did you mean `{keyword}`?", len(word)
    return Diagnostic(
        severity="error", message=message, line=line, column=column, length=length, code="syntax"
    )
