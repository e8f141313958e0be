"""The one way in to the engine: a ruleset bound to a network and its stock.

    session = engine.Session.open(text, nodes, inventory, filename="france.route")
    decisions = session.route(orders)              # a DecisionBatch, in routing order
    decisions.write_jsonl(sys.stdout)
    session.apply(events)                          # re-routes (when following allocations)
    for step in session.replay(orders, arrivals, events):  # history, in time order
        ...

The command line, the service, the simulation and the studio all come through here:
`policy_of` is the only way from a ruleset (text, syntax tree, artifact or compiled
policy) to a `Policy`, and `Session` the only place a policy is bound to a network.
`Session.replay` is the one place where orders, stock arrivals and operational events
are interleaved by time (docs/routing.md, "Replaying history").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from dsl import syntax as s
from dsl.parser import collection_paused
from engine.arrivals import Arrival, ArrivalCursor, Arrivals
from engine.backorders import ReplayBackorders
from engine.compiler import Policy, compile
from engine.decision import Decision
from engine.decision_batch import DecisionBatch
from engine.decision_codes import BACKORDERED
from engine.delivery import Delivery
from engine.events import Event
from engine.holds import Clock, Holds, utc_now
from engine.ledger import OrderEventRefused
from engine.model import Inventory, Network, Order
from engine.order_batch import OrderBatch, from_ns, instant_ns
from engine.return_batch import Restock, batch_ready, route_many
from engine.return_router import ReturnRouter
from engine.returns import Return, ReturnDecision
from engine.router import Router, routing_order
from engine.windows import UTC

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from engine.reactions import Reactions
    from engine.tables import Table
    from engine.tables.carriers import Carriers
    from engine.tables.closures import Closures

Progress = Callable[[int, int], None]

"""`on_progress(done, total)`: orders routed so far, orders to route."""
PROGRESS_EVERY = 1_000


def policy_of(
    ruleset: str | s.Ruleset | Policy | Any,
    *,
    filename: str = "<ruleset>",
    source: str = "",
    extra_fields: Iterable[str] = (),
) -> Policy:
    """The compiled policy of a ruleset given as text, a syntax tree (`source`: the text
    it was parsed from, to show errors in), a loaded artifact (`engine.artifact.Artifact`)
    or a policy already compiled. Raises `dsl.RulesetSyntaxError` or
    `engine.CompileError` (rendered diagnostics naming `filename`) when it has errors;
    `extra_fields` names the data's extra columns (`order.gift_wrap`, `node.zone`) so
    conditions may read them."""
    if isinstance(ruleset, Policy):
        return ruleset
    if isinstance(ruleset, s.Ruleset):
        return compile(ruleset, source, filename, extra_fields)
    if isinstance(ruleset, str):
        from dsl.parser import parse

        return compile(parse(ruleset, filename), ruleset, filename, extra_fields)
    policy = getattr(ruleset, "policy", None)  # a loaded artifact
    if isinstance(policy, Policy):
        return policy
    raise TypeError(f"not a ruleset: {type(ruleset).__name__}")


@dataclass
class Replayed:
    """What one step of a replay decided: routing decisions (a batch, or objects when
    explained or re-routed) and the orders they are for."""

    decisions: DecisionBatch | list[Decision]
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Batch positions of the orders routed (none for re-routes)."""
    reroutes: bool = False
    returns: list[ReturnDecision] = field(default_factory=list)
    """Returns routed at this step (then `decisions` is empty)."""


