"""What each replayed order could have used, for the bound (docs/kpis.md, "How far from
the best possible"): the nodes the strategies of its chain allow (their `source from`,
`within` and node capacity above 0), the units each protects there (`keep`), its split
limit, the distance to every node; and the stock each local day starts with.

Everything is read from the compiled ruleset as the engine binds it
(`engine.binding.BoundStrategy`), so a node the ruleset could use is a node the bound
may use, and the other way round.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.binding import BoundStrategy
from engine.compiler import Policy
from engine.expressions import NodeMask, plain_order_fields
from engine.geo import DIAMETER_KM, half_chords
from engine.model import Network
from engine.order_batch import OrderBatch
from engine.router import destinations

NO_KEEP = np.iinfo(np.int64).max
_EPOCH = np.datetime64("1970-01-01", "D")


@dataclass(frozen=True)
class Reach:
    """Per order (rows) and node (columns, network order): may it ship, what it must
    leave (`keep`), how far it is; per order: its split limit."""

    candidate: np.ndarray
    keep: np.ndarray
    km: np.ndarray
    split: np.ndarray


def day_numbers(days: pd.Series | Sequence[Any]) -> np.ndarray:
    """Local dates (dates or ISO text) as whole days since 1970-01-01, each distinct
    date read once (a missing one reads as NaT does)."""
    codes, distinct = pd.factorize(pd.Series(days, dtype="object"))
    values = pd.to_datetime(pd.Series([*distinct, None], dtype="object"))
    return (values.to_numpy("datetime64[D]") - _EPOCH).astype(np.int64)[codes]


def local_day_numbers(instants: pd.Series, tz) -> np.ndarray:
    """The local day (in `tz`) of each instant, as whole days since 1970-01-01; an instant
    without an offset is read in `tz`."""
    moments = pd.to_datetime(instants)
    if moments.dt.tz is None:
        moments = moments.dt.tz_localize(tz)
    local = moments.dt.tz_convert(tz).dt.tz_localize(None).to_numpy("datetime64[D]")
    return (local - _EPOCH).astype(np.int64)


def bound_strategies(policy: Policy, network: Network) -> dict[str, BoundStrategy]:
    """Every strategy of `policy` bound to `network`, by id (bound once, read for
    every batch by `order_reach`)."""
    return {st.id: BoundStrategy(st, network, policy.tz) for st in policy.strategies}


def order_reach(
    policy: Policy,
    network: Network,
    batch: OrderBatch,
    chains: Sequence[tuple[str, ...]],
    bound: dict[str, BoundStrategy] | None = None,
) -> Reach:
    """The reach of each order of `batch` whose strategy chain (the steps routing
    reached, `strategies` of the decisions table) is `chains[i]`: a node is a candidate
    when some step's `source from` holds there, it lies within that step's `within` and
    its capacity is above 0; its `keep` is the lowest among those steps; the split
    limit is the largest of the chain's. `bound`: the strategies bound to `network`
    (`bound_strategies`), when already done."""
    bound = bound_strategies(policy, network) if bound is None else bound
    count, width = len(batch), len(network)
    code, distinct = pd.factorize(pd.Series(list(chains), dtype=object))
    steps = []  # each strategy some chain reaches, and the rows of those chains
    for strategy in policy.strategies:
        having = np.array([strategy.id in chain for chain in distinct], dtype=bool)
        if having.any():
            steps.append((strategy, bound[strategy.id], np.flatnonzero(having[code])))
    points, missing = destinations(network, batch)
    km, near = _distances(network, points, {step.half_limit for _, step, _ in steps})
    km[missing] = np.nan
    candidate = np.zeros((count, width), dtype=bool)
    keep = np.full((count, width), NO_KEEP, dtype=np.int64)
    split = np.zeros(count, dtype=np.int64)
    allowed = np.empty((count, width), dtype=bool)  # one step's nodes, for every order
    open_nodes = network.capacity > 0
    for strategy, step, rows in steps:
        mine = open_nodes[None, :] & near[step.half_limit][rows] & ~missing[rows, None]
        if step.source is not None:
            mine &= _mask_rows(step.source, batch, rows)
        allowed.fill(False)
        allowed[rows] = mine
        candidate |= allowed
        np.minimum(keep, _keep_rows(step, batch, rows), out=keep, where=allowed)
        split[rows] = np.maximum(split[rows], strategy.split)
    keep[keep == NO_KEEP] = 0
    return Reach(candidate=candidate, keep=keep, km=km, split=split)


DISTANCE_ROWS = 512
"""Orders whose distances are worked out at once: their temporaries stay in cache."""


def _distances(
    network: Network, points: np.ndarray, limits: set[float]
) -> tuple[np.ndarray, dict[float, np.ndarray]]:
    """The km from each order's destination (rows of unit vectors) to every node, and
    for each half-chord limit where the half chord is within it; the half chords are
    worked out `DISTANCE_ROWS` orders at a time and not kept."""
    sphere = network.sphere
    km = np.empty((len(points), len(network)), dtype=np.float64)
    near = {limit: np.empty(km.shape, dtype=bool) for limit in limits}
    for first in range(0, len(points), DISTANCE_ROWS):
        part = slice(first, first + DISTANCE_ROWS)
        half = half_chords(
            sphere.x[None, :], sphere.y[None, :], sphere.z[None, :],
            points[part, 0:1], points[part, 1:2], points[part, 2:3],
        )  # fmt: skip
        for limit, within in near.items():
            np.less_equal(half, limit, out=within[part])
        np.minimum(half, 1.0, out=half)
        np.arcsin(half, out=half)
        half *= DIAMETER_KM
        km[part] = half
    return km, near


def _mask_rows(mask: NodeMask, batch: OrderBatch, rows: np.ndarray) -> np.ndarray:
    if mask.dynamic is None:
        return np.broadcast_to(mask.for_order(None).astype(bool), (len(rows), len(mask.static)))
    return _per_order(lambda o: mask.for_order(o).astype(bool), [mask.expr], batch, rows)


def _keep_rows(bound: BoundStrategy, batch: OrderBatch, rows: np.ndarray) -> np.ndarray:
    """The units the step protects at each node for the orders of `rows`, as an array
    that broadcasts to (orders of `batch`, nodes) (other orders: 0)."""
    if not bound.keep_masks:
        return np.zeros((1, 1), dtype=np.int64)
    if bound.static_keep is not None:
        return bound.static_keep[None, :]
    found = _per_order(bound.keep_vector, [m.expr for _, m in bound.keep_masks], batch, rows)
    levels = np.zeros((len(batch), found.shape[1]), dtype=np.int64)
    levels[rows] = found
    return levels


def _per_order(
    reader: Callable[[Any], np.ndarray], exprs: list[Any], batch: OrderBatch, rows: np.ndarray
) -> np.ndarray:
    """`reader(order)` for each order of `rows`, read once per distinct values of the
    plain order fields the expressions read (every order when they read lines)."""
    read = [plain_order_fields(e) for e in exprs]
    if any(r is None for r in read):
        return np.stack([reader(batch.order(int(i))) for i in rows])
    fields = sorted({f for r in read for f in (r or ())})
    at = rows.tolist()
    texts = [[repr(values[i]) for i in at] for values in map(batch.value, fields)]
    keys = pd.Series(list(zip(*texts, strict=True)) if texts else [()] * len(at), dtype=object)
    code, _ = pd.factorize(keys)
    _, first = np.unique(code, return_index=True)  # the first order of each key
    return np.stack([reader(batch.row(int(rows[i]))) for i in first])[code]


class StockByDay:
    """Units of each (node, SKU) pair at the start of each local day as the replay left
    them, plus the units that arrive during that day: the opening stock, plus the
    replenishments of the days up to it, less the units allocated to the orders of the
    days before it (an order's units count on its own day)."""

    def __init__(
        self,
        shape: tuple[int, int],
        opening: tuple[np.ndarray, np.ndarray, np.ndarray],
        arrivals: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        taken: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    ):
        """`shape`: how many nodes and SKUs; `opening` is (node, SKU, units), `arrivals`
        and `taken` (node, SKU, day, units), nodes and SKUs as numbers (−1: unknown)."""
        self.nodes, self.skus = shape
        node = np.concatenate([opening[0], arrivals[0], taken[0]]).astype(np.int64)
        sku = np.concatenate([opening[1], arrivals[1], taken[1]]).astype(np.int64)
        first = np.full(len(opening[0]), np.iinfo(np.int64).min)  # before every day
        day = np.concatenate([first, arrivals[2], np.asarray(taken[2]) + 1]).astype(np.int64)
        units = np.concatenate([opening[2], arrivals[3], -np.asarray(taken[3])]).astype(np.int64)
        known = np.flatnonzero((node >= 0) & (sku >= 0))
        known = known[np.argsort(day[known], kind="stable")]  # by the day they count from
        self.cell, self.day = sku[known] * self.nodes + node[known], day[known]
        """Each event's cell in a (SKU, node) table, and the day it counts from."""
        self.units = units[known]

    def rows(self, sku: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Units of each `sku` at every node (one row each, nodes in network order) on
        its local `day` (given in day order), never below 0: the events are added up
        day by day into one running (SKU, node) table, whose rows are read at each
        day's SKUs."""
        sku, day = np.asarray(sku, dtype=np.int64), np.asarray(day, dtype=np.int64)
        out = np.zeros((len(sku), self.nodes), dtype=np.int64)
        if not len(sku):
            return out
        if (day[1:] < day[:-1]).any():
            raise ValueError("the rows must come in day order")
        starts = np.flatnonzero(np.r_[True, day[1:] != day[:-1]])
        counted = np.searchsorted(self.day, day[starts], side="right").tolist()
        bounds = [*starts.tolist(), len(day)]
        running = np.zeros((self.skus, self.nodes), dtype=np.int64)
        done = 0
        for k, upto in enumerate(counted):
            np.add.at(running.ravel(), self.cell[done:upto], self.units[done:upto])
            done = upto
            out[bounds[k] : bounds[k + 1]] = running[sku[bounds[k] : bounds[k + 1]]]
        return np.maximum(out, 0, out=out)
