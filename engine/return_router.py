"""Where each returned line goes (returns.md; the rules in docs/returns.md).

A returned line is routed on its own: the first return strategy in force whose `when`
holds for it (by priority, then file order), then its `otherwise use` chain. A step
takes the line when it has a disposition for it (`disposition by` may have no case for
the line's value) and a candidate: a node where `send to` holds, that accepts returns,
is online and is within `within` km of where the return starts (the drop store, or
the customer's address). The candidates are ranked by `rank by` (default `distance`),
ties by node id; the first takes every unit of the line. A restocked line's units are
inbound at that node until their restock instant, when they become stock
(`engine.session.Session`): inbound units count in `need`.

The strategies' windows, `when` closures, node masks and node-valued rank keys are the
order strategies' own (`engine.windows`, `engine.expressions`, `engine.binding`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from engine.binding import BoundKey, bind_key
from engine.compiler import StrategyChoice
from engine.decision import Explanation
from engine.expressions import node_mask
from engine.geo import DIAMETER_KM, chord_km, half_chord_limit, half_chords, unit_vector
from engine.model import Inventory, Network
from engine.return_strategies import CompiledReturnStrategy
from engine.returns import (
    Return,
    ReturnDecision,
    ReturnedLine,
    ReturnStatus,
    ReturnUnit,
    node_return_value,
)

NO_STRATEGY = "no return strategy applies"


class Inbound:
    """Returned units on their way to becoming stock: per SKU, units per node."""

    def __init__(self, nodes: int):
        self.nodes = nodes
        self.units: dict[str, np.ndarray] = {}

    def of(self, sku: str) -> np.ndarray:
        found = self.units.get(sku)
        return found if found is not None else np.zeros(self.nodes, dtype=np.int64)

    def add(self, sku: str, node: int, qty: int) -> None:
        row = self.units.get(sku)
        if row is None:
            row = self.units[sku] = np.zeros(self.nodes, dtype=np.int64)
        row[node] += qty


class _BoundReturn:
    """A return strategy bound to a network: its `send to` mask, `within` limit and
    node-valued rank keys."""

    def __init__(self, strategy: CompiledReturnStrategy, network: Network, tz: Any):
        self.strategy = strategy
        self.send_to = node_mask(strategy.send_to, network.nodes, tz)
        self.half_limit = (
            math.inf if strategy.within_km is None else half_chord_limit(strategy.within_km)
        )
        self.keys: list[tuple[Any, BoundKey | None]] = [
            (spec, None if spec.kind == "metric" else bind_key(spec, network, tz))
            for spec in strategy.rank
            if spec.kind != "constant"  # the same for every node: ranks nothing
        ]
        """(spec, None) for a metric, else the node column or per-return mask."""


class ReturnRouter:
    """Routes returns on a network and its stock (see the module doc)."""

    def __init__(
        self,
        strategies: Sequence[CompiledReturnStrategy],
        network: Network,
        inventory: Inventory,
        offline: np.ndarray,
        tz: Any,
        targets: dict[str, np.ndarray] | None = None,
    ):
        self.strategies = tuple(strategies)
        self.by_id = {st.id: st for st in strategies}
        self.network = network
        self.inventory = inventory
        self.offline = offline
        self.tz = tz
        self.targets = targets or {}
        self.inbound = Inbound(len(network))
        self.bound = {st.id: _BoundReturn(st, network, tz) for st in strategies}
        fields = [node.fields for node in network.nodes]
        self.accepts = np.array(
            [node_return_value("accepts_returns", f) for f in fields], dtype=bool
        )
        self.return_cost = np.array([node_return_value("return_cost", f) for f in fields])
        sphere = network.sphere
        self._points = (sphere.x, sphere.y, sphere.z)
        self.choice = StrategyChoice(self.strategies)  # type: ignore[arg-type]
        """Which return strategy a line starts at (remembered)."""
        self._from_node: dict[int, np.ndarray] = {}
        """Half-chords from each drop store, worked out once."""

    def route(self, ret: Return, explain: bool = False, commit: bool = True) -> ReturnDecision:
        """Where each line of `ret` goes. Committed, each restocked line counts as
        inbound at its node before the next line is routed (docs/returns.md); with
        `commit=False` nothing stays counted."""
        tried: list[str] = []
        lines: list[ReturnedLine] = []
        notes: list[Explanation] = []
        half = self.half_chords(ret)
        for position in range(len(ret.lines)):
            line, steps, said = self.route_line(ret, position, half, explain)
            lines.append(line)
            notes.extend(said)
            tried.extend(step for step in steps if step not in tried)
            self._count_inbound(line, 1)
        if not commit:
            for line in lines:
                self._count_inbound(line, -1)
        placed = sum(line.node_id is not None for line in lines)
        return return_decision(ret, tried, lines, placed, notes)

    def _count_inbound(self, line: ReturnedLine, sign: int) -> None:
        """A restocked line's units inbound at its node (sign −1: no longer)."""
        if line.restock_at is not None and line.node_id is not None:
            self.inbound.add(line.sku, self.network.index[line.node_id], sign * line.qty)

    def arrived(self, sku: str, node: int, qty: int) -> None:
        """Restocked units became stock: they are no longer inbound."""
        self.inbound.add(sku, node, -qty)

    def need(self, sku: str) -> np.ndarray:
        """max(0, target − free stock − inbound returns) per node for `sku`."""
        target = self.targets.get(sku)
        if target is None:
            return np.zeros(len(self.network), dtype=np.int64)
        row = self.inventory.sku_index.get(sku)
        free = self.inventory.free[row] if row is not None else 0
        need: np.ndarray = np.maximum(target - free - self.inbound.of(sku), 0)
        return need

    # ----------------------------------------------------------------- one line

    def route_line(
        self, ret: Return, position: int, half: np.ndarray | None, explain: bool
    ) -> tuple[ReturnedLine, list[str], list[Explanation]]:
        """Where line `position` goes (nothing counted), the steps it tried and, with
        `explain`, what each step said of every node."""
        unit = ret.unit(position)
        sku, qty = unit.line.sku, unit.line.qty
        steps: list[str] = []
        said: list[Explanation] = []
        if half is None:
            return unrouted(sku, qty, no_origin(ret)), steps, said
        first: Any = self.choice.primary(unit, ret.created_at)
        if first is None:
            return unrouted(sku, qty, NO_STRATEGY), steps, said
        reasons: list[str] = []
        step: CompiledReturnStrategy | None = first
        while step is not None:
            steps.append(step.id)
            chosen, why, entries = self._step(step, unit, half, explain)
            said.extend(entries)
            if chosen is not None:
                disposition, node = chosen
                return self._placed(step, unit, ret, node, disposition, half), steps, said
            reasons.append(f"{step.id}: {why}")
            step = self.by_id[step.otherwise] if step.otherwise is not None else None
        return unrouted(sku, qty, "; ".join(reasons)), steps, said

    def _step(
        self, step: CompiledReturnStrategy, unit: ReturnUnit, half: np.ndarray, explain: bool
    ) -> tuple[tuple[str, int] | None, str, list[Explanation]]:
        """(disposition, node) when the step takes the line, else why not."""
        disposition, value = step.disposition_of(unit)
        if disposition is None:
            why = f"{step.disposition_text} has no case for {value!r}"
            said = [Explanation(step.id, None, "excluded", "disposition", why)] if explain else []
            return None, why, said
        bound = self.bound[step.id]
        sent = bound.send_to.for_order(unit)
        candidates = sent & self.accepts & (self.offline == 0) & (half <= bound.half_limit)
        found = np.flatnonzero(candidates)
        entries = self._exclusions(step, sent, half, bound) if explain else []
        if not len(found):
            return None, _none_left(sent, self.accepts, self.offline, step.within_km), entries
        ranked = self._ranked(bound, unit, found, half)
        if explain:
            entries.extend(self._ranks(step, ranked, disposition))
        return (disposition, int(ranked[0])), "", entries

    def _ranked(
        self, bound: _BoundReturn, unit: ReturnUnit, found: np.ndarray, half: np.ndarray
    ) -> np.ndarray:
        """The candidates best first: rank keys in turn, ties by node id (index)."""
        columns = []
        for spec, key in bound.keys:
            if key is None:
                values = self._metric(spec.name, unit, found, half)
                columns.append(-values if spec.descending else values)
            elif key.column is not None:
                columns.append(key.column[found])
            elif key.mask is not None:
                mask = key.mask.for_order(unit)[found].astype(np.float64)
                columns.append(-mask if key.spec.descending else mask)
        if not columns:
            return found
        order = np.lexsort([found, *reversed(columns)])
        ranked: np.ndarray = found[order]
        return ranked

    def _metric(
        self, name: str, unit: ReturnUnit, found: np.ndarray, half: np.ndarray
    ) -> np.ndarray:
        if name == "need":
            need: np.ndarray = self.need(unit.line.sku)[found].astype(np.float64)
            return need
        km = _km(half[found])
        if name == "distance":
            return km
        return self._cost(found, km, unit.line.qty)

    def _cost(self, nodes: np.ndarray, km: np.ndarray, qty: int) -> np.ndarray:
        """The return leg: ship_cost_base + ship_cost_per_km × km + return_cost × units."""
        network = self.network
        cost: np.ndarray = (
            network.ship_cost_base[nodes]
            + network.ship_cost_per_km[nodes] * km
            + self.return_cost[nodes] * qty
        )
        return cost

    def _placed(
        self,
        step: CompiledReturnStrategy,
        unit: ReturnUnit,
        ret: Return,
        node: int,
        disposition: str,
        half: np.ndarray,
    ) -> ReturnedLine:
        at = restock = None
        if disposition == "restock":
            at = ret.created_at.astimezone(dt.UTC) + dt.timedelta(days=step.restock_days)
            restock = at.astimezone(self.tz).date()
        km = chord_km(float(half[node]))
        network = self.network
        cost = (
            float(network.ship_cost_base[node])
            + float(network.ship_cost_per_km[node]) * km
            + float(self.return_cost[node]) * unit.line.qty
        )
        return ReturnedLine(
            unit.line.sku, unit.line.qty, self.network.ids[node], disposition, restock, km,
            cost, step.id, restock_at=at,
        )  # fmt: skip

    def half_chords(self, ret: Return) -> np.ndarray | None:
        """Half the chord from every node to where the return starts (its drop store,
        or the customer's address), as order routing measures it; None: unknown."""
        if ret.get("method") == "store":
            node = self.network.index.get(str(ret.get("drop_node")))
            if node is None:
                return None
            found = self._from_node.get(node)
            if found is None:
                place = self.network.nodes[node]
                found = self._from_node[node] = _half_chords(self._points, (place.lat, place.lon))
            return found
        lat, lon = ret.get("origin_lat"), ret.get("origin_lon")
        if lat is None or lon is None:
            return None
        return _half_chords(self._points, (float(lat), float(lon)))

    # ---------------------------------------------------------- explanations

    def _exclusions(
        self, step: CompiledReturnStrategy, sent: np.ndarray, half: np.ndarray, bound: Any
    ) -> list[Explanation]:
        out = []
        ids = self.network.ids
        for node in range(len(ids)):
            if not sent[node]:
                out.append(Explanation(step.id, ids[node], "excluded", step.send_text,
                                       "`send to` does not hold", "source"))  # fmt: skip
            elif not self.accepts[node]:
                out.append(Explanation(step.id, ids[node], "excluded", "accepts_returns",
                                       "the node does not accept returns", "source"))  # fmt: skip
            elif self.offline[node]:
                out.append(Explanation(step.id, ids[node], "excluded", "node offline",
                                       "the node is offline", "offline"))  # fmt: skip
            elif half[node] > bound.half_limit:
                km = float(_km(half[[node]])[0])
                out.append(Explanation(step.id, ids[node], "excluded",
                                       f"within {step.within_km:g} km",
                                       f"{km:.0f} km away", "within"))  # fmt: skip
        return out

    def _ranks(
        self, step: CompiledReturnStrategy, ranked: np.ndarray, disposition: str
    ) -> list[Explanation]:
        ids = self.network.ids
        rank = "rank by " + ", ".join(spec.text for spec in step.rank)
        out = [
            Explanation(
                step.id,
                ids[int(ranked[0])],
                "chosen",
                rank,
                f"best of {len(ranked)}; disposition {disposition}",
                "rank",
            )  # fmt: skip
        ]
        out += [
            Explanation(
                step.id, ids[int(node)], "ranked", rank, f"rank {k + 2} of {len(ranked)}", "rank"
            )  # fmt: skip
            for k, node in enumerate(ranked[1:].tolist())
        ]
        return out


