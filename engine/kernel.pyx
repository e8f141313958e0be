# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False
"""The allocation rules, compiled: the only code that decides where an order ships.

`route_block` routes a block of orders of one local day, one after the other, and
commits each order's stock and capacity before the next (language.md, "Semantics the
engine must honour"; docs/routing.md states every rule and tie-break). For one order it
can also write a trace of what it saw — every node's exclusion clause, the candidates'
rank-key values and ranking, the rounds of a split — which `engine.explain` turns into
words. Re-routes after events run here too: an order's remaining units, the nodes it
keeps or leaves, and shipments already counted against the split limit are inputs.

`shipment_cost` and `shipment_eta` are the one place where a shipment's figures are
computed (kpis.md); decisions, explanations and the simulation's tables read them from
the kernel's output.

Everything is an array, packed by `engine.binding`:

* stock: `free` (SKU rows × nodes), `used` today per node, `capacity`, `offline`;
* network: the nodes' unit vectors and cost columns;
* orders: lines as stock rows `rows`/`qty`, order `i` owning `starts[i]:starts[i+1]`;
  `points` the destinations' unit vectors; `first` the strategy the chain starts at;
  `prior` shipments already made (re-routes); `blocked` nodes that may not ship;
* per order and chain position `j`: the table rows of `source from`, `keep` (-1 for
  none) and node-valued rank keys;
* strategies: `following` (`otherwise use`, -1 for none), `split`, `limits` (`within`
  as a half-chord, +inf for none), `reject` (`on shortage reject`) and rank keys as
  `kinds`/`descending` codes.

The arithmetic is the same as `engine.geo` (sqrt and libm's asin, in the same order;
built without floating-point contraction), so distances are bit-identical to Python's.
Quantities are int64; the loaders bound every quantity and stock level so that no sum
here can overflow (engine/limits.py).
"""

from libc.math cimport asin, ceil, cos, sin, sqrt, INFINITY
from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t
from libc.stdlib cimport free as c_free
from libc.stdlib cimport malloc

import numpy as np

cdef enum Key:
    # rank key codes; a COLUMN key is node-valued (a node field or a condition), given
    # as a row of `cols` already oriented so that smaller is preferred
    K_SHIPMENTS, K_DISTANCE, K_COST, K_STOCK, K_LOAD, K_COLUMN

cdef enum Why:
    # trace: why a node was not a candidate of a step, in clause order
    W_CANDIDATE, W_SOURCE, W_WITHIN, W_OFFLINE, W_CAPACITY, W_SHIPPED, W_KEEP, W_STOCK

cdef enum Phase:
    # trace: what a step tried — nothing (no candidate or no shipment left under the
    # split limit), one parcel, the greedy split, or `split none` with no node able to
    # ship every remaining line
    P_NONE, P_WHOLE, P_GREEDY, P_SINGLE

SHIPMENTS, DISTANCE, COST, STOCK, LOAD, COLUMN = (
    K_SHIPMENTS, K_DISTANCE, K_COST, K_STOCK, K_LOAD, K_COLUMN
)
"""Rank key codes (see `Key`)."""
CANDIDATE, BY_SOURCE, BY_WITHIN, BY_OFFLINE, BY_CAPACITY, BY_SHIPPED, BY_KEEP, BY_STOCK = (
    W_CANDIDATE, W_SOURCE, W_WITHIN, W_OFFLINE, W_CAPACITY, W_SHIPPED, W_KEEP, W_STOCK
)
"""Trace codes of a node (see `Why`)."""
NO_PHASE, WHOLE, GREEDY, SINGLE = P_NONE, P_WHOLE, P_GREEDY, P_SINGLE
"""Trace codes of a step (see `Phase`)."""

DIAMETER_KM = 2.0 * 6371.0
cdef double _DIAMETER = 2.0 * 6371.0
cdef double _DEGREE = 3.141592653589793 / 180.0  # as math.radians


