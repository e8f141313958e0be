"""Reactions to operational events: which open allocations an event moves, where
they go, and that no unit is ever lost or promised twice."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import engine
from engine.events import Event, events_from_frame
from engine.reactions import ReactionError, Reactions
from engine.tables import load_events

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
SPLIT_THREE = """ruleset "Reactions"
strategy main "Nearest first"
  rank by distance
  split at most 3
  on shortage backorder
"""
# Paris, then nodes further north: A is nearest, then B, C, D.
NODES = [
    {"id": "A", "lat": 48.85, "lon": 2.35, "handling_days": 1.0, "pick_cost": 0.5},
    {"id": "B", "lat": 49.35, "lon": 2.35, "handling_days": 1.0, "pick_cost": 0.5},
    {"id": "C", "lat": 49.85, "lon": 2.35, "handling_days": 1.0, "pick_cost": 0.5},
    {"id": "D", "lat": 50.35, "lon": 2.35, "handling_days": 0.5, "pick_cost": 0.5},
]


def opened(stock: dict[tuple[str, str], int], text: str = SPLIT_THREE, nodes=NODES):
    """An engine session following its allocations, on the nodes and stock given."""
    rows = [{"node_id": n, "sku": s, "on_hand": q} for (n, s), q in stock.items()]
    return engine.Session.open(text, pd.DataFrame(nodes), pd.DataFrame(rows), follow=True)


def reactions(stock: dict[tuple[str, str], int], text: str = SPLIT_THREE, nodes=NODES):
    return opened(stock, text, nodes).reactions


def order(order_id: str, minutes: float, *lines: tuple[str, int]) -> engine.Order:
    return engine.Order(
        order_id,
        T0 + dt.timedelta(minutes=minutes),
        tuple(engine.Line(sku, qty) for sku, qty in lines),
        {"dest_lat": 48.85, "dest_lon": 2.35, "channel": "web", "delivery": "home"},
    )


def event(minutes: float, kind: str, node_id: str, sku=None, qty=None, note="") -> Event:
    return Event(T0 + dt.timedelta(minutes=minutes), kind, node_id, sku, qty, note)


def shipped(decision) -> dict[str, dict[str, int]]:
    return {s.node_id: {line.sku: line.qty for line in s.lines} for s in decision.shipments}


def assert_balanced(session: Reactions) -> None:
    """Allocated + unfilled == ordered for every order; stock and facts agree."""
    assert session.problems() == []
    totals = session.ledger.totals()
    assert totals["allocated"] + totals["unfilled"] == totals["ordered"]


@pytest.fixture
def routed():
    """Five orders: O1–O3 take 5 of A's 6 X (O3's Y comes from D), O4 and O5 all of B's X."""
    session = reactions({("A", "X"): 6, ("B", "X"): 4, ("C", "X"): 10, ("D", "Y"): 3})
    session.route(order("O1", 0, ("X", 2)))
    session.route(order("O2", 1, ("X", 2)))
    session.route(order("O3", 2, ("X", 1), ("Y", 1)))
    session.route(order("O4", 3, ("X", 2)))
    session.route(order("O5", 4, ("X", 2)))
    yield session
    session.close()


def test_orders_route_as_expected_before_any_event(routed):
    assert shipped(routed.decision("O1")) == {"A": {"X": 2}}
    assert shipped(routed.decision("O3")) == {"A": {"X": 1}, "D": {"Y": 1}}
    assert shipped(routed.decision("O4")) == {"B": {"X": 2}}  # one parcel beats the nearest
    assert shipped(routed.decision("O5")) == {"B": {"X": 2}}
    assert len(routed.open_allocations()) == 6
    assert_balanced(routed)


