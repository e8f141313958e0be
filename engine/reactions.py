"""Reactions to operational events, as a small fixed durable-rules ruleset.

Working memory, per `Reactions` session (durable-rules' `sid`):
- one *fact* per open allocation: `{t: allocation, aid, order_id, node_id, sku}`;
- a `{t: down, node_id}` fact while a node is offline;
- a `{t: short, seq, node_id, sku}` fact while a count's shortfall is handled.
Events are *posted* (seen once): `{t: event, kind, node_id, sku, qty, order_id, seq}`.

The eight rules (no rule per SKU, node or order — durable-rules 2.0.28 is known
to crash with a dozen join rules or more):
1. `node_offline` → the router stops using the node; assert its `down` fact.
2. `node_online` → the router uses it again; retract the `down` fact.
3. `stock_adjust` → set the counted on-hand; a shortfall asserts a `short` fact.
4. `replenish` / `capacity_change` → stock received / new daily capacity.
5. `down` × allocation on that node → the allocation is affected, whole.
6. `short` × allocation on that node and SKU → a candidate for the shortfall.
7. `order_cancel` / `order_modify` / `order_ship` → the ledger changes the order.
8. `line_reject` → the order's line is re-routed, then the count as in rule 3.
Stock that comes back (rules 2, 3, 4, 7) releases the backorders waiting for it.

After each post, the affected allocations are re-routed by the ledger (the
shortfall taken from the newest allocations first) and the facts are brought
in line: released allocations retracted, new ones asserted.

Only an event's rules join allocation facts, so the allocations routing makes
(`route`, `record`, `release`) are asserted when the next event is posted, not one
by one as they are made: one that closes before any event never costs a
durable-rules call (a call costs more than routing the order). That no new
allocation is at an offline node is checked as they are made.

durable-rules keeps its rulesets and working memory in the process, by name;
`Reactions` is the only owner of that state: it registers the ruleset once,
gives each instance its own session, serialises every call with one lock, and
re-raises exceptions that durable-rules would otherwise print and swallow.

durable-rules finds a message in working memory by a 32-bit hash of its name
(itself a hash of its content), so a new message can land in the slot of
another one and be refused as "already observed" — about once in two million
messages with 2,000 facts held. Reactions never sends the same message twice,
so such a refusal is always that clash: the message is sent again with a fresh
`nonce` (`_send`), and keeps it, so that retracting it names the same message.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal, NotRequired, TypedDict

import numpy as np

from dsl.errors import SourcingError
from engine import ledger_audit, order_events
from engine.decision import Decision
from engine.events import Event
from engine.ledger import Ledger, OrderAlreadyRouted, OrderEventRefused
from engine.ledger_records import Allocation, Reroute
from engine.model import Order
from engine.order_batch import OrderBatch
from engine.router import Router
from engine.windows import as_instant

RULESET = "sourcing_reactions"
RENAMES = 8
"""Fresh names a message may take when durable-rules refuses it as already
observed (see `_send`): one clash is rare, eight in a row never happen."""


class Renamable(TypedDict):
    """What every message may carry: the `nonce` that `_send` gives it after a clash."""

    nonce: NotRequired[int]


class AllocationFact(Renamable):
    """An open allocation, as durable-rules holds it."""

    sid: str
    t: Literal["allocation"]
    aid: int
    order_id: str
    node_id: str
    sku: str


class DownFact(Renamable):
    """A node that is offline."""

    sid: str
    t: Literal["down"]
    node_id: str


class ShortFact(Renamable):
    """A stock count that found fewer units than the open allocations hold."""

    sid: str
    t: Literal["short"]
    seq: int
    node_id: str
    sku: str


class EventMessage(Renamable):
    """An operational event posted to durable-rules."""

    sid: str
    t: Literal["event"]
    seq: int
    kind: str
    node_id: str
    sku: str | None
    qty: int | None
    order_id: str | None


Message = AllocationFact | DownFact | ShortFact | EventMessage
Action = Callable[[Any, "Reactions"], None]
"""A rule's action: durable-rules' closure (untyped: matched facts as attributes) and
the session that owns them."""


class ReactionError(SourcingError, RuntimeError):
    """A reaction rule failed (the error inside it is the `__cause__`); the
    session's state may be half-updated and should not be trusted further. Not
    bad input: the one `SourcingError` that means a defect."""


class Reactions:
    """A router, its allocation ledger and a durable-rules session that decides
    which open allocations each event affects.

        reactions = Reactions(router)
        reactions.route(order)
        for decision in reactions.apply(event):
            print(decision.to_json())
    """

    _lock = threading.RLock()
    _sessions: weakref.WeakValueDictionary[str, Reactions] = weakref.WeakValueDictionary()
    _defined = False
    _numbers = itertools.count(1)
    _closed: list[str] = []
    """Session ids given back by `close`, with their working memory empty: durable-rules
    keeps a state record per session id for the life of the process and fails past
    about a thousand of them, so ids are used again rather than made anew."""
    _stray: list[BaseException] = []

    def __init__(self, router: Router):
        self.router = router
        self.ledger = Ledger(router)
        self.events_applied = 0
        self._seq = itertools.count(1)
        self._nonces = itertools.count(1)
        self._facts: dict[int, AllocationFact] = {}
        self._pending: dict[int, AllocationFact] = {}
        """Allocation facts of `_facts` not asserted yet: asserted before the next post."""
        self._down: dict[str, DownFact] = {}
        self._errors: list[BaseException] = []
        self._affected: list[tuple[int, str]] = []
        self._candidates: list[int] = []
        self._shortfalls: list[tuple[ShortFact, int, Event, int]] = []
        """A count's `short` fact, the units short, the event and the units counted."""
        self._event: Event | None = None
        self._changes: list[Reroute] = []
        """What an order event's rule changed (before any re-route it causes)."""
        self._arrived: set[str] = set()
        """SKUs whose stock an event made free: their backorders are tried again."""
        self._touched = False
        """Whether durable-rules was called for this session (it has state)."""
        with Reactions._lock:
            Reactions._define()
            closed = Reactions._closed
            self.sid = closed.pop() if closed else f"reactions-{next(Reactions._numbers)}"
            Reactions._sessions[self.sid] = self

    # ------------------------------------------------------------ routing
    def route(self, order: Order, at: dt.datetime | None = None, explain: bool = False) -> Decision:
        """Route one order (at its creation instant, or `at`) and keep its allocations."""
        instant = as_instant(at if at is not None else order.created_at, self.router.tz)
        with Reactions._lock:
            if self.ledger.known(order.id):
                raise OrderAlreadyRouted(f"order {order.id!r} was already routed")
            self._close(self.ledger.advance(instant))
            decision = self.router.route(order, instant, explain)
            self._assert(self.ledger.record(order, decision, instant), later=True)
            self.ledger.settle((order.id,))
            return decision

    def route_batch(
        self, orders: Iterable[Order], explain: bool = False, at: dt.datetime | None = None
    ) -> list[Decision]:
        """Route orders in created_at order (ties by id) — or all at `at` — as one step:
        no other call runs in between, and a batch with an order id already routed (or
        given twice) is refused before anything is routed."""
        orders = list(orders)
        tz = self.router.tz
        ids = [o.id for o in orders]
        with Reactions._lock:
            repeated = sorted({i for i in ids if ids.count(i) > 1 or self.ledger.known(i)})
            if repeated:
                raise OrderAlreadyRouted(
                    f"order(s) already routed or given twice: {', '.join(repeated)}"
                )
            keyed = sorted(
                ((as_instant(o.created_at, tz), o.id, i) for i, o in enumerate(orders)),
            )
            return [self.route(orders[i], at=at, explain=explain) for _, _, i in keyed]

    def record(self, batch: OrderBatch, rows: np.ndarray, decisions: Iterable[Decision]) -> None:
        """Keep the allocations of orders the router has just routed (the orders at
        `rows` of a batch, in routing order, and their decisions), as `route` does."""
        ledger, tz = self.ledger, self.router.tz
        with Reactions._lock:
            for row, decision in zip(rows.tolist(), decisions, strict=True):
                order = batch.order(row)
                if order.id in ledger.orders:
                    raise OrderAlreadyRouted(f"order {order.id!r} was already routed")
                instant = as_instant(batch.created(row), tz)
                closed = ledger.advance(instant)
                if closed:
                    self._close(closed)
                self._assert(ledger.record(order, decision, instant), later=True)

    def apply_batch(self, events: Iterable[Event]) -> list[Decision]:
        """Apply events in time order (their order on ties), as one step."""
        with Reactions._lock:
            decisions = []
            for event in sorted(events, key=lambda e: e.at):
                decisions += self.apply(event)
            return decisions

    def apply_each(self, events: Iterable[Event]) -> tuple[list[Decision], list[tuple[Event, str]]]:
        """Apply events in time order (their order on ties), as one step; an order event
        that cannot apply is refused alone (nothing of it changed) and the rest go on.
        The decisions, and the events refused with why."""
        with Reactions._lock:
            decisions: list[Decision] = []
            refused: list[tuple[Event, str]] = []
            for event in sorted(events, key=lambda e: e.at):
                try:
                    decisions += self.apply(event)
                except OrderEventRefused as error:
                    refused.append((event, str(error)))
            return decisions, refused

    def apply(self, event: Event) -> list[Decision]:
        """Apply one event; returns the re-route decisions it caused (in order).
        A receipt that would take a position above engine.limits.STOCK is
        refused (OutOfRange) before anything changes."""
        with Reactions._lock:
            if event.kind == "replenish":
                assert event.sku is not None and event.qty is not None, "Event checks them"
                self.ledger.check_receipt(event.node_id, event.sku, event.qty)
            self._close(self.ledger.advance(event.at))
            self._affected, self._candidates, self._shortfalls = [], [], []
            self._event = event
            message: EventMessage = {
                "sid": self.sid,
                "t": "event",
                "seq": next(self._seq),
                "kind": event.kind,
                "node_id": event.node_id,
                "sku": event.sku,
                "qty": event.qty,
                "order_id": event.order_id,
            }
            self._changes, self._arrived = [], set()
            self._assert_pending()
            self._call("post", message)
            self.events_applied += 1
            return self._react(event)

    # ------------------------------------------------------------- reading
    def open_allocations(self) -> list[Allocation]:
        """Open allocations, oldest first."""
        with Reactions._lock:
            return [self.ledger.open[i] for i in sorted(self.ledger.open)]

    def decision(self, order_id: str) -> Decision:
        """The latest decision for an order the ledger holds (with a
        `finished_window`, a finished order is no longer held: KeyError)."""
        return self.ledger.orders[order_id].decision

    def facts(self) -> list[dict[str, Any]]:
        """This session's facts in durable-rules' working memory."""
        from durable.lang import get_facts

        with Reactions._lock:
            self._assert_pending()
            if not self._touched:  # durable-rules has no state for it yet: asking fails
                return []
            return list(get_facts(RULESET, self.sid))

    def problems(self) -> list[str]:
        """The ledger's audit, plus working memory out of step with it."""
        with Reactions._lock:
            out = ledger_audit.problems(self.ledger)
            held = sorted(f["aid"] for f in self.facts() if f.get("t") == "allocation")
            if held != sorted(self.ledger.open):
                out.append(f"{len(held)} allocation facts for {len(self.ledger.open)} open")
            return out

    def close(self) -> None:
        """Empty this session's working memory and give its id back for the next
        `Reactions` to use. (Facts are retracted one by one: durable-rules 2.0.28's
        `delete_state` corrupts the heap once numpy or pyarrow are loaded, so it is never
        called; the id's small state record stays for the life of the process, which is
        why ids are used again: past about a thousand, durable-rules fails.)"""
        with Reactions._lock:
            if Reactions._sessions.get(self.sid) is not self:
                return
            for aid, held in self._facts.items():
                if aid not in self._pending:
                    self._call("retract_fact", held)
            for down in self._down.values():
                self._call("retract_fact", down)
            self._facts.clear()
            self._pending.clear()
            self._down.clear()
            del Reactions._sessions[self.sid]
            Reactions._closed.append(self.sid)

    def __enter__(self) -> Reactions:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ inner
    def _react(self, event: Event) -> list[Decision]:
        affected, candidates, shortfalls = self._affected, self._candidates, self._shortfalls
        self._affected, self._candidates, self._shortfalls = [], [], []
        reroutes: list[Reroute] = self._changes
        self._changes = []
        if affected:
            lost = {aid: self.ledger.open[aid].qty for aid, _ in affected}
            at = event.at.astimezone(dt.UTC).isoformat()
            reason = f"node {event.node_id} offline at {at}" + _note(event)
            reroutes += self.ledger.reroute(lost, reason, event.at)
        candidates = [aid for aid in candidates if aid in self.ledger.open]
        for fact, units, counted, on_hand in shortfalls:
            self._call("retract_fact", fact)
            if candidates:
                lost = self.ledger.newest_first(candidates, units)
                reason = (
                    f"stock count at {counted.node_id}: {on_hand} unit(s) of {counted.sku} "
                    f"on hand, {units} short" + _note(counted)
                )
                reroutes += self.ledger.reroute(lost, reason, event.at)
        arrived, self._arrived = self._arrived, set()
        if arrived:
            reroutes += self.ledger.release(arrived, event.at, _arrival(event))
        for change in reroutes:
            for allocation in change.released:
                self._retract(allocation.id)
            self._assert(change.created)
        return [change.decision for change in reroutes]

    def release(self, skus: Iterable[str], at: dt.datetime, why: str) -> list[Decision]:
        """Try the backorders of `skus` again (stock arrived outside an event: a replay's
        replenishments); the decisions of the orders released."""
        with Reactions._lock:
            self._close(self.ledger.advance(at))
            changes = self.ledger.release(skus, at, why)
            for change in changes:
                self._assert(change.created, later=True)
            return [change.decision for change in changes]

    def _count(self, c: Any, counted: int) -> None:
        """Set the counted on-hand of the event's node and SKU; a shortfall asserts a
        `short` fact, whose joins name the allocations to take it from."""
        units = self.ledger.count(c.m.node_id, c.m.sku, counted)
        if units:
            assert self._event is not None, "apply sets it before posting"
            fact: ShortFact = {
                "sid": self.sid,
                "t": "short",
                "seq": c.m.seq,
                "node_id": c.m.node_id,
                "sku": c.m.sku,
            }
            self._shortfalls.append((fact, units, self._event, counted))
            _send(c.assert_fact, fact, self._nonces)

    def _free_at(self, node_id: str) -> list[str]:
        """SKUs some order waits for that have free units at a node."""
        inventory, col = self.router.inventory, self.router.network.index[node_id]
        return [
            sku
            for sku in self.ledger.backorders.skus()
            if sku in inventory.sku_index and inventory.free[inventory.sku_index[sku], col] > 0
        ]

    def _assert(self, allocations: Iterable[Allocation], later: bool = False) -> None:
        """Assert the facts of new allocations — `later`: before the next post (see the
        module doc), checking now that none is at an offline node."""
        for allocation in allocations:
            if allocation.id in self._facts:  # a renamed copy would hide the mistake
                raise ReactionError(f"allocation {allocation.id} is already in working memory")
            fact: AllocationFact = {
                "sid": self.sid,
                "t": "allocation",
                "aid": allocation.id,
                "order_id": allocation.order_id,
                "node_id": allocation.node_id,
                "sku": allocation.sku,
            }
            self._facts[allocation.id] = fact
            if not later:
                self._call("assert_fact", fact)
            elif allocation.node_id in self._down:
                raise ReactionError(f"new allocation at node {allocation.node_id}, offline")
            else:
                self._pending[allocation.id] = fact
        if self._affected or self._candidates:  # a fact joined a down or short fact
            raise ReactionError(
                f"new allocations at a node that is offline or short: {self._affected}"
            )

    def _assert_pending(self) -> None:
        """Assert the allocation facts kept for later, in the order they were made."""
        pending, self._pending = self._pending, {}
        for fact in pending.values():
            self._call("assert_fact", fact)
        if self._affected or self._candidates:
            raise ReactionError(
                f"new allocations at a node that is offline or short: {self._affected}"
            )

    def _retract(self, aid: int) -> None:
        """Forget an allocation's fact (durable-rules is told only if it was asserted)."""
        fact = self._facts.pop(aid)
        if self._pending.pop(aid, None) is None:
            self._call("retract_fact", fact)

    def _close(self, closed: list[Allocation]) -> None:
        for allocation in closed:
            self._retract(allocation.id)
        self.ledger.settle({allocation.order_id: None for allocation in closed})

    def _call(self, name: str, message: Message) -> None:
        """One durable-rules call, with the errors its actions caught raised here."""
        import durable.lang as durable

        self._touched = True
        call = functools.partial(getattr(durable, name), RULESET)
        try:
            if name == "retract_fact":
                call(message)
            else:
                _send(call, message, self._nonces)
        except Exception as error:
            raise ReactionError(f"durable-rules {name} failed for {message}: {error}") from error
        errors = self._errors + Reactions._stray
        if errors:
            self._errors, Reactions._stray[:] = [], []
            if isinstance(errors[0], OrderEventRefused):  # refused before anything changed
                raise errors[0]
            raise ReactionError(f"a reaction rule failed: {errors[0]!r}") from errors[0]

    # ----------------------------------------------------- the ruleset
    @classmethod
    def _define(cls) -> None:
        """Register the ruleset with durable-rules, once per process."""
        if cls._defined:
            return
        from durable.lang import c, m, ruleset

        with ruleset(RULESET):

            @_when_all((m.t == "event") & (m.kind == "node_offline"))
            @_guarded
            def node_offline(c: Any, session: Reactions) -> None:
                node_id = c.m.node_id
                session.router.set_online(node_id, False)
                if node_id not in session._down:
                    fact: DownFact = {"sid": session.sid, "t": "down", "node_id": node_id}
                    session._down[node_id] = fact
                    _send(c.assert_fact, fact, session._nonces)

            @_when_all((m.t == "event") & (m.kind == "node_online"))
            @_guarded
            def node_online(c: Any, session: Reactions) -> None:
                node_id = c.m.node_id
                session.router.set_online(node_id, True)
                fact = session._down.pop(node_id, None)
                if fact is not None:
                    c.retract_fact(fact)
                    session._arrived.update(session._free_at(node_id))

            @_when_all(
                (m.t == "event")
                & (
                    (m.kind == "order_cancel")
                    | (m.kind == "order_modify")
                    | (m.kind == "order_ship")
                )
            )
            @_guarded
            def order_change(c: Any, session: Reactions) -> None:
                event = session._event
                assert event is not None, "apply sets it before posting"
                ledger = session.ledger
                if c.m.kind == "order_ship":
                    session._changes.append(order_events.ship(ledger, event))
                    return
                change_order = (
                    order_events.cancel if c.m.kind == "order_cancel" else order_events.modify
                )
                change, freed = change_order(ledger, event)
                session._changes.append(change)
                session._arrived.update(freed)

            @_when_all((m.t == "event") & (m.kind == "line_reject"))
            @_guarded
            def line_reject(c: Any, session: Reactions) -> None:
                event = session._event
                assert event is not None, "apply sets it before posting"
                session._changes.append(order_events.reject_line(session.ledger, event))
                session._count(c, 0 if c.m.qty is None else int(c.m.qty))

            @_when_all((m.t == "event") & (m.kind == "stock_adjust"))
            @_guarded
            def stock_adjust(c: Any, session: Reactions) -> None:
                before = session.router.inventory.on_hand_of(c.m.node_id, c.m.sku)
                session._count(c, int(c.m.qty))
                if int(c.m.qty) > before:
                    session._arrived.add(c.m.sku)  # a count that finds more frees stock

            @_when_all((m.t == "event") & ((m.kind == "replenish") | (m.kind == "capacity_change")))
            @_guarded
            def supply(c: Any, session: Reactions) -> None:
                if c.m.kind == "replenish":
                    session.router.inventory.receive(c.m.node_id, c.m.sku, int(c.m.qty))
                    session._arrived.add(c.m.sku)
                else:
                    qty = c.m.qty
                    session.router.set_capacity(c.m.node_id, None if qty is None else int(qty))

            @_when_all(
                c.down << (m.t == "down"),
                c.held << ((m.t == "allocation") & (m.node_id == c.down.node_id)),
            )
            @_guarded
            def offline_allocation(c: Any, session: Reactions) -> None:
                session._affected.append((c.held.aid, c.down.node_id))

            @_when_all(
                c.short << (m.t == "short"),
                c.held
                << (
                    (m.t == "allocation") & (m.node_id == c.short.node_id) & (m.sku == c.short.sku)
                ),
            )
            @_guarded
            def short_allocation(c: Any, session: Reactions) -> None:
                session._candidates.append(c.held.aid)

        cls._defined = True