cdef inline double _km(double half) noexcept nogil:
    """Great-circle km for a half-chord: asin(min(half, 1)) × diameter (geo.chord_km)."""
    if half > 1.0:
        half = 1.0
    return _DIAMETER * asin(half)


cdef inline double _cost(double pick, double base, double per_km, int64_t units,
                         double km) noexcept nogil:
    """Shipment cost (kpis.md): pick_cost × units + ship_cost_base + ship_cost_per_km × km."""
    return pick * <double>units + base + per_km * km


cdef inline double _eta(double handling, double km) noexcept nogil:
    """Shipment eta (kpis.md): handling_days + max(1, ⌈km / 500⌉)."""
    cdef double transit = ceil(km / 500.0)
    if transit < 1.0:
        transit = 1.0
    return handling + transit


def distance_km(double half):
    """Great-circle km for a half-chord, as the kernel computes every distance."""
    return _km(half)


def shipment_cost(double pick, double base, double per_km, int64_t units, double km):
    """A shipment's cost, as the kernel computes it (for what is not routed here)."""
    return _cost(pick, base, per_km, units, km)


def shipment_eta(double handling, double km):
    """A shipment's eta in days, as the kernel computes it."""
    return _eta(handling, km)


def unit_vectors(const double[::1] lat, const double[::1] lon, double[:, ::1] out):
    """Points on the unit sphere for latitudes and longitudes in degrees, with the same
    operations as engine.geo.unit_vector (libm's cos and sin)."""
    cdef Py_ssize_t i
    cdef double phi, lam, cos_phi
    with nogil:
        for i in range(lat.shape[0]):
            phi = lat[i] * _DEGREE
            lam = lon[i] * _DEGREE
            cos_phi = cos(phi)
            out[i, 0] = cos_phi * cos(lam)
            out[i, 1] = cos_phi * sin(lam)
            out[i, 2] = sin(phi)


def half_chords(const double[::1] x, const double[::1] y, const double[::1] z,
                const double[::1] point, double[::1] out):
    """Half the chord from every node to a destination unit vector (geo.NodeSphere)."""
    _half_chords(x, y, z, point, out)


cdef void _half_chords(const double[::1] x, const double[::1] y, const double[::1] z,
                       const double[::1] point, double[::1] out) noexcept nogil:
    cdef Py_ssize_t node
    cdef double dx, dy, dz
    for node in range(x.shape[0]):
        dx = x[node] - point[0]
        dy = y[node] - point[1]
        dz = z[node] - point[2]
        out[node] = sqrt(dx * dx + dy * dy + dz * dz) * 0.5


cdef struct Network:
    const double* pick
    const double* base
    const double* per_km
    const double* handling
    const int64_t* used
    const double* capacity
    Py_ssize_t nodes


cdef struct Step:
    # what one strategy step of one order reads
    int64_t* free          # free stock, row-major (rows × nodes)
    const int64_t* rows    # the order's lines as stock rows
    int64_t* need          # units still to place, per line (updated)
    Py_ssize_t lines
    const double* half     # half-chords to every node
    const uint8_t* source  # `source from` per node
    const int64_t* keep    # protected units per node (zeros for none)
    const int64_t* kinds   # rank key codes (ends at the first negative)
    const uint8_t* descending
    const double* cols     # node-valued rank key table (row-major)
    const int64_t* columns # row of `cols` per rank key
    Py_ssize_t keys


cdef inline int64_t _available(Step* s, Py_ssize_t line, Py_ssize_t node,
                               Py_ssize_t nodes) noexcept nogil:
    """`free − keep`, never below 0."""
    cdef int64_t units = s.free[s.rows[line] * nodes + node] - s.keep[node]
    return units if units > 0 else 0


