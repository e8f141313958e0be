"""The allocation rules, compiled with numba, for routing without explanations.

`route_block` routes a block of orders of one local day, one after the other,
exactly as `engine.allocation` and `Router` do step by step in numpy (the same
candidates, the same rank keys and tie-breaks, the same arithmetic in the same
order), and commits each order's stock and capacity before the next. The numpy
step stays for explanations and re-routes, which record every candidate's
figures; `tests/test_kernel.py` and the reference-router test hold both to the
same decisions.

Everything the block reads is an array (see `engine.blocks`, which packs them):

* stock: `free` (SKU rows × nodes), `used` today per node, `capacity`, `offline`;
* network: the nodes' unit vectors and cost columns;
* orders: lines as stock rows `rows`/`qty`, order `i` owning `starts[i]:starts[i+1]`;
  `points` the destinations' unit vectors; `first` the primary strategy; per
  chain position `j`, the rows of `masks` (`source from`), `keeps` (`keep`, -1
  for none) and `cols` (node-valued rank keys) that apply;
* strategies: `following` (`otherwise use`, -1 for none), `split`, `limits`
  (`within` as a half-chord, +inf for none), `reject` (`on shortage reject`) and
  the rank keys as `kinds`/`descending` codes.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from engine.geo import DIAMETER_KM

SHIPMENTS, DISTANCE, COST, STOCK, LOAD, COLUMN = range(6)
"""Rank key codes; COLUMN is a node-valued key (a node field or a condition)
given as a row of `cols`, already oriented so that smaller is preferred."""


@njit(cache=True)
def _km(half: float) -> float:
    # km_from_half_chords: asin(min(half, 1)) × diameter (the same libm asin).
    return math.asin(min(half, 1.0)) * DIAMETER_KM


@njit(cache=True)
def _available(free, row, node, keep, has_keep):
    """`free − keep`, never below 0 (without a `keep`, free as it is)."""
    units = free[row, node]
    if has_keep:
        units -= keep[node]
        if units < 0:
            units = 0
    return units


@njit(cache=True)
def _value(kind, descending, cols, col, node, whole, free, rows, need, keep, has_keep, half, net):
    """One rank key's value for a node, smaller preferred (ranking.column);
    a COLUMN key reads row `col` of `cols`."""
    used, capacity, pick, base, per_km = net
    if kind == COLUMN:
        return cols[col, node]
    if kind == DISTANCE:
        value = _km(half[node])
    elif kind == SHIPMENTS:
        short = 0
        if not whole:
            for line in range(len(need)):
                if _available(free, rows[line], node, keep, has_keep) < need[line]:
                    short += 1
        value = float(short)
    elif kind == COST:
        units = 0
        for line in range(len(need)):
            if whole:
                units += need[line]
            else:
                units += min(_available(free, rows[line], node, keep, has_keep), need[line])
        value = pick[node] * float(units) + base[node] + per_km[node] * _km(half[node])
    elif kind == STOCK:
        units = 0
        for line in range(len(need)):
            if need[line] > 0:
                units += _available(free, rows[line], node, keep, has_keep)
        value = float(units)
    else:  # LOAD
        value = used[node] / capacity[node]
    return -value if descending else value


@njit(cache=True)
def _best(
    sub, count, kinds, descending, cols, columns, whole,
    free, rows, need, keep, has_keep, half, net, values,
):  # fmt: skip
    """The best-ranked node among `sub[:count]` (node indices, ascending), as
    ranking.best: key by key, keep the nodes with the smallest value; distance
    first narrows on half-chords, then compares exact km. `kinds` ends at the
    first negative code; `columns` gives each COLUMN key's row of `cols`."""
    for k in range(len(kinds)):
        if count == 1:
            break
        kind = kinds[k]
        if kind < 0:
            break
        if kind == DISTANCE:
            target = half[sub[0]]
            for j in range(1, count):
                h = half[sub[j]]
                if (h > target) if descending[k] else (h < target):
                    target = h
            tolerance = target * 1e-9 + 1e-15
            kept = 0
            for j in range(count):
                if abs(half[sub[j]] - target) <= tolerance:
                    sub[kept] = sub[j]
                    kept += 1
            count = kept
            if count == 1:
                break
        if kind == SHIPMENTS and whole:
            continue  # every node can ship everything: all equal
        lowest = np.inf
        for j in range(count):
            value = _value(
                kind, descending[k], cols, columns[k], sub[j], whole,
                free, rows, need, keep, has_keep, half, net,
            )  # fmt: skip
            values[j] = value
            if value < lowest:
                lowest = value
        kept = 0
        for j in range(count):
            if values[j] == lowest:
                sub[kept] = sub[j]
                kept += 1
        count = kept
    return sub[0]