def _send(send: Callable[[Message], object], message: Message, nonces: Iterator[int]) -> None:
    """`send(message)` — assert a fact or post an event — and, while durable-rules
    refuses it as already observed (it found another message in its slot; nothing
    was done), again with a fresh `nonce` from `nonces`, at most RENAMES times. The
    message keeps its nonce: retracting it later sends the same content."""
    from durable.engine import MessageObservedException

    for _ in range(RENAMES):
        try:
            send(message)
            return
        except MessageObservedException:
            message["nonce"] = next(nonces)
    send(message)  # refused once more: the caller sees why


Rule = Callable[[Any], None]


def _when_all(*conditions: Any) -> Callable[[Rule], Rule]:
    """durable-rules' `when_all` (a rule of the ruleset being defined), typed."""
    from durable.lang import when_all as durable_when_all

    decorate: Callable[[Rule], Rule] = durable_when_all(*conditions)
    return decorate


def _guarded(action: Action) -> Rule:
    """Run a rule's action for the session that owns the matched data, keeping
    any exception for the caller instead of letting durable-rules swallow it."""

    @functools.wraps(action)
    def run(c: Any) -> None:
        session = None
        try:
            sid = c.s.sid if c.s is not None else None
            session = Reactions._sessions.get(str(sid))
            if session is None:
                raise LookupError(f"no Reactions session {sid!r}")
            action(c, session)
        except BaseException as error:  # noqa: BLE001 - re-raised after the call
            (session._errors if session is not None else Reactions._stray).append(error)

    return run


def _note(event: Event) -> str:
    return f" ({event.note})" if event.note else ""


def _arrival(event: Event) -> str:
    """Why stock came back, in a release's reason."""
    at = event.at.astimezone(dt.UTC).isoformat()
    what = {
        "replenish": f"{event.qty} unit(s) received at {event.node_id}",
        "stock_adjust": f"stock count at {event.node_id}",
        "node_online": f"node {event.node_id} back online",
        "order_cancel": f"order {event.order_id} cancelled",
        "order_modify": f"order {event.order_id} changed",
    }.get(event.kind, event.kind)
    return f"{what} at {at}"


__all__ = ["RULESET", "OrderAlreadyRouted", "ReactionError", "Reactions"]