class Session:
    """A policy bound to a network and its stock (see the module doc). With
    `follow=True` every routed order's allocations are kept in a ledger, so that
    operational events (`apply`) re-route them."""

    def __init__(
        self,
        policy: Policy,
        network: Network,
        inventory: Inventory,
        follow: bool = False,
        delivery: Delivery | None = None,
    ):
        self.policy = policy
        self.network = network
        self.router = Router(policy, network, inventory, delivery)
        self.reactions: Reactions | None = None
        self.backorders: ReplayBackorders | None = None
        """A replay's backorders when it does not follow allocations (see `replay`)."""
        self.refused_events: list[tuple[Event, str]] = []
        """Order events the last replay refused (nothing changed), with why."""
        self._clock: Clock = utc_now
        self._holds: Holds | None = None
        self.targets: dict[str, np.ndarray] = {}
        """Per SKU, the stock level each node wants (the inventory's `target`; returns'
        `need`)."""
        self._returns: ReturnRouter | None = None
        self._restocks: ArrivalCursor | None = None
        if follow:
            self.follow()

    @classmethod
    def open(
        cls,
        ruleset: str | s.Ruleset | Policy | Any,
        nodes: pd.DataFrame | pa.Table | Table,
        inventory: pd.DataFrame | pa.Table | Table,
        *,
        filename: str = "<ruleset>",
        source: str = "",
        extra_fields: Iterable[str] = (),
        follow: bool = False,
        carriers: Carriers | None = None,
        closures: Closures | None = None,
    ) -> Session:
        """Compile `ruleset` (see `policy_of`) and bind it to the nodes and the opening
        stock (loaded frames, or `engine.tables.Table`s) and, when given, the carriers
        table and the closures (`engine.tables.load_carriers`, `load_closures`): each
        shipment then gets a carrier service and a promised date (promise.md)."""
        policy = policy_of(ruleset, filename=filename, source=source, extra_fields=extra_fields)
        node_rows = _arrow_of(nodes)
        network = (
            Network.from_arrow(node_rows)
            if node_rows is not None
            else Network.from_frame(_frame_of(nodes))
        )
        delivery = None
        if carriers is not None:
            calendar_rows = node_rows if node_rows is not None else _arrow_from_frame(nodes)
            delivery = Delivery.of(calendar_rows, carriers, closures)
        stock = _arrow_of(inventory)
        if stock is not None:
            inventory_of = Inventory.from_arrow(stock, network)
            columns = stock.column_names
        else:
            frame = _frame_of(inventory)
            inventory_of = Inventory.from_frame(frame, network)
            columns = list(frame.columns)
        session = cls(policy, network, inventory_of, follow, delivery)
        if "target" in columns:
            session.targets = targets_of(stock if stock is not None else frame, network)
        return session

    def copy(self) -> Session:
        """The same policy and network on a copy of this session's stock as it stands
        (for a what-if that must not touch it: nothing routed there shows here)."""
        stock = self.router.inventory.copy()
        delivery = None if self.router.delivery is None else self.router.delivery.delivery
        copied = Session(
            self.policy, self.network, stock, follow=self.reactions is not None, delivery=delivery
        )
        if self.router.delivery is not None and copied.router.delivery is not None:
            copied.router.delivery.count_as(self.router.delivery)
        copied.targets = self.targets
        return copied

    @property
    def delivery(self) -> Delivery | None:
        """The carriers, closures and node calendars routing promises with."""
        return None if self.router.delivery is None else self.router.delivery.delivery

    def set_delivery(self, delivery: Delivery | None) -> None:
        """Route with other carriers, closures or node calendars from now on (a scenario
        that caps a service from a date); parcels counted so far are kept per
        (carrier, service) name."""
        self.router.set_delivery(delivery)

    def promise(self, order: Order, at: dt.datetime | None = None) -> Decision:
        """What `route_one` would decide for the order (at its creation instant, or
        `at`) — its shipments, carriers and promised dates — without committing
        anything: stock, node capacity and parcel counts are left as they are."""
        return self.router.promise(order, at)

    def follow(self) -> Reactions:
        """Keep every routed order's allocations from now on, for events to re-route;
        the reactions that keep them."""
        if self.reactions is None:
            from engine.reactions import Reactions

            self.reactions = Reactions(self.router)
            if self._holds is not None:
                self.reactions.ledger.holds = self._holds
        return self.reactions

    @property
    def holds(self) -> Holds:
        """Stock held for baskets on this session's stock (engine.holds), made at
        the first use; when following allocations, the ledger sees them."""
        if self._holds is None:
            self._holds = Holds(self.router, self._clock)
            if self.reactions is not None:
                self.reactions.ledger.holds = self._holds
        return self._holds

    def use_clock(self, clock: Clock) -> None:
        """The clock holds are made and expire with (an aware UTC instant; the
        machine's by default), e.g. a test's."""
        self._clock = clock
        if self._holds is not None:
            self._holds.clock = clock

    @property
    def events_applied(self) -> int:
        """Operational events applied so far."""
        return 0 if self.reactions is None else self.reactions.events_applied

    def close(self) -> None:
        if self.reactions is not None:
            self.reactions.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def keep_for(self, strategy_id: str, order: Order | None) -> np.ndarray | None:
        """Units a strategy protects at each node for an order (None: it keeps nothing);
        `order` may be None when every `keep` of it reads node fields only."""
        return self.router.keep_for(strategy_id, order)

    def keeps_read_orders(self, strategy_id: str) -> bool:
        """Whether a strategy's protected units depend on the order."""
        return self.router.keeps_read_orders(strategy_id)

    # ------------------------------------------------------------ routing
    def route(
        self,
        orders: OrderBatch | Iterable[Order] | Any,
        *,
        at: dt.datetime | None = None,
        explain: bool = False,
    ) -> DecisionBatch | list[Decision]:
        """Route orders (a batch, `Order`s or the orders loader's frame) in created_at
        order, ties by order id, and commit each; decisions in that routing order.
        `at` routes every order at that instant instead."""
        batch = self.batch(orders, at)
        if self.reactions is not None:
            return self.reactions.route_batch(
                [batch.order(i) for i in range(len(batch))], explain=explain, at=at
            )
        if at is None:
            return self.router.route_batch(batch, explain=explain)
        tz = self.policy.tz  # all at one instant: in the order they were created
        created = [instant_ns(batch.created(i), tz) for i in range(len(batch))]
        rows = sorted(range(len(batch)), key=lambda i: (created[i], batch.ids[i], i))
        return self.router.route_in(batch, np.array(rows, dtype=np.int64), explain)

    def route_one(
        self, order: Order, at: dt.datetime | None = None, explain: bool = False
    ) -> Decision:
        """Route one order (at its creation instant, or `at`) and commit it."""
        if self.reactions is not None:
            return self.reactions.route(order, at, explain)
        return self.router.route(order, at, explain)

    @property
    def returns(self) -> ReturnRouter:
        """Where returned units go (engine.return_router), on this session's stock."""
        if self._returns is None:
            self._returns = ReturnRouter(
                self.policy.returns, self.network, self.router.inventory, self.router.offline,
                self.policy.tz, self.targets,
            )  # fmt: skip
        return self._returns

    def route_return(self, ret: Return, explain: bool = False) -> ReturnDecision:
        """Route a return at its creation instant and commit it: restocked units are
        inbound at their node, and stock there from their restock instant (added
        before anything routed at or after it)."""
        cursor = self._restock_cursor()
        cursor.apply_until(instant_ns(ret.created_at, UTC))
        decision = self.returns.route(ret, explain)
        for line in decision.lines:
            if line.restock_at is not None and line.node_id is not None:
                node = self.network.index[line.node_id]
                cursor.add(instant_ns(line.restock_at, UTC), line.sku, node, line.qty)
        return decision

    def route_returns(
        self, returns: Iterable[Return], explain: bool = False
    ) -> list[ReturnDecision]:
        """Route returns in created_at order (ties by return id), each at its instant,
        and commit each (as `route_return`); decisions in that order. Without
        explanations they go through the compiled batch (`engine.return_batch`: the
        same decisions), unless stock other than restocked returns arrives meanwhile."""
        with collection_paused():  # many small acyclic objects
            timed = sorted(
                (instant_ns(ret.created_at, UTC), ret.id, k, ret) for k, ret in enumerate(returns)
            )
            ordered = [ret for *_, ret in timed]
            cursor = self._restock_cursor()
            alone = not timed or explain or not batch_ready(self.returns)
            if alone or cursor.arrives_before(timed[-1][0]):
                return [self.route_return(ret, explain) for ret in ordered]
            decisions, restocked = route_many(self.returns, ordered, [t[0] for t in timed])
            self._restocked(cursor, restocked, timed[-1][0])
        return decisions

    def _restocked(self, cursor: ArrivalCursor, restocked: list[Restock], last: int) -> None:
        """Where returns routed up to `last` (ns) leave their restocked units, as one
        return at a time would: stock when due by then, else inbound and scheduled."""
        landing = cursor.on_added == self.returns.arrived  # what landing one by one does
        due = [unit for unit in restocked if unit[0] <= last] if landing else []
        inventory = self.router.inventory
        inventory.ensure(sku for _, sku, _, _ in due)
        rows = np.array([inventory.sku_index[sku] for _, sku, _, _ in due], dtype=np.int64)
        nodes = np.array([node for *_, node, _ in due], dtype=np.int64)
        units = np.array([qty for *_, qty in due], dtype=np.int64)
        np.add.at(inventory.free, (rows, nodes), units)
        np.add.at(inventory.on_hand, (rows, nodes), units)
        for at, sku, node, qty in restocked:
            if at > last or not landing:
                self.returns.inbound.add(sku, node, qty)
                cursor.add(at, sku, node, qty)
        cursor.apply_until(last)  # restocks scheduled before these returns

    def _restock_cursor(self) -> ArrivalCursor:
        """The cursor restocked returns arrive through (this session's own, or the
        running replay's)."""
        if self._restocks is None:
            self._restocks = ArrivalCursor(Arrivals.of(()), self.router.inventory)
        if self._restocks.on_added is None:
            self._restocks.on_added = self.returns.arrived
        return self._restocks

    def apply(self, events: Iterable[Event]) -> list[Decision]:
        """Apply operational events in time order; returns the re-route decisions."""
        return self.follow().apply_batch(events)

    def batch(
        self,
        orders: OrderBatch | Iterable[Order] | pd.DataFrame | pa.Table | Table,
        at: dt.datetime | None = None,
    ) -> OrderBatch:
        """Orders as a batch: a batch as it is, `Order`s, the orders loader's `Table` (its
        Arrow rows) or frame."""
        tz = self.policy.tz
        batch = orders if isinstance(orders, OrderBatch) else None
        if batch is None:
            rows = _arrow_of(orders)
            if rows is not None:
                batch = OrderBatch.from_arrow(rows, tz)
            elif hasattr(orders, "columns"):  # a pandas frame
                batch = OrderBatch.from_frame(cast("pd.DataFrame", orders), tz)
        if batch is not None:
            if at is None:
                return batch
            return OrderBatch.from_orders([batch.order(i) for i in range(len(batch))], tz, at)
        return OrderBatch.from_orders(cast("Iterable[Order]", orders), tz, at)  # not a table

    # ------------------------------------------------------------ history
    def replay(
        self,
        orders: OrderBatch | Any,
        arrivals: Iterable[Arrival] | Arrivals = (),
        events: Iterable[Event] = (),
        *,
        returns: Iterable[Return] = (),
        explain: Collection[str] = (),
        stop: Collection[str] | None = None,
        until: dt.datetime | None = None,
        on_progress: Progress | None = None,
    ) -> Iterator[Replayed]:
        """Replay history in time order: stock arrivals and events up to each order's
        instant first (arrivals before events on the same instant, events in their
        order), then the orders up to the next arrival or event, routed together (in
        kernel blocks). Orders named in `explain` are routed alone, with their
        explanation. With events, every order's allocations are followed and the
        events' re-routes come as they happen. Stock that arrives (an arrival or an
        event) releases the backorders waiting for it, in the release order of
        engine.backorders, each release a decision of its own. After the last order,
        the events and arrivals left (up to `until`) are applied. With `stop`, the
        replay ends once the orders named there are routed. Order events that cannot
        apply are refused, listed in `refused_events`. `returns` are routed at their
        instants (after the events of the same instant, before its orders), each a step
        of its own (`Replayed.returns`); their restocked units arrive as stock does."""
        batch = self.batch(orders)
        rows = routing_order(batch)
        instants = batch.instants[rows]
        events = sorted(events, key=lambda event: event.at)
        if until is not None:
            events = [event for event in events if event.at < until]
        if events:
            self.follow()
        elif self.reactions is None and self.backorders is None:
            self.backorders = ReplayBackorders(self.router)  # kept by later replays
        cursor = self._replay_cursor(arrivals)
        returns = [ret for ret in returns if until is None or ret.created_at < until]
        timeline = _Timeline(
            self, cursor, events, None if until is None else instant_ns(until, UTC), returns
        )
        self.refused_events = timeline.refused
        wanted = frozenset(explain)
        left = None if stop is None else set(stop)
        total, done = len(rows), 0
        if on_progress is not None:
            on_progress(0, total)
        ids = batch.ids
        position = 0
        with collection_paused():
            while position < total:
                yield from timeline.until(int(instants[position]))
                due = timeline.next_due()
                end = total if due is None else int(np.searchsorted(instants, due, "left"))
                run = rows[position:end]
                alone = [k for k, row in enumerate(run.tolist()) if ids[row] in wanted]
                for piece, explained in _pieces(run, alone):
                    yield self._route(batch, piece, explained, cursor)
                    if left is not None:
                        left.difference_update(ids[row] for row in piece.tolist())
                    before, done = done, done + len(piece)
                    if (
                        on_progress is not None
                        and done // PROGRESS_EVERY > before // PROGRESS_EVERY
                    ):
                        on_progress(done, total)
                    if left is not None and not left:
                        break
                position = end
                if left is not None and not left:
                    break
            if left is None or left:
                yield from timeline.rest()
        if on_progress is not None:
            on_progress(total, total)

    def _replay_cursor(self, arrivals: Iterable[Arrival] | Arrivals) -> ArrivalCursor:
        """The replay's stock arrivals, with the restocks already scheduled on this
        session; restocked returns are scheduled on it from now on."""
        cursor = ArrivalCursor(Arrivals.of(arrivals), self.router.inventory)
        if self._restocks is not None:
            for at, _, row, node, qty in self._restocks.added:
                cursor.add(at, self.router.inventory.skus[row], node, qty)
            cursor.on_added = self._restocks.on_added
        self._restocks = cursor
        return cursor

    def _route(
        self, batch: OrderBatch, rows: np.ndarray, explained: bool, cursor: ArrivalCursor
    ) -> Replayed:
        if explained:
            row = int(rows[0])
            cursor.apply_until(int(batch.instants[row]))
            at = from_ns(int(batch.instants[row]))
            decision = self.route_one(batch.order(row), at, explain=True)
            if self.reactions is None and self.backorders is not None:
                self.backorders.note(batch.order(row), decision, batch.created(row))
            return Replayed([decision], rows)
        decisions = self.router.route_rows(batch, rows, cursor)
        if self.reactions is not None:
            self.reactions.record(batch, rows, decisions)
        elif self.backorders is not None:
            waiting = np.flatnonzero(decisions.status == BACKORDERED)
            for i in waiting.tolist():
                row = int(rows[i])
                self.backorders.note(batch.order(row), decisions[i], batch.created(row))
        return Replayed(decisions, rows)