def test_a_node_going_offline_reroutes_exactly_its_open_allocations(routed):
    before = {oid: routed.decision(oid) for oid in ("O1", "O2", "O3", "O4", "O5")}
    on_b = {a.order_id for a in routed.open_allocations() if a.node_id == "B"}
    assert on_b == {"O4", "O5"}

    decisions = routed.apply(event(10, "node_offline", "B", note="power cut"))

    assert [d.order_id for d in decisions] == ["O4", "O5"]  # oldest promise first
    for oid in ("O1", "O2", "O3"):
        assert routed.decision(oid) is before[oid]
    assert shipped(routed.decision("O4")) == {"C": {"X": 2}}  # one parcel: C, not A + C
    assert shipped(routed.decision("O5")) == {"C": {"X": 2}}
    assert routed.decision("O5").shipments[0].strategy == "main"
    for decision in decisions:
        assert decision.rerouted_from == f"{decision.order_id}#1"
        assert decision.reason == "node B offline at 2026-03-02T09:10:00+00:00 (power cut)"
        assert decision.status == "routed"
    assert not [a for a in routed.open_allocations() if a.node_id == "B"]
    assert routed.router.inventory.allocated_of("B", "X") == 0
    assert_balanced(routed)


def test_an_offline_node_takes_no_new_order_and_says_why(routed):
    routed.apply(event(10, "node_offline", "A"))
    decision = routed.route(order("O6", 11, ("X", 1)), explain=True)
    assert "A" not in shipped(decision)
    reasons = {(e.node_id, e.clause) for e in decision.explain if e.outcome == "excluded"}
    assert ("A", "node offline") in reasons

    routed.apply(event(12, "node_online", "A"))
    assert shipped(routed.route(order("O7", 13, ("X", 1)))) == {"A": {"X": 1}}
    assert_balanced(routed)


def test_allocations_past_their_handling_time_are_not_touched(routed):
    # D ships after half a day, A and B after a day: at +13 h only D's allocation has left.
    decisions = routed.apply(event(13 * 60, "node_offline", "D"))
    assert decisions == []
    assert routed.router.inventory.on_hand_of("D", "Y") == 2  # the parcel left with 1 unit
    decisions = routed.apply(event(25 * 60, "node_offline", "A"))
    assert decisions == []
    assert routed.open_allocations() == []
    assert routed.ledger.shipped_units == 10
    assert_balanced(routed)


def test_a_count_below_the_allocated_units_reroutes_only_the_shortfall_newest_first(routed):
    # A's X is promised to O1 (2 units), O2 (2) and O3 (1); the count finds 1 unit: 4 short.
    inventory = routed.router.inventory
    assert inventory.allocated_of("A", "X") == 5
    decisions = routed.apply(event(10, "stock_adjust", "A", "X", 1, note="cycle count"))

    assert [d.order_id for d in decisions] == ["O1", "O2", "O3"]
    assert shipped(routed.decision("O3")) == {"D": {"Y": 1}, "C": {"X": 1}}  # newest: all
    assert shipped(routed.decision("O2")) == {"C": {"X": 2}}
    assert shipped(routed.decision("O1")) == {"A": {"X": 1}, "C": {"X": 1}}  # oldest: 1 of 2
    assert shipped(routed.decision("O4")) == {"B": {"X": 2}}
    assert decisions[0].reason == "stock count at A: 1 unit(s) of X on hand, 4 short (cycle count)"
    assert inventory.on_hand_of("A", "X") == 1
    assert inventory.allocated_of("A", "X") == 1
    assert inventory.allocated_of("C", "X") == 4
    assert_balanced(routed)


def test_a_partial_shortfall_keeps_the_rest_of_the_allocation():
    session = reactions({("A", "X"): 5, ("B", "X"): 5})
    session.route(order("O1", 0, ("X", 4)))
    [decision] = session.apply(event(5, "stock_adjust", "A", "X", 3))
    assert shipped(decision) == {"A": {"X": 3}, "B": {"X": 1}}
    a_shipment = decision.shipments[0]
    assert a_shipment.cost == pytest.approx(session.decision("O1").shipments[0].cost)
    assert [(a.node_id, a.qty) for a in session.open_allocations()] == [("A", 3), ("B", 1)]
    assert_balanced(session)
    session.close()


