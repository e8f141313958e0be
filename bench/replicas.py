"""Service replicas sharing one stock in PostgreSQL (docs/service.md, "Replicas"):
orders a second through one process in memory (the default), one process on the
shared stock, and three processes on it behind a round robin of clients.

The world is bench.service's (6 DCs, 54 stores, 300 SKUs of which 12 scarce, the
France ruleset; every order wants a scarce SKU). A throwaway PostgreSQL server
(tests/postgres.py: Debian's binaries, fsync off) holds the stock, one fresh
database per step. Each step: CLIENTS keep-alive clients, client i on process
i % processes, send ORDERS single orders created now; then the database is
checked: the units ever allocated at a position are at most its stock.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import random
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.service_data import ROOT, free_port, start, stop, wait_until_up, write_world
from bench.service_load import Stats, order_body

CLIENTS = 24
WARM_UP = 100
"""Orders sent by 4 clients before the timed ones (the processes' first requests)."""
STORE_VARIABLE = "SOURCING_SERVICE_STORE"


class Answers:
    """What the clients got: statuses, the decisions answered 200 by order id, timings."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.decisions: dict[str, dict] = {}
        self.stats = Stats()
        self.numbers = itertools.count()


def order(number: int, stores: list[str]) -> dict:
    """The order `number` of a run (the same for every run: seeded by its number)."""
    return {"order": order_body(random.Random(number), number, stores)}


def route_orders(
    bases: list[str],
    token: str,
    stores: list[str],
    orders: int,
    clients: int = CLIENTS,
    hooks: dict[int, Callable[[], None]] | None = None,
    first: int = 0,
) -> Answers:
    """`clients` threads send `orders` single orders (numbers `first`, `first` + 1, …),
    client i to process i % len(bases);
    `hooks[n]` runs before order n is sent (e.g. kill a process). A client whose
    process does not answer sends the same order to the next one (a 409 there: the
    order was committed before its process went away)."""
    answers = Answers()
    headers = {"Authorization": f"Bearer {token}"}

    def client(index: int) -> None:
        https = [httpx.Client(base_url=base, headers=headers, timeout=30) for base in bases]
        target = index % len(bases)
        try:
            while (number := first + next(answers.numbers)) < first + orders:
                if hooks and number in hooks:
                    hooks[number]()
                body = order(number, stores)
                for _ in range(len(bases)):
                    sent = time.perf_counter()
                    try:
                        answer = https[target].post("/route", json=body)
                    except httpx.TransportError:
                        with answers.lock:
                            answers.stats.add(time.perf_counter() - sent, "no answer")
                        target = (target + 1) % len(bases)
                        continue
                    with answers.lock:
                        answers.stats.add(time.perf_counter() - sent, answer.status_code)
                        if answer.status_code == 200:
                            decision = answer.json()["decisions"][0]
                            answers.decisions[decision["order_id"]] = decision
                    break
        finally:
            for http in https:
                http.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def local_postgres():
    """tests/postgres.py's throwaway server (the bench is run from a checkout)."""
    spec = importlib.util.spec_from_file_location("postgres", ROOT / "tests" / "postgres.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LocalPostgres()


def oversold(url: str, stock: dict[tuple[str, str], int]) -> int:
    """Units allocated beyond a position's stock, summed over positions (must be 0)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as db:
        rows = db.execute(
            sa.text("SELECT node_id, sku, sum(qty) FROM replica_allocations GROUP BY 1, 2")
        ).fetchall()
    engine.dispose()
    return sum(max(0, units - stock.get((node, sku), 0)) for node, sku, units in rows)


def step(world, folder: Path, processes: int, orders: int, url: str | None) -> tuple[str, int]:
    """Run `orders` through `processes` service processes (on `url`, or in memory);
    the figures' line and the units oversold."""
    if url is None:
        os.environ.pop(STORE_VARIABLE, None)
    else:
        os.environ[STORE_VARIABLE] = url
    ports = [free_port() for _ in range(processes)]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    logs = [folder / f"replica-{i}.log" for i in range(processes)]
    servers = [start(world.files, port, log) for port, log in zip(ports, logs, strict=True)]
    try:
        for base, server, log in zip(bases, servers, logs, strict=True):
            wait_until_up(base, server, log)
        route_orders(bases, world.order_token, world.stores, WARM_UP, clients=4)
        began = time.perf_counter()
        answers = route_orders(bases, world.order_token, world.stores, orders, first=WARM_UP)
        answers.stats.elapsed = time.perf_counter() - began
    finally:
        for server in servers:
            stop(server)
        os.environ.pop(STORE_VARIABLE, None)
    where = "memory" if url is None else "PostgreSQL"
    line = f"{processes} process(es), stock in {where}: {answers.stats.describe('orders')}"
    return line, 0 if url is None else oversold(url, world.stock)


def run(quick: bool = False) -> list[str]:
    orders = 600 if quick else 3_000
    lines = [f"{CLIENTS} clients, {orders:,} orders a step (after {WARM_UP} warm-up orders)"]
    server = local_postgres()
    with tempfile.TemporaryDirectory(prefix="bench-replicas-") as scratch:
        folder = Path(scratch)
        world = write_world(folder)
        os.environ["SOURCING_TRUSTED_KEYS"] = str(world.files["public_key"])
        server.start()
        try:
            for processes, url in (
                (1, None),
                (1, server.new_database()),
                (3, server.new_database()),
            ):
                line, excess = step(world, folder, processes, orders, url)
                lines.append(line + ("" if url is None else f"; oversold units: {excess}"))
        finally:
            server.stop()
    return lines
