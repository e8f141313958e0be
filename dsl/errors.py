"""The base of every error the language and the engine raise on purpose,
`SourcingError`, and the errors of ruleset text. A caller that takes input from
users (the service, the studio, the command line) catches `SourcingError` and
shows its message; a built-in exception escaping instead is a bug.

docs/routing.md, "Errors", lists the whole family and what each caller does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dsl.diagnostics import Diagnostic


class SourcingError(Exception):
    """An error raised on purpose, said in words a user can act on (`str(error)`
    is the message). Every one is bad input except `engine.reactions.ReactionError`,
    which says the engine's state can no longer be trusted."""


class RulesetError(SourcingError):
    """A ruleset text that cannot be used: it does not parse (`RulesetSyntaxError`),
    the checker finds errors in it or the engine cannot compile it
    (`engine.CompileError`, `engine.expressions.ExpressionError`)."""


class RulesetSyntaxError(RulesetError, ValueError):
    """The text is not a ruleset; `diagnostic` says where and what was expected.

    Also a `ValueError`, as it always was, for callers that catch that."""

    def __init__(self, diagnostic: Diagnostic, source: str, filename: str = "<ruleset>"):
        self.diagnostic = diagnostic
        self.source = source
        self.filename = filename
        super().__init__(diagnostic.render(source, filename))
