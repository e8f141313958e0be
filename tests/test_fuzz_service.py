"""Fuzzers for the HTTP models: random JSON bodies — valid requests with one
field or more replaced by anything, arbitrary JSON, raw bytes — sent through
FastAPI's TestClient with a key holding every scope.

The only acceptable outcomes: 200, or a 4xx with a JSON `detail` (422 items
hold exactly type, loc and msg, never the input) that left the state as it
was — never a 500 — and the ledger's bookkeeping holds after every request."""

from __future__ import annotations

import datetime as dt
import json
import warnings

import pytest
from fuzzing import HOSTILE_INSTANTS, fuzz_settings, json_scalar, json_value
from hypothesis import given
from hypothesis import strategies as st
from service_world import NOW, Clock, keys_for_tests, order, write_files

import engine
from engine.tables import load_inventory, load_nodes
from service.app import create_app
from service.settings import ServiceSettings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx's successor
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.fuzz

RULESET = """ruleset "Fuzz"
timezone "Europe/Paris"

strategy big "Large or flagged orders"
  priority 1
  when order.value > 1000 or order.flag == true or order.score >= 3 or line.category == "x"
  rank by node.priority, stock desc
  split at most 3
  on shortage backorder

strategy collect "Click and collect"
  priority 2
  when order.delivery == "collect"
  source from node.id == order.collect_node
  on shortage reject

strategy home "Home"
  priority 3
  rank by shipments, distance, cost, load
  split at most 2
  on shortage partial

return strategy back "Back on a shelf"
  when return.condition != "damaged"
  send to node.type == "store"
  within 500 km
  rank by need desc, distance
  disposition restock
  restock after 30 days
"""


class Service:
    """One app for the whole fuzzing run (as in production: requests pile up)."""

    def __init__(self, folder):
        files = write_files(folder, ruleset=None)
        extra = ["order.flag", "order.score", "node.priority"]
        session = engine.Session.open(
            RULESET,
            load_nodes(files["nodes"]),
            load_inventory(files["inventory"]),
            extra_fields=extra,
            follow=True,
        )
        self.session = session
        self.reactions = session.reactions
        keys, tokens = keys_for_tests()
        settings = ServiceSettings(keys=keys, max_body_bytes=64 * 1024, finished_ids=50)
        self.clock = Clock(NOW)
        app = create_app(session, {"name": "fuzz"}, settings, self.clock)
        self.client = TestClient(app, raise_server_exceptions=False)
        self.client.headers["Authorization"] = f"Bearer {tokens['admin']}"

    def state(self) -> tuple:
        ledger, stock = self.reactions.ledger, self.reactions.router.inventory
        return (
            ledger.clock,
            sorted(ledger.orders),
            sorted(ledger.open),
            stock.on_hand.tolist(),
            stock.free.tolist(),
            self.reactions.events_applied,
            self.reactions.router.offline.tolist(),
            self.reactions.router.capacity.tolist(),
            {sku: units.tolist() for sku, units in self.session.returns.inbound.units.items()},
        )

    def send(self, path: str, body=None, content: bytes | None = None) -> None:
        self.clock.now += dt.timedelta(minutes=1)
        self.client.get("/stats")  # what time brought first (expired holds, restocks due)
        before = self.state()
        if content is not None:
            headers = {"content-type": "application/json"}
            response = self.client.post(path, content=content, headers=headers)
        else:
            response = self.client.post(path, json=body)
        assert response.status_code in (200, 409, 413, 422), (response.status_code, response.text)
        payload = response.json()
        if response.status_code != 200:
            assert self.state() == before, "a refused request changed the state"
            assert "detail" in payload
        if response.status_code == 422:
            for problem in payload["detail"]:
                assert set(problem) == {"type", "loc", "msg"}
        if path == "/holds" and response.status_code == 200:  # the units back, then audit
            assert self.client.delete(f"/holds/{payload['hold_id']}").status_code == 200
            assert self.state() == before, "a hold released left a trace"
        assert self.reactions.problems() == []


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    running = Service(tmp_path_factory.mktemp("fuzz-service"))
    yield running
    running.client.close()
    running.reactions.close()


ORDER_FIELDS = [
    "order_id", "created_at", "channel", "delivery", "collect_node", "tier", "dest_lat",
    "dest_lon", "country", "region", "postal_code", "promised_days", "lines", "flag", "score",
    "value", "explain",
]  # fmt: skip
LINE_FIELDS = ["sku", "qty", "unit_price", "category", "weight", "lines"]
EVENT_FIELDS = ["at", "kind", "node_id", "sku", "qty", "note", "extra"]
numbers = iter(range(10**9))
instants = st.one_of(
    st.sampled_from(HOSTILE_INSTANTS),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.sampled_from([
        (NOW + dt.timedelta(minutes=m)).isoformat() for m in (-20_000, -60, 0, 4, 6, 10_000)
    ]),
)  # fmt: skip
field_value = st.one_of(json_value, instants, json_scalar)


