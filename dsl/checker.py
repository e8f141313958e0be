"""`check`: everything that can be known wrong about a ruleset before any order is
routed — unknown fields, type mismatches, broken fallback chains, impossible
windows, strategies that can never be chosen. Errors stop a publish; warnings
inform. The individual checks live in `dsl.checks`; the kinds in `dsl.checks.codes`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from dsl import diagnostics
from dsl.checks import hidden, promise, returns, strategies, windows
from dsl.checks.carriers import CarrierRow, CarrierTable
from dsl.checks.codes import CODES
from dsl.checks.expressions import CheckRun
from dsl.diagnostics import Diagnostic
from dsl.errors import RulesetSyntaxError
from dsl.parser import collection_paused, normalise, parse
from dsl.schema import FIELDS
from dsl.syntax import Ruleset

__all__ = ["CODES", "CheckResult", "check", "check_source"]


def check(
    ruleset: Ruleset,
    extra_fields: Iterable[str] = (),
    *,
    carriers: Iterable[CarrierRow] | None = None,
) -> list[Diagnostic]:
    """Every finding about `ruleset`, sorted by position. `extra_fields` are the
    columns the data adds (`node.zone`, `order.gift_wrap`, `line.brand`); their
    type is unknown, so any use of them is accepted. `carriers`, the rows of a
    carriers table (column → value, see `dsl.checks.carriers.CarrierTable`), adds
    its columns as `carrier.<column>` fields and reports a `ship with` that none of
    its services satisfies."""
    with collection_paused():
        table = CarrierTable(carriers) if carriers is not None else None
        return _check(ruleset, extra_fields, table)


def _check(
    ruleset: Ruleset, extra_fields: Iterable[str], carriers: CarrierTable | None
) -> list[Diagnostic]:
    extra = frozenset(path.strip() for path in extra_fields if "." in path)
    if carriers is not None:
        extra |= carriers.fields() - FIELDS.keys()
    found = strategies.check_header(ruleset)
    found += strategies.check_ids(ruleset)
    found += strategies.check_fallbacks(ruleset)
    found += returns.check_fallback_kinds(ruleset)
    run = CheckRun()
    for strategy in ruleset.strategies:
        found += returns.check_clause_kinds(strategy)
        if strategy.kind == "return":
            found += returns.check_return_strategy(strategy, extra, run)
        else:
            found += strategies.check_expressions(strategy, extra, run)
            found += promise.check_promise(strategy, extra, run, carriers)
        found += strategies.check_values(strategy)
        found += windows.check_window_dates(strategy)
        found += windows.check_window_order(strategy)
    fallback_targets = {st.otherwise for st in ruleset.strategies if st.otherwise}
    found += windows.check_reachability(ruleset, fallback_targets)
    return diagnostics.sort(found)


@dataclass
class CheckResult:
    """The outcome of checking a text: its tree (None on a syntax error) and findings."""

    ruleset: Ruleset | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    source: str = ""
    filename: str = "<ruleset>"

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed): the ruleset may be compiled and published."""
        return not self.errors

    def with_findings(self, more: list[Diagnostic]) -> CheckResult:
        """The same result with `more` findings (the business checks) among its own."""
        found = diagnostics.sort(self.diagnostics + more)
        return CheckResult(self.ruleset, found, self.source, self.filename)

    def render(self) -> str:
        """Every finding in compiler style, with its source line and a caret."""
        return diagnostics.render_all(self.diagnostics, self.source, self.filename)


def check_source(
    text: str,
    filename: str = "<ruleset>",
    extra_fields: Iterable[str] = (),
    *,
    carriers: Iterable[CarrierRow] | None = None,
) -> CheckResult:
    """Parse and check `text` (see `check`); a syntax error becomes the one error of the result.
    Findings about the text itself (hidden characters) come with those of the tree;
    positions are those of `normalise(text)`, which the result keeps as `source`."""
    text = normalise(text)
    with collection_paused():
        try:
            ruleset = parse(text, filename)
        except RulesetSyntaxError as error:
            return CheckResult(None, [error.diagnostic], text, filename)
        found = check(ruleset, extra_fields, carriers=carriers)
        found += hidden.check_hidden_characters(text)
    return CheckResult(ruleset, diagnostics.sort(found), text, filename)
