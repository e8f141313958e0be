"""What order and return strategies share once compiled (engine.compiler,
engine.return_strategies): rank keys as `RankSpec`, the checks that a clause holds a
condition, and the fields every strategy has (`chosen_by`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo

from dsl import syntax as s
from dsl.formatter import format_expr, format_rank_key
from dsl.schema import METRICS
from engine.expressions import ExpressionError, order_predicate, roots
from engine.windows import effective_window


@dataclass(frozen=True, slots=True)
class RankSpec:
    """One `rank by` key. `kind`: a metric word, a node field, a boolean
    predicate over nodes, or a constant (same for every node: no effect)."""

    kind: Literal["metric", "field", "predicate", "constant"]
    name: str
    expr: Any
    descending: bool
    text: str


def chosen_by(strategy: s.Strategy, position: int, tz: ZoneInfo) -> dict[str, Any]:
    """What order and return strategies share, compiled: id, label, priority, file
    position, `effective` windows, `when`, `within` and `otherwise use`."""
    return {
        "id": strategy.id,
        "label": strategy.label,
        "priority": strategy.tried_priority,
        "position": position,
        "windows": tuple(effective_window(e, tz) for e in strategy.effective),
        "when": order_predicate(strategy.when, tz),
        "when_expr": strategy.when,
        "within_km": None if strategy.within_km is None else float(strategy.within_km),
        "otherwise": strategy.otherwise,
    }


def condition_only(expr: s.Expr, clause: str) -> None:
    for item in s.walk(expr):
        if isinstance(item, s.Name):
            raise ExpressionError(
                f"`{item.name}` is a rank metric; `{clause}` needs a condition", item
            )


def rank_spec(key: s.RankKey, metrics: Iterable[str] = METRICS) -> RankSpec:
    """One `rank by` key; `metrics` are the metric words the strategy's kind knows."""
    expr = key.key
    descending = key.direction == "desc"
    text = format_rank_key(key)
    if isinstance(expr, s.Name):
        if expr.name not in metrics:
            known = ", ".join(metrics)
            raise ExpressionError(f"`{expr.name}` is not a rank metric (known: {known})", expr)
        return RankSpec("metric", expr.name, expr, descending, text)
    if isinstance(expr, s.FieldRef):
        if expr.root == "node":
            return RankSpec("field", expr.name, expr, descending, text)
        return RankSpec("constant", expr.path, expr, descending, text)
    if isinstance(expr, s.Compare | s.AllOf | s.AnyOf | s.Not) and "node" in roots(expr):
        condition_only(expr, "rank by")
        return RankSpec("predicate", format_expr(expr), expr, descending, text)
    return RankSpec("constant", format_expr(expr), expr, descending, text)
