"""Return strategies compiled (returns.md; docs/returns.md): the same windows, `when`
closures and rank keys as order strategies (`engine.compiler`), plus where a returned
unit may go (`send to`), what becomes of it (`disposition`) and when it is stock again
(`restock after`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from dsl import syntax as s
from dsl.comparisons import compare
from dsl.formatter import format_expr
from engine.expressions import ExpressionError, value_getter
from engine.strategy_parts import chosen_by, condition_only, rank_spec
from engine.windows import Window, in_force

RETURN_METRICS = ("need", "distance", "cost")
"""The rank metrics of a return strategy (returns.md)."""
DEFAULT_RETURN_RANK = (s.RankKey(key=s.Name(name="distance")),)
DEFAULT_RESTOCK_DAYS = 0


@dataclass(frozen=True, slots=True)
class CompiledReturnStrategy:
    id: str
    label: str | None
    priority: int
    position: int
    windows: tuple[Window, ...]
    when: Any
    when_expr: Any
    send_to: Any
    within_km: float | None
    rank: tuple[Any, ...]
    """`engine.compiler.RankSpec` per key (default: distance)."""
    otherwise: str | None
    disposition: s.Disposition
    restock_days: int
    disposition_value: Any = None
    """`disposition by EXPR`: reads EXPR's value of a returned line (None: fixed)."""

    def in_force(self, instant: dt.datetime) -> bool:
        return in_force(self.windows, instant)

    def applies(self, unit: Any, instant: dt.datetime) -> bool:
        return in_force(self.windows, instant) and (self.when is None or self.when(unit))

    def disposition_of(self, unit: Any) -> tuple[str | None, Any]:
        """The disposition of a returned line, and the value `disposition by` read
        (None, value: no case for that value)."""
        if self.disposition.fixed is not None:
            return self.disposition.fixed, None
        value = self.disposition_value(unit, None, None)
        for case in self.disposition.cases:
            if compare("==", value, case.value):
                return case.disposition, value
        return None, value

    @property
    def send_text(self) -> str:
        return "send to " + format_expr(self.send_to)

    @property
    def disposition_text(self) -> str:
        if self.disposition.fixed is not None:
            return "disposition " + self.disposition.fixed
        assert self.disposition.by is not None, "a disposition is fixed or by a value"
        cases = ", ".join(f"{case.value} -> {case.disposition}" for case in self.disposition.cases)
        return f"disposition by {format_expr(self.disposition.by)}: {cases}"


def compile_return(strategy: s.Strategy, position: int, tz: ZoneInfo) -> CompiledReturnStrategy:
    """A checked return strategy in the engine's terms (`ExpressionError` for what the
    engine cannot run)."""
    if strategy.send_to is None or strategy.disposition is None:
        missing = "send to" if strategy.send_to is None else "disposition"
        raise ExpressionError(f"a return strategy needs `{missing}`", None)
    condition_only(strategy.send_to, "send to")
    disposition = strategy.disposition
    reader = None if disposition.by is None else value_getter(disposition.by, tz)
    return CompiledReturnStrategy(
        **chosen_by(strategy, position, tz),
        send_to=strategy.send_to,
        rank=tuple(rank_spec(key, RETURN_METRICS) for key in strategy.rank or DEFAULT_RETURN_RANK),
        disposition=disposition,
        restock_days=(
            DEFAULT_RESTOCK_DAYS if strategy.restock_after is None else strategy.restock_after
        ),
        disposition_value=reader,
    )
