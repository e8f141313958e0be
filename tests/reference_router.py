"""A second router, written plainly from language.md and docs/routing.md:
dicts and loops over every node, the syntax tree interpreted as it stands, no
numpy and nothing precomputed. It is slow on purpose and exists only so that
tests can require the engine to decide exactly as it does.

It shares nothing with the engine but the data classes of a Decision (so that
both serialise through the same `to_json`) and the Order/Line containers.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import replace
from zoneinfo import ZoneInfo

from reference_carrying import weight_of

from dsl import syntax as s
from engine.decision import Decision, Shipment, ShipmentLine, Transfer, Unfilled
from engine.model import Order

NO_STRATEGY = "no strategy applies"
NO_DESTINATION = "the order has no destination (dest_lat, dest_lon)"
NO_STOCK = "no candidate with stock"
SPLIT_LIMIT = "split limit reached"
REJECTED_WITH_ORDER = "order rejected: other lines are short"


# ------------------------------------------------------------------ values


def kind(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, tuple):
        return "list"
    if isinstance(value, dt.datetime):
        return "time"
    return "other"


def same(a, b):
    return a is not None and b is not None and kind(a) == kind(b) and a == b


def apply(op, a, b):
    if op == "==":
        return same(a, b)
    if op == "!=":
        return not same(a, b)
    if op == "in":
        return isinstance(b, tuple) and any(same(a, x) for x in b)
    if op == "not in":
        return not (isinstance(b, tuple) and any(same(a, x) for x in b))
    if op == "has":
        if not isinstance(a, tuple):
            return False
        wanted = b if isinstance(b, tuple) else (b,)
        return any(same(x, w) for x in a for w in wanted)
    if kind(a) not in ("number", "text", "time") or kind(a) != kind(b):
        return False
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


class Reader:
    """Reads field values for one (order, line, node) in the ruleset's zone."""

    def __init__(self, tz):
        self.tz = tz
        self.carrier = {}
        """The carrier service `carrier.*` reads (tests/reference_carrying.py)."""

    def field(self, path, order, line, node):
        root, name = path.split(".", 1)
        if root == "carrier":
            return self.carrier.get(name)
        if root == "node":
            return node["id"] if name == "id" else node.get(name)
        if root == "line":
            return line.fields.get(name)
        if name == "id":
            return order.id
        if name == "created_at":
            value = order.created_at
        elif name in order.fields:
            value = order.fields[name]
        elif name == "value":
            value = sum(x.qty * (x.fields.get("unit_price") or 0.0) for x in order.lines)
        elif name == "lines":
            value = len(order.lines)
        elif name == "units":
            value = sum(x.qty for x in order.lines)
        else:
            value = order.lines[0].fields.get(name)
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=self.tz)
        return value

    def value(self, expr, order, line, node):
        if isinstance(expr, s.FieldRef):
            return self.field(expr.path, order, line, node)
        if isinstance(expr, s.Text | s.Number | s.Boolean):
            return expr.value
        if isinstance(expr, s.Moment):
            local = dt.datetime.combine(expr.day, expr.minute or dt.time(0, 0), tzinfo=self.tz)
            return local.astimezone(dt.UTC)
        if isinstance(expr, s.ListOf):
            return tuple(self.value(x, order, line, node) for x in expr.items)
        return self.holds(expr, order, line, node)

    def holds(self, expr, order, line, node):
        mentions_line = any(isinstance(e, s.FieldRef) and e.root == "line" for e in s.walk(expr))
        if mentions_line and isinstance(expr, s.Compare | s.FieldRef) and line is None:
            return any(self.holds(expr, order, each, node) for each in order.lines)
        if isinstance(expr, s.AllOf):
            return all(self.holds(x, order, line, node) for x in expr.items)
        if isinstance(expr, s.AnyOf):
            return any(self.holds(x, order, line, node) for x in expr.items)
        if isinstance(expr, s.Not):
            return not self.holds(expr.operand, order, line, node)
        if isinstance(expr, s.Boolean):
            return expr.value
        if isinstance(expr, s.FieldRef):
            return self.field(expr.path, order, line, node) is True
        left = self.value(expr.left, order, line, node)
        right = self.value(expr.right, order, line, node)
        return apply(expr.op, left, right)


# ---------------------------------------------------------------- geometry


