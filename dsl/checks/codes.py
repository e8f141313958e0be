"""Every kind of finding the checker reports: a stable code, its severity and how a
user fixes it. The severity lives here, not at the call sites, so the table is
the one place that says what stops a ruleset and what merely warns."""

from __future__ import annotations

from dataclasses import dataclass

from dsl.diagnostics import Diagnostic, Severity
from dsl.syntax import Span


@dataclass(frozen=True)
class Code:
    severity: Severity
    fix: str


_E: Severity = "error"
_W: Severity = "warning"

CODES: dict[str, Code] = {
    # -- produced by the parser
    "syntax": Code(_E, "Correct the text at the caret; the message says what was expected."),
    "duplicate-clause": Code(_E, "Keep one of the two lines (`effective` and `keep` may repeat)."),
    "too-deep": Code(_E, "Write the condition with fewer levels of `not`, lists and brackets."),
    "number-out-of-range": Code(_E, "Write a number below 10^15 with at most 17 digits."),
    "too-long": Code(_E, "Shorten the name or the text."),
    "date-out-of-range": Code(_E, "Write a date from 1000-01-01 to 9998-12-31."),
    # -- fields, names and types
    "unknown-field": Code(_E, "Use a listed field, or check with the data that has that column."),
    "unknown-name": Code(_E, 'Put text in double quotes ("web") or write a field (order.channel).'),
    "unknown-metric": Code(_E, "Rank by shipments, distance, cost, stock, load or a node field."),
    "metric-in-condition": Code(_E, "Use metrics only in `rank by`; limit distance with `within`."),
    "node-field-in-when": Code(_E, "Move the node test to `source from` (or `keep ... at`)."),
    "line-field-in-node-clause": Code(
        _E, "Test order lines in `when` (true when any line matches)."
    ),
    "type-mismatch": Code(_E, "Compare a field with a value of its own kind."),
    "not-orderable": Code(
        _E, "Use `==`, `!=` or `in` on text; `<`, `>` need numbers, dates or times of day."
    ),
    "not-a-time-of-day": Code(_E, 'Write a time of day as "HH:MM", such as "09:30" or "14:00".'),
    "carrier-field-outside-ship-with": Code(
        _E, "Test carrier services in `ship with`, the one clause that reads them."
    ),
    "has-needs-tags": Code(_E, 'Use `has` on a tag list only: node.tags has "flagship".'),
    "in-needs-list": Code(_E, 'Write the values as a list: order.channel in ["web", "store"].'),
    "list-item-type": Code(_E, "Make every item of the list the same kind as the field."),
    "not-a-condition": Code(_E, 'Compare the value, e.g. order.channel == "web".'),
    "unknown-value": Code(_E, "Use one of the values the message lists."),
    "unsortable-rank-key": Code(_E, 'Rank by a condition on the list: node.tags has "x" desc.'),
    # -- strategies
    "duplicate-strategy": Code(_E, "Rename one of the strategies (and its `otherwise use`)."),
    "unknown-fallback": Code(_E, "Name an existing strategy id after `otherwise use`."),
    "fallback-to-self": Code(_E, "Fall back to another strategy, or remove `otherwise use`."),
    "fallback-cycle": Code(_E, "End the chain at a strategy without `otherwise use`."),
    "fallback-chain-too-long": Code(
        _E, "Shorten the chain: fall back to a strategy nearer its end."
    ),
    "within-not-positive": Code(_E, "Give a radius above 0 km, or remove `within`."),
    "split-not-positive": Code(
        _E, "Write `split none` (one shipment) or `split at most 2` or more."
    ),
    "keep-negative": Code(_E, "Keep 0 units or more."),
    "lines-where-without-line-field": Code(
        _E, "Test line fields in `lines where`, or move the condition to `when`."
    ),
    "deliver-not-positive": Code(_E, "Write `deliver within 1 day` or more."),
    "deliver-by-not-a-date": Code(_E, "Write `deliver by order.requested_date`."),
    "unknown-carrier-key": Code(_E, "Choose carrier services by cost, eta or co2."),
    "ship-with-unsatisfiable": Code(
        _E, "Match a service of the carriers table, or add the service the clause asks for."
    ),
    # -- return strategies (dsl/checks/returns.py)
    "field-not-for-kind": Code(
        _E, "Read `return.*` in return strategies and `order.*` in order strategies."
    ),
    "clause-not-for-kind": Code(
        _E,
        "Write `send to`, `disposition` and `restock after` in a `return strategy`, "
        "order clauses in a `strategy`; or remove the clause.",
    ),
    "metric-not-for-kind": Code(
        _E,
        "Rank returns by need, distance or cost; orders by shipments, distance, cost, "
        "stock, load or eta.",
    ),
    "fallback-other-kind": Code(_E, "Fall back to a strategy of the same kind (order or return)."),
    "missing-send-to": Code(_E, "Add `send to CONDITION`: the nodes a returned unit may go to."),
    "missing-disposition": Code(
        _E, "Add `disposition restock` (refurbish, liquidate, destroy) or `disposition by`."
    ),
    "unknown-disposition": Code(_E, "Write restock, refurbish, liquidate or destroy."),
    "disposition-by-not-a-value": Code(
        _E, "Match the value of a field: `disposition by return.condition: new -> restock`."
    ),
    "duplicate-case-value": Code(_E, "Give each value one case: remove the repeated one."),
    "restock-after-negative": Code(_E, "Write `restock after 0 days` (the same day) or more."),
    "invalid-timezone": Code(_E, 'Use an IANA zone name such as "Europe/Paris" or "UTC".'),
    "effective-ends-before-start": Code(_E, "Write the earlier date first: `effective A to B`."),
    "never-chosen": Code(_E, "Give the earlier strategy a `when`, or reorder the priorities."),
    # -- warnings
    "missing-name": Code(_W, 'Add `ruleset "Name"` as the first line.'),
    "no-strategies": Code(_W, "Add at least one `strategy`."),
    "transfer-never-applies": Code(
        _W, "Remove `transfer from`, or let `when` take collect orders (order.delivery)."
    ),
    "unrestricted-sources": Code(
        _W, "Add `source from ...` or `within N km`, or accept every node."
    ),
    "overlapping-strategies": Code(_W, "Give the strategies different priorities."),
    "duplicate-rank-key": Code(_W, "Remove the repeated key: it can never break a tie."),
    "duplicate-carrier-key": Code(_W, "Remove the repeated key: it can never break a tie."),
    "ship-with-without-carrier-field": Code(
        _W, "Test the carrier services in `ship with` (carrier.service, carrier.name, ...)."
    ),
    "constant-rank-key": Code(_W, "Rank by something that differs between nodes."),
    "ascending-condition-rank": Code(_W, "Add `desc` to prefer the nodes where it is true."),
    "ignored-shortage": Code(_W, "Move `on shortage` to the last strategy of the chain."),
    "hidden-character": Code(_W, "Delete the invisible character, unless it is meant."),
    "uncovered-disposition-values": Code(
        _W, "Add a case for each value named, or leave those units to `otherwise use`."
    ),
    "unknown-case-value": Code(_W, "Match a value the field holds; the message lists them."),
    "restock-never-happens": Code(_W, "Remove `restock after`, or restock some units."),
    # -- business checks: they need the network (and orders) or today's date, so
    #    `engine.business_checks` makes them (docs/language.md, "Business checks")
    "keep-never-applies": Code(
        _W, "Point `keep` at nodes that `source from` admits, or remove the line."
    ),
    "source-cannot-ship": Code(_W, "Add `and node.can_ship` to `source from`."),
    "within-out-of-reach": Code(
        _W, "Widen `within`, or admit nodes nearer the customers in `source from`."
    ),
    "window-in-past": Code(_W, "Remove the strategy, or give it new `effective` dates."),
}


def finding(code: str, where: Span | None, message: str, length: int | None = None) -> Diagnostic:
    """A diagnostic of kind `code` at `where`; the underline covers the span when it
    fits on one line, else `length` characters."""
    line, column = (where.line, where.column) if where else (1, 1)
    if length is None:
        on_one_line = where is not None and where.end_line == where.line
        length = where.end_column - where.column if where is not None and on_one_line else 1
    return Diagnostic(
        severity=CODES[code].severity,
        message=message,
        line=line,
        column=column,
        length=max(1, length),
        code=code,
    )
