"""The HTTP service over real HTTP on loopback: uvicorn started in the test,
called with an httpx client. Decisions equal the engine's own, bad bodies get
422 naming the field, events re-route, and concurrent requests never promise
the same unit twice."""

from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
from service_world import RULESET, order, serve, write_files

import engine


@pytest.fixture
def files(tmp_path, signing):  # noqa: ARG001 - signing sets the keys the artifact is signed with
    return write_files(tmp_path)


@pytest.fixture
def served(files):
    """(client, reactions): the service running in uvicorn on 127.0.0.1, called
    with a key that holds every scope."""
    with serve(files) as running:
        yield running.client, running.reactions


def test_health_stats_ruleset_and_openapi(served):
    client, _ = served
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/stats").json() == {
        "writes": "accepted",
        "orders_held": 0,
        "finished_ids_remembered": 0,
        "open_allocations": 0,
        "events_applied": 0,
        "holds_open": 0,
        "units_held": 0,
        "returns_remembered": 0,
        "restocks_scheduled": 0,
    }
    ruleset = client.get("/ruleset").json()
    assert (ruleset["name"], ruleset["version"], ruleset["published_by"]) == (
        "service",
        2,
        "alice",
    )
    schema = client.get("/openapi.json").json()
    endpoints = {
        "/route", "/events", "/health", "/ruleset", "/stats", "/availability", "/holds", "/returns",
    }  # fmt: skip
    assert endpoints <= set(schema["paths"])
    assert "RouteRequest" in schema["components"]["schemas"]


def test_the_published_hash_is_the_artifacts(served, files):
    client, _ = served
    recorded = json.loads(files["artifact"].read_text(encoding="utf-8"))["content_hash"]
    assert client.get("/ruleset").json()["content_hash"] == recorded


def test_a_routed_order_is_the_engines_decision(served, files):
    client, _ = served
    response = client.post("/route", json={"order": order("W1", qty=2)})
    assert response.status_code == 200
    [decision] = response.json()["decisions"]

    network = engine.Network.from_frame(pd.read_csv(files["nodes"]))
    stock = engine.Inventory.from_frame(pd.read_csv(files["inventory"]), network)
    router = engine.Session(engine.policy_of(RULESET), network, stock).router
    line = engine.Line("A", 2, {"unit_price": 12.5})
    fields = {"channel": "web", "delivery": "home", "dest_lat": 48.85, "dest_lon": 2.35}
    at = dt.datetime.fromisoformat("2026-03-02T10:00:00+01:00")
    expected = router.route(engine.Order("W1", at, (line,), fields))
    assert decision == expected.to_dict()
    assert decision["shipments"][0]["node_id"] == "ST-PARIS"


def test_a_batch_comes_back_in_request_order_with_explanations(served):
    client, _ = served
    later = order("B2", created_at="2026-03-02T12:00:00+01:00")
    earlier = order("B1", qty=5, created_at="2026-03-02T09:00:00+01:00")
    response = client.post("/route", json={"orders": [later, earlier], "explain": True})
    assert response.status_code == 200
    decisions = response.json()["decisions"]
    assert [d["order_id"] for d in decisions] == ["B2", "B1"]
    # B1 came first in time: it took Paris's 5 units, B2 goes further.
    assert decisions[1]["shipments"][0]["node_id"] == "ST-PARIS"
    assert decisions[0]["shipments"][0]["node_id"] != "ST-PARIS"
    assert all(d["explain"] for d in decisions)


