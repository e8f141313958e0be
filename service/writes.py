"""Writes as transactions: a request either applies completely or changes
nothing.

Everything a request could be refused for is checked against the service's
state *before* anything changes — instants (their range, and their distance
from the service's clock: the ledger's clock follows the latest instant seen
and closes the allocations whose handling time has passed, so a client must
not move it at will), nodes and SKUs the service knows, ids given twice,
receipts that would take a position above the stock bound. Only then is the
request applied, as one step, under one lock. If applying fails all the same
(a defect, not bad input), the state may be half-changed: the gate then stops
every later write (503) until the process is restarted; reads keep working.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from engine.events import Event
from engine.holds import Hold, Holds
from engine.limits import STOCK, OutOfRange, check_instant, shown
from engine.model import Order
from engine.reactions import Reactions
from service.errors import refusal
from service.models import EventsRequest, HoldRequest, OrderIn, RouteRequest

log = logging.getLogger("service.writes")


class Refused(Exception):
    """The request cannot apply to the state: 422 with each (location, message)."""

    def __init__(self, errors: list[tuple[list, str]]):
        super().__init__("; ".join(message for _, message in errors))
        self.errors = errors


class AlreadyRouted(Exception):
    """An order id the ledger knows (held, or finished within its window): 409."""


class WritesStopped(Exception):
    """Writes are refused since an earlier write failed half-way (503)."""


class WriteFailed(Exception):
    """Applying this request failed unexpectedly; writes are now stopped (500)."""


class Busy(Exception):
    """The write lock is held by another request (a write that would not wait)."""


class HoldMissing(Exception):
    """No hold open under the id a request names (never made, released, taken or
    expired): 404."""


class WriteGate:
    """One write at a time, and none after a write that failed half-way. `first`
    runs under the lock at the start of every read and write of the state (the
    service releases the holds that have expired); then `due`, the changes time
    has brought (restocked returns that have arrived), as a change of the state:
    if it fails, writes stop."""

    def __init__(
        self, first: Callable[[], object] | None = None, due: Callable[[], object] | None = None
    ) -> None:
        self._lock = threading.Lock()
        self._counting = threading.Lock()
        self.waiting = 0
        """Requests blocked until the lock is free (in worker threads)."""
        self._first = first
        self._due = due
        self.stopped: str | None = None
        """Why writes are refused (None while they are accepted)."""

    @contextmanager
    def transaction(self, wait: bool = True) -> Iterator[None]:
        """Hold the write lock for a check-then-apply step; WritesStopped when
        writes are refused, WriteFailed when what time brought failed; Busy, with
        nothing done, when the lock is held or others wait for it and `wait` is
        false (a request that would not wait never overtakes one that waits)."""
        if not self._acquire(wait):
            raise Busy
        try:
            if self.stopped is not None:
                raise WritesStopped(self.stopped)
            self._begin()
            yield
        finally:
            self._lock.release()

    def on_loop(self, small: bool) -> bool:
        """Whether a write runs on the event loop when the gate is free: a small one
        does (see `write_soon`)."""
        return small

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Hold the write lock to read a consistent state (a promise), even once
        writes are refused (then nothing is changed first but expired holds)."""
        self._acquire(wait=True)
        try:
            with suppress(WriteFailed):  # writes stop (logged); the read shows the state
                self._begin()
            yield
        finally:
            self._lock.release()

    def _acquire(self, wait: bool) -> bool:
        if not wait:
            return self.waiting == 0 and self._lock.acquire(blocking=False)
        with self._counting:
            self.waiting += 1
        try:
            return self._lock.acquire()
        finally:
            with self._counting:
                self.waiting -= 1

    def _begin(self) -> None:
        if self._first is not None:
            self._first()
        if self._due is not None and self.stopped is None:
            with self.applying("landing restocked returns"):
                self._due()

    @contextmanager
    def applying(self, what: str) -> Iterator[None]:
        """Around the changes themselves: an exception stops every later write."""
        try:
            yield
        except Exception as error:
            at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            self.stopped = (
                f"writes are refused since {what} failed at {at} ({type(error).__name__}); "
                "the state may be half-changed: restart the service (reads still work)"
            )
            log.exception("%s failed: writes are stopped until a restart", what)
            raise WriteFailed(self.stopped) from error


def write(gate: WriteGate, what: str, check: Callable, apply: Callable, wait: bool = True) -> Any:
    """One write as a transaction: `check()` against the state,
    then `apply(checked)` under the gate; the answer, or the response that says
    why not (422 refused, 404 no such hold, 409 already routed, 503 writes
    stopped, 500 failed). Busy when the gate is held and `wait` is false."""
    try:
        with gate.transaction(wait):
            checked = check()
            with gate.applying(what):
                return apply(checked)
    except Refused as refused:
        return refusal(refused.errors)
    except AlreadyRouted as conflict:
        return JSONResponse({"detail": str(conflict)}, 409)
    except HoldMissing as missing:
        return JSONResponse({"detail": str(missing)}, 404)
    except WritesStopped as stopped:
        return JSONResponse({"detail": str(stopped)}, 503)
    except WriteFailed as failed:
        return JSONResponse({"detail": str(failed)}, 500)