cdef double _value(Step* s, Network* net, Py_ssize_t k, Py_ssize_t node, bint whole,
                   bint oriented) noexcept nogil:
    """One rank key's value for a node on what remains of the order: smaller preferred
    when `oriented` (a `desc` key negated), else as explained to people."""
    cdef int64_t kind = s.kinds[k]
    cdef Py_ssize_t line
    cdef int64_t units, take
    cdef double value
    cdef Py_ssize_t nodes = net.nodes
    if kind == K_COLUMN:  # already oriented
        return s.cols[s.columns[k] * nodes + node]
    if kind == K_DISTANCE:
        value = _km(s.half[node])
    elif kind == K_SHIPMENTS:  # remaining lines the node cannot fill completely
        units = 0
        if not whole:
            for line in range(s.lines):
                if _available(s, line, node, nodes) < s.need[line]:
                    units += 1
        value = <double>units
    elif kind == K_COST:  # of what it would ship
        units = 0
        for line in range(s.lines):
            if whole:
                units += s.need[line]
            else:
                take = _available(s, line, node, nodes)
                units += take if take < s.need[line] else s.need[line]
        value = _cost(net.pick[node], net.base[node], net.per_km[node], units,
                      _km(s.half[node]))
    elif kind == K_STOCK:  # of the remaining lines
        units = 0
        for line in range(s.lines):
            if s.need[line] > 0:
                units += _available(s, line, node, nodes)
        value = <double>units
    else:  # K_LOAD
        value = <double>net.used[node] / net.capacity[node]
    if oriented and s.descending[k]:
        return -value
    return value


cdef Py_ssize_t _best(Step* s, Network* net, int64_t* sub, Py_ssize_t count, bint whole,
                      double* values) noexcept nogil:
    """The best-ranked node among `sub[:count]` (node indices, ascending): key by key,
    keep the nodes with the smallest value; distance first narrows on half-chords,
    then compares exact km. Ties end at the lowest node index."""
    cdef Py_ssize_t k, j, kept
    cdef int64_t kind
    cdef double target, h, tolerance, lowest, value
    for k in range(s.keys):
        if count == 1:
            break
        kind = s.kinds[k]
        if kind < 0:
            break
        if kind == K_DISTANCE:
            target = s.half[sub[0]]
            for j in range(1, count):
                h = s.half[sub[j]]
                if (h > target) if s.descending[k] else (h < target):
                    target = h
            tolerance = target * 1e-9 + 1e-15
            kept = 0
            for j in range(count):
                if abs(s.half[sub[j]] - target) <= tolerance:
                    sub[kept] = sub[j]
                    kept += 1
            count = kept
            if count == 1:
                break
        if kind == K_SHIPMENTS and whole:
            continue  # every node can ship everything: all equal
        lowest = INFINITY
        for j in range(count):
            value = _value(s, net, k, sub[j], whole, True)
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


cdef struct Scratch:
    int64_t* sub
    int64_t* cand
    double* values
    uint8_t* closed


cdef struct Trace:
    # one step's row of every trace array (NULL: no trace)
    int8_t* code        # per node: W_CANDIDATE or why not
    int32_t* rank       # per node: 1-based rank among the candidates (0: none)
    double* keyed       # per node and key: the key's value (as explained)
    int64_t* fill       # per node: remaining lines it can fill completely
    int64_t* round_node # per round: the node chosen
    int64_t* round_field  # per round: how many nodes it was chosen from
    int8_t* phase


