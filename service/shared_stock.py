"""Service replicas sharing one stock in PostgreSQL (docs/service.md, "Replicas").

Every process keeps the whole state in memory, as one process does, and the
database keeps the **log of the writes** that built it. A write is one database
transaction under the process's write lock: lock the head row (`SELECT … FOR
UPDATE`: one writer at a time over all processes), replay the writes other
processes committed since this one last looked, apply the request with the same
router at one instant (the later of this clock and the last write's), append it to
the log with the ids it made, update the tables kept for reading, commit. So the
log is a total order every process applies alike: a replica's state is the state
one process would reach from the same requests in that order, and a process
(re)started on the database rebuilds it by replaying the log.

A write refused by the state (409, 404, 422 found under the lock) changes nothing
but what time brought (holds expired, restocks landed): it is logged as a tick so
every replica moves its time alike. A write that fails half-way is not logged; the
process stops its writes (503) until it is restarted and rebuilds.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import inspect
import json
import logging
import os
import socket
import threading
import typing
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import Connection, select
from sqlalchemy.exc import SQLAlchemyError

from engine.holds import Holds, utc_now
from engine.reactions import Reactions
from engine.session import Session
from service.restocks import Restocks
from service.settings import ServiceSettings
from service.shared_schema import StoreProblem, fingerprint, head, log, open_engine
from service.shared_tables import StateTables
from service.writes import Busy, WriteFailed, WriteGate, WritesStopped

logger = logging.getLogger("service.shared_stock")
TICK = ("TICK", "")
"""A logged write that only moves time: the request it stood for was refused."""
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}
_request: contextvars.ContextVar[list[Any] | None] = contextvars.ContextVar(
    "shared_stock_request", default=None
)
"""[method, path, body bytes] of the write being served (set by CaptureWrites)."""


class SharedClock:
    """The service's clock: real time, pinned to one instant while a write is applied
    or replayed, so that the write sees the same time on every replica."""

    def __init__(self) -> None:
        self._pinned: dt.datetime | None = None

    def __call__(self) -> dt.datetime:
        return self._pinned or utc_now()

    def pin(self, instant: dt.datetime | None) -> None:
        self._pinned = instant


class CaptureWrites:
    """ASGI middleware: keeps the method, path and body of a write as it is read, for
    the gate to log (the endpoint reads the body; this only copies it)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in _WRITES:
            await self.app(scope, receive, send)
            return
        captured: list[Any] = [scope["method"], scope["path"], bytearray()]
        token = _request.set(captured)

        async def copied():
            message = await receive()
            if message["type"] == "http.request":
                captured[2] += message.get("body", b"")
            return message

        try:
            await self.app(scope, copied, send)
        finally:
            _request.reset(token)


