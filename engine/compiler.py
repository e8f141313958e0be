"""Ruleset syntax tree → Policy: strategies in the order they are tried, with
their effective windows as UTC intervals, `when` as a closure, defaults filled
in, and the `otherwise use` chains resolved. A ruleset with errors does not
compile: `CompileError` lists the rendered diagnostics.

The policy does not know the network; `engine.router.Router` binds it to one
(node masks for `source` and `keep`, node columns for rank keys).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from dsl import syntax as s
from dsl.checker import check
from dsl.diagnostics import Diagnostic, render_all
from dsl.errors import RulesetError
from dsl.formatter import format_expr
from engine.expressions import ExpressionError, plain_order_fields
from engine.order_batch import OrderBatch, from_ns, instant_ns
from engine.return_strategies import compile_return
from engine.strategy_parts import RankSpec, chosen_by, condition_only, rank_spec
from engine.windows import UTC, Window, in_force

DEFAULT_SPLIT = 1
DEFAULT_SHORTAGE = "partial"
DEFAULT_RANK = (
    s.RankKey(key=s.Name(name="shipments")),
    s.RankKey(key=s.Name(name="distance")),
)


class CompileError(RulesetError, ValueError):
    """The ruleset has errors (the checker's, or an expression the engine cannot
    run); `diagnostics` holds them, the message renders them."""

    def __init__(self, diagnostics: list[Diagnostic], source: str = "", filename: str = ""):
        self.diagnostics = diagnostics
        self.source = source
        self.filename = filename or "<ruleset>"
        super().__init__(render_all(diagnostics, source, self.filename))


@dataclass(frozen=True, slots=True)
class CompiledStrategy:
    id: str
    label: str | None
    priority: int
    position: int
    windows: tuple[Window, ...]
    when: Any
    when_expr: Any
    source: Any
    within_km: float | None
    keeps: tuple[tuple[int, Any], ...]
    rank: tuple[RankSpec, ...]
    split: int
    otherwise: str | None
    on_shortage: str
    ship_with: Any = None
    """`ship with`: the carrier services it may use (None: any)."""
    deliver: Any = None
    """`deliver within N days` / `deliver by order.requested_date` (`dsl.syntax.Deliver`)."""
    carrier_by: tuple[str, ...] = ()
    """`carrier by` keys (empty: cost)."""
    lines_where: Any = None
    """`lines where`: the order lines it takes (None: all)."""
    transfer: Any = None
    """`transfer from` as written (None: none); `source` and `rank` already hold what it
    means (see `_with_transfer`)."""
    written_source: Any = None
    """`source from` as written, when `transfer from` changed `source`."""

    def in_force(self, instant: dt.datetime) -> bool:
        return in_force(self.windows, instant)

    def applies(self, order: Any, instant: dt.datetime) -> bool:
        return in_force(self.windows, instant) and (self.when is None or self.when(order))

    # Clause texts, as explanations quote them.
    @property
    def source_text(self) -> str:
        if self.transfer is not None:
            written = self.written_source
            said = "" if written is None else "source from " + format_expr(written) + ", "
            return said + "transfer from " + format_expr(self.transfer)
        return "source from " + format_expr(self.source) if self.source is not None else ""

    @property
    def within_text(self) -> str:
        return f"within {_number(self.within_km)} km" if self.within_km is not None else ""

    @property
    def rank_text(self) -> str:
        return "rank by " + ", ".join(spec.text for spec in self.rank)

    @property
    def split_text(self) -> str:
        return "split none" if self.split == 1 else f"split at most {self.split}"

    def keep_text(self, units: int, at: Any) -> str:
        return f"keep {units} {'unit' if units == 1 else 'units'} at {format_expr(at)}"


@dataclass(frozen=True)
class Policy:
    """A compiled ruleset: what the router runs."""

    name: str | None
    timezone: str
    tz: ZoneInfo
    strategies: tuple[CompiledStrategy, ...]
    ruleset: s.Ruleset
    source: str = field(default="", repr=False, compare=False)
    """The text it was compiled from (to show errors in), when known."""
    filename: str = field(default="<ruleset>", repr=False, compare=False)
    returns: tuple[Any, ...] = ()
    """The return strategies (`engine.return_strategies.CompiledReturnStrategy`), in the
    order they are tried."""
    by_id: dict[str, CompiledStrategy] = field(init=False, repr=False, compare=False)
    """The strategies by id (made from `strategies`)."""
    _choice: StrategyChoice = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {st.id: st for st in self.strategies})
        object.__setattr__(self, "_choice", StrategyChoice(self.strategies))

    def strategy(self, strategy_id: str) -> CompiledStrategy:
        return self.by_id[strategy_id]

    def primary(self, order: Any, instant: dt.datetime) -> CompiledStrategy | None:
        """The first strategy, by priority then file order, in force at
        `instant` whose `when` holds for the order."""
        return self._choice.primary(order, instant)

    def primaries(
        self, batch: OrderBatch, rows: np.ndarray | None = None
    ) -> list[CompiledStrategy | None]:
        """`primary` of each order of an `engine.order_batch.OrderBatch` (of `rows` of it),
        each at its own instant."""
        return self._choice.primaries(batch, rows)

    def chain(self, strategy: CompiledStrategy) -> tuple[CompiledStrategy, ...]:
        """The strategy and every `otherwise use` step after it."""
        steps = [strategy]
        while steps[-1].otherwise is not None:
            steps.append(self.strategy(steps[-1].otherwise))
        return tuple(steps)


class StrategyChoice:
    """Strategy choice (order strategies, or return strategies for returned lines),
    remembered. Which windows are in force only changes at
    their bounds, and `when` conditions that read plain order fields give the
    same answer for the same values: (time segment, those values) → strategy.
    Conditions reading lines, derived values or the order time are not cached."""

    _LIMIT = 65_536

    def __init__(self, strategies: tuple[CompiledStrategy, ...]):
        self.strategies = strategies
        bounds = {b for st in strategies for w in st.windows for b in (w.start, w.end) if b}
        self.bounds = sorted(bounds)
        # As nanoseconds, clamped to what int64 holds (years 1677-2262): order instants
        # lie within 1970-2200 (engine.limits), so the clamping changes no comparison.
        low, high = np.iinfo(np.int64).min, np.iinfo(np.int64).max
        self.bounds_ns = np.array(
            [min(max(instant_ns(b, UTC), low), high) for b in self.bounds], dtype=np.int64
        )
        """The window bounds as ns UTC (a segment: bisect_right of an instant)."""
        fields: set[str] | None = set()
        for st in strategies:
            if st.when_expr is not None and fields is not None:
                read = plain_order_fields(st.when_expr)
                fields = None if read is None else fields | set(read)
        self.fields = None if fields is None else tuple(sorted(fields))
        self.columns_only = fields is not None and "id" not in fields
        """Whether `order.fields[f]` is what `order.get(f)` gives when present."""
        self.memo: dict[tuple[object, ...], CompiledStrategy | None] = {}

    def primary(self, order: Any, instant: dt.datetime) -> CompiledStrategy | None:
        if self.fields is None:
            return self._choose(order, instant)
        segment = bisect_right(self.bounds, instant)
        key: tuple[object, ...] | None = None
        if self.columns_only:  # the usual case: every field read is a column of the order
            try:
                values = order.fields
                key = (segment, *[values[f] for f in self.fields])
            except (AttributeError, KeyError):
                pass
        if key is None:
            key = (segment, *[order.get(f) for f in self.fields])
        try:
            return self.memo[key]
        except KeyError:
            pass
        except TypeError:  # a value that cannot be a key (a list)
            return self._choose(order, instant)
        chosen = self._choose(order, instant)
        if len(self.memo) >= self._LIMIT:
            self.memo.clear()
        self.memo[key] = chosen
        return chosen

    def primaries(
        self, batch: OrderBatch, rows: np.ndarray | None = None
    ) -> list[CompiledStrategy | None]:
        """The primary of each order of a batch (of `rows` of it): one look-up per order
        when `when` reads only plain fields, else each order is built and asked."""
        positions = range(len(batch)) if rows is None else rows.tolist()
        instants = batch.instants if rows is None else batch.instants[rows]
        segments = np.searchsorted(self.bounds_ns, instants, side="right").tolist()
        if self.fields is None:
            return [
                self._choose(batch.order(i), from_ns(int(batch.instants[i]))) for i in positions
            ]
        columns = [batch.value(name) for name in self.fields]
        memo, out = self.memo, []
        for i, segment in zip(positions, segments, strict=True):
            key = (segment, *[column[i] for column in columns])
            try:
                out.append(memo[key])
                continue
            except KeyError:
                pass
            except TypeError:  # a value that cannot be a key (a list)
                out.append(self._choose(batch.order(i), from_ns(int(batch.instants[i]))))
                continue
            chosen = self._choose(batch.row(i), from_ns(int(batch.instants[i])))
            if len(memo) >= self._LIMIT:
                memo.clear()
            memo[key] = chosen
            out.append(chosen)
        return out

    def _choose(self, order: Any, instant: dt.datetime) -> CompiledStrategy | None:
        for strategy in self.strategies:
            if strategy.applies(order, instant):
                return strategy
        return None


def compile(  # noqa: A001 - the architecture names it engine.compile
    ruleset: s.Ruleset,
    source: str = "",
    filename: str = "<ruleset>",
    extra_fields: Iterable[str] = (),
) -> Policy:
    """Compile a ruleset; raise `CompileError` (rendered diagnostics) when the
    checker or the compiler finds errors. `source` and `filename` are only used
    to render them; `extra_fields` names the data's extra columns
    (`order.gift_wrap`) so the checker accepts them."""
    errors = [d for d in _check(ruleset, extra_fields) if d.is_error]
    if errors:
        raise CompileError(errors, source, filename)
    tz = ZoneInfo(ruleset.timezone or "UTC")
    compiled, returns = [], []
    problems: list[Diagnostic] = []
    for position, strategy in enumerate(ruleset.strategies):
        try:
            if strategy.kind == "return":
                returns.append(compile_return(strategy, position, tz))
            else:
                compiled.append(_strategy(strategy, position, tz))
        except ExpressionError as error:
            problems.append(_diagnostic(str(error), error.expr, strategy))
    if problems:
        raise CompileError(problems, source, filename)
    rank = {strategy.id: k for k, strategy in enumerate(ruleset.tried_order())}
    compiled.sort(key=lambda st: rank[st.id])
    tried = {strategy.id: k for k, strategy in enumerate(ruleset.tried_order("return"))}
    returns.sort(key=lambda st: tried[st.id])
    return Policy(
        name=ruleset.name,
        timezone=ruleset.timezone or "UTC",
        tz=tz,
        strategies=tuple(compiled),
        ruleset=ruleset,
        source=source,
        filename=filename,
        returns=tuple(returns),
    )


def _strategy(strategy: s.Strategy, position: int, tz: ZoneInfo) -> CompiledStrategy:
    if strategy.source is not None:
        condition_only(strategy.source, "source from")
    for keep in strategy.keep:
        condition_only(keep.at, "keep")
    source, rank = strategy.source, list(strategy.rank or DEFAULT_RANK)
    if strategy.transfer is not None:
        condition_only(strategy.transfer, "transfer from")
        source, rank = _with_transfer(strategy.source, strategy.transfer, rank)
    return CompiledStrategy(
        **chosen_by(strategy, position, tz),
        source=source,
        keeps=tuple((keep.units, keep.at) for keep in strategy.keep),
        rank=tuple(rank_spec(key) for key in rank),
        split=DEFAULT_SPLIT if strategy.split is None else strategy.split,
        on_shortage=strategy.on_shortage or DEFAULT_SHORTAGE,
        ship_with=strategy.ship_with,
        deliver=strategy.deliver,
        carrier_by=tuple(key.name for key in strategy.carrier_by or ()),
        lines_where=strategy.lines_where,
        transfer=strategy.transfer,
        written_source=strategy.source,
    )


_DELIVERY, _COLLECT_NODE = s.FieldRef(path="order.delivery"), s.FieldRef(path="order.collect_node")
_AT_STORE = s.Compare(op="==", left=s.FieldRef(path="node.id"), right=_COLLECT_NODE)
"""The node is the order's collect store."""


