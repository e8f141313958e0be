"""GET /availability and POST /holds on the demo network: latency from one keep-alive
client to `python -m service` in a child process (the world of bench.promise: the demo
data, rulesets/france.route, its carriers and closures).

- `/availability`: one SKU in stock somewhere a request, with `channel=web` and
  `delivery=home` (the strategy's `keep` is worked out for each).
- `POST /holds`: a 3-line home basket a request, held 900 s; each hold is released
  (`DELETE /holds/{id}`, timed too) before the next, so every basket meets the same
  stock, and the holds open stay at one.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.machine import percentiles
from bench.promise import demo_baskets, demo_client

WARM_UP = 100


def run(quick: bool = False) -> list[str]:
    from simulations.demo_data import generate

    folder = Path(tempfile.mkdtemp(prefix="sourcing-bench-holds-"))
    paths = generate(folder / "demo", fmt="csv", replenishments=False)
    count = 200 if quick else 2_000
    baskets = [
        _as_order(basket, number) for number, basket in enumerate(demo_baskets(paths, count))
    ]
    skus = [line["sku"] for basket in baskets for line in basket["lines"]][:count]
    with demo_client(paths, folder, "holds,read") as client:
        availability = _availability(client, skus)
        holding, releasing, partial = _holds(client, baskets)
    lines = [
        f"input: demo network, rulesets/france.route with carriers and closures; {len(skus):,} "
        f"availability reads, {len(holding):,} of {len(baskets):,} baskets of 3 lines held "
        "then released (the others: nothing to hold); "
        "1 keep-alive client, after a warm-up of "
        f"{WARM_UP} requests each"
    ]
    for name, wall in (
        ("GET /availability", availability),
        ("POST /holds", holding),
        ("DELETE /holds/{id}", releasing),
    ):
        p50, p99 = percentiles(wall, [50, 99])
        lines.append(f"{name} over HTTP, 1 client: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    lines.append(f"baskets held in part (some units unplaced): {partial:,} of {len(holding):,}")
    return lines


def _as_order(basket: dict, number: int) -> dict:
    """A promise basket as the order POST /holds takes (created now: the service's clock)."""
    order = {key: value for key, value in basket.items() if key != "at"}
    return {**order, "order_id": f"BASKET-{number}", "delivery": "home"}


def _availability(client: httpx.Client, skus: list[str]) -> list[float]:
    params = {"channel": "web", "delivery": "home"}
    for sku in skus[:WARM_UP]:
        client.get("/availability", params={"sku": sku, **params}).raise_for_status()
    wall = []
    for sku in skus:
        start = time.perf_counter()
        client.get("/availability", params={"sku": sku, **params}).raise_for_status()
        wall.append(1000.0 * (time.perf_counter() - start))
    return wall


def _holds(client: httpx.Client, baskets: list[dict]) -> tuple[list[float], list[float], int]:
    """Milliseconds of each hold and each release, and how many baskets were held in
    part. A basket of which nothing can be placed (422) is not counted."""
    for basket in baskets[:WARM_UP]:
        _hold_and_release(client, basket)
    holding, releasing, partial = [], [], 0
    for basket in baskets:
        timed = _hold_and_release(client, basket)
        if timed is None:
            continue
        held, released, unfilled = timed
        holding.append(held)
        releasing.append(released)
        partial += unfilled
    return holding, releasing, partial


def _hold_and_release(client: httpx.Client, basket: dict) -> tuple[float, float, bool] | None:
    start = time.perf_counter()
    answer = client.post("/holds", json={"basket": basket, "ttl_seconds": 900})
    held = 1000.0 * (time.perf_counter() - start)
    if answer.status_code == 422:
        return None
    answer.raise_for_status()
    hold = answer.json()
    start = time.perf_counter()
    client.delete(f"/holds/{hold['hold_id']}").raise_for_status()
    released = 1000.0 * (time.perf_counter() - start)
    return held, released, bool(hold["unfilled"])


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
