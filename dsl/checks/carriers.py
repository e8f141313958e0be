"""`ship with` against a carriers table: a clause that no carrier service of the
table satisfies leaves every parcel of the strategy without a carrier.

The table comes as plain rows (column → value, as the carriers file holds them;
see `CarrierTable`), so the language depends on no loader. Each row is tried with
the rules of routing (docs/routing.md: a missing value equals nothing, `<` needs
two values of one kind, ...). What the clause reads of the order or the node is
not known before an order comes, so it may hold: the clause is reported only
when it is false for every row whatever the order and the node are (three-valued
logic: true, false, unknown).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from dsl import syntax as s
from dsl.checks.codes import finding
from dsl.comparisons import compare
from dsl.days import read_days
from dsl.diagnostics import Diagnostic
from dsl.formatter import format_expr, quote
from dsl.schema import FIELDS, FieldType, carrier_column
from dsl.suggestions import closest

CarrierRow = Mapping[str, object]
"""One carrier service: column → value. A value is text, a number, true/false, a
list of texts, or None; an empty text is an empty cell."""


class _Unknown:
    """A value the check cannot know: an order or node field, a defaulted empty cell."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()

_DEFAULTED = frozenset({"pickup_days", "delivery_days", "co2_per_km"})
"""Columns whose empty cell takes a default (promise.md): unknown here, never missing."""
_DAY_LISTS = frozenset({"pickup_days", "delivery_days"})
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SHOWN_SERVICES = 5
"""Services a finding names before "and N more"."""


class CarrierTable:
    """The carrier services a ruleset is checked against."""

    def __init__(self, rows: Iterable[CarrierRow]):
        self.rows: list[CarrierRow] = list(rows)

    def fields(self) -> frozenset[str]:
        """`carrier.<column>` for every column of the table (its extra columns included)."""
        columns = {column for row in self.rows for column in row}
        return frozenset(f"carrier.{c}" for c in columns if _IDENTIFIER.fullmatch(str(c)))

    def names(self) -> list[str]:
        """ "carrier service" for each row, in table order."""
        return [f"{_text(row.get('carrier'))} {_text(row.get('service'))}" for row in self.rows]

    def texts(self, path: str) -> set[str]:
        """The texts of a text column over every row."""
        column = carrier_column(path)
        cells = (row.get(column) for row in self.rows)
        return {cell.strip() for cell in cells if isinstance(cell, str) and cell.strip()}


def check_satisfiable(expr: s.Expr, table: CarrierTable) -> list[Diagnostic]:
    """Reports "no carrier service of the carriers table satisfies `ship with ...`"."""
    if any(holds(expr, row) is not False for row in table.rows):
        return []
    names = table.names()
    if not names:
        listed = "the carriers table has no service"
    else:
        shown = ", ".join(names[:SHOWN_SERVICES])
        more = f" and {len(names) - SHOWN_SERVICES:,} more" if len(names) > SHOWN_SERVICES else ""
        listed = f"it has {shown}{more}"
    hints = "".join(f"; {hint}" for hint in _value_hints(expr, table))
    return [
        finding(
            "ship-with-unsatisfiable",
            expr.span,
            f"no carrier service of the carriers table satisfies `ship with {format_expr(expr)}` "
            f"({listed}){hints}: every parcel of this strategy would be left without a carrier",
        )
    ]


# ------------------------------------------------------------------ evaluation

Truth = bool | _Unknown