class SharedGate(WriteGate):
    """The write gate of a replica: each write is a transaction on the shared log
    (see the module doc); reads first replay what other processes committed."""

    def __init__(self, url: str, fingerprint: str, clock: SharedClock, first=None, due=None):
        super().__init__(first, due)
        self.engine = open_engine(url)
        self.fingerprint = fingerprint
        self.clock = clock
        self.seq = 0
        """The last log entry applied here."""
        self.process = f"{socket.gethostname()}:{os.getpid()}"
        self._replaying = threading.local()
        self._routes: list[tuple[APIRoute, str | None, type[BaseModel] | None]] = []
        self._others_wrote = True
        """Whether other processes committed writes just before this one's last."""
        self._open: dict[bool, Connection] = {}
        """The process's connections: the writer's (transactions) and the reader's
        (autocommit); writes and replays run one at a time, under the lock."""
        self.tables: StateTables | None = None
        self.reactions: Reactions | None = None
        self.holds: Holds | None = None
        self.restocks: Restocks | None = None

    # ------------------------------------------------------------ start
    def attach(self, app, reactions: Reactions, holds: Holds, restocks: Restocks) -> None:
        """Serve `app`'s writes through the log and rebuild the state from it: the
        tables are created or migrated, a database first used is given the stock of
        the start files, one used by other files is refused (StoreProblem)."""
        self.reactions, self.holds, self.restocks = reactions, holds, restocks
        self._routes = [_replayable(route) for route in _api_routes(app.routes)]
        self.tables = StateTables(self.engine, reactions, holds)
        self.tables.start(self.fingerprint)
        app.add_middleware(CaptureWrites)
        with self._lock:
            try:
                self._catch_up()
            except (SQLAlchemyError, WriteFailed) as error:
                raise StoreProblem(
                    f"cannot rebuild the state from the shared stock: {error}"
                ) from error

    # ------------------------------------------------------------ writes
    @contextmanager
    def transaction(self, wait: bool = True) -> Iterator[None]:
        """A write of the request being served, logged (see the module doc); a write
        replayed from the log only has time brought first, as the lock is held. A
        live write is never run without waiting (`wait` false: Busy, nothing done): it
        talks to the database, so it runs in a worker thread, off the event loop."""
        if getattr(self._replaying, "on", False):  # a logged write, replayed under the lock
            self._begin()
            yield
            return
        if not wait:
            raise Busy
        captured = _request.get()
        request = TICK if captured is None else (captured[0], captured[1], bytes(captured[2]))
        with self._write(request):
            yield

    @contextmanager
    def _write(self, request: tuple) -> Iterator[None]:
        """Log `request` (method, path, body; or TICK) as one write under both locks."""
        with self._lock:
            if self.stopped is not None:
                raise WritesStopped(self.stopped)
            # When others wrote before the last write, most of what they wrote since is
            # replayed before this write takes the row lock (alone, the round trip is saved).
            if self._others_wrote:
                try:
                    self._catch_up()
                except SQLAlchemyError:
                    self._drop_connections()  # the write tries again; if that fails, it stops
            refused = yield from self._logged(request)
        if refused is not None:
            raise refused

    def on_loop(self, small: bool) -> bool:  # noqa: ARG002 - the size does not matter here
        """A replayed write runs where the replay runs (it holds the lock); a live one
        in a worker thread (see `transaction`)."""
        return bool(getattr(self._replaying, "on", False))

    def _logged(self, request: tuple) -> Iterator[None]:
        """One logged write (a generator: it yields once, where the request applies);
        returns the exception that refused the request, logged as a tick."""
        refused: Exception | None = None
        assert self.tables is not None
        try:
            connection = self._connection(reader=False)
            with connection.begin():
                top = connection.execute(
                    select(head.c.seq, head.c.clock).where(head.c.id == 1).with_for_update()
                ).one()
                seen = self.seq
                self._replay(connection)  # a fresh snapshot: every entry up to top.seq
                self._others_wrote = self.seq > seen
                if self.seq != top.seq:
                    self._diverged(f"the log ends at {self.seq}, its head says {top.seq}")
                    raise WriteFailed(self.stopped)
                now = utc_now() if top.clock is None else max(utc_now(), top.clock)
                self.clock.pin(now)
                before = self.tables.snapshot()
                try:
                    self._begin()
                    yield
                except WriteFailed:
                    raise  # half-applied: not logged; the process stops its writes
                except Exception as error:  # refused: nothing changed but what time brought
                    refused, request = error, TICK
                self.seq += 1
                self.tables.write(
                    connection,
                    {"seq": self.seq, "at": now, "method": request[0], "path": request[1],
                     "body": request[2] if len(request) > 2 else b"", "process": self.process},
                    before,
                )  # fmt: skip
        except SQLAlchemyError as error:
            self._drop_connections()
            self._diverged(f"writing to the shared stock failed ({type(error).__name__})")
            logger.exception("a write could not be committed: writes are stopped")
            raise WriteFailed(self.stopped) from error
        finally:
            self.clock.pin(None)
        return refused

    def _connection(self, reader: bool) -> Connection:
        """The reader's or the writer's connection, opened again after a failure."""
        if reader not in self._open:
            connection = self.engine.connect()
            if reader:
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            self._open[reader] = connection
        return self._open[reader]

    def _drop_connections(self) -> None:
        for connection in self._open.values():
            with suppress(SQLAlchemyError):
                connection.close()
        self._open.clear()

    def _catch_up(self) -> None:
        """Replay the writes others committed, outside a transaction (no lock taken)."""
        self._replay(self._connection(reader=True))

    def _diverged(self, why: str) -> None:
        at = utc_now().isoformat(timespec="seconds")
        self.stopped = (
            f"writes are refused since {why} at {at}: this process's state may differ from "
            "the shared stock; restart the service to rebuild it (reads still work)"
        )

    # ------------------------------------------------------------ reads
    @contextmanager
    def reading(self) -> Iterator[None]:
        """Read under the lock once the writes others committed are replayed; when holds
        have expired or restocks are due by now, a tick is logged first, as one
        process releases and lands them at the start of a read."""
        if getattr(self._replaying, "on", False):  # a read within a replayed write
            yield
            return
        with self._lock:
            try:
                self._catch_up()
            except (SQLAlchemyError, WriteFailed):
                self._drop_connections()
                logger.warning(
                    "the shared stock cannot be read: answering from this process", exc_info=True
                )
            due = self.stopped is None and self._due_now()
        if due:
            # If the tick fails, writes stop and the read shows the state as it is.
            with suppress(WriteFailed, WritesStopped), self._write(TICK):
                pass
        with self._lock:
            yield

    def _due_now(self) -> bool:
        assert self.holds is not None and self.restocks is not None
        now = utc_now()
        restock = self.restocks.next_due()
        if restock is not None and restock <= self.restocks.now(now):
            return True
        return any(hold.expires_at <= now for hold in self.holds.holds())

    # ------------------------------------------------------------ replay
    def _replay(self, connection: Connection) -> None:
        """Apply the log entries after `self.seq`, in order."""
        assert self.tables is not None
        found = connection.execute(select(log).where(log.c.seq > self.seq).order_by(log.c.seq))
        for entry in found:
            if entry.seq != self.seq + 1:
                self._diverged(f"log entry {self.seq + 1} is missing")
                raise WriteFailed(self.stopped)
            self._apply(entry)
            self.seq = entry.seq
            if self.stopped is not None:
                raise WriteFailed(self.stopped)
        self.tables.seen()

    def _apply(self, entry) -> None:
        assert self.holds is not None
        ids = iter(json.loads(entry.ids))
        self.clock.pin(entry.at)
        random_ids, self.holds.new_id = self.holds.new_id, lambda: next(ids)
        self._replaying.on = True
        try:
            if (entry.method, entry.path) == TICK:
                with self.applying(f"replaying tick {entry.seq}"):
                    self._begin()
            else:
                self._call(entry)
        finally:
            self._replaying.on = False
            self.holds.new_id = random_ids
            self.clock.pin(None)

    def _call(self, entry) -> None:
        """Run a logged request through the endpoint that served it (the same checks
        and changes; its answer is dropped). Endpoints are called with their path
        parameters and their body model; one that cannot be, or fails, stops writes."""
        for route, body_name, model in self._routes:
            match = route.path_regex.match(entry.path)
            if match is None or entry.method not in route.methods:
                continue
            arguments: dict[str, Any] = dict(match.groupdict())
            try:
                if body_name is not None and model is not None:
                    arguments[body_name] = model.model_validate(json.loads(entry.body))
                _finished(route.endpoint(**arguments))
            except Exception:
                logger.exception("replaying log entry %s failed", entry.seq)
                self._diverged(f"replaying log entry {entry.seq} failed")
            return
        self._diverged(f"log entry {entry.seq} names {entry.method} {entry.path}, unknown here")


