"""Checks of the ruleset header, of each strategy's clauses and of the
`otherwise use` chain. Each function returns its findings; its docstring quotes
the message it gives."""

from __future__ import annotations

import zoneinfo
from functools import cache

from dsl import syntax as s
from dsl.checks.codes import finding
from dsl.checks.expressions import (
    NODE_ROOTS,
    ORDER_ROOTS,
    CheckRun,
    Scope,
    check_condition,
    check_rank_key,
)
from dsl.diagnostics import Diagnostic
from dsl.formatter import format_expr
from dsl.limits import MAX_CHAIN
from dsl.suggestions import closest


def _is_zone(name: str) -> bool:
    """True when the engine can load `name` (the same lookup: zoneinfo, then tzdata)."""
    try:
        zoneinfo.ZoneInfo(name)
    except (ValueError, OSError, zoneinfo.ZoneInfoNotFoundError):
        return False
    return True


@cache
def _zones() -> frozenset[str]:
    """Every zone name, for suggestions only (listing them takes a while)."""
    return frozenset(zoneinfo.available_timezones())


def check_header(ruleset: s.Ruleset) -> list[Diagnostic]:
    """Reports "the ruleset has no name", "`Europe/Pariss` is not a time zone", "no strategy"."""
    found = []
    if ruleset.name is None:
        found.append(
            finding(
                "missing-name",
                None,
                'the ruleset has no name: add a first line such as `ruleset "France omnichannel"`',
            )
        )
    zone = ruleset.timezone
    if zone is not None and not _is_zone(zone):
        match = closest(zone, _zones())
        hint = f' (did you mean "{match}"?)' if match else ""
        found.append(
            finding(
                "invalid-timezone",
                ruleset.clause_spans.get("timezone"),
                f'"{zone}" is not a time zone{hint}: use an IANA name such as '
                '"Europe/Paris", "America/New_York" or "UTC"',
                length=len("timezone"),
            )
        )
    if not ruleset.strategies:
        found.append(
            finding(
                "no-strategies",
                None,
                "the ruleset has no strategy, so every order would be unroutable: "
                "add one with `strategy ID`",
            )
        )
    return found


def check_ids(ruleset: s.Ruleset) -> list[Diagnostic]:
    """Reports "strategy id `x` is already used on line N"."""
    found: list[Diagnostic] = []
    first: dict[str, s.Strategy] = {}
    for strategy in ruleset.strategies:
        if strategy.id in first:
            earlier = first[strategy.id].span
            where = f"on line {earlier.line}" if earlier else "by an earlier strategy"
            found.append(
                finding(
                    "duplicate-strategy",
                    strategy.clause_spans.get("id") or strategy.span,
                    f"strategy id `{strategy.id}` is already used {where}: "
                    "every strategy needs its own id",
                )
            )
        else:
            first[strategy.id] = strategy
    return found


