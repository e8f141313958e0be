"""Explanations, made only when asked for (`explain=True`): the kernel's trace of one
order in words. For each strategy of the chain and each node: why it was excluded (the
clause and the figure), where it ranked (with its key values), or that it was chosen
and what it ships. Nothing here decides; it reads what the kernel recorded.

Checks are reported in clause order — `source from`, `within`, offline, capacity, one
shipment per node, stock and `keep` — and name the first that fails (docs/routing.md,
"Explanations").
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np

from dsl import syntax as s
from dsl.formatter import format_expr
from engine import kernel
from engine.decision import Decision, Explanation, Kind
from engine.expressions import (
    Getter,
    Predicate,
    plain_order_fields,
    predicate_getter,
    value_getter,
)
from engine.trace import Trace

if TYPE_CHECKING:
    from engine.binding import BoundKey, BoundPolicy, BoundStrategy
    from engine.blocks import Block
    from engine.compiler import CompiledStrategy, Policy
    from engine.delivery import BoundDelivery
    from engine.model import Network, Node, Order


_REMEMBERED_ORDERS = 400
"""Values of the order fields a `source from` reads whose exclusion entries a strategy
keeps at most (one set of entries per collect store, say): 200,000 entries at
500 nodes."""


class _Texts:
    """A strategy's clause texts as explanations quote them, and the entries that do not
    depend on the order (a node its `source from` excludes whatever the order), made
    once: explaining 500 nodes must not format a clause 500 times."""

    def __init__(
        self, strategy: CompiledStrategy, bound: BoundStrategy, network: Network, tz: ZoneInfo
    ):
        self.strategy = strategy
        self.bound = bound
        self.id = strategy.id
        self.source = strategy.source_text
        self.within = strategy.within_text
        self.rank = strategy.rank_text
        self.split = strategy.split_text
        self.within_figure = None if bound.within_km is None else _figure(bound.within_km)
        self.order_fields = None if strategy.source is None else plain_order_fields(strategy.source)
        self._network = network
        self._tz = tz
        self._excluded: dict[tuple[object, ...], dict[int, Explanation]] = {}
        self._node_ids = network.ids
        self._keeps: dict[int, tuple[str, s.Expr]] = {}
        self.static_keeps = all(mask.dynamic is None for _, mask in bound.keep_masks)

    def keep(self, order: Order, node: int, units: int) -> tuple[str, s.Expr]:
        """The `keep` clause that protects `units` at a node, as text and its condition:
        the first whose condition holds there with that many units (made once per node
        when it reads node fields only)."""
        if self.static_keeps:
            found = self._keeps.get(node)
            if found is None:
                found = self._keeps[node] = self._keep(order, node, units)
            return found
        return self._keep(order, node, units)

    def _keep(self, order: Order, node: int, units: int) -> tuple[str, s.Expr]:
        return next(
            (self.strategy.keep_text(u, at), at)
            for (u, at), (_, mask) in zip(self.strategy.keeps, self.bound.keep_masks, strict=True)
            if u == units and mask.for_order(order)[node]
        )

    def not_sourced(self, order: Order, nodes: list[int]) -> list[Explanation]:
        """Why `source from` leaves each of `nodes` out (what it read): made once per
        node when the condition reads node fields only, else once per node and values of
        the plain order fields it reads (`node.id == order.collect_node`: per collect
        store)."""
        if self.order_fields is None:
            return [self._not_sourced(order, node) for node in nodes]
        values = tuple([order.get(name) for name in self.order_fields])
        try:
            known = self._excluded.get(values)
        except TypeError:  # a value that cannot be a key (a list)
            return [self._not_sourced(order, node) for node in nodes]
        if known is None:
            if len(self._excluded) >= _REMEMBERED_ORDERS:
                self._excluded.clear()
            known = self._excluded[values] = {}
        missing = [node for node in nodes if node not in known]
        for node in missing:
            known[node] = self._not_sourced(order, node)
        return [known[node] for node in nodes]

    def _not_sourced(self, order: Order, node: int) -> Explanation:
        record = self._network.nodes[node]
        part = failing_part(self.strategy.source, order, record, self._tz)
        detail = why_false(part, order, record, self._tz)
        node_id = self._node_ids[node]
        return Explanation(self.id, node_id, "excluded", self.source, detail, "source", part)


class Explainer:
    """A router's explanations, made only when asked for: the clause texts of each
    strategy made once, then each explained order's entries from the kernel's trace."""

    def __init__(self, policy: Policy, binding: BoundPolicy, network: Network, tz: ZoneInfo):
        self.network = network
        self.binding = binding
        self.delivery: BoundDelivery | None = None
        """The carriers the order was routed with (set by the router)."""
        self.texts = {
            st.id: _Texts(st, binding.bound[st.id], network, tz) for st in policy.strategies
        }

    def entries(
        self,
        order: Order,
        block: Block,
        trace: Trace,
        skus: list[str],
        free_before: np.ndarray,
        used: np.ndarray,
        capacity: np.ndarray,
    ) -> list[Explanation]:
        """The explanation of one order routed as a block of one with a trace (see
        engine.router): `skus` its merged lines, and the stock, shipments per node today
        and capacities as they were before it was routed."""
        made = int(block.out[1][0])
        by = block.out[3][0][:made].tolist()
        takes = block.out[4]
        chain = self.binding.tried[int(block.first[0])][int(block.out[0][0])]
        entries: list[Explanation] = []
        placed = 0
        for j, strategy_id in enumerate(chain):
            texts = self.texts[strategy_id]
            made_here = by.count(self.binding.index[strategy_id])
            if trace.budget[j] <= 0:
                entries.append(
                    Explanation(
                        strategy_id, None, "excluded", texts.split,
                        f"the order already has {placed} shipment{'s' if placed != 1 else ''}: "
                        "no shipment left under this strategy's split limit",
                        "split", None, {"shipments": placed},
                    )
                )  # fmt: skip
                placed += made_here
                continue
            chosen = {
                int(trace.chosen[j, r]): (r + 1, int(trace.field[j, r]), placed + r)
                for r in range(made_here)
            }
            step = _Step(self, texts, order, j, skus, trace, free_before, used, capacity)
            step.block = block
            entries.extend(step.entries(chosen, takes))
            if trace.phase[j] == kernel.SINGLE:
                entries.append(
                    Explanation(
                        strategy_id, None, "excluded", texts.split,
                        "no single candidate can ship every remaining line, and this strategy "
                        "does not split: it places nothing",
                        "single",
                    )
                )  # fmt: skip
            placed += made_here
        return entries


def transfer_entries(decision: Decision) -> list[Explanation]:
    """One entry per transfer leg of a collect order, and one for when the order is
    ready at its store: "transfer from DC-LYON to ST-PARIS-01: 392 km, 2 days, ready
    2026-12-05"."""
    out: list[Explanation] = []
    for shipment in decision.shipments:
        leg = shipment.transfer
        if leg is None or shipment.ready_date is None:
            continue
        detail = (
            f"transfer from {shipment.node_id} to {leg.to_node}: {leg.distance_km:.0f} km, "
            f"{_days(leg.days)}, ready {shipment.ready_date.isoformat()}"
        )
        facts = {"to_node": leg.to_node, "distance_km": leg.distance_km, "cost": leg.cost,
                 "days": leg.days, "ready_date": shipment.ready_date.isoformat()}  # fmt: skip
        out.append(Explanation(shipment.strategy or "", shipment.node_id, "chosen",
                               "transfer from", detail, "transfer", None, facts))  # fmt: skip
    ready = decision.ready_date
    if decision.collect and ready is not None:
        out.append(Explanation(decision.strategies[0] if decision.strategies else "", None,
                               "chosen", "ready date", f"ready for collection {ready.isoformat()}",
                               "transfer", None, {"ready_date": ready.isoformat()}))  # fmt: skip
    return out


