"""Diagnostics in compiler style: `FILE:LINE:COL: error: message`, the source
line, and a caret under the column — the one shape every room reports in."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from dsl.errors import RulesetSyntaxError  # raised by the parser; importable from here too

Severity = Literal["error", "warning"]


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

    def render(self, source: str, filename: str = "<ruleset>") -> str:
        """The message, the offending line and a caret (or tildes) under it."""
        head = f"{filename}:{self.line}:{self.column}: {self.severity}: {self.message}"
        lines = source.split("\n")  # as Lark counts lines: only \n ends one
        if not 1 <= self.line <= len(lines):
            return head
        text = lines[self.line - 1].expandtabs(1)
        marker = " " * (self.column - 1) + "^" + "~" * max(0, self.length - 1)
        return f"{head}\n    {text}\n    {marker}"


def render_all(diagnostics: list[Diagnostic], source: str, filename: str = "<ruleset>") -> str:
    return "\n".join(d.render(source, filename) for d in sort(diagnostics))


def sort(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: (d.line, d.column, d.severity != "error"))


__all__ = ["Diagnostic", "RulesetSyntaxError", "Severity", "render_all", "sort"]
