"""One step of an order's chain: which nodes may ship, and what each ships.

Per step, with `need` the units still to place per line (language.md §2–3):

1. Candidates: `source from` holds, under today's capacity, not already
   shipping part of the order, something available (`free − keep`, never
   below 0) for a remaining line, and within the `within` radius.
2. No shipment left under the split limit: the step places nothing.
3. Otherwise the best-ranked candidate that can fill every remaining line
   ships them all, in one parcel.
4. If none can and the strategy allows splitting (`split at most N`, N ≥ 2):
   greedy — the best-ranked candidate for what remains takes what it has
   (part of a line included), then the next, until nothing remains, the
   split limit is reached or no candidate has anything left.
5. `split none` and no single candidate can: the step places nothing.

All work is on numpy rows of the lines × nodes stock matrix; Python objects
are only made for the few chosen nodes. This is the step that explains itself
(a trace of its candidates and rounds) and that re-routes use; routing without
explanations runs the same rules compiled, in `engine.kernel`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.ranking import RankInputs, best

# The ufunc reductions themselves: ndarray.any()/all() add a Python layer per call.
_ANY = np.logical_or.reduce
_ALL = np.logical_and.reduce


@dataclass(slots=True)
class StepResult:
    """Shipments the step makes, as (node index, units per line), and the lines
    for which some candidate had stock that the step could not use."""

    shipments: list[tuple[int, np.ndarray]] = field(default_factory=list)
    limited: np.ndarray | None = None
    trace: dict | None = None
    filled: bool = False
    """Whether one shipment took every remaining unit (the one-parcel fast path)."""


def run_step(bound, ctx, need: np.ndarray, shipped, budget: int, trace: bool):
    """Place what the step can of `need` (updated in place); see module doc.
    `shipped`: nodes that may not ship (bool per node), or None for none."""
    result = StepResult()
    if not trace and budget > 0:
        # The usual case first: a node that can ship every remaining line, without
        # building the lines × candidates block that a split would need.
        node = whole_node(bound, ctx, need, shipped)
        if node >= 0:
            result.shipments.append((node, need.copy()))
            result.filled = True
            need[:] = 0
            return result
    free = ctx.free_rows()
    keep = bound.keep_for(ctx.order)
    remaining = need > 0
    rows = free if _ALL(remaining) else free[remaining]
    mask = bound.source_for(ctx.order) & ctx.capacity_ok
    if shipped is not None:
        mask &= ~shipped
    if bound.half_limit is not None:  # within N km, exactly (see engine.geo)
        mask &= ctx.half <= bound.half_limit
    mask &= _ANY((rows > keep) if keep is not None else (rows > 0), axis=0)
    cand = mask.nonzero()[0]
    avail = free[:, cand]
    if keep is not None:
        avail = np.maximum(avail - keep[cand], 0)
    if trace:
        result.trace = {
            "need": need.copy(),
            "budget": budget,
            "free": free,
            "keep": keep,
            "cand": cand,
            "rounds": [],
            "phase": "none",
        }
    inputs = RankInputs(
        cand, avail, need, ctx, ctx.network, ctx.used_today, ctx.capacity, ctx.order
    )
    if len(cand) and budget > 0:
        # Without a trace, whole_node has just found that no candidate fits whole.
        fits = _ALL(avail >= need[:, None], axis=0).nonzero()[0] if trace else ()
        if len(fits):
            chosen = best(bound.keys, inputs, fits, whole=True)
            result.shipments.append((int(cand[chosen]), need.copy()))
            _note(result, "whole", fits, chosen, need)
            need[:] = 0
        elif bound.split >= 2:
            _greedy(bound, inputs, need, budget, result)
        elif result.trace is not None:
            result.trace["phase"] = "single"
    if len(cand):
        still = need > 0
        if _ANY(still):
            open_ = np.ones(len(cand), dtype=bool)
            for node, _ in result.shipments:
                open_[np.searchsorted(cand, node)] = False
            result.limited = still & _ANY(avail[:, open_] > 0, axis=1)
    if result.trace is not None:
        result.trace["inputs"] = inputs
    return result


def whole_node(bound, ctx, need: np.ndarray, shipped) -> int:
    """The best-ranked candidate that can ship every remaining line in one
    parcel (a node index), or -1 when no candidate can.

    Works on full-width node rows (a few numpy passes over the network), never
    on the lines × candidates block. When distance decides first (the usual
    `rank by shipments, distance, ...`: every whole candidate needs one
    shipment), the nearest fitting node is the answer unless another is within
    a hair of it, and `within` only needs checking on that node."""
    free = ctx.free_rows()
    keep = bound.keep_for(ctx.order)
    wanted = need.tolist()
    if len(wanted) == 1 and wanted[0] > 0:
        fit = free[0] >= (wanted[0] if keep is None else bound.keep_plus(keep, wanted[0]))
    else:
        if min(wanted) > 0:
            rows, want = free, need[:, None]
        else:
            remaining = need > 0
            rows, want = free[remaining], need[remaining][:, None]
        fit = _ALL(rows >= (want if keep is None else want + keep), axis=0)
    fit &= bound.source_for(ctx.order)
    fit &= ctx.capacity_ok
    if shipped is not None:
        np.greater(fit, shipped, out=fit)  # fit and not shipped
    half, limit = ctx.half, bound.half_limit
    if bound.nearest_first:
        near = np.where(fit, half, np.inf)
        node = int(near.argmin())
        target = near[node]
        if target == np.inf or (limit is not None and target > limit):
            return -1  # no fit at all, or the nearest one is out of reach
        # As ranking.best's distance pre-filter: others within a hair of the
        # nearest tie with it on half-chords and are compared on exact km.
        tolerance = target * 1e-9 + 1e-15
        near[node] = np.inf
        if near.min() - target > tolerance:  # x − target grows with x
            return node
        near[node] = target
        near -= target
        fits = (near <= tolerance).nonzero()[0]
        if limit is not None:
            fits = fits[half[fits] <= limit]
    else:
        if limit is not None:
            fit &= half <= limit
        fits = fit.nonzero()[0]
        if not len(fits):
            return -1
    if len(fits) == 1:
        return int(fits[0])
    avail = None
    if bound.reads_stock:
        avail = free[:, fits] if keep is None else np.maximum(free[:, fits] - keep[fits], 0)
    inputs = RankInputs(
        fits, avail, need, ctx, ctx.network, ctx.used_today, ctx.capacity, ctx.order
    )
    return int(fits[best(bound.keys, inputs, np.arange(len(fits)), whole=True)])


def _greedy(bound, inputs: RankInputs, need: np.ndarray, budget: int, result: StepResult):
    avail = inputs.avail
    open_ = np.ones(avail.shape[1], dtype=bool)
    if result.trace is not None:
        result.trace["phase"] = "greedy"
    while len(result.shipments) < budget and _ANY(need):
        takes = np.minimum(avail, need[:, None])
        sub = (open_ & (takes.sum(axis=0) > 0)).nonzero()[0]
        if not len(sub):
            break
        inputs.need = need.copy()
        chosen = best(bound.keys, inputs, sub)
        take = takes[:, chosen]
        _note(result, "greedy", sub, chosen, need)
        result.shipments.append((int(inputs.cand[chosen]), take))
        need -= take
        open_[chosen] = False
    inputs.need = need


def _note(result: StepResult, phase: str, sub, chosen: int, need: np.ndarray) -> None:
    if result.trace is not None:
        result.trace["phase"] = phase
        result.trace["rounds"].append((sub, chosen, need.copy()))
