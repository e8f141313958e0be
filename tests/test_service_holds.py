"""Stock held for baskets and available to promise over real HTTP (uvicorn on
loopback): POST /holds, DELETE /holds/{id}, POST /route with a hold_id and
GET /availability, with the service's clock moved by the test."""

from __future__ import annotations

import datetime as dt

import pytest
from service_world import RULESET, order, serve, write_files

KEEP_RULESET = RULESET.replace(
    "  rank by shipments, distance\n  split at most 2\n  on shortage backorder",
    '  keep 2 units at node.type == "store"\n'
    "  rank by shipments, distance\n  split at most 2\n  on shortage backorder",
)


@pytest.fixture
def served(tmp_path, signing):  # noqa: ARG001 - signing sets the keys the artifact is signed with
    with serve(write_files(tmp_path)) as running:
        yield running


def hold(served, basket: dict, ttl: int = 900):
    return served.client.post("/holds", json={"basket": basket, "ttl_seconds": ttl})


def scarce(served) -> dict[str, dict]:
    answer = served.client.get("/availability", params={"sku": "SCARCE"})
    assert answer.status_code == 200
    return {node["node_id"]: node for node in answer.json()["nodes"]}


def units(decision: dict) -> dict[str, int]:
    return {s["node_id"]: sum(line["qty"] for line in s["lines"]) for s in decision["shipments"]}


def test_a_hold_keeps_its_units_for_the_order_that_names_it(served):
    # SCARCE: DC-LYON 20, ST-PARIS 7, ST-LILLE 3; one shipment is preferred
    made = hold(served, order("BASKET-1", sku="SCARCE", qty=20))
    assert made.status_code == 200
    body = made.json()
    assert len(body["hold_id"]) == 32
    assert body["expires_at"] == "2026-03-02T12:15:00+00:00"  # the clock + 900 s
    assert body["lines"] == [{"node_id": "DC-LYON", "sku": "SCARCE", "qty": 20}]
    assert [s["node_id"] for s in body["shipments"]] == ["DC-LYON"]
    assert body["status"] == "routed" and body["unfilled"] == []
    assert scarce(served)["DC-LYON"]["held"] == 20
    assert served.client.get("/stats").json()["units_held"] == 20

    other = served.client.post("/route", json={"order": order("W-1", sku="SCARCE", qty=20)})
    assert units(other.json()["decisions"][0]) == {"ST-PARIS": 7, "ST-LILLE": 3}

    routed = served.client.post(
        "/route", json={"order": order("W-2", sku="SCARCE", qty=20), "hold_id": body["hold_id"]}
    )
    assert routed.status_code == 200
    [decision] = routed.json()["decisions"]
    assert decision["status"] == "routed" and units(decision) == {"DC-LYON": 20}
    assert routed.json()["hold_taken"]["hold_id"] == body["hold_id"]
    figures = scarce(served)["DC-LYON"]
    assert (figures["allocated"], figures["held"], figures["atp"]) == (20, 0, 0)
    stats = served.client.get("/stats").json()
    assert (stats["holds_open"], stats["units_held"]) == (0, 0)

    again = served.client.post(
        "/route", json={"order": order("W-3", sku="SCARCE"), "hold_id": body["hold_id"]}
    )
    assert again.status_code == 404
    assert again.json()["detail"].startswith(f"no hold {body['hold_id']} is open")
    assert "W-3" not in served.reactions.ledger.orders  # nothing routed


def test_release_gives_the_units_back(served):
    body = hold(served, order("B", sku="SCARCE", qty=5)).json()
    assert scarce(served)["ST-PARIS"]["held"] == 5
    released = served.client.delete(f"/holds/{body['hold_id']}")
    assert released.status_code == 200
    assert released.json()["lines"] == body["lines"]
    assert scarce(served)["ST-PARIS"] == {
        "node_id": "ST-PARIS",
        "on_hand": 7,
        "allocated": 0,
        "held": 0,
        "protected": 0,
        "online": True,
        "atp": 7,
    }
    twice = served.client.delete(f"/holds/{body['hold_id']}")
    assert twice.status_code == 404
    assert "no hold" in twice.json()["detail"]
    unknown = served.client.delete("/holds/" + "a" * 32)
    assert unknown.status_code == 404


def test_holds_expire_when_the_clock_moves(served):
    body = hold(served, order("B", sku="SCARCE", qty=20), ttl=60).json()
    served.clock.now += dt.timedelta(seconds=59)
    assert scarce(served)["DC-LYON"]["held"] == 20
    served.clock.now += dt.timedelta(seconds=1)  # expires_at <= now: released
    assert scarce(served)["DC-LYON"]["held"] == 0
    assert served.client.delete(f"/holds/{body['hold_id']}").status_code == 404
    late = served.client.post(
        "/route", json={"order": order("W-1", sku="SCARCE", qty=20), "hold_id": body["hold_id"]}
    )
    assert late.status_code == 404
    assert served.client.get("/stats").json()["orders_held"] == 0


def test_an_order_uses_units_whose_hold_expired_meanwhile(served):
    hold(served, order("B", sku="SCARCE", qty=20), ttl=30)
    served.clock.now += dt.timedelta(minutes=1)  # no read in between: the route releases it
    routed = served.client.post("/route", json={"order": order("W-1", sku="SCARCE", qty=20)})
    assert units(routed.json()["decisions"][0]) == {"DC-LYON": 20}


