# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False
"""Returned lines routed in a batch, compiled: the rule of docs/returns.md for many
lines in one call (`engine.return_batch` packs them; `engine.return_router` routes one
return at a time with the same rule, and is what explains).

Each line tries the slots of its chain in turn (a slot: one step of its strategy chain,
with the candidates of that step for that line: `send to` ∧ accepts returns ∧ online,
packed as a row of `masks`; -1 when the step has no disposition for the line). A
candidate must also lie within the step's `within` (a half-chord limit). The first
slot with a candidate takes the whole line, at the best candidate by the step's rank
keys in turn, ties by node index (node id order). When the disposition is restock,
the line's units count as inbound at that node for the lines after it: `need` is
max(0, target − free − inbound), and `position` holds free + inbound per SKU row of
`target` (restocked units becoming stock move from inbound to free and leave the sum
unchanged, so no arrival needs applying here).

The arithmetic is that of `engine.geo` and `engine.return_router` (sqrt and libm's
asin in the same order, built without floating-point contraction): distances and
costs are bit-identical to the one-return path.
"""

from libc.math cimport asin, sqrt
from libc.stdint cimport int8_t, int64_t, uint8_t

# Rank key codes (`engine.return_batch.KEY_CODES`): a COLUMN key reads a row of `cols`
# already oriented so that smaller is preferred; END ends a step's keys.
cdef enum Key:
    K_END = -1
    K_DISTANCE = 0
    K_COST = 1
    K_NEED = 2
    K_COLUMN = 3

cdef enum:
    MAX_KEYS = 16

cdef double _DIAMETER = 2.0 * 6371.0

DISTANCE = K_DISTANCE
COST = K_COST
NEED = K_NEED
COLUMN = K_COLUMN
END = K_END
KEYS = MAX_KEYS


cdef inline double _km(double half) noexcept nogil:
    if half > 1.0:
        half = 1.0
    return _DIAMETER * asin(half)


cdef inline double _value(int8_t kind, bint descending, Py_ssize_t node, double km,
                          const double[::1] base, const double[::1] per_km,
                          const double[::1] return_cost, int64_t qty, Py_ssize_t need_row,
                          const int64_t[:, ::1] target, const int64_t[:, ::1] position,
                          Py_ssize_t col, const double[:, ::1] cols) noexcept nogil:
    """A candidate's value for one rank key (smaller preferred)."""
    cdef double value
    cdef int64_t need
    if kind == K_COLUMN:
        return cols[col, node]
    if kind == K_DISTANCE:
        value = km
    elif kind == K_COST:
        value = base[node] + per_km[node] * km + return_cost[node] * <double>qty
    else:
        need = 0
        if need_row >= 0:
            need = target[need_row, node] - position[need_row, node]
            if need < 0:
                need = 0
        value = <double>need
    return -value if descending else value


def route_lines(
    const double[::1] x, const double[::1] y, const double[::1] z,
    const double[::1] base, const double[::1] per_km, const double[::1] return_cost,
    const double[:, ::1] origins, const int64_t[::1] qty, const int64_t[::1] need_rows,
    const int64_t[::1] slot_starts, const int64_t[::1] slot_steps,
    const int64_t[::1] slot_masks, const uint8_t[::1] slot_restock,
    const int64_t[:, ::1] slot_cols, const uint8_t[:, ::1] masks,
    const double[:, ::1] cols, const double[::1] limits, const int8_t[:, ::1] kinds,
    const uint8_t[:, ::1] descending, const int64_t[:, ::1] target,
    int64_t[:, ::1] position, int64_t[::1] chosen_node, int64_t[::1] chosen_slot,
    double[::1] chosen_km, double[::1] chosen_cost,
):
    """Route every line (see the module doc). Per line: `origins` its start's unit
    vector, `qty`, `need_rows` its SKU's row of `target`/`position` (-1: no target),
    its slots `slot_starts[i]:slot_starts[i+1]`. Per slot: `slot_steps` (row of
    `limits`, `kinds`, `descending`), `slot_masks` (row of `masks`, -1: the step
    cannot take the line), `slot_restock`, `slot_cols` (row of `cols` per COLUMN
    key). Writes per line the node (-1: none), the slot that took it (-1), the leg's
    km and cost (return_cost × units included)."""
    cdef Py_ssize_t lines = qty.shape[0], nodes = x.shape[0]
    cdef Py_ssize_t i, slot, node, best, k, step, mask, row
    cdef double ox, oy, oz, dx, dy, dz, half, limit, best_half
    cdef double values[MAX_KEYS]
    cdef double best_values[MAX_KEYS]
    cdef double value
    cdef int keys
    cdef int better
    with nogil:
        for i in range(lines):
            chosen_node[i] = -1
            chosen_slot[i] = -1
            ox = origins[i, 0]
            oy = origins[i, 1]
            oz = origins[i, 2]
            row = need_rows[i]
            for slot in range(slot_starts[i], slot_starts[i + 1]):
                mask = slot_masks[slot]
                if mask < 0:
                    continue
                step = slot_steps[slot]
                limit = limits[step]
                keys = 0
                while keys < MAX_KEYS and kinds[step, keys] != K_END:
                    keys += 1
                best = -1
                best_half = 0.0
                for node in range(nodes):
                    if not masks[mask, node]:
                        continue
                    dx = x[node] - ox
                    dy = y[node] - oy
                    dz = z[node] - oz
                    half = sqrt(dx * dx + dy * dy + dz * dz) * 0.5
                    if not half <= limit:
                        continue
                    for k in range(keys):
                        values[k] = _value(kinds[step, k], descending[step, k], node,
                                           _km(half), base, per_km, return_cost, qty[i],
                                           row, target, position, slot_cols[slot, k], cols)
                    better = best < 0
                    k = 0
                    while not better and k < keys:
                        if values[k] < best_values[k]:
                            better = 1
                        elif values[k] > best_values[k]:
                            break
                        k += 1
                    if better:
                        best = node
                        best_half = half
                        for k in range(keys):
                            best_values[k] = values[k]
                if best >= 0:
                    chosen_node[i] = best
                    chosen_slot[i] = slot
                    chosen_km[i] = _km(best_half)
                    chosen_cost[i] = (base[best] + per_km[best] * chosen_km[i]
                                      + return_cost[best] * <double>qty[i])
                    if slot_restock[slot] and row >= 0:
                        position[row, best] += qty[i]
                    break
