"""POST /route's lean path (service.fast, service.batch): a batch routed in blocks
decides as the same orders routed one by one, the lean route answers every bad
request as FastAPI's own handler does (same status, same errors, same order of
checks), answers are encoded by orjson, and `--workers` above 1 is refused (each
worker would hold its own stock; replicas share one with `--store`), and the
service spaces out the garbage collector's passes over young objects."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.testclient import TestClient
from service_world import keys_for_tests, order, serve, write_files

from service.__main__ import SERVER, YOUNG_OBJECTS, main
from service.errors import StrictJSONRoute, validation_failed
from service.fast import LeanJSONRoute, json_response
from service.keys import make_key
from service.models import RouteRequest
from service.security import Authentication, requires


@pytest.fixture
def files(tmp_path, signing):  # noqa: ARG001 - signing sets the keys the artifact is signed with
    return write_files(tmp_path)


def orders(count: int, seed: int = 5) -> list[dict]:
    """Orders for A and the scarce SKU, home or collect, created over two hours
    (several at the same instant): stock runs out, orders split, backorder, reject."""
    rng = random.Random(seed)
    made = []
    for number in range(count):
        minute = rng.choice([0, 0, 5, 30, 45, 90, 119])
        created = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=minute)
        fields = {"created_at": created.isoformat()}
        if rng.random() < 0.3:
            fields |= {"delivery": "collect", "collect_node": rng.choice(["ST-PARIS", "ST-LILLE"])}
        sku = rng.choice(["A", "SCARCE", "SCARCE"])
        order_id = f"W-{rng.randrange(10**6):06d}-{number}"
        made.append(order(order_id, sku, rng.randint(1, 4), **fields))
    return made


def test_a_batch_decides_as_its_orders_routed_one_by_one(files):
    batch = orders(40)
    with serve(files) as running:
        answer = running.client.post("/route", json={"orders": batch})
        assert answer.status_code == 200
        in_blocks = answer.json()["decisions"]
        stats = running.client.get("/stats").json()
        left = running.client.get("/availability", params={"sku": "SCARCE"}).json()
        assert running.reactions.problems() == []
    assert [d["order_id"] for d in in_blocks] == [o["order_id"] for o in batch]
    assert {d["status"] for d in in_blocks} >= {"routed", "backordered", "rejected"}
    with serve(files) as running:
        one_by_one = {}
        for item in sorted(batch, key=lambda o: (o["created_at"], o["order_id"])):
            answer = running.client.post("/route", json={"order": item})
            [one_by_one[item["order_id"]]] = answer.json()["decisions"]
        assert running.client.get("/stats").json() == stats
        assert running.client.get("/availability", params={"sku": "SCARCE"}).json() == left
        assert running.reactions.problems() == []
    assert in_blocks == [one_by_one[o["order_id"]] for o in batch]


def test_events_after_a_batch_see_every_allocation_it_made(files):
    """The batch's allocation facts reach the rules before the next event."""
    with serve(files) as running:
        batch = [order(f"W-{n}", "A", 2) for n in range(6)]
        decided = running.client.post("/route", json={"orders": batch}).json()["decisions"]
        nodes = {d["order_id"]: {s["node_id"] for s in d["shipments"]} for d in decided}
        at_paris = {order_id for order_id, shipped in nodes.items() if "ST-PARIS" in shipped}
        assert at_paris
        event = {"event": {"kind": "node_offline", "node_id": "ST-PARIS"}}
        rerouted = running.client.post("/events", json=event).json()["decisions"]
        assert {d["order_id"] for d in rerouted} == at_paris
        assert all(a.node_id != "ST-PARIS" for a in running.reactions.open_allocations())
        assert running.reactions.problems() == []


def _app(lean: bool) -> TestClient:
    """POST /route answering {"ok": true}, on FastAPI's own handler or on the lean one."""
    keys, _ = keys_for_tests()
    app = FastAPI()
    app.router.route_class = StrictJSONRoute
    app.add_middleware(Authentication, keys=keys)
    app.add_exception_handler(RequestValidationError, validation_failed)

    async def route(request: RouteRequest):  # noqa: ARG001 - validated only
        return json_response({"ok": True})

    app.router.add_api_route(
        "/route", route, methods=["POST"], dependencies=[requires("route")],
        route_class_override=LeanJSONRoute if lean else None,
    )  # fmt: skip
    return TestClient(app)


GOOD = (
    b'{"order": {"order_id": "W-1", "channel": "web", "delivery": "home", '
    b'"lines": [{"sku": "A", "qty": 1}]}}'
)
REQUESTS = [
    (GOOD, {"content-type": "application/json"}),
    (GOOD, {"content-type": "application/json; charset=utf-8"}),
    (GOOD, {"content-type": "application/vnd.api+json"}),
    (GOOD, {"content-type": "text/plain"}),
    (GOOD, {}),
    (b"", {"content-type": "application/json"}),
    (b"{", {"content-type": "application/json"}),
    (b'{"order": {}, "order": {}}', {"content-type": "application/json"}),
    (b'{"orders": [NaN]}', {"content-type": "application/json"}),
    (b"[" * 100_000, {"content-type": "application/json"}),
    (b'{"order": {"order_id": ""}}', {"content-type": "application/json"}),
    (b'{"orders": []}', {"content-type": "application/json"}),
    (b"\xff\xfe", {"content-type": "application/json"}),
]