def holds(expr: s.Expr, row: CarrierRow) -> Truth:
    """Whether `expr` holds for the carrier service `row`: True, False or UNKNOWN."""
    if type(expr) is s.AllOf:
        parts = [holds(item, row) for item in expr.items]
        if False in parts:
            return False
        return True if all(part is True for part in parts) else UNKNOWN
    if type(expr) is s.AnyOf:
        parts = [holds(item, row) for item in expr.items]
        if True in parts:
            return True
        return False if all(part is False for part in parts) else UNKNOWN
    if type(expr) is s.Not:
        inner = holds(expr.operand, row)
        return UNKNOWN if inner is UNKNOWN else not inner
    if type(expr) is s.Compare:
        left, right = value(expr.left, row), value(expr.right, row)
        if left is UNKNOWN or right is UNKNOWN:
            return UNKNOWN
        return compare(expr.op, left, right)
    if type(expr) is s.FieldRef:
        read = value(expr, row)
        return UNKNOWN if read is UNKNOWN else read is True
    if type(expr) is s.Boolean:
        return expr.value
    return UNKNOWN


def value(expr: s.Expr, row: CarrierRow) -> object:
    """The value of `expr` for `row`; UNKNOWN for what only an order or a node says."""
    if type(expr) is s.FieldRef:
        return _field(expr.path, row) if expr.root == "carrier" else UNKNOWN
    if type(expr) is s.Text or type(expr) is s.Number or type(expr) is s.Boolean:
        return expr.value
    if type(expr) is s.ListOf:
        items = tuple(value(item, row) for item in expr.items)
        return UNKNOWN if any(item is UNKNOWN for item in items) else items
    if type(expr) is s.Compare or type(expr) is s.AllOf or type(expr) is s.AnyOf:
        return holds(expr, row)
    if type(expr) is s.Not:
        return holds(expr, row)
    return UNKNOWN  # a date, a metric word: never a carrier's value


# ------------------------------------------------------------------ reading cells


def _field(path: str, row: CarrierRow) -> object:
    column = carrier_column(path)
    raw = row.get(column)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return UNKNOWN if column in _DEFAULTED else None
    spec = FIELDS.get(path)
    if spec is None:  # a column of the table's own
        return tuple(raw) if isinstance(raw, list | tuple) else raw
    if spec.type == FieldType.NUMBER:
        return _number(raw)
    if spec.type == FieldType.TAGS:
        return _list(raw, column in _DAY_LISTS)
    return raw.strip() if isinstance(raw, str) else UNKNOWN


def _number(raw: object) -> object:
    if isinstance(raw, bool):
        return UNKNOWN
    if isinstance(raw, int | float):
        return raw
    if isinstance(raw, str):
        try:
            return float(raw)
        except ValueError:
            return UNKNOWN  # the table's loader reports it
    return UNKNOWN


def _list(raw: object, days: bool) -> object:
    if isinstance(raw, str):
        items: Sequence[object] = raw.split(";")
    elif isinstance(raw, list | tuple):
        items = raw
    else:
        return UNKNOWN
    if not days:
        return tuple(text for text in (str(item).strip() for item in items) if text)
    try:  # the tables' own grammar: what their loader refuses is not known here
        return read_days(";".join(str(item) for item in items))
    except ValueError:
        return UNKNOWN  # the table's loader reports it


def _text(raw: object) -> str:
    return raw.strip() if isinstance(raw, str) and raw.strip() else "?"


# ------------------------------------------------------------------ hints


def _value_hints(expr: s.Expr, table: CarrierTable) -> list[str]:
    """`"expres" is not a carrier.service of the table (did you mean "express"?)` for
    each text compared with a carrier's name or service that no row holds."""
    hints: list[str] = []
    for item in s.walk(expr):
        if type(item) is not s.Compare:
            continue
        for field, other in ((item.left, item.right), (item.right, item.left)):
            if type(field) is not s.FieldRef or field.path not in _NAMED:
                continue
            known = table.texts(field.path)
            texts = other.items if type(other) is s.ListOf else [other]
            for text in texts:
                if type(text) is s.Text and text.value not in known:
                    match = closest(text.value, sorted(known))
                    hint = f" (did you mean {quote(match)}?)" if match else ""
                    hints.append(f"{quote(text.value)} is not a `{field.path}` of the table{hint}")
    return list(dict.fromkeys(hints))


_NAMED = frozenset({"carrier.name", "carrier.carrier", "carrier.service"})
