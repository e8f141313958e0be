"""durable-rules finds a message in working memory by a 32-bit hash of its name,
so two different messages can share a slot: the second is refused as "already
observed". With ~2,000 allocations open that happens about once every two
million messages — hours of production load — and the routing service then
answered 500 and refused every later write. Reactions now renames such a
message (a fresh `nonce`) and sends it again.

Each test places in the session's working memory a fact whose name shares the
slot of the next message Reactions sends (see tests/durable_names.py; the
messages' shapes are those docs/reactions.md describes), then checks that the
routing, the event and the bookkeeping go through."""

from __future__ import annotations

import durable.lang as durable
import pytest
from durable.engine import MessageObservedException
from durable_names import twin
from service_world import order as order_body
from service_world import serve, write_files
from test_reactions import event, order, reactions, shipped

from engine.reactions import RULESET, ReactionError


def planted(message: dict) -> dict:
    """A fact in the working memory of `message`'s session that durable-rules cannot
    tell from `message` (checked: it refuses `message` as already observed)."""
    fact = twin(message)
    durable.assert_fact(RULESET, fact)
    if message["t"] != "event":  # an event asserted as a fact would run its rule
        with pytest.raises(MessageObservedException):
            durable.assert_fact(RULESET, dict(message))
    return fact


def cleared(session, fact: dict) -> None:
    durable.retract_fact(RULESET, fact)
    assert session.problems() == []


def test_a_new_allocation_whose_name_shares_a_slot_is_recorded_all_the_same():
    session = reactions({("A", "X"): 5})
    first = {"sid": session.sid, "t": "allocation", "aid": 1, "node_id": "A", "sku": "X"}
    fact = planted(first)
    decision = session.route(order("O1", 0, ("X", 2)))
    assert shipped(decision) == {"A": {"X": 2}}
    assert [a.id for a in session.open_allocations()] == [1]
    assert sorted(f["aid"] for f in session.facts() if f["t"] == "allocation") == [0, 1]
    cleared(session, fact)
    session.close()


def test_a_node_offline_whose_down_fact_shares_a_slot_still_reroutes():
    session = reactions({("A", "X"): 5, ("B", "X"): 5})
    session.route(order("O1", 0, ("X", 2)))
    fact = planted({"sid": session.sid, "t": "down", "node_id": "A"})
    [moved] = session.apply(event(5, "node_offline", "A"))
    assert shipped(moved) == {"B": {"X": 2}}
    assert [f["node_id"] for f in session.facts() if f["t"] == "down"] == ["A"]
    session.apply(event(6, "node_online", "A"))  # the renamed fact is the one retracted
    assert [f for f in session.facts() if f["t"] == "down"] == []
    cleared(session, fact)
    session.close()


def test_an_event_whose_message_shares_a_slot_is_applied_all_the_same():
    session = reactions({("A", "X"): 5})
    message = {
        "sid": session.sid, "t": "event", "seq": 1, "kind": "replenish",
        "node_id": "A", "sku": "X", "qty": 4,
    }  # fmt: skip
    fact = planted(message)
    assert session.apply(event(1, "replenish", "A", "X", 4)) == []
    assert session.router.inventory.on_hand_of("A", "X") == 9
    assert session.events_applied == 1
    cleared(session, fact)
    session.close()


def test_a_count_whose_shortfall_fact_shares_a_slot_still_moves_the_shortfall():
    session = reactions({("A", "X"): 5, ("B", "X"): 5})
    session.route(order("O1", 0, ("X", 3)))
    short = {"sid": session.sid, "t": "short", "seq": 1, "node_id": "A", "sku": "X"}
    fact = planted(short)
    [moved] = session.apply(event(5, "stock_adjust", "A", "X", 1))
    assert shipped(moved) == {"A": {"X": 1}, "B": {"X": 2}}
    assert [f for f in session.facts() if f["t"] == "short"] == []
    cleared(session, fact)
    session.close()


def test_a_renamed_fact_is_still_refused_when_given_twice():
    session = reactions({("A", "X"): 5})
    session.route(order("O1", 0, ("X", 1)))
    allocation = session.open_allocations()[0]
    with pytest.raises(ReactionError, match="already in working memory"):
        session._assert([allocation])
    session.close()


@pytest.mark.usefixtures("signing")  # the keys the service's artifact is signed with
def test_the_service_routes_on_after_a_name_clash_instead_of_refusing_writes(tmp_path):
    """The defect as the HTTP service showed it: a clash answered 500, and every
    later write 503 until a restart."""
    with serve(write_files(tmp_path)) as served:
        session = served.reactions
        first = {"sid": session.sid, "t": "allocation", "aid": 1, "node_id": "ST-PARIS", "sku": "A"}
        fact = planted(first)
        response = served.client.post("/route", json={"order": order_body("W1", qty=2)})
        assert response.status_code == 200, response.text
        [decision] = response.json()["decisions"]
        assert [s["node_id"] for s in decision["shipments"]] == ["ST-PARIS"]
        assert served.client.post("/route", json={"order": order_body("W2")}).status_code == 200
        assert served.client.get("/health").json() == {"status": "ok"}
        cleared(session, fact)
