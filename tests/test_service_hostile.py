"""The service under attack, over real HTTP: bounded numbers and instants (422,
never 500), requests that apply completely or change nothing, a write that
fails half-way stopping every later write, body and field limits, computed
fields that cannot be spoofed, and no call without a key of the right scope."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import socket

import pytest
from service_world import order, serve, write_files

OFFLINE_PARIS = {"at": "2026-03-02T11:00:00+01:00", "kind": "node_offline", "node_id": "ST-PARIS"}
RETURN = {
    "return_id": "R1", "method": "store", "drop_node": "ST-PARIS",
    "lines": [{"sku": "A", "qty": 1, "reason": "changed_mind", "condition": "new"}],
}  # fmt: skip


@pytest.fixture
def files(tmp_path, signing):  # noqa: ARG001 - signing sets the keys the artifact is signed with
    return write_files(tmp_path)


@pytest.fixture
def served(files):
    with serve(files) as running:
        yield running


def state(reactions) -> tuple:
    """Everything a write may change, to compare before and after."""
    ledger, stock = reactions.ledger, reactions.router.inventory
    return (
        ledger.clock,
        sorted(ledger.orders),
        sorted(ledger.open),
        stock.on_hand.tolist(),
        stock.free.tolist(),
        reactions.events_applied,
        reactions.router.offline.tolist(),
    )


def only_error(response) -> dict:
    [error] = response.json()["detail"]
    return error


# ------------------------------------------------ numbers and instants: 422


@pytest.mark.parametrize(
    ("body", "where", "message"),
    [
        (
            json.dumps({"order": order("X", dest_lat=1.5)}).replace("1.5", "NaN"),
            ["body", 0],
            "NaN is not a JSON number",
        ),
        ({"order": order("X", qty=10**30)}, ["body", "order", "lines", 0, "qty"], "less than"),
        ({"order": order("X", qty=True)}, ["body", "order", "lines", 0, "qty"], "valid integer"),
        ({"order": order("X", qty=2.0)}, ["body", "order", "lines", 0, "qty"], "valid integer"),
        ({"order": order("X", qty="2")}, ["body", "order", "lines", 0, "qty"], "valid integer"),
        ({"order": order("X", dest_lon=1e308)}, ["body", "order", "dest_lon"], "less than"),
        ({"order": order("X", promised_days=366)}, ["body", "order", "promised_days"], "365"),
        (
            {"order": order("X", created_at="0001-01-01T00:00:00+14:00")},
            ["body", "order", "created_at"],
            "must be a date-time from 1970-01-01T00:00:00Z to 2200-12-31T23:59:59Z",
        ),
        (
            {"order": order("X", created_at="9999-12-31T23:59:59-12:00")},
            ["body", "order", "created_at"],
            "must be a date-time from 1970",
        ),
        (
            {"order": order("X", created_at=1_700_000_000)},
            ["body", "order", "created_at"],
            "ISO 8601 text",
        ),
    ],
    ids=[
        "nan", "qty-1e30", "qty-true", "qty-float", "qty-text", "lon-1e308", "days",
        "year-1", "year-9999", "epoch-number",
    ],
)  # fmt: skip
def test_hostile_numbers_and_instants_get_422_not_500(served, body, where, message):
    """dest_lat NaN, qty 10^30 and year-1 timestamps once gave 500; qty true was taken as 1."""
    before = state(served.reactions)
    if isinstance(body, str):
        response = served.client.post(
            "/route", content=body, headers={"content-type": "application/json"}
        )
    else:
        response = served.client.post("/route", json=body)
    assert response.status_code == 422, response.text
    error = only_error(response)
    assert error["loc"] == where
    assert message in error["msg"]
    assert state(served.reactions) == before


def test_quantity_overflow_over_http_is_refused_not_oversold(served):
    """An order line of 2^63 − 1 units was once routed in full from zero stock and,
    sent twice, wrapped the node's count; a replenish of 2^63 − 1 wrapped on-hand."""
    client, reactions = served.client, served.reactions
    before = state(reactions)
    for attempt in ("MAX-1", "MAX-2"):
        body = {"order": order(attempt, sku="NONE", qty=2**63 - 1)}
        response = client.post("/route", json=body)
        assert response.status_code == 422
        assert only_error(response)["loc"] == ["body", "order", "lines", 0, "qty"]
    receipt = {"kind": "replenish", "node_id": "DC-LYON", "sku": "A", "qty": 2**63 - 1}
    response = client.post("/events", json={"event": receipt})
    assert response.status_code == 422
    assert only_error(response)["loc"] == ["body", "event", "qty"]
    assert state(reactions) == before
    assert (reactions.router.inventory.free >= 0).all()


