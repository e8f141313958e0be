"""Stock held for baskets (engine.holds) and available to promise (engine.availability),
on a small hand-made network with exact figures."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest

import engine
from dsl.errors import SourcingError
from engine.availability import UnknownSku, availability
from engine.events import Event
from engine.holds import HoldNotFound, Holds, NothingToHold, TooManyHolds
from engine.limits import OutOfRange
from engine.model import Line, Order

RULESET = """ruleset "Holds"
timezone "Europe/Paris"

strategy peak "Web peak"
  priority 10
  when order.channel == "web" and order.delivery == "home"
  keep 3 units at node.type == "store"
  rank by distance
  split at most 2
  on shortage backorder

strategy home "Home"
  priority 20
  when order.delivery == "home"
  keep 1 unit at node.type == "store"
  rank by distance
  split at most 2
  on shortage backorder
"""
NODES = """id,type,lat,lon,capacity,pick_cost,ship_cost_base,ship_cost_per_km,handling_days
DC,dc,45.76,4.84,,0.3,4.0,0.012,1
ST-PARIS,store,48.86,2.35,,0.5,3.0,0.01,0.5
ST-LILLE,store,50.63,3.06,,0.5,3.0,0.01,0.5
ST-NICE,store,43.70,7.27,,0.5,3.0,0.01,0.5
"""
STOCK = """node_id,sku,on_hand
DC,A,4
ST-PARIS,A,5
ST-LILLE,A,2
ST-NICE,B,3
"""
NOW = dt.datetime(2026, 3, 2, 11, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def session(clock):
    opened = engine.Session.open(
        RULESET,
        pd.read_csv(io.StringIO(NODES)),
        pd.read_csv(io.StringIO(STOCK)),
        follow=True,
    )
    opened.use_clock(clock)
    yield opened
    opened.close()


def basket(order_id: str, *lines: tuple[str, int], channel: str = "web") -> Order:
    """A home basket to Paris."""
    return Order(
        order_id,
        NOW,
        tuple(Line(sku, qty, {"sku": sku, "qty": qty}) for sku, qty in lines),
        {"channel": channel, "delivery": "home", "dest_lat": 48.85, "dest_lon": 2.35},
    )


def free(session, node_id: str, sku: str) -> int:
    return session.router.inventory.free_of(node_id, sku)


def test_a_hold_takes_the_units_of_its_decision_from_the_free_stock(session):
    holds = session.holds
    hold = holds.hold(basket("B1", ("A", 3)), 900)
    # the web peak strategy keeps 3 units at stores: Paris can give 2, so the DC ships
    assert [(line.node_id, line.sku, line.qty) for line in hold.lines] == [("DC", "A", 3)]
    assert hold.expires_at - hold.created_at == dt.timedelta(seconds=900)
    assert hold.created_at == NOW and len(hold.id) == 32
    assert hold.decision.status == "routed" and hold.order_id == "B1"
    assert free(session, "DC", "A") == 1
    assert session.router.inventory.on_hand_of("DC", "A") == 4
    assert holds.held_of("DC", "A") == 3
    assert holds.holds() == [hold]
    matrix = holds.held_matrix()
    assert matrix.shape == session.router.inventory.on_hand.shape
    inventory = session.router.inventory
    assert matrix[inventory.row("A"), session.network.index["DC"]] == 3
    assert matrix.sum() == 3
    assert hold.to_dict()["lines"] == [{"node_id": "DC", "sku": "A", "qty": 3}]


def test_a_hold_commits_no_capacity_and_no_allocation(session):
    session.holds.hold(basket("B1", ("A", 3)), 900)
    assert session.router.used_capacity("DC", NOW.date()) == 0
    assert session.reactions.ledger.open == {}


def test_held_units_are_not_promised_again(session):
    holds = session.holds
    holds.hold(basket("B1", ("A", 4)), 900)  # the DC's 4
    second = holds.hold(basket("B2", ("A", 4)), 900)
    # what is left above the keep: Paris 2 (5 - 3); Lille 2 - 3 < 0
    assert [(line.node_id, line.qty) for line in second.lines] == [("ST-PARIS", 2)]
    assert second.decision.status == "backordered"
    assert [(item.sku, item.qty) for item in second.decision.unfilled] == [("A", 2)]
    decision = session.route_one(basket("O1", ("A", 1)))
    assert decision.status == "backordered" and not decision.shipments


def test_release_gives_the_units_back_once(session):
    holds = session.holds
    hold = holds.hold(basket("B1", ("A", 3)), 900)
    assert holds.release(hold.id) == hold
    assert free(session, "DC", "A") == 4
    assert holds.held_of("DC", "A") == 0 and holds.holds() == []
    with pytest.raises(HoldNotFound) as error:
        holds.release(hold.id)
    assert isinstance(error.value, SourcingError) and isinstance(error.value, KeyError)
    assert str(error.value) == (
        f"no hold {hold.id!r} is open: it was never made, or was released, taken or has "
        "expired; hold the basket again"
    )
    assert free(session, "DC", "A") == 4


def test_take_gives_the_units_back_for_the_order_that_follows(session):
    holds = session.holds
    hold = holds.hold(basket("B1", ("A", 4)), 900)
    assert session.route_one(basket("O-other", ("A", 4))).shipments[0].node_id != "DC"
    holds.take(hold.id)
    decision = session.route_one(basket("O1", ("A", 4)))
    assert [(s.node_id, s.units) for s in decision.shipments] == [("DC", 4)]
    with pytest.raises(HoldNotFound):
        holds.take(hold.id)


def test_holds_expire_with_the_clock(session, clock):
    holds = session.holds
    early = holds.hold(basket("B1", ("A", 1)), 60)
    late = holds.hold(basket("B2", ("A", 1)), 120)
    clock.now = NOW + dt.timedelta(seconds=59)
    assert holds.expire() == []
    assert holds.get(early.id) == early
    clock.now = NOW + dt.timedelta(seconds=60)  # expires_at <= now: expired
    assert holds.get(early.id) is None
    assert holds.expire() == [early]
    assert holds.holds() == [late]
    assert holds.held_units == 1 and free(session, "ST-PARIS", "A") == 4
    with pytest.raises(HoldNotFound):
        holds.release(early.id)
    clock.now = NOW + dt.timedelta(hours=1)
    with pytest.raises(HoldNotFound):  # due: expired by the call itself
        holds.take(late.id)
    assert free(session, "ST-PARIS", "A") == 5 and holds.holds() == []


def test_expire_at_a_given_instant(session):
    holds = session.holds
    hold = holds.hold(basket("B1", ("A", 1)), 30)
    assert holds.expire(NOW + dt.timedelta(seconds=29)) == []
    assert holds.expire(NOW + dt.timedelta(seconds=31)) == [hold]


def test_a_new_hold_expires_the_holds_due_first(session, clock):
    holds = session.holds
    holds.hold(basket("B1", ("A", 4)), 10)
    clock.now = NOW + dt.timedelta(seconds=10)
    second = holds.hold(basket("B2", ("A", 4)), 10)
    assert [(line.node_id, line.qty) for line in second.lines] == [("DC", 4)]
    assert second.created_at == clock.now


@pytest.mark.parametrize("ttl", [0, 3_601, -5, 2.5, True])
def test_a_ttl_out_of_range_is_refused_before_anything_changes(session, ttl):
    with pytest.raises(OutOfRange, match="ttl_seconds must be a whole number of seconds from 1"):
        session.holds.hold(basket("B1", ("A", 1)), ttl)
    assert free(session, "DC", "A") == 4 and session.holds.holds() == []


def test_ttl_bounds_are_accepted(session):
    assert session.holds.hold(basket("B1", ("A", 1)), 1).expires_at == NOW + dt.timedelta(0, 1)
    assert session.holds.hold(basket("B2", ("A", 1)), 3_600).expires_at == NOW + dt.timedelta(
        hours=1
    )


def test_a_basket_nothing_can_be_placed_for_is_refused(session):
    with pytest.raises(NothingToHold) as error:
        session.holds.hold(basket("B1", ("ZZZ", 2), ("B", 1)), 900)
    # B: only Nice holds some (3), all of it kept by the store keep of 3
    assert str(error.value).startswith(
        "nothing can be held for basket 'B1': no node can place any unit of ZZZ, B ("
    )
    assert isinstance(error.value, ValueError)
    assert session.holds.holds() == []
    assert free(session, "ST-NICE", "B") == 3


def test_too_many_holds_are_refused(session):
    holds = Holds(session.router, session.holds.clock, max_open=2)
    holds.hold(basket("B1", ("A", 1)), 900)
    holds.hold(basket("B2", ("A", 1)), 900)
    with pytest.raises(TooManyHolds, match="2 holds are open, the most at once"):
        holds.hold(basket("B3", ("A", 1)), 900)
    assert holds.held_units == 2


def test_shrink_takes_from_the_newest_hold_first(session):
    holds = session.holds
    # the store channel's strategy keeps 1 unit at stores: Paris can give 4
    older = holds.hold(basket("B1", ("A", 2), channel="store"), 900)
    newer = holds.hold(basket("B2", ("A", 1), channel="store"), 900)
    assert [line.node_id for line in older.lines + newer.lines] == ["ST-PARIS"] * 2
    assert free(session, "ST-PARIS", "A") == 2
    assert holds.shrink("ST-PARIS", "A", 2) == 2
    [left_old, left_new] = holds.holds()
    assert left_new.id == newer.id and left_new.lines == ()
    assert left_old.id == older.id and [line.qty for line in left_old.lines] == [1]
    assert holds.held_of("ST-PARIS", "A") == 1
    assert free(session, "ST-PARIS", "A") == 4  # the units leave the holds: free again
    assert holds.shrink("ST-PARIS", "A", 5) == 1  # no more held there
    assert holds.shrink("DC", "A", 5) == 0
    assert holds.held_of("ST-PARIS", "A") == 0
    assert len(holds.holds()) == 2  # still open, holding nothing
    holds.release(older.id)  # gives back nothing more
    assert free(session, "ST-PARIS", "A") == 5


def test_held_matrix_follows_skus_added_to_the_stock(session):
    holds = session.holds
    holds.hold(basket("B1", ("A", 1)), 900)
    session.router.inventory.ensure(["NEW-1", "NEW-2"])
    matrix = holds.held_matrix()
    assert matrix.shape == session.router.inventory.on_hand.shape
    assert matrix.sum() == 1


def test_the_ledger_sees_the_session_holds(clock):
    frames = pd.read_csv(io.StringIO(NODES)), pd.read_csv(io.StringIO(STOCK))
    with engine.Session.open(RULESET, *frames, follow=True) as following:
        holds = following.holds
        assert following.reactions.ledger.holds is holds
        assert following.holds is following.holds  # made once
    with engine.Session.open(RULESET, *frames) as later:
        later.use_clock(clock)
        holds = later.holds
        assert holds.clock is clock
        later.follow()
        assert later.reactions.ledger.holds is holds


# ------------------------------------------------------------ availability


def test_availability_protects_what_the_strategy_of_that_channel_keeps(session):
    web = availability(session, session.holds, "A", channel="web", delivery="home")
    assert web.strategy == "peak"
    figures = {node.node_id: (node.on_hand, node.protected, node.atp) for node in web.nodes}
    assert figures == {"DC": (4, 0, 4), "ST-PARIS": (5, 3, 2), "ST-LILLE": (2, 3, 0)}
    assert web.total == {"on_hand": 11, "allocated": 0, "held": 0, "protected": 6, "atp": 6}
    store = availability(session, session.holds, "A", channel="store", delivery="home")
    assert store.strategy == "home"
    assert [(node.node_id, node.atp) for node in store.nodes] == [
        ("DC", 4),
        ("ST-LILLE", 1),
        ("ST-PARIS", 4),
    ]
    none = availability(session, session.holds, "A", channel="web", delivery="collect")
    assert none.strategy is None
    assert [node.protected for node in none.nodes] == [0, 0, 0]
    assert none.total["atp"] == 11
    assert availability(session.router, None, "A").strategy is None  # nothing known: none


def test_availability_lists_the_nodes_that_hold_some_in_network_order(session):
    listed = availability(session, None, "A").nodes  # the network's order: by node id
    assert [node.node_id for node in listed] == ["DC", "ST-LILLE", "ST-PARIS"]
    assert [node.node_id for node in availability(session, None, "B").nodes] == ["ST-NICE"]


def test_availability_counts_allocations_and_holds(session):
    session.route_one(basket("O1", ("A", 3)))  # the DC ships 3
    session.holds.hold(basket("B1", ("A", 2)), 900)  # Paris 2, above the keep of 3
    found = availability(session, session.holds, "A", channel="web", delivery="home")
    figures = {n.node_id: (n.on_hand, n.allocated, n.held, n.protected, n.atp) for n in found.nodes}
    assert figures == {
        "DC": (4, 3, 0, 0, 1),
        "ST-PARIS": (5, 0, 2, 3, 0),
        "ST-LILLE": (2, 0, 0, 3, 0),
    }
    assert found.total == {"on_hand": 11, "allocated": 3, "held": 2, "protected": 6, "atp": 1}
    assert found.to_dict()["nodes"][2] == {
        "node_id": "ST-PARIS",
        "on_hand": 5,
        "allocated": 0,
        "held": 2,
        "protected": 3,
        "online": True,
        "atp": 0,
    }


def test_an_offline_node_has_nothing_available(session):
    session.apply([Event(NOW, "node_offline", "DC")])
    found = availability(session, session.holds, "A", channel="store", delivery="home")
    dc = found.nodes[0]
    assert (dc.node_id, dc.on_hand, dc.online, dc.atp) == ("DC", 4, False, 0)
    assert found.total["atp"] == 4 + 1


def test_availability_of_a_sku_the_stock_lacks(session):
    with pytest.raises(UnknownSku, match="unknown sku 'NOPE': the stock has no position of it"):
        availability(session, session.holds, "NOPE")


def test_availability_after_a_hold_expires(session, clock):
    session.holds.hold(basket("B1", ("A", 4)), 60)
    assert availability(session, session.holds, "A").nodes[0].held == 4
    clock.now = NOW + dt.timedelta(minutes=1)
    session.holds.expire()
    dc = availability(session, session.holds, "A").nodes[0]
    assert (dc.held, dc.atp) == (0, 4)
    assert np.array_equal(session.holds.held_matrix(), 0 * session.holds.held_matrix())


def test_a_promise_is_not_offered_held_units(session):
    session.holds.hold(basket("B1", ("A", 4)), 900)  # the DC's 4
    promised = session.promise(basket("P1", ("A", 4)))
    assert "DC" not in [shipment.node_id for shipment in promised.shipments]
    assert promised.units_allocated == 2  # Paris, above the keep of 3