@njit(cache=True)
def _step(
    free, offline, rows, need, half, source, keep, has_keep, limit, budget, split,
    kinds, descending, cols, columns, net, blocked, nodes_out, takes_out, placed, limited, scratch,
):  # fmt: skip
    """One strategy of an order's chain (allocation.run_step without a trace):
    writes its shipments at `placed` onwards; returns (how many, one parcel?)."""
    used, capacity = net[0], net[1]
    sub, cand, values, closed = scratch
    count_nodes = len(half)
    lines = len(need)
    if budget > 0:  # one parcel from the best node that can ship everything
        count = 0
        for node in range(count_nodes):
            if not source[node] or blocked[node] or offline[node] or half[node] > limit:
                continue
            if not used[node] < capacity[node]:
                continue
            fits = True
            for line in range(lines):
                if need[line] > 0 and free[rows[line], node] < need[line] + keep[node]:
                    fits = False
                    break
            if fits:
                sub[count] = node
                count += 1
        if count:
            node = _best(
                sub, count, kinds, descending, cols, columns, True,
                free, rows, need, keep, has_keep, half, net, values,
            )  # fmt: skip
            nodes_out[placed] = node
            for line in range(lines):
                takes_out[line, placed] = need[line]
                need[line] = 0
            return 1, True
    found = 0  # candidates: something available for a remaining line
    for node in range(count_nodes):
        if not source[node] or blocked[node] or offline[node] or half[node] > limit:
            continue
        if not used[node] < capacity[node]:
            continue
        for line in range(lines):
            if need[line] > 0 and free[rows[line], node] > keep[node]:
                cand[found] = node
                closed[found] = False
                found += 1
                break
    made = 0
    if found and budget > 0 and split >= 2:  # greedy: best node for what remains
        while made < budget:
            remaining = False
            for line in range(lines):
                if need[line] != 0:
                    remaining = True
            if not remaining:
                break
            count = 0
            for c in range(found):
                if closed[c]:
                    continue
                units = 0
                for line in range(lines):
                    units += min(_available(free, rows[line], cand[c], keep, has_keep), need[line])
                if units > 0:
                    sub[count] = cand[c]
                    count += 1
            if not count:
                break
            node = _best(
                sub, count, kinds, descending, cols, columns, False,
                free, rows, need, keep, has_keep, half, net, values,
            )  # fmt: skip
            for line in range(lines):
                take = min(_available(free, rows[line], node, keep, has_keep), need[line])
                takes_out[line, placed + made] = take
                need[line] -= take
            nodes_out[placed + made] = node
            for c in range(found):
                if cand[c] == node:
                    closed[c] = True
            made += 1
    if found:  # lines short although a node not used here had some: the split limit
        for line in range(lines):
            if need[line] > 0 and not limited[line]:
                for c in range(found):
                    if not closed[c] and _available(free, rows[line], cand[c], keep, has_keep) > 0:
                        limited[line] = True
                        break
    return made, False


