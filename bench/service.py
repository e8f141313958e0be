"""Requests per second, latency and memory of the routing service for single orders.

A seeded network (6 DCs, 54 stores, 300 SKUs; parcels leave at once:
handling_days 0, so orders finish within the run) and the France example
ruleset (exported as an artifact) are written to a scratch folder with an API
key; `python -m service` serves them on 127.0.0.1 in a child process; then
concurrent clients (threads with keep-alive httpx connections) POST one order
per request, bounded both in count and in time. Reported: requests/s,
p50/p90/p99 and max latency, first with one client (latency without
queueing), then with several; then the server's resident memory (RSS, from
/proc) after a warm-up and after many more orders, with what it holds.

Client and server share the machine's cores: the figures are a floor, and the
ratio between the two runs says how much concurrency the single router lock
lets through.
"""

from __future__ import annotations

import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DCS, STORES, SKUS = 6, 54, 300
FULL = {"sequential": 400, "concurrent": 3_000, "clients": 8, "seconds": 60.0, "memory": 12_000}
QUICK = {"sequential": 100, "concurrent": 400, "clients": 4, "seconds": 15.0, "memory": 1_500}
FINISHED_IDS = 2_000
"""The service's window of finished ids in the bench: full after the warm-up."""


def run(quick: bool = False) -> list[str]:
    plan = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="bench-service-") as folder:
        files = write_data(Path(folder))
        port = free_port()
        server = start(files, port)
        try:
            base = f"http://{HOST}:{port}"
            wait_until_up(base, server)
            headers = {"Authorization": f"Bearer {files['token']}"}
            lines = [
                f"service on {base}: {DCS} DCs + {STORES} stores, {SKUS} SKUs, "
                "France ruleset artifact; one order (1–3 lines) per POST /route"
            ]
            numbers = iter(range(10**9))
            lock = threading.Lock()
            for label, count, clients in (
                ("1 client", plan["sequential"], 1),
                (f"{plan['clients']} clients", plan["concurrent"], plan["clients"]),
            ):
                stats = load(base, headers, count, clients, plan["seconds"], numbers, lock)
                lines.append(f"{label:>10}: {stats}")
            lines += memory(base, headers, server.pid, plan, numbers, lock)
            return lines
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def memory(base: str, headers: dict, pid: int, plan: dict, numbers, lock) -> list[str]:
    """The server's RSS after the runs above (the warm-up), then after `memory`
    more orders from the same clients: flat when finished orders leave memory."""

    def held() -> str:
        stats = httpx.get(f"{base}/stats", headers=headers, timeout=10).json()
        return (
            f"{stats['orders_held']:,} orders held, {stats['finished_ids_remembered']:,} "
            f"finished ids, {stats['open_allocations']:,} open allocations"
        )

    before = rss(pid)
    lines = [f"    memory: RSS {before / 2**20:.1f} MiB after the warm-up ({held()})"]
    count = plan["memory"]
    stats = load(base, headers, count, plan["clients"], 10 * plan["seconds"], numbers, lock)
    after = rss(pid)
    lines.append(
        f"            RSS {after / 2**20:.1f} MiB after {len(stats.latencies):,} more orders "
        f"({(after - before) / 2**20:+.1f} MiB; {held()}; {stats.errors} error(s))"
    )
    return lines


