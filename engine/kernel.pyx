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
  `stores` the collect store of a collect order (-1: none);
* per order and chain position `j`: the table rows of `source from`, `keep` (-1 for
  none) and node-valued rank keys;
* strategies: `following` (`otherwise use`, -1 for none), `split`, `limits` (`within`
  as a half-chord, +inf for none), `reject` (`on shortage reject`), rank keys as
  `kinds`/`descending` codes, and `store_first` (`transfer from`: a collect store with
  part of what remains takes it before any other node ships).

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
    K_SHIPMENTS, K_DISTANCE, K_COST, K_STOCK, K_LOAD, K_COLUMN, K_ETA

cdef enum Why:
    # trace: why a node was not a candidate of a step, in clause order
    W_CANDIDATE, W_SOURCE, W_WITHIN, W_OFFLINE, W_CAPACITY, W_SHIPPED, W_KEEP, W_STOCK,
    W_CARRIER

cdef enum Phase:
    # trace: what a step tried — nothing (no candidate or no shipment left under the
    # split limit), one parcel, the greedy split, or `split none` with no node able to
    # ship every remaining line
    P_NONE, P_WHOLE, P_GREEDY, P_SINGLE

SHIPMENTS, DISTANCE, COST, STOCK, LOAD, COLUMN, ETA = (
    K_SHIPMENTS, K_DISTANCE, K_COST, K_STOCK, K_LOAD, K_COLUMN, K_ETA
)
"""Rank key codes (see `Key`)."""
CANDIDATE, BY_SOURCE, BY_WITHIN, BY_OFFLINE, BY_CAPACITY, BY_SHIPPED, BY_KEEP, BY_STOCK = (
    W_CANDIDATE, W_SOURCE, W_WITHIN, W_OFFLINE, W_CAPACITY, W_SHIPPED, W_KEEP, W_STOCK
)
BY_CARRIER = W_CARRIER
"""Trace codes of a node (see `Why`)."""
CARRIER_COST, CARRIER_ETA, CARRIER_CO2 = 0, 1, 2
"""`carrier by` key codes (`Promise.by`)."""
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


cdef struct Promise:
    # the delivery promise (docs/routing.md, "Carriers while routing"): the block's day
    # tables, the carrier services, the parcels counted, and what the order and the
    # strategy step at hand read; NULL in a Step when routing has no carriers table
    int64_t day0           # the block's local day (day number)
    Py_ssize_t nodes
    Py_ssize_t services
    bint distance          # no carriers table: `deliver` and `eta` read the distance eta
    const double* handling # per node (the distance eta of kpis.md)
    const int32_t* pick    # [2 × nodes]: pick day − day0 (before / from the cut-off), -1 none
    const int32_t* ship    # [2 × nodes × services]: ship day − day0, -1 none
    const int32_t* deliver # [2 × nodes × services]: delivery day − day0, -1 none
    const int64_t* cutoff  # per node, minutes after midnight
    const uint8_t* type_ok # [nodes × services]: the service collects from the node's type
    const double* max_weight
    const double* max_km
    const double* cost_base
    const double* per_kg
    const double* per_km
    const double* co2
    const int64_t* cap     # daily_parcels per service (-1: none)
    const int64_t* name_rank  # per service: its place by carrier then service name
    int32_t* counts        # parcels collected [nodes × counted × ring] by ship day
    const int64_t* counted # per service: its row of counts (-1: no daily_parcels)
    Py_ssize_t rows        # services counted
    int64_t* slot_day      # the day each ring slot counts (-1: none yet)
    Py_ssize_t ring
    # the order at hand
    int64_t minute         # its local time, minutes after midnight
    const uint8_t* served  # per service: delivers to the order's country
    # the strategy step at hand
    const uint8_t* ship_ok # [nodes × services]: `ship with` holds
    int64_t deadline       # latest delivery day − day0 (`deliver`; a large value: none)
    const int64_t* by      # `carrier by` codes, ending at the first negative
    double weight          # kg of the lines still to place when the step starts
    double* reach          # per node: earliest delivery − day0 (-1: no eligible service)
    double* fee            # per node: the price of the service `carrier by` picks
    int64_t* stamp         # per node: the step `reach` and `fee` were worked out for
    int64_t step


cdef inline int64_t _parcels(Promise* p, Py_ssize_t node, Py_ssize_t service,
                             int64_t day) noexcept nogil:
    """Parcels the service already collects from the node on `day` (a day number)."""
    cdef Py_ssize_t slot = day % p.ring
    cdef int64_t row = p.counted[service]
    if row < 0 or p.slot_day[slot] != day:
        return 0
    return p.counts[(node * p.rows + row) * p.ring + slot]


