"""The orders of a day that need no linear program (docs/kpis.md, "How it is solved
fast"): an order whose optimum on its own is one node shipping all of it, proven by a
dual solution, and whose allocation fits the day's stock and capacity together with
everybody else's, keeps that allocation; only the other orders go to HiGHS.

On its own (without the stock, keep and capacity rows that tie it to other orders), an
order's program is: min Σ f_m·y_m + Σ p_m·x_sm + P·Σ u_s with Σ_m x_sm + u_s = q_s,
x_sm ≤ c_sm·y_m, Σ y ≤ L, 0 ≤ y ≤ 1. Let n be the option that has every line whole
(c_sn = q_s) at the least cost C = f_n + p_n·Q (Q the order's units), and π = p_n + f_n/Q
(its cost per unit). The duals π for every demand row, max(0, π − p_m) for every link
row and 0 for the split row are a dual solution of value π·Q = C when π ≤ P and every
option m has Σ_s c_sm·max(0, π − p_m) ≤ f_m; C being also the value of the allocation
"all from n", that allocation is then the order's optimum on its own.

`priced_out` checks the same once the rows the order shares with others (stock, keep,
capacity) charge a price: with arc costs varying line by line, π_s = the arc cost at
n + (the cost of n's parcel) ÷ Q per line s (docs/kpis.md, "The others").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulations.bound_rows import run_starts

TOLERANCE = 1e-9
"""A dual constraint may be broken by this much (relative) and still count as met."""


@dataclass(frozen=True)
class Alone:
    """Per order: the option that is its optimum on its own (−1: none proven) and
    that optimum's value."""

    option: np.ndarray
    value: np.ndarray


def alone(
    order: np.ndarray,
    qty: np.ndarray,
    arc_line: np.ndarray,
    arc_cap: np.ndarray,
    arc_pick: np.ndarray,
    arc_option: np.ndarray,
    option_order: np.ndarray,
    option_cost: np.ndarray,
    option_pick: np.ndarray,
    limit: np.ndarray,
    penalty: float,
) -> Alone:
    """Each order's proven optimum on its own (see the module doc): `order`/`qty` per
    line, `arc_*` per (line, node) arc, `option_*` per (order, node) option, grouped by
    order in network order (`cost`: the shipment's fixed cost, `pick`: per unit),
    `limit` the split limit per order."""
    orders, options = len(limit), len(option_order)
    if not options:
        return Alone(option=np.full(orders, -1, dtype=np.int64), value=np.zeros(orders))
    lines_of = np.bincount(order, minlength=orders)
    units = np.bincount(order, qty, minlength=orders)
    whole = np.bincount(arc_option, arc_cap >= qty[arc_line], minlength=options)
    full = whole == lines_of[option_order]
    total = option_cost + option_pick * units[option_order]
    cheapest = smallest(np.where(full, total, np.inf), option_order, 1)
    best = np.full(orders, -1, dtype=np.int64)
    best[option_order[cheapest]] = cheapest
    safe = np.maximum(best, 0)
    chosen = (best >= 0) & full[safe]
    per_unit = np.where(
        chosen, option_pick[safe] + option_cost[safe] / np.maximum(units, 1), np.inf
    )
    chosen &= (per_unit <= penalty) & (limit >= 1) & (units > 0)
    arc_order = option_order[arc_option]
    gain = np.maximum(per_unit[arc_order] - arc_pick, 0.0) * arc_cap
    gain[~chosen[arc_order]] = 0.0
    dual = np.bincount(arc_option, gain, minlength=options)
    broken = dual - option_cost > TOLERANCE * np.maximum(1.0, option_cost)
    chosen &= np.bincount(option_order, broken, minlength=orders) == 0
    option = np.where(chosen, best, -1)
    return Alone(option=option, value=np.where(chosen, total[safe], 0.0))


def priced_out(
    order: np.ndarray,
    qty: np.ndarray,
    arc_line: np.ndarray,
    arc_cap: np.ndarray,
    arc_cost: np.ndarray,
    arc_option: np.ndarray,
    option_order: np.ndarray,
    option_cost: np.ndarray,
    chosen: np.ndarray,
    penalty: float,
) -> np.ndarray:
    """Per order: True where its `chosen` option (−1: none) shipping every line whole
    is not proven its optimum on its own when each arc costs `arc_cost` per unit and
    each option `option_cost` a parcel (the costs with the prices of the rows shared
    with other orders). The proof is the module doc's, line by line: π_s = the arc
    cost at n + the ship cost of n ÷ Q for each line s, π_s ≤ the penalty, and every
    option m has Σ over its lines of cap × max(0, π_s − arc cost) ≤ its ship cost."""
    orders, options = len(chosen), len(option_order)
    held = chosen >= 0
    units = np.bincount(order, qty, minlength=orders)
    arc_order = option_order[arc_option]
    is_chosen = np.zeros(options, dtype=bool)
    is_chosen[chosen[held]] = True
    mine = np.flatnonzero(is_chosen[arc_option])
    per_line = np.full(len(qty), np.inf)
    per_line[arc_line[mine]] = arc_cost[mine]
    safe = np.maximum(chosen, 0)
    pi = per_line + (option_cost[safe] / np.maximum(units, 1))[order]
    dear = np.bincount(order, pi > penalty * (1.0 + TOLERANCE), minlength=orders) > 0
    gain = np.where(held[arc_order], np.maximum(pi[arc_line] - arc_cost, 0.0), 0.0) * arc_cap
    dual = np.bincount(arc_option, gain, minlength=options)
    broken = dual - option_cost > TOLERANCE * np.maximum(1.0, np.abs(option_cost))
    broken[safe[held]] = False  # the chosen option itself: equal by construction
    return held & (dear | (np.bincount(option_order, broken, minlength=orders) > 0))


def smallest(values: np.ndarray, owner: np.ndarray, count: int) -> np.ndarray:
    """The indices of the `count` smallest `values` of each owner (fewer where it has
    fewer; ties: the first index first), `owner` ascending; in index order."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    change = run_starts(owner)
    starts = np.flatnonzero(change)
    group = np.cumsum(change) - 1
    left = np.asarray(values, dtype=np.float64).copy()
    taken = np.zeros(len(values), dtype=bool)
    for _ in range(count):
        least = np.minimum.reduceat(left, starts)
        hit = np.flatnonzero((left == least[group]) & ~taken)
        first = hit[run_starts(owner[hit])]
        taken[first] = True
        left[first] = np.inf
    return np.flatnonzero(taken)
