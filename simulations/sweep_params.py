"""Sweep parameters that change a strategy: a number or a date of one clause, addressed
as `STRATEGY.CLAUSE[.N][.from|.to]` (docs/sweeps.md, "Strategy parameters").

A parameter is resolved against the base ruleset once (`strategy_target`), so a wrong
address is refused before anything runs; `set_value` then writes one value into a deep
copy of the ruleset. Ranges (a keep below 0, an effective window that ends before it
starts) are left to the language's own checks when the combination is compiled: such a
combination fails alone and the sweep goes on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dsl import syntax as s
from simulations.override_base import ScenarioError, unknown

WHOLE_CLAUSES = {
    "priority": "priority",
    "within": "within_km",
    "split": "split",
    "deliver": "deliver",
    "restock_after": "restock_after",
}
"""Clauses holding one number, by the name a sweep writes, with the tree's field."""
INTEGER_CLAUSES = frozenset({"priority", "split", "deliver", "restock_after", "keep"})
EXPRESSION_CLAUSES = {
    "when": "when",
    "source": "source",
    "transfer": "transfer",
    "lines_where": "lines_where",
    "ship_with": "ship_with",
    "send_to": "send_to",
}
"""Clauses holding a condition: a sweep changes one number or date literal in it."""
CLAUSES = (*WHOLE_CLAUSES, "keep", "effective", *EXPRESSION_CLAUSES)
WINDOW_ENDS = ("from", "to")


@dataclass(frozen=True)
class StrategyTarget:
    """Where a value goes: the strategy, the clause, which one of its kind (0-based,
    for `keep`, `effective` and a condition's literals) and the window end."""

    strategy: str
    clause: str
    index: int = 0
    end: str = ""
    literal: str = ""
    """For a condition: "number" or "date", the kind of literal it holds there."""


def strategy_target(ruleset: s.Ruleset, parts: tuple[str, ...], address: str) -> StrategyTarget:
    """Resolve `parts` (the address split at dots) against the ruleset, or raise
    ScenarioError saying what the address may be."""
    ids = [strategy.id for strategy in ruleset.strategies]
    strategy = ruleset.strategy(parts[0])
    if strategy is None:
        raise ScenarioError(f"vary.{address}: {unknown('strategy', parts[0], ids)}")
    if len(parts) < 2 or parts[1] not in CLAUSES:
        clause = parts[1] if len(parts) > 1 else ""
        raise ScenarioError(
            f"vary.{address}: {unknown('clause', clause, list(CLAUSES))}; "
            "write STRATEGY.CLAUSE, e.g. peak_store_protection.keep"
        )
    clause, rest = parts[1], parts[2:]
    if clause in WHOLE_CLAUSES:
        _no_more(rest, address, f"{parts[0]}.{clause}")
        if clause == "deliver" and strategy.deliver is not None and strategy.deliver.by:
            raise ScenarioError(
                f"vary.{address}: {parts[0]} delivers by a date field, not within days"
            )
        return StrategyTarget(parts[0], clause)
    if clause == "keep":
        index = _index(rest, len(strategy.keep), address, "keep clauses")
        _no_more(rest[1:] if rest else rest, address, f"{parts[0]}.keep.N")
        return StrategyTarget(parts[0], clause, index)
    if clause == "effective":
        return _effective_target(strategy, rest, address)
    return _literal_target(strategy, clause, rest, address)


def _effective_target(strategy: s.Strategy, rest: tuple[str, ...], address: str):
    if not rest or rest[-1] not in WINDOW_ENDS:
        raise ScenarioError(
            f"vary.{address}: say which end of the window: {strategy.id}.effective.from "
            f"or {strategy.id}.effective.to (with several effective lines, "
            f"{strategy.id}.effective.N.from)"
        )
    windows = max(len(strategy.effective), 1)  # none yet: the value makes the first
    index = _index(rest[:-1], windows, address, "effective lines")
    _no_more(rest[1:-1], address, f"{strategy.id}.effective.N.from")
    return StrategyTarget(strategy.id, "effective", index, end=rest[-1])


def _literal_target(strategy: s.Strategy, clause: str, rest: tuple[str, ...], address: str):
    expr = getattr(strategy, EXPRESSION_CLAUSES[clause])
    literals = [] if expr is None else _literals(expr)
    if not literals:
        raise ScenarioError(
            f"vary.{address}: the {clause} clause of {strategy.id} holds no number or date"
        )
    index = _index(rest, len(literals), address, f"numbers and dates in its {clause} clause")
    _no_more(rest[1:] if rest else rest, address, f"{strategy.id}.{clause}.N")
    kind = "number" if isinstance(literals[index], s.Number) else "date"
    return StrategyTarget(strategy.id, clause, index, literal=kind)