cdef void _count_parcel(Promise* p, Py_ssize_t node, Py_ssize_t service,
                        int64_t day) noexcept nogil:
    """One more parcel collected (for a service with `daily_parcels`); a ring slot last
    used for another day starts again."""
    cdef Py_ssize_t slot = day % p.ring
    cdef Py_ssize_t n, c
    cdef int64_t row = p.counted[service]
    if row < 0:
        return
    if p.slot_day[slot] != day:
        for n in range(p.nodes):
            for c in range(p.rows):
                p.counts[(n * p.rows + c) * p.ring + slot] = 0
        p.slot_day[slot] = day
    p.counts[(node * p.rows + row) * p.ring + slot] += 1


cdef inline Py_ssize_t _late(Promise* p, Py_ssize_t node) noexcept nogil:
    """1 when the order came at or after the node's cut-off (picked a later day)."""
    return 0 if p.minute < p.cutoff[node] else 1


cdef inline double _price(Promise* p, Py_ssize_t service, double weight,
                          double km) noexcept nogil:
    """The carrier price of a parcel (promise.md step 5, without the picking)."""
    return p.cost_base[service] + p.per_kg[service] * weight + p.per_km[service] * km


cdef int32_t _eligible(Promise* p, Py_ssize_t node, Py_ssize_t service, double weight,
                       double km, bint counting) noexcept nogil:
    """The delivery day (− day0) when the service may carry the parcel from the node for
    the step at hand, else -1 (promise.md step 6, `ship with` and `deliver`);
    `counting` False ignores `daily_parcels` (what would have been chosen)."""
    cdef Py_ssize_t cell = node * p.services + service
    cdef Py_ssize_t at = (_late(p, node) * p.nodes + node) * p.services + service
    cdef int32_t day
    if not p.served[service] or not p.type_ok[cell] or not p.ship_ok[cell]:
        return -1
    if weight > p.max_weight[service] or km > p.max_km[service]:
        return -1
    day = p.deliver[at]
    if day < 0 or day > p.deadline:
        return -1
    if counting and p.cap[service] >= 0:
        if _parcels(p, node, service, p.day0 + p.ship[at]) >= p.cap[service]:
            return -1
    return day


cdef bint _prefer(Promise* p, Py_ssize_t a, int32_t day_a, Py_ssize_t b, int32_t day_b,
                  double weight, double km) noexcept nogil:
    """Whether service `a` comes before `b` by `carrier by` (then carrier, service)."""
    cdef Py_ssize_t k
    cdef double va, vb
    for k in range(3):
        if p.by[k] < 0:
            break
        if p.by[k] == 1:
            va, vb = day_a, day_b
        elif p.by[k] == 2:
            va, vb = p.co2[a] * km, p.co2[b] * km
        else:
            va, vb = _price(p, a, weight, km), _price(p, b, weight, km)
        if va < vb:
            return True
        if vb < va:
            return False
    return p.name_rank[a] < p.name_rank[b]


cdef Py_ssize_t _choose(Promise* p, Py_ssize_t node, double weight, double km,
                        bint counting, double* earliest) noexcept nogil:
    """The service `carrier by` picks for a parcel from the node (-1: none eligible);
    `earliest` receives the earliest delivery day (− day0) of any eligible service."""
    cdef Py_ssize_t service, best = -1
    cdef int32_t day, best_day = -1
    earliest[0] = -1.0
    for service in range(p.services):
        day = _eligible(p, node, service, weight, km, counting)
        if day < 0:
            continue
        if earliest[0] < 0 or day < earliest[0]:
            earliest[0] = day
        if best < 0 or _prefer(p, service, day, best, best_day, weight, km):
            best, best_day = service, day
    return best


