"""What happens to one order after routing (docs/reactions.md, "Order events" and
"Backorder release"): cancels, changes of address or delivery method, a node refusing a
line, parcels leaving, and backorders released in the documented order when stock
arrives — hand-made cases with exact figures."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pandas as pd
import pytest

import engine
from engine.events import Event
from engine.ledger import OrderEventRefused

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
RULESET = """ruleset "After routing"
strategy vip "VIP first"
  priority 10
  when order.tier == "vip"
  rank by distance
  split at most 2
  on shortage backorder
strategy main "Nearest first"
  priority 20
  rank by distance
  split at most 2
  on shortage backorder
"""
# Paris (A), Lille (B, 204 km north) and Lyon (L, 392 km south); handling 1 day.
NODES = [
    {"id": "A", "lat": 48.85, "lon": 2.35, "handling_days": 1.0, "pick_cost": 0.5},
    {"id": "B", "lat": 50.63, "lon": 3.06, "handling_days": 1.0, "pick_cost": 0.5},
    {"id": "L", "lat": 45.76, "lon": 4.84, "handling_days": 1.0, "pick_cost": 0.5},
]
PARIS = {"dest_lat": 48.85, "dest_lon": 2.35}
LYON = {"dest_lat": 45.76, "dest_lon": 4.84}


def opened(stock: dict[tuple[str, str], int]):
    rows = [{"node_id": n, "sku": s, "on_hand": q} for (n, s), q in stock.items()]
    return engine.Session.open(RULESET, pd.DataFrame(NODES), pd.DataFrame(rows), follow=True)


def order(order_id, minutes, *lines, tier="standard", **fields):
    return engine.Order(
        order_id,
        T0 + dt.timedelta(minutes=minutes),
        tuple(engine.Line(sku, qty) for sku, qty in lines),
        {"channel": "web", "delivery": "home", "tier": tier, **PARIS, **fields},
    )


def at(minutes, kind, order_id=None, node_id="", sku=None, qty=None, **changes):
    return Event(
        T0 + dt.timedelta(minutes=minutes), kind, node_id, sku, qty,
        order_id=order_id, changes=tuple(changes.items()),
    )  # fmt: skip


def parcels(decision):
    return [(s.node_id, {line.sku: line.qty for line in s.lines}) for s in decision.shipments]


def waiting(decision):
    return {u.sku: u.qty for u in decision.unfilled}


@pytest.fixture
def session():
    with opened({("A", "X"): 3, ("B", "X"): 1, ("A", "Y"): 5}) as opened_session:
        yield opened_session
    assert opened_session.reactions is not None


def apply(session, *events):
    decisions = session.apply(events)
    assert session.reactions.problems() == []
    return decisions


# ------------------------------------------------------------------ release


def test_a_receipt_releases_backorders_in_priority_tier_then_age_order():
    """Five orders wait for X; 5 units arrive at A. The vip strategy (priority 10) goes
    first, then the main strategy's orders by tier (vip, b2b, standard) then age; each
    takes what it needs, the last one gets the 1 unit left of the 5."""
    with opened({("A", "Y"): 9}) as s:
        s.route_one(order("S-OLD", 0, ("X", 1)))
        s.route_one(order("S-NEW", 1, ("X", 2)))
        s.route_one(order("B2B", 2, ("X", 1), tier="b2b"))
        s.route_one(order("VIP", 3, ("X", 1), tier="vip"))
        s.route_one(order("OTHER", 4, ("X", 1), tier="gold"))
        assert all(s.reactions.decision(i).status == "backordered" for i in ("S-OLD", "VIP"))
        released = apply(s, at(60, "replenish", node_id="A", sku="X", qty=5))
        assert [d.order_id for d in released] == ["VIP", "B2B", "S-OLD", "S-NEW"]
        assert [parcels(d) for d in released] == [
            [("A", {"X": 1})],
            [("A", {"X": 1})],
            [("A", {"X": 1})],
            [("A", {"X": 2})],
        ]
        assert all(d.status == "routed" for d in released)
        assert released[0].rerouted_from == "VIP#1"
        assert released[0].reason.startswith("backorder released: X — 5 unit(s) received at A")
        assert s.reactions.decision("OTHER").status == "backordered"
        assert s.reactions.ledger.released_units == 5
        # the next unit goes to the last one waiting
        released = apply(s, at(90, "stock_adjust", node_id="B", sku="X", qty=1))
        assert [(d.order_id, parcels(d)) for d in released] == [("OTHER", [("B", {"X": 1})])]


def test_a_release_is_partial_when_the_receipt_is_short_and_the_rest_keeps_waiting():
    with opened({("A", "Y"): 1}) as s:
        s.route_one(order("O1", 0, ("X", 3), ("Y", 1)))
        (released,) = apply(s, at(10, "replenish", node_id="L", sku="X", qty=2))
        assert parcels(released) == [("A", {"Y": 1}), ("L", {"X": 2})]
        assert waiting(released) == {"X": 1}
        assert released.status == "backordered"
        (released,) = apply(s, at(20, "replenish", node_id="A", sku="X", qty=4))
        assert parcels(released) == [("A", {"Y": 1}), ("L", {"X": 2}), ("A", {"X": 1})]
        assert released.status == "routed"


def test_a_node_back_online_releases_what_waited_for_its_stock():
    with opened({("B", "X"): 2}) as s:
        apply(s, at(0, "node_offline", node_id="B"))
        assert s.route_one(order("O1", 1, ("X", 1))).status == "backordered"
        (released,) = apply(s, at(5, "node_online", node_id="B"))
        assert parcels(released) == [("B", {"X": 1})]
        assert "node B back online" in released.reason


# ------------------------------------------------------------------- cancel


def test_a_whole_cancel_frees_open_stock_and_backorders_and_releases_others(session):
    session.route_one(order("O1", 0, ("X", 4)))  # A 3 + B 1
    session.route_one(order("O2", 1, ("X", 2)))  # nothing left: backordered
    first, released = apply(session, at(5, "order_cancel", "O1"))
    assert first.status == "cancelled"
    assert first.shipments == ()
    assert [(c.sku, c.qty) for c in first.cancelled] == [("X", 4)]
    assert first.to_dict()["cancelled"] == [{"sku": "X", "qty": 4}]
    assert released.order_id == "O2"
    assert parcels(released) == [("A", {"X": 2})]  # the nearest freed units


def test_a_cancel_of_some_units_takes_backorders_first_then_the_newest_allocation(session):
    session.route_one(order("O1", 0, ("X", 6)))  # A 3 + B 1, 2 backordered
    (decision,) = apply(session, at(5, "order_cancel", "O1", sku="X", qty=3))
    assert waiting(decision) == {}
    assert parcels(decision) == [("A", {"X": 3})]  # B's unit (the newest) went
    assert decision.status == "routed"
    assert session.router.inventory.free_of("B", "X") == 1


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (at(5, "order_cancel", "NOPE"), "no order 'NOPE' was routed here"),
        (at(5, "order_cancel", "O1", sku="X", qty=9), "has 4 unit(s) of X open or backordered"),
        (at(5, "order_cancel", "O1", sku="Z"), "has nothing of Z left to cancel"),
        (at(5, "line_reject", "O1", node_id="L", sku="X"), "has no open allocation of X at L"),
        (at(5, "order_ship", "O1", node_id="L"), "has no open allocation at L"),
        (
            at(5, "order_modify", "O1", delivery="collect", collect_node="Q"),
            "collect_node 'Q' is not a node of the network",
        ),
    ],
)
def test_an_order_event_that_cannot_apply_is_refused_and_changes_nothing(session, event, message):
    session.route_one(order("O1", 0, ("X", 4)))
    before = session.reactions.decision("O1")
    free = session.router.inventory.free.copy()
    with pytest.raises(OrderEventRefused, match=re.escape(message)):
        session.apply([event])
    assert session.reactions.decision("O1") is before
    assert (session.router.inventory.free == free).all()
    assert session.reactions.problems() == []
    assert session.events_applied == 0


def test_a_shipped_line_cannot_be_cancelled_or_rejected(session):
    session.route_one(order("O1", 0, ("X", 3)))
    (shipped,) = apply(session, at(5, "order_ship", "O1", node_id="A"))
    assert shipped.reason.startswith("order_ship at 2026-03-02T09:05:00+00:00: 3 unit(s) left A")
    assert session.router.inventory.on_hand_of("A", "X") == 0
    with pytest.raises(OrderEventRefused, match="nothing left to cancel"):
        session.apply([at(6, "order_cancel", "O1")])
    with pytest.raises(OrderEventRefused, match="it has already shipped"):
        session.apply([at(6, "line_reject", "O1", node_id="A", sku="X")])


# --------------------------------------------------------------- line reject


def test_a_rejected_line_goes_elsewhere_and_the_node_counts_zero(session):
    session.route_one(order("O1", 0, ("X", 1), ("Y", 1)))  # A ships both
    session.route_one(order("O2", 1, ("X", 1)))  # A again
    decisions = apply(session, at(5, "line_reject", "O1", node_id="A", sku="X"))
    moved = {d.order_id: d for d in decisions}
    assert parcels(moved["O1"]) == [("A", {"Y": 1}), ("B", {"X": 1})]
    assert moved["O1"].reason == "A rejected X at 2026-03-02T09:05:00+00:00"
    # the count of 0 at A leaves O2 short: it is re-routed too (nothing left: backordered)
    assert waiting(moved["O2"]) == {"X": 1}
    assert moved["O2"].reason == "stock count at A: 0 unit(s) of X on hand, 1 short"
    assert session.router.inventory.on_hand_of("A", "X") == 0


def test_a_rejected_line_with_a_count_keeps_what_the_count_covers(session):
    session.route_one(order("O1", 0, ("X", 1)))
    session.route_one(order("O2", 1, ("X", 1)))
    decisions = apply(session, at(5, "line_reject", "O1", node_id="A", sku="X", qty=2))
    assert [d.order_id for d in decisions] == ["O1"]
    assert parcels(decisions[0]) == [("B", {"X": 1})]
    assert session.router.inventory.on_hand_of("A", "X") == 2


# -------------------------------------------------------------------- modify


def test_a_new_address_routes_the_open_units_again_and_keeps_what_shipped(session):
    session.route_one(order("O1", 0, ("X", 1), ("Y", 1)))
    apply(session, at(1, "order_ship", "O1", node_id="A", sku="Y"))
    apply(session, at(2, "replenish", node_id="L", sku="X", qty=1))
    (moved,) = apply(session, at(5, "order_modify", "O1", **LYON))
    assert parcels(moved) == [("A", {"Y": 1}), ("L", {"X": 1})]
    assert moved.reason.startswith("order_modify at 2026-03-02T09:05:00+00:00: dest_lat 45.76")
    assert session.router.inventory.free_of("A", "X") == 3


def test_a_change_of_tier_is_not_a_modify_but_a_change_to_collect_takes_the_store():
    with opened({("A", "X"): 1, ("L", "X"): 1}) as s:
        s.route_one(order("O1", 0, ("X", 1), **LYON))
        assert parcels(s.reactions.decision("O1")) == [("L", {"X": 1})]
        (moved,) = apply(s, at(5, "order_modify", "O1", delivery="collect", collect_node="A"))
        assert parcels(moved) == [("A", {"X": 1})]  # Paris is now the destination
        assert s.reactions.ledger.orders["O1"].order.fields["dest_lat"] == 48.85


def test_the_modified_order_chooses_its_strategy_again():
    text = RULESET.replace('when order.tier == "vip"', 'when order.delivery == "express"')
    rows = [{"node_id": "A", "sku": "X", "on_hand": 1}]
    with engine.Session.open(text, pd.DataFrame(NODES), pd.DataFrame(rows), follow=True) as s:
        first = s.route_one(order("O1", 0, ("X", 1)))
        assert first.strategies == ("main",)
        (moved,) = apply(s, at(5, "order_modify", "O1", delivery="express"))
        assert moved.strategies == ("vip",)
        assert parcels(moved) == [("A", {"X": 1})]


def test_events_of_an_order_keep_every_unit_in_exactly_one_state(session):
    session.route_one(order("O1", 0, ("X", 5), ("Y", 2)))
    apply(session, at(1, "order_ship", "O1", node_id="A", sku="Y"))
    apply(session, at(2, "order_cancel", "O1", sku="X", qty=1))
    apply(session, at(3, "replenish", node_id="L", sku="X", qty=2))
    totals = session.reactions.ledger.totals()
    record = session.reactions.ledger.orders["O1"]
    assert record.shipped == {"Y": 2}
    assert record.cancelled == {"X": 1}
    assert totals == {"ordered": 7, "allocated": 6, "unfilled": 0, "backordered": 0,
                      "cancelled": 1}  # fmt: skip
    assert dataclasses.asdict(record.decision.cancelled[0]) == {"sku": "X", "qty": 1}


# ------------------------------------------------------------- in a replay


def test_a_replay_releases_backorders_at_the_receipt_and_the_fill_rate_rises():
    """One DC with 1 unit of X; O1 wants 2 (gets 1, 1 waits), O2 (vip) 1 and O3 2 wait.
    2 units arrive on day 3: the vip order is served first, then the oldest, O1; O3 keeps
    waiting. Fill rate: 1 of 5 units without the release, 3 of 5 with it."""
    import simulations

    nodes = pd.DataFrame([{**NODES[0], "type": "dc"}])
    orders = pd.DataFrame(
        [
            {
                "order_id": "O1",
                "created_at": "2026-03-02T09:00:00+00:00",
                "tier": "standard",
                "sku": "X",
                "qty": 2,
            },
            {
                "order_id": "O2",
                "created_at": "2026-03-02T10:00:00+00:00",
                "tier": "vip",
                "sku": "X",
                "qty": 1,
            },
            {
                "order_id": "O3",
                "created_at": "2026-03-02T11:00:00+00:00",
                "tier": "standard",
                "sku": "X",
                "qty": 2,
            },
        ]  # fmt: skip
    ).assign(channel="web", delivery="home", dest_lat=48.85, dest_lon=2.35)
    stock = pd.DataFrame([{"node_id": "A", "sku": "X", "on_hand": 1}])
    receipt = pd.DataFrame([{"node_id": "A", "sku": "X", "at": "2026-03-04T09:00:00+00:00",
                             "qty": 2}])  # fmt: skip
    text = RULESET.split("strategy main")[0].replace('  when order.tier == "vip"\n', "")
    without = simulations.run(text, nodes, stock, orders)
    run = simulations.run(text, nodes, stock, orders, replenishments=receipt)
    assert without.kpis.overall["fill_rate"] == pytest.approx(1 / 5)
    assert run.kpis.overall["fill_rate"] == pytest.approx(3 / 5)
    assert run.kpis.overall["units_released"] == 2
    # O2 waited 47 h, O1 48 h: one unit each
    assert run.kpis.overall["backorder_days_mean"] == pytest.approx((47 / 24 + 2) / 2)
    assert without.kpis.overall["units_released"] == 0
    assert without.kpis.overall["backorder_days_mean"] is None
    finals = run.tables.orders.set_index("order_id")["status"].to_dict()
    assert finals == {"O1": "routed", "O2": "routed", "O3": "backordered"}
    # O2's parcel: 47 h of waiting, then A's handling day and one day in transit
    eta = run.tables.shipments.set_index("order_id").loc["O2", "eta_days"]
    assert eta == pytest.approx(47 / 24 + 1 + 1)


# ------------------------------------------------------------------- holds


def test_a_count_below_what_is_promised_takes_holds_first_and_the_audit_counts_them(session):
    """A has 3 X: O1 takes 2, a hold keeps 1. A count of 2 leaves the position 1 short:
    the hold gives its unit back first, O1 keeps both of its units."""
    session.use_clock(lambda: T0)
    session.route_one(order("O1", 0, ("X", 2)))
    hold = session.holds.hold(order("BASKET", 1, ("X", 1)), ttl_seconds=600, at=T0)
    assert [(line.node_id, line.qty) for line in hold.lines] == [("A", 1)]
    assert session.reactions.problems() == []  # held units are counted
    assert apply(session, at(5, "stock_adjust", node_id="A", sku="X", qty=2)) == []
    assert session.holds.held_of("A", "X") == 0
    assert parcels(session.reactions.decision("O1")) == [("A", {"X": 2})]
