"""Returns routed by hand-computed rules (docs/returns.md): the returns.md example on a
small French network, and a restocked unit served to an order only from its restock
instant on."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from routing_world import PLACES, node
from test_return_language import RETURNS_EXAMPLE

import engine
from engine.geo import distance_km
from engine.returns import Return, ReturnLine

EXAMPLE = f"""ruleset "Returns"
timezone "Europe/Paris"

strategy home "Home"
  source from node.type == "store"
  rank by distance
  on shortage backorder

{RETURNS_EXAMPLE}"""
"""The returns.md example, as written there, beside an order strategy."""
CENTRE = (47.0, 2.0)
NODES = [
    node("ST-PARIS", "paris"),
    node("ST-VERSAILLES", "versailles"),
    node("ST-LYON", "lyon"),
    node("ST-LILLE", "lille", accepts_returns=False),
    {
        **node("DC-RET", "paris", "dc", tags=("returns",), return_cost=1.5),
        "lat": CENTRE[0],
        "lon": CENTRE[1],
    },  # fmt: skip
    node("DC-LYON", "lyon", "dc"),
]
STOCK = [("ST-PARIS", "A", 1, 3), ("ST-VERSAILLES", "A", 2, 2), ("ST-LYON", "A", 0, 5)]


def session(text: str = EXAMPLE, stock=STOCK) -> engine.Session:
    inventory = pd.DataFrame(stock, columns=["node_id", "sku", "on_hand", "target"])
    return engine.Session.open(text, pd.DataFrame(NODES), inventory)


def ret(return_id, at, method, lines, drop=None, origin=None) -> Return:
    fields = {"method": method, "drop_node": drop, "order_id": None,
              "origin_lat": origin[0] if origin else None,
              "origin_lon": origin[1] if origin else None}  # fmt: skip
    made = tuple(
        ReturnLine(
            sku,
            qty,
            {
                "sku": sku,
                "qty": qty,
                "condition": condition,
                "reason": "changed_mind",
                "category": "apparel",
            },
        )  # fmt: skip
        for sku, qty, condition in lines
    )
    return Return(return_id, dt.datetime.fromisoformat(at), made, fields)


def only(decision):
    (line,) = decision.lines
    return line


def test_a_new_item_dropped_in_store_goes_back_on_its_shelf_the_next_day():
    decision = session().route_return(
        ret("R1", "2026-12-03T10:00:00+01:00", "store", [("A", 1, "new")], drop="ST-PARIS")
    )
    line = only(decision)
    assert decision.status == "routed" and decision.strategies == ("keep_in_store",)
    assert (line.node_id, line.disposition, line.strategy) == ("ST-PARIS", "restock",
                                                               "keep_in_store")  # fmt: skip
    assert line.restock_date == dt.date(2026, 12, 4)
    assert line.distance_km == 0.0 and line.cost == 4.0  # base 4 + 0 km + return_cost 0
    assert json.loads(decision.to_json())["lines"][0]["restock_date"] == "2026-12-04"


def test_need_ranks_first_and_inbound_returns_lower_it():
    """Posted from Paris: ST-PARIS (0 km) and ST-VERSAILLES (18 km) are the stores that
    accept returns within 300 km (Lille does not accept them, Lyon is 392 km away).
    ST-PARIS needs 3 − 1 = 2, ST-VERSAILLES 2 − 2 = 0: the first return goes to Paris;
    with 1 inbound there, Paris still needs 1; with 2 inbound it needs 0, as Versailles,
    and distance decides: Paris again."""
    s = session()
    paris = PLACES["paris"]
    made = [
        s.route_return(
            ret(f"P{k}", f"2026-12-03T1{k}:00:00+01:00", "post", [("A", 1, "opened")], origin=paris)
        )  # fmt: skip
        for k in range(3)
    ]
    assert [only(d).node_id for d in made] == ["ST-PARIS"] * 3
    assert [only(d).restock_date for d in made] == [dt.date(2026, 12, 5)] * 3
    assert list(s.returns.need("A")[[s.network.index["ST-PARIS"],
                                    s.network.index["ST-VERSAILLES"]]]) == [0, 0]  # fmt: skip
    versailles = s.route_return(
        ret(
            "V",
            "2026-12-03T14:00:00+01:00",
            "post",
            [("A", 1, "opened")],
            origin=PLACES["versailles"],
        )  # fmt: skip
    )
    assert only(versailles).node_id == "ST-VERSAILLES"  # needs tie at 0: the nearest


def test_the_lines_of_one_return_see_the_units_its_earlier_lines_send():
    """ST-PARIS needs 3 − 1 = 2, ST-VERSAILLES 3 − 2 = 1: the first line (2 units) goes
    to Paris, which then needs 0, so the second line goes to Versailles."""
    stock = [("ST-PARIS", "A", 1, 3), ("ST-VERSAILLES", "A", 2, 3)]
    decision = session(stock=stock).route_return(
        ret(
            "R",
            "2026-12-03T10:00:00+01:00",
            "post",
            [("A", 2, "opened"), ("A", 1, "opened")],
            origin=PLACES["paris"],
        )  # fmt: skip
    )
    assert [line.node_id for line in decision.lines] == ["ST-PARIS", "ST-VERSAILLES"]


def test_a_damaged_item_goes_to_the_returns_centre_and_is_liquidated():
    decision = session().route_return(
        ret("R4", "2026-12-03T10:00:00+01:00", "store", [("B", 1, "damaged")], drop="ST-LILLE")
    )
    line = only(decision)
    assert decision.strategies == ("returns_centre",)
    assert (line.node_id, line.disposition, line.restock_date) == ("DC-RET", "liquidate", None)
    km = distance_km(*PLACES["lille"], *CENTRE)
    assert line.distance_km == pytest.approx(km)
    assert line.cost == pytest.approx(4.0 + 0.01 * km + 1.5 * 1)


def test_out_of_the_rebalance_window_a_new_item_is_restocked_at_the_centre_after_5_days():
    decision = session().route_return(
        ret(
            "R5", "2026-10-01T23:30:00+02:00", "courier", [("A", 2, "new")], origin=PLACES["lyon"]
        )  # fmt: skip
    )
    line = only(decision)
    assert decision.strategies == ("returns_centre",)
    assert (line.node_id, line.disposition) == ("DC-RET", "restock")
    # 21:30 UTC on 1 October + 5 × 24 h = 6 October 23:30 in Paris
    assert line.restock_date == dt.date(2026, 10, 6)


def test_a_store_return_at_an_unknown_store_is_unroutable_with_its_reason():
    decision = session().route_return(
        ret("R6", "2026-12-03T10:00:00+01:00", "store", [("A", 1, "new")], drop="ST-NOWHERE")
    )
    assert decision.status == "unroutable"
    assert decision.reason == "drop node 'ST-NOWHERE' is not a node of the network"
    assert json.loads(decision.to_json())["reason"] == decision.reason


def test_the_explanation_says_why_each_node_was_left_out():
    decision = session().route_return(
        ret("R2", "2026-12-03T10:00:00+01:00", "post", [("A", 1, "opened")],
            origin=PLACES["paris"]), explain=True,
    )  # fmt: skip
    said = {(e.node_id, e.outcome): e.detail for e in decision.explain}
    assert said[("ST-LILLE", "excluded")] == "`send to` does not hold"  # accepts_returns
    assert said[("ST-LYON", "excluded")].endswith("km away")
    assert said[("ST-PARIS", "chosen")] == "best of 2; disposition restock"
    assert said[("ST-VERSAILLES", "ranked")] == "rank 2 of 2"


def test_a_restocked_unit_serves_an_order_only_from_its_restock_instant():
    """ST-PARIS has no A; a new A dropped there at 10:00 on 3 December is stock at
    10:00 on 4 December. An order at 09:59 that day waits (backordered) and is released
    when the unit arrives; the same order at 10:00 is routed at once."""
    stock = [("ST-PARIS", "A", 0, 0)]
    ret_ = ret("R", "2026-12-03T10:00:00+01:00", "store", [("A", 1, "new")], drop="ST-PARIS")
    for at, routed_at_once in (("09:59", False), ("10:00", True)):
        s = session(stock=stock)
        orders = pd.DataFrame(
            [
                {
                    "order_id": "O1",
                    "created_at": pd.Timestamp(f"2026-12-04T{at}:00+01:00"),
                    "channel": "web",
                    "delivery": "home",
                    "dest_lat": PLACES["paris"][0],
                    "dest_lon": PLACES["paris"][1],
                    "sku": "A",
                    "qty": 1,
                }
            ]  # fmt: skip
        )
        steps = list(s.replay(orders, returns=[ret_]))
        assert [len(step.returns) for step in steps][0] == 1  # the return comes first
        decisions = [d for step in steps if not step.returns for d in _decisions(step)]
        first = decisions[0]
        assert (first.status == "routed") is routed_at_once
        if not routed_at_once:
            assert first.status == "backordered"
            released = decisions[-1]
            assert released.status == "routed" and released.shipments[0].node_id == "ST-PARIS"


def _decisions(step):
    decisions = step.decisions
    return [decisions[i] for i in range(len(decisions))]


def _mixed_returns() -> list[Return]:
    """Returns of every kind: in store and by post, new, opened and damaged, a store
    the network lacks, a post return without an address, several lines in one."""
    paris, lyon = PLACES["paris"], PLACES["lyon"]
    return [
        ret("R1", "2026-12-03T10:00:00+01:00", "store", [("A", 1, "new")], drop="ST-PARIS"),
        ret("R2", "2026-12-03T11:00:00+01:00", "post", [("A", 2, "opened"), ("A", 1, "new")],
            origin=paris),
        ret("R3", "2026-12-03T11:00:00+01:00", "post", [("A", 1, "damaged")], origin=lyon),
        ret("R4", "2026-12-04T09:00:00+01:00", "store", [("B", 1, "new")], drop="ST-NOWHERE"),
        ret("R5", "2026-12-04T09:30:00+01:00", "post", [("A", 1, "opened")]),
        ret("R6", "2026-10-01T09:00:00+02:00", "post", [("A", 1, "opened")], origin=lyon),
        ret("R7", "2026-12-05T09:00:00+01:00", "courier", [("A", 3, "new"), ("C", 1, "mystery")],
            origin=lyon),
    ]  # fmt: skip


def test_returns_in_one_call_are_routed_as_one_at_a_time(monkeypatch):
    """`route_returns` (the compiled batch) gives every decision, reason and restock
    that `route_return` gives one return at a time, and leaves the same stock and
    inbound units behind."""
    alone = session()
    one_by_one = [
        alone.route_return(r) for r in sorted(_mixed_returns(), key=lambda r: r.created_at)
    ]
    together = session()
    monkeypatch.setattr(engine.Session, "route_return", _not_called)
    batched = together.route_returns(reversed(_mixed_returns()))
    assert [d.to_dict() for d in batched] == [d.to_dict() for d in one_by_one]
    assert batched == one_by_one  # restock instants included
    assert {d.status for d in batched} == {"routed", "partial", "unroutable"}
    assert (together.router.inventory.free == alone.router.inventory.free).all()
    assert (together.router.inventory.on_hand == alone.router.inventory.on_hand).all()
    for sku in ("A", "B", "C"):
        assert (together.returns.inbound.of(sku) == alone.returns.inbound.of(sku)).all()


def _not_called(*_args, **_kwargs):
    raise AssertionError("route_returns went one return at a time")