cdef inline bint _reachable(Promise* p, Py_ssize_t node, double half) noexcept nogil:
    """Whether an eligible service can carry the step's parcel from the node; works out
    (once per step) the node's `reach` (rank key `eta`) and `fee` (rank key `cost`).
    Without carriers: whether the distance eta is within the step's `deliver`."""
    cdef double earliest
    cdef Py_ssize_t best
    if p == NULL:
        return True
    if p.distance:
        p.reach[node] = _eta(p.handling[node], _km(half))
        return p.reach[node] <= <double>p.deadline
    if p.stamp[node] != p.step:
        best = _choose(p, node, p.weight, _km(half), True, &earliest)
        p.reach[node] = earliest
        p.fee[node] = _price(p, best, p.weight, _km(half)) if best >= 0 else INFINITY
        p.stamp[node] = p.step
    return p.reach[node] >= 0


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
    Promise* promise       # NULL: no carriers table


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
        if s.promise != NULL and not s.promise.distance:  # picking and the carrier price
            value = net.pick[node] * <double>units + s.promise.fee[node]
        else:
            value = _cost(net.pick[node], net.base[node], net.per_km[node], units,
                          _km(s.half[node]))
    elif kind == K_ETA:  # the earliest delivery an eligible service gives
        value = s.promise.reach[node] if s.promise != NULL else 0.0
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


cdef inline bint _open(Step* s, Network* net, const uint8_t* offline, double limit,
                       uint8_t* blocked, Py_ssize_t node) noexcept nogil:
    """Whether the step may ship from `node` at all (before looking at its stock)."""
    return (s.source[node] and not blocked[node] and not offline[node]
            and s.half[node] <= limit and net.used[node] < net.capacity[node])


cdef bint _store_first(Step* s, Network* net, const uint8_t* offline, double limit,
                       uint8_t* blocked, Py_ssize_t store) noexcept nogil:
    """`transfer from`'s store-first rule: the collect store (`store`, -1: none) is a
    candidate with something for a remaining line but cannot fill them all, so the step
    skips the one-parcel rule and the store, ranked first, takes what it has."""
    cdef Py_ssize_t line
    cdef bint some = False, every = True
    if store < 0 or not _open(s, net, offline, limit, blocked, store):
        return False
    for line in range(s.lines):
        if s.need[line] > 0:
            if _available(s, line, store, net.nodes) > 0:
                some = True
            if _available(s, line, store, net.nodes) < s.need[line]:
                every = False
    return some and not every and _reachable(s.promise, store, s.half[store])


cdef Py_ssize_t _step(Step* s, Network* net, const uint8_t* offline, double limit,
                      int64_t budget, int64_t split, uint8_t* blocked, int64_t* nodes_out,
                      int64_t* takes, Py_ssize_t width, Py_ssize_t placed, uint8_t* limited,
                      Scratch* scratch, bint* one_parcel, Py_ssize_t store,
                      Trace* trace) noexcept nogil:
    """One strategy of an order's chain: writes its shipments at `placed` onwards and
    returns how many it made; `one_parcel` tells whether one node took everything.
    `store` is the collect store when the strategy has `transfer from` (-1: none)."""
    cdef Py_ssize_t nodes = net.nodes
    cdef Py_ssize_t node, line, c, count, found, made
    cdef int64_t units, take, budget_whole
    cdef bint fits, remaining
    cdef int64_t* sub = scratch.sub
    cdef int64_t* cand = scratch.cand
    cdef uint8_t* closed = scratch.closed
    one_parcel[0] = False
    if trace != NULL:
        _trace_candidates(s, net, offline, limit, blocked, scratch, trace)
    if split >= 2 and _store_first(s, net, offline, limit, blocked, store):
        budget_whole = 0
    else:
        budget_whole = budget
    if budget_whole > 0:  # one parcel from the best node that can ship everything
        count = 0
        for node in range(nodes):
            if not _open(s, net, offline, limit, blocked, node):
                continue
            fits = True
            for line in range(s.lines):
                if (s.need[line] > 0
                        and s.free[s.rows[line] * nodes + node] < s.need[line] + s.keep[node]):
                    fits = False
                    break
            if fits and _reachable(s.promise, node, s.half[node]):
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
        if not _open(s, net, offline, limit, blocked, node):
            continue
        for line in range(s.lines):
            if s.need[line] > 0 and s.free[s.rows[line] * nodes + node] > s.keep[node]:
                if _reachable(s.promise, node, s.half[node]):
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
                if not _reachable(s.promise, node, s.half[node]):
                    code = W_CARRIER
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


cdef void _promise_step(Promise* p, Py_ssize_t order, Py_ssize_t position,
                        int64_t strategy, const uint8_t* ship_oks, Py_ssize_t cells,
                        const int64_t* ship_ok_of, Py_ssize_t depth,
                        const int64_t* deadline, const int64_t* by, Py_ssize_t by_width,
                        const int64_t* need, const double* line_weight,
                        Py_ssize_t lines) noexcept nogil:
    """Point the promise at a strategy step: its `ship with`, `deliver` and `carrier
    by`, and (with `need`) the weight still to place; a new step forgets every node's
    `reach` and `fee`."""
    cdef Py_ssize_t line
    p.ship_ok = &ship_oks[ship_ok_of[order * depth + position] * cells]
    p.deadline = deadline[order * depth + position]
    p.by = &by[strategy * by_width]
    p.step += 1
    if need != NULL:
        p.weight = 0.0
        for line in range(lines):
            p.weight += <double>need[line] * line_weight[line]


