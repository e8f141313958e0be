"""Reading what the tokens of a ruleset say — numbers, names, texts, dates — within
the limits of `dsl.limits`, and making syntax nodes from them; the errors a value
that parsed but means nothing raises (`Misplaced`). Used by `dsl.building` while
Lark parses."""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import TYPE_CHECKING, TypeVar

from lark import Token

from dsl import limits
from dsl import syntax as s
from dsl.diagnostics import Diagnostic
from dsl.errors import RulesetError

if TYPE_CHECKING:

    class PlacedToken(Token):
        """A token `dsl.lexer` made: Lark types a token's position as optional (a token
        made by hand has none); the lexer sets it on every token."""

        start_pos: int
        end_pos: int
        line: int
        column: int
        end_line: int
        end_column: int

else:
    PlacedToken = Token

parsing = threading.local()
"""Per parse (and per thread): `text`, the source; `levels`, the nesting depth of
each node that has any, by `id` (see `dsl.building._nested`)."""


class Misplaced(RulesetError):
    """A value that parsed but means nothing (a bad date, a clause given twice, a
    number out of range); the parser catches it and raises a `RulesetSyntaxError`."""

    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic
        super().__init__(diagnostic.message)


class GluedWord(Misplaced):
    """A keyword run into the next word; it is a syntax error where it stands."""


# ------------------------------------------------------------- making nodes

_new = object.__new__
_set = object.__setattr__


Node = TypeVar("Node", bound=s.Syntax)


def make(cls: type[Node], fields: dict[str, object]) -> Node:
    """A model from trusted parser output, as `cls(**fields)` would make it but
    without validating again what was just built (a large file holds 100,000 nodes).

    Its set of fields set (pydantic's `__pydantic_fields_set__`) is one set per class
    holding every field: setting an attribute adds a name already there, and
    `model_copy` copies the set before updating it, so sharing it is safe."""
    node: Node = _new(cls)
    _set(node, "__dict__", fields)
    _set(node, "__pydantic_fields_set__", _ALL_FIELDS[cls])
    _set(node, "__pydantic_extra__", None)
    _set(node, "__pydantic_private__", None)
    return node


_ALL_FIELDS: dict[type[s.Syntax], set[str]] = {
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
        s.Deliver,
        s.DispositionCase,
        s.Disposition,
        s.Strategy,
        s.Ruleset,
    )
}


make_span = s.Span
"""A span: a plain tuple, made as the parser reads each node."""


def token_span(token: PlacedToken) -> s.Span:
    return make_span(token.line, token.column, token.end_line, token.end_column)


# ---------------------------------------------------------------- values


def fail(where: PlacedToken | s.Span, message: str, code: str = "syntax") -> Misplaced:
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


def whole_number(token: PlacedToken, what: str) -> int:
    value = number_of(token)
    if not isinstance(value, int):
        raise fail(token, f"{what} must be a whole number, not `{token}`")
    return value


def number_of(token: PlacedToken) -> int | float:
    try:
        return limits.read_number(str(token))
    except limits.OutOfRange as error:
        raise fail(token, str(error), "number-out-of-range") from None


def name_of(token: PlacedToken) -> str:
    """A strategy id, field path or bare word, no longer than the limit."""
    if len(token) > limits.MAX_NAME_LENGTH:
        raise fail(
            token,
            f"this name is {len(token):,} characters long: names and fields have at most "
            f"{limits.MAX_NAME_LENGTH}",
            "too-long",
        )
    return str(token)


def moment_of(token: PlacedToken) -> s.Moment:
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
    return make(
        s.Moment, {"span": token_span(token), "kind": "moment", "day": day_value, "minute": minute}
    )


_ESCAPE = re.compile(r"\\(.)")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}
"""`\\n`, `\\t` and `\\r` in a text; any other escaped character stands for itself."""


def text_of(token: PlacedToken) -> str:
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
