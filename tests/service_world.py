"""The routing service for tests: a small network written to files, API keys,
and uvicorn serving it on a loopback port in a thread, called over real HTTP."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import uvicorn

from engine.artifact import build_artifact, sign_artifact, write_artifact
from engine.reactions import Reactions
from engine.session import Session
from service.app import create_app
from service.keys import KeyRing, make_key
from service.settings import ServiceSettings
from service.startup import load_service

RULESET = """ruleset "Service"
timezone "Europe/Paris"

strategy home "Home delivery"
  when order.delivery == "home"
  rank by shipments, distance
  split at most 2
  on shortage backorder

strategy collect "Click and collect"
  when order.delivery == "collect"
  source from node.id == order.collect_node
  split none
  on shortage reject
"""
NODES = """id,type,lat,lon,capacity,pick_cost,ship_cost_base,ship_cost_per_km,handling_days
DC-LYON,dc,45.76,4.84,,0.3,4.0,0.012,1
ST-PARIS,store,48.86,2.35,,0.5,3.0,0.01,0.5
ST-LILLE,store,50.63,3.06,,0.5,3.0,0.01,0.5
"""
STOCK = """node_id,sku,on_hand
DC-LYON,A,30
ST-PARIS,A,5
ST-LILLE,A,5
DC-LYON,SCARCE,20
ST-PARIS,SCARCE,7
ST-LILLE,SCARCE,3
"""
NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
"""The service's clock in tests (orders are created on 2 March 2026)."""
SCOPES = ("route", "read", "events", "holds", "admin")


def write_files(
    folder: Path,
    nodes: str = NODES,
    stock: str = STOCK,
    ruleset: str | None = RULESET,
) -> dict[str, Path]:
    """The nodes and stock files, and the ruleset's artifact signed with the test key (the
    `signing` fixture); `ruleset=None`: no artifact."""
    (folder / "nodes.csv").write_text(nodes, encoding="utf-8")
    (folder / "inventory.csv").write_text(stock, encoding="utf-8")
    files = {"nodes": folder / "nodes.csv", "inventory": folder / "inventory.csv"}
    if ruleset is not None:
        artifact = build_artifact(ruleset, name="service", version=2, published_by="alice")
        files["artifact"] = write_artifact(sign_artifact(artifact), folder / "ruleset.json")
    return files


class Clock:
    """A settable service clock."""

    def __init__(self, now: dt.datetime = NOW):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Served:
    client: httpx.Client
    """Calls with the `admin` key (every scope)."""
    reactions: Reactions
    tokens: dict[str, str]
    """A token per scope (`route` holds only route, ...), and `admin`."""
    clock: Clock
    base: str
    session: Session
    """The session the service runs on (its router, ledger and return router)."""

    def as_(self, scope: str | None) -> dict[str, str]:
        """Headers for a key holding `scope` only (None: no header)."""
        return {} if scope is None else {"Authorization": f"Bearer {self.tokens[scope]}"}


def keys_for_tests() -> tuple[KeyRing, dict[str, str]]:
    keys, tokens = [], {}
    for scope in SCOPES:
        key, tokens[scope] = make_key(f"test-{scope}", scope)
        keys.append(key)
    return KeyRing(keys), tokens


@contextmanager
def serve(files: dict[str, Path], **settings) -> Iterator[Served]:
    """The service on 127.0.0.1 (uvicorn in a thread); `settings` override
    ServiceSettings' defaults (e.g. max_body_bytes)."""
    session, summary = load_service(
        files["nodes"],
        files["inventory"],
        artifact=files.get("artifact"),
        ruleset=files.get("ruleset"),
        carriers=files.get("carriers"),
        closures=files.get("closures"),
    )
    keys, tokens = keys_for_tests()
    clock = Clock()
    app = create_app(session, summary, replace(ServiceSettings(keys=keys), **settings), clock)
    reactions = session.follow()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    try:
        with httpx.Client(base_url=base, timeout=30, headers=headers) as client:
            yield Served(client, reactions, tokens, clock, base, session)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()
        reactions.close()


def order(order_id: str, sku: str = "A", qty: int = 1, **fields) -> dict:
    body = {
        "order_id": order_id,
        "created_at": "2026-03-02T10:00:00+01:00",
        "channel": "web",
        "delivery": "home",
        "dest_lat": 48.85,
        "dest_lon": 2.35,
        "lines": [{"sku": sku, "qty": qty, "unit_price": 12.5}],
    }
    body.update(fields)
    return body