def _finished(result: Any) -> Any:
    """An endpoint's result; an async endpoint's coroutine run to its end here: a
    replayed write runs in the replaying thread and never waits for anything."""
    if not inspect.iscoroutine(result):
        return result
    try:
        result.send(None)
    except StopIteration as done:
        return done.value
    result.close()
    raise RuntimeError("a replayed endpoint waited for something")


def replica_app(
    session: Session,
    summary: dict[str, Any],
    settings: ServiceSettings,
    url: str,
    files: tuple[str | Path | None, ...],
) -> FastAPI:
    """The service's app as a replica on the shared stock at `url`, its state rebuilt
    from the log; `files` are the start files (nodes, inventory, ruleset or artifact,
    carriers, closures; None when not given), fingerprinted with the settings a replay
    depends on. StoreProblem when the database cannot be used."""
    from service.app import create_app

    window = (settings.window.ahead, settings.window.behind, settings.finished_ids)
    clock = SharedClock()
    gates = partial(SharedGate, url, fingerprint(files, window), clock)
    return create_app(session, summary, settings, clock=clock, gates=gates)


def _api_routes(routes) -> Iterator[APIRoute]:
    """The app's endpoints, those of the routers it includes too (FastAPI keeps an
    included router whole, as `original_router`; the service includes them without a
    prefix, so their paths are the app's)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _api_routes(included.routes)


def _replayable(route: APIRoute) -> tuple[APIRoute, str | None, type[BaseModel] | None]:
    """A route with the name and model of its body parameter (None without one)."""
    hints = typing.get_type_hints(route.endpoint)
    for name in inspect.signature(route.endpoint).parameters:
        kind = hints.get(name)
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            return route, name, kind
    return route, None, None
