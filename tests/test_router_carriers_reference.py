"""With a carriers table, the engine must still decide exactly as the plain reference
router (tests/reference_router.py with tests/reference_carrying.py): random networks,
node calendars, carrier tables, closures, orders with weights and requested dates, and
rulesets with `ship with`, `deliver`, `carrier by` and the rank key `eta`;
byte-identical `to_json()` for every decision of a batch, routed in a batch, one by
one, and with explanations."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pandas as pd
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st
from reference_carrying import RefCarrying
from reference_promise import RefClosure, RefNode, RefService
from reference_router import route_all

import engine
from dsl import syntax as s
from engine.delivery import Delivery
from engine.router import Router
from tests.test_promise_reference import day_sets, engine_calendars
from tests.test_router_reference import (
    assert_every_way_routes_alike,
    field,
    routers,
    rulesets,
    scenarios,
    text,
)

CARRIERS = ("colissimo", "chronopost", "stuart")
SHIP_WITH = st.sampled_from(
    [
        s.Compare(op="==", left=field("carrier.service"), right=text("service0")),
        s.Compare(op="<=", left=field("carrier.transit_days"), right=s.Number(value=1)),
        s.Compare(
            op="in",
            left=field("carrier.name"),
            right=s.ListOf(items=[text("colissimo"), text("stuart")]),
        ),
        s.Compare(op="has", left=field("carrier.delivery_days"), right=text("Sat")),
        s.AnyOf(
            items=[
                s.Compare(op="==", left=field("carrier.service"), right=text("service1")),
                s.Compare(op="==", left=field("order.delivery"), right=text("home")),
            ]
        ),
    ]
)
DELIVER = st.sampled_from(
    [
        s.Deliver(within_days=1),
        s.Deliver(within_days=2),
        s.Deliver(within_days=3),
        s.Deliver(by=s.FieldRef(path="order.requested_date")),
    ]
)
CARRIER_BY = st.lists(st.sampled_from(["cost", "eta", "co2"]), min_size=1, max_size=3, unique=True)


@st.composite
def carried_rulesets(draw):
    ruleset = draw(rulesets())
    strategies = []
    for strategy in ruleset.strategies:
        rank = list(strategy.rank or [])
        if draw(st.booleans()):
            rank.insert(draw(st.integers(0, len(rank))), s.RankKey(key=s.Name(name="eta")))
        by = draw(st.one_of(st.none(), CARRIER_BY))
        strategies.append(
            strategy.model_copy(
                update={
                    "ship_with": draw(st.one_of(st.none(), st.none(), SHIP_WITH)),
                    "deliver": draw(st.one_of(st.none(), st.none(), DELIVER)),
                    "carrier_by": None if by is None else [s.Name(name=n) for n in by],
                    "rank": rank or None,
                }
            )
        )
    return ruleset.model_copy(update={"strategies": strategies})


@st.composite
def worlds(draw):
    nodes, stock, orders, _ = draw(scenarios())
    ruleset = draw(carried_rulesets())
    calendars = {
        n["id"]: RefNode(
            id=n["id"],
            type=n["type"],
            open_days=draw(st.one_of(st.just({0, 1, 2, 3, 4, 5}), day_sets)),
            cutoff=draw(st.sampled_from(["", "14:00", "20:30", "21:00", "00:00"])),
            prep_days=draw(st.sampled_from([0, 0, 1, 2])),
        )
        for n in nodes
    }
    services = [
        RefService(
            carrier=draw(st.sampled_from(CARRIERS)),
            service=f"service{index}",
            pickup_days=draw(st.one_of(st.just({0, 1, 2, 3, 4}), day_sets)),
            delivery_days=draw(st.one_of(st.just({0, 1, 2, 3, 4, 5}), day_sets)),
            transit_days=draw(st.sampled_from([0, 1, 2, 3])),
            countries=draw(st.sampled_from((set(), {"FR"}, {"FR", "BE"}, {"BE"}))),
            node_types=draw(st.sampled_from((set(), set(), {"store"}, {"dc", "3pl"}))),
            max_weight_kg=draw(st.none() | st.sampled_from((5.0, 30.0))),
            max_km=draw(st.none() | st.sampled_from((150.0, 500.0))),
            daily_parcels=draw(st.none() | st.integers(0, 3)),
            cost_base=draw(st.sampled_from((0.0, 4.95, 9.9))),
            cost_per_kg=draw(st.sampled_from((0.0, 0.25))),
            cost_per_km=draw(st.sampled_from((0.0, 0.01))),
        )
        for index in range(draw(st.sampled_from([0, 1, 1, 2, 2, 3, 4])))
    ]
    if not services:  # the distance eta: no clause that chooses carriers
        ruleset = ruleset.model_copy(
            update={
                "strategies": [
                    st_.model_copy(update={"ship_with": None, "carrier_by": None})
                    for st_ in ruleset.strategies
                ]
            }
        )
    co2 = [draw(st.sampled_from((0.05, 0.08, 0.14))) for _ in services]
    closures = {
        (
            dt.date(2026, 11, 14) + dt.timedelta(days=draw(st.integers(-1, 6))),
            scope,
            draw(
                {
                    "node": st.sampled_from(sorted(calendars)),
                    "carrier": st.sampled_from(CARRIERS),
                    "all": st.just(""),
                }[scope]
            ),
        )
        for scope in draw(st.lists(st.sampled_from(("node", "carrier", "all")), max_size=4))
    }
    weighed = []
    for order in orders:
        lines = tuple(
            replace(
                line,
                fields={**line.fields, "weight_kg": draw(st.sampled_from([None, 0.5, 4.0, 12.0]))},
            )
            for line in order.lines
        )
        requested = draw(st.one_of(st.none(), st.sampled_from(["2026-11-16", "2026-11-18"])))
        fields = {
            **order.fields,
            "country": draw(st.sampled_from(["FR", "FR", "BE"])),
            "requested_date": requested,
            "promised_days": draw(st.one_of(st.none(), st.sampled_from([1.0, 2.5]))),
        }
        weighed.append(replace(order, lines=lines, fields=fields))
    return nodes, stock, weighed, ruleset, calendars, services, co2, sorted(closures)


def engine_delivery(calendars, services, co2, closures):
    if not services:
        return None  # the router reads the distance eta
    built = engine_calendars(list(calendars.values()), services, [RefClosure(*c) for c in closures])
    carriers = built.carriers
    carriers.co2_per_km[:] = co2
    return Delivery(built)


@settings(max_examples=500, deadline=None)
@given(worlds())
def test_engine_routes_with_carriers_as_the_reference(world):
    nodes, stock, orders, ruleset, calendars, services, co2, closures = world
    try:
        policy = engine.policy_of(ruleset)
    except engine.CompileError:
        assume(False)
    network = engine.Network.from_frame(pd.DataFrame(nodes))

    def router() -> Router:
        return routers(policy, network, stock, engine_delivery(calendars, services, co2, closures))

    def reference():
        return RefCarrying(
            services, co2, [RefClosure(*c) for c in closures], calendars,
            ruleset.timezone or "UTC",
        )  # fmt: skip

    got = [d.to_json() for d in router().route_batch(orders)]
    want = [d.to_json() for d in route_all(ruleset, nodes, stock, orders, reference())]
    for line in want:
        decision = json.loads(line)
        event(f"status {decision['status']}")
        event(f"carried {sum('carrier' in x for x in decision['shipments'])}")
        event(f"services {len(services)}")
    assert got == want
    assert_every_way_routes_alike(router, orders, policy, want)
