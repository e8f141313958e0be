"""The engine must decide exactly as the plain reference router does
(tests/reference_router.py) on random small networks, stock, orders and
rulesets: byte-identical `to_json()` for every decision of a batch."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pandas as pd
from hypothesis import assume, event, given
from hypothesis import strategies as st
from reference_router import route_all

import engine
from dsl import syntax as s
from dsl.formatter import format_expr
from dsl.schema import NODE_TYPES
from engine.router import Router
from engine.windows import as_instant

NODE_IDS = ["N0", "N1", "N2", "N3", "N4", "N5"]
SKUS = ["A", "B", "C", "D"]
ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"]
TAGS = ["flagship", "paris", "outlet"]
COORDS = st.tuples(
    st.sampled_from([44.0, 45.5, 47.0, 48.5, 50.0]), st.sampled_from([-1.0, 1.5, 4.0, 6.5])
)


# ----------------------------------------------------------------- data


@st.composite
def node_rows(draw):
    ids = draw(st.lists(st.sampled_from(NODE_IDS), min_size=2, max_size=6, unique=True))
    rows = []
    for node_id in ids:
        lat, lon = draw(COORDS)
        rows.append(
            {
                "id": node_id,
                "name": f"Node {node_id}",
                "type": draw(st.sampled_from(NODE_TYPES[:3])),
                "lat": lat,
                "lon": lon,
                "country": "FR",
                "region": draw(st.sampled_from(["IDF", "ARA", "PACA"])),
                "tags": tuple(draw(st.lists(st.sampled_from(TAGS), max_size=2, unique=True))),
                "can_ship": draw(st.booleans()),
                "can_collect": draw(st.booleans()),
                "capacity": draw(st.one_of(st.none(), st.none(), st.integers(0, 3))),
                "priority": draw(st.one_of(st.none(), st.sampled_from([1.0, 2.0, 3.0]))),
                "pick_cost": draw(st.sampled_from([0.0, 0.25, 1.0])),
                "ship_cost_base": draw(st.sampled_from([2.0, 3.5])),
                "ship_cost_per_km": draw(st.sampled_from([0.0, 0.01, 0.013])),
                "handling_days": draw(st.sampled_from([0.0, 0.5, 1.0])),
            }
        )
    return rows


@st.composite
def stock_rows(draw, node_ids):
    stock = {}
    for node_id in node_ids:
        for sku in SKUS:
            if draw(st.integers(0, 3)):
                stock[(node_id, sku)] = draw(st.integers(0, 8))
    return stock


BASE = dt.datetime(2026, 11, 14, 20, 0)
PEAK = dt.date(2026, 11, 15)


@st.composite
def order_list(draw, node_ids):
    count = draw(st.integers(1, 8))
    orders = []
    for number in range(count):
        minutes = draw(st.sampled_from([0, 59, 60, 179, 180, 181, 300, 1440, 1500, 2880]))
        created = BASE + dt.timedelta(minutes=minutes)
        if draw(st.booleans()):
            created = created.replace(tzinfo=dt.UTC)
        lines = tuple(
            engine.Line(sku, qty, {"sku": sku, "qty": qty, "unit_price": 10.0, "category": cat})
            for sku, qty, cat in draw(
                st.lists(
                    st.tuples(
                        st.sampled_from([*SKUS, *SKUS, *SKUS, "E"]),
                        st.integers(1, 3),
                        st.sampled_from(["toys", "home"]),
                    ),
                    min_size=1,
                    max_size=3,
                )
            )
        )
        dest = draw(st.one_of(st.none(), COORDS)) if draw(st.integers(0, 9)) == 0 else draw(COORDS)
        fields = {
            "channel": draw(st.sampled_from(["web", "marketplace", "store"])),
            "delivery": draw(st.sampled_from(["home", "collect", "express"])),
            "collect_node": draw(st.one_of(st.none(), st.sampled_from(node_ids))),
            "tier": draw(st.sampled_from(["standard", "vip"])),
            "dest_lat": None if dest is None else dest[0],
            "dest_lon": None if dest is None else dest[1],
            "country": "FR",
            "region": draw(st.sampled_from(["IDF", "ARA"])),
            "postal_code": "75001",
        }
        orders.append(engine.Order(f"o{number % 5}{number}", created, lines, fields))
    return orders


# ------------------------------------------------------------- rulesets


def field(path):
    return s.FieldRef(path=path)


def text(value):
    return s.Text(value=value)


NODE_CONDITIONS = st.sampled_from(
    [
        s.Compare(op="==", left=field("node.type"), right=text("dc")),
        s.Compare(
            op="in", left=field("node.type"), right=s.ListOf(items=[text("dc"), text("store")])
        ),
        field("node.can_ship"),
        s.Not(operand=s.Compare(op="has", left=field("node.tags"), right=text("flagship"))),
        s.Compare(op="==", left=field("node.region"), right=field("order.region")),
        s.Compare(op="==", left=field("node.id"), right=field("order.collect_node")),
        s.Compare(op="<=", left=field("node.priority"), right=s.Number(value=2)),
        s.Compare(op="!=", left=field("node.capacity"), right=s.Number(value=0)),
    ]
)
ORDER_CONDITIONS = st.sampled_from(
    [
        s.Compare(op="==", left=field("order.delivery"), right=text("home")),
        s.Compare(op="==", left=field("order.delivery"), right=text("collect")),
        s.Compare(
            op="in",
            left=field("order.channel"),
            right=s.ListOf(items=[text("web"), text("marketplace")]),
        ),
        s.Compare(op="==", left=field("order.tier"), right=text("vip")),
        s.Compare(op="==", left=field("line.category"), right=text("toys")),
        s.Compare(op=">", left=field("order.value"), right=s.Number(value=25)),
        s.Compare(
            op=">=", left=field("order.created_at"), right=s.Moment(day=dt.date(2026, 11, 15))
        ),
    ]
)


LINE_CONDITIONS = st.sampled_from(
    [
        s.Compare(op="==", left=field("line.category"), right=text("toys")),
        s.Compare(op="in", left=field("line.sku"), right=s.ListOf(items=[text("A"), text("B")])),
        s.AllOf(
            items=[
                s.Compare(op=">=", left=field("line.qty"), right=s.Number(value=2)),
                s.Compare(op="==", left=field("order.tier"), right=text("vip")),
            ]
        ),
        s.Not(operand=s.Compare(op="==", left=field("line.sku"), right=text("C"))),
    ]
)
"""`lines where`: each reads a line field, tried on each line on its own."""


def combined(atoms):
    return st.one_of(
        atoms,
        st.lists(atoms, min_size=2, max_size=3).map(lambda xs: s.AllOf(items=xs)),
        st.lists(atoms, min_size=2, max_size=3).map(lambda xs: s.AnyOf(items=xs)),
        atoms.map(lambda x: s.Not(operand=x)),
    )


RANK_KEYS = st.one_of(
    st.sampled_from(["shipments", "distance", "cost", "stock", "load"]).map(
        lambda name: s.Name(name=name)
    ),
    st.sampled_from(["node.priority", "node.id", "node.type", "node.can_ship"]).map(field),
    NODE_CONDITIONS,
)

DAYS = [dt.date(2026, 11, 14), dt.date(2026, 11, 15), dt.date(2026, 11, 16)]
MOMENTS = st.one_of(
    st.sampled_from(DAYS).map(lambda d: s.Moment(day=d)),
    st.tuples(st.sampled_from(DAYS), st.sampled_from([dt.time(0, 0), dt.time(23, 0)])).map(
        lambda p: s.Moment(day=p[0], minute=p[1])
    ),
)


@st.composite
def effective(draw):
    start = draw(st.one_of(st.none(), MOMENTS))
    end = draw(st.one_of(st.none(), MOMENTS))
    if start is None and end is None:
        start = draw(MOMENTS)
    if start is not None and end is not None:
        key = lambda m: (m.day, m.minute or dt.time(0, 0))  # noqa: E731
        if key(end) < key(start):
            start, end = end, start
    return s.Effective(start=start, end=end)


@st.composite
def rulesets(draw):
    count = draw(st.integers(1, 4))
    # Distinct conditions: an earlier strategy with the same `when` would hide a later one.
    whens = draw(
        st.lists(combined(ORDER_CONDITIONS), min_size=count, max_size=count, unique_by=format_expr)
    )
    strategies = []
    for index in range(count):
        later = [f"s{j}" for j in range(index + 1, count)]
        when = whens[index] if index < count - 1 or draw(st.booleans()) else None
        priority = draw(st.one_of(st.none(), st.integers(1, 3)))
        strategies.append(
            s.Strategy(
                id=f"s{index}",
                # A strategy without `when` goes last, or it would hide the others.
                priority=priority if when is not None else 1000,
                effective=draw(st.lists(effective(), max_size=2)) if draw(st.booleans()) else [],
                when=when,
                source=draw(st.one_of(st.none(), st.none(), combined(NODE_CONDITIONS))),
                transfer=draw(st.one_of(st.none(), st.none(), combined(NODE_CONDITIONS))),
                within_km=draw(st.sampled_from([None, None, 50, 200, 400.5, 800])),
                keep=[
                    s.Keep(units=units, at=at)
                    for units, at in draw(
                        st.lists(st.tuples(st.integers(1, 2), NODE_CONDITIONS), max_size=2)
                        if draw(st.booleans())
                        else st.just([])
                    )
                ],
                rank=draw(
                    st.one_of(
                        st.none(),
                        st.lists(
                            st.builds(
                                s.RankKey,
                                key=RANK_KEYS,
                                direction=st.sampled_from([None, "asc", "desc"]),
                            ),
                            min_size=1,
                            max_size=3,
                        ),
                    )
                ),
                lines_where=draw(st.one_of(st.none(), st.none(), st.none(), LINE_CONDITIONS)),
                split=draw(st.sampled_from([None, 1, 2, 3, 3, 3])),
                otherwise=draw(st.one_of(st.none(), st.sampled_from(later))) if later else None,
                on_shortage=draw(st.sampled_from([None, "backorder", "partial", "reject"])),
            )
        )
    return s.Ruleset(name="random", timezone=draw(st.sampled_from(ZONES)), strategies=strategies)


@st.composite
def scenarios(draw):
    nodes = draw(node_rows())
    ids = [n["id"] for n in nodes]
    return nodes, draw(stock_rows(ids)), draw(order_list(ids)), draw(rulesets())


# ------------------------------------------------------------------ test


def routers(policy, network, stock, delivery=None) -> Router:
    """A fresh router on the drawn stock ({(node, sku): units})."""
    frame = pd.DataFrame(
        [{"node_id": n, "sku": k, "on_hand": q} for (n, k), q in stock.items()],
        columns=["node_id", "sku", "on_hand"],
    )
    inventory = engine.Inventory.from_frame(frame, network)
    return engine.Session(policy, network, inventory, delivery=delivery).router


@given(scenarios())
def test_engine_decides_as_the_reference(scenario):
    nodes, stock, orders, ruleset = scenario
    try:
        policy = engine.policy_of(ruleset)
    except engine.CompileError:
        assume(False)
    network = engine.Network.from_frame(pd.DataFrame(nodes))

    def router() -> Router:
        return routers(policy, network, stock)

    got = [d.to_json() for d in router().route_batch(orders)]
    want = [d.to_json() for d in route_all(ruleset, nodes, stock, orders)]
    for line in want:  # what the batch exercised, shown by --hypothesis-show-statistics
        decision = json.loads(line)
        event(f"status {decision['status']}")
        event(f"shipments {len(decision['shipments'])}")
        event(f"chain {len(decision['strategies'])}")
    assert got == want
    assert_every_way_routes_alike(router, orders, policy, want)


def assert_every_way_routes_alike(router, orders, policy, want: list[str]) -> None:
    """Routing with explanations, and one order at a time, decide as the batch did
    (`want`): the explanation's bookkeeping changes nothing, nor does the one-order path."""
    explained = router().route_batch(orders, explain=True)
    assert [replace(d, explain=()).to_json() for d in explained] == want
    one_by_one = router()
    ordered = sorted(orders, key=lambda o: (as_instant(o.created_at, policy.tz), o.id))
    assert [one_by_one.route(o).to_json() for o in ordered] == want
