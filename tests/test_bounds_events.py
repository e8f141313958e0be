"""Events bounded where they enter (engine.events.Event, the events table), a
receipt never takes a position above the stock bound, and a ledger that forgets
finished orders while still refusing their ids."""

from __future__ import annotations

import datetime as dt

import pytest
from routing_world import inventory, network, node

import engine
from cli.main import main
from engine.events import Event
from engine.limits import OutOfRange
from engine.reactions import OrderAlreadyRouted, Reactions

AT = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
RULESET = (
    'ruleset "T"\nstrategy s "S"\n  rank by distance\n  split at most 2\n  on shortage backorder\n'
)


def session(stock: dict | None = None) -> Reactions:
    net = network(node("A", "paris", handling_days=1.0), node("B", "lyon", handling_days=1.0))
    stock = inventory(net, stock if stock is not None else {("A", "X"): 5, ("B", "X"): 5})
    return Reactions(engine.Session(engine.policy_of(RULESET), net, stock).router)


def order(order_id: str, qty: int = 1, at: dt.datetime = AT, sku: str = "X") -> engine.Order:
    fields = {"dest_lat": 48.85, "dest_lon": 2.35}
    return engine.Order(order_id, at, (engine.Line(sku, qty),), fields)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"kind": "replenish", "sku": "X", "qty": 2**63 - 1},
            "the qty of a replenish event must be a whole number of units from 1 to "
            "1,000,000,000,000, got 9223372036854775807",
        ),
        ({"kind": "replenish", "sku": "X", "qty": 0}, "replenish event must be a whole number"),
        ({"kind": "stock_adjust", "sku": "X", "qty": -1}, "stock_adjust event must be"),
        ({"kind": "stock_adjust", "sku": "X", "qty": True}, "got True"),
        ({"kind": "capacity_change", "qty": 10**9 + 1}, "of orders per day from 0"),
        ({"kind": "node_offline", "node_id": "A\x00"}, "node_id holds a control"),
        ({"kind": "node_offline", "node_id": "A" * 257}, "257 characters long"),
        ({"kind": "replenish", "sku": "X\n", "qty": 1}, "sku holds a control"),
        ({"kind": "node_offline", "note": "x" * 1025}, "note is 1,025 characters long"),
        (
            {"kind": "node_offline", "at": dt.datetime.fromisoformat("9999-12-31T23:59:59-12:00")},
            "an event's `at` must be a date-time from 1970-01-01T00:00:00Z to "
            "2200-12-31T23:59:59Z (UTC), got 9999-12-31T23:59:59-12:00",
        ),
        (
            {
                "kind": "node_offline",
                "at": dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14))),
            },
            "an event's `at` must be a date-time",
        ),
    ],
)
def test_an_event_out_of_range_is_refused_when_made(fields, message):
    values = {"at": AT, "node_id": "A"} | fields
    with pytest.raises(OutOfRange) as refused:
        Event(**values)
    assert message in str(refused.value)


def test_a_replenish_of_two_to_the_63_cannot_wrap_stock():
    """A replenish of 2^63 − 1 once wrapped on-hand stock negative."""
    reactions = session()
    with pytest.raises(OutOfRange):
        reactions.apply(Event(AT, "replenish", "A", "X", 2**63 - 1))
    reactions.apply(Event(AT, "replenish", "A", "X", 10**12 - 5))
    assert reactions.router.inventory.on_hand_of("A", "X") == 10**12


def test_a_receipt_above_the_stock_bound_changes_nothing():
    reactions = session({("A", "X"): 10**12 - 10, ("B", "X"): 5})
    reactions.route(order("O1", 2))
    before = (
        reactions.ledger.clock,
        reactions.router.inventory.on_hand.copy(),
        reactions.router.inventory.free.copy(),
        reactions.events_applied,
        len(reactions.ledger.open),
    )
    later = AT + dt.timedelta(days=3)  # would close O1's allocation if applied
    with pytest.raises(OutOfRange, match=r"above 1,000,000,000,000, the most one position"):
        reactions.apply(Event(later, "replenish", "A", "X", 11))
    after = (
        reactions.ledger.clock,
        *((reactions.router.inventory.on_hand, reactions.router.inventory.free)),
        reactions.events_applied,
        len(reactions.ledger.open),
    )
    assert before[0] == after[0]
    assert (before[1] == after[1]).all() and (before[2] == after[2]).all()
    assert before[3:] == after[3:]
    assert reactions.problems() == []