def distance_km(lat1, lon1, lat2, lon2):
    """Haversine on R = 6371 km, with a = chord² / 4 from unit vectors."""

    def unit(lat, lon):
        phi, lam = math.radians(lat), math.radians(lon)
        return (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))

    a, b = unit(lat1, lon1), unit(lat2, lon2)
    dx, dy, dz = a[0] - b[0], a[1] - b[1], a[2] - b[2]
    half_chord = math.sqrt(dx * dx + dy * dy + dz * dz) * 0.5
    return (2.0 * 6371.0) * math.asin(min(1.0, half_chord))


# ------------------------------------------------------------------ router


def in_force(strategy, instant, tz):
    if not strategy.effective:
        return True
    for window in strategy.effective:
        start = end = None
        if window.start is not None:
            start = dt.datetime.combine(
                window.start.day, window.start.minute or dt.time(0, 0), tzinfo=tz
            ).astimezone(dt.UTC)
        if window.end is not None:
            if window.end.minute is None:
                end = dt.datetime.combine(
                    window.end.day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=tz
                ).astimezone(dt.UTC)
            else:
                end = dt.datetime.combine(window.end.day, window.end.minute, tzinfo=tz).astimezone(
                    dt.UTC
                ) + dt.timedelta(minutes=1)
        if (start is None or start <= instant) and (end is None or instant < end):
            return True
    return False


def route_all(
    ruleset: s.Ruleset, nodes: list[dict], stock: dict, orders: list, carrying=None
) -> list[Decision]:
    """Route `orders` in time order against `nodes` (dicts of node fields) and
    `stock` ({(node_id, sku): on_hand}), with carriers when `carrying` (a
    reference_carrying.RefCarrying) is given; return the decisions in routing order."""
    tz = ZoneInfo(ruleset.timezone or "UTC")
    reader = Reader(tz)
    strategies = sorted(
        enumerate(ruleset.strategies),
        key=lambda pair: (100 if pair[1].priority is None else pair[1].priority, pair[0]),
    )
    strategies = [st for _, st in strategies]
    by_id = {st.id: st for st in ruleset.strategies}
    nodes = sorted(nodes, key=lambda n: n["id"])
    node_by_id = {n["id"]: n for n in nodes}
    free = dict(stock)
    shipped_on = {}

    def instant_of(order):
        t = order.created_at
        if t.tzinfo is None:
            t = t.replace(tzinfo=tz)
        return t.astimezone(dt.UTC)

    queue = sorted(enumerate(orders), key=lambda p: (instant_of(p[1]), p[1].id, p[0]))
    decisions = []
    grouping = any(st.lines_where is not None for st in strategies)
    for _, order in queue:
        instant = instant_of(order)
        groups = (
            line_groups(order, instant, tz, reader, strategies) if grouping else [(None, order)]
        )
        parts = []
        for primary, part in groups:
            state = State()
            state.carrying = carrying
            decision, commits = route_one(
                part, instant, tz, reader, strategies, by_id, nodes, node_by_id, free,
                shipped_on, state, primary=primary, grouped=grouping,
            )  # fmt: skip
            for key, qty in commits["stock"]:
                free[key] = free.get(key, 0) - qty
            for key in commits["capacity"]:
                shipped_on[key] = shipped_on.get(key, 0) + 1
            for key in commits.get("parcels", []):
                carrying.count(*key)
            parts.append(decision)
        decisions.append(put_together(parts))
    return decisions


def line_groups(order, instant, tz, reader, strategies):
    """`lines where`: each line goes to the first strategy tried that is in force, whose
    `when` holds for the order and whose `lines where` holds for that line; one order
    per group, in order of first appearance."""
    groups = {}
    for line in order.lines:
        taken = None
        for strategy in strategies:
            if not in_force(strategy, instant, tz):
                continue
            if strategy.when is not None and not reader.holds(strategy.when, order, None, None):
                continue
            if strategy.lines_where is None or reader.holds(
                strategy.lines_where, order, line, None
            ):
                taken = strategy
                break
        key = None if taken is None else taken.id
        groups.setdefault(key, (taken, []))[1].append(line)
    return [
        (strategy, Order(order.id, order.created_at, tuple(lines), order.fields))
        for strategy, lines in groups.values()
    ]