@pytest.mark.parametrize("scope", ["route", "read", None])
@pytest.mark.parametrize(("body", "headers"), REQUESTS)
def test_the_lean_route_answers_as_fastapis_own(body, headers, scope):
    _, tokens = keys_for_tests()
    if scope is not None:
        headers = headers | {"authorization": f"Bearer {tokens[scope]}"}
    answers = [_app(lean).post("/route", content=body, headers=headers) for lean in (False, True)]
    assert answers[0].status_code == answers[1].status_code
    assert answers[0].json() == answers[1].json()


def test_the_openapi_schema_shows_the_lean_route_as_before(files):
    with serve(files) as running:
        schema = running.client.get("/openapi.json").json()
    post = schema["paths"]["/route"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RouteRequest"
    }
    assert post["security"] == [{"HTTPBearer": []}]


def test_answers_are_encoded_once_by_orjson():
    """Compact, UTF-8 kept, and what orjson does not know through FastAPI's encoder."""
    response = json_response({"node": "Épinal", "day": dt.date(2026, 3, 2), "ids": {"W-1"}})
    assert response.body == '{"node":"Épinal","day":"2026-03-02","ids":["W-1"]}'.encode()
    assert response.media_type == "application/json"


def test_more_than_one_worker_is_refused_while_stock_is_in_memory(capsys, files):
    argv = ["--nodes", str(files["nodes"]), "--inventory", str(files["inventory"])]
    argv += ["--artifact", str(files["artifact"]), "--workers", "2"]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert "--workers 2" in error and "--store" in error


def test_the_collector_passes_over_young_objects_rarely_while_serving(files, monkeypatch):
    """`python -m service` freezes what it loaded and spaces the collector's young
    passes out (YOUNG_OBJECTS) before it serves; the older generations keep theirs."""
    import gc

    import uvicorn

    key, _ = make_key("test-route", "route")
    monkeypatch.setenv("SOURCING_SERVICE_KEYS", key.line())
    served = {}
    monkeypatch.setattr(uvicorn, "run", lambda _app, **_: served.update(at=gc.get_threshold()))
    before = gc.get_threshold()
    argv = ["--nodes", str(files["nodes"]), "--inventory", str(files["inventory"])]
    try:
        assert main([*argv, "--artifact", str(files["artifact"])]) == 0
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
    assert served["at"] == (YOUNG_OBJECTS, *before[1:])


def test_the_service_serves_with_the_compiled_parser_and_loop():
    import uvicorn
    import uvloop
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    config = uvicorn.Config(FastAPI(), **SERVER)
    config.load()
    assert config.http_protocol_class is HttpToolsProtocol
    assert config.loop == "uvloop"
    loop = uvloop.new_event_loop()  # installed and working
    try:
        assert loop.run_until_complete(_answer()) == 42
    finally:
        loop.close()


async def _answer() -> int:
    return 42


def test_a_write_waits_in_a_worker_thread_while_the_gate_is_held():
    """On the loop when the gate is free; in a worker thread, waiting without
    stopping the loop, when another write holds it."""
    import asyncio
    import threading

    from service.writes import WriteGate, write_soon

    gate = WriteGate()
    ran_in: list[str] = []

    def apply(_checked):
        ran_in.append(threading.current_thread().name)
        return {"done": True}

    async def scenario():
        loop_thread = threading.current_thread().name
        assert await write_soon(gate, "a test", lambda: None, apply, here=True) == {"done": True}
        assert ran_in == [loop_thread]
        held = threading.Event()
        release = threading.Event()

        def holder():
            with gate.transaction():
                held.set()
                release.wait(5)

        threading.Thread(target=holder).start()
        held.wait(5)
        waiting = asyncio.ensure_future(write_soon(gate, "a test", lambda: None, apply, True))
        await asyncio.sleep(0.05)
        assert not waiting.done()  # waiting for the gate, the loop still running
        release.set()
        assert await waiting == {"done": True}
        assert ran_in[1] != loop_thread

    asyncio.run(scenario())


def test_a_write_that_would_not_wait_never_overtakes_one_that_waits():
    from service.writes import Busy, WriteGate

    gate = WriteGate()
    with gate.transaction(wait=False):
        pass  # free, nobody waiting: taken at once
    gate.waiting = 1  # a worker thread blocked on the gate (as _acquire counts it)
    with pytest.raises(Busy), gate.transaction(wait=False):
        pass
    gate.waiting = 0
    with gate.transaction(wait=True):
        assert gate.waiting == 0
