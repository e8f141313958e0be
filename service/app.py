"""The HTTP API production consumers call: the same router as the CLI, the
studio and the simulations, with its stock and open allocations held in memory
for the life of one process.

    POST /route    one order or a batch -> decisions (optional explanations)
    POST /events   one event or a batch -> the re-route decisions they caused
    GET  /health   liveness and a few counters
    GET  /ruleset  the ruleset running: name, version, content hash
    GET  /openapi.json

Requests are served one at a time against the router (`Reactions` holds one
lock), so concurrent requests never promise the same unit twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.exceptions import RequestValidationError

from engine.reactions import OrderAlreadyRouted, Reactions
from service.models import EventsRequest, RouteRequest

TITLE = "Sourcing Studio routing service"


def create_app(reactions: Reactions, ruleset: dict[str, Any]) -> FastAPI:
    """The API over `reactions` (a router and its ledger); `ruleset` is what
    GET /ruleset reports (name, version, content_hash, ...)."""
    app = FastAPI(
        title=TITLE,
        version="1",
        summary="Which node ships each order line, and re-routes when the network changes.",
        docs_url=None,  # the interactive pages load their scripts from a CDN: only the schema
        redoc_url=None,
    )
    network_ids = set(reactions.router.network.ids)

    @app.get("/health")
    def health() -> dict[str, Any]:
        """Liveness, and how much the process holds."""
        ledger = reactions.ledger
        return {
            "status": "ok",
            "orders": len(ledger.orders),
            "open_allocations": len(ledger.open),
            "events_applied": reactions.events_applied,
        }

    @app.get("/ruleset")
    def current_ruleset() -> dict[str, Any]:
        """The ruleset this process runs."""
        return ruleset

    @app.post("/route")
    def route(request: RouteRequest) -> dict[str, Any]:
        """Route one order (`order`) or a batch (`orders`, routed in created_at
        order, then order id). Decisions come back in the request's order."""
        now = dt.datetime.now(dt.UTC)
        orders = [item.to_order(now) for item in request.all_orders]
        ids = [o.id for o in orders]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            _refuse(["orders"], f"order id(s) given twice: {', '.join(repeated)}")
        try:
            decisions = reactions.route_batch(orders, explain=request.explain)
        except OrderAlreadyRouted as error:  # nothing was routed
            raise HTTPException(409, str(error)) from None
        by_id = {d.order_id: d for d in decisions}
        return {"decisions": [by_id[i].to_dict() for i in ids]}

    @app.post("/events")
    def events(request: EventsRequest) -> dict[str, Any]:
        """Apply one event (`event`) or a batch (`events`, in time order); answers
        with the re-route decisions they caused."""
        now = dt.datetime.now(dt.UTC)
        given = request.all_events
        field = "event" if request.event is not None else "events"
        for index, item in enumerate(given):
            if item.node_id not in network_ids:
                where = (
                    [field, "node_id"] if request.event is not None else [field, index, "node_id"]
                )
                _refuse(where, f"unknown node {item.node_id!r}")
        batch = [item.to_event(now) for item in given]
        decisions = reactions.apply_batch(batch)
        return {"applied": len(batch), "decisions": [d.to_dict() for d in decisions]}

    return app


def _refuse(where: list, message: str) -> None:
    """A 422 shaped like pydantic's own: the field's path and the message."""
    raise RequestValidationError(
        [{"type": "value_error", "loc": ["body", *where], "msg": message, "input": None}]
    )
