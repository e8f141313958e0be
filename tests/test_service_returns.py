"""POST /returns over real HTTP (uvicorn on loopback): where returned units go, the
422s that name the field at fault, and restocked units landing through the ledger at
their restock instant — counted by GET /availability, served to orders, releasing
backorders — with the service's clock moved by the test."""

from __future__ import annotations

import datetime as dt

import pytest
from service_world import NOW, RULESET, order, serve, write_files

RETURNS_RULESET = (
    RULESET
    + """
return strategy keep_in_store "Resell where it was dropped"
  priority 10
  when return.method == "store" and return.condition == "new"
  send to node.id == return.drop_node
  disposition restock
  restock after 1 day

return strategy rebalance "Send to the store that needs it"
  priority 20
  effective 2026-11-15 to 2026-12-31
  when return.condition in ["new", "opened"]
  send to node.type == "store" and node.accepts_returns
  within 300 km
  rank by need desc, distance
  disposition restock
  restock after 2 days
  otherwise use returns_centre

return strategy returns_centre "Returns centre"
  priority 30
  send to node.tags has "returns"
  rank by distance
  disposition by return.condition: new -> restock, opened -> refurbish, damaged -> liquidate
  restock after 5 days
"""
)
NODES = """id,type,lat,lon,capacity,pick_cost,ship_cost_base,ship_cost_per_km,handling_days,\
tags,return_cost
DC-LYON,dc,45.76,4.84,,0.3,4.0,0.012,1,returns,0.5
ST-PARIS,store,48.86,2.35,,0.5,3.0,0.01,0.5,,1.0
ST-LILLE,store,50.63,3.06,,0.5,3.0,0.01,0.5,,1.0
"""
STOCK = """node_id,sku,on_hand,target
DC-LYON,A,30,
ST-PARIS,A,5,8
ST-LILLE,A,5,10
DC-LYON,RARE,0,
ST-PARIS,RARE,0,
ST-LILLE,RARE,0,
"""
CREATED = "2026-03-02T10:00:00+01:00"
RESTOCK_AT = dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC)
"""CREATED + 1 day: when a new item dropped at a store becomes stock there."""
PARIS_HOME = {"origin_lat": 48.85, "origin_lon": 2.35}


@pytest.fixture
def served(tmp_path, signing):  # noqa: ARG001 - signing sets the keys the artifact is signed with
    files = write_files(tmp_path, nodes=NODES, stock=STOCK, ruleset=RETURNS_RULESET)
    with serve(files) as running:
        yield running


def line(sku: str = "A", qty=1, condition: str = "new", **fields) -> dict:
    """A returned line (a customer who changed their mind, unless `fields` say why)."""
    return {"sku": sku, "qty": qty, "reason": "changed_mind", "condition": condition} | fields


def a_return(return_id: str, sku: str = "A", qty: int = 1, **fields) -> dict:
    """A new item dropped at ST-PARIS, unless `fields` say otherwise."""
    body = {
        "return_id": return_id,
        "created_at": CREATED,
        "method": "store",
        "drop_node": "ST-PARIS",
        "order_id": "W-1",
        "lines": [line(sku, qty)],
    }
    body.update(fields)
    return body


def post(served, *returns: dict, explain: bool = False):
    body = {"return": returns[0]} if len(returns) == 1 else {"returns": list(returns)}
    return served.client.post("/returns", json=body | {"explain": explain})


def rare_at_paris(served) -> dict:
    """GET /availability of RARE at ST-PARIS (zeros when no figure is listed)."""
    answer = served.client.get("/availability", params={"sku": "RARE"})
    assert answer.status_code == 200
    found = {node["node_id"]: node for node in answer.json()["nodes"]}
    return found.get("ST-PARIS", {"on_hand": 0, "allocated": 0, "atp": 0})


def inbound(served, sku: str) -> dict[str, int]:
    """Units of `sku` restocked and not landed yet, per node."""
    units = served.session.returns.inbound.of(sku).tolist()
    return {node: n for node, n in zip(served.session.network.ids, units, strict=True) if n}


def collect_rare(order_id: str, created_at: dt.datetime) -> dict:
    return order(
        order_id, sku="RARE", delivery="collect", collect_node="ST-PARIS",
        created_at=created_at.isoformat(),
    )  # fmt: skip