def check_fallbacks(ruleset: s.Ruleset) -> list[Diagnostic]:
    """Reports "no strategy has the id `x`", "falls back to itself", "the fallback chain
    loops: a -> b -> a", and "`on shortage` has no effect" on a strategy that is never
    the last of its chain."""
    found: list[Diagnostic] = []
    targets: dict[str, str | None] = {}
    for strategy in ruleset.strategies:
        targets.setdefault(strategy.id, strategy.otherwise)
    loops = _loops(targets)
    heads = set(targets) - {t for t in targets.values() if t is not None}
    lengths: dict[str, int] = {}
    reported_cycles: set[int] = set()  # each loop is one list, shared by its members
    suggested = 0
    for strategy in ruleset.strategies:
        target = strategy.otherwise
        if target is None:
            continue
        where = strategy.clause_spans.get("otherwise")
        length = len("otherwise use")
        if target not in targets:
            suggested += 1
            match = None
            if suggested <= SUGGESTED_FALLBACKS:
                match = closest(target, [t for t in targets if t != strategy.id])
            hint = f"did you mean `{match}`?" if match else "write the id of another strategy"
            found.append(
                finding(
                    "unknown-fallback",
                    where,
                    f"`otherwise use {target}`: no strategy has the id `{target}`; {hint}",
                    length,
                )
            )
        elif target == strategy.id:
            found.append(
                finding(
                    "fallback-to-self",
                    where,
                    f"strategy `{strategy.id}` falls back to itself: name another strategy "
                    "or remove `otherwise use`",
                    length,
                )
            )
        elif strategy.id in loops and id(loops[strategy.id][0]) not in reported_cycles:
            loop, position = loops[strategy.id]
            reported_cycles.add(id(loop))
            cycle = loop[position:] + loop[:position]  # starting at the strategy reported
            found.append(
                finding(
                    "fallback-cycle",
                    where,
                    f"the fallback chain loops: {_chain(cycle)}; end it at a strategy without "
                    "`otherwise use`",
                    length,
                )
            )
        if target in targets and strategy.id not in loops and strategy.id in heads:
            length = _length(strategy.id, targets, loops, lengths)
            if length > MAX_CHAIN:
                found.append(
                    finding(
                        "fallback-chain-too-long",
                        where,
                        f"the fallback chain from `{strategy.id}` holds {length:,} strategies; "
                        f"at most {MAX_CHAIN} are allowed: fall back to a strategy nearer "
                        "its end",
                        len("otherwise use"),
                    )
                )
        shortage = strategy.on_shortage if strategy.kind == "order" else None  # else misplaced
        if shortage is not None and target in targets and target != strategy.id:
            found.append(
                finding(
                    "ignored-shortage",
                    strategy.clause_spans.get("on_shortage"),
                    f"`on shortage {strategy.on_shortage}` has no effect: `{strategy.id}` passes "
                    f"what it cannot fill to `{target}`, and the last strategy of the chain "
                    "decides; move it there",
                    len("on shortage"),
                )
            )
    return found


SUGGESTED_FALLBACKS = 100
"""Unknown `otherwise use` targets that get a "did you mean": finding the closest id
compares it with every id, so past this many the message names none."""

SHOWN_CHAIN = 12
"""Strategies a fallback loop message names; a longer loop is shortened in the middle."""


def _chain(cycle: list[str]) -> str:
    """`a -> b -> c -> a`; a loop longer than `SHOWN_CHAIN` keeps its two ends."""
    ids = [*cycle, cycle[0]]
    if len(ids) > SHOWN_CHAIN:
        hidden = len(ids) - SHOWN_CHAIN + 2
        ids = [*ids[: SHOWN_CHAIN - 4], f"... ({hidden:,} more) ...", *ids[-2:]]
    return " -> ".join(ids)


def _length(
    start: str,
    targets: dict[str, str | None],
    loops: dict[str, tuple[list[str], int]],
    known: dict[str, int],
) -> int:
    """Strategies on the chain from `start` (itself included), remembered in `known` so
    that every strategy is walked once in all. Chains through a loop are not counted."""
    path: list[str] = []
    current: str | None = start
    while current is not None and current in targets and current not in known:
        if current in loops:
            return 0
        path.append(current)
        current = targets[current]
    length = known.get(current, 0) if current is not None else 0
    for strategy in reversed(path):
        length += 1
        known[strategy] = length
    return known[start]


def _loops(targets: dict[str, str | None]) -> dict[str, tuple[list[str], int]]:
    """For every strategy on a fallback loop, the loop (in chain order, one list shared
    by its members) and its place in it. One walk per chain, each strategy visited
    once, so a chain of 10,000 strategies is as quick as 10."""
    loops: dict[str, tuple[list[str], int]] = {}
    done: set[str] = set()
    for start in targets:
        path: list[str] = []
        position: dict[str, int] = {}
        current: str | None = start
        while current is not None and current in targets and current not in done:
            if current in position:
                loop = path[position[current] :]
                loops.update({member: (loop, place) for place, member in enumerate(loop)})
                break
            position[current] = len(path)
            path.append(current)
            current = targets[current]
        done.update(path)
    return loops