@st.composite
def route_bodies(draw):
    """A valid order (or batch) with fields replaced, added or dropped."""
    count = draw(st.integers(1, 3))
    orders = []
    for _ in range(count):
        body = order(
            f"Z{next(numbers)}",
            sku=draw(st.sampled_from(["A", "SCARCE", "NONE"])),
            qty=draw(st.integers(1, 40)),
            created_at=(NOW + dt.timedelta(minutes=draw(st.integers(-100, 3)))).isoformat(),
        )
        body["delivery"] = draw(st.sampled_from(["home", "collect", "express"]))
        if body["delivery"] == "collect":
            body["collect_node"] = draw(st.sampled_from(["ST-PARIS", "DC-LYON", "NOWHERE"]))
        for name in draw(st.lists(st.sampled_from(ORDER_FIELDS), max_size=3)):
            if draw(st.booleans()):
                body.pop(name, None)
            else:
                body[name] = draw(field_value)
        lines = body.get("lines")
        if isinstance(lines, list) and lines and isinstance(lines[0], dict):
            for name in draw(st.lists(st.sampled_from(LINE_FIELDS), max_size=2)):
                lines[0][name] = draw(field_value)
        orders.append(body)
    request = {"order": orders[0]} if draw(st.booleans()) and count == 1 else {"orders": orders}
    if draw(st.integers(0, 4)) == 0:
        request["explain"] = draw(st.one_of(st.booleans(), json_scalar))
    if draw(st.integers(0, 9)) == 0:
        request[draw(st.text(max_size=6))] = draw(json_value)
    return request


HOLD_FIELDS = ["basket", "ttl_seconds", "hold_id"]


@st.composite
def hold_bodies(draw):
    """A valid POST /holds body (its basket drawn as a route body's order) with
    fields replaced, added or dropped."""
    request = draw(route_bodies())
    basket = request.get("order") or request["orders"][0]
    body = {"basket": basket, "ttl_seconds": draw(st.integers(-5, 4_000))}
    for name in draw(st.lists(st.sampled_from(HOLD_FIELDS), max_size=2)):
        if draw(st.booleans()):
            body.pop(name, None)
        else:
            body[name] = draw(field_value)
    return body


RETURN_FIELDS = [
    "return_id", "created_at", "method", "drop_node", "origin_lat", "origin_lon", "order_id",
    "lines", "category",
]  # fmt: skip
RETURN_LINE_FIELDS = ["sku", "qty", "reason", "condition", "unit_price", "method", "size"]


@st.composite
def return_bodies(draw):
    """A valid return (or batch) with fields replaced, added or dropped."""
    returns = []
    for _ in range(draw(st.integers(1, 3))):
        body = {
            "return_id": f"Z{next(numbers)}",
            "created_at": (NOW + dt.timedelta(minutes=draw(st.integers(-100, 3)))).isoformat(),
            "method": draw(st.sampled_from(["store", "post", "courier"])),
            "drop_node": draw(st.sampled_from(["ST-PARIS", "DC-LYON", "NOWHERE"])),
            "origin_lat": 48.85,
            "origin_lon": 2.35,
            "lines": [
                {
                    "sku": draw(st.sampled_from(["A", "SCARCE", "NONE"])),
                    "qty": draw(st.integers(1, 40)),
                    "reason": "changed_mind",
                    "condition": draw(st.sampled_from(["new", "opened", "damaged"])),
                }
            ],
        }
        for name in draw(st.lists(st.sampled_from(RETURN_FIELDS), max_size=3)):
            if draw(st.booleans()):
                body.pop(name, None)
            else:
                body[name] = draw(field_value)
        lines = body.get("lines")
        if isinstance(lines, list) and lines and isinstance(lines[0], dict):
            for name in draw(st.lists(st.sampled_from(RETURN_LINE_FIELDS), max_size=2)):
                lines[0][name] = draw(field_value)
        returns.append(body)
    one = draw(st.booleans()) and len(returns) == 1
    request = {"return": returns[0]} if one else {"returns": returns}
    if draw(st.integers(0, 4)) == 0:
        request["explain"] = draw(st.one_of(st.booleans(), json_scalar))
    return request


@st.composite
def event_bodies(draw):
    events = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(
            st.sampled_from(
                ["node_offline", "node_online", "stock_adjust", "replenish", "capacity_change"]
            )
        )
        event = {
            "at": (NOW + dt.timedelta(minutes=draw(st.integers(-100, 3)))).isoformat(),
            "kind": kind,
            "node_id": draw(st.sampled_from(["DC-LYON", "ST-PARIS", "ST-LILLE", "NOWHERE"])),
        }
        if kind in ("stock_adjust", "replenish"):
            event["sku"] = draw(st.sampled_from(["A", "SCARCE", "NEW"]))
            event["qty"] = draw(st.integers(0, 50))
        if kind == "capacity_change":
            event["qty"] = draw(st.one_of(st.none(), st.integers(0, 5)))
        for name in draw(st.lists(st.sampled_from(EVENT_FIELDS), max_size=2)):
            event[name] = draw(field_value)
        events.append(event)
    return {"events": events} if len(events) > 1 or draw(st.booleans()) else {"event": events[0]}


@fuzz_settings(30)
@given(body=route_bodies())
def test_fuzzed_route_bodies(service, body):
    service.send("/route", body)


@fuzz_settings(30)
@given(body=event_bodies())
def test_fuzzed_event_bodies(service, body):
    service.send("/events", body)


@fuzz_settings(30)
@given(body=hold_bodies())
def test_fuzzed_hold_bodies(service, body):
    service.send("/holds", body)


@fuzz_settings(30)
@given(body=return_bodies())
def test_fuzzed_return_bodies(service, body):
    service.send("/returns", body)


@fuzz_settings()
@given(body=json_value, path=st.sampled_from(["/route", "/events", "/holds", "/returns"]))
def test_fuzzed_json(service, body, path):
    service.send(path, body)


@fuzz_settings()
@given(
    content=st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
        route_bodies().map(lambda b: json.dumps(b).replace("1", "NaN", 1).encode()),
        route_bodies().map(lambda b: json.dumps(b).replace('"', "'", 2).encode()),
        st.integers(1, 3000).map(lambda n: ("[" * n + "]" * n).encode()),
    ),
    path=st.sampled_from(["/route", "/events", "/holds", "/returns"]),
)
def test_fuzzed_raw_bodies(service, content, path):
    service.send(path, content=content)