def unfilled_by_sku(parts):
    """Every group's unfilled units, one entry per SKU with the first group's reason."""
    found = {}
    for part in parts:
        for item in part.unfilled:
            qty, reason = found.get(item.sku, (0, item.reason))
            found[item.sku] = (qty + item.qty, reason)
    return tuple(Unfilled(sku, qty, reason) for sku, (qty, reason) in found.items())


def put_together(parts):
    """The groups' decisions as the order's: chains in group order (each strategy once),
    every shipment and unfilled line; one status when they agree, else backordered,
    partial (something ships) or rejected."""
    if len(parts) == 1:
        return parts[0]
    statuses = {part.status for part in parts}
    shipments = tuple(x for part in parts for x in part.shipments)
    if len(statuses) == 1:
        status = parts[0].status
    elif "backordered" in statuses:
        status = "backordered"
    else:
        status = "partial" if shipments else "rejected"
    chain = []
    for part in parts:
        for strategy in part.strategies:
            if strategy not in chain:
                chain.append(strategy)
    return Decision(
        parts[0].order_id, status, tuple(chain), shipments,
        unfilled_by_sku(parts),
        reason=parts[0].reason if status == "unroutable" else None,
        carriers=parts[0].carriers,
        collect=any(part.collect for part in parts),
    )  # fmt: skip


def route_one(
    order, instant, tz, reader, strategies, by_id, nodes, node_by_id, free, shipped_on, state=None,
    primary=None, grouped=False,
):  # fmt: skip
    """Route one order; `state` (offline nodes, capacity changes) comes from events. A
    line group (`grouped`) comes with its strategy (`primary`, None: none applies)."""
    state = state or State()
    state.node_by_id = node_by_id
    state.instant = instant
    state.order = order
    state.reader = reader
    nothing = {"stock": [], "capacity": []}
    merged = {}
    for line in order.lines:
        merged[line.sku] = merged.get(line.sku, 0) + line.qty
    for strategy in strategies if not grouped else ():
        if in_force(strategy, instant, tz) and (
            strategy.when is None or reader.holds(strategy.when, order, None, None)
        ):
            primary = strategy
            break
    if primary is None:
        unfilled = tuple(Unfilled(k, q, NO_STRATEGY) for k, q in merged.items())
        decision = Decision(
            order.id, "unroutable", (), (), unfilled, reason=NO_STRATEGY,
            carriers=bool(state.carrying and state.carrying.services),
        )  # fmt: skip
        return decision, nothing
    destination = destination_of(order, node_by_id)
    if destination is None:
        unfilled = tuple(Unfilled(k, q, NO_DESTINATION) for k, q in merged.items())
        decision = Decision(
            order.id, "unroutable", (primary.id,), (), unfilled, reason=NO_DESTINATION,
            carriers=bool(state.carrying and state.carrying.services),
        )  # fmt: skip
        return decision, nothing
    day = instant.astimezone(tz).date()
    need, shipments, limited, chain = walk(
        order, primary, dict(merged), destination, day, reader, by_id, nodes, free, shipped_on,
        state,
    )  # fmt: skip
    return decide(order, merged, need, shipments, chain, limited, day, state)


class State:
    """What events change for routing: nodes offline, capacities changed (None: unlimited);
    and the carriers, the order and its instant when routing with carriers."""

    def __init__(self):
        self.offline = set()
        self.capacity = {}
        self.carrying = None
        self.node_by_id = None
        self.instant = None
        self.order = None
        self.reader = None

    def capacity_of(self, node):
        return self.capacity[node["id"]] if node["id"] in self.capacity else node.get("capacity")


def destination_of(order, node_by_id):
    lat, lon = order.fields.get("dest_lat"), order.fields.get("dest_lon")
    if lat is None or lon is None:
        collect = order.fields.get("collect_node")
        if collect not in node_by_id:
            return None
        lat, lon = node_by_id[collect]["lat"], node_by_id[collect]["lon"]
    return lat, lon