cdef Py_ssize_t _step(Step* s, Network* net, const uint8_t* offline, double limit,
                      int64_t budget, int64_t split, uint8_t* blocked, int64_t* nodes_out,
                      int64_t* takes, Py_ssize_t width, Py_ssize_t placed, uint8_t* limited,
                      Scratch* scratch, bint* one_parcel, Trace* trace) noexcept nogil:
    """One strategy of an order's chain: writes its shipments at `placed` onwards and
    returns how many it made; `one_parcel` tells whether one node took everything."""
    cdef Py_ssize_t nodes = net.nodes
    cdef Py_ssize_t node, line, c, count, found, made
    cdef int64_t units, take
    cdef bint fits, remaining
    cdef int64_t* sub = scratch.sub
    cdef int64_t* cand = scratch.cand
    cdef uint8_t* closed = scratch.closed
    one_parcel[0] = False
    if trace != NULL:
        _trace_candidates(s, net, offline, limit, blocked, scratch, trace)
    if budget > 0:  # one parcel from the best node that can ship everything
        count = 0
        for node in range(nodes):
            if (not s.source[node] or blocked[node] or offline[node]
                    or s.half[node] > limit or not net.used[node] < net.capacity[node]):
                continue
            fits = True
            for line in range(s.lines):
                if (s.need[line] > 0
                        and s.free[s.rows[line] * nodes + node] < s.need[line] + s.keep[node]):
                    fits = False
                    break
            if fits:
                sub[count] = node
                count += 1
        if count:
            if trace != NULL:
                trace.phase[0] = P_WHOLE
                trace.round_field[0] = count
            node = _best(s, net, sub, count, True, scratch.values)
            nodes_out[placed] = node
            if trace != NULL:
                trace.round_node[0] = node
            for line in range(s.lines):
                takes[line * width + placed] = s.need[line]
                s.need[line] = 0
            one_parcel[0] = True
            return 1
    found = 0  # candidates: something available for a remaining line
    for node in range(nodes):
        if (not s.source[node] or blocked[node] or offline[node]
                or s.half[node] > limit or not net.used[node] < net.capacity[node]):
            continue
        for line in range(s.lines):
            if s.need[line] > 0 and s.free[s.rows[line] * nodes + node] > s.keep[node]:
                cand[found] = node
                closed[found] = False
                found += 1
                break
    made = 0
    if found and budget > 0:
        if split >= 2:  # greedy: the best node for what remains takes what it has
            if trace != NULL:
                trace.phase[0] = P_GREEDY
            while made < budget:
                remaining = False
                for line in range(s.lines):
                    if s.need[line] != 0:
                        remaining = True
                if not remaining:
                    break
                count = 0
                for c in range(found):
                    if closed[c]:
                        continue
                    units = 0
                    for line in range(s.lines):
                        take = _available(s, line, cand[c], nodes)
                        units += take if take < s.need[line] else s.need[line]
                    if units > 0:
                        sub[count] = cand[c]
                        count += 1
                if not count:
                    break
                if trace != NULL:
                    trace.round_field[made] = count
                node = _best(s, net, sub, count, False, scratch.values)
                for line in range(s.lines):
                    take = _available(s, line, node, nodes)
                    if take > s.need[line]:
                        take = s.need[line]
                    takes[line * width + placed + made] = take
                    s.need[line] -= take
                nodes_out[placed + made] = node
                if trace != NULL:
                    trace.round_node[made] = node
                for c in range(found):
                    if cand[c] == node:
                        closed[c] = True
                made += 1
        elif trace != NULL:
            trace.phase[0] = P_SINGLE
    if found:  # lines short although a node not used here had some: the split limit
        for line in range(s.lines):
            if s.need[line] > 0 and not limited[line]:
                for c in range(found):
                    if not closed[c] and _available(s, line, cand[c], nodes) > 0:
                        limited[line] = True
                        break
    return made