class _Timeline:
    """The events of a replay, applied in time order, each after the stock that arrives
    at or before its instant."""

    def __init__(
        self,
        session: Session,
        arrivals: ArrivalCursor,
        events: list[Event],
        until: int | None,
        returns: list[Return],
    ):
        self.session = session
        self.until_ns = until
        self.arrivals = arrivals
        self.events = [(instant_ns(e.at, UTC), e) for e in events]
        self.next_event = 0
        self.returns = sorted(
            ((instant_ns(r.created_at, UTC), r) for r in returns), key=lambda p: (p[0], p[1].id)
        )
        self.next_return = 0
        self.refused: list[tuple[Event, str]] = []
        self.backorders_possible = any(
            strategy.on_shortage == "backorder" for strategy in session.policy.strategies
        )

    def next_due(self) -> int | None:
        """The instant (ns) of the next event or of the next stock arrival some order
        waits for, None when none is left."""
        due = [self._next_release()]
        if self.next_event < len(self.events):
            due.append(self.events[self.next_event][0])
        if self.next_return < len(self.returns):
            due.append(self.returns[self.next_return][0])
        found = [at for at in due if at is not None]
        return min(found) if found else None

    def until(self, instant: int) -> Iterator[Replayed]:
        """Apply the events up to `instant` (ns), in time order, each after the stock
        that arrives before it and the backorders that stock releases."""
        while (at := self._next_step()) is not None and at <= instant:
            yield from self._arrivals_until(at)
            self.arrivals.apply_until(at)
            if self.next_event >= len(self.events) or self.events[self.next_event][0] > at:
                ret = self.returns[self.next_return][1]
                self.next_return += 1
                yield Replayed([], returns=[self.session.route_return(ret)])
                continue
            event = self.events[self.next_event][1]
            try:
                changes = self.session.follow().apply(event)  # following since events came
            except OrderEventRefused as refused:
                changes = []
                self.refused.append((event, str(refused)))
            self.next_event += 1
            if changes:
                yield Replayed(changes, reroutes=True)
        yield from self._arrivals_until(instant)

    def _next_step(self) -> int | None:
        """The instant (ns) of the next event or return (an event first on a tie)."""
        due = []
        if self.next_event < len(self.events):
            due.append(self.events[self.next_event][0])
        if self.next_return < len(self.returns):
            due.append(self.returns[self.next_return][0])
        return min(due) if due else None

    def _waiting(self) -> tuple[list[str], Any]:
        """SKUs orders wait for, and what releases them (the ledger or the replay's own)."""
        session = self.session
        if session.reactions is not None:
            return session.reactions.ledger.backorders.skus(), session.reactions
        if session.backorders is not None:
            return session.backorders.book.skus(), session.backorders
        return [], None

    def _next_release(self) -> int | None:
        """The instant (ns) of the next stock arrival when orders may wait for stock (a
        strategy backorders, or allocations are followed: a re-route backorders): the
        orders are routed in runs that never span an arrival, so that an order left
        waiting sees every later arrival of its SKU. Restocked returns always end a run:
        the kernel adds only the arrivals known when the replay starts."""
        cursor = self.arrivals
        due = []
        if cursor.next < len(cursor.at) and (
            self.session.reactions is not None or self.backorders_possible
        ):
            due.append(int(cursor.at[cursor.next]))
        added = cursor.next_added()
        if added is not None:
            due.append(added)
        return min(due) if due else None

    def _arrivals_until(self, instant: int) -> Iterator[Replayed]:
        """Stock arriving up to `instant` (ns), one arrival instant at a time, releases
        the orders waiting for it."""
        while (due := self._next_release()) is not None and due <= instant:
            cursor = self.arrivals
            rows = cursor.apply_until(due)
            skus, releaser = self._waiting()
            if not skus:
                continue
            arrived = {cursor.inventory.skus[row] for row in rows}
            waiting = arrived.intersection(skus)
            if not waiting:
                continue
            at = from_ns(due)
            why = f"replenishment at {at.astimezone(UTC).isoformat()}"
            decisions = releaser.release(waiting, at, why)
            if decisions:
                yield Replayed(decisions, reroutes=True)

    def rest(self) -> Iterator[Replayed]:
        """Events after the last order still re-route open allocations, and stock that
        arrives still releases backorders (up to the replay's `until`; without one, up
        to the last event or arrival)."""
        ends = [self.events[-1][0]] if self.events else []
        if self.returns:
            ends.append(self.returns[-1][0])
        if self.until_ns is not None:
            ends.append(self.until_ns - 1)  # `until` itself is not replayed
        elif len(self.arrivals.at):
            ends.append(int(self.arrivals.at[-1]))
        if ends:
            yield from self.until(max(ends))
        if self.until_ns is None:  # returned units restocked after the rest
            while (added := self.arrivals.next_added()) is not None:
                yield from self._arrivals_until(added)