async def write_soon(
    gate: WriteGate,
    what: str,
    check: Callable,
    apply: Callable,
    here: bool,
    finish: Callable[[Any], Any] = lambda answer: answer,
) -> Any:
    """`write` from the event loop, then `finish` on its answer (e.g. encode it): run
    at once on the loop when the work is small (`here`) and the gate is free with
    nobody waiting for it — no hop to a worker thread, whose hand-over costs more
    than routing one order; otherwise in a worker thread, which waits for the gate
    without stopping the loop (a large batch there leaves the loop free to read the
    next requests, and requests already waiting — events, reads — are not overtaken
    again and again)."""
    if gate.on_loop(here):
        with suppress(Busy):
            return finish(write(gate, what, check, apply, wait=False))
    return await run_in_threadpool(_in_worker, [gate, what, check, apply, finish])


def _in_worker(job: list) -> Any:
    """`write` and `finish` in a worker thread. A worker thread keeps its last job's
    arguments and result until it takes the next job: the job is emptied here and
    its answer finished (encoded) before it leaves, so that a batch's request and
    answer (tens of thousands of objects) are freed when the request ends, not kept
    for the collector to walk while the thread waits."""
    gate, what, check, apply, finish = job
    job.clear()
    return finish(write(gate, what, check, apply))


@dataclass(frozen=True)
class ClockWindow:
    """How far from the service's clock an order's created_at or an event's at
    may be: `ahead` into the future, `behind` into the past."""

    ahead: dt.timedelta
    behind: dt.timedelta

    def problem(self, instant: dt.datetime, now: dt.datetime, name: str) -> str | None:
        if instant > now + self.ahead:
            return (
                f"{name} {instant.isoformat()} is {_span(instant - now)} ahead of the service's "
                f"clock ({now.isoformat(timespec='seconds')}); at most {_span(self.ahead)} "
                "ahead is accepted"
            )
        if instant < now - self.behind:
            return (
                f"{name} {instant.isoformat()} is {_span(now - instant)} behind the service's "
                f"clock ({now.isoformat(timespec='seconds')}); at most {_span(self.behind)} "
                "behind is accepted"
            )
        return None


def _span(delta: dt.timedelta) -> str:
    seconds = delta.total_seconds()
    if seconds < 120:
        return f"{seconds:,.0f} s"
    if seconds < 7_200:
        return f"{seconds / 60:,.0f} min"
    if seconds < 172_800:
        return f"{seconds / 3_600:,.1f} h"
    return f"{seconds / 86_400:,.1f} days"


def location(field: str, index: int | None, *path) -> list:
    if index is None:
        return ["body", field, *path]
    return ["body", field, index, *path]


def orders_to_route(
    request: RouteRequest, reactions: Reactions, now: dt.datetime, window: ClockWindow
) -> list[Order]:
    """The request's orders, each at a checked instant; Refused with every problem."""
    errors: list[tuple[list, str]] = []
    orders: list[Order] = []
    batch = request.orders is not None
    for index, item in enumerate(request.all_orders):
        at = location(request.field, index if batch else None)
        order = _checked_order(item, at, reactions, now, window, errors)
        if order is not None:
            orders.append(order)
    ids = [item.order_id for item in request.all_orders]
    twice = given_twice(ids)
    if twice:
        errors.append((["body", request.field], f"order id(s) given twice: {listed(twice)}"))
    if errors:
        raise Refused(errors)
    routed = sorted(i for i in ids if reactions.ledger.known(i))
    if routed:
        raise AlreadyRouted(f"order(s) already routed: {listed(routed)}; nothing was routed")
    return orders


def _checked_order(
    item: OrderIn,
    at: list,
    reactions: Reactions,
    now: dt.datetime,
    window: ClockWindow,
    errors: list[tuple[list, str]],
) -> Order | None:
    """The engine's order of `item` (created now without a `created_at`); its
    problems go to `errors`, at `at` (None when its instant is unusable)."""
    network, tz = reactions.router.network, reactions.router.tz
    instant = checked_instant(item.created_at, tz, now, window, at, errors)
    if instant is None:
        return None
    if item.delivery == "collect" and item.collect_node not in network.index:
        errors.append(([*at, "collect_node"], f"unknown node {shown(item.collect_node)}"))
    return item.to_order(instant)


