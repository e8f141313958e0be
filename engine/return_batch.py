"""Many returns routed in one call of the compiled kernel (`engine.return_kernel`),
with the rule `engine.return_router` applies one return at a time (docs/returns.md):
the same decisions, bit for bit, without explanations.

What a line's decision depends on besides stock is packed once per *plan*: its
strategy chain, and per step whether the step has a disposition for the line, the
step's candidates for it (`send to` ∧ accepts returns ∧ online) and its node-valued
rank keys. Lines whose conditions read the same plain fields with the same values, in
the same span of strategy windows, share a plan; the kernel then ranks the
candidates from each line's start and the live `need`.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

import numpy as np

from engine import kernel, return_kernel
from engine.expressions import plain_order_fields
from engine.return_router import (
    NO_STRATEGY,
    ReturnRouter,
    no_origin,
    return_decision,
    unrouted,
)
from engine.return_strategies import CompiledReturnStrategy
from engine.returns import Return, ReturnDecision, ReturnedLine, ReturnUnit

_METRIC_CODES = {
    "distance": return_kernel.DISTANCE,
    "cost": return_kernel.COST,
    "need": return_kernel.NEED,
}


def batch_ready(router: ReturnRouter) -> bool:
    """Whether the kernel can route for this router (every step has at most
    `return_kernel.KEYS` rank keys)."""
    return all(len(st.rank) <= return_kernel.KEYS for st in router.strategies)


Restock = tuple[int, str, int, int]
"""Restocked units: the instant they become stock (ns UTC), SKU, node index, units."""
_DAY_NS = 86_400 * 10**9
_NOWHERE = (math.nan, math.nan)


def route_many(
    router: ReturnRouter, returns: Sequence[Return], instants: Sequence[int]
) -> tuple[list[ReturnDecision], list[Restock]]:
    """Route `returns` in the order given (the caller sorts them by time; `instants`:
    their creation instants in ns): the decisions, and the restocked units, which
    the caller makes inbound or stock (the kernel counted them for `need` as it went)."""
    packed = _Packing(router)
    packed.add(returns, instants)
    chosen = packed.route(returns)
    return packed.decisions(returns, instants, chosen)


class _Packing:
    """The kernel's inputs for a batch of returns, built line by line."""

    def __init__(self, router: ReturnRouter):
        self.router = router
        self.steps = {st.id: k for k, st in enumerate(router.strategies)}
        self.online = router.accepts & (router.offline == 0)
        self.fields = _plan_fields(router)
        self.bounds = router.choice.bounds_ns.tolist()
        self.memo: dict[tuple[Any, ...], int] = {}
        self.plans: list[tuple[_Slot, ...]] = []
        self.mask_rows: dict[bytes, int] = {}
        self.masks: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.col_rows: dict[bytes, int] = {}
        self.static_cols = [self._static_cols(k) for k in range(len(router.strategies))]
        self.need_rows: dict[str, int] = {}
        self.line_plans: list[int] = []
        self.line_need: list[int] = []
        self.line_qty: list[int] = []
        self.starts: list[tuple[float, float]] = []
        """Per return, the latitude and longitude it starts from (NaN: none)."""
        self.reasons: dict[int, str] = {}
        """Lines that no step can try, and why (no origin, no strategy)."""

    # ---------------------------------------------------------------- lines in

    def add(self, returns: Sequence[Return], instants: Sequence[int]) -> None:
        """Every line: its units, its SKU's row of `need`, its plan; every return:
        where it starts (its drop store, or the customer's address; NaN: nowhere)."""
        targets, need_rows, reasons = self.router.targets, self.need_rows, self.reasons
        plans, needs, quantities = self.line_plans, self.line_need, self.line_qty
        index, places, starts = self.router.network.index, self.router.network.nodes, self.starts
        bounds, fields, memo = self.bounds, self.fields, self.memo
        for ret, instant in zip(returns, instants, strict=True):
            values = ret.fields
            if values.get("method") == "store":
                node = index.get(str(values.get("drop_node")))
                start = _NOWHERE if node is None else (places[node].lat, places[node].lon)
            else:
                lat, lon = values.get("origin_lat"), values.get("origin_lon")
                start = _NOWHERE if lat is None or lon is None else (float(lat), float(lon))
            starts.append(start)
            segment = bisect_right(bounds, instant)
            for position, line in enumerate(ret.lines):
                quantities.append(line.qty)
                sku = line.sku
                needs.append(need_rows.setdefault(sku, len(need_rows)) if sku in targets else -1)
                if start is _NOWHERE:
                    reasons[len(plans)] = no_origin(ret)
                    plans.append(-1)
                    continue
                if fields is None:
                    plan = self._new_plan(ret.unit(position), ret.created_at)
                else:
                    read = line.fields
                    key = (segment, *[read[n] if n in read else ret.get(n) for n in fields])
                    try:
                        plan = memo[key]
                    except KeyError:
                        plan = memo[key] = self._new_plan(ret.unit(position), ret.created_at)
                    except TypeError:  # a value that cannot be a key (a list)
                        plan = self._new_plan(ret.unit(position), ret.created_at)
                if plan < 0:
                    reasons[len(plans)] = NO_STRATEGY
                plans.append(plan)

    def _new_plan(self, unit: ReturnUnit, instant: dt.datetime) -> int:
        router = self.router
        step: CompiledReturnStrategy | None = router.choice.primary(unit, instant)  # type: ignore[assignment]
        if step is None:
            return -1
        slots: list[_Slot] = []
        tried: list[str] = []
        while step is not None:
            if step.id not in tried:
                tried.append(step.id)
            disposition, _ = step.disposition_of(unit)
            k = self.steps[step.id]
            mask, cols = -1, self.static_cols[k]
            if disposition is not None:
                sent = router.bound[step.id].send_to.for_order(unit) & self.online
                mask, cols = _row(self.mask_rows, self.masks, sent), self._cols(k, unit)
            slots.append(_Slot(step, k, mask, disposition, cols, tuple(tried)))
            step = router.by_id[step.otherwise] if step.otherwise is not None else None
        self.plans.append(tuple(slots))
        return len(self.plans) - 1

    def _static_cols(self, step: int) -> tuple[int, ...]:
        """Rows of `cols` for a step's node-column keys read only from nodes (-1: a
        metric, a constant or a per-line key)."""
        rows = []
        for _spec, key in self.router.bound[self.router.strategies[step].id].keys:
            column = None if key is None else key.column
            rows.append(-1 if column is None else _row(self.col_rows, self.cols, column))
        return tuple(rows)

    def _cols(self, step: int, unit: ReturnUnit) -> tuple[int, ...]:
        """The step's column rows for a line: per-line masks (a condition reading the
        return) oriented as the one-return path orients them."""
        rows = list(self.static_cols[step])
        for k, (_spec, key) in enumerate(self.router.bound[self.router.strategies[step].id].keys):
            if key is not None and key.mask is not None:
                values = key.mask.for_order(unit).astype(np.float64)
                oriented = -values if key.spec.descending else values
                rows[k] = _row(self.col_rows, self.cols, oriented)
        return tuple(rows)

    # ------------------------------------------------------------- the kernel

    def _origins(self, returns: Sequence[Return]) -> np.ndarray:
        """Per line, the unit vector its return starts from (`kernel.unit_vectors`:
        the operations of `engine.geo.unit_vector`)."""
        starts = np.array(self.starts, dtype=np.float64).reshape(-1, 2)
        points = np.zeros((len(starts), 3), dtype=np.float64)
        lat, lon = np.nan_to_num(starts[:, 0]), np.nan_to_num(starts[:, 1])
        kernel.unit_vectors(np.ascontiguousarray(lat), np.ascontiguousarray(lon), points)
        counts = np.fromiter((len(ret.lines) for ret in returns), dtype=np.int64)
        return np.ascontiguousarray(np.repeat(points, counts, axis=0))

    def route(self, returns: Sequence[Return]) -> _Chosen:
        router = self.router
        network, count = router.network, len(router.network)
        plans = np.array(self.line_plans, dtype=np.int64)
        counts = np.array([len(plan) for plan in self.plans] + [0], dtype=np.int64)
        per_line = counts[plans]  # plan -1 reads the trailing 0
        starts = np.zeros(len(plans) + 1, dtype=np.int64)
        np.cumsum(per_line, out=starts[1:])
        offsets = np.zeros(len(self.plans) + 1, dtype=np.int64)
        np.cumsum(counts[:-1], out=offsets[1:])
        flat_slots = [slot for plan in self.plans for slot in plan]
        where = np.repeat(offsets[plans] - starts[:-1], per_line) + np.arange(starts[-1])
        steps = np.array([slot.step for slot in flat_slots] or [0], dtype=np.int64)[where]
        masks = np.array([slot.mask for slot in flat_slots] or [0], dtype=np.int64)[where]
        restock = np.array(
            [slot.disposition == "restock" for slot in flat_slots] or [False], dtype=np.uint8
        )[where]
        keys = return_kernel.KEYS
        col_table = np.full((max(1, len(flat_slots)), keys), -1, dtype=np.int64)
        for k, slot in enumerate(flat_slots):
            col_table[k, : len(slot.cols)] = slot.cols
        kinds, descending, limits = self._steps()
        target, position = self._need()
        chosen = _Chosen(len(plans), where, flat_slots, starts)
        return_kernel.route_lines(
            *_sphere(network), network.ship_cost_base.astype(np.float64),
            network.ship_cost_per_km.astype(np.float64),
            router.return_cost.astype(np.float64),
            self._origins(returns),
            np.array(self.line_qty, dtype=np.int64), np.array(self.line_need, dtype=np.int64),
            starts, steps, masks, restock, np.ascontiguousarray(col_table[where]),
            _stack(self.masks, count, np.uint8), _stack(self.cols, count, np.float64),
            limits, kinds, descending, target, position,
            chosen.node, chosen.slot, chosen.km, chosen.cost,
        )  # fmt: skip
        return chosen

    def _steps(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per strategy: rank key codes, directions and the `within` half-chord limit."""
        strategies = self.router.strategies
        kinds = np.full((len(strategies), return_kernel.KEYS), return_kernel.END, dtype=np.int8)
        descending = np.zeros((len(strategies), return_kernel.KEYS), dtype=np.uint8)
        limits = np.empty(len(strategies), dtype=np.float64)
        for k, st in enumerate(strategies):
            bound = self.router.bound[st.id]
            limits[k] = bound.half_limit
            for j, (spec, key) in enumerate(bound.keys):
                kinds[k, j] = _METRIC_CODES[spec.name] if key is None else return_kernel.COLUMN
                descending[k, j] = spec.descending and key is None
        return kinds, descending, limits

    def _need(self) -> tuple[np.ndarray, np.ndarray]:
        """Targets and free + inbound units per node of the SKUs with a target."""
        router, count = self.router, len(self.router.network)
        target = np.zeros((max(1, len(self.need_rows)), count), dtype=np.int64)
        position = np.zeros_like(target)
        inventory = router.inventory
        for sku, row in self.need_rows.items():
            target[row] = router.targets[sku]
            stocked = inventory.sku_index.get(sku)
            if stocked is not None:
                position[row] = inventory.free[stocked]
            position[row] += router.inbound.of(sku)
        return target, position

    # ---------------------------------------------------------- decisions out

    def decisions(
        self, returns: Sequence[Return], instants: Sequence[int], chosen: _Chosen
    ) -> tuple[list[ReturnDecision], list[Restock]]:
        """The decisions, line by line from what the kernel chose, and the restocked
        units."""
        router = self.router
        ids, tz = router.network.ids, router.tz
        nodes, kms, costs = chosen.node.tolist(), chosen.km.tolist(), chosen.cost.tolist()
        taken = chosen.taken()
        out, restocked, i = [], [], 0
        for ret, instant in zip(returns, instants, strict=True):
            placed = 0
            tried: list[str] = []
            lines: list[ReturnedLine] = []
            restocks: dict[int, tuple[dt.datetime, dt.date]] = {}
            for position, line in enumerate(ret.lines):
                slot, node = taken[i], nodes[i]
                if slot is None:
                    lines.append(self._unrouted(ret, position, i))
                    said = self.plans[self.line_plans[i]][-1].tried if i not in self.reasons else ()
                else:
                    at = date = None
                    if slot.disposition == "restock":
                        days = slot.strategy.restock_days
                        found = restocks.get(days)
                        if found is None:
                            at = ret.created_at.astimezone(dt.UTC) + dt.timedelta(days=days)
                            found = restocks[days] = (at, at.astimezone(tz).date())
                        at, date = found
                        restocked.append((instant + days * _DAY_NS, line.sku, node, line.qty))
                    lines.append(
                        ReturnedLine(line.sku, line.qty, ids[node], slot.disposition, date,
                                     kms[i], costs[i], slot.strategy.id, restock_at=at)
                    )  # fmt: skip
                    said = slot.tried
                    placed += 1
                if not tried:
                    tried.extend(said)
                else:
                    tried.extend(step for step in said if step not in tried)
                i += 1
            out.append(return_decision(ret, tried, lines, placed))
        return out, restocked

    def _unrouted(self, ret: Return, position: int, index: int) -> ReturnedLine:
        """A line no step took, with the one-return path's reasons (rare: worked out
        again there rather than by the kernel)."""
        reason = self.reasons.get(index)
        line = ret.lines[position]
        if reason is not None:
            return unrouted(line.sku, line.qty, reason)
        half = self.router.half_chords(ret)
        said, _steps, _notes = self.router.route_line(ret, position, half, False)
        assert said.node_id is None, "the kernel and the one-return path agree"
        return said


class _Slot:
    """One step of a plan: the strategy (and its index), its candidates' row of
    `masks` (-1: no disposition for the line), the disposition, the node-column rows,
    and the steps a line has tried once this one takes it."""

    __slots__ = ("strategy", "step", "mask", "disposition", "cols", "tried")

    def __init__(
        self,
        strategy: Any,
        step: int,
        mask: int,
        disposition: str | None,
        cols: tuple[int, ...],
        tried: tuple[str, ...],
    ):
        self.strategy, self.step, self.mask = strategy, step, mask
        self.disposition, self.cols, self.tried = disposition, cols, tried


class _Chosen:
    """What the kernel wrote per line, and the way back from a line's slot to its plan."""

    def __init__(self, lines: int, where: np.ndarray, slots: list[_Slot], starts: np.ndarray):
        self.node = np.empty(lines, dtype=np.int64)
        self.slot = np.empty(lines, dtype=np.int64)
        self.km = np.empty(lines, dtype=np.float64)
        self.cost = np.empty(lines, dtype=np.float64)
        self.starts = starts
        self._where = where
        self._slots = slots

    def taken(self) -> list[_Slot | None]:
        """The plan slot that took each line (None: no step took it)."""
        slots, where = self._slots, self._where.tolist()
        return [None if k < 0 else slots[where[k]] for k in self.slot.tolist()]