def check_values(strategy: s.Strategy) -> list[Diagnostic]:
    """Reports "`within 0 km` leaves no node", and for an order strategy "`split at
    most 0` allows no shipment", "`keep -1 units` is negative" and "may ship from
    every node" (in a return strategy, those clauses are misplaced: `dsl.checks.returns`)."""
    found = []
    if strategy.within_km is not None and strategy.within_km <= 0:
        found.append(
            finding(
                "within-not-positive",
                strategy.clause_spans.get("within"),
                f"`within {strategy.within_km} km` leaves no node: the radius must be above 0 km",
                len("within"),
            )
        )
    if strategy.kind == "return":
        return found
    if strategy.split is not None and strategy.split < 1:
        found.append(
            finding(
                "split-not-positive",
                strategy.clause_spans.get("split"),
                f"`split at most {strategy.split}` allows no shipment at all: write "
                "`split none` for one shipment, or `split at most 2` or more",
                len("split"),
            )
        )
    for keep in strategy.keep:
        if keep.units < 0:
            found.append(
                finding(
                    "keep-negative",
                    keep.span,
                    f"`keep {keep.units} units` is negative: keep 0 units or more",
                    len("keep"),
                )
            )
    when = strategy.when
    if strategy.transfer is not None and when is not None and excludes_collect(when):
        found.append(
            finding(
                "transfer-never-applies",
                strategy.clause_spans.get("transfer") or strategy.span,
                f"strategy `{strategy.id}` has `transfer from`, but its `when` never "
                'takes a collect order (`order.delivery == "collect"`): a transfer '
                "only serves collect orders, so the clause does nothing here",
                len("transfer"),
            )
        )
    if strategy.source is None and strategy.within_km is None and strategy.transfer is None:
        found.append(
            finding(
                "unrestricted-sources",
                strategy.clause_spans.get("id") or strategy.span,
                f"strategy `{strategy.id}` may ship from every node of every type: "
                "add `source from ...` or `within N km` if that is not intended",
            )
        )
    return found


def excludes_collect(when: s.Expr) -> bool:
    """Whether `when` surely refuses every collect order, read from its tests of
    `order.delivery` alone: `== "home"`, `!= "collect"`, `in [...]` without "collect",
    `not in [...]` with it; an `and` with one such part, an `or` of only such parts."""
    if isinstance(when, s.AllOf):
        return any(excludes_collect(item) for item in when.items)
    if isinstance(when, s.AnyOf):
        return all(excludes_collect(item) for item in when.items)
    if not isinstance(when, s.Compare) or not isinstance(when.left, s.FieldRef):
        return False
    if when.left.path != "order.delivery":
        return False
    right = when.right
    if isinstance(right, s.Text):
        if when.op == "==":
            return right.value != "collect"
        if when.op == "!=":
            return right.value == "collect"
    if isinstance(right, s.ListOf) and all(isinstance(i, s.Text) for i in right.items):
        named = "collect" in [i.value for i in right.items if isinstance(i, s.Text)]
        if when.op == "in":
            return not named
        if when.op == "not in":
            return named
    return False


def check_expressions(
    strategy: s.Strategy, extra: frozenset[str], run: CheckRun | None = None
) -> list[Diagnostic]:
    """Fields, names and types in `when`, `source from`, `keep ... at` and `rank by`.
    `run` is shared by the strategies of one ruleset (see `CheckRun`)."""
    found: list[Diagnostic] = []
    run = CheckRun() if run is None else run
    if strategy.when is not None:
        check_condition(strategy.when, Scope("when", ORDER_ROOTS, extra, found, run))
    if strategy.source is not None:
        check_condition(strategy.source, Scope("source from", NODE_ROOTS, extra, found, run))
    if strategy.transfer is not None:
        check_condition(strategy.transfer, Scope("transfer from", NODE_ROOTS, extra, found, run))
    for keep in strategy.keep:
        check_condition(keep.at, Scope("keep ... at", NODE_ROOTS, extra, found, run))
    check_rank(strategy.rank or [], Scope("rank by", NODE_ROOTS, extra, found, run))
    return found


def check_rank(keys: list[s.RankKey], scope: Scope) -> None:
    """Each key of `rank by` (see `check_rank_key`), and "`x` is already rank key
    number N" for a repeated one; findings go to `scope.found`."""
    seen: dict[s.Shape, int] = {}
    for number, key in enumerate(keys, start=1):
        check_rank_key(key, scope)
        shape = s.shape(key.key)
        if shape in seen:
            scope.found.append(
                finding(
                    "duplicate-rank-key",
                    key.key.span or key.span,
                    f"`{format_expr(key.key)}` is already rank key number {seen[shape]}: a "
                    "repeated key never breaks a tie; remove it",
                )
            )
        else:
            seen[shape] = number
