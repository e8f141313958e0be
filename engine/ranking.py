"""Rank keys as numbers over candidate nodes, and the choice they make.

Every key becomes one float column where smaller is preferred (a `desc` key
is negated); a missing node field becomes +inf so it sorts last whichever the
direction. Candidates are in node-id order, so the first of several equal
rows is the final tie-break (node id ascending).

* shipments: lines of what remains that the node cannot fill completely
  (fewer is better: a node covering more lines needs fewer shipments).
* distance: km to the destination. cost: pick_cost × units it would ship +
  ship_cost_base + ship_cost_per_km × km. stock: available units of the
  remaining lines. load: today's shipments ÷ capacity (0 when unlimited).
* node.<field>: its value (text and lists by their sorted order).
* a boolean expression: 1 when true, 0 when false (`desc`: true first).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.compiler import RankSpec
from engine.expressions import NodeMask, kind, node_mask


@dataclass(frozen=True, slots=True)
class BoundKey:
    """A rank key bound to a network: static node columns or a per-order mask."""

    spec: RankSpec
    values: np.ndarray | None = None
    """For node fields: ordinal value per node, +inf where missing."""
    mask: NodeMask | None = None


def bind_key(spec: RankSpec, network, tz) -> BoundKey | None:
    if spec.kind == "constant":
        return None
    if spec.kind == "field":
        return BoundKey(spec, values=field_ordinals(network, spec.name))
    if spec.kind == "predicate":
        return BoundKey(spec, mask=node_mask(spec.expr, network.nodes, tz))
    return BoundKey(spec)


_KIND_ORDER = {"bool": 0, "number": 0, "text": 1, "list": 2, "time": 3}


def sort_key(value) -> tuple:
    """How node field values order among themselves (numbers, then texts, ...)."""
    return (_KIND_ORDER.get(kind(value), 4), value)


def field_ordinals(network, name: str) -> np.ndarray:
    values = [n.id if name == "id" else n.fields.get(name) for n in network.nodes]
    present = sorted({(sort_key(v)) for v in values if v is not None})
    position = {key: float(i) for i, key in enumerate(present)}
    return np.array(
        [math.inf if v is None else position[sort_key(v)] for v in values], dtype=np.float64
    )


@dataclass(slots=True)
class RankInputs:
    """What the keys are computed from, for candidates `cand` (node indices)
    of one step: available units `avail` (lines × candidates), the remaining
    `need` per line, distances, the network's cost columns, today's load."""

    cand: np.ndarray
    avail: np.ndarray
    need: np.ndarray
    ctx: object
    """The order's context: half-chords and exact km per node (`ctx.km_of`)."""
    network: object
    used_today: np.ndarray
    capacity: np.ndarray
    order: object

    def km(self, sub: np.ndarray) -> np.ndarray:
        """Exact km for the candidates at positions `sub`, computed when first needed."""
        return self.ctx.km_of(self.cand[sub])

    @property
    def distance(self) -> np.ndarray:
        return self.km(np.arange(len(self.cand)))


def column(key: BoundKey, inputs: RankInputs, sub: np.ndarray, whole: bool = False):
    """One key's values for the candidates at positions `sub`, smaller first.
    `whole`: every candidate at `sub` can fill every remaining line."""
    spec = key.spec
    nodes = inputs.cand[sub]
    if spec.kind == "metric":
        name = spec.name
        if name == "distance":
            values = inputs.km(sub)
        elif name == "shipments":
            if whole:
                values = np.zeros(len(sub))
            else:
                values = (inputs.avail[:, sub] < inputs.need[:, None]).sum(axis=0)
        elif name == "cost":
            if whole:
                unit_count = float(inputs.need.sum())
            else:
                unit_count = units(inputs.avail[:, sub], inputs.need[:, None])
            values = cost(inputs.network, nodes, unit_count, inputs.km(sub))
        elif name == "stock":
            need = inputs.need
            avail = inputs.avail[:, sub]
            values = (avail if np.logical_and.reduce(need > 0) else avail[need > 0]).sum(axis=0)
        else:  # load
            values = inputs.used_today[nodes] / inputs.capacity[nodes]
    elif spec.kind == "field":
        values = key.values[nodes]
        if spec.descending:
            return np.where(np.isinf(values), math.inf, -values)
        return values
    else:
        values = key.mask.for_order(inputs.order)[nodes]
    if spec.descending:
        return -np.asarray(values, dtype=np.float64)
    return values


def units(avail: np.ndarray, need: np.ndarray) -> np.ndarray:
    """Units each candidate would ship: what it has of each remaining line, capped."""
    return np.minimum(avail, need).sum(axis=0)


def cost(network, nodes: np.ndarray, unit_count: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """Shipment cost (kpis.md): pick_cost × units + ship_cost_base + ship_cost_per_km × km."""
    return (
        network.pick_cost[nodes] * unit_count
        + network.ship_cost_base[nodes]
        + network.ship_cost_per_km[nodes] * distance
    )


def best(keys: list[BoundKey], inputs: RankInputs, sub: np.ndarray, whole: bool = False) -> int:
    """The position (in `inputs.cand`) of the best-ranked candidate among `sub`."""
    for key in keys:
        if len(sub) == 1:
            break
        spec = key.spec
        if spec.kind == "metric" and spec.name == "distance":
            # Half-chords order nodes as km do; only nodes within a hair of the
            # best half-chord can tie on exact km, so only they get an arcsine.
            half = inputs.ctx.half[inputs.cand[sub]]
            target = half.max() if spec.descending else half.min()
            sub = sub[np.abs(half - target) <= target * 1e-9 + 1e-15]
            if len(sub) == 1:
                break
        values = column(key, inputs, sub, whole)
        sub = sub[values == values.min()]
    return int(sub[0])


def ranking(keys: list[BoundKey], inputs: RankInputs, sub: np.ndarray):
    """All candidates at `sub`, best first, with their key columns (for explanations)."""
    columns = [column(key, inputs, sub) for key in keys]
    order = np.lexsort([np.arange(len(sub)), *reversed(columns)]) if len(sub) else sub
    return sub[order], [c[order] for c in columns]