def _with_transfer(
    source: s.Expr | None, transfer: s.Expr, rank: list[s.RankKey]
) -> tuple[s.Expr, list[s.RankKey]]:
    """`transfer from T` in the engine's own terms (docs/routing.md, "Click & collect
    transfers"): for a collect order the candidates are its collect store and the nodes
    where `source from` (if any) and T hold; for any other order, `source from` alone.
    The store ranks first, ahead of the strategy's own `rank by`."""
    collect = s.Compare(op="==", left=_DELIVERY, right=s.Text(value="collect"))
    not_collect = s.Compare(op="!=", left=_DELIVERY, right=s.Text(value="collect"))
    senders: s.Expr = s.AnyOf(items=[not_collect, transfer])
    if source is not None:
        senders = s.AllOf(items=[source, senders])
    store = s.AllOf(items=[collect, _AT_STORE])
    return s.AnyOf(items=[store, senders]), [s.RankKey(key=store, direction="desc"), *rank]


# ------------------------------------------------------------------- checks


def _check(ruleset: s.Ruleset, extra_fields: Iterable[str]) -> list[Diagnostic]:
    """The language checker's findings, then the structural ones the engine
    cannot run without (so that a tree built in code is refused safely too)."""
    found = check(ruleset, extra_fields)
    if any(d.is_error for d in found):
        return found
    return _structure(ruleset)