def test_a_failed_request_changes_no_state(served):
    """An order created in year 9999 once answered 500 after moving the ledger's
    clock: it closed the open allocations, so a later node_offline re-routed
    nothing. A replenish of 10^30 once answered 500 after a half-applied reaction."""
    client, reactions = served.client, served.reactions
    assert client.post("/route", json={"order": order("O1", qty=2)}).status_code == 200
    before = state(reactions)
    hostile = [
        ("/route", {"order": order("FUTURE", created_at="9999-12-31T23:59:59-12:00")}),
        ("/route", {"order": order("SOON", created_at="2026-03-05T10:00:00+01:00")}),
        ("/events", {"event": {**OFFLINE_PARIS, "at": "2026-03-09T00:00:00Z"}}),
        ("/events", {"event": {"kind": "replenish", "node_id": "DC-LYON", "sku": "A",
                               "qty": 10**30}}),
        ("/events", {"events": [OFFLINE_PARIS, {**OFFLINE_PARIS, "node_id": "NOWHERE"}]}),
        ("/route", {"orders": [order("B1"), order("B2", created_at="2001-01-01T00:00:00Z")]}),
    ]  # fmt: skip
    for path, body in hostile:
        response = client.post(path, json=body)
        assert response.status_code == 422, (body, response.text)
        assert state(reactions) == before, body
    # The clock did not move: Paris going offline still re-routes O1's open allocation.
    response = client.post("/events", json={"event": OFFLINE_PARIS})
    [rerouted] = response.json()["decisions"]
    assert rerouted["order_id"] == "O1" and rerouted["rerouted_from"] == "O1#1"
    assert reactions.problems() == []


def test_instants_are_checked_against_the_service_clock(served):
    """created_at or at more than 5 minutes ahead (or 7 days behind) of the
    service's clock would move the ledger's clock at will: refused."""
    client = served.client
    now = served.clock.now
    ahead = (now + dt.timedelta(minutes=6)).isoformat()
    response = client.post("/route", json={"order": order("AHEAD", created_at=ahead)})
    assert response.status_code == 422
    assert "is 6 min ahead of the service's clock" in only_error(response)["msg"]
    assert "at most 5 min ahead is accepted" in only_error(response)["msg"]
    behind = (now - dt.timedelta(days=8)).isoformat()
    response = client.post("/route", json={"order": order("BEHIND", created_at=behind)})
    assert "8.0 days behind" in only_error(response)["msg"]
    near = (now + dt.timedelta(minutes=4)).isoformat()
    assert client.post("/route", json={"order": order("NEAR", created_at=near)}).status_code == 200
    response = client.post("/route", json={"order": order("NOW", created_at=None)})
    assert response.status_code == 200


def test_a_write_that_fails_half_way_stops_every_later_write(served, monkeypatch):
    client, reactions = served.client, served.reactions
    record = reactions.ledger.record
    calls = []

    def fails_on_the_second(order, decision, at):
        calls.append(order.id)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return record(order, decision, at)

    monkeypatch.setattr(reactions.ledger, "record", fails_on_the_second)
    response = client.post("/route", json={"orders": [order("H1"), order("H2")]})
    assert response.status_code == 500
    assert "writes are refused since routing a request failed" in response.json()["detail"]
    assert "restart the service (reads still work)" in response.json()["detail"]
    monkeypatch.setattr(reactions.ledger, "record", record)
    for path, body in (
        ("/route", {"order": order("H3")}),
        ("/events", {"event": OFFLINE_PARIS}),
    ):
        refused = client.post(path, json=body)
        assert refused.status_code == 503
        assert refused.json()["detail"] == response.json()["detail"]
    assert client.get("/ruleset").status_code == 200
    assert client.get("/stats").json()["writes"] == "refused"
    health = client.get("/health")
    assert health.status_code == 503 and health.json()["status"] == "writes refused"
    assert "H3" not in reactions.ledger.orders


# ----------------------------------------------------------------- limits


