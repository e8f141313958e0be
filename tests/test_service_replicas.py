"""Three service processes sharing one stock in PostgreSQL (docs/service.md,
"Replicas"): 24 clients route 5,000 orders on scarce SKUs through all three while
one process is killed (SIGKILL) and started again. Nothing is oversold, every
answered allocation is in the database, and the database equals one in-memory
service replaying the same orders in the order the database committed them."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from service_world import Clock, keys_for_tests

from bench.replicas import route_orders
from bench.service_data import FINISHED_IDS, free_port, start, stop, wait_until_up, write_world
from service.app import create_app
from service.settings import ServiceSettings
from service.shared_schema import STORE_VARIABLE
from service.startup import load_service

pytestmark = pytest.mark.postgres
ORDERS, PROCESSES, KILL_AT = 5_000, 3, 2_000


def replay(world, entries) -> tuple[dict[str, dict], object]:
    """One in-memory service (the default mode) routing the logged orders in commit
    order, each at the instant its replica applied it: the decisions by order id, and
    its inventory. Called in process: the orders' path is the same, minus the socket."""
    session, summary = load_service(
        world.files["nodes"], world.files["inventory"], artifact=world.files["artifact"]
    )
    keys, tokens = keys_for_tests()
    clock = Clock()
    settings = replace(ServiceSettings(keys=keys), finished_ids=FINISHED_IDS)
    app = create_app(session, summary, settings, clock)
    decisions = {}
    headers = {"Authorization": f"Bearer {tokens['admin']}", "content-type": "application/json"}
    with TestClient(app, headers=headers) as http:
        for entry in entries:
            if entry.method == "TICK":
                continue  # a refused request: nothing in this run expires or lands
            assert (entry.method, entry.path) == ("POST", "/route")
            clock.now = entry.at
            answer = http.post("/route", content=bytes(entry.body))
            assert answer.status_code == 200, answer.text
            decision = answer.json()["decisions"][0]
            decisions[decision["order_id"]] = decision
    return decisions, session.router.inventory


def test_three_replicas_route_scarce_stock_without_overselling(
    postgres_server, tmp_path: Path, monkeypatch
):
    url = postgres_server.new_database()
    world = write_world(tmp_path)
    monkeypatch.setenv(STORE_VARIABLE, url)
    monkeypatch.setenv("SOURCING_TRUSTED_KEYS", str(world.files["public_key"]))
    ports = [free_port() for _ in range(PROCESSES)]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    logs = [tmp_path / f"service-{i}.log" for i in range(PROCESSES)]
    servers = [start(world.files, port, log) for port, log in zip(ports, logs, strict=True)]

    def kill_one() -> None:
        servers[0].kill()  # SIGKILL: no shutdown, a transaction may be open

    try:
        for base, server, log in zip(bases, servers, logs, strict=True):
            wait_until_up(base, server, log)
        run = route_orders(
            bases, world.order_token, world.stores, ORDERS, hooks={KILL_AT: kill_one}
        )
        servers[0].wait()
        servers[0] = start(world.files, ports[0], logs[0])  # restarted: rebuilds from the log
        wait_until_up(bases[0], servers[0], logs[0])
        headers = {"Authorization": f"Bearer {world.order_token}"}
        seen = [httpx.get(f"{base}/stats", headers=headers).json() for base in bases]
        scarce = [
            httpx.get(f"{base}/availability?sku=SKU-0000", headers=headers).json()["total"]
            for base in bases
        ]
    finally:
        for server in servers:
            stop(server)

    assert len(run.stats.latencies) + run.stats.errors[409] == ORDERS, run.stats.errors
    assert set(run.stats.errors) <= {409, "no answer"}, run.stats.errors
    assert run.stats.errors["no answer"] > 0, "the killed process's clients moved on"
    assert seen[0] == seen[1] == seen[2], "a restarted replica rebuilds the same state"
    assert scarce[0] == scarce[1] == scarce[2]

    engine = sa.create_engine(url)
    with engine.connect() as db:
        entries = db.execute(sa.text("SELECT * FROM replica_log ORDER BY seq")).fetchall()
        made = db.execute(sa.text("SELECT * FROM replica_allocations")).fetchall()
        stock = db.execute(sa.text("SELECT * FROM replica_stock")).fetchall()
    engine.dispose()
    assert [entry.seq for entry in entries] == list(range(1, len(entries) + 1))
    routed = [json.loads(e.body)["order"]["order_id"] for e in entries if e.method == "POST"]
    assert len(routed) == len(set(routed)) == ORDERS, "every order committed once"

    # 0 units oversold: the units ever allocated at a position are at most its stock.
    allocated: Counter[tuple[str, str]] = Counter()
    for row in made:
        allocated[(row.node_id, row.sku)] += row.qty
    oversold = {cell: units for cell, units in allocated.items() if units > world.stock[cell]}
    assert oversold == {}
    assert sum(allocated.values()) > 0.5 * sum(
        units for (_, code), units in world.stock.items() if code < "SKU-0012"
    ), "the scarce SKUs sold out in good part"

    # Every answered allocation is in the database.
    by_order: dict[str, Counter] = defaultdict(Counter)
    for row in made:
        by_order[row.order_id][(row.node_id, row.sku)] += row.qty
    for order_id, decision in run.decisions.items():
        answered: Counter[tuple[str, str]] = Counter()
        for shipment in decision["shipments"]:
            for line in shipment["lines"]:
                answered[(shipment["node_id"], line["sku"])] += line["qty"]
        assert by_order.get(order_id, Counter()) == answered, order_id

    # The database equals one in-memory service replaying the orders in commit order.
    decisions, inventory = replay(world, entries)
    assert {k: decisions[k] for k in run.decisions} == run.decisions
    for order_id, decision in decisions.items():
        replayed: Counter[tuple[str, str]] = Counter()
        for shipment in decision["shipments"]:
            for line in shipment["lines"]:
                replayed[(shipment["node_id"], line["sku"])] += line["qty"]
        assert by_order.get(order_id, Counter()) == replayed, order_id
    index = inventory.network.index
    for row in stock:
        cell = inventory.row(row.sku), index[row.node_id]
        on_hand, free = int(inventory.on_hand[cell]), int(inventory.free[cell])
        assert (row.on_hand, row.allocated, row.held) == (on_hand, on_hand - free, 0), row