@njit(cache=True)
def _half_chords(x, y, z, point, out):
    """Half the chord from every node to a destination unit vector (the same
    operations in the same order as engine.geo.NodeSphere.half_chords)."""
    for node in range(len(x)):
        dx = x[node] - point[0]
        dy = y[node] - point[1]
        dz = z[node] - point[2]
        out[node] = math.sqrt(dx * dx + dy * dy + dz * dz) * 0.5


@njit(cache=True, nogil=True)
def route_block(stock, network, orders, strategies, tables, out):
    """Route the block's orders in turn and commit each (see the module doc).

    stock = (free, used, capacity, offline); network = node columns (x, y, z of
    the unit vectors, pick, base, per_km, handling); orders = (starts, rows, qty,
    points: destination unit vectors, first); strategies = (following, split,
    limits, reject, kinds, descending); tables = (source_of, masks, keep_of,
    keeps, column_of, cols). Per order `i`, `out` receives: strategies tried,
    shipments made (node, strategy, units per line in `takes[line, m]`, and
    km, cost, eta), units left per line, and whether a line was short because
    of a split limit rather than stock."""
    free, used, capacity, offline = stock
    x, y, z, pick, base, per_km, handling = network
    starts, rows, qty, points, first = orders
    following, split, limits, reject, kinds, descending = strategies
    source_of, masks, keep_of, keeps, column_of, cols = tables
    chain_out, count_out, nodes_out, strategy_out, takes_out, left_out, limited_out, figures = out
    count_nodes = free.shape[1]
    net = (used, capacity, pick, base, per_km)
    scratch = (
        np.empty(count_nodes, np.int64),
        np.empty(count_nodes, np.int64),
        np.empty(count_nodes, np.float64),
        np.empty(count_nodes, np.bool_),
    )
    half = np.empty(count_nodes, np.float64)
    blocked = np.zeros(count_nodes, np.bool_)
    no_keep = np.zeros(count_nodes, np.int64)
    for i in range(len(first)):
        start, end = starts[i], starts[i + 1]
        order_rows = rows[start:end]
        need = qty[start:end].copy()
        takes = takes_out[start:end]
        limited = limited_out[start:end]
        _half_chords(x, y, z, points[i], half)
        strategy = first[i]
        left = False
        for line in range(end - start):
            if need[line] != 0:
                left = True
        tried = 0
        placed = 0
        last = strategy
        while strategy >= 0 and left:
            keep_row = keep_of[i, tried]
            keep = keeps[keep_row] if keep_row >= 0 else no_keep
            made, whole = _step(
                free, offline, order_rows, need, half, masks[source_of[i, tried]], keep,
                keep_row >= 0, limits[strategy], split[strategy] - placed, split[strategy],
                kinds[strategy], descending[strategy], cols, column_of[i, tried], net,
                blocked, nodes_out[i], takes, placed, limited, scratch,
            )  # fmt: skip
            for m in range(placed, placed + made):
                strategy_out[i, m] = strategy
                blocked[nodes_out[i, m]] = True
            placed += made
            if made:
                left = False
                if not whole:
                    for line in range(end - start):
                        if need[line] != 0:
                            left = True
            tried += 1
            last = strategy
            strategy = following[strategy]
        chain_out[i] = tried
        count_out[i] = placed
        left_out[start:end] = need
        for m in range(placed):
            node = nodes_out[i, m]
            blocked[node] = False
            units = 0
            for line in range(end - start):
                units += takes[line, m]
            km = DIAMETER_KM * math.asin(min(1.0, half[node]))  # as geo.chord_km
            figures[i, m, 0] = km
            figures[i, m, 1] = pick[node] * float(units) + base[node] + per_km[node] * km
            figures[i, m, 2] = handling[node] + max(1, math.ceil(km / 500.0))
        if left and reject[last]:
            continue  # the order is rejected: nothing is committed
        for m in range(placed):
            node = nodes_out[i, m]
            for line in range(end - start):
                units = takes[line, m]
                if units:
                    free[order_rows[line], node] -= units
            used[node] += 1
