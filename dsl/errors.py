"""The errors raised for bad input. Every one derives from `SourcingError`, so a
caller that takes text from users (the service, the studio, the command line)
catches one class and shows its message; anything else is a bug.

The engine's errors for rulesets it cannot run derive from the same base.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dsl.diagnostics import Diagnostic


class SourcingError(Exception):
    """Bad input, said in words a user can act on (`str(error)` is the message)."""


class RulesetSyntaxError(SourcingError, ValueError):
    """The text is not a ruleset; `diagnostic` says where and what was expected.

    Also a `ValueError`, as it always was, for callers that catch that."""

    def __init__(self, diagnostic: Diagnostic, source: str, filename: str = "<ruleset>"):
        self.diagnostic = diagnostic
        self.source = source
        self.filename = filename
        super().__init__(diagnostic.render(source, filename))
