"""Explanations, made only when asked for (`explain=True`): for each strategy
of the chain and each node, why it was excluded (the clause and the figure),
where it ranked (with its key values), or that it was chosen and what it ships.

Checks are reported in clause order — `source from`, `within`, capacity,
one shipment per node, stock and `keep` — and name the first that fails.
"""

from __future__ import annotations

import numpy as np

from dsl import syntax as s
from dsl.formatter import format_expr
from engine.decision import Explanation
from engine.expressions import predicate_getter, value_getter
from engine.ranking import RankInputs, ranking


def explain_order(router, ctx, traces, placed) -> list[Explanation]:
    entries: list[Explanation] = []
    shipped_before: set[int] = set()
    everything = np.arange(len(router.network))
    distance_all = ctx.distances(everything)
    for compiled, step in traces:
        strategy = _Clauses(compiled)
        entries.extend(_strategy_entries(router, ctx, strategy, step, shipped_before, distance_all))
        shipped_before.update(node for node, _ in step.shipments)
    return entries


def _strategy_entries(router, ctx, strategy, step, shipped_before, distance_all):
    trace = step.trace
    bound = router.bound[strategy.id]
    network = router.network
    sid = strategy.id
    if trace["budget"] <= 0:
        count = len(shipped_before)
        return [
            Explanation(
                sid,
                None,
                "excluded",
                strategy.split_text,
                f"the order already has {count} shipment{'s' if count != 1 else ''}: "
                "no shipment left under this strategy's split limit",
            )
        ]
    need = trace["need"]
    source = bound.source_for(ctx.order)
    cand_pos = {int(node): i for i, node in enumerate(trace["cand"].tolist())}
    inputs: RankInputs = trace["inputs"]
    start = RankInputs(
        inputs.cand,
        inputs.avail,
        need,
        ctx,
        network,
        ctx.used_today,
        ctx.capacity,
        ctx.order,
    )
    order, _ = ranking(bound.keys, start, np.arange(len(inputs.cand)))
    rank_of = {int(p): r + 1 for r, p in enumerate(order.tolist())}
    chosen = _chosen(trace, step)
    entries = []
    for index, node in enumerate(network.nodes):
        if index in cand_pos:
            entries.append(
                _candidate(strategy, bound, start, ctx, trace, chosen, cand_pos[index], rank_of)
            )
            continue
        clause, detail = _exclusion(
            router, ctx, strategy, bound, trace, index, node, source, shipped_before, distance_all
        )
        entries.append(Explanation(sid, node.id, "excluded", clause, detail))
    if trace["phase"] == "single":
        entries.append(
            Explanation(
                sid,
                None,
                "excluded",
                strategy.split_text,
                "no single candidate can ship every remaining line, and this strategy "
                "does not split: it places nothing",
            )
        )
    return entries


def _chosen(trace, step) -> dict[int, tuple[int, str, int]]:
    """Candidate position → (round, phase, size of the field it was chosen from)."""
    out = {}
    for number, (sub, chosen, _need) in enumerate(trace["rounds"], start=1):
        out[int(chosen)] = (number, trace["phase"], len(sub))
    return out


def _candidate(strategy, bound, inputs, ctx, trace, chosen, pos, rank_of) -> Explanation:
    node_id = ctx.network.ids[int(inputs.cand[pos])]
    keys = _key_text(bound, inputs, pos, ctx)
    if pos in chosen:
        number, phase, field = chosen[pos]
        shipment = next(take for node, take in _shipments(trace, inputs) if node == pos)
        ships = ", ".join(f"{ctx.skus[i]}×{q}" for i, q in enumerate(shipment.tolist()) if q)
        if phase == "whole":
            where = f"best of {field} that can ship every remaining line in one parcel"
        else:
            where = f"best of {field} in round {number} of the split"
        return Explanation(
            strategy.id, node_id, "chosen", strategy.rank_text, f"{where} ({keys}); ships {ships}"
        )
    detail = f"rank {rank_of[pos]} of {len(inputs.cand)} ({keys})"
    if trace["phase"] in ("whole", "single"):
        full = int((inputs.avail[:, pos] >= inputs.need).sum())
        lines = int((inputs.need > 0).sum())
        if full < lines:
            detail += f"; can fill {full} of {lines} remaining lines completely"
    return Explanation(strategy.id, node_id, "ranked", strategy.rank_text, detail)


def _shipments(trace, inputs):
    for _sub, chosen, need in trace["rounds"]:
        if trace["phase"] == "whole":
            yield chosen, need
        else:
            yield chosen, np.minimum(inputs.avail[:, chosen], need)


