"""The engine routes returns exactly as the plain reference (tests/reference_returns.py,
written from docs/returns.md) on random networks, stock, targets, return strategies
and returns: which strategies were tried, and for every line its node, disposition,
restock date, strategy, km and cost."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from reference_returns import route_returns

import engine
from dsl import syntax as s
from engine.returns import Return, ReturnLine

PLACES = [(48.8566, 2.3522), (45.764, 4.8357), (50.6292, 3.0573), (43.2965, 5.3698),
          (44.8378, -0.5792), (47.2184, -1.5536)]  # fmt: skip
SKUS = ["A", "B", "C"]
CONDITIONS = ["new", "opened", "damaged"]
START = dt.datetime(2026, 11, 10, 8, tzinfo=dt.UTC)


def field(path: str) -> s.FieldRef:
    return s.FieldRef(path=path)


def equals(path: str, value: str) -> s.Compare:
    return s.Compare(op="==", left=field(path), right=s.Text(value=value))


SEND_TO = [
    equals("node.type", "store"),
    equals("node.type", "dc"),
    s.Compare(op="has", left=field("node.tags"), right=s.Text(value="returns")),
    s.Compare(op="==", left=field("node.id"), right=field("return.drop_node")),
    s.Compare(op="<=", left=field("node.priority"), right=s.Number(value=2)),
    s.AnyOf(items=[equals("node.type", "dc"), equals("node.type", "store")]),
]
WHEN = [
    None,
    equals("return.method", "store"),
    equals("return.condition", "new"),
    s.Compare(
        op="in",
        left=field("return.condition"),
        right=s.ListOf(items=[s.Text(value="new"), s.Text(value="opened")]),
    ),  # fmt: skip
    equals("line.category", "apparel"),
    equals("return.reason", "damaged"),
]
RANK_KEYS = [s.Name(name="need"), s.Name(name="distance"), s.Name(name="cost"),
             field("node.priority"), equals("node.type", "store")]  # fmt: skip


@st.composite
def nodes(draw):
    count = draw(st.integers(2, 7))
    rows = []
    for k in range(count):
        lat, lon = draw(st.sampled_from(PLACES))
        rows.append(
            {
                "id": f"N{k}",
                "type": draw(st.sampled_from(["dc", "store", "store", "3pl"])),
                "lat": lat + draw(st.sampled_from([0.0, 0.05, -0.1])),
                "lon": lon,
                "tags": ("returns",) if draw(st.booleans()) else (),
                "priority": draw(st.integers(1, 3)),
                "accepts_returns": draw(st.sampled_from([None, None, True, False])),
                "ship_cost_base": draw(st.sampled_from([2.0, 4.0])),
                "ship_cost_per_km": draw(st.sampled_from([0.0, 0.01, 0.02])),
                "return_cost": draw(st.sampled_from([0.0, 0.5, 1.5])),
                "pick_cost": 0.5,
                "handling_days": 1.0,
            }
        )
    return rows


@st.composite
def strategies(draw):
    count = draw(st.integers(1, 3))
    out = []
    for k in range(count):
        by = draw(st.booleans())
        if by:
            cases = [
                s.DispositionCase(value=c, disposition=draw(st.sampled_from(s.DISPOSITIONS)))
                for c in CONDITIONS
                if draw(st.integers(0, 3))  # some values left without a case
            ]
            disposition = s.Disposition(by=field("return.condition"), cases=cases or [
                s.DispositionCase(value="new", disposition="restock")])  # fmt: skip
        else:
            disposition = s.Disposition(fixed=draw(st.sampled_from(s.DISPOSITIONS)))
        keys = draw(st.lists(st.sampled_from(RANK_KEYS), max_size=2, unique_by=repr))
        out.append(
            s.Strategy(
                id=f"r{k}",
                kind="return",
                priority=draw(st.sampled_from([None, 10, 50])),
                when=draw(st.sampled_from(WHEN)),
                send_to=draw(st.sampled_from(SEND_TO)),
                within_km=draw(st.sampled_from([None, None, 50, 400])),
                rank=[
                    s.RankKey(key=key, direction=draw(st.sampled_from([None, "desc"])))
                    for key in keys
                ]
                or None,
                disposition=disposition,
                restock_after=draw(st.sampled_from([None, 0, 1, 3])),
                otherwise=(f"r{k + 1}" if k + 1 < count and draw(st.booleans()) else None),
            )
        )
    return out


@st.composite
def returns(draw, node_ids):
    out = []
    for k in range(draw(st.integers(1, 6))):
        method = draw(st.sampled_from(["store", "post", "courier"]))
        lat, lon = draw(st.sampled_from(PLACES))
        drop = draw(st.sampled_from([*node_ids, "NOWHERE"]))
        fields = {
            "method": method,
            "drop_node": drop if method == "store" else None,
            "origin_lat": None if method == "store" else lat,
            "origin_lon": None if method == "store" else lon,
            "order_id": f"O{k}",
        }  # fmt: skip
        lines = tuple(
            ReturnLine(
                sku,
                qty,
                {
                    "sku": sku,
                    "qty": qty,
                    "condition": condition,
                    "reason": reason,
                    "category": category,
                    "unit_price": 20.0,
                },  # fmt: skip
            )
            for sku, qty, condition, reason, category in draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(SKUS),
                        st.integers(1, 3),
                        st.sampled_from(CONDITIONS),
                        st.sampled_from(["damaged", "wrong_size", "changed_mind"]),
                        st.sampled_from(["apparel", "electronics"]),
                    ),  # fmt: skip
                    min_size=1,
                    max_size=2,
                )
            )
        )
        at = START + dt.timedelta(hours=draw(st.integers(0, 24 * 6)))
        out.append(Return(f"R{k}", at, lines, fields))
    return out


@st.composite
def scenarios(draw):
    network = draw(nodes())
    ids = [row["id"] for row in network]
    cells = [(n, sku) for n in ids for sku in SKUS]
    stock = {cell: draw(st.integers(0, 4)) for cell in cells}
    targets = {cell: draw(st.sampled_from([0, 0, 2, 5])) for cell in cells}
    ruleset = s.Ruleset(name="R", timezone="Europe/Paris", strategies=draw(strategies()))
    return network, stock, targets, ruleset, draw(returns(ids))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.booleans())
def test_the_engine_routes_returns_as_the_reference(scenario, in_one_batch):
    """One return at a time (`Session.route_return`) or all in one call
    (`Session.route_returns`, the compiled batch): the reference's decisions."""
    network, stock, targets, ruleset, rets = scenario
    try:
        policy = engine.policy_of(ruleset)
    except engine.CompileError:
        assume(False)
    inventory = pd.DataFrame(
        [
            {"node_id": n, "sku": k, "on_hand": q, "target": targets[(n, k)]}
            for (n, k), q in stock.items()
        ]  # fmt: skip
    )
    session = engine.Session.open(policy, pd.DataFrame(network), inventory)
    ordered = sorted(rets, key=lambda r: (r.created_at, r.id))
    if in_one_batch:
        made = session.route_returns(rets)
    else:
        made = [session.route_return(ret) for ret in ordered]
    expected = route_returns(ruleset, network, stock, targets, ordered)
    for decision, want in zip(made, expected, strict=True):
        assert decision.status == want["status"], decision.to_json()
        assert list(decision.strategies) == want["strategies"], decision.to_json()
        for line, wanted in zip(decision.lines, want["lines"], strict=True):
            got = (line.node_id, line.disposition, line.restock_date, line.strategy)
            assert got == (wanted["node_id"], wanted["disposition"], wanted["restock_date"],
                           wanted["strategy"]), decision.to_json()  # fmt: skip
            if line.node_id is not None:
                assert line.distance_km == pytest.approx(wanted["distance_km"], abs=1e-6)
                assert line.cost == pytest.approx(wanted["cost"], abs=1e-6)