def _plan_fields(router: ReturnRouter) -> tuple[str, ...] | None:
    """The plain fields every condition of the return strategies reads (`when`, `send
    to`, `disposition by`, rank conditions); None when one reads anything else."""
    names: set[str] = set()
    for st in router.strategies:
        exprs = [st.when_expr, st.send_to, st.disposition.by]
        exprs += [spec.expr for spec in st.rank if spec.kind == "predicate"]
        for expr in exprs:
            if expr is None:
                continue
            read = plain_order_fields(expr)
            if read is None:
                return None
            names.update(read)
    return tuple(sorted(names))


def _row(rows: dict[bytes, int], table: list[np.ndarray], values: np.ndarray) -> int:
    """The row of `table` holding `values` (added when new)."""
    key = values.tobytes()
    found = rows.get(key)
    if found is None:
        found = rows[key] = len(table)
        table.append(values)
    return found


def _stack(rows: list[np.ndarray], count: int, dtype: Any) -> np.ndarray:
    if not rows:
        return np.zeros((1, count), dtype=dtype)
    return np.ascontiguousarray(np.vstack(rows), dtype=dtype)


def _sphere(network: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sphere = network.sphere
    return tuple(np.ascontiguousarray(v, dtype=np.float64) for v in (sphere.x, sphere.y, sphere.z))  # type: ignore[return-value]
