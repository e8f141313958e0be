"""A second implementation of the reactions to operational events, written plainly from
docs/reactions.md on top of the reference router: dicts of open allocations, no durable
rules, no numpy. Tests require the engine's replay of orders and events to give exactly
the decisions this gives.

Orders and events are interleaved by time (an event before an order at the same
instant, events in their order); the clock is the latest instant seen and closes the
allocations whose handling time has passed.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from reference_router import (
    REJECTED_WITH_ORDER,  # noqa: F401 - the reasons a re-route keeps
    Reader,
    State,
    destination_of,
    parcel,
    route_one,
    walk,
)

from engine.decision import Decision, ShipmentLine, Unfilled

BACKORDERED = "backordered after a re-route"


class ReferenceReactions:
    """The reference ledger: routes orders with the reference router and re-routes the
    open allocations that events break."""

    def __init__(self, ruleset, nodes: list[dict], stock: dict):
        self.tz = ZoneInfo(ruleset.timezone or "UTC")
        self.reader = Reader(self.tz)
        indexed = sorted(enumerate(ruleset.strategies), key=lambda p: (p[1].tried_priority, p[0]))
        self.strategies = [st for _, st in indexed]
        self.by_id = {st.id: st for st in ruleset.strategies}
        self.nodes = sorted(nodes, key=lambda n: n["id"])
        self.node_by_id = {n["id"]: n for n in self.nodes}
        self.on_hand = dict(stock)
        self.free = dict(stock)
        self.shipped_on: dict = {}
        self.state = State()
        self.orders: dict[str, dict] = {}
        self.open: dict[int, dict] = {}
        self.next_id = 1
        self.clock = None

    def instant(self, moment: dt.datetime) -> dt.datetime:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.tz)
        return moment.astimezone(dt.UTC)

    def replay(self, orders, events) -> list[Decision]:
        timeline = sorted(
            [(e.at.astimezone(dt.UTC), 0, i, e) for i, e in enumerate(events)]
            + [(self.instant(o.created_at), 1, o.id, i, o) for i, o in enumerate(orders)],
            key=lambda item: item[:-1],
        )
        out: list[Decision] = []
        for item in timeline:
            if item[1] == 1:
                out.append(self.route(item[-1], item[0]))
            else:
                out.extend(self.apply(item[-1]))
        return out

    # ------------------------------------------------------------ routing
    def advance(self, instant: dt.datetime) -> None:
        if self.clock is None or instant > self.clock:
            self.clock = instant
        for aid in sorted(self.open, key=lambda a: (self.open[a]["until"], a)):
            allocation = self.open[aid]
            if allocation["until"] <= self.clock:
                key = (allocation["node"], allocation["sku"])
                self.on_hand[key] = self.on_hand.get(key, 0) - allocation["qty"]
                del self.open[aid]

    def route(self, order, instant: dt.datetime) -> Decision:
        self.advance(instant)
        decision, commits = route_one(
            order, instant, self.tz, self.reader, self.strategies, self.by_id, self.nodes,
            self.node_by_id, self.free, self.shipped_on, self.state,
        )  # fmt: skip
        self.commit(commits)
        record = {"order": order, "decision": decision, "revision": 1, "days": {}}
        self.orders[order.id] = record
        self.allocate(record, decision.shipments, instant)
        return decision

    def commit(self, commits) -> None:
        for key, qty in commits["stock"]:
            self.free[key] = self.free.get(key, 0) - qty
        for key in commits["capacity"]:
            self.shipped_on[key] = self.shipped_on.get(key, 0) + 1

    def allocate(self, record, shipments, instant) -> None:
        day = instant.astimezone(self.tz).date()
        for shipment in shipments:
            handling = self.node_by_id[shipment.node_id].get("handling_days") or 0.0
            record["days"][shipment.node_id] = day
            for line in shipment.lines:
                self.open[self.next_id] = {
                    "order": record["order"].id,
                    "node": shipment.node_id,
                    "sku": line.sku,
                    "qty": line.qty,
                    "until": instant + dt.timedelta(days=handling),
                }
                self.next_id += 1

    # ------------------------------------------------------------- events
    def apply(self, event) -> list[Decision]:
        at = event.at.astimezone(dt.UTC)
        self.advance(at)
        note = f" ({event.note})" if event.note else ""
        if event.kind == "node_offline":
            self.state.offline.add(event.node_id)
            lost = {a: x["qty"] for a, x in self.open.items() if x["node"] == event.node_id}
            reason = f"node {event.node_id} offline at {at.isoformat()}{note}"
            return self.reroute(lost, reason, at) if lost else []
        if event.kind == "node_online":
            self.state.offline.discard(event.node_id)
            return []
        if event.kind == "capacity_change":
            self.state.capacity[event.node_id] = event.qty
            return []
        key = (event.node_id, event.sku)
        if event.kind == "replenish":
            self.on_hand[key] = self.on_hand.get(key, 0) + event.qty
            self.free[key] = self.free.get(key, 0) + event.qty
            return []
        delta = event.qty - self.on_hand.get(key, 0)  # stock_adjust: the count is on hand
        self.on_hand[key] = self.on_hand.get(key, 0) + delta
        self.free[key] = self.free.get(key, 0) + delta
        short = max(0, -self.free[key])
        if not short:
            return []
        lost, left = {}, short
        for aid in sorted(self.open, reverse=True):  # newest first
            allocation = self.open[aid]
            if left > 0 and (allocation["node"], allocation["sku"]) == key:
                lost[aid] = min(allocation["qty"], left)
                left -= lost[aid]
        reason = (
            f"stock count at {event.node_id}: {event.qty} unit(s) of {event.sku} on hand, "
            f"{short} short{note}"
        )
        return self.reroute(lost, reason, at) if lost else []

    def reroute(self, lost: dict[int, int], reason: str, at: dt.datetime) -> list[Decision]:
        by_order: dict[str, dict[int, int]] = {}
        for aid in sorted(lost):
            by_order.setdefault(self.open[aid]["order"], {})[aid] = lost[aid]
        oldest_first = sorted(by_order, key=lambda oid: min(by_order[oid]))
        return [self.reroute_order(oid, by_order[oid], reason, at) for oid in oldest_first]

    def reroute_order(self, order_id, lost, reason, at) -> Decision:
        record = self.orders[order_id]
        removed: dict[tuple[str, str], int] = {}
        for aid, units in lost.items():
            allocation = self.open[aid]
            key = (allocation["node"], allocation["sku"])
            self.free[key] = self.free.get(key, 0) + units
            allocation["qty"] -= units
            removed[key] = removed.get(key, 0) + units
            if allocation["qty"] == 0:
                del self.open[aid]
        decision = record["decision"]
        kept = []
        for shipment in decision.shipments:
            lines, gone = [], 0
            for line in shipment.lines:
                units = removed.get((shipment.node_id, line.sku), 0)
                gone += units
                if line.qty > units:
                    lines.append(ShipmentLine(line.sku, line.qty - units))
            if not lines:
                day = record["days"][shipment.node_id]
                self.shipped_on[(shipment.node_id, day)] -= 1
                continue
            pick = self.node_by_id[shipment.node_id].get("pick_cost") or 0.0
            kept.append(
                shipment
                if not gone
                else type(shipment)(
                    shipment.node_id, tuple(lines), shipment.distance_km,
                    shipment.cost - pick * gone, shipment.eta_days, shipment.strategy,
                )
            )  # fmt: skip
        need: dict[str, int] = {}
        for (_, sku), units in removed.items():
            need[sku] = need.get(sku, 0) + units
        order = record["order"]
        merged = {}
        for line in order.lines:
            merged.setdefault(line.sku, 0)
        need = {sku: need.get(sku, 0) for sku in merged}
        day = at.astimezone(self.tz).date()
        first = self.by_id[decision.strategies[0]]
        rest, placed, _, tried = walk(
            order, first, need, destination_of(order, self.node_by_id), day, self.reader,
            self.by_id, self.nodes, self.free, self.shipped_on, self.state,
            blocked={s.node_id for s in kept} | {node for node, _ in removed}, prior=len(kept),
        )  # fmt: skip
        new = []
        for node, take, km, strategy in placed:
            new.append(parcel(node, take, km, strategy))
            for sku, qty in take.items():
                self.free[(node["id"], sku)] = self.free.get((node["id"], sku), 0) - qty
            self.shipped_on[(node["id"], day)] = self.shipped_on.get((node["id"], day), 0) + 1
        backordered = tuple(
            Unfilled(sku, qty, f"{BACKORDERED}: {reason}") for sku, qty in rest.items() if qty
        )
        unfilled = decision.unfilled + backordered
        if not unfilled:
            status = "routed"
        elif backordered or decision.status == "backordered":
            status = "backordered"
        else:
            status = decision.status
        chain, step = [], first
        while step is not None:
            chain.append(step.id)
            step = self.by_id[step.otherwise] if step.otherwise is not None else None
        reached = set(decision.strategies) | {st.id for st in tried}
        rerouted = Decision(
            order_id,
            status,
            tuple(step for step in chain if step in reached),
            tuple(kept) + tuple(new),
            unfilled,
            rerouted_from=f"{order_id}#{record['revision']}",
            reason=reason,
        )
        record["decision"] = rerouted
        record["revision"] += 1
        self.allocate(record, new, at)
        return rerouted