def _arrow_of(table: object) -> pa.Table | None:
    """The Arrow table of a loaded `engine.tables.Table` or an Arrow table itself; None
    for anything else (a pandas frame)."""
    rows: Any = getattr(table, "arrow", table)
    found: pa.Table | None = rows if type(rows).__module__.startswith("pyarrow") else None
    return found


def _arrow_from_frame(table: object) -> pa.Table:
    import pyarrow as pa

    return pa.Table.from_pandas(_frame_of(table), preserve_index=False)


def _frame_of(table: object) -> pd.DataFrame:
    """The frame of a loaded `engine.tables.Table`; anything else as it is (a frame)."""
    return cast("pd.DataFrame", getattr(table, "frame", table))


def _pieces(run: np.ndarray, alone: list[int]) -> Iterator[tuple[np.ndarray, bool]]:
    """A run of orders cut around the ones routed alone (explained)."""
    start = 0
    for k in alone:
        if k > start:
            yield run[start:k], False
        yield run[k : k + 1], True
        start = k + 1
    if start < len(run):
        yield run[start:], False


def targets_of(stock: pa.Table | pd.DataFrame, network: Network) -> dict[str, np.ndarray]:
    """Per SKU, the `target` stock level of each node (0 where none is given; repeated
    rows add up); rows of a node the network lacks are left to the inventory's own
    check. Worked out on whole columns: an inventory has millions of rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from engine.arrow import to_numpy
    from engine.model import dictionary_encoded

    if not isinstance(stock, pa.Table):
        stock = pa.Table.from_pandas(stock[["node_id", "sku", "target"]], preserve_index=False)
    target = stock["target"]
    given = pc.is_valid(target)
    if pa.types.is_floating(target.type):
        given = pc.and_(given, pc.invert(pc.is_nan(target)))
    rows = stock.filter(given)
    if rows.num_rows == 0:
        return {}
    nodes = dictionary_encoded(pc.cast(rows["node_id"], pa.string()))
    known = np.array(
        [network.index.get(str(name), -1) for name in nodes.dictionary.to_pylist()],
        dtype=np.int64,
    )
    node = known[to_numpy(nodes.indices)] if len(known) else np.empty(0, dtype=np.int64)
    skus = dictionary_encoded(pc.cast(rows["sku"], pa.string()))
    sku = to_numpy(skus.indices).astype(np.int64)
    values = to_numpy(rows["target"]).astype(np.int64)  # int(target), as a count
    inside = node >= 0
    matrix = np.zeros((len(skus.dictionary), len(network)), dtype=np.int64)
    np.add.at(matrix, (sku[inside], node[inside]), values[inside])
    present = np.zeros(len(skus.dictionary), dtype=bool)
    present[sku[inside]] = True
    names = skus.dictionary.to_pylist()
    return {str(names[k]): matrix[k] for k in np.flatnonzero(present).tolist()}