def _half_chords(points: tuple[np.ndarray, ...], origin: tuple[float, float]) -> np.ndarray:
    """Half the chord from every node to the origin, as order routing measures it."""
    x, y, z = points
    to_x, to_y, to_z = unit_vector(*origin)
    return half_chords(x, y, z, to_x, to_y, to_z)


def _km(half: np.ndarray) -> np.ndarray:
    km: np.ndarray = DIAMETER_KM * np.arcsin(np.minimum(1.0, half))
    return km


def return_decision(
    ret: Return,
    tried: list[str],
    lines: list[ReturnedLine],
    placed: int,
    notes: Sequence[Explanation] = (),
) -> ReturnDecision:
    """A return's decision from where its lines went (`placed` of them have a node):
    `routed` when every line has one, `partial` when some have, `unroutable` (the
    first line's reason) when none."""
    status: ReturnStatus = (
        "routed" if placed == len(lines) else "partial" if placed else "unroutable"
    )
    reason = None
    if status == "unroutable":
        reason = lines[0].reason if lines else "the return has no lines"
    return ReturnDecision(
        ret.id, status, tuple(tried), tuple(lines), ret.created_at, reason, tuple(notes)
    )


def unrouted(sku: str, qty: int, reason: str) -> ReturnedLine:
    """A line no step takes, and why."""
    return ReturnedLine(sku, qty, None, None, None, None, None, None, reason)


def no_origin(ret: Return) -> str:
    """Why a return has no place to start from."""
    if ret.get("method") == "store":
        return f"drop node {ret.get('drop_node')!r} is not a node of the network"
    return "the return has no origin_lat/origin_lon"


def _none_left(
    sent: np.ndarray, accepts: np.ndarray, offline: np.ndarray, within: float | None
) -> str:
    if not sent.any():
        return "no node where `send to` holds"
    if not (sent & accepts).any():
        return "no node where `send to` holds accepts returns"
    if not (sent & accepts & (offline == 0)).any():
        return "every node where `send to` holds is offline"
    return f"no node where `send to` holds within {within:g} km"
