"""POST /route against its yardstick, side by side in one run: a minimal FastAPI
endpoint on the same web stack (bench.service_minimal: validates the same request
model, answers a fixed decision), POST /route with one order, a batch of 1,000
orders, and the router's own time in this process — so the service's overhead shows.

Both servers are fresh child processes on 127.0.0.1 (the service on the world of
bench.service_data). Clients are threads of this process with keep-alive httpx
connections, the same code for both servers: each builds an order (`order_body`)
and posts it. The minimal endpoint and POST /route are measured in turns,
`rounds` times each, and the medians compared; each turn also reads the server's
CPU time (/proc), which other load on the shared machine disturbs less than
requests per second. The batch client posts bodies encoded beforehand (the
client's own encoding is not the service's time).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.machine import percentiles
from bench.service_data import HOST, ROOT, World, free_port, start, stop, wait_until_up
from bench.service_load import order_body

CLIENTS = 8
BATCH = 1_000


@dataclass(frozen=True)
class Turn:
    """One server under load for a while: answers, their rate, latency and the
    server's CPU time per request."""

    answered: int
    errors: int
    seconds: float
    latencies: list[float]
    cpu: float

    @property
    def rate(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0

    @property
    def cpu_each(self) -> float:
        return self.cpu / max(1, self.answered)

    def p(self, share: float) -> float:
        [value] = percentiles(self.latencies, [share])
        return value


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def hammer(base: str, token: str, pid: int, clients: int, seconds: float, bodies) -> Turn:
    """`clients` threads post `bodies(client, number)` to /route for `seconds`, or
    until `bodies` gives None."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(number: int) -> None:
        headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
        with httpx.Client(base_url=base, timeout=60, headers=headers) as http:
            count = 0
            while time.monotonic() < deadline:
                body = bodies(number, count)
                if body is None:
                    return
                count += 1
                sent = time.perf_counter()
                try:
                    ok = http.post("/route", content=body).status_code == 200
                except httpx.TransportError:
                    ok = False
                took = time.perf_counter() - sent
                with lock:
                    if ok:
                        latencies.append(took)
                    else:
                        errors[0] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    cpu, started = cpu_seconds(pid), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return Turn(len(latencies), errors[0], elapsed, latencies, cpu_seconds(pid) - cpu)


def single_orders(world: World, tag: str):
    """Bodies of one order each, built per request (as a client would), ids unique."""
    generators = {}

    def body(client: int, count: int) -> bytes:
        rng = generators.setdefault(client, random.Random(hash((tag, client))))
        order = order_body(rng, count, world.stores) | {"order_id": f"{tag}-{client}-{count}"}
        return json.dumps({"order": order}).encode()

    return body


def start_minimal(log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "bench.service_minimal:app",
               "--host", HOST, "--port", str(port), "--log-level", "warning"]  # fmt: skip
    with log.open("wb") as errors:
        server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors)
    return server, f"http://{HOST}:{port}"


def compare(world: World, folder: Path, rounds: int, seconds: float, batches: int) -> list[str]:
    """The side-by-side lines (see the module doc)."""
    logs = folder / "minimal.log", folder / "compared.log"
    minimal, minimal_base = start_minimal(logs[0])
    port = free_port()
    service = start(world.files, port, logs[1])
    base = f"http://{HOST}:{port}"
    try:
        wait_until_up(minimal_base, minimal, logs[0])
        wait_until_up(base, service, logs[1])
        token = world.order_token
        hammer(minimal_base, token, minimal.pid, CLIENTS, 1.0, single_orders(world, "warm-m"))
        hammer(base, token, service.pid, CLIENTS, 1.0, single_orders(world, "warm-r"))
        turns: dict[str, list[Turn]] = {"minimal": [], "route": []}
        for turn in range(rounds):
            turns["minimal"].append(
                hammer(minimal_base, token, minimal.pid, CLIENTS, seconds,
                       single_orders(world, f"m{turn}"))
            )  # fmt: skip
            turns["route"].append(
                hammer(base, token, service.pid, CLIENTS, seconds, single_orders(world, f"r{turn}"))
            )
        alone = hammer(base, token, service.pid, 1, seconds, single_orders(world, "one"))
        batch = _batch(world, base, service.pid, batches)
    finally:
        stop(service)
        stop(minimal)
    return _lines(turns, alone, batch, rounds)


def _batch(world: World, base: str, pid: int, batches: int) -> Turn:
    """`batches` posts of BATCH orders each, from one client, bodies made beforehand."""
    rng = random.Random(17)
    bodies = [
        json.dumps({"orders": [
            order_body(rng, n, world.stores) | {"order_id": f"batch-{b}-{n}"} for n in range(BATCH)
        ]}).encode()
        for b in range(batches + 1)
    ]  # fmt: skip
    sent = iter(bodies)
    hammer(base, world.order_token, pid, 1, 3_600, lambda _c, n: next(sent) if n < 1 else None)
    return hammer(base, world.order_token, pid, 1, 3_600, lambda _c, _n: next(sent, None))


def _median(turns: list[Turn], figure) -> float:
    return statistics.median(figure(turn) for turn in turns)


def _lines(turns: dict[str, list[Turn]], alone: Turn, batch: Turn, rounds: int) -> list[str]:
    minimal, route = turns["minimal"], turns["route"]
    rate = {name: _median(runs, lambda t: t.rate) for name, runs in turns.items()}
    cpu = {name: _median(runs, lambda t: t.cpu_each) for name, runs in turns.items()}
    p50 = {name: _median(runs, lambda t: t.p(50)) for name, runs in turns.items()}
    p99 = {name: _median(runs, lambda t: t.p(99)) for name, runs in turns.items()}
    errors = sum(t.errors for t in minimal + route) + alone.errors
    done = batch.answered
    orders = BATCH * done / batch.seconds if batch.seconds else 0.0
    ratios = " ".join(f"{r.rate / m.rate:.2f}" for m, r in zip(minimal, route, strict=True))
    return [
        f"{CLIENTS} keep-alive clients, one order a request, {rounds} turns each (medians); "
        "server CPU from /proc",
        f"{'':24}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'server CPU/req':>17}{'vs minimal':>12}",
        f"{'minimal endpoint':24}{rate['minimal']:8,.0f}{1000 * p50['minimal']:9.1f}"
        f"{1000 * p99['minimal']:9.1f}{1000 * cpu['minimal']:14.3f} ms{1.0:12.2f}",
        f"{'POST /route':24}{rate['route']:8,.0f}{1000 * p50['route']:9.1f}"
        f"{1000 * p99['route']:9.1f}{1000 * cpu['route']:14.3f} ms"
        f"{rate['route'] / rate['minimal']:12.2f}",
        f"{'POST /route, 1 client':24}{alone.rate:8,.0f}{1000 * alone.p(50):9.2f}"
        f"{1000 * alone.p(99):9.2f}{1000 * alone.cpu_each:14.3f} ms",
        f"{'batch of 1,000 orders':24}{orders:8,.0f} orders/s over {done} batches; "
        f"p50 {1000 * batch.p(50):.1f} ms a batch; server CPU {1000 * batch.cpu_each:.1f} ms "
        "a batch",
        f"  ratio /route ÷ minimal per turn: {ratios}; server CPU ratio "
        f"{cpu['route'] / cpu['minimal']:.2f}; errors: {errors}",
    ]


def router_alone(world: World, count: int) -> list[str]:
    """The router's own time in this process on the same world: `Router.route` of one
    order, `Reactions.route` (the router and its ledger, as POST /route calls it),
    and a batch of BATCH orders through the block path (service.batch) — per order."""
    import datetime as dt

    from dsl.parser import collection_paused
    from service.batch import routed_orders
    from service.models import OrderIn
    from service.restocks import Restocks
    from service.startup import load_service

    trusted = os.environ.get("SOURCING_TRUSTED_KEYS")
    os.environ["SOURCING_TRUSTED_KEYS"] = str(world.files["public_key"])
    try:
        session, _ = load_service(
            world.files["nodes"], world.files["inventory"], artifact=world.files["artifact"]
        )
    finally:
        if trusted is None:
            os.environ.pop("SOURCING_TRUSTED_KEYS")
        else:
            os.environ["SOURCING_TRUSTED_KEYS"] = trusted
    reactions = session.follow()
    rng, now = random.Random(23), dt.datetime.now(dt.UTC)

    def orders(tag: str, n: int):
        bodies = [order_body(rng, k, world.stores) | {"order_id": f"{tag}-{k}"} for k in range(n)]
        return [OrderIn.model_validate(body).to_order(now) for body in bodies]

    def each(route, made) -> float:
        took = []
        for order in made:
            started = time.perf_counter()
            route(order)
            took.append(time.perf_counter() - started)
        return statistics.median(took)

    router = each(reactions.router.route, orders("router", count))
    ledger = each(reactions.route, orders("ledger", count))
    restocks = Restocks(reactions, session.returns)
    blocks = []
    for turn in range(3):
        made = orders(f"block{turn}", BATCH)
        started = time.perf_counter()
        with collection_paused():
            routed_orders(reactions, restocks, made, explain=False)
        blocks.append((time.perf_counter() - started) / BATCH)
    reactions.close()
    return [
        f"router alone (this process, p50 of {count:,}): Router.route "
        f"{1000 * router:.3f} ms an order; with its ledger (Reactions.route, as POST /route "
        f"calls it) {1000 * ledger:.3f} ms; a batch of {BATCH:,} in blocks "
        f"{1000 * statistics.median(blocks):.3f} ms an order (median of 3)"
    ]
