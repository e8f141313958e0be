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


def run_step(bound, ctx, need: np.ndarray, shipped, budget: int, trace: bool):
    """Place what the step can of `need` (updated in place); see module doc.
    `shipped`: nodes that may not ship (bool per node), or None for none."""
    result = StepResult()
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
        fits = _ALL(avail >= need[:, None], axis=0).nonzero()[0]
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