def walk(
    order, first, need, destination, day, reader, by_id, nodes, free, shipped_on, state,
    blocked=frozenset(), prior=0,
):  # fmt: skip
    """Place `need` ({sku: units}) down the chain from `first`; nodes in `blocked` may
    not ship and `prior` shipments already count toward each split limit. Returns what
    is left, the shipments made (node, {sku: qty}, km, strategy id), the SKUs short
    because of a split limit and the strategies reached."""
    shipments = []  # (node, {sku: qty}, distance, strategy id)
    limited = set()
    chain = []
    step = first
    while step is not None and any(need.values()):
        chain.append(step)
        split = 1 if step.split is None else step.split
        budget = split - prior - len(shipments)
        used_nodes = set(blocked) | {shipment[0]["id"] for shipment in shipments}
        candidates = [
            candidate
            for node in nodes
            if node["id"] not in used_nodes
            and (
                candidate := candidate_at(
                    node, step, need, order, destination, day, reader, free, shipped_on, state
                )
            )
            is not None
        ]
        chosen_here = []
        if budget > 0 and candidates:
            placed, need = place(
                candidates, step, split, budget, need, order, day, reader, shipped_on, state
            )
            shipments.extend((c["node"], take, c["km"], step.id) for c, take in placed)
            chosen_here = [c for c, _ in placed]
        for sku, qty in need.items():
            if qty > 0 and any(c["avail"][sku] > 0 for c in candidates if c not in chosen_here):
                limited.add(sku)
        step = by_id[step.otherwise] if step.otherwise is not None else None
    return need, shipments, limited, chain


def candidate_at(node, step, need, order, destination, day, reader, free, shipped_on, state):
    """The node as a candidate of `step` ({node, avail, km}), None when the step may not
    use it: outside `source`, offline, at capacity, nothing to give, beyond `within`."""
    if not sourced(step, order, node, reader):
        return None
    if node["id"] in state.offline:
        return None
    capacity = state.capacity_of(node)
    if capacity is not None and shipped_on.get((node["id"], day), 0) >= capacity:
        return None
    keep = 0
    for rule in step.keep:
        if reader.holds(rule.at, order, None, node):
            keep = max(keep, rule.units)
    avail = {sku: max(0, free.get((node["id"], sku), 0) - keep) for sku in need}
    if not any(avail[sku] > 0 for sku in need if need[sku] > 0):
        return None
    km = distance_km(node["lat"], node["lon"], *destination)
    if step.within_km is not None and km > step.within_km:
        return None
    candidate = {"node": node, "avail": avail, "km": km}
    carrying = state.carrying
    if carrying is not None and not carrying.services:  # `deliver` on the distance eta
        eta = (node.get("handling_days") or 0.0) + max(1, math.ceil(km / 500.0))
        local_day = state.instant.astimezone(reader.tz).date()
        deadline = carrying.deadline(step, order, local_day)
        if deadline is not None and eta > (deadline - local_day).days:
            return None
        candidate["reach"] = eta
    elif carrying is not None:  # an eligible service for what the step still has to place
        weight = weight_of(order, need)
        offers = carrying.offers(node, step, order, state.instant, weight, km, reader)
        if not offers:
            return None
        candidate["reach"] = min(offer.days for offer in offers)
        candidate["fee"] = carrying.best(offers, step).price
    return candidate


def is_collect(order):
    return order.fields.get("delivery") == "collect"


def at_store(order, node):
    """The node is the collect store of a collect order."""
    return is_collect(order) and node["id"] == order.fields.get("collect_node")


def sourced(step, order, node, reader):
    """`source from`, and with `transfer from` for a collect order: its store, or a node
    where both `source from` and `transfer from` hold (docs/routing.md)."""
    source = step.source is None or reader.holds(step.source, order, None, node)
    if step.transfer is None or not is_collect(order):
        return source
    return at_store(order, node) or (source and reader.holds(step.transfer, order, None, node))


def place(candidates, step, split, budget, need, order, day, reader, shipped_on, state):
    """The candidates `step` ships from, each with what it takes ([(candidate, {sku: qty})]),
    and what is left: one node with everything when one has it, else (when the step
    may split) the best node for what is left, again, within the budget. With `transfer
    from`, a collect store holding part of what is left (but not all) takes it first:
    no one-parcel choice when the step may split."""
    whole = [c for c in candidates if all(c["avail"][k] >= q for k, q in need.items())]
    store = [c for c in candidates if at_store(order, c["node"])]
    if step.transfer is not None and split >= 2 and store and store[0] not in whole:
        whole = []
    if whole:
        best = pick(whole, step, need, order, day, reader, shipped_on, state)
        return [(best, {k: q for k, q in need.items() if q > 0})], {k: 0 for k in need}
    chosen = []
    if split < 2:
        return chosen, need
    options = list(candidates)
    while len(chosen) < budget and any(need.values()):
        useful = [c for c in options if sum(min(c["avail"][k], q) for k, q in need.items()) > 0]
        if not useful:
            break
        best = pick(useful, step, need, order, day, reader, shipped_on, state)
        take = {k: min(best["avail"][k], q) for k, q in need.items()}
        take = {k: q for k, q in take.items() if q > 0}
        chosen.append((best, take))
        options.remove(best)
        need = {k: q - take.get(k, 0) for k, q in need.items()}
    return chosen, need


