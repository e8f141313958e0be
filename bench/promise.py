"""POST /promise on the demo network: a 3-line basket's delivery options (home and
express, and collect for a basket naming a store), nothing allocated — latency from
one keep-alive client to `python -m service` in a child process, and the same work in
process (`engine.promise_options`), so the HTTP share shows.

The world: the demo data (60 nodes, 2,000 SKUs; simulations.demo_data, seed 7) with
its carriers and French holidays, rulesets/france.route as a ruleset file, baskets of
3 SKUs in stock somewhere, sent to the destinations of the demo orders.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.machine import percentiles
from bench.service_data import HOST, ROOT, free_port, stop, wait_until_up

TARGET_P99_MS = 5.0


def run(quick: bool = False) -> list[str]:
    from engine.promise_options import basket_order, promise_options
    from simulations.demo_data import generate

    folder = Path(tempfile.mkdtemp(prefix="sourcing-bench-promise-"))
    paths = generate(folder / "demo", fmt="csv", replenishments=False)
    baskets = demo_baskets(paths, 200 if quick else 2_000)
    lines = [
        f"input: demo network ({_count(paths['nodes'])} nodes), {len(baskets):,} baskets of 3 "
        "lines, rulesets/france.route with the demo carriers and closures"
    ]
    with demo_client(paths, folder, "route") as client:
        for basket in baskets[:200]:  # warm-up: first requests, the year's day tables
            client.post("/promise", json=basket).raise_for_status()
        wall = []
        for basket in baskets:
            start = time.perf_counter()
            client.post("/promise", json=basket).raise_for_status()
            wall.append(1000.0 * (time.perf_counter() - start))
    p50, p99 = percentiles(wall, [50, 99])
    lines.append(
        f"POST /promise over HTTP, 1 client: p50 {p50:.2f} ms, p99 {p99:.2f} ms "
        f"(aim p99 ≤ {TARGET_P99_MS} ms)"
    )
    session = _session(paths)
    in_process = []
    for basket in baskets:
        order, at, _ = basket_order(basket, session.policy.tz)
        start = time.perf_counter()
        promise_options(session.router, order, at or dt.datetime.now(dt.UTC))
        in_process.append(1000.0 * (time.perf_counter() - start))
    p50, p99 = percentiles(in_process, [50, 99])
    lines.append(f"the same options in process: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    return lines


@contextmanager
def demo_client(
    paths: dict[str, Path], folder: Path, scopes: str, ruleset: str = "rulesets/france.route"
) -> Iterator[httpx.Client]:
    """`python -m service` on the demo world in a child process (`ruleset`: a path from
    the project's root), with a key holding `scopes`, and a keep-alive client calling it
    with that key; stopped on exit."""
    from service.keys import make_key

    key, token = make_key("bench", scopes)
    keys = folder / "keys.txt"
    keys.write_text(key.line() + "\n", encoding="utf-8")
    port, log = free_port(), folder / "service.log"
    server = start_demo_service(paths, keys, port, log, ruleset)
    base = f"http://{HOST}:{port}"
    try:
        wait_until_up(base, server, log)
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            yield client
    finally:
        stop(server)


def demo_baskets(paths: dict[str, Path], count: int) -> list[dict]:
    """Baskets of 3 SKUs that some node holds, to the demo orders' destinations, asked
    at their creation instants (a seeded draw: every run sends the same)."""
    import pandas as pd

    stock = pd.read_csv(paths["inventory"])
    skus = sorted(stock.loc[stock["on_hand"] > 0, "sku"].unique().tolist())
    orders = pd.read_csv(paths["orders"]).drop_duplicates("order_id")
    weights = pd.read_csv(paths["orders"]).drop_duplicates("sku").set_index("sku")["weight_kg"]
    draw = random.Random(7)
    baskets = []
    for row in orders.sample(n=count, random_state=7, replace=True).itertuples():
        chosen = draw.sample(skus, 3)
        baskets.append(
            {
                "lines": [
                    {
                        "sku": sku,
                        "qty": draw.randint(1, 2),
                        "weight_kg": float(weights.get(sku, 0.5)),
                    }
                    for sku in chosen
                ],
                "dest_lat": float(row.dest_lat) if row.dest_lat == row.dest_lat else 48.85,
                "dest_lon": float(row.dest_lon) if row.dest_lon == row.dest_lon else 2.35,
                "country": "FR",
                "channel": "web",
                "at": str(row.created_at),
            }
        )
    return baskets


def start_demo_service(
    paths, keys: Path, port: int, log: Path, ruleset: str = "rulesets/france.route"
) -> subprocess.Popen:
    import os

    command = [
        sys.executable, "-m", "service", "--nodes", str(paths["nodes"]),
        "--inventory", str(paths["inventory"]), "--ruleset", ruleset,
        "--carriers", str(paths["carriers"]), "--closures", str(paths["closures"]),
        "--host", HOST, "--port", str(port),
    ]  # fmt: skip
    environment = {**os.environ, "SOURCING_SERVICE_KEYS_FILE": str(keys)}
    with log.open("wb") as errors:
        return subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=errors
        )


def _session(paths):
    import engine
    from engine.tables import load_carriers, load_closures, load_inventory, load_nodes

    nodes = load_nodes(paths["nodes"])
    node_ids = nodes.frame["id"].tolist()
    carriers = load_carriers(paths["carriers"])
    text = (ROOT / "rulesets" / "france.route").read_text(encoding="utf-8")
    return engine.Session.open(
        text, nodes, load_inventory(paths["inventory"], node_ids=node_ids),
        carriers=carriers,
        closures=load_closures(paths["closures"], node_ids=node_ids, carriers=carriers),
    )  # fmt: skip


def _count(path: Path) -> int:
    return sum(1 for _ in path.open(encoding="utf-8")) - 1


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