def test_a_count_that_covers_the_allocations_moves_nothing(routed):
    assert routed.apply(event(10, "stock_adjust", "A", "X", 6)) == []
    assert routed.apply(event(11, "stock_adjust", "B", "X", 9)) == []
    assert routed.router.inventory.free_of("B", "X") == 5
    assert_balanced(routed)


def test_lines_nothing_can_take_are_backordered():
    session = reactions({("A", "X"): 3, ("A", "Y"): 1})
    session.route(order("O1", 0, ("X", 2), ("Y", 1)))
    [decision] = session.apply(event(1, "node_offline", "A"))
    assert decision.status == "backordered"
    assert decision.shipments == ()
    assert {(u.sku, u.qty) for u in decision.unfilled} == {("X", 2), ("Y", 1)}
    assert all(
        u.reason.startswith("backordered after a re-route: node A offline")
        for u in decision.unfilled
    )
    assert_balanced(session)
    session.close()


def test_a_second_reroute_links_to_the_first(routed):
    [first] = routed.apply(event(10, "node_offline", "B"))[1:]
    [second] = routed.apply(event(11, "node_offline", "C"))[1:]
    assert (first.order_id, first.rerouted_from) == ("O5", "O5#1")
    assert (second.order_id, second.rerouted_from) == ("O5", "O5#2")
    assert_balanced(routed)


def test_the_split_limit_counts_the_shipments_kept():
    text = SPLIT_THREE.replace("split at most 3", "split none")
    session = reactions({("A", "X"): 5, ("B", "X"): 5}, text)
    session.route(order("O1", 0, ("X", 4)))
    [decision] = session.apply(event(5, "stock_adjust", "A", "X", 3))
    assert shipped(decision) == {"A": {"X": 3}}
    assert [(u.sku, u.qty) for u in decision.unfilled] == [("X", 1)]
    assert decision.status == "backordered"
    assert_balanced(session)
    session.close()


def test_replenishment_and_capacity_change_apply_from_then_on():
    nodes = [dict(NODES[0], capacity=5), NODES[1]]
    session = reactions({("A", "X"): 1, ("B", "X"): 10}, nodes=nodes)
    assert shipped(session.route(order("O1", 0, ("X", 1)))) == {"A": {"X": 1}}
    assert session.apply(event(1, "replenish", "A", "X", 4)) == []
    assert session.router.inventory.free_of("A", "X") == 4
    assert session.apply(event(2, "capacity_change", "A", qty=1)) == []
    assert shipped(session.route(order("O2", 3, ("X", 1)))) == {"B": {"X": 1}}  # A used 1 of 1
    assert shipped(session.decision("O1")) == {"A": {"X": 1}}  # made before: kept
    session.apply(event(4, "capacity_change", "A"))  # empty qty: unlimited
    assert shipped(session.route(order("O3", 5, ("X", 1)))) == {"A": {"X": 1}}
    assert_balanced(session)
    session.close()


def test_an_emptied_parcel_gives_its_capacity_back():
    nodes = [dict(NODES[0], capacity=1), NODES[1]]
    session = reactions({("A", "X"): 3, ("A", "Y"): 2, ("B", "Y"): 5}, nodes=nodes)
    session.route(order("O1", 0, ("Y", 2)))
    assert session.router.used_capacity("A", T0.date()) == 1
    session.apply(event(1, "stock_adjust", "A", "Y", 0))
    assert shipped(session.decision("O1")) == {"B": {"Y": 2}}
    assert session.router.used_capacity("A", T0.date()) == 0
    assert shipped(session.route(order("O2", 2, ("X", 1)))) == {"A": {"X": 1}}
    session.close()


def test_replay_puts_an_event_before_an_order_at_the_same_instant():
    session = opened({("A", "X"): 5, ("B", "X"): 5})
    orders = [order("O2", 10, ("X", 1)), order("O1", 0, ("X", 1))]
    events = [event(10, "node_offline", "A"), event(20, "node_online", "A")]
    decisions = [d for step in session.replay(orders, (), events) for d in step.decisions]
    # O1 at +0 on A; at +10 A goes offline (O1 moves to B), then O2 routes to B.
    assert [(d.order_id, d.rerouted_from) for d in decisions] == [
        ("O1", None),
        ("O1", "O1#1"),
        ("O2", None),
    ]
    assert shipped(decisions[2]) == {"B": {"X": 1}}
    assert session.events_applied == 2
    assert_balanced(session.reactions)
    session.close()