def pick(candidates, strategy, need, order, day, reader, shipped_on, state):
    """The best-ranked candidate: rank keys in turn, then node id."""
    keys = (
        strategy.rank
        if strategy.rank is not None
        else [
            s.RankKey(key=s.Name(name="shipments")),
            s.RankKey(key=s.Name(name="distance")),
        ]
    )

    def compare(a, b):
        if strategy.transfer is not None:  # the collect store first
            first_a, first_b = at_store(order, a["node"]), at_store(order, b["node"])
            if first_a != first_b:
                return -1 if first_a else 1
        for key in keys:
            va = rank_value(key.key, a, need, order, day, reader, shipped_on, state)
            vb = rank_value(key.key, b, need, order, day, reader, shipped_on, state)
            if va is None or vb is None:  # a missing node field sorts last
                if (va is None) != (vb is None):
                    return 1 if va is None else -1
                continue
            if va != vb:
                smaller = -1 if va < vb else 1
                return -smaller if key.direction == "desc" else smaller
        return -1 if a["node"]["id"] < b["node"]["id"] else 1

    return sorted(candidates, key=functools.cmp_to_key(compare))[0]


def rank_value(expr, candidate, need, order, day, reader, shipped_on, state):
    """What a rank key reads for a candidate (None: a node field the node lacks)."""
    node = candidate["node"]
    if isinstance(expr, s.Name):
        return metric(expr.name, candidate, need, day, shipped_on, state)
    if isinstance(expr, s.FieldRef):
        if expr.root != "node":
            return 0
        raw = node["id"] if expr.name == "id" else node.get(expr.name)
        if raw is None:
            return None
        order_of_kind = {"bool": 0, "number": 0, "text": 1, "list": 2, "time": 3}
        return (order_of_kind.get(kind(raw), 4), raw)
    if isinstance(expr, s.Compare | s.AllOf | s.AnyOf | s.Not):
        return 1 if reader.holds(expr, order, None, node) else 0
    return 0


def metric(name, candidate, need, day, shipped_on, state):
    """A rank metric for a candidate, as docs/routing.md defines each."""
    node, avail, km = candidate["node"], candidate["avail"], candidate["km"]
    if name == "shipments":
        return sum(1 for k, q in need.items() if q > 0 and avail[k] < q)
    if name == "distance":
        return km
    if name == "eta":
        return candidate["reach"]
    if name == "cost" and state.carrying is not None and state.carrying.services:
        units = sum(min(avail[k], q) for k, q in need.items())
        return (node.get("pick_cost") or 0.0) * units + candidate["fee"]
    if name == "cost":
        units = sum(min(avail[k], q) for k, q in need.items())
        return (
            (node.get("pick_cost") or 0.0) * units
            + (node.get("ship_cost_base") or 0.0)
            + (node.get("ship_cost_per_km") or 0.0) * km
        )
    if name == "stock":
        return sum(avail[k] for k, q in need.items() if q > 0)
    capacity = state.capacity_of(node)
    used = shipped_on.get((node["id"], day), 0)
    return 0.0 if capacity is None else used / capacity


def parcel(node, take, km, strategy, state=None, step=None):
    """A shipment with its figures (kpis.md): cost and eta; with carriers, the service
    `carrier by` picks for its own weight, and the carrier's price and promise."""
    lines = tuple(ShipmentLine(k, q) for k, q in take.items())
    units = sum(take.values())
    if state is not None and state.carrying is not None and state.carrying.services:
        weight = weight_of(state.order, take)
        found, price = state.carrying.carried(
            node, step, state.order, state.instant, weight, km, state.reader
        )
        carried, offer = found
        cost = (node.get("pick_cost") or 0.0) * units + price
        return Shipment(node["id"], lines, km, cost, float(offer.days), strategy, carried)
    cost = (
        (node.get("pick_cost") or 0.0) * units
        + (node.get("ship_cost_base") or 0.0)
        + (node.get("ship_cost_per_km") or 0.0) * km
    )
    eta = (node.get("handling_days") or 0.0) + max(1, math.ceil(km / 500.0))
    return Shipment(node["id"], lines, km, cost, eta, strategy)