def raw_request(base: str, head: str, body: bytes) -> tuple[int, bytes]:
    """Send a request by hand (headers, then at most `body`), read the answer."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(head.encode("ascii") + b"\r\n\r\n")
        with contextlib.suppress(OSError):  # the server may answer and close before reading all
            sock.sendall(body)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer) < answer.find(b"\r\n\r\n") + 40:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    return status, answer.partition(b"\r\n\r\n")[2]


def test_a_100_mb_body_is_refused_before_it_is_read(served):
    """A 100 MB request body was once read and parsed."""
    token = served.tokens["route"]
    head = (
        "POST /route HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\nContent-Length: 100000000"
    )
    status, body = raw_request(served.base, head, b'{"order": ')
    assert status == 413
    assert b"larger than 1,048,576 bytes" in body
    # Without a length, streamed: the count stops it after the first 1 MiB.
    head = head.replace("Content-Length: 100000000", "Transfer-Encoding: chunked")
    chunk = b" " * 65536
    stream = (b"10000\r\n" + chunk + b"\r\n") * 40
    status, body = raw_request(served.base, head, stream)
    assert status == 413
    assert served.client.get("/stats").json()["orders_held"] == 0


def test_fields_and_batches_are_bounded(served):
    client = served.client
    cases = [
        ({"order": order("X", note="x" * 1025)}, ["body", "order"], "1,025 characters"),
        ({"order": order("X", **{f"k{i}": i for i in range(33)})}, ["body", "order"], "33 extra"),
        ({"order": order("X", nested={"a": 1})}, ["body", "order"], "a text, a number"),
        ({"order": order("X", big=1e300)}, ["body", "order"], "a number must be"),
        ({"order": order("X", **{"bad key": 1})}, ["body", "order"], "letters, digits"),
        ({"order": order("X" * 257)}, ["body", "order", "order_id"], "at most 256"),
        ({"order": order("X\x00")}, ["body", "order", "order_id"], "control"),
        ({"order": order("X\u202e")}, ["body", "order", "order_id"], "invisible"),
        ({"order": order("X", sku="")}, ["body", "order", "lines", 0, "sku"], "at least 1"),
        (
            {"order": order("X", lines=[{"sku": "A", "qty": 1}] * 1001)},
            ["body", "order", "lines"],
            "at most 1000",
        ),
        ({"orders": [order(f"B{i}") for i in range(1001)]}, ["body", "orders"], "at most 1000"),
        (
            {"orders": [order(f"E{i}") for i in range(51)], "explain": True},
            ["body"],
            "explain is given for at most 50 orders",
        ),
    ]
    surrogate = json.dumps({"order": order("X")}).replace('"X"', '"X\\ud800"')
    cases.append((surrogate, ["body", "order", "order_id"], "valid string"))
    for body, where, message in cases:
        if isinstance(body, str):
            headers = {"content-type": "application/json"}
            response = client.post("/route", content=body, headers=headers)
        else:
            response = client.post("/route", json=body)
        assert response.status_code == 422, body
        error = only_error(response)
        assert error["loc"] == where, body
        assert message in error["msg"], (body, error)
    assert client.get("/stats").json()["orders_held"] == 0


def test_a_huge_extra_field_is_refused_and_finished_orders_leave_memory(files):
    """20 orders with a 10 MB extra field once added ~214 MB never released: the
    ledger kept every order forever."""
    with serve(files, max_body_bytes=64 << 20, finished_ids=3) as running:
        client, reactions = running.client, running.reactions
        huge = order("HUGE", comment="x" * 10_000_000)
        response = client.post("/route", json={"order": huge})
        assert response.status_code == 422
        assert "10,000,000 characters long" in only_error(response)["msg"]
        for i in range(5):
            body = order(f"F{i}", comment="y" * 1000)
            assert client.post("/route", json={"order": body}).status_code == 200
        assert client.get("/stats").json()["orders_held"] == 5
        # Three days later every parcel has left: the orders are forgotten, the
        # last three finished ids are remembered, and a repeat is still refused.
        running.clock.now += dt.timedelta(days=3)
        assert client.post("/route", json={"order": order("LATER", created_at=None)}).json()
        stats = client.get("/stats").json()
        assert stats["orders_held"] == 1 and stats["finished_ids_remembered"] == 3
        assert list(reactions.ledger.finished) == ["F2", "F3", "F4"]
        repeat = client.post("/route", json={"order": order("F4", created_at=None)})
        assert repeat.status_code == 409
        assert reactions.problems() == []


def test_events_for_unknown_skus_are_refused(served):
    response = served.client.post(
        "/events",
        json={"event": {"kind": "replenish", "node_id": "DC-LYON", "sku": "NEW", "qty": 5}},
    )
    assert response.status_code == 422
    error = only_error(response)
    assert error["loc"] == ["body", "event", "sku"]
    assert "unknown sku 'NEW'" in error["msg"]
    assert "NEW" not in served.reactions.router.inventory.sku_index


def test_a_receipt_above_the_stock_bound_is_refused(served):
    events = [
        {"kind": "stock_adjust", "node_id": "DC-LYON", "sku": "A", "qty": 10**12 - 1},
        {"kind": "replenish", "node_id": "DC-LYON", "sku": "A", "qty": 2},
    ]
    response = served.client.post("/events", json={"events": events})
    assert response.status_code == 422
    error = only_error(response)
    assert error["loc"] == ["body", "events", 1, "qty"]
    assert "would take the 999,999,999,999 units on hand above 1,000,000,000,000" in error["msg"]
    assert served.reactions.events_applied == 0
    events[1]["qty"] = 1
    assert served.client.post("/events", json={"events": events}).status_code == 200
    assert served.reactions.router.inventory.on_hand_of("DC-LYON", "A") == 10**12


def test_duplicate_json_keys_and_deep_nesting_are_refused(served):
    client = served.client
    headers = {"content-type": "application/json"}
    duplicate = '{"order": {"order_id": "D", "order_id": "E"}}'
    response = client.post("/route", content=duplicate, headers=headers)
    assert response.status_code == 422
    assert "the key 'order_id' appears twice in one object" in only_error(response)["msg"]
    deep = '{"order": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client.post("/route", content=deep, headers=headers)
    assert response.status_code == 422
    assert "nested too deeply" in only_error(response)["msg"]
    digits = '{"order": {"order_id": ' + "9" * 5000 + "}}"
    response = client.post("/route", content=digits, headers=headers)
    assert response.status_code == 422


# ---------------------------------------------------------- computed fields


@pytest.mark.parametrize("name", ["value", "units", "lines", "id"])
def test_computed_fields_cannot_be_spoofed_by_a_key(served, name):
    """A 1 € order sent with "value": 5000 once took the big-orders strategy."""
    body = order("SPOOF")
    if name == "lines":
        body["lines"][0]["lines"] = 5000
        where = ["body", "order", "lines", 0]
    else:
        body[name] = 5000
        where = ["body", "order"]
    response = served.client.post("/route", json={"order": body})
    assert response.status_code == 422
    error = only_error(response)
    assert error["loc"] == where
    assert f"extra key '{name}': order.{name} is " in error["msg"]
    assert f"rename it (e.g. `declared_{name}`)" in error["msg"]


# ---------------------------------------------------------- authentication


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/route", {"order": order("A1")}),
        ("POST", "/events", {"event": OFFLINE_PARIS}),
        ("GET", "/ruleset", None),
        ("GET", "/stats", None),
        ("GET", "/availability?sku=A", None),
        ("POST", "/holds", {"basket": order("B1"), "ttl_seconds": 60}),
        ("DELETE", "/holds/" + "0" * 32, None),
        ("POST", "/returns", {"return": RETURN}),
    ],
)
def test_endpoints_need_an_api_key(served, method, path, body):
    """No endpoint asked for a key: anyone could take nodes offline or set stock."""
    before = state(served.reactions)
    for headers, message in (
        ({"Authorization": ""}, "this endpoint needs an API key"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "this endpoint needs an API key"),
        ({"Authorization": "Bearer sst_not-a-key"}, "the API key is not valid"),
        ({"Authorization": "Bearer " + "x" * 10_000}, "the API key is not valid"),
    ):
        response = served.client.request(method, path, json=body, headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"] == "Bearer"
        assert message in response.json()["detail"]
    assert state(served.reactions) == before


@pytest.mark.parametrize(
    ("method", "path", "body", "scope"),
    [
        ("POST", "/route", {"order": order("A1")}, "route"),
        ("POST", "/events", {"event": OFFLINE_PARIS}, "events"),
        ("GET", "/ruleset", None, "read"),
        ("GET", "/stats", None, "read"),
        ("GET", "/availability?sku=A", None, "read"),
        ("POST", "/holds", {"basket": order("B1"), "ttl_seconds": 60}, "holds"),
        ("POST", "/returns", {"return": RETURN}, "route"),
    ],
)
def test_a_key_without_the_scope_gets_403(served, method, path, body, scope):
    before = state(served.reactions)
    for other in ("route", "read", "events", "holds"):
        if other == scope:
            continue
        response = served.client.request(method, path, json=body, headers=served.as_(other))
        assert response.status_code == 403
        assert f"the API key 'test-{other}' lacks the '{scope}' scope" in response.json()["detail"]
        assert state(served.reactions) == before
    response = served.client.request(method, path, json=body, headers=served.as_(scope))
    assert response.status_code == 200


def test_health_and_the_schema_are_open_and_the_schema_shows_the_scheme(served):
    for path in ("/health", "/openapi.json"):
        assert served.client.get(path, headers={"Authorization": ""}).status_code == 200
    schema = served.client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_a_422_names_the_field_without_echoing_the_input(served):
    secret = "card-4111111111111111-" + "s" * 5000
    body = {"order": order("X", qty=secret), "extra": secret}
    response = served.client.post("/route", json=body)
    assert response.status_code == 422
    assert "4111111111111111" not in response.text
    for error in response.json()["detail"]:
        assert set(error) == {"type", "loc", "msg"}
    many = {"orders": [order(f"M{i}", qty=0) for i in range(100)]}
    detail = served.client.post("/route", json=many).json()["detail"]
    assert len(detail) == 21
    assert detail[-1] == {
        "type": "too_many_errors",
        "loc": ["body"],
        "msg": "80 more problem(s) not listed",
    }
