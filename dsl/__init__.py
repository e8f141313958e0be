"""The routing language: parse text into a syntax tree, format it back, check it."""

from dsl.checker import CheckResult, check, check_source
from dsl.diagnostics import Diagnostic
from dsl.errors import RulesetSyntaxError, SourcingError
from dsl.formatter import format_ruleset
from dsl.parser import parse, parse_expression
from dsl.syntax import Ruleset, Strategy

format = format_ruleset  # noqa: A001 - `dsl.format` reads as the architecture names it

__all__ = [
    "CheckResult",
    "Diagnostic",
    "Ruleset",
    "RulesetSyntaxError",
    "SourcingError",
    "Strategy",
    "check",
    "check_source",
    "format",
    "format_ruleset",
    "parse",
    "parse_expression",
]
