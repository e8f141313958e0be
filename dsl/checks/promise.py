"""Checks of the clauses of the delivery promise: `lines where`, `ship with`,
`deliver` and `carrier by` (docs/language.md, "Carriers and the delivery
promise"). Each function returns its findings; its docstring quotes the message
it gives. Whether a carriers table can satisfy `ship with` is `dsl.checks.carriers`."""

from __future__ import annotations

from dsl import syntax as s
from dsl.checks.carriers import CarrierTable, check_satisfiable
from dsl.checks.codes import finding
from dsl.checks.expressions import (
    CARRIER_ROOTS,
    ORDER_ROOTS,
    TIME,
    CheckRun,
    Scope,
    check_condition,
    field_kind_word,
)
from dsl.diagnostics import Diagnostic
from dsl.expected import join_or
from dsl.formatter import format_expr
from dsl.schema import CARRIER_KEYS, FIELDS
from dsl.suggestions import closest, did_you_mean


def check_promise(
    strategy: s.Strategy,
    extra: frozenset[str],
    run: CheckRun | None = None,
    carriers: CarrierTable | None = None,
) -> list[Diagnostic]:
    """Every finding about the promise clauses of one strategy; with `carriers`, also
    whether any of its services satisfies `ship with`."""
    found: list[Diagnostic] = []
    run = CheckRun() if run is None else run
    if strategy.lines_where is not None:
        found += _lines_where(
            strategy.lines_where, Scope("lines where", ORDER_ROOTS, extra, run=run)
        )
    if strategy.ship_with is not None:
        scope = Scope("ship with", CARRIER_ROOTS, extra, run=run)
        found += _ship_with(strategy.ship_with, scope, carriers)
    if strategy.deliver is not None:
        found += _deliver(strategy.deliver, extra)
    found += _carrier_keys(strategy.carrier_by or [])
    return found


def _reads(expr: s.Expr, root: str) -> bool:
    return any(type(e) is s.FieldRef and e.root == root for e in s.walk(expr))


def _lines_where(expr: s.Expr, scope: Scope) -> list[Diagnostic]:
    """Reports "`lines where order.value > 100` reads no line field" (and the findings of
    any condition: it reads the order and each line on its own, never a node)."""
    check_condition(expr, scope)
    if not scope.found and not _reads(expr, "line"):
        scope.found.append(
            finding(
                "lines-where-without-line-field",
                expr.span,
                f"`lines where {format_expr(expr)}` reads no line field, so it takes all of the "
                "order's lines or none of them: test the lines (such as `line.category == "
                '"bulky"`), or move the condition to `when`',
            )
        )
    return scope.found


def _ship_with(expr: s.Expr, scope: Scope, carriers: CarrierTable | None) -> list[Diagnostic]:
    """Reports "`ship with node.can_ship` reads no carrier field" (warning), and the
    findings of any condition: it reads carrier, order and node fields, never lines.
    With a carriers table and no error so far, whether any service satisfies it."""
    check_condition(expr, scope)
    if carriers is not None and not any(d.is_error for d in scope.found):
        scope.found += check_satisfiable(expr, carriers)
    if not scope.found and not _reads(expr, "carrier"):
        scope.found.append(
            finding(
                "ship-with-without-carrier-field",
                expr.span,
                f"`ship with {format_expr(expr)}` reads no carrier field, so it allows every "
                "carrier service or none of them: test the services (such as "
                '`carrier.service == "express"`)',
            )
        )
    return scope.found


def _deliver(deliver: s.Deliver, extra: frozenset[str]) -> list[Diagnostic]:
    """Reports "`deliver within 0 days`: the number of days must be 1 or more" and
    "`deliver by` needs a date of the order"."""
    if deliver.by is None:
        days = deliver.within_days
        if days is not None and days <= 0:
            word = "day" if days == 1 else "days"
            return [
                finding(
                    "deliver-not-positive",
                    deliver.span,
                    f"`deliver within {days} {word}`: the number of days must be 1 or more (a "
                    "node counts when it delivers at most that many days after the order's "
                    "local date); for same-day services write `ship with carrier.service == "
                    '"same_day"`',
                    len("deliver"),
                )
            ]
        return []
    field = deliver.by
    dates = [p for p, spec in FIELDS.items() if p.startswith("order.") and spec.type == TIME]
    if field.path in FIELDS and field.root == "order" and FIELDS[field.path].type == TIME:
        return []
    if field.path in extra and field.root == "order":
        return []  # a column of the order data: its kind is known at routing only
    advice = (
        ": write `deliver by order.requested_date` (the local date the customer needs the "
        "order), or a date column of your order data"
    )
    if field.path in FIELDS or field.path in extra:
        what = f"`{field.path}` is {field_kind_word(field.path)}"
        if field.root != "order":
            what = f"`{field.path}` is not a field of the order"
        message = f"`deliver by` needs a date of the order, but {what}{advice}"
    else:
        hint = did_you_mean(closest(field.path, [*dates, *sorted(extra)]))
        message = f"unknown field `{field.path}` after `deliver by`{hint or advice}"
        return [finding("unknown-field", field.span, message)]
    return [finding("deliver-by-not-a-date", field.span, message)]


def _carrier_keys(keys: list[s.Name]) -> list[Diagnostic]:
    """Reports "`cheapest` is not a carrier key (did you mean ...?)" and "`eta` is already
    carrier key number 1" (warning)."""
    found: list[Diagnostic] = []
    seen: dict[str, int] = {}
    known = join_or([f"`{key}`" for key in CARRIER_KEYS])
    for number, key in enumerate(keys, start=1):
        if key.name not in CARRIER_KEYS:
            match = closest(key.name, CARRIER_KEYS)
            hint = f" (did you mean `{match}`?)" if match else ""
            found.append(
                finding(
                    "unknown-carrier-key",
                    key.span,
                    f"`{key.name}` is not a way to choose a carrier service{hint}: "
                    f"`carrier by` takes {known}",
                )
            )
        elif key.name in seen:
            found.append(
                finding(
                    "duplicate-carrier-key",
                    key.span,
                    f"`{key.name}` is already carrier key number {seen[key.name]}: a repeated "
                    "key never breaks a tie; remove it",
                )
            )
        else:
            seen[key.name] = number
    return found