def test_a_new_item_dropped_at_a_store_goes_back_on_its_shelf(served):
    answer = post(served, a_return("R-1", lines=[line(category="shirts", colour="red")]))
    assert answer.status_code == 200
    assert answer.json() == {
        "decisions": [
            {
                "return_id": "R-1",
                "status": "routed",
                "strategies": ["keep_in_store"],
                "lines": [
                    {
                        "sku": "A",
                        "qty": 1,
                        "node_id": "ST-PARIS",
                        "disposition": "restock",
                        "restock_date": "2026-03-03",
                        "distance_km": 0.0,
                        "cost": 4.0,
                        "strategy": "keep_in_store",
                    }  # fmt: skip
                ],
                "explain": [],
            }
        ]
    }
    stats = served.client.get("/stats").json()
    assert (stats["returns_remembered"], stats["restocks_scheduled"]) == (1, 1)
    assert inbound(served, "A") == {"ST-PARIS": 1}


def test_a_batch_is_answered_in_the_request_order(served):
    batch = [
        a_return("R-3", method="courier", drop_node=None, **PARIS_HOME,
                 lines=[line(qty=2, condition="damaged", reason="damaged")]),
        a_return("R-2", created_at="2026-03-02T09:00:00+01:00"),
        a_return("R-4", method="post", drop_node=None, **PARIS_HOME,
                 lines=[line(condition="opened", reason="wrong_size", unit_price=20.0, size="M")]),
    ]  # fmt: skip
    answer = post(served, *batch)
    assert answer.status_code == 200
    decisions = answer.json()["decisions"]
    assert [d["return_id"] for d in decisions] == ["R-3", "R-2", "R-4"]
    placed = [(d["lines"][0]["node_id"], d["lines"][0]["disposition"]) for d in decisions]
    assert placed == [("DC-LYON", "liquidate"), ("ST-PARIS", "restock"), ("DC-LYON", "refurbish")]
    assert [d["lines"][0]["restock_date"] for d in decisions] == [None, "2026-03-03", None]
    assert served.client.get("/stats").json()["restocks_scheduled"] == 1  # only R-2 restocks


def test_need_counts_the_units_already_on_their_way(served):
    served.clock.now = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)  # rebalance in force
    at = "2026-12-01T12:00:00+00:00"
    # need of A: ST-LILLE 10 - 5 = 5, ST-PARIS 8 - 5 = 3
    sent = {"method": "post", "drop_node": None, "created_at": at, **PARIS_HOME}
    first = post(served, a_return("R-1", **sent, lines=[line(qty=5, condition="opened")]))
    second = post(served, a_return("R-2", **sent, lines=[line(condition="opened")]))
    placed = [answer.json()["decisions"][0]["lines"][0] for answer in (first, second)]
    assert [(one["node_id"], one["strategy"]) for one in placed] == [
        ("ST-LILLE", "rebalance"),
        ("ST-PARIS", "rebalance"),  # ST-LILLE's need is met by the 5 units inbound
    ]
    assert placed[0]["restock_date"] == "2026-12-03"


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"method": "ferry"}, ["method"]),
        ({"drop_node": None}, ["drop_node"]),
        ({"method": "post", "origin_lat": 48.85}, ["origin_lon"]),
        ({"method": "post", "origin_lon": 2.35}, ["origin_lat"]),
        ({"method": "courier", "origin_lat": 91.0, "origin_lon": 2.35}, ["origin_lat"]),
        ({"origin_lat": 48.85}, ["origin_lon"]),  # a store return: both or neither
        ({"created_at": "next tuesday"}, ["created_at"]),
        ({"created_at": 1772442000}, ["created_at"]),
        ({"created_at": "2026-03-02T12:06:00+00:00"}, ["created_at"]),  # ahead of the clock
        ({"created_at": "1969-12-31T23:00:00+00:00"}, ["created_at"]),
        ({"drop_node": "ST-NOWHERE"}, ["drop_node"]),
        ({"return_id": ""}, ["return_id"]),
        ({"lines": []}, ["lines"]),
        ({"lines": [line(qty=0)]}, ["lines", 0, "qty"]),
        ({"lines": [line(qty=-1)]}, ["lines", 0, "qty"]),
        ({"lines": [line(qty=1.5)]}, ["lines", 0, "qty"]),
        ({"lines": [line(qty=True)]}, ["lines", 0, "qty"]),
        ({"lines": [line(condition="used")]}, ["lines", 0, "condition"]),
        ({"lines": [line(reason="")]}, ["lines", 0, "reason"]),
        ({"lines": [line(unit_price=-1)]}, ["lines", 0, "unit_price"]),
        ({"lines": [line(), line("NOPE")]}, ["lines", 1, "sku"]),
        ({"lines": [line(method="post")]}, ["lines", 0]),
        ({"colour": "red"}, ["colour"]),
    ],
)  # fmt: skip
def test_a_bad_return_is_refused_naming_the_field(served, change, where):
    body = a_return("R-1") | change
    answer = post(served, body)
    assert answer.status_code == 422, answer.text
    locations = [problem["loc"] for problem in answer.json()["detail"]]
    assert ["body", "return", *where] in locations, locations
    batch = post(served, a_return("R-0"), body)
    assert ["body", "returns", 1, *where] in [p["loc"] for p in batch.json()["detail"]]
    stats = served.client.get("/stats").json()
    assert (stats["returns_remembered"], stats["restocks_scheduled"]) == (0, 0)