cdef void _trace_candidates(Step* s, Network* net, const uint8_t* offline, double limit,
                            uint8_t* blocked, Scratch* scratch, Trace* trace) noexcept nogil:
    """Why each node is or is not a candidate (in clause order), the candidates' rank-key
    values on what remains, and their ranking (lexicographic, ties by node index)."""
    cdef Py_ssize_t nodes = net.nodes
    cdef Py_ssize_t node, line, k, count = 0
    cdef int8_t code
    cdef bint some, some_free
    cdef int64_t filled
    cdef int64_t* order = scratch.sub
    trace.phase[0] = P_NONE
    for node in range(nodes):
        if not s.source[node]:
            code = W_SOURCE
        elif s.half[node] > limit:
            code = W_WITHIN
        elif offline[node]:
            code = W_OFFLINE
        elif not net.used[node] < net.capacity[node]:
            code = W_CAPACITY
        elif blocked[node]:
            code = W_SHIPPED
        else:
            some = False
            some_free = False
            for line in range(s.lines):
                if s.need[line] > 0:
                    if s.free[s.rows[line] * nodes + node] > s.keep[node]:
                        some = True
                    if s.free[s.rows[line] * nodes + node] > 0:
                        some_free = True
            if some:
                code = W_CANDIDATE
            elif s.keep[node] > 0 and some_free:
                code = W_KEEP
            else:
                code = W_STOCK
        trace.code[node] = code
        trace.rank[node] = 0
        if code != W_CANDIDATE:
            continue
        filled = 0
        for line in range(s.lines):
            if s.need[line] > 0 and _available(s, line, node, nodes) >= s.need[line]:
                filled += 1
        trace.fill[node] = filled
        for k in range(s.keys):
            if s.kinds[k] < 0:
                break
            trace.keyed[node * s.keys + k] = _value(s, net, k, node, False, False)
        order[count] = node
        count += 1
    _rank(s, net, order, count, scratch, trace)


cdef bint _before(Step* s, Network* net, Trace* trace, int64_t a, int64_t b) noexcept nogil:
    """Whether candidate node `a` ranks before node `b` (lexicographic on the keys,
    smaller first; equal keys: the lower node index)."""
    cdef Py_ssize_t k
    cdef double va, vb
    for k in range(s.keys):
        if s.kinds[k] < 0:
            break
        if s.kinds[k] == K_COLUMN:
            va = s.cols[s.columns[k] * net.nodes + a]
            vb = s.cols[s.columns[k] * net.nodes + b]
        else:
            va = trace.keyed[a * s.keys + k]
            vb = trace.keyed[b * s.keys + k]
            if s.descending[k]:
                va = -va
                vb = -vb
        if va < vb:
            return True
        if vb < va:
            return False
    return a < b


cdef void _rank(Step* s, Network* net, int64_t* order, Py_ssize_t count, Scratch* scratch,
                Trace* trace) noexcept nogil:
    """Insertion sort of the candidates by rank (they arrive in node order)."""
    cdef Py_ssize_t i, j
    cdef int64_t item
    for i in range(1, count):
        item = order[i]
        j = i - 1
        while j >= 0 and _before(s, net, trace, item, order[j]):
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = item
    for i in range(count):
        trace.rank[order[i]] = <int32_t>(i + 1)