def _structure(ruleset: s.Ruleset) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    try:
        ZoneInfo(ruleset.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        span = ruleset.clause_spans.get("timezone")
        out.append(_at(span, f"unknown time zone `{ruleset.timezone}`", "timezone"))
    ids: dict[str, s.Strategy] = {}
    for strategy in ruleset.strategies:
        if strategy.id in ids:
            out.append(_at(strategy.span, f"strategy `{strategy.id}` is defined twice", "dup"))
        ids.setdefault(strategy.id, strategy)
        if strategy.split is not None and strategy.split < 1:
            span = strategy.clause_spans.get("split")
            out.append(_at(span, "the split limit must be at least 1", "split"))
        for window in strategy.effective:
            if window.start and window.end and _key(window.end) < _key(window.start):
                out.append(_at(window.span, "this `effective` range ends before it starts"))
    for strategy in ruleset.strategies:
        if strategy.otherwise is not None and strategy.otherwise not in ids:
            span = strategy.clause_spans.get("otherwise")
            out.append(_at(span, f"`otherwise use {strategy.otherwise}`: no such strategy"))
    if out:
        return out
    done: set[str] = set()  # strategies whose chain is known to end
    for strategy in ruleset.strategies:
        path: dict[str, int] = {}  # this walk's strategies, in order: linear in all
        step: s.Strategy | None = strategy
        while step is not None and step.id not in done and step.id not in path:
            path[step.id] = len(path)
            step = ids[step.otherwise] if step.otherwise is not None else None
        if step is not None and step.id in path:
            walked = list(path)[path[step.id] :]
            shown = walked if len(walked) <= 11 else [*walked[:5], "…", *walked[-5:]]
            cycle = " → ".join([*shown, step.id])
            span = strategy.clause_spans.get("otherwise")
            out.append(_at(span, f"`otherwise use` goes round in a cycle: {cycle}", "cycle"))
        done.update(path)
    return out


def _key(moment: s.Moment) -> tuple[dt.date, dt.time]:
    return (moment.day, moment.minute or dt.time(0, 0))


def _at(span: s.Span | None, message: str, code: str = "structure") -> Diagnostic:
    line, column = (span.line, span.column) if span is not None else (1, 1)
    return Diagnostic(severity="error", message=message, line=line, column=column, code=code)


def _diagnostic(message: str, expr: Any, strategy: s.Strategy) -> Diagnostic:
    span = getattr(expr, "span", None) or strategy.span
    return _at(span, f"strategy `{strategy.id}`: {message}", "expression")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)