def test_the_messages_say_what_is_missing(served):
    store = post(served, a_return("R-1", drop_node=None)).json()["detail"][0]
    assert store["msg"] == "a store return names the store where it was dropped (drop_node)"
    sent = post(served, a_return("R-1", method="post")).json()["detail"]
    assert [p["loc"][-1] for p in sent] == ["origin_lat", "origin_lon"]
    assert sent[0]["msg"] == "a post return gives the customer's address (origin_lat, origin_lon)"


def test_ids_given_twice_or_routed_before_are_refused(served):
    twice = post(served, a_return("R-1"), a_return("R-1"))
    assert twice.status_code == 422
    assert twice.json()["detail"][0]["loc"] == ["body", "returns"]
    assert post(served, a_return("R-1")).status_code == 200
    again = post(served, a_return("R-2"), a_return("R-1"))
    assert again.status_code == 409
    assert again.json()["detail"] == "return(s) already routed: R-1; nothing was routed"
    assert served.client.get("/stats").json()["restocks_scheduled"] == 1  # R-2 not routed
    both = served.client.post("/returns", json={"return": a_return("R-3"), "returns": []})
    assert both.status_code == 422


def test_the_route_scope_is_needed(served):
    body = {"return": a_return("R-1")}
    assert (
        served.client.post("/returns", json=body, headers=served.as_("events")).status_code == 403
    )
    assert served.client.post("/returns", json=body, headers=served.as_("route")).status_code == 200


def test_restocked_units_are_stock_from_their_restock_instant_on(served):
    # created without an offset: 10:00 in the ruleset's zone (Paris, UTC+1)
    assert (
        post(served, a_return("R-1", "RARE", 2, created_at="2026-03-02T10:00:00")).status_code
        == 200
    )
    assert inbound(served, "RARE") == {"ST-PARIS": 2}
    before = RESTOCK_AT - dt.timedelta(minutes=1)
    served.clock.now = before
    assert rare_at_paris(served)["on_hand"] == 0
    early = served.client.post("/route", json={"order": collect_rare("W-EARLY", before)})
    assert early.json()["decisions"][0]["status"] == "rejected"
    assert "restocks" not in early.json()

    served.clock.now = RESTOCK_AT + dt.timedelta(minutes=1)
    assert rare_at_paris(served)["on_hand"] == 2  # landed by the read itself
    assert inbound(served, "RARE") == {}
    late = served.client.post("/route", json={"order": collect_rare("W-LATE", served.clock.now)})
    assert late.status_code == 200
    decision = late.json()["decisions"][0]
    assert decision["status"] == "routed"
    assert decision["shipments"][0]["node_id"] == "ST-PARIS"
    assert late.json()["restocks"] == {  # what landed since the last write
        "landed": [{"return_id": "R-1", "node_id": "ST-PARIS", "sku": "RARE", "qty": 2,
                    "at": "2026-03-03T09:00:00+00:00"}],
        "decisions": [],
    }  # fmt: skip
    assert rare_at_paris(served)["allocated"] == 1
    assert served.reactions.events_applied == 1  # the restock, as a receipt
    assert served.reactions.problems() == []


def test_orders_of_one_batch_see_the_restock_from_its_instant(served):
    post(served, a_return("R-1", "RARE", 2))
    served.clock.now = RESTOCK_AT - dt.timedelta(seconds=30)
    batch = [
        collect_rare("W-AFTER", RESTOCK_AT + dt.timedelta(seconds=1)),
        collect_rare("W-BEFORE", RESTOCK_AT - dt.timedelta(seconds=1)),
    ]
    answer = served.client.post("/route", json={"orders": batch})
    assert [d["status"] for d in answer.json()["decisions"]] == ["routed", "rejected"]
    assert [entry["return_id"] for entry in answer.json()["restocks"]["landed"]] == ["R-1"]


