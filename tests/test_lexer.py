"""The fast lexer gives exactly the tokens (and errors) of Lark's contextual lexer,
which it stands in front of: same types, values and positions, on valid rulesets
and on texts broken in every way a property test can think of."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lark import Lark
from lark.exceptions import UnexpectedInput
from strategies_dsl import rulesets

from dsl.formatter import format_ruleset
from dsl.lexer import FastContextualLexer
from dsl.parser import _WORD_TERMINALS, _grammar


class Recording:
    """A lexer that records the tokens it hands to the parser."""

    def __init__(self, lexer):
        self.lexer, self.tokens = lexer, []

    def lex(self, lexer_state, parser_state):
        for token in self.lexer.lex(lexer_state, parser_state):
            self.tokens.append(
                (token.type, str(token), token.start_pos, token.line, token.column)
                + (token.end_line, token.end_column, token.end_pos)
            )
            yield token


def _parser(fast: bool) -> tuple[Lark, Recording]:
    lark = Lark(_grammar(), parser="lalr", lexer="contextual", keep_all_tokens=True)
    lexer = lark.parser.lexer
    recording = Recording(FastContextualLexer(lexer, _WORD_TERMINALS) if fast else lexer)
    lark.parser.lexer = recording
    return lark, recording


LARK, LARK_TOKENS = _parser(fast=False)
FAST, FAST_TOKENS = _parser(fast=True)


def outcome(parser: Lark, recording: Recording, text: str):
    recording.tokens = []
    try:
        parser.parse(text)
        error = None
    except UnexpectedInput as raised:
        expected = getattr(raised, "expected", None) or getattr(raised, "allowed", None)
        error = (type(raised).__name__, raised.line, raised.column, sorted(expected or ()))
    return recording.tokens, error


def assert_same_tokens(text: str) -> None:
    text = text if text.endswith("\n") else text + "\n"
    assert outcome(FAST, FAST_TOKENS, text) == outcome(LARK, LARK_TOKENS, text)


@pytest.mark.parametrize(
    "text",
    [
        'ruleset "a"\ntimezone "UTC"\n\nstrategy to "from"\n  priority -3  # note\n',
        'strategy a\n  rank by node.tags has "x" desc, stock desc\n  keep 1 unit at true\n',
        "strategy a\n  sourcefrom node.can_ship\n",  # a keyword glued to a word
        "strategy a\n  within 400 kms\n",
        "strategy a\n  rank by cost descending\n",
        'strategy a\n  when order.x == "unclosed\n',
        "strategy a\n  when order.x = 1\n",
        "strategy st\u043ere\n",  # a Cyrillic letter
        "strategy a\n  when to == from and until\n",  # keywords where names are expected
        "strategy a\n  effective 2026-01-01T10:00 to 2026-02-30\n",
        'strategy a\n  when order.x in [1, 2.5e3, -.5, "#"] # c\n\n\n  # own\n',
        "strategy a.b\n",
        "\n\n# only comments\n   # and blanks\n",
        "strategy a\n  split at most 1e3\n  on shortage backorderx\n",
        "strategy a\n  when nota\u00e9 == 1\n",
        "strategy a\n  rank by cost desc\u00e9\n  on shortage reject\u0661\n",  # glued letters
        "strategy a\n  source from\u00e9 node.can_ship\n",
        # return strategies: keywords where names are expected, `->` and `:` glued
        "return strategy to\n  disposition by return.condition:new->restock,to->by\n",
        "return strategy a\n  disposition restock\n  restock after 0 day\n",
        'return strategy a\n  disposition by x: -1->a, 1.5 -> b, "t" -> send\n',
        "return strategy a\n  restockafter 2 days\n  sendto node.id\n",
        "return strategy a\n  disposition by x: new => restock\n",
        "strategy a\n  when return.method == return\n",
    ],
)
def test_the_fast_lexer_reads_like_larks_on_awkward_texts(text):
    assert_same_tokens(text)


@given(rulesets(max_strategies=3))
def test_the_fast_lexer_reads_like_larks_on_any_formatted_ruleset(tree):
    assert_same_tokens(format_ruleset(tree))


_PIECES = st.sampled_from(
    [
        " ",
        "\n",
        "\t",
        "#",
        '"',
        "\\",
        "(",
        ")",
        "[",
        "]",
        ",",
        ".",
        "-",
        "=",
        "==",
        "<",
        "not ",
        "and",
        " or ",
        "in",
        "has",
        "to",
        "from",
        "km",
        "units",
        "desc",
        "asc",
        "strategy ",
        "when ",
        "source ",
        "priority ",
        "2026-01-01",
        "1e5",
        "0.5",
        "x",
        "order.",
        "node.id",
        "\u00e9",
        "\u202e",
        "\x00",
        "\u043e",
        "true",
        "backorder",
        "return ",
        "send to ",
        "disposition by ",
        "restock after ",
        ":",
        "->",
        " -> restock",
        "new",
    ]
)


@given(rulesets(max_strategies=2), st.lists(st.tuples(st.integers(0, 10**6), _PIECES), max_size=4))
def test_the_fast_lexer_reads_like_larks_on_broken_rulesets(tree, edits):
    text = format_ruleset(tree)
    for position, piece in edits:
        at = position % (len(text) + 1)
        text = text[:at] + piece + text[at:]
    assert_same_tokens(text)