def _days(days: float) -> str:
    shown = f"{days:g}"
    return f"{shown} day" if shown == "1" else f"{shown} days"


Chosen = dict[int, tuple[int, int, int]]
"""A step's chosen nodes: the round that chose it, among how many, its shipment."""


class _Step:
    """One strategy step of the explained order: its entries node by node."""

    def __init__(
        self,
        explainer: Explainer,
        texts: _Texts,
        order: Order,
        j: int,
        skus: list[str],
        trace: Trace,
        free_before: np.ndarray,
        used: np.ndarray,
        capacity: np.ndarray,
    ):
        self.explainer = explainer
        self.texts = texts
        self.order = order
        self.j = j
        self.skus = skus
        self.trace = trace
        self.free = free_before
        self.used = used
        self.capacity = capacity
        self.bound = texts.bound
        need = trace.need[j][: len(skus)].tolist()
        self.remaining = [i for i, units in enumerate(need) if units > 0]
        self.block: Block | None = None
        self.no_stock = "no stock of " + ", ".join(skus[i] for i in self.remaining)

    def entries(self, chosen: Chosen, takes: np.ndarray) -> list[Explanation]:
        """An entry per node, in network order, made outcome by outcome (each kind in
        one pass: 500 nodes must not each go through every branch)."""
        why = self.trace.why[self.j]
        out: list[Explanation | None] = [None] * len(why)
        node_ids = self.explainer.network.ids
        texts, sid = self.texts, self.texts.id
        for code in np.unique(why).tolist():
            nodes = np.flatnonzero(why == code).tolist()
            made: list[Explanation]
            if code == kernel.BY_SOURCE:
                made = texts.not_sourced(self.order, nodes)
            elif code == kernel.BY_WITHIN:
                clause, figure = texts.within, texts.within_figure
                limit = float(self.bound.within_km or 0)
                made = [
                    Explanation(
                        sid,
                        node_ids[node],
                        "excluded",
                        clause,
                        f"{km:.1f} km > {figure} km",
                        "within",
                        None,
                        {"km": km, "limit_km": limit},
                    )  # fmt: skip
                    for node, km in zip(nodes, self.trace.km[nodes].tolist(), strict=True)
                ]
            elif code == kernel.CANDIDATE:
                made = self._candidates(nodes, chosen, takes)
            elif code == kernel.BY_KEEP:
                made = self._kept(nodes)
            else:
                made = [
                    Explanation(sid, node_ids[node], "excluded", *self._exclusion(code, node))
                    for node in nodes
                ]
            for node, entry in zip(nodes, made, strict=True):
                out[node] = entry
        return out  # type: ignore[return-value]  # every node has its entry

    def _candidates(self, nodes: list[int], chosen: Chosen, takes: np.ndarray) -> list[Explanation]:
        """The candidates' entries: where each ranked, with its key values, or that it
        was chosen and what it ships."""
        texts, node_ids = self.texts, self.explainer.network.ids
        count, remaining = len(nodes), len(self.remaining)
        ranks = self.trace.rank[self.j, nodes].tolist()
        fills = self.trace.fills[self.j, nodes].tolist()
        partial = self.trace.phase[self.j] in (kernel.WHOLE, kernel.SINGLE)
        out = []
        for node, keys, rank, full in zip(nodes, self._key_texts(nodes), ranks, fills, strict=True):
            if node in chosen:
                out.append(self._chosen(node, keys, chosen[node], takes))
                continue
            detail = f"rank {rank} of {count} ({keys})"
            if partial and full < remaining:
                detail += f"; can fill {full} of {remaining} remaining lines completely"
            facts = {"rank": rank, "of": count}
            out.append(
                Explanation(
                    texts.id, node_ids[node], "ranked", texts.rank, detail, "rank", None, facts
                )
            )
        return out

    def _chosen(
        self, node: int, keys: str, chosen: tuple[int, int, int], takes: np.ndarray
    ) -> Explanation:
        number, field, m = chosen
        ships = ", ".join(
            f"{self.skus[line]}×{int(takes[line, m])}"
            for line in range(len(self.skus))
            if takes[line, m] > 0
        )
        if self.trace.phase[self.j] == kernel.WHOLE:
            where = f"best of {field} that can ship every remaining line in one parcel"
        else:
            where = f"best of {field} in round {number} of the split"
        return Explanation(
            self.texts.id,
            self.explainer.network.ids[node],
            "chosen",
            self.texts.rank,
            f"{where} ({keys}); ships {ships}",
            "rank",
            None,
            {"among": field},
        )

    def _kept(self, nodes: list[int]) -> list[Explanation]:
        """The entries of nodes whose stock left after `keep` is 0 for what is left to
        place: the clause that keeps it, and each remaining line's free units there."""
        sid, node_ids = self.texts.id, self.explainer.network.ids
        names = [self.skus[i] for i in self.remaining]
        free = np.maximum(self.free[self.remaining][:, nodes], 0).T.tolist()
        out = []
        for node, units, counts in zip(
            nodes, self.trace.kept[self.j, nodes].tolist(), free, strict=True
        ):
            shown = ", ".join([f"{name}: {n} free" for name, n in zip(names, counts, strict=True)])
            clause, at = self.texts.keep(self.order, node, units)
            detail = f"available 0 after keeping {units} ({shown})"
            facts = {"units": units}
            out.append(
                Explanation(sid, node_ids[node], "excluded", clause, detail, "keep", at, facts)
            )
        return out

    def _exclusion(self, code: int, node: int) -> tuple[str, str, Kind, s.Expr | None, Any]:
        """(clause, detail, kind, condition, facts) of an exclusion other than by
        `source from`, `within` or `keep`."""
        if code == kernel.BY_OFFLINE:
            return "node offline", "the node is offline", "offline", None, None
        if code == kernel.BY_SHIPPED:
            shipped = "already ships part of this order"
            return "one shipment per node", shipped, "shipped", None, None
        if code == kernel.BY_CAPACITY:
            used, limit = int(self.used[node]), int(self.capacity[node])
            detail = f"capacity {used}/{limit} used today"
            return "capacity", detail, "capacity", None, {"used": used, "capacity": limit}
        if code == kernel.BY_CARRIER:
            return self._no_carrier(node)
        skus = [self.skus[i] for i in self.remaining]
        return "stock", self.no_stock, "stock", None, {"skus": skus}

    def _no_carrier(self, node: int) -> tuple[str, str, Kind, s.Expr | None, Any]:
        """Why no carrier service may carry the parcel from the node: each service's
        first reason (promise.md step 6, then `ship with`, then `deliver`)."""
        delivery = self.explainer.delivery
        assert delivery is not None and self.block is not None
        need = self.trace.need[self.j][: len(self.skus)]
        km = float(self.trace.km[node])
        country = self.order.get("country")
        reasons = delivery.refusals(self.block.promise, self.j, node, country, km, need)
        detail = "no carrier service can carry it: " + "; ".join(reasons)
        return "carriers", detail, "carrier", None, {"reasons": reasons}

    def _key_texts(self, nodes: list[int]) -> list[str]:
        """Each node's rank key values as the explanation shows them ("fills 2/2 lines,
        12.3 km, cost 4.56"), made key by key over all the nodes."""
        keyed = self.trace.keyed[self.j, nodes]
        columns = [
            self._key_column(key, keyed[:, k].tolist(), nodes)
            for k, key in enumerate(self.bound.keys)
        ]
        return [", ".join(parts) for parts in zip(*columns, strict=True)]

    def _key_column(self, key: BoundKey, values: list[float], nodes: list[int]) -> list[str]:
        spec = key.spec
        if spec.kind == "metric":
            if spec.name == "shipments":
                remaining = len(self.remaining)
                fills = self.trace.fills[self.j, nodes].tolist()
                return [f"fills {filled}/{remaining} lines" for filled in fills]
            if spec.name == "distance":
                return [f"{value:.1f} km" for value in values]
            if spec.name == "cost":
                return [f"cost {value:.2f}" for value in values]
            if spec.name == "stock":
                return [f"stock {int(value)}" for value in values]
            if spec.name == "eta":
                return [f"delivered in {int(value)} d" for value in values]
            return [self._load(node) for node in nodes]
        if spec.kind == "field":
            network, label = self.explainer.network, spec.text.split()[0]
            return [f"{label} {_shown(network.nodes[node].get(spec.name))}" for node in nodes]
        if key.mask is not None:
            holds = key.mask.for_order(self.order)[nodes].tolist()
        else:
            assert key.column is not None, "a key reads a node column or a mask"
            holds = (key.column[nodes] != 0).tolist()
        return [f"{spec.name} {'true' if held else 'false'}" for held in holds]

    def _load(self, node: int) -> str:
        capacity = self.capacity[node]
        limit = "unlimited" if math.isinf(capacity) else str(int(capacity))
        return f"load {int(self.used[node])}/{limit}"