def rss(pid: int) -> int:
    """Resident memory of a process, in bytes (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


# ------------------------------------------------------------------ load


class Stats:
    def __init__(self, latencies: list[float], errors: int, elapsed: float):
        self.latencies = sorted(latencies)
        self.errors = errors
        self.elapsed = elapsed

    def percentile(self, share: float) -> float:
        values = self.latencies
        if not values:
            return float("nan")
        return statistics.quantiles(values, n=100, method="inclusive")[int(share) - 1]

    def __str__(self) -> str:
        done = len(self.latencies)
        rate = done / self.elapsed if self.elapsed else 0.0
        ms = [1000 * self.percentile(p) for p in (50, 90, 99)]
        worst = 1000 * self.latencies[-1] if self.latencies else float("nan")
        return (
            f"{done:,} requests in {self.elapsed:.1f} s = {rate:,.0f} req/s; latency "
            f"p50 {ms[0]:.1f} ms, p90 {ms[1]:.1f} ms, p99 {ms[2]:.1f} ms, max {worst:.1f} ms; "
            f"{self.errors} error(s)"
        )


def load(
    base: str, headers: dict, count: int, clients: int, seconds: float, numbers, lock
) -> Stats:
    """`clients` threads send single orders until `count` are done or `seconds` pass."""
    latencies: list[float] = []
    errors = [0]
    remaining = [count]
    deadline = time.monotonic() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=base, timeout=30, headers=headers) as http:
            while time.monotonic() < deadline:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                    number = next(numbers)
                body = {"order": order(rng, number)}
                started = time.perf_counter()
                response = http.post("/route", json=body)
                took = time.perf_counter() - started
                with lock:
                    if response.status_code == 200:
                        latencies.append(took)
                    else:
                        errors[0] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Stats(latencies, errors[0], time.perf_counter() - started)


def order(rng: random.Random, number: int) -> dict:
    delivery = rng.choices(["home", "collect", "express"], weights=[8, 2, 1])[0]
    body = {
        "order_id": f"BENCH-{number:07d}",  # created now: the service's clock
        "channel": rng.choice(["web", "web", "marketplace"]),
        "delivery": delivery,
        "tier": rng.choice(["standard", "standard", "vip"]),
        "dest_lat": rng.uniform(43.3, 50.9),
        "dest_lon": rng.uniform(-1.5, 7.5),
        "lines": [
            {"sku": f"SKU-{s:04d}", "qty": rng.randint(1, 2), "unit_price": 19.9}
            for s in rng.sample(range(SKUS), rng.choice([1, 1, 2, 3]))
        ],
    }
    if delivery == "collect":
        body["collect_node"] = f"ST-{rng.randrange(STORES):03d}"
    return body


# ------------------------------------------------------------------ setup


def write_data(folder: Path) -> dict[str, Path]:
    """Seeded network, stock, a scratch key pair and the France ruleset's artifact
    signed with it (the service trusts that key only: see `start`), and an API key."""
    from engine.artifact import build_artifact, sign_artifact, write_artifact
    from engine.signing import generate_key_pair, load_signing_key
    from service.keys import make_key

    rng = random.Random(2026)
    rows = ["id,name,type,lat,lon,tags,can_ship,capacity,priority,pick_cost,"
            "ship_cost_base,ship_cost_per_km,handling_days"]  # fmt: skip
    ids = []
    for i in range(DCS + STORES):
        dc = i < DCS
        node_id = f"DC-{i:03d}" if dc else f"ST-{i - DCS:03d}"
        ids.append(node_id)
        tags = "flagship" if not dc and rng.random() < 0.15 else ""
        capacity = "" if dc else rng.choice(["", "200", "500"])
        rows.append(
            f"{node_id},{node_id},{'dc' if dc else 'store'},{rng.uniform(43.3, 50.9):.4f},"
            f"{rng.uniform(-1.5, 7.5):.4f},{tags},true,{capacity},{i},0.4,"
            f"{4.0 if dc else 3.0},0.012,0"
        )
    nodes = folder / "nodes.csv"
    nodes.write_text("\n".join(rows) + "\n", encoding="utf-8")
    stock = ["node_id,sku,on_hand"]
    for node_id in ids:
        dc = node_id.startswith("DC")
        for s in range(SKUS):
            if dc or rng.random() < 0.4:
                stock.append(
                    f"{node_id},SKU-{s:04d},{rng.randint(50, 400) if dc else rng.randint(1, 12)}"
                )
    inventory = folder / "inventory.csv"
    inventory.write_text("\n".join(stock) + "\n", encoding="utf-8")
    text = (ROOT / "rulesets" / "france.route").read_text(encoding="utf-8")
    private, public, _ = generate_key_pair(folder / "keys")
    document = sign_artifact(
        build_artifact(text, name="france", version=1), load_signing_key(private)
    )
    artifact = write_artifact(document, folder / "a.json")
    key, token = make_key("bench", "route,read")
    keys = folder / "keys.txt"
    keys.write_text(key.line() + "\n", encoding="utf-8")
    return {
        "nodes": nodes,
        "inventory": inventory,
        "artifact": artifact,
        "public_key": public,
        "keys": keys,
        "token": token,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start(files: dict[str, Path], port: int) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "service",
        "--nodes", str(files["nodes"]), "--inventory", str(files["inventory"]),
        "--artifact", str(files["artifact"]), "--host", HOST, "--port", str(port),
    ]  # fmt: skip
    environment = {
        **os.environ,
        "SOURCING_TRUSTED_KEYS": str(files["public_key"]),
        "SOURCING_SERVICE_KEYS_FILE": str(files["keys"]),
        "SOURCING_SERVICE_FINISHED_IDS": str(FINISHED_IDS),
    }
    environment.pop("SOURCING_ALLOW_UNSIGNED", None)
    return subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def wait_until_up(base: str, server: subprocess.Popen, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the service stopped: {server.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the service did not answer on {base} within {seconds:.0f} s")