def test_a_restock_releases_the_backorder_waiting_for_it(served):
    waiting = served.client.post("/route", json={"order": order("W-WAIT", sku="RARE")})
    assert waiting.json()["decisions"][0]["status"] == "backordered"
    post(served, a_return("R-1", "RARE", 1))
    served.clock.now = RESTOCK_AT + dt.timedelta(hours=1)
    event = {"event": {"kind": "node_online", "node_id": "ST-LILLE"}}
    answer = served.client.post("/events", json=event)  # any write lands what is due
    assert answer.status_code == 200
    [released] = answer.json()["restocks"]["decisions"]
    assert released["order_id"] == "W-WAIT" and released["status"] == "routed"
    assert released["shipments"][0]["node_id"] == "ST-PARIS"
    assert "received at ST-PARIS" in released["reason"]
    figures = rare_at_paris(served)
    assert (figures["on_hand"], figures["allocated"], figures["atp"]) == (1, 1, 0)
    assert served.reactions.decision("W-WAIT").status == "routed"
    assert served.reactions.problems() == []


def test_explain_lists_each_step(served):
    answer = post(served, a_return("R-1", method="post", drop_node=None, **PARIS_HOME),
                  explain=True)  # fmt: skip
    [decision] = answer.json()["decisions"]
    assert decision["strategies"] == ["returns_centre"]  # keep_in_store is for store returns
    verdicts = {(e["node_id"], e["outcome"]) for e in decision["explain"]}
    assert ("DC-LYON", "chosen") in verdicts
    assert ("ST-PARIS", "excluded") in verdicts  # no `returns` tag
    many = post(served, *[a_return(f"R-{n}") for n in range(2, 53)], explain=True)
    assert many.status_code == 422
    assert "at most 50 returns" in many.json()["detail"][0]["msg"]


def test_the_clock_window_applies(served):
    old = (NOW - dt.timedelta(days=8)).isoformat()
    answer = post(served, a_return("R-1", created_at=old))
    assert answer.status_code == 422
    assert "behind the service's clock" in answer.json()["detail"][0]["msg"]
    now = post(served, a_return("R-2", created_at=None))  # without created_at: now
    assert now.json()["decisions"][0]["lines"][0]["restock_date"] == "2026-03-03"


def test_a_hold_is_made_on_the_units_landed_and_says_so(served):
    post(served, a_return("R-1", "RARE", 2))
    served.clock.now = RESTOCK_AT
    basket = collect_rare("CART-1", RESTOCK_AT)
    made = served.client.post("/holds", json={"basket": basket, "ttl_seconds": 60})
    assert made.status_code == 200
    assert made.json()["lines"] == [{"node_id": "ST-PARIS", "sku": "RARE", "qty": 1}]
    assert [entry["return_id"] for entry in made.json()["restocks"]["landed"]] == ["R-1"]
    released = served.client.delete(f"/holds/{made.json()['hold_id']}")
    assert "restocks" not in released.json()  # reported once


def test_a_restock_that_fails_to_land_stops_writes(served, monkeypatch):
    post(served, a_return("R-1", "RARE", 1))

    def broken(_event):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(served.reactions, "apply", broken)
    served.clock.now = RESTOCK_AT
    assert rare_at_paris(served)["on_hand"] == 0  # reads still work
    assert served.client.get("/health").status_code == 503
    refused = post(served, a_return("R-2"))
    assert refused.status_code == 503
    assert "landing restocked returns failed" in refused.json()["detail"]


def test_a_line_restocked_at_once_lands_before_the_answer(tmp_path, signing):  # noqa: ARG001
    text = RETURNS_RULESET.replace("restock after 1 day", "restock after 0 days")
    files = write_files(tmp_path, nodes=NODES, stock=STOCK, ruleset=text)
    with serve(files) as served:
        answer = post(served, a_return("R-1", "RARE", 1))
        assert answer.json()["decisions"][0]["lines"][0]["restock_date"] == "2026-03-02"
        assert answer.json()["restocks"]["landed"][0]["at"] == "2026-03-02T09:00:00+00:00"
        assert rare_at_paris(served)["on_hand"] == 1