def _key_text(bound, inputs: RankInputs, pos: int, ctx) -> str:
    parts = []
    avail = inputs.avail[:, pos]
    need = inputs.need
    node = int(inputs.cand[pos])
    network = ctx.network
    for key in bound.keys:
        spec = key.spec
        if spec.kind == "metric":
            if spec.name == "shipments":
                lines = int((need > 0).sum())
                filled = int(((avail >= need) & (need > 0)).sum())
                parts.append(f"fills {filled}/{lines} lines")
            elif spec.name == "distance":
                parts.append(f"{inputs.distance[pos]:.1f} km")
            elif spec.name == "cost":
                units = int(np.minimum(avail, need).sum())
                value = (
                    network.pick_cost[node] * units
                    + network.ship_cost_base[node]
                    + network.ship_cost_per_km[node] * inputs.distance[pos]
                )
                parts.append(f"cost {value:.2f}")
            elif spec.name == "stock":
                parts.append(f"stock {int(avail[need > 0].sum())}")
            else:
                capacity = ctx.capacity[node]
                used = int(ctx.used_today[node])
                parts.append(f"load {used}/{'unlimited' if np.isinf(capacity) else int(capacity)}")
        elif spec.kind == "field":
            parts.append(f"{spec.text.split()[0]} {_shown(network.nodes[node].get(spec.name))}")
        else:
            holds = bool(key.mask.for_order(ctx.order)[node])
            parts.append(f"{spec.name} {'true' if holds else 'false'}")
    return ", ".join(parts)


def _exclusion(router, ctx, strategy, bound, trace, index, node, source, shipped, distance_all):
    if not source[index]:
        return strategy.source_text, why_false(strategy.source, ctx.order, node, router.tz)
    if bound.within_km is not None and distance_all[index] > bound.within_km:
        return strategy.within_text, (
            f"{distance_all[index]:.1f} km > {_figure(bound.within_km)} km"
        )
    if router.offline[index]:
        return "node offline", "the node is offline"
    if not ctx.capacity_ok[index]:
        capacity = int(router.capacity[index])
        return "capacity", f"capacity {int(ctx.used_today[index])}/{capacity} used today"
    if index in shipped:
        return "one shipment per node", "already ships part of this order"
    need = trace["need"]
    keep = trace["keep"]
    free = trace["free"][:, index]
    lines = [i for i in range(len(need)) if need[i] > 0]
    if keep is not None and keep[index] > 0 and any(free[i] > 0 for i in lines):
        units = int(keep[index])
        clause = next(
            strategy.keep_text(u, at)
            for (u, at), (_, mask) in zip(strategy.keeps, bound.keep_masks, strict=True)
            if u == units and mask.for_order(ctx.order)[index]
        )
        shown = ", ".join(f"{ctx.skus[i]}: {max(int(free[i]), 0)} free" for i in lines)
        return clause, f"available 0 after keeping {units} ({shown})"
    return "stock", "no stock of " + ", ".join(ctx.skus[i] for i in lines)


class _Clauses:
    """A strategy with its clause texts formatted once (explanations quote
    them for every node)."""

    def __init__(self, strategy):
        self._strategy = strategy
        self.source_text = strategy.source_text
        self.within_text = strategy.within_text
        self.rank_text = strategy.rank_text
        self.split_text = strategy.split_text
        self._keeps = {}

    def keep_text(self, units, at) -> str:
        key = (units, id(at))
        if key not in self._keeps:
            self._keeps[key] = self._strategy.keep_text(units, at)
        return self._keeps[key]

    def __getattr__(self, name):
        return getattr(self._strategy, name)


def why_false(expr, order, node, tz) -> str:
    """The smallest part of a condition that fails for a node, with the values read."""
    if isinstance(expr, s.AllOf):
        for item in expr.items:
            if not _described(item, tz)[2](order, None, node):
                return why_false(item, order, node, tz)
    if isinstance(expr, s.Not):
        return f"{_described(expr.operand, tz)[1]} is true"
    _, text, _, readers = _described(expr, tz)
    shown = [f"{path} is {_shown(read(order, None, node))}" for path, read in readers]
    return f"{text} is false ({', '.join(shown)})" if shown else f"{text} is false"


_DESCRIBED: dict[tuple, tuple] = {}


def _described(expr, tz):
    """(expr, its text, its predicate, readers of the fields it shows), made once
    per expression: explaining 500 nodes must not re-format it 500 times."""
    key = (id(expr), tz)
    hit = _DESCRIBED.get(key)
    if hit is None or hit[0] is not expr:
        paths: dict[str, s.FieldRef] = {}
        for item in s.walk(expr):
            if isinstance(item, s.FieldRef) and item.root != "line":
                paths.setdefault(item.path, item)
        readers = [(path, value_getter(ref, tz)) for path, ref in paths.items()]
        hit = (expr, format_expr(expr), predicate_getter(expr, tz), readers)
        if len(_DESCRIBED) > 4096:
            _DESCRIBED.clear()
        _DESCRIBED[key] = hit
    return hit


def _shown(value) -> str:
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    if isinstance(value, float):
        return _figure(value)
    return str(value)


def _figure(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
