"""A faster front for Lark's contextual lexer, giving the very same tokens.

Lark's contextual lexer tries, at every position, only the terminals the parser
can accept in its current state. Doing that in Lark costs several Python calls
per token and a regex match per run of blanks. Here one regex built from the
same terminal definitions, in the same order, reads blanks and the next token in
one match; the token is kept when the parser's state accepts its type — then it
is the token the contextual lexer would have produced (the proof is in
`FastContextualLexer.lex`). Anything else (a keyword used as a name, a keyword
glued to a word, a character no token starts with) is handed to Lark's own
lexer for that state, which reads it and raises its errors exactly as before.

Comments ride on the end-of-line token (`_NL`); they are collected here, with
their line numbers, for `dsl.parser` to attach to strategies.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedToken
from lark.lexer import BasicLexer, ContextualLexer, Lexer, LexerState, PatternStr

if TYPE_CHECKING:
    from dsl.values import PlacedToken

BLANKS = r"[\t \f]*"
"""What the grammar ignores (`%ignore /[\t \f]+/`): read before each token."""

_NEW_STR = str.__new__
"""Tokens are made as Lark's `Token._future_new` makes them, inline (a call less
per token)."""


@dataclass(frozen=True)
class Comment:
    """A `#` comment: its line, its text (without `#`, stripped), and whether it
    stands alone on its line (else it ends a clause)."""

    line: int
    text: str
    own_line: bool


class FastContextualLexer(Lexer):
    """Wraps Lark's `ContextualLexer` (kept for the cases it alone decides)."""

    def __init__(self, contextual: ContextualLexer, keyword_terminals: set[str]):
        self.contextual = contextual
        root = contextual.root_lexer
        assert isinstance(root, BasicLexer), "Lark's contextual lexer reads with a BasicLexer"
        terminals = sorted(
            root.terminals,
            key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name),
        )
        word = next(t for t in terminals if t.name == "IDENT").pattern.to_regexp()
        # Keywords spelt as plain words are read as a word first, as Lark's lexer reads
        # them as IDENT and then renames them; words of the regex keyword terminals
        # (`units`, `desc`, ...) are looked up the same way.
        self.keywords: dict[str, str] = {}
        alternatives = []
        for terminal in terminals:
            pattern = terminal.pattern
            if terminal.name in root.ignore_types:
                continue
            if isinstance(pattern, PatternStr) and re.fullmatch(word, pattern.value):
                self.keywords[pattern.value] = terminal.name
                continue
            alternatives.append(f"(?P<{terminal.name}>{pattern.to_regexp()})")
        self.word_terminals: dict[str, str] = {}
        for terminal in terminals:
            if terminal.name in keyword_terminals and not isinstance(terminal.pattern, PatternStr):
                for value in re.findall(r"[A-Za-z_]+", terminal.pattern.value):
                    if re.fullmatch(terminal.pattern.to_regexp(), value):
                        self.word_terminals[value] = terminal.name
        self.scanner = re.compile(BLANKS + "(?:" + "|".join(alternatives) + ")")
        self.local = threading.local()
        """`local.comments`: the comments of the text being read (per thread)."""

    def lex(self, lexer_state: LexerState, parser_state: Any) -> Iterator[Token]:
        """Tokens for `lexer_state`'s text, as `ContextualLexer.lex` gives them.

        Why they are the same: the scanner tries Lark's terminals in Lark's order
        (priority, then width, then length), so its match at a position is the root
        lexer's. A state's lexer tries a subset of them in the same order; when the
        match's type is in that subset, no terminal before it in the subset matched
        (none before it in the whole set did), so the state's lexer matches it too.
        A plain word is a keyword only if the state accepts that keyword, else a
        name if the state accepts names — the rule Lark's keyword renaming follows
        per state; and a keyword followed by a letter is left to Lark, whose
        callback reports the glued word."""
        text = lexer_state.text.text
        end = len(text)
        states = parser_state.parse_conf.states
        stack = parser_state.state_stack
        scan = self.scanner.match
        keywords, word_terminals = self.keywords, self.word_terminals
        counter = lexer_state.line_ctr
        self.local.comments = []
        pos, line, line_start = 0, 1, 0
        token: Token | None = None
        while pos < end:
            found = scan(text, pos)
            accepted = states[stack[-1]]
            kind = group = found.lastgroup if found else None
            if found is not None and kind == "IDENT":
                value = found["IDENT"]
                kind = keywords.get(value)
                if kind is None or kind not in accepted:
                    kind = "IDENT" if "IDENT" in accepted else word_terminals.get(value)
                if kind is not None and kind != "IDENT":
                    after = found.end()
                    # The word read every ASCII letter, digit and `_`; any other letter
                    # or digit (what `\w` adds) glues on: Lark's callback reports it.
                    if after < end and text[after] >= "\x80" and text[after].isalnum():
                        kind = None
            if found is None or group is None or kind is None or kind not in accepted:
                # Lark's lexer for this state decides (and raises what it raises).
                counter.char_pos, counter.line = pos, line
                counter.column, counter.line_start_pos = pos - line_start + 1, line_start
                lexer_state.last_token = token
                token = self._lark_token(lexer_state, parser_state)
                if token is None:
                    return
                pos, line, line_start = counter.char_pos, counter.line, counter.line_start_pos
                if token.type == "_NL":
                    self._comments(cast("PlacedToken", token), text)
                yield token
                continue
            start, stop = found.span(group)
            value = text[start:stop]
            column = start - line_start + 1
            token = _NEW_STR(Token, value)
            token.type, token.value, token.start_pos, token.end_pos = kind, value, start, stop
            token.line, token.column = line, column
            if kind == "_NL":
                breaks = value.count("\n")
                line += breaks
                if breaks:
                    line_start = start + value.rindex("\n") + 1
                token.end_line, token.end_column = line, stop - line_start + 1
                if "#" in value:
                    self._comments(cast("PlacedToken", token), text)
            else:
                token.end_line, token.end_column = line, column + stop - start
            pos = stop
            yield token
        counter.char_pos, counter.line = pos, line
        counter.column, counter.line_start_pos = pos - line_start + 1, line_start

    def _lark_token(self, lexer_state: LexerState, parser_state: Any) -> Token | None:
        """The next token as Lark's contextual lexer reads it (None at the end), with
        its errors: an unexpected character, or a token the state cannot take."""
        contextual = self.contextual
        try:
            return contextual.lexers[parser_state.position].next_token(lexer_state, parser_state)
        except EOFError:
            return None
        except UnexpectedCharacters as error:
            # As Lark does: a token the state does not take reads better than a character.
            last_token = lexer_state.last_token
            try:
                token = contextual.root_lexer.next_token(lexer_state, parser_state)
            except UnexpectedCharacters:
                raise error from None
            raise UnexpectedToken(  # type: ignore[no-untyped-call]  # Lark leaves it unannotated
                token,
                error.allowed,
                state=parser_state,
                token_history=[last_token],
                terminals_by_name=contextual.root_lexer.terminals_by_name,
            ) from None

    def _comments(self, token: PlacedToken, text: str) -> None:
        """Collect the comments an end-of-line token holds."""
        line, line_start = token.line, token.start_pos - token.column + 1
        at = token.start_pos
        for piece in re.finditer(r"\n|#[^\n]*", str(token)):
            offset = at + piece.start()
            if piece[0] == "\n":
                line, line_start = line + 1, offset + 1
                continue
            own_line = not text[line_start:offset].strip()
            self.local.comments.append(Comment(line, piece[0][1:].strip(), own_line))
