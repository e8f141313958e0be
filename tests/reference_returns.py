"""A second returns router, written plainly from docs/returns.md: loops over every
node, the syntax tree interpreted as it stands (tests/reference_router.py's reader),
no numpy. It exists only so that tests can require the engine to decide as it does.

`route_returns(ruleset, nodes, stock, targets, returns)` routes returns in time
order (ties by return id) and gives, per return, its status, strategies tried and per
line (sku, qty, node, disposition, restock date, km, cost, strategy).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from reference_router import Reader, distance_km, in_force, same

ACCEPTING = ("dc", "store")


def route_returns(ruleset, nodes, stock, targets, returns):
    """`stock` and `targets`: {(node id, sku): units}; `returns`: engine Return objects."""
    tz = ZoneInfo(ruleset.timezone or "UTC")
    reader = Reader(tz)
    strategies = ruleset.tried_order("return")
    by_id = {st.id: st for st in strategies}
    inbound: dict[tuple[str, str], int] = {}
    free = dict(stock)
    pending: list[tuple[dt.datetime, str, str, int]] = []
    out = []
    for ret in sorted(returns, key=lambda r: (r.created_at, r.id)):
        for due in [p for p in pending if p[0] <= ret.created_at]:  # restocks arrived
            pending.remove(due)
            _, node_id, sku, qty = due
            free[(node_id, sku)] = free.get((node_id, sku), 0) + qty
            inbound[(node_id, sku)] -= qty
        lines, tried = [], []
        for line in ret.lines:
            placed = _line(ret, line, strategies, by_id, nodes, free, targets, inbound, reader, tz)
            for step in placed.pop("tried"):
                if step not in tried:
                    tried.append(step)
            lines.append(placed)
            if placed["disposition"] == "restock":
                key = (placed["node_id"], line.sku)
                inbound[key] = inbound.get(key, 0) + line.qty
                pending.append((placed["restock_at"], placed["node_id"], line.sku, line.qty))
        routed = sum(line["node_id"] is not None for line in lines)
        status = "routed" if routed == len(lines) else "partial" if routed else "unroutable"
        out.append({"return_id": ret.id, "status": status, "strategies": tried, "lines": lines})
    return out


def _line(ret, line, strategies, by_id, nodes, free, targets, inbound, reader, tz):
    unit = SimpleNamespace(
        id=ret.id,
        created_at=ret.created_at,
        fields={**{k: v for k, v in ret.fields.items()}, "return_id": ret.id, **line.fields},
        lines=(SimpleNamespace(fields=line.fields),),
    )
    origin = _origin(ret, nodes)
    empty = {"node_id": None, "disposition": None, "restock_date": None, "strategy": None,
             "distance_km": None, "cost": None, "restock_at": None, "tried": []}  # fmt: skip
    if origin is None:
        return empty
    step = next(
        (
            st
            for st in strategies
            if in_force(st, ret.created_at, tz)
            and (st.when is None or reader.holds(st.when, unit, None, None))
        ),
        None,
    )
    tried = []
    while step is not None:
        tried.append(step.id)
        disposition = _disposition(step, unit, reader)
        if disposition is not None:
            candidates = []
            for node in nodes:
                km = distance_km(origin[0], origin[1], node["lat"], node["lon"])
                if not reader.holds(step.send_to, unit, None, node):
                    continue
                accepts = node.get("accepts_returns")
                if not (node["type"] in ACCEPTING if accepts is None else accepts):
                    continue
                if step.within_km is not None and km > step.within_km:
                    continue
                candidates.append((node, km))
            if candidates:
                node, km = min(
                    candidates,
                    key=lambda c: (
                        *_keys(step, c, unit, line, free, targets, inbound, reader),
                        c[0]["id"],
                    ),
                )
                at = ret.created_at.astimezone(dt.UTC) + dt.timedelta(days=step.restock_after or 0)
                restocked = disposition == "restock"
                return {
                    "node_id": node["id"],
                    "disposition": disposition,
                    "restock_date": at.astimezone(tz).date() if restocked else None,
                    "strategy": step.id,
                    "distance_km": km,
                    "cost": _cost(node, km, line.qty),
                    "restock_at": at if restocked else None,
                    "tried": tried,
                }
        step = by_id[step.otherwise] if step.otherwise is not None else None
    return {**empty, "tried": tried}


def _origin(ret, nodes):
    if ret.fields.get("method") == "store":
        found = [n for n in nodes if n["id"] == ret.fields.get("drop_node")]
        return (found[0]["lat"], found[0]["lon"]) if found else None
    lat, lon = ret.fields.get("origin_lat"), ret.fields.get("origin_lon")
    return None if lat is None or lon is None else (lat, lon)


def _disposition(step, unit, reader):
    if step.disposition.fixed is not None:
        return step.disposition.fixed
    value = reader.value(step.disposition.by, unit, None, None)
    for case in step.disposition.cases:
        if same(value, case.value):
            return case.disposition
    return None


def _cost(node, km, qty):
    return (
        node.get("ship_cost_base", 0.0)
        + node.get("ship_cost_per_km", 0.0) * km
        + (node.get("return_cost") or 0.0) * qty
    )


def _keys(step, candidate, unit, line, free, targets, inbound, reader):
    node, km = candidate
    keys = step.rank or [SimpleNamespace(key=SimpleNamespace(name="distance"), direction=None)]
    out = []
    for key in keys:
        expr = key.key
        name = getattr(expr, "name", None)
        if type(expr).__name__ in ("Name", "SimpleNamespace") and name in ("need", "distance",
                                                                           "cost"):  # fmt: skip
            if name == "need":
                cell = (node["id"], line.sku)
                value = max(0, targets.get(cell, 0) - free.get(cell, 0) - inbound.get(cell, 0))
            elif name == "distance":
                value = km
            else:
                value = _cost(node, km, line.qty)
            out.append(-value if key.direction == "desc" else value)
            continue
        if type(expr).__name__ == "FieldRef":  # a node field: missing sorts last
            value = reader.value(expr, unit, None, node)
            if value is None:
                out.append((1, 0))
            else:
                out.append((0, -value if key.direction == "desc" else value))
            continue
        held = 1 if reader.holds(expr, unit, None, node) else 0
        out.append(-held if key.direction == "desc" else held)
    return out
