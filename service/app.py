"""The HTTP API production consumers call: the same router as the CLI, the
studio and the simulations, with its stock and open allocations held in memory
for the life of one process.

    POST /route    one order or a batch -> decisions (optional explanations)   scope route
    POST /promise  a basket -> its delivery options, nothing allocated        scope route
    POST /events   one event or a batch -> the re-route decisions they caused  scope events
    POST /returns  one return or a batch -> where each returned unit goes     scope route
    GET  /availability  available to promise of a SKU, per node and in total  scope read
    POST /holds    hold the stock of a basket for a while -> a hold id         scope holds
    DELETE /holds/{id}  give a hold's units back                               scope holds
    GET  /ruleset  the ruleset running: name, version, content hash            scope read
    GET  /stats    what the process holds                                      scope read
    GET  /health   liveness (503 once writes are stopped)                      open
    GET  /openapi.json                                                         open

Every write is a transaction (service.writes): checked in full against the
state, then applied as one step under one lock, or refused with nothing
changed. Limits, keys and the clock window come from ServiceSettings. Holds
that have expired by the service's clock are released at the start of every
request that reads or writes the stock, and restocked returns that have arrived
land then (service.restocks).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from engine.holds import Holds, utc_now
from engine.limits import OutOfRange
from engine.promise_options import BasketError, basket_order, promise_options
from engine.reactions import Reactions
from engine.session import Session
from service.batch import routed_orders
from service.errors import BodyLimit, StrictJSONRoute, refusal, validation_failed
from service.fast import LeanJSONRoute, json_response
from service.models import EventsRequest, PromiseRequest, RouteRequest
from service.restocks import Restocks
from service.returns import ReturnIds, returns_routes
from service.security import Authentication, requires
from service.settings import ServiceSettings
from service.stock import stock_routes
from service.writes import (
    WriteGate,
    events_to_apply,
    open_hold,
    orders_to_route,
    write_soon,
)

TITLE = "Sourcing Studio routing service"
ROUTED_ON_THE_LOOP = 20
"""Orders of a POST /route (not explained), events of a POST /events, handled on the
event loop itself when the write gate is free; more go to a worker thread
(service.writes.write_soon)."""


def create_app(
    session: Session,
    ruleset: dict[str, Any],
    settings: ServiceSettings,
    clock: Callable[[], dt.datetime] = utc_now,
    gates: Callable[..., WriteGate] = WriteGate,
) -> FastAPI:
    """The API over `session` (a router, its ledger and its return router; its
    allocations are followed from now on); `ruleset` is what GET /ruleset reports
    (name, version, content_hash, ...); `clock` is the service's clock (an aware
    UTC instant), replaceable in tests; `gates` makes the write gate (replicas
    sharing a stock in PostgreSQL give theirs: service.shared_stock)."""
    reactions = session.follow()
    app = FastAPI(
        title=TITLE,
        version="1",
        summary="Which node ships each order line, and re-routes when the network changes.",
        docs_url=None,  # the interactive pages load their scripts from a CDN: only the schema
        redoc_url=None,
    )
    app.router.route_class = StrictJSONRoute
    app.add_middleware(BodyLimit, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(Authentication, keys=settings.keys)  # outermost: before anything
    app.add_exception_handler(RequestValidationError, validation_failed)
    reactions.ledger.finished_window = settings.finished_ids
    holds = Holds(reactions.router, clock)
    reactions.ledger.holds = holds
    restocks = Restocks(reactions, session.returns)
    routed_returns = ReturnIds(settings.finished_ids)
    gate = gates(first=holds.expire, due=lambda: restocks.land(restocks.now(clock())))

    @app.get("/health")
    def health() -> JSONResponse:
        """Liveness, open to all: 200 while writes are accepted, 503 (with the
        reason) once a failed write has stopped them — restart the process."""
        if gate.stopped is not None:
            return JSONResponse({"status": "writes refused", "detail": gate.stopped}, 503)
        return JSONResponse({"status": "ok"})

    @app.get("/stats", dependencies=[requires("read")])
    def stats() -> dict[str, Any]:
        """What the process holds: orders with something open or backordered,
        finished ids remembered, open allocations, events applied, holds open and
        the units they hold."""
        ledger = reactions.ledger
        with gate.reading():
            return {
                "writes": "refused" if gate.stopped is not None else "accepted",
                "orders_held": len(ledger.orders),
                "finished_ids_remembered": len(ledger.finished),
                "open_allocations": len(ledger.open),
                "events_applied": reactions.events_applied,
                "holds_open": len(holds.holds()),
                "units_held": holds.held_units,
                "returns_remembered": len(routed_returns),
                "restocks_scheduled": len(restocks),
            }

    @app.get("/ruleset", dependencies=[requires("read")])
    def current_ruleset() -> dict[str, Any]:
        """The ruleset this process runs."""
        return ruleset

    async def route(request: RouteRequest) -> Any:
        """Route one order (`order`) or a batch (`orders`, routed in created_at
        order, then order id). Decisions come back in the request's order. With
        `hold_id`, the hold's units are given back and the one order routed in the
        same step (docs/service.md)."""

        def check():
            orders = orders_to_route(request, reactions, clock(), settings.window)
            if request.hold_id is not None:
                open_hold(holds, request.hold_id)
            return orders

        def apply(orders):
            taken = None if request.hold_id is None else holds.take(request.hold_id)
            decisions = routed_orders(reactions, restocks, orders, request.explain)
            answer: dict[str, Any] = {"decisions": [d.to_dict() for d in decisions]}
            if taken is not None:
                answer["hold_taken"] = taken.to_dict()
            return answer | restocks.report()

        count = 1 if request.orders is None else len(request.orders)
        here = count <= ROUTED_ON_THE_LOOP and not (request.explain and count > 1)
        return await _written(gate, "routing a request", check, apply, here)

    _lean_post(app, "/route", route, "route")

    @app.post("/promise", dependencies=[requires("route")])
    def promise(request: PromiseRequest) -> Any:
        """A basket's delivery options before checkout: per delivery method, the
        promised date, the latest local time to order for it, carriers, cost, CO2 and
        nodes, from the same router — nothing is allocated (docs/service.md)."""
        router = reactions.router
        try:
            basket, at, delivery = basket_order(request.basket(), router.tz)
        except BasketError as error:
            return refusal([(["body"], str(error))])
        at = at or clock()
        with gate.reading():
            options = promise_options(router, basket, at, (delivery,) if delivery else None)
        answer = {"at": at.isoformat(), "options": [option.to_dict() for option in options]}
        return JSONResponse(answer)  # plain JSON values: no encoder walk needed

    async def events(request: EventsRequest) -> Any:
        """Apply one event (`event`) or a batch (`events`, in time order); answers
        with the re-route decisions they caused."""

        def check():
            return events_to_apply(request, reactions, clock(), settings.window)

        def apply(batch):
            return applied_events(reactions, restocks, batch)

        here = len(request.all_events) <= ROUTED_ON_THE_LOOP
        return await _written(gate, "applying events", check, apply, here)

    _lean_post(app, "/events", events, "events")

    app.include_router(stock_routes(reactions, holds, restocks, gate, settings, clock))
    app.include_router(returns_routes(session, restocks, routed_returns, gate, settings, clock))
    # A replica's gate serves writes through the shared log and rebuilds the state now.
    getattr(gate, "attach", lambda *_: None)(app, reactions, holds, restocks)
    return app


def applied_events(reactions: Reactions, restocks: Restocks, batch: list) -> Any:
    """Apply a checked batch of events (in time order), each after the restocks due by
    its instant; the answer (`applied`, the decisions, and the events refused, each
    alone); 422 when the one event asked for was refused."""
    decisions, refused = [], []
    for event in batch:
        restocks.land(event.at)
        try:
            done, declined = reactions.apply_each([event])
        except OutOfRange as error:  # a receipt above the bound once restocks landed
            done, declined = [], [(event, str(error))]
        decisions += done
        refused += declined
    if refused and len(batch) == 1:
        return JSONResponse({"detail": refused[0][1]}, 422)
    answer: dict[str, Any] = {
        "applied": len(batch) - len(refused),
        "decisions": [d.to_dict() for d in decisions],
    }
    if refused:
        answer["refused"] = [
            {"event": event.kind, "order_id": event.order_id, "detail": why}
            for event, why in refused
        ]
    return answer | restocks.report()


async def _written(gate: WriteGate, what: str, check, apply, here: bool) -> Response:
    """A write through the gate (`service.writes.write_soon`); its answer as JSON."""
    return await write_soon(gate, what, check, apply, here, _response)


def _response(answer: Any) -> Response:
    return answer if isinstance(answer, Response) else json_response(answer)


def _lean_post(app: FastAPI, path: str, endpoint, scope: str) -> None:
    """POST `path` served by `endpoint` on the lean path (`service.fast`)."""
    app.router.add_api_route(
        path, endpoint, methods=["POST"], dependencies=[requires(scope)],
        route_class_override=LeanJSONRoute,
    )  # fmt: skip
