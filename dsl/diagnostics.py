"""Diagnostics in compiler style: `FILE:LINE:COL: error: message`, the source
line, and a caret under the column — the one shape every room reports in."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from dsl import characters

Severity = Literal["error", "warning"]

SHOWN_WIDTH = 120
"""The most characters of a source line a rendered finding shows: a longer line is
cut around the caret, with `…` where it was cut."""


class SourceLines:
    """The lines of a source, indexed once (as Lark counts them: only "\\n" ends
    a line), so that rendering many findings reads the text once."""

    def __init__(self, source: str):
        self.source = source
        starts = [0]
        find = str.find
        end = find(source, "\n")
        while end != -1:
            starts.append(end + 1)
            end = find(source, "\n", end + 1)
        self.starts = starts

    def line(self, number: int) -> str | None:
        """Line `number` (1-based) without its newline; None when there is no such line."""
        if not 1 <= number <= len(self.starts):
            return None
        start = self.starts[number - 1]
        end = self.starts[number] - 1 if number < len(self.starts) else len(self.source)
        return self.source[start:end]


class Diagnostic(BaseModel):
    """One finding about a ruleset, pinned to a line and column (1-based)."""

    severity: Severity
    message: str
    line: int
    column: int
    length: int = 1
    code: str = ""
    """A stable kind, such as `unknown-field`, for callers that filter."""

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def render(
        self, source: str, filename: str = "<ruleset>", lines: SourceLines | None = None
    ) -> str:
        """The message, the offending line and a caret (or tildes) under it. Hidden
        characters are shown as escapes (message) or U+FFFD (line), never sent as is."""
        message = characters.escaped(self.message)
        head = f"{filename}:{self.line}:{self.column}: {self.severity}: {message}"
        text = (lines or SourceLines(source)).line(self.line)
        if text is None:
            return head
        shown, column = _around(text, self.column)
        width = max(1, min(self.length, len(shown) - column + 2))
        marker = " " * (column - 1) + "^" + "~" * (width - 1)
        return f"{head}\n    {characters.visible(shown)}\n    {marker}"


def _around(text: str, column: int) -> tuple[str, int]:
    """The part of a long line around `column`, and the column of the caret in it."""
    if len(text) <= SHOWN_WIDTH:
        return text, column
    start = max(0, min(column - 1 - SHOWN_WIDTH // 2, len(text) - SHOWN_WIDTH))
    end = start + SHOWN_WIDTH
    before = "\u2026" if start else ""
    after = "\u2026" if end < len(text) else ""
    return before + text[start:end] + after, column - start + len(before)


def render_all(diagnostics: list[Diagnostic], source: str, filename: str = "<ruleset>") -> str:
    lines = SourceLines(source)
    return "\n".join(d.render(source, filename, lines) for d in sort(diagnostics))


def sort(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: (d.line, d.column, d.severity != "error"))


__all__ = ["Diagnostic", "Severity", "SourceLines", "render_all", "sort"]
