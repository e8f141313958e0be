"""What is in force at a moment, for an order of which only the channel and the delivery
method are known: which strategy the router would choose, and which ones might win
instead depending on other facts of the order (tier, value, products...).

The compiled policy decides everything it can, with its own windows and predicates, so
this answer and the router's agree. A `when` is evaluated with three values: the parts
that read only known fields are evaluated, the rest are unknown, and what is left
unknown is shown as "depends on ...". The studio's Timeline page asks these questions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dsl import syntax as s
from dsl.formatter import format_effective, format_expr
from engine.compiler import Policy
from engine.expressions import order_predicate
from engine.model import Order
from engine.windows import as_instant

ANY = None
"""A channel or delivery method left open: conditions on it are shown as depending on it."""


@dataclass(frozen=True)
class StrategyOutlook:
    """One strategy at the moment asked about."""

    id: str
    label: str
    priority: int
    in_force_day: bool
    """Effective at some instant of that local day."""
    in_force_now: bool
    """Effective at the very moment asked about."""
    applies: bool | None
    """Its `when` holds (True), does not (False) or depends on unknown facts (None)."""
    depends_on: str | None
    """What is left of its `when` once the known facts are used."""
    effective: str
    when: str


@dataclass(frozen=True)
class Outlook:
    """The answer: the strategy chosen when nothing unknown intervenes, the ones before
    it that would win on some orders, and every strategy in force that day."""

    instant: dt.datetime
    """The moment asked about, aware, in the ruleset's time zone."""
    chosen: StrategyOutlook | None
    chain: tuple[str, ...]
    """The chosen strategy and its `otherwise use` steps."""
    contenders: tuple[StrategyOutlook, ...]
    """Strategies tried before the chosen one whose `when` depends on unknown facts."""
    strategies: tuple[StrategyOutlook, ...]
    """Every strategy in force that day, in the order they are tried."""


def outlook(
    policy: Policy,
    day: dt.date,
    minute: dt.time = dt.time(12, 0),
    channel: str | None = ANY,
    delivery: str | None = ANY,
) -> Outlook:
    """Which strategy an order placed at `day minute` (local time of the ruleset) with this
    channel and delivery method goes to."""
    tz = policy.tz
    instant = as_instant(dt.datetime.combine(day, minute), tz)
    day_start = as_instant(dt.datetime.combine(day, dt.time(0, 0)), tz)
    day_end = as_instant(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0)), tz)
    fields = {"channel": channel, "delivery": delivery}
    known = {"order.created_at"} | {f"order.{k}" for k, v in fields.items() if v is not None}
    order = Order(
        id="what-if",
        created_at=instant,
        lines=(),
        fields={k: v for k, v in fields.items() if v is not None},
    )

    rows: list[StrategyOutlook] = []
    chosen: StrategyOutlook | None = None
    contenders: list[StrategyOutlook] = []
    for strategy in policy.strategies:
        day_overlap = not strategy.windows or any(
            (w.start is None or w.start < day_end) and (w.end is None or w.end > day_start)
            for w in strategy.windows
        )
        if not day_overlap:
            continue
        now = strategy.in_force(instant)
        expr = strategy.when_expr
        applies = True if expr is None else decide(expr, order, known, tz)
        residual = None
        if applies is None:
            residual = format_expr(remainder(expr, order, known, tz))
        row = StrategyOutlook(
            id=strategy.id,
            label=strategy.label or strategy.id,
            priority=strategy.priority,
            in_force_day=True,
            in_force_now=now,
            applies=applies,
            depends_on=residual,
            effective=_effective_text(policy, strategy.id),
            when=format_expr(expr) if expr is not None else "always",
        )
        rows.append(row)
        if not now or chosen is not None:
            continue
        if applies is True:
            chosen = row
        elif applies is None:
            contenders.append(row)
    chain: tuple[str, ...] = ()
    if chosen is not None:
        chain = tuple(step.id for step in policy.chain(policy.strategy(chosen.id)))
    return Outlook(instant.astimezone(tz), chosen, chain, tuple(contenders), tuple(rows))


def decide(expr: s.Expr, order: Order, known: set[str], tz: ZoneInfo) -> bool | None:
    """True, False, or None when the answer depends on fields not in `known`."""
    if _paths(expr) <= known:
        predicate = order_predicate(expr, tz)
        return bool(predicate(order)) if predicate is not None else True
    if isinstance(expr, s.AllOf):
        values = [decide(item, order, known, tz) for item in expr.items]
        if False in values:
            return False
        return True if all(v is True for v in values) else None
    if isinstance(expr, s.AnyOf):
        values = [decide(item, order, known, tz) for item in expr.items]
        if True in values:
            return True
        return False if all(v is False for v in values) else None
    if isinstance(expr, s.Not):
        value = decide(expr.operand, order, known, tz)
        return None if value is None else not value
    return None


def remainder(expr: s.Expr, order: Order, known: set[str], tz: ZoneInfo) -> s.Expr:
    """The part of an undecided condition that is still open: known-true items of an
    `and` and known-false items of an `or` are dropped."""
    if isinstance(expr, s.AllOf | s.AnyOf):
        drop = isinstance(expr, s.AllOf)
        items = [
            remainder(item, order, known, tz)
            for item in expr.items
            if decide(item, order, known, tz) is not drop
        ]
        if len(items) == 1:
            return items[0]
        return type(expr)(items=items)
    if isinstance(expr, s.Not):
        return s.Not(operand=remainder(expr.operand, order, known, tz))
    return expr


def _paths(expr: s.Expr) -> set[str]:
    return {item.path for item in s.walk(expr) if isinstance(item, s.FieldRef)}


def _effective_text(policy: Policy, strategy_id: str) -> str:
    source = policy.ruleset.strategy(strategy_id)
    if source is None or not source.effective:
        return "always"
    return "; ".join(format_effective(e).removeprefix("effective ") for e in source.effective)


def channels(ruleset: s.Ruleset, defaults: tuple[str, ...] = ()) -> list[str]:
    """The channels a ruleset names in its conditions, after `defaults`."""
    found = list(defaults)
    for strategy in ruleset.strategies:
        if strategy.when is None:
            continue
        for item in s.walk(strategy.when):
            if isinstance(item, s.Compare) and _reads(item, "order.channel"):
                for value in s.walk(item.right if _reads_left(item) else item.left):
                    if isinstance(value, s.Text) and value.value not in found:
                        found.append(value.value)
    return found


def _reads(compare: s.Compare, path: str) -> bool:
    return any(
        isinstance(side, s.FieldRef) and side.path == path for side in (compare.left, compare.right)
    )


def _reads_left(compare: s.Compare) -> bool:
    return isinstance(compare.left, s.FieldRef)
