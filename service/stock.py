"""The endpoints of the stock itself: what a SKU has available to promise, and
stock held for baskets (engine.holds), under the service's write gate and clock
(docs/service.md, "Holds and availability")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from engine.availability import UnknownSku, availability
from engine.holds import Holds, NothingToHold, TooManyHolds
from engine.limits import shown
from engine.reactions import Reactions
from service.errors import StrictJSONRoute, refusal
from service.models import HoldId, HoldRequest, Id, Text
from service.restocks import Restocks
from service.security import requires
from service.settings import ServiceSettings
from service.writes import WriteGate, basket_to_hold, open_hold, write

Delivery = Literal["home", "collect", "express"]


def stock_routes(
    reactions: Reactions,
    holds: Holds,
    restocks: Restocks,
    gate: WriteGate,
    settings: ServiceSettings,
    clock: Callable[[], dt.datetime],
) -> APIRouter:
    """GET /availability, POST /holds and DELETE /holds/{hold_id} over the router
    of `reactions` and its `holds` (with the restocks landing on its stock)."""
    routes = APIRouter(route_class=StrictJSONRoute)

    @routes.get("/availability", dependencies=[requires("read")])
    def available(
        sku: Annotated[Id, Query(description="the SKU")],
        channel: Annotated[Text | None, Query(description="the order's channel")] = None,
        delivery: Annotated[Delivery | None, Query(description="the delivery method")] = None,
    ) -> Any:
        """Available to promise of a SKU per node and in total: on hand less allocated,
        held, and what `keep` protects for the strategy that would serve an order of
        that channel and delivery method now (docs/service.md)."""
        with gate.reading():
            try:
                found = availability(reactions.router, holds, sku, channel, delivery, clock())
            except UnknownSku:
                return refusal(
                    [
                        (
                            ["query", "sku"],
                            f"unknown sku {shown(sku)}: the service holds the SKUs of its "
                            "inventory file only",
                        )
                    ]
                )
        return JSONResponse(found.to_dict())

    @routes.post("/holds", dependencies=[requires("holds")])
    def hold(request: HoldRequest) -> Any:
        """Hold the stock the router would place for a basket, for `ttl_seconds`;
        answers with the hold (its id, expiry, shipments and the units held)."""

        def check():
            return basket_to_hold(request, reactions, clock(), settings.window)

        def apply(basket):
            restocks.land(basket.created_at)
            try:
                made = holds.hold(basket, request.ttl_seconds, basket.created_at)
            except NothingToHold as nothing:  # raised before anything changed
                return refusal([(["body", "basket", "lines"], str(nothing))])
            except TooManyHolds as full:
                return JSONResponse({"detail": str(full)}, 429)
            return made.to_dict() | restocks.report()

        return write(gate, "holding stock", check, apply)

    @routes.delete("/holds/{hold_id}", dependencies=[requires("holds")])
    def release(hold_id: Annotated[HoldId, Path()]) -> Any:
        """Give a hold's units back (the basket was abandoned); 404 when no hold is
        open under that id (expired included)."""

        def check():
            return open_hold(holds, hold_id)

        def apply(_hold):
            return holds.release(hold_id).to_dict() | restocks.report()

        return write(gate, "releasing a hold", check, apply)

    return routes