def collect_labels(order, parcels, day, state):
    """A collect order's shipments with their transfer leg and ready date: a leg from
    any node but the store (km node → store, kpis.md's cost and eta for it, or the
    carrier's days and promised date), ready on the local day + ⌈days⌉; the store's
    own shipment ready on the local day + ⌈its handling_days⌉."""
    nodes = state.node_by_id if state is not None else None
    store = order.fields.get("collect_node")
    if not is_collect(order) or nodes is None or store not in nodes:
        return parcels
    to = nodes[store]
    out = []
    for parcel_ in parcels:
        node = nodes[parcel_.node_id]
        if node["id"] == store:
            ready = day + dt.timedelta(days=math.ceil(node.get("handling_days") or 0.0))
            out.append(replace(parcel_, ready_date=ready))
            continue
        km = distance_km(node["lat"], node["lon"], to["lat"], to["lon"])
        cost = (
            (node.get("pick_cost") or 0.0) * parcel_.units
            + (node.get("ship_cost_base") or 0.0)
            + (node.get("ship_cost_per_km") or 0.0) * km
        )
        if parcel_.carried is not None:
            days, ready = parcel_.eta_days, parcel_.carried.promised_date
        else:
            days = (node.get("handling_days") or 0.0) + max(1, math.ceil(km / 500.0))
            ready = day + dt.timedelta(days=math.ceil(days))
        leg = Transfer(store, km, cost, days)
        out.append(replace(parcel_, transfer=leg, ready_date=ready))
    return out


def decide(order, merged, need, shipments, chain, limited, day, state=None):
    """The decision and what it commits; a collect order whose store is a node says so
    (its `ready_date`, None without shipments)."""
    decision, commits = _decide(order, merged, need, shipments, chain, limited, day, state)
    nodes = state.node_by_id if state is not None else None
    if is_collect(order) and nodes is not None and order.fields.get("collect_node") in nodes:
        decision = replace(decision, collect=True)
    return decision, commits


def _decide(order, merged, need, shipments, chain, limited, day, state=None):
    ids = tuple(st.id for st in chain)
    steps = {st.id: st for st in chain}
    carrying = state.carrying if state is not None else None
    if carrying is not None and not carrying.services:
        carrying = None  # the distance eta: nothing carried
    parcels = []
    commits = {"stock": [], "capacity": [], "parcels": []}
    for node, take, km, strategy in shipments:
        shipment = parcel(node, take, km, strategy, state, steps[strategy])
        parcels.append(shipment)
        commits["stock"].extend(((node["id"], k), q) for k, q in take.items())
        commits["capacity"].append((node["id"], day))
        if carrying is not None:
            service = next(
                k for k, x in enumerate(carrying.services)
                if (x.carrier, x.service) == (shipment.carried.carrier, shipment.carried.service)
            )  # fmt: skip
            commits["parcels"].append((node["id"], service, shipment.carried.ship_date))
    parcels = tuple(collect_labels(order, parcels, day, state))
    carriers = carrying is not None

    def reason(sku):
        return SPLIT_LIMIT if sku in limited else NO_STOCK

    if not any(need.values()):
        return Decision(order.id, "routed", ids, parcels, carriers=carriers), commits
    short = tuple(Unfilled(k, q, reason(k)) for k, q in need.items() if q > 0)
    mode = chain[-1].on_shortage or "partial"
    if mode == "reject":
        every = tuple(
            Unfilled(k, q, reason(k) if need[k] > 0 else REJECTED_WITH_ORDER)
            for k, q in merged.items()
        )
        nothing = {"stock": [], "capacity": []}
        return Decision(order.id, "rejected", ids, (), every, carriers=carriers), nothing
    if mode == "backorder":
        return Decision(order.id, "backordered", ids, parcels, short, carriers=carriers), commits
    if parcels:
        return Decision(order.id, "partial", ids, parcels, short, carriers=carriers), commits
    return Decision(order.id, "rejected", ids, (), short, carriers=carriers), commits