def test_an_error_inside_a_rule_reaches_the_caller(routed, monkeypatch):
    def broken(*_args):
        raise ZeroDivisionError("count failed")

    monkeypatch.setattr(routed.ledger, "count", broken)
    with pytest.raises(ReactionError, match="count failed") as caught:
        routed.apply(event(10, "stock_adjust", "A", "X", 1))
    assert isinstance(caught.value.__cause__, ZeroDivisionError)


def test_sessions_are_independent(routed):
    other = reactions({("B", "X"): 4})
    other.route(order("O1", 0, ("X", 1)))
    assert routed.apply(event(10, "node_offline", "B"))  # moves routed's allocations only
    assert shipped(other.decision("O1")) == {"B": {"X": 1}}
    assert len(other.facts()) == 1
    assert_balanced(other)
    other.close()
    assert_balanced(routed)


def test_routing_an_order_twice_is_refused(routed):
    with pytest.raises(ValueError, match="already routed"):
        routed.route(order("O1", 20, ("X", 1)))


def test_events_refuse_what_they_cannot_mean():
    with pytest.raises(ValueError, match="offset"):
        Event(dt.datetime(2026, 3, 1), "node_offline", "A")
    with pytest.raises(ValueError, match="unknown event kind"):
        Event(T0, "fire", "A")
    with pytest.raises(ValueError, match="names a sku"):
        Event(T0, "stock_adjust", "A", qty=3)
    with pytest.raises(ValueError, match="from 1 to 1,000,000,000,000, got 0"):
        Event(T0, "replenish", "A", "X", 0)


def test_the_events_table_loads_in_time_order_with_row_level_rejects(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "at,kind,node_id,sku,qty,note\n"
        "2026-03-01T10:00:00+01:00,node_offline,A,,,storm\n"
        "2026-03-01T09:00:00,stock_adjust,B,X,3,count\n"
        "2026-03-01T09:30:00,stock_adjust,B,,3,\n"
        "2026-03-01T09:30:00,replenish,B,X,0,\n"
        "2026-03-01T09:30:00,replenish,Z,X,2,\n"
        "2026-03-01T09:30:00,capacity_change,A,,,unlimited again\n"
        "2026-03-01T09:30:00,teleport,A,,,\n"
        "yesterday,node_online,A,,-1,\n",
        encoding="utf-8",
    )
    table = load_events(path, ["A", "B"], "Europe/Paris")
    assert table.rejects[["row", "column"]].values.tolist() == [
        [4, "sku"],
        [5, "qty"],
        [6, "node_id"],
        [8, "kind"],
        [9, "at"],
        [9, "qty"],
    ]
    assert "stock_adjust event names the SKU" in table.rejects["reason"][0]
    events = events_from_frame(table.frame)
    assert [(e.kind, e.node_id, e.sku, e.qty) for e in events] == [
        ("stock_adjust", "B", "X", 3),
        ("capacity_change", "A", None, None),
        ("node_offline", "A", None, None),
    ]
    assert events[0].at == dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
    assert events[2].note == "storm"


def test_more_sessions_than_durable_rules_holds_one_after_the_other():
    """durable-rules keeps a record per session id and fails past about a thousand (a
    MemoryError, or a crash): closed sessions give their id back to the next one."""
    for number in range(1_200):
        session = opened({("A", "X"): 2, ("B", "X"): 2})
        session.route_one(order(f"O{number}", 0, ("X", 1)))
        assert shipped(session.reactions.apply(event(1, "node_offline", "A"))[0]) == {"B": {"X": 1}}
        assert_balanced(session.reactions)
        session.close()