def checked_instant(
    value: dt.datetime | None,
    zone: dt.tzinfo,
    now: dt.datetime,
    window: ClockWindow,
    at: list,
    errors: list[tuple[list, str]],
    name: str = "created_at",
) -> dt.datetime | None:
    """`value`, the field `name` of the item at `at`, as an aware UTC instant (`now`
    when not given; without an offset, a wall-clock time in `zone`), its problems —
    out of 1970–2200, or too far from the service's clock — added to `errors` at
    the field; None when it is out of range."""
    if value is None:
        return now
    at = [*at, name]
    try:
        instant = check_instant(value, zone, name)
    except OutOfRange as error:
        errors.append((at, str(error)))
        return None
    problem = window.problem(instant, now, name)
    if problem is not None:
        errors.append((at, problem))
    return instant


def basket_to_hold(
    request: HoldRequest, reactions: Reactions, now: dt.datetime, window: ClockWindow
) -> Order:
    """The basket of a POST /holds, checked as an order of POST /route is (its id
    need not be new: it only names the basket); Refused with every problem."""
    errors: list[tuple[list, str]] = []
    order = _checked_order(request.basket, ["body", "basket"], reactions, now, window, errors)
    if errors or order is None:
        raise Refused(errors)
    return order


def open_hold(holds: Holds, hold_id: str) -> Hold:
    """The hold open under `hold_id`; HoldMissing when there is none."""
    hold = holds.get(hold_id)
    if hold is None:
        raise HoldMissing(
            f"no hold {hold_id} is open: it was never made, or was released, taken or has "
            "expired; nothing was changed"
        )
    return hold


def given_twice(ids: list[str]) -> list[str]:
    """The ids that appear more than once, sorted."""
    seen: set[str] = set()
    return sorted({i for i in ids if i in seen or seen.add(i)})


def listed(ids: list[str]) -> str:
    shown_ids = [shown(i, 60).strip("'") for i in ids[:10]]
    return ", ".join(shown_ids) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")


def events_to_apply(
    request: EventsRequest, reactions: Reactions, now: dt.datetime, window: ClockWindow
) -> list[Event]:
    """The request's events, checked against the network, the SKUs the service
    stocks and the stock bound; Refused with every problem."""
    router = reactions.router
    network, stock = router.network, router.inventory
    errors: list[tuple[list, str]] = []
    events: list[tuple[dt.datetime, int, Event]] = []
    batch = request.events is not None
    for index, item in enumerate(request.all_events):
        at = location(request.field, index if batch else None)
        count = len(errors)
        instant = checked_instant(item.at, dt.UTC, now, window, at, errors, "at")
        if item.node_id and item.node_id not in network.index:
            errors.append(([*at, "node_id"], f"unknown node {shown(item.node_id)}"))
        if item.collect_node and item.collect_node not in network.index:
            errors.append(([*at, "collect_node"], f"unknown node {shown(item.collect_node)}"))
        if item.sku is not None and item.sku not in stock.sku_index:
            errors.append(([*at, "sku"], unknown_sku(item.sku, "counts and receives")))
        if len(errors) == count and instant is not None:
            event = Event(
                instant, item.kind, item.node_id or "", item.sku, item.qty, item.note,
                order_id=item.order_id, changes=item.changes,
            )  # fmt: skip
            events.append((instant, index, event))
    events.sort(key=lambda entry: entry[:2])  # as Reactions.apply_batch: time, then given order
    if not errors:
        errors += _receipts_above_the_bound(events, reactions, request.field, batch)
    if errors:
        raise Refused(errors)
    return [event for _, _, event in events]


def unknown_sku(sku: str, does: str) -> str:
    """Why a SKU the inventory file lacks is refused (the service `does` ... its SKUs)."""
    return (
        f"unknown sku {shown(sku)}: the service {does} the SKUs of its inventory file only; "
        "add the SKU there and restart"
    )


def _receipts_above_the_bound(events, reactions: Reactions, field: str, batch: bool) -> list:
    """Walk the batch's counts and receipts in the order they apply: a receipt
    that would take a position above STOCK.high is refused (with the on-hand
    units before the batch: parcels leaving meanwhile only lower them)."""
    stock = reactions.router.inventory
    position: dict[tuple[str, str], int] = {}
    errors = []
    for _, index, event in events:
        if event.kind not in ("stock_adjust", "replenish"):
            continue
        key = (event.node_id, event.sku)
        if key not in position:
            position[key] = stock.on_hand_of(*key)
        if event.kind == "stock_adjust":
            position[key] = event.qty
        elif position[key] + event.qty > STOCK.high:
            errors.append(
                (
                    location(field, index if batch else None, "qty"),
                    f"a replenish of {event.qty:,} unit(s) would take the {position[key]:,} units "
                    f"on hand above {STOCK.high:,}, the most one position holds",
                )
            )
        else:
            position[key] += event.qty
    return errors
