"""Hidden characters in texts and comments: bidirectional controls, zero-width
characters, other controls and line separators (`dsl.characters`). The parser
refuses them everywhere else; inside quotes or after `#` they are legal, but a
line holding one may not say what it seems to say, so the checker warns.

One warning per line and place (text or comment), at the first such character,
naming it: a long run of them cannot flood the output."""

from __future__ import annotations

import bisect
import re

from dsl import characters
from dsl.checks.codes import finding
from dsl.diagnostics import Diagnostic, SourceLines
from dsl.syntax import Span

_VISIBLE_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n\f"
"""ASCII characters that are not hidden: removing them from an ASCII text leaves
the hidden ones, if any."""

_BEFORE_COMMENT = re.compile(r'(?:[^"#]|"(?:[^"\\]|\\.)*")*')
"""The part of a line before its comment: `#` outside double quotes starts one."""


def check_hidden_characters(source: str) -> list[Diagnostic]:
    """Reports "U+202E RIGHT-TO-LEFT OVERRIDE in a text: ..." (warning), once per line
    and place; `source` is a text the parser accepted, as `normalise` gives it."""
    found: list[Diagnostic] = []
    if source.isascii() and not source.encode().translate(None, _VISIBLE_ASCII):
        return found  # the common case, decided at C speed: nothing hidden
    lines = SourceLines(source)
    first_of: dict[tuple[int, str], tuple[int, str]] = {}
    counts: dict[tuple[int, str], int] = {}
    comment_starts: dict[int, int] = {}
    for match in characters.HIDDEN.finditer(source):
        number = bisect.bisect_right(lines.starts, match.start())
        column = match.start() - lines.starts[number - 1] + 1
        if number not in comment_starts:
            before = _BEFORE_COMMENT.match(lines.line(number) or "")
            assert before is not None, "the pattern matches any text (at least its empty start)"
            comment_starts[number] = before.end() + 1
        place = "comment" if column > comment_starts[number] else "text"
        key = (number, place)
        counts[key] = counts.get(key, 0) + 1
        first_of.setdefault(key, (column, match[0]))
    for (number, place), (column, char) in first_of.items():
        found.append(_warning(number, column, char, place, counts[number, place] - 1))
    return found


def _warning(line: int, column: int, char: str, place: str, others: int) -> Diagnostic:
    if char in characters.BIDI_CONTROLS:
        effect = "it reorders how the line is displayed, so the line may not say what it seems"
    else:
        effect = "it is invisible, so the text is not what it seems"
    plural = "s" if others > 1 else ""
    more = f" (and {others} more hidden character{plural} here)" if others else ""
    return finding(
        "hidden-character",
        Span(line=line, column=column, end_line=line, end_column=column + 1),
        f"{characters.name(char)} in a {place}{more}: {effect}; delete it unless you mean it",
    )