@pytest.mark.parametrize(
    ("body", "where", "message"),
    [
        (
            {"order": order("X", qty=0)},
            ["body", "order", "lines", 0, "qty"],
            "greater than or equal to 1",
        ),
        (
            {"order": {k: v for k, v in order("X").items() if k != "delivery"}},
            ["body", "order", "delivery"],
            "Field required",
        ),
        ({"order": order("X", dest_lat=123)}, ["body", "order", "dest_lat"], "less than or"),
        ({"order": order("X", delivery="collect")}, ["body", "order"], "collect_node"),
        ({"orders": []}, ["body", "orders"], "at least 1"),
        ({"order": order("X"), "orders": [order("Y")]}, ["body"], "either `order`"),
        ({"orders": [order("X"), order("X")]}, ["body", "orders"], "given twice: X"),
    ],
    ids=["qty-0", "no-delivery", "latitude", "collect-store", "empty", "both", "twice"],
)
def test_a_bad_order_gets_422_naming_the_field(served, body, where, message):
    client, reactions = served
    response = client.post("/route", json=body)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == where
    assert message in error["msg"]
    assert reactions.ledger.orders == {}


def test_routing_an_order_id_twice_is_a_conflict(served):
    client, _ = served
    assert client.post("/route", json={"order": order("D1")}).status_code == 200
    response = client.post("/route", json={"orders": [order("D2"), order("D1")]})
    assert response.status_code == 409
    assert "D1" in response.json()["detail"]
    assert client.get("/stats").json()["orders_held"] == 1  # D2 was not routed either


def test_an_id_given_twice_and_already_routed_gets_the_422_first(served):
    client, _ = served
    assert client.post("/route", json={"order": order("D1")}).status_code == 200
    response = client.post("/route", json={"orders": [order("D1"), order("D1")]})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "orders"]
    assert "given twice: D1" in error["msg"]


def test_events_reroute_and_bad_events_get_422(served):
    client, reactions = served
    client.post("/route", json={"order": order("E1", qty=3)})
    offline = {"at": "2026-03-02T11:00:00+01:00", "kind": "node_offline", "node_id": "ST-PARIS"}
    response = client.post("/events", json={"event": offline})
    assert response.status_code == 200
    body = response.json()
    assert body["applied"] == 1
    [rerouted] = body["decisions"]
    assert (rerouted["order_id"], rerouted["rerouted_from"]) == ("E1", "E1#1")
    assert rerouted["reason"].startswith("node ST-PARIS offline")
    assert rerouted["shipments"][0]["node_id"] != "ST-PARIS"
    assert client.get("/stats").json()["events_applied"] == 1

    bad = [
        ({"event": dict(offline, node_id="NOWHERE")}, ["body", "event", "node_id"], "unknown"),
        ({"events": [offline, dict(offline, kind="flood")]}, ["body", "events", 1, "kind"], ""),
        (
            {"event": {"kind": "stock_adjust", "node_id": "DC-LYON", "qty": 3}},
            ["body", "event"],
            "names a sku",
        ),
        ({"event": dict(offline, at="2026-03-02T11:00:00")}, ["body", "event", "at"], "timezone"),
    ]
    for payload, where, message in bad:
        response = client.post("/events", json=payload)
        assert response.status_code == 422, payload
        [error] = response.json()["detail"]
        assert error["loc"] == where
        assert message in error["msg"]
    assert reactions.events_applied == 1
    assert reactions.problems() == []


def test_concurrent_requests_never_oversell(served):
    """30 units of SCARCE in all; 16 clients order 90 units between them."""
    client, reactions = served

    def buy(i: int) -> dict:
        body = {"order": order(f"C{i:03d}", sku="SCARCE", qty=1 + i % 2)}
        response = client.post("/route", json=body)
        assert response.status_code == 200
        return response.json()["decisions"][0]

    with ThreadPoolExecutor(max_workers=16) as pool:
        decisions = list(pool.map(buy, range(60)))

    allocated = sum(line["qty"] for d in decisions for s in d["shipments"] for line in s["lines"])
    ordered = sum(1 + i % 2 for i in range(60))
    unfilled = sum(u["qty"] for d in decisions for u in d["unfilled"])
    assert allocated == 30
    assert allocated + unfilled == ordered == 90
    stock = reactions.router.inventory
    for node in ("DC-LYON", "ST-PARIS", "ST-LILLE"):
        assert stock.free_of(node, "SCARCE") == 0
    assert reactions.problems() == []
