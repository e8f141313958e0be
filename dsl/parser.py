"""Text → syntax tree. Lark (LALR) does the parsing, with a faster front for its
lexer (`dsl.lexer`); `dsl.building` turns each rule into `dsl.syntax` models as it
is read; this module runs them, attaches comments, and turns errors into
diagnostics."""

from __future__ import annotations

import bisect
import gc
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.grammar import Rule

from dsl import syntax as s
from dsl.building import Children, ToSyntax
from dsl.diagnostics import Diagnostic
from dsl.errors import RulesetSyntaxError
from dsl.expected import describe_character, describe_unexpected
from dsl.lexer import Comment, FastContextualLexer
from dsl.values import GluedWord, Misplaced, parsing

if TYPE_CHECKING:
    from dsl.values import PlacedToken


def _grammar() -> str:
    return resources.files("dsl").joinpath("routing.lark").read_text(encoding="utf-8")


def cache_path(kind: str) -> str | bool:
    """Where Lark keeps the tables it computes from the grammar, so that a new
    process loads them instead of computing them again (tens of milliseconds for
    each parser). A directory of the user's own — `$XDG_CACHE_HOME/sourcing-studio`,
    else `~/.cache/sourcing-studio` — never a shared one such as /tmp, where another
    user could plant a file for us to load. When it cannot be made (a read-only
    home), False: Lark then computes the tables, as it would without a cache. Lark
    writes a hash of the grammar, its options and the versions of Lark and Python
    into the file and loads it only when they match, so a change of any of them
    never loads stale tables."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    directory = Path(base) / "sourcing-studio"
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return False
    if not os.access(directory, os.W_OK | os.X_OK):
        return False
    return str(directory / f"routing-{kind}.lark-cache")


@cache
def _lark() -> Lark:
    """The parser, building the syntax tree as it goes (LALR's tree-less mode: about
    twice as fast as building Lark's tree with positions and transforming it)."""
    keywords = [
        terminal.name
        for terminal in _recogniser().terminals
        if terminal.name in _WORD_TERMINALS or terminal.pattern.value.isalpha()
    ]
    lark = Lark(
        _grammar(),
        parser="lalr",
        lexer="contextual",
        keep_all_tokens=True,
        maybe_placeholders=False,
        lexer_callbacks=dict.fromkeys(keywords, _whole_word),
        cache=cache_path("parser"),
    )
    # Lark's parts, wired for speed: the lexer behind a faster front, and the tree
    # built by one plain callback per rule (both give what Lark's own would).
    lark.parser.lexer = FastContextualLexer(lark.parser.lexer, _WORD_TERMINALS)
    lalr = lark.parser.parser.parser
    lalr.callbacks = _callbacks(list(lalr.callbacks), ToSyntax())
    return lark


_WORD_TERMINALS = {"UNIT", "DAYS", "DIRECTION", "SHORTAGE"}
_WORD = re.compile(r"\w+")


def _whole_word(token: Token) -> Token:
    """A keyword must be a whole word: `sourcefrom` or `kms` is not `source` or `km`."""
    placed = cast("PlacedToken", token)  # Lark's lexer made it, with its position
    rest = _WORD.match(parsing.text, placed.end_pos)
    if rest is None:
        return token
    word = str(token) + rest[0]
    meant = f"{token} {rest[0]}" if rest[0] in _keyword_values() else str(token)
    raise GluedWord(
        Diagnostic(
            severity="error",
            message=f"unknown word `{word}`: did you mean `{meant}`?",
            line=placed.line,
            column=placed.column,
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
    return Lark(
        _grammar(),
        parser="lalr",
        lexer="contextual",
        maybe_placeholders=False,
        cache=cache_path("recogniser"),
    )


def normalise(text: str) -> str:
    """The text as the parser reads it: without a byte-order mark at the start (as
    editors on Windows write it, and the data loaders accept it), and with every
    line ending, CRLF or a lone CR, as one LF. Positions are those of this text."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the body runs. Parsing and checking,
    routing many orders and serving a request allocate many small objects and no
    cycles; left running, the collector would walk them again and again while they are
    alive (40% of the time on large files). Reference counting still frees everything
    as usual. A pause that finds the collector off leaves it off."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def parse(text: str, filename: str = "<ruleset>") -> s.Ruleset:
    """Parse ruleset text; raise `RulesetSyntaxError` pointing at the first mistake."""
    text = normalise(text)
    with collection_paused():
        return _parse(text, filename)


def _parse(text: str, filename: str) -> s.Ruleset:
    source = text if text.endswith("\n") else text + "\n"
    parsing.text = source
    parsing.levels = {}
    lark = _lark()
    try:
        try:
            ruleset = lark.parse(source)
            assert isinstance(ruleset, s.Ruleset), "ToSyntax builds the tree"
        except GluedWord as glued:
            raise RulesetSyntaxError(glued.diagnostic, text, filename) from None
        except Misplaced as misplaced:
            _recogniser().parse(source)
            raise RulesetSyntaxError(misplaced.diagnostic, text, filename) from None
        _attach_comments(ruleset, lark.parser.lexer.local.comments)
    except UnexpectedInput as error:
        raise RulesetSyntaxError(_diagnose(error, source), text, filename) from None
    finally:
        parsing.text = parsing.levels = None
    return ruleset


def parse_expression(text: str) -> s.Expr:
    """Parse a lone expression (as typed in a studio form) by wrapping it in a `when`."""
    ruleset = parse(f"strategy form_field\n  when {text.strip()}\n", "<expression>")
    when = ruleset.strategies[0].when
    assert when is not None, "the text parsed as a `when` clause"
    return when


# ------------------------------------------------ wiring the builder to Lark


class Run(list[Any]):
    """The items of a repetition (`clause*`, `("," rank_key)*`): Lark makes each one
    a rule of its own (`__strategy_star_2`); its items are spliced into the rule
    that holds it."""


def _extend(children: Children) -> Run:
    run: Run = children[0]
    run.extend(children[1:])
    return run


def _splice(children: Children) -> Children:
    out: Children = []
    for child in children:
        if type(child) is Run:
            out.extend(child)
        else:
            out.append(child)
    return out


Build = Callable[[Children], Any]
"""What Lark's LALR parser calls on a reduction: the rule's children → its value."""


def _callbacks(rules: Iterable[Rule], builder: ToSyntax) -> dict[Rule, Build]:
    """One plain function per grammar rule, for Lark's LALR parser to call on each
    reduction: the builder's method for the rule (by alias, else by name, as Lark's
    own transformer wiring finds it), with repetitions spliced in and `?rule`s of one
    child passed through — what Lark's tree-builder wrappers do, without a wrapper
    call per reduction (there are 150,000 in a 2,000-strategy ruleset)."""
    table: dict[Rule, Build] = {}
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


def _passed_through(method: Build | None, splices: bool) -> Build:
    def build(children: Children) -> Any:
        if len(children) == 1:
            return children[0]
        assert method is not None, "a rule of one child or more has a builder"
        return method(_splice(children) if splices else children)

    return build


def _spliced(method: Build) -> Build:
    return lambda children: method(_splice(children))


# -------------------------------------------------------------- comments


def _attach_comments(ruleset: s.Ruleset, comments: list[Comment]) -> None:
    """Keep every comment: each goes to the strategy it precedes or sits in; those
    above the first strategy belong to the ruleset. A block of comment lines right
    above a strategy (no blank line between) belongs to that strategy."""
    starts = [st.span.line for st in ruleset.strategies if st.span]  # ascending
    block_ends: dict[int, int] = {}  # own-line comment line -> the line after its block
    for comment in reversed(comments):
        if comment.own_line:
            block_ends[comment.line] = block_ends.get(comment.line + 1, comment.line + 1)
    for comment in comments:
        following = bisect.bisect_right(starts, comment.line)  # the first strategy below
        owner_index = following - 1 if following else None
        if (
            comment.own_line
            and following < len(starts)
            and block_ends[comment.line] == starts[following]
        ):
            owner_index = following
        if owner_index is None:
            ruleset.comments.append(comment.text)
        else:
            ruleset.strategies[owner_index].comments.append(comment.text)


# ---------------------------------------------------------------- errors


def _expected(error: UnexpectedToken) -> set[str]:
    """What the parser's state takes. Lark's lexer, refusing a token, names what it
    could read there, but leaves out the keywords a name would also match (after
    `disposition`, a name but not `by`): the state's own table adds them."""
    expected = set(error.expected)
    state = error.state
    if state is not None and hasattr(state, "position"):
        expected |= _keyword_names() & state.parse_conf.states[state.position].keys()
    return expected


@cache
def _keyword_names() -> frozenset[str]:
    """The terminals spelt as one word (`BY`, `SEND`, ...)."""
    return frozenset(
        terminal.name for terminal in _recogniser().terminals if terminal.pattern.value.isalpha()
    )


def _diagnose(error: UnexpectedInput, source: str) -> Diagnostic:
    line_text = source.split("\n")[error.line - 1] if error.line > 0 else ""
    if isinstance(error, UnexpectedCharacters):
        position = error.pos_in_stream
        assert isinstance(position, int), "Lark sets it on an unexpected character"
        char = source[position]
        if char == '"':
            message = 'this text is not closed: add a `"` before the end of the line'
        else:
            message = describe_character(char, source[position + 1 : position + 2])
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
    message = describe_unexpected(token, _expected(error), line_text, column)
    length = len(str(token)) if token.type not in ("_NL", "$END") else 1
    return Diagnostic(
        severity="error", message=message, line=line, column=column, length=length, code="syntax"
    )
