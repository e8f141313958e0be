"""POST /returns: where returned units go (returns.md), routed by the session's
return strategies on the service's stock; restocked units land later, through the
ledger (service.restocks). Docs: docs/service.md, "Returns".
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter

from engine.limits import shown
from engine.returns import Return
from engine.session import Session
from service.errors import StrictJSONRoute
from service.restocks import Restocks
from service.return_models import ReturnsRequest
from service.security import requires
from service.settings import ServiceSettings
from service.writes import (
    AlreadyRouted,
    ClockWindow,
    Refused,
    WriteGate,
    checked_instant,
    given_twice,
    listed,
    location,
    unknown_sku,
    write,
)


class ReturnIds:
    """The ids of the last `window` returns routed, oldest first: a repeat (a client
    retrying) is refused, so that no unit is restocked twice."""

    def __init__(self, window: int):
        self.window = window
        self._ids: dict[str, None] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, return_id: str) -> bool:
        return return_id in self._ids

    def add(self, ids: list[str]) -> None:
        self._ids.update(dict.fromkeys(ids))
        excess = len(self._ids) - self.window
        if excess > 0:
            for old in list(itertools.islice(self._ids, excess)):
                del self._ids[old]


def returns_routes(
    session: Session,
    restocks: Restocks,
    routed: ReturnIds,
    gate: WriteGate,
    settings: ServiceSettings,
    clock: Callable[[], dt.datetime],
) -> APIRouter:
    """POST /returns over the session's return router and its restocks."""
    routes = APIRouter(route_class=StrictJSONRoute)

    @routes.post("/returns", dependencies=[requires("route")])
    def route_returns(request: ReturnsRequest) -> Any:
        """Route one return (`return`) or a batch (`returns`, in created_at order, then
        return id): where each returned line goes, its disposition and restock date.
        Decisions come back in the request's order; restocked units become stock at
        their restock instant (docs/service.md)."""

        def check():
            return returns_to_route(request, session, routed, clock(), settings.window)

        def apply(returns: list[Return]):
            decisions = {}
            for ret in sorted(returns, key=lambda r: (r.created_at, r.id)):
                restocks.land(ret.created_at)
                decision = session.returns.route(ret, request.explain)
                restocks.schedule(decision)
                decisions[ret.id] = decision
            routed.add([ret.id for ret in returns])
            latest = max(ret.created_at for ret in returns)
            restocks.land(restocks.now(max(clock(), latest)))  # restocked at once (0 days)
            answer = {"decisions": [decisions[ret.id].to_dict() for ret in returns]}
            return answer | restocks.report()

        return write(gate, "routing returns", check, apply)

    return routes


def returns_to_route(
    request: ReturnsRequest,
    session: Session,
    routed: ReturnIds,
    now: dt.datetime,
    window: ClockWindow,
) -> list[Return]:
    """The request's returns, each at a checked instant, with known drop nodes and
    SKUs; Refused with every problem, AlreadyRouted for an id routed before."""
    network, stock, tz = session.network, session.router.inventory, session.policy.tz
    errors: list[tuple[list, str]] = []
    returns: list[Return] = []
    batch = request.returns is not None
    for index, item in enumerate(request.all_returns):
        at = location(request.field, index if batch else None)
        instant = checked_instant(item.created_at, tz, now, window, at, errors)
        if item.method == "store" and item.drop_node not in network.index:
            errors.append(([*at, "drop_node"], f"unknown node {shown(item.drop_node)}"))
        for number, line in enumerate(item.lines):
            if line.sku not in stock.sku_index:
                errors.append(([*at, "lines", number, "sku"], unknown_sku(line.sku, "restocks")))
        if instant is not None:
            returns.append(item.to_return(instant))
    ids = [item.return_id for item in request.all_returns]
    twice = given_twice(ids)
    if twice:
        errors.append((["body", request.field], f"return id(s) given twice: {listed(twice)}"))
    if errors:
        raise Refused(errors)
    again = sorted(i for i in ids if i in routed)
    if again:
        raise AlreadyRouted(f"return(s) already routed: {listed(again)}; nothing was routed")
    return returns