def test_a_finished_order_is_forgotten_but_its_id_still_refused():
    reactions = session()
    reactions.ledger.finished_window = 2
    reactions.route(order("O1"))
    reactions.route(order("O2", sku="NONE"))  # no stock anywhere: backordered, kept
    assert set(reactions.ledger.orders) == {"O1", "O2"}
    # A day later O1's parcel has left: O1 is finished and forgotten; O2 waits.
    reactions.route(order("O3", at=AT + dt.timedelta(days=2)))
    assert set(reactions.ledger.orders) == {"O2", "O3"}
    assert list(reactions.ledger.finished) == ["O1"]
    with pytest.raises(OrderAlreadyRouted):
        reactions.route(order("O1", at=AT + dt.timedelta(days=2)))
    with pytest.raises(OrderAlreadyRouted):
        reactions.route_batch([order("O9"), order("O1")])
    # The window keeps the last two finished ids.
    for day, order_id in ((4, "O4"), (6, "O5"), (8, "O6")):
        reactions.route(order(order_id, at=AT + dt.timedelta(days=day)))
    assert list(reactions.ledger.finished) == ["O4", "O5"]
    assert set(reactions.ledger.orders) == {"O2", "O6"}
    assert reactions.problems() == []


def test_an_order_routed_to_nothing_is_finished_at_once():
    reactions = session({})
    reactions.ledger.finished_window = 10
    rejected = 'ruleset "T"\nstrategy s "S"\n  on shortage reject\n'
    reactions.router = engine.Session(
        engine.policy_of(rejected), reactions.router.network, reactions.router.inventory
    ).router
    assert reactions.route(order("R1")).status == "rejected"
    assert reactions.ledger.orders == {} and reactions.ledger.known("R1")


def test_without_a_window_every_order_is_kept():
    reactions = session()
    reactions.route(order("O1"))
    reactions.route(order("O2", at=AT + dt.timedelta(days=5)))
    assert set(reactions.ledger.orders) == {"O1", "O2"}
    assert reactions.decision("O1").status == "routed"


def test_route_with_events_refuses_a_receipt_above_the_bound(tmp_path, capsys):
    (tmp_path / "r.route").write_text(RULESET, encoding="utf-8")
    (tmp_path / "nodes.csv").write_text("id,type,lat,lon\nA,dc,48.85,2.35\n", encoding="utf-8")
    (tmp_path / "stock.csv").write_text("node_id,sku,on_hand\nA,X,1000000000000\n", "utf-8")
    (tmp_path / "orders.csv").write_text(
        "order_id,created_at,channel,delivery,dest_lat,dest_lon,sku,qty\n"
        "O1,2026-03-02T10:00:00Z,web,home,48.85,2.35,X,1\n",
        encoding="utf-8",
    )
    (tmp_path / "events.csv").write_text(
        "at,kind,node_id,sku,qty\n2026-03-02T11:00:00Z,replenish,A,X,2\n", encoding="utf-8"
    )
    args = ["route", str(tmp_path / "r.route"), "--events", str(tmp_path / "events.csv")]
    for name, file in (("nodes", "nodes"), ("inventory", "stock"), ("orders", "orders")):
        args.append(f"--{name}={tmp_path / file}.csv")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "error: a replenish of 2 unit(s) of 'X' at A would take its 1,000,000,000,000" in err
    assert "Traceback" not in err


def test_a_session_never_used_has_no_problems():
    """Reactions.problems() on a fresh session once raised durable-rules' error 309."""
    reactions = session()
    assert reactions.facts() == [] and reactions.problems() == []