def check_value(target: StrategyTarget, value: object, address: str) -> None:
    """Refuse a value of the wrong kind for its clause (a text for `keep`, a number for
    an effective date); its range is the language's to check."""
    wants_date = target.clause == "effective" or target.literal == "date"
    if wants_date:
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime) and value.tzinfo:
            raise ScenarioError(
                f"vary.{address}: {value!r} is not a date (2026-11-10) or a local date-time "
                "(2026-11-10T06:00, no offset: the ruleset's time zone applies)"
            )
        if isinstance(value, dt.datetime) and (value.second or value.microsecond):
            raise ScenarioError(f"vary.{address}: {value} has seconds; the language counts minutes")
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"vary.{address}: {value!r} is not a number")
    if target.clause in INTEGER_CLAUSES and not isinstance(value, int):
        raise ScenarioError(f"vary.{address}: {value!r} is not a whole number")


def set_value(ruleset: s.Ruleset, target: StrategyTarget, value: object) -> None:
    """Write `value` where `target` points, in place: give it a deep copy."""
    strategy = ruleset.strategy(target.strategy)
    assert strategy is not None, "targets are resolved against this ruleset's base"
    if target.clause == "deliver":
        strategy.deliver = s.Deliver(within_days=value)
    elif target.clause in WHOLE_CLAUSES:
        setattr(strategy, WHOLE_CLAUSES[target.clause], value)
    elif target.clause == "keep":
        strategy.keep[target.index].units = value  # type: ignore[assignment]
    elif target.clause == "effective":
        if not strategy.effective:
            strategy.effective = [s.Effective()]
        window = strategy.effective[target.index]
        moment = _moment(value)  # type: ignore[arg-type]
        if target.end == "from":
            window.start = moment
        else:
            window.end = moment
    else:
        literal = _literals(getattr(strategy, EXPRESSION_CLAUSES[target.clause]))[target.index]
        if isinstance(literal, s.Number):
            literal.value = value  # type: ignore[assignment]
        else:
            moment = _moment(value)  # type: ignore[arg-type]
            literal.day, literal.minute = moment.day, moment.minute


def _literals(expr: s.Expr) -> list[s.Number | s.Moment]:
    """The number and date literals of a condition, in written order."""
    return [node for node in s.walk(expr) if isinstance(node, s.Number | s.Moment)]


def _moment(value: dt.date) -> s.Moment:
    if isinstance(value, dt.datetime):
        return s.Moment(day=value.date(), minute=value.time().replace(second=0, microsecond=0))
    return s.Moment(day=value)


def _index(rest: tuple[str, ...], count: int, address: str, what: str) -> int:
    """The 0-based index a `.N` part names (1-based in the address); without one, the
    clause must be the only one of its kind."""
    if not rest:
        if count != 1:
            raise ScenarioError(
                f"vary.{address}: the strategy has {count} {what}; add which one, counted "
                f"from 1 (e.g. {address}.1)"
            )
        return 0
    part = rest[0]
    if not (part.isascii() and part.isdecimal()) or not 1 <= int(part) <= count:
        raise ScenarioError(
            f"vary.{address}: {part!r} must be a number from 1 to {count} (the strategy has "
            f"{count} {what})"
        )
    return int(part) - 1


def _no_more(rest: tuple[str, ...], address: str, form: str) -> None:
    if rest:
        raise ScenarioError(f"vary.{address}: unexpected {'.'.join(rest)!r}; write {form}")


def strategy_addresses(ruleset: s.Ruleset) -> list[tuple[str, str]]:
    """Every address a sweep may vary in this ruleset, with the kind of value it takes
    ("whole", "number" or "date"), strategies in file order: what the studio offers."""
    found: list[tuple[str, str]] = []
    for strategy in ruleset.strategies:
        sid = strategy.id
        found += [(f"{sid}.priority", "whole"), (f"{sid}.within", "number")]
        found.append((f"{sid}.split", "whole"))
        keeps = len(strategy.keep)
        found += [(f"{sid}.keep" + (f".{n}" if keeps > 1 else ""), "whole") for n in _count(keeps)]
        windows = len(strategy.effective)
        for n in _count(max(windows, 1)):
            middle = f".{n}" if windows > 1 else ""
            found += [(f"{sid}.effective{middle}.{end}", "date") for end in WINDOW_ENDS]
        if strategy.deliver is not None and strategy.deliver.within_days is not None:
            found.append((f"{sid}.deliver", "whole"))
        if strategy.kind == "return":
            found.append((f"{sid}.restock_after", "whole"))
        for clause, field in EXPRESSION_CLAUSES.items():
            expr = getattr(strategy, field)
            literals = [] if expr is None else _literals(expr)
            for n, literal in enumerate(literals, start=1):
                middle = f".{n}" if len(literals) > 1 else ""
                kind = "number" if isinstance(literal, s.Number) else "date"
                found.append((f"{sid}.{clause}{middle}", kind))
    return found


def _count(n: int) -> range:
    return range(1, n + 1)