def test_an_order_already_routed_leaves_the_hold_open(served):
    body = hold(served, order("B", sku="SCARCE", qty=2)).json()
    assert served.client.post("/route", json={"order": order("W-1")}).status_code == 200
    conflict = served.client.post(
        "/route", json={"order": order("W-1"), "hold_id": body["hold_id"]}
    )
    assert conflict.status_code == 409
    assert served.client.get("/stats").json()["units_held"] == 2


@pytest.mark.parametrize(
    ("ttl", "message"),
    [
        (0, "Input should be greater than or equal to 1"),
        (3_601, "Input should be less than or equal to 3600"),
        ("900", "Input should be a valid integer"),
        (60.5, "Input should be a valid integer"),
        (True, "Input should be a valid integer"),
    ],
)
def test_a_ttl_out_of_range_is_refused(served, ttl, message):
    response = hold(served, order("B", sku="SCARCE"), ttl=ttl)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "ttl_seconds"]
    assert error["msg"] == message
    assert served.client.get("/stats").json()["holds_open"] == 0


@pytest.mark.parametrize(
    ("body", "where", "message"),
    [
        ({"ttl_seconds": 60}, ["body", "basket"], "Field required"),
        (
            {"basket": order("B"), "ttl_seconds": 60, "hold": 1},
            ["body", "hold"],
            "Extra inputs are not permitted",
        ),
        (
            {"basket": order("B", created_at="2026-03-02T13:00:00+00:00"), "ttl_seconds": 60},
            ["body", "basket", "created_at"],
            "created_at 2026-03-02T13:00:00+00:00 is 60 min ahead of the service's clock",
        ),
        (
            {"basket": order("B", delivery="collect", collect_node="NOWHERE"), "ttl_seconds": 60},
            ["body", "basket", "collect_node"],
            "unknown node 'NOWHERE'",
        ),
        (
            {"basket": order("B", sku="NO-SUCH-SKU"), "ttl_seconds": 60},
            ["body", "basket", "lines"],
            "nothing can be held for basket 'B': no node can place any unit of NO-SUCH-SKU "
            "(no candidate with stock)",
        ),
    ],
)
def test_a_bad_basket_is_refused_with_the_field(served, body, where, message):
    response = served.client.post("/holds", json=body)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == where
    assert error["msg"].startswith(message)
    assert served.client.get("/stats").json()["holds_open"] == 0


def test_a_bad_hold_id_is_refused(served):
    batch = served.client.post(
        "/route", json={"orders": [order("W-1")], "hold_id": "0" * 32}
    ).json()
    assert batch["detail"][0]["msg"] == (
        "Value error, a `hold_id` goes with one order (`order`), not a batch"
    )
    malformed = served.client.post("/route", json={"order": order("W-1"), "hold_id": "xyz"})
    assert malformed.status_code == 422
    assert malformed.json()["detail"][0]["loc"] == ["body", "hold_id"]
    deleted = served.client.delete("/holds/not-a-hold")
    assert deleted.status_code == 422
    assert deleted.json()["detail"][0]["loc"] == ["path", "hold_id"]
    assert served.client.get("/stats").json()["orders_held"] == 0


def test_availability_reads_the_query(served):
    answer = served.client.get(
        "/availability", params={"sku": "A", "channel": "web", "delivery": "home"}
    ).json()
    assert answer["strategy"] == "home" and answer["sku"] == "A"
    assert answer["at"] == "2026-03-02T12:00:00+00:00"
    assert answer["total"] == {"on_hand": 40, "allocated": 0, "held": 0, "protected": 0, "atp": 40}
    for params, where in (
        ({}, ["query", "sku"]),
        ({"sku": "NOPE"}, ["query", "sku"]),
        ({"sku": "A", "delivery": "drone"}, ["query", "delivery"]),
        ({"sku": ""}, ["query", "sku"]),
    ):
        response = served.client.get("/availability", params=params)
        assert response.status_code == 422, params
        assert response.json()["detail"][0]["loc"] == where
    unknown = served.client.get("/availability", params={"sku": "NOPE"}).json()["detail"][0]
    assert unknown["msg"] == (
        "unknown sku 'NOPE': the service holds the SKUs of its inventory file only"
    )


def test_availability_protects_what_keep_keeps_and_skips_nodes_offline(tmp_path, signing):  # noqa: ARG001
    with serve(write_files(tmp_path, ruleset=KEEP_RULESET)) as running:
        client = running.client
        home = client.get("/availability", params={"sku": "SCARCE", "delivery": "home"}).json()
        assert home["strategy"] == "home"
        figures = {n["node_id"]: (n["protected"], n["atp"]) for n in home["nodes"]}
        assert figures == {"DC-LYON": (0, 20), "ST-LILLE": (2, 1), "ST-PARIS": (2, 5)}
        collect = client.get("/availability", params={"sku": "SCARCE", "delivery": "collect"})
        assert collect.json()["strategy"] == "collect"
        assert collect.json()["total"]["atp"] == 30
        nothing = client.get("/availability", params={"sku": "SCARCE"}).json()
        assert nothing["strategy"] is None and nothing["total"]["protected"] == 0
        event = {"event": {"kind": "node_offline", "node_id": "ST-PARIS"}}
        assert client.post("/events", json=event).status_code == 200
        home = client.get("/availability", params={"sku": "SCARCE", "delivery": "home"}).json()
        paris = next(n for n in home["nodes"] if n["node_id"] == "ST-PARIS")
        assert (paris["online"], paris["on_hand"], paris["atp"]) == (False, 7, 0)
        assert home["total"]["atp"] == 21