def route_block(stock, network, orders, strategies, tables, out, trace=None,
                bint honour_reject=True, arrivals=None):
    """Route the block's orders in turn and commit each (see the module doc).

    stock = (free, used, capacity, offline); network = node columns (x, y, z of the unit
    vectors, pick, base, per_km, handling); orders = (starts, rows, qty, points, first,
    prior, blocked_starts, blocked_nodes); strategies = (following, split, limits, reject,
    kinds, descending); tables = (source_of, masks, keep_of, keeps, column_of, cols).
    Per order `i`, `out` receives: strategies tried, shipments made (node, strategy,
    units per line in `takes[line, m]`, and km, cost, eta), units left per line, and
    whether a line was short because of a split limit rather than stock. `trace` (one
    order only) is `engine.trace.Trace.arrays()`, filled per chain position. `arrivals`
    = (starts, rows, nodes, qty): the stock that arrives before order `i` is routed,
    `starts[i]:starts[i+1]` of the other arrays (units added to `free`; a replay decides
    which arrive when). Re-routes pass `honour_reject=False`:
    what they place is committed whatever the last strategy's `on shortage`."""
    cdef int64_t[:, ::1] free = stock[0]
    cdef int64_t[::1] used = stock[1]
    cdef const double[::1] capacity = stock[2]
    cdef const uint8_t[::1] offline = stock[3]
    cdef const double[::1] x = network[0], y = network[1], z = network[2]
    cdef const double[::1] pick = network[3], base = network[4], per_km = network[5]
    cdef const double[::1] handling = network[6]
    cdef const int64_t[::1] starts = orders[0], rows = orders[1], qty = orders[2]
    cdef const double[:, ::1] points = orders[3]
    cdef const int64_t[::1] first = orders[4], prior = orders[5]
    cdef const int64_t[::1] blocked_starts = orders[6], blocked_nodes = orders[7]
    cdef const int64_t[::1] following = strategies[0], split = strategies[1]
    cdef const double[::1] limits = strategies[2]
    cdef const uint8_t[::1] reject = strategies[3]
    cdef const int64_t[:, ::1] kinds = strategies[4]
    cdef const uint8_t[:, ::1] descending = strategies[5]
    cdef const int64_t[:, ::1] source_of = tables[0]
    cdef const uint8_t[:, ::1] masks = tables[1]
    cdef const int64_t[:, ::1] keep_of = tables[2]
    cdef const int64_t[:, ::1] keeps = tables[3]
    cdef const int64_t[:, :, ::1] column_of = tables[4]
    cdef const double[:, ::1] cols = tables[5]
    cdef int64_t[::1] chain_out = out[0], count_out = out[1]
    cdef int64_t[:, ::1] nodes_out = out[2], strategy_out = out[3], takes_out = out[4]
    cdef int64_t[::1] left_out = out[5]
    cdef uint8_t[::1] limited_out = out[6]
    cdef double[:, :, ::1] figures = out[7]
    cdef bint arriving = arrivals is not None
    cdef const int64_t[::1] arrive_starts, arrive_rows, arrive_nodes, arrive_qty
    if arriving:
        arrive_starts, arrive_rows, arrive_nodes, arrive_qty = arrivals
    cdef Py_ssize_t nodes = free.shape[1]
    cdef Py_ssize_t width = nodes_out.shape[1]
    cdef Py_ssize_t keys = kinds.shape[1]
    cdef Py_ssize_t depth = source_of.shape[1]
    cdef Py_ssize_t room = max(nodes, 1)  # scratch is never empty, even with no node
    cdef double[::1] half = np.empty(room, np.float64)
    cdef uint8_t[::1] blocked = np.zeros(room, np.uint8)
    cdef int64_t[::1] no_keep = np.zeros(room, np.int64)
    cdef int64_t[::1] need_line = np.empty(max(qty.shape[0], 1), np.int64)
    cdef int64_t[::1] sub = np.empty(room, np.int64), cand = np.empty(room, np.int64)
    cdef double[::1] values = np.empty(room, np.float64)
    cdef uint8_t[::1] closed = np.empty(room, np.uint8)
    # the trace, when asked for (one order)
    cdef bint tracing = trace is not None
    cdef int8_t[:, ::1] t_code
    cdef int32_t[:, ::1] t_rank
    cdef double[:, :, ::1] t_keyed
    cdef int64_t[:, ::1] t_fill, t_need, t_round_node, t_round_field, t_keep
    cdef int64_t[::1] t_budget
    cdef int8_t[::1] t_phase
    cdef double[::1] t_km
    if tracing:
        t_code, t_rank, t_keyed, t_fill, t_need, t_budget, t_phase = trace[:7]
        t_round_node, t_round_field, t_km, t_keep = trace[7:]
    cdef Network net
    net.pick = &pick[0]
    net.base = &base[0]
    net.per_km = &per_km[0]
    net.handling = &handling[0]
    net.used = &used[0]
    net.capacity = &capacity[0]
    net.nodes = nodes
    cdef Scratch scratch
    cdef Step step
    cdef Trace tr
    cdef Py_ssize_t i, line, m, j, lines, start, end
    cdef int64_t strategy, last, tried, placed, made, units, keep_row, node
    cdef bint left, whole
    scratch.sub = &sub[0]
    scratch.cand = &cand[0]
    scratch.values = &values[0]
    scratch.closed = &closed[0]
    with nogil:
        for i in range(first.shape[0]):
            if arriving:
                for j in range(arrive_starts[i], arrive_starts[i + 1]):
                    free[arrive_rows[j], arrive_nodes[j]] += arrive_qty[j]
            start, end = starts[i], starts[i + 1]
            lines = end - start
            for line in range(lines):
                need_line[line] = qty[start + line]
            _half_chords(x, y, z, points[i], half)
            for j in range(blocked_starts[i], blocked_starts[i + 1]):
                blocked[blocked_nodes[j]] = True
            step.free = &free[0, 0]
            step.rows = &rows[start] if lines else NULL
            step.need = &need_line[0]
            step.lines = lines
            step.half = &half[0]
            step.cols = &cols[0, 0]
            step.keys = keys
            strategy = first[i]
            left = False
            for line in range(lines):
                if need_line[line] != 0:
                    left = True
            tried = 0
            placed = 0
            last = strategy
            while strategy >= 0 and left:
                step.source = &masks[source_of[i, tried], 0]
                keep_row = keep_of[i, tried]
                step.keep = &keeps[keep_row, 0] if keep_row >= 0 else &no_keep[0]
                step.kinds = &kinds[strategy, 0]
                step.descending = &descending[strategy, 0]
                step.columns = &column_of[i, tried, 0]
                if tracing:
                    tr.code = &t_code[tried, 0]
                    tr.rank = &t_rank[tried, 0]
                    tr.keyed = &t_keyed[tried, 0, 0]
                    tr.fill = &t_fill[tried, 0]
                    tr.round_node = &t_round_node[tried, 0]
                    tr.round_field = &t_round_field[tried, 0]
                    tr.phase = &t_phase[tried]
                    t_budget[tried] = split[strategy] - prior[i] - placed
                    for line in range(lines):
                        t_need[tried, line] = need_line[line]
                    for node in range(nodes):
                        t_keep[tried, node] = step.keep[node]
                made = _step(
                    &step, &net, &offline[0], limits[strategy],
                    split[strategy] - prior[i] - placed, split[strategy], &blocked[0],
                    &nodes_out[i, 0], &takes_out[start, 0], width, placed,
                    &limited_out[start], &scratch, &whole, &tr if tracing else NULL,
                )
                for m in range(placed, placed + made):
                    strategy_out[i, m] = strategy
                    blocked[nodes_out[i, m]] = True
                placed += made
                if made:
                    left = False
                    if not whole:
                        for line in range(lines):
                            if need_line[line] != 0:
                                left = True
                tried += 1
                last = strategy
                strategy = following[strategy]
            chain_out[i] = tried
            count_out[i] = placed
            for line in range(lines):
                left_out[start + line] = need_line[line]
            if tracing:
                for node in range(nodes):
                    t_km[node] = _km(half[node])
            for m in range(placed):
                node = nodes_out[i, m]
                units = 0
                for line in range(lines):
                    units += takes_out[start + line, m]
                figures[i, m, 0] = _km(half[node])
                figures[i, m, 1] = _cost(pick[node], base[node], per_km[node], units,
                                         figures[i, m, 0])
                figures[i, m, 2] = _eta(handling[node], figures[i, m, 0])
            for m in range(placed):
                blocked[nodes_out[i, m]] = False
            for j in range(blocked_starts[i], blocked_starts[i + 1]):
                blocked[blocked_nodes[j]] = False
            if left and reject[last] and honour_reject:
                continue  # the order is rejected: nothing is committed
            for m in range(placed):
                node = nodes_out[i, m]
                for line in range(lines):
                    units = takes_out[start + line, m]
                    if units:
                        free[rows[start + line], node] -= units
                used[node] += 1
