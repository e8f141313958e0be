"""A second implementation of the reactions to operational events, written plainly from
docs/reactions.md on top of the reference router: dicts of open allocations, no durable
rules, no numpy. Tests require the engine's replay of orders and events to give exactly
the decisions this gives.

Orders and events are interleaved by time (an event before an order at the same
instant, events in their order); the clock is the latest instant seen and closes the
allocations whose handling time has passed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from reference_router import (
    REJECTED_WITH_ORDER,  # noqa: F401 - the reasons a re-route keeps
    Reader,
    State,
    collect_labels,
    destination_of,
    in_force,
    parcel,
    route_one,
    walk,
)

from engine.decision import Decision, ShipmentLine, Unfilled

BACKORDERED = "backordered after a re-route"


class Refused(Exception):
    """An order event that cannot apply: nothing changed."""


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
        self.refused = []
        for item in timeline:
            if item[1] == 1:
                out.append(self.route(item[-1], item[0]))
                continue
            try:
                out.extend(self.apply(item[-1]))
            except Refused:
                self.refused.append(item[-1])
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
        backordered = decision.status == "backordered"
        record = {
            "order": order, "decision": decision, "revision": 1, "parcels": [],
            "at": instant,
            "backorders": list(decision.unfilled) if backordered else [],
            "dropped": () if backordered else decision.unfilled,
            "cancelled": {},
        }  # fmt: skip
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
            box = {"shipment": shipment, "day": day}
            record["parcels"].append(box)
            for line in shipment.lines:
                self.open[self.next_id] = {
                    "order": record["order"].id,
                    "node": shipment.node_id,
                    "sku": line.sku,
                    "qty": line.qty,
                    "until": instant + dt.timedelta(days=handling),
                    "parcel": box,
                }
                self.next_id += 1

    # ------------------------------------------------------------- events
    def apply(self, event) -> list[Decision]:
        """The decisions an event causes; `Refused` (nothing changed) for an order event
        that cannot apply."""
        at = event.at.astimezone(dt.UTC)
        self.advance(at)
        note = f" ({event.note})" if event.note else ""
        if event.order_id is not None:
            record = self.orders.get(event.order_id)
            if record is None:
                raise Refused("unknown order")
            return getattr(self, event.kind)(record, event, at, note)
        if event.kind == "node_offline":
            self.state.offline.add(event.node_id)
            lost = {a: x["qty"] for a, x in self.open.items() if x["node"] == event.node_id}
            reason = f"node {event.node_id} offline at {at.isoformat()}{note}"
            return self.reroute(lost, reason, at) if lost else []
        if event.kind == "node_online":
            was_down = event.node_id in self.state.offline
            self.state.offline.discard(event.node_id)
            if not was_down:
                return []
            waiting = {u.sku for r in self.orders.values() for u in r["backorders"]}
            free = {k for k in waiting if self.free.get((event.node_id, k), 0) > 0}
            why = f"node {event.node_id} back online at {at.isoformat()}"
            return self.release(free, at, why)
        if event.kind == "capacity_change":
            self.state.capacity[event.node_id] = event.qty
            return []
        key = (event.node_id, event.sku)
        if event.kind == "replenish":
            self.on_hand[key] = self.on_hand.get(key, 0) + event.qty
            self.free[key] = self.free.get(key, 0) + event.qty
            why = f"{event.qty} unit(s) received at {event.node_id} at {at.isoformat()}"
            return self.release({event.sku}, at, why)
        return self.count(event.node_id, event.sku, event.qty, at, note)

    def count(self, node_id, sku, qty, at, note, release=True) -> list[Decision]:
        """A count of `qty` units on hand: the shortfall re-routed newest first; a count
        that finds more releases backorders."""
        key = (node_id, sku)
        delta = qty - self.on_hand.get(key, 0)
        self.on_hand[key] = self.on_hand.get(key, 0) + delta
        self.free[key] = self.free.get(key, 0) + delta
        short = max(0, -self.free[key])
        if not short:
            if delta <= 0 or not release:
                return []
            why = f"stock count at {node_id} at {at.isoformat()}"
            return self.release({sku}, at, why)
        lost, left = {}, short
        for aid in sorted(self.open, reverse=True):  # newest first
            allocation = self.open[aid]
            if left > 0 and (allocation["node"], allocation["sku"]) == key:
                lost[aid] = min(allocation["qty"], left)
                left -= lost[aid]
        reason = f"stock count at {node_id}: {qty} unit(s) of {sku} on hand, {short} short{note}"
        return self.reroute(lost, reason, at) if lost else []

    def reroute(self, lost: dict[int, int], reason: str, at: dt.datetime) -> list[Decision]:
        by_order: dict[str, dict[int, int]] = {}
        for aid in sorted(lost):
            by_order.setdefault(self.open[aid]["order"], {})[aid] = lost[aid]
        oldest_first = sorted(by_order, key=lambda oid: min(by_order[oid]))
        return [self.reroute_order(oid, by_order[oid], reason, at) for oid in oldest_first]

    def reroute_order(self, order_id, lost, reason, at) -> Decision:
        record = self.orders[order_id]
        need: dict[str, int] = {}
        leaving = set()
        for aid, units in lost.items():
            allocation = self.open[aid]
            need[allocation["sku"]] = need.get(allocation["sku"], 0) + units
            leaving.add(allocation["node"])
        self.take(record, lost)
        kept = [box["shipment"] for box in record["parcels"]]
        order = record["order"]
        merged = {}
        for line in order.lines:
            merged.setdefault(line.sku, 0)
        need = {sku: need.get(sku, 0) for sku in merged}
        day = at.astimezone(self.tz).date()
        first = self.by_id[record["decision"].strategies[0]]
        rest, placed, _, tried = walk(
            order, first, need, destination_of(order, self.node_by_id), day, self.reader,
            self.by_id, self.nodes, self.free, self.shipped_on, self.state,
            blocked={s.node_id for s in kept} | leaving, prior=len(kept),
        )  # fmt: skip
        new = self.place(order, placed, day)
        record["backorders"] += [
            Unfilled(sku, qty, f"{BACKORDERED}: {reason}") for sku, qty in rest.items() if qty
        ]
        self.allocate(record, new, at)
        return self.decide(record, reason, {st.id for st in tried})

    # --------------------------------------------------------- order events
    def mine(self, record, node=None, sku=None) -> list[int]:
        return [
            aid
            for aid, a in sorted(self.open.items())
            if a["order"] == record["order"].id
            and (not node or a["node"] == node)
            and (not sku or a["sku"] == sku)
        ]

    def take(self, record, lost: dict[int, int]) -> None:
        """Units back from open allocations; parcels shrink, empty ones give capacity back."""
        for aid, units in lost.items():
            allocation = self.open[aid]
            key = (allocation["node"], allocation["sku"])
            self.free[key] = self.free.get(key, 0) + units
            allocation["qty"] -= units
            box = allocation["parcel"]
            box.setdefault("removed", {})
            box["removed"][allocation["sku"]] = box["removed"].get(allocation["sku"], 0) + units
            if allocation["qty"] == 0:
                del self.open[aid]
        for box in list(record["parcels"]):
            removed = box.pop("removed", {})
            if not removed:
                continue
            shipment = box["shipment"]
            lines = [
                ShipmentLine(line.sku, line.qty - removed.get(line.sku, 0))
                for line in shipment.lines
                if line.qty > removed.get(line.sku, 0)
            ]
            if not lines:
                self.shipped_on[(shipment.node_id, box["day"])] -= 1
                record["parcels"].remove(box)
                continue
            pick = self.node_by_id[shipment.node_id].get("pick_cost") or 0.0
            box["shipment"] = dataclasses.replace(  # its transfer leg and ready date kept
                shipment, lines=tuple(lines), cost=shipment.cost - pick * sum(removed.values())
            )

    def order_cancel(self, record, event, at, note) -> list[Decision]:
        waiting: dict[str, int] = {}
        for item in record["backorders"]:
            waiting[item.sku] = waiting.get(item.sku, 0) + item.qty
        opened: dict[str, int] = {}
        for aid in self.mine(record):
            sku = self.open[aid]["sku"]
            opened[sku] = opened.get(sku, 0) + self.open[aid]["qty"]
        skus = [event.sku] if event.sku else sorted(set(waiting) | set(opened))
        left = {k: waiting.get(k, 0) + opened.get(k, 0) for k in skus}
        if not any(left.values()):
            raise Refused("nothing left to cancel")
        wanted = {k: left[k] if event.qty is None else event.qty for k in skus}
        if any(wanted[k] > left[k] for k in skus):
            raise Refused("more than is open")
        from_waiting = {k: min(wanted[k], waiting.get(k, 0)) for k in skus}
        record["backorders"] = self.less(record["backorders"], from_waiting)
        lost: dict[int, int] = {}
        for k in skus:
            units = wanted[k] - from_waiting[k]
            for aid in sorted(self.mine(record, sku=k), reverse=True):
                if units <= 0:
                    break
                lost[aid] = min(self.open[aid]["qty"], units)
                units -= lost[aid]
            record["cancelled"][k] = record["cancelled"].get(k, 0) + wanted[k]
        freed = {self.open[aid]["sku"] for aid in lost}
        self.take(record, lost)
        out = [self.decide(record, f"order_cancel at {at.isoformat()}{note}", set())]
        return out + self.release(
            freed, at, f"order {event.order_id} cancelled at {at.isoformat()}"
        )

    def order_ship(self, record, event, at, note) -> list[Decision]:
        mine = self.mine(record, event.node_id, event.sku)
        if not mine:
            raise Refused("no open allocation")
        units = sum(self.open[aid]["qty"] for aid in mine)
        nodes = sorted({self.open[aid]["node"] for aid in mine})
        for aid in mine:
            allocation = self.open.pop(aid)
            key = (allocation["node"], allocation["sku"])
            self.on_hand[key] = self.on_hand.get(key, 0) - allocation["qty"]
        reason = f"order_ship at {at.isoformat()}: {units} unit(s) left {', '.join(nodes)}{note}"
        return [self.decide(record, reason, set())]

    def line_reject(self, record, event, at, note) -> list[Decision]:
        mine = self.mine(record, event.node_id, event.sku)
        if not mine:
            raise Refused("no open allocation there")
        reason = f"{event.node_id} rejected {event.sku} at {at.isoformat()}{note}"
        out = [self.reroute_order(record["order"].id, {a: self.open[a]["qty"] for a in mine},
                                  reason, at)]  # fmt: skip
        count = 0 if event.qty is None else event.qty
        return out + self.count(event.node_id, event.sku, count, at, note, release=False)

    def order_modify(self, record, event, at, note) -> list[Decision]:
        fields = dict(record["order"].fields)
        changes = dict(event.changes)
        fields.update(changes)
        if (
            fields.get("delivery") == "collect"
            and "dest_lat" not in changes
            and ("collect_node" in changes)
        ):
            store = self.node_by_id[fields["collect_node"]]
            fields["dest_lat"], fields["dest_lon"] = store["lat"], store["lon"]
        order = dataclasses.replace(record["order"], fields=fields)
        destination = destination_of(order, self.node_by_id)
        if destination is None:
            raise Refused("no destination")
        primary = next(
            (
                st
                for st in self.strategies
                if in_force(st, at, self.tz)
                and (st.when is None or self.reader.holds(st.when, order, None, None))
            ),
            None,
        )
        if primary is None:
            raise Refused("no strategy")
        mine = self.mine(record)
        if not mine and not record["backorders"]:
            raise Refused("nothing left to route")
        need = {line.sku: 0 for line in order.lines}
        for item in record["backorders"]:
            need[item.sku] += item.qty
        for aid in mine:
            need[self.open[aid]["sku"]] += self.open[aid]["qty"]
        freed = {self.open[aid]["sku"] for aid in mine}
        self.take(record, {aid: self.open[aid]["qty"] for aid in mine})
        record["backorders"] = []
        record["order"] = order
        day = at.astimezone(self.tz).date()
        rest, placed, _, tried = walk(
            order, primary, need, destination, day, self.reader, self.by_id, self.nodes,
            self.free, self.shipped_on, self.state, blocked=set(), prior=0,
        )  # fmt: skip
        new = self.place(order, placed, day)
        self.allocate(record, new, at)
        reason = (
            f"order_modify at {at.isoformat()}: "
            + ", ".join(f"{name} {value}" for name, value in event.changes)
            + note
        )
        record["backorders"] = [
            Unfilled(k, q, f"{BACKORDERED}: {reason}") for k, q in rest.items() if q
        ]
        decision = self.decide(record, reason, {st.id for st in tried} | {primary.id},
                               primary=primary)  # fmt: skip
        return [decision] + self.release(freed, at, f"order {order.id} changed at {at.isoformat()}")

    @staticmethod
    def less(items, taken):
        left, out = dict(taken), []
        for item in items:
            units = min(item.qty, left.get(item.sku, 0))
            if units:
                left[item.sku] -= units
            if item.qty > units:
                out.append(Unfilled(item.sku, item.qty - units, item.reason))
        return out

    def place(self, order, placed, day) -> list:
        """The order's new shipments, committed and labelled as the router labels them
        (a collect order's transfer legs and ready dates)."""
        new = []
        for node, take, km, strategy in placed:
            new.append(parcel(node, take, km, strategy))
            for sku, qty in take.items():
                self.free[(node["id"], sku)] = self.free.get((node["id"], sku), 0) - qty
            self.shipped_on[(node["id"], day)] = self.shipped_on.get((node["id"], day), 0) + 1
        return collect_labels(order, new, day, self.state)

    def decide(self, record, reason, tried, primary=None) -> Decision:
        """The order's new decision from its parcels, dropped units, backorders and
        cancelled units."""
        decision = record["decision"]
        shipments = tuple(box["shipment"] for box in record["parcels"])
        unfilled = tuple(record["dropped"]) + tuple(record["backorders"])
        ordered = sum(line.qty for line in record["order"].lines)
        dropped = sum(item.qty for item in record["dropped"])
        if not shipments and sum(record["cancelled"].values()) == ordered - dropped:
            status = "cancelled"
        elif record["backorders"]:
            status = "backordered"
        elif not record["dropped"]:
            status = "routed"
        elif decision.status in ("backordered", "routed"):
            status = "partial" if shipments else "rejected"
        else:
            status = decision.status
        first = primary or self.by_id[decision.strategies[0]]
        chain, step = [], first
        while step is not None:
            chain.append(step.id)
            step = self.by_id[step.otherwise] if step.otherwise is not None else None
        reached = set(tried) if primary else set(decision.strategies) | set(tried)
        order_id = record["order"].id
        changed = Decision(
            order_id,
            status,
            tuple(step for step in chain if step in reached),
            shipments,
            unfilled,
            rerouted_from=f"{order_id}#{record['revision']}",
            reason=reason,
            cancelled=tuple(
                ShipmentLine(k, q) for k, q in sorted(record["cancelled"].items()) if q
            ),
        )
        record["decision"] = changed
        record["revision"] += 1
        return changed

    # ------------------------------------------------------------ releases
    def release(self, skus, at, why) -> list[Decision]:
        """docs/reactions.md, "Backorder release": the orders waiting for `skus` in the
        release order, each placing what its chain can as new parcels."""
        tiers = ("vip", "b2b", "standard")

        def key(record):
            strategy = self.by_id[record["decision"].strategies[0]]
            tier = record["order"].get("tier")
            if tier in tiers:
                rank = (0, tiers.index(tier), "")
            elif tier:
                rank = (1, 0, tier)
            else:
                rank = (2, 0, "")
            return (strategy.tried_priority, rank, record["at"], record["order"].id)

        waiting = [r for r in self.orders.values() if any(u.sku in skus for u in r["backorders"])]
        out = []
        day = at.astimezone(self.tz).date()
        for record in sorted(waiting, key=key):
            need = {}
            for item in record["backorders"]:
                if item.sku in skus:
                    need[item.sku] = need.get(item.sku, 0) + item.qty
            if not any(
                self.free.get((n["id"], sku), 0) > 0
                for sku in need
                for n in self.nodes
                if n["id"] not in self.state.offline
            ):
                continue
            order = record["order"]
            full = {line.sku: need.get(line.sku, 0) for line in order.lines}
            first = self.by_id[record["decision"].strategies[0]]
            rest, placed, _, tried = walk(
                order, first, full, destination_of(order, self.node_by_id), day, self.reader,
                self.by_id, self.nodes, self.free, self.shipped_on, self.state,
                blocked=set(), prior=0,
            )  # fmt: skip
            released = {sku: units - rest.get(sku, 0) for sku, units in need.items()}
            released = {sku: units for sku, units in released.items() if units}
            if not released:
                continue
            left, backorders = dict(released), []
            for item in record["backorders"]:
                units = min(item.qty, left.get(item.sku, 0))
                if units:
                    left[item.sku] -= units
                if item.qty > units:
                    backorders.append(Unfilled(item.sku, item.qty - units, item.reason))
            record["backorders"] = backorders
            waited = (at - record["at"]).total_seconds() / 86_400
            new = [
                dataclasses.replace(s, eta_days=s.eta_days + waited)
                for s in self.place(record["order"], placed, day)
            ]
            self.allocate(record, new, at)
            reason = f"backorder released: {', '.join(sorted(released))} — {why}"
            out.append(self.decide(record, reason, {st.id for st in tried}))
        return out