def route_block(stock, network, orders, strategies, tables, out, trace=None,
                bint honour_reject=True, arrivals=None, promise=None, bint commit=True):
    """Route the block's orders in turn and commit each (see the module doc).

    stock = (free, used, capacity, offline); network = node columns (x, y, z of the unit
    vectors, pick, base, per_km, handling); orders = (starts, rows, qty, points, first,
    prior, blocked_starts, blocked_nodes, stores: the collect store's node, -1 for none);
    strategies = (following, split, limits, reject, kinds, descending, store_first:
    `transfer from`); tables = (source_of, masks, keep_of, keeps, column_of, cols).
    Per order `i`, `out` receives: strategies tried, shipments made (node, strategy,
    units per line in `takes[line, m]`, and km, cost, eta), units left per line, and
    whether a line was short because of a split limit rather than stock. `trace` (one
    order only) is `engine.trace.Trace.arrays()`, filled per chain position. `arrivals`
    = (starts, rows, nodes, qty): the stock that arrives before order `i` is routed,
    `starts[i]:starts[i+1]` of the other arrays (units added to `free`; a replay decides
    which arrive when). Re-routes pass `honour_reject=False`:
    what they place is committed whatever the last strategy's `on shortage`.
    `commit=False` routes without taking anything (a promise asked before checkout).

    `promise` (a carriers table: docs/routing.md, "Carriers while routing") = (calendar,
    services, counting, per_order, promise_out), packed by `engine.delivery`:
    calendar = (day0, services, distance, pick, ship, deliver, cutoff, type_ok) (distance:
    no carriers table, `deliver` and `eta` read the distance eta); services = (max_weight,
    max_km, cost_base, per_kg, per_km, co2, cap, name_rank); counting = (counts,
    counted, slot_day); per_order = (minute, served_of, served, ship_ok_of, ship_oks, deadline,
    by, line_weight); promise_out = (service, days, co2, capped) per order and shipment.
    A node is then a candidate of a step only when an eligible service can carry what
    the step still has to place; each shipment gets the service `carrier by` picks for
    its own weight, and its cost and eta become the carrier's."""
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
    cdef const int64_t[::1] stores = orders[8]
    cdef const int64_t[::1] following = strategies[0], split = strategies[1]
    cdef const double[::1] limits = strategies[2]
    cdef const uint8_t[::1] reject = strategies[3]
    cdef const int64_t[:, ::1] kinds = strategies[4]
    cdef const uint8_t[:, ::1] descending = strategies[5]
    cdef const uint8_t[::1] store_first = strategies[6]
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
    # the delivery promise, when asked for
    cdef bint promising = promise is not None
    cdef Promise prom
    cdef const int32_t[:, ::1] p_pick
    cdef const int32_t[:, :, ::1] p_ship, p_deliver
    cdef const int64_t[::1] p_cutoff, p_cap, p_name_rank, p_minute, p_served_of
    cdef const uint8_t[:, ::1] p_type_ok, p_served, p_ship_oks
    cdef const double[::1] p_max_weight, p_max_km, p_cost_base, p_per_kg, p_per_km, p_co2
    cdef const double[::1] p_line_weight
    cdef int32_t[:, :, ::1] p_counts
    cdef const int64_t[::1] p_counted
    cdef int64_t[::1] p_slot_day
    cdef const int64_t[:, ::1] p_ship_ok_of, p_deadline, p_by
    cdef int64_t[:, ::1] o_service
    cdef int64_t[:, :, ::1] o_days
    cdef double[:, ::1] o_co2
    cdef uint8_t[:, ::1] o_capped
    cdef double[::1] p_reach = np.empty(room, np.float64), p_fee = np.empty(room, np.float64)
    cdef int64_t[::1] p_stamp = np.full(room, -1, np.int64)
    cdef int64_t[::1] ship_position = np.zeros(max(width, 1), np.int64)
    cdef Py_ssize_t service, ignoring, at
    cdef double weight, earliest, km
    prom.step = 0
    if promising:
        calendar, services, counting, per_order, promise_out = promise
        p_pick, p_ship, p_deliver, p_cutoff, p_type_ok = calendar[3:]
        p_max_weight, p_max_km, p_cost_base, p_per_kg, p_per_km, p_co2, p_cap, \
            p_name_rank = services
        p_counts, p_counted, p_slot_day = counting
        p_minute, p_served_of, p_served, p_ship_ok_of, p_ship_oks, p_deadline, p_by, \
            p_line_weight = per_order
        o_service, o_days, o_co2, o_capped = promise_out
        prom.day0 = calendar[0]
        prom.nodes = nodes
        prom.services = calendar[1]
        prom.distance = calendar[2]
        prom.pick = &p_pick[0, 0]
        prom.ship = &p_ship[0, 0, 0]
        prom.deliver = &p_deliver[0, 0, 0]
        prom.cutoff = &p_cutoff[0]
        prom.type_ok = &p_type_ok[0, 0]
        prom.max_weight = &p_max_weight[0]
        prom.max_km = &p_max_km[0]
        prom.cost_base = &p_cost_base[0]
        prom.per_kg = &p_per_kg[0]
        prom.per_km = &p_per_km[0]
        prom.co2 = &p_co2[0]
        prom.cap = &p_cap[0]
        prom.name_rank = &p_name_rank[0]
        prom.counts = &p_counts[0, 0, 0]
        prom.counted = &p_counted[0]
        prom.rows = p_counts.shape[1]
        prom.slot_day = &p_slot_day[0]
        prom.ring = p_slot_day.shape[0]
        prom.handling = &handling[0]
        prom.reach = &p_reach[0]
        prom.fee = &p_fee[0]
        prom.stamp = &p_stamp[0]
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
            step.promise = &prom if promising else NULL
            if promising:
                prom.minute = p_minute[i]
                prom.served = &p_served[p_served_of[i], 0]
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
                if promising:
                    _promise_step(&prom, i, tried, strategy, &p_ship_oks[0, 0],
                                  p_ship_oks.shape[1], &p_ship_ok_of[0, 0], depth,
                                  &p_deadline[0, 0], &p_by[0, 0], p_by.shape[1],
                                  &need_line[0], &p_line_weight[start] if lines else NULL,
                                  lines)
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
                    &limited_out[start], &scratch, &whole,
                    stores[i] if store_first[strategy] else -1, &tr if tracing else NULL,
                )
                for m in range(placed, placed + made):
                    strategy_out[i, m] = strategy
                    ship_position[m] = tried
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
                if promising and not prom.distance:  # its carrier, for its own weight
                    strategy = strategy_out[i, m]
                    weight = 0.0
                    for line in range(lines):
                        weight += <double>takes_out[start + line, m] * p_line_weight[start + line]
                    _promise_step(&prom, i, ship_position[m], strategy, &p_ship_oks[0, 0],
                                  p_ship_oks.shape[1], &p_ship_ok_of[0, 0], depth,
                                  &p_deadline[0, 0], &p_by[0, 0], p_by.shape[1],
                                  NULL, NULL, 0)
                    km = figures[i, m, 0]
                    service = _choose(&prom, node, weight, km, True, &earliest)
                    ignoring = _choose(&prom, node, weight, km, False, &earliest)
                    o_service[i, m] = service
                    o_capped[i, m] = ignoring >= 0 and ignoring != service
                    if service >= 0:
                        at = (_late(&prom, node) * nodes + node) * prom.services + service
                        o_days[i, m, 0] = prom.day0 + prom.pick[_late(&prom, node) * nodes + node]
                        o_days[i, m, 1] = prom.day0 + prom.ship[at]
                        o_days[i, m, 2] = prom.day0 + prom.deliver[at]
                        o_co2[i, m] = prom.co2[service] * km
                        figures[i, m, 1] = pick[node] * <double>units + _price(
                            &prom, service, weight, km)
                        figures[i, m, 2] = <double>prom.deliver[at]
            for m in range(placed):
                blocked[nodes_out[i, m]] = False
            for j in range(blocked_starts[i], blocked_starts[i + 1]):
                blocked[blocked_nodes[j]] = False
            if left and reject[last] and honour_reject:
                continue  # the order is rejected: nothing is committed
            if not commit:
                continue  # a promise only: nothing is taken
            for m in range(placed):
                node = nodes_out[i, m]
                for line in range(lines):
                    units = takes_out[start + line, m]
                    if units:
                        free[rows[start + line], node] -= units
                used[node] += 1
                if promising and o_service[i, m] >= 0:
                    _count_parcel(&prom, node, o_service[i, m], o_days[i, m, 1])