def failing_part(expr: s.Expr, order: Order, node: Node, tz: ZoneInfo) -> s.Expr:
    """The smallest part of a condition that fails for a node: for `and`, the first part
    that fails (and within it, again); otherwise the condition itself."""
    while isinstance(expr, s.AllOf):
        failing = next(
            (item for item in expr.items if not _described(item, tz)[2](order, None, node)), None
        )
        if failing is None:
            return expr
        expr = failing
    return expr


def why_false(expr: s.Expr, order: Order, node: Node, tz: ZoneInfo) -> str:
    """The smallest part of a condition that fails for a node, with the values read."""
    expr = failing_part(expr, order, node, tz)
    if isinstance(expr, s.Not):
        return f"{_described(expr.operand, tz)[1]} is true"
    _, text, _, readers = _described(expr, tz)
    shown = [f"{path} is {_shown(read(order, None, node))}" for path, read in readers]
    return f"{text} is false ({', '.join(shown)})" if shown else f"{text} is false"


Described = tuple[s.Expr, str, Predicate, list[tuple[str, Getter]]]
_DESCRIBED: dict[tuple[int, ZoneInfo], Described] = {}


def _described(expr: s.Expr, tz: ZoneInfo) -> Described:
    """(expr, its text, its predicate, readers of the fields it shows), made once per
    expression: explaining 500 nodes must not re-format it 500 times."""
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


def _shown(value: Any) -> str:
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
