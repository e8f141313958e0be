"""The routing engine on a French network (demo data: DCs and stores at real
city coordinates): rulesets/france.route over 500 nodes, 20,000 SKUs and
200,000 orders of 1–5 lines (`--quick`: 60 nodes, 2,000 SKUs, 5,000 orders).

Figures: batch throughput (orders/s, `Router.route_batch`, explain off, then
with `to_json` of every decision), and single-order latency p50/p99 of
`Router.route` with explain off and on. Loading the files and building the
orders is timed apart: it is not routing.
"""

from __future__ import annotations

import tempfile
import time
from importlib import resources
from pathlib import Path

import numpy as np

import dsl
import engine
from engine.tables import load_inventory, load_nodes, load_orders

FULL = {"orders": 200_000, "nodes": 500, "skus": 20_000}
QUICK = {"orders": 5_000, "nodes": 60, "skus": 2_000}
TARGET_ORDERS_PER_S = 20_000
TARGET_P99_MS = 2.0


def run(quick: bool = False) -> list[str]:
    size = QUICK if quick else FULL
    lines = [
        f"input: {size['orders']:,} orders, {size['nodes']} nodes, {size['skus']:,} SKUs "
        "(simulations.demo_data, seed 7), rulesets/france.route"
    ]
    started = time.perf_counter()
    paths = _demo_files(size)
    text = resources.files("rulesets").joinpath("france.route").read_text(encoding="utf-8")
    ruleset = dsl.parse(text)
    nodes = load_nodes(paths["nodes"])
    node_ids = nodes.frame["id"].tolist()
    stock = load_inventory(paths["inventory"], node_ids=node_ids)
    orders_table = load_orders(paths["orders"], node_ids=node_ids, timezone=ruleset.timezone)
    network = engine.Network.from_frame(nodes.frame)
    orders = engine.orders_from_frame(orders_table.frame)
    policy = engine.compile(ruleset, text)
    lines.append(
        f"prepare (generate or reuse files, load, build {len(orders):,} orders): "
        f"{time.perf_counter() - started:.1f} s; {len(stock.frame):,} stock positions"
    )

    def fresh_router() -> engine.Router:
        return engine.Router(policy, network, engine.Inventory.from_frame(stock.frame, network))

    router = fresh_router()
    wall, cpu = _timed(lambda: router.route_batch(orders))
    rate = len(orders) / wall
    lines.append(
        f"batch, explain off: {rate:,.0f} orders/s wall ({len(orders) / cpu:,.0f} per CPU-s), "
        f"{wall:.2f} s for {len(orders):,} (target ≥ {TARGET_ORDERS_PER_S:,}/s)"
    )
    router = fresh_router()
    wall, _ = _timed(lambda: [d.to_json() for d in router.route_batch(orders)])
    lines.append(f"batch + to_json: {len(orders) / wall:,.0f} orders/s")

    sample = orders[: 500 if quick else 5_000]
    off = _latencies(fresh_router(), sample, explain=False)
    on = _latencies(fresh_router(), sample[: 200 if quick else 1_000], explain=True)
    lines.append(
        f"single order, explain off: p50 {off[0]:.3f} ms, p99 {off[1]:.3f} ms "
        f"(CPU p99 {off[2]:.3f} ms) over {len(sample):,} orders (target p99 < {TARGET_P99_MS} ms)"
    )
    lines.append(
        f"single order, explain on:  p50 {on[0]:.3f} ms, p99 {on[1]:.3f} ms "
        f"(CPU p99 {on[2]:.3f} ms) over {min(len(sample), 200 if quick else 1_000):,} orders"
    )
    statuses: dict[str, int] = {}
    for decision in fresh_router().route_batch(orders[:20_000]):
        statuses[decision.status] = statuses.get(decision.status, 0) + 1
    lines.append("statuses (first 20,000): " + ", ".join(f"{k} {v}" for k, v in statuses.items()))
    return lines


def _demo_files(size: dict) -> dict[str, Path]:
    """Demo data files, generated once per size into the temp directory."""
    from simulations.demo_data import generate

    folder = Path(tempfile.gettempdir()) / (
        f"sourcing-bench-routing-{size['orders']}-{size['nodes']}-{size['skus']}"
    )
    names = ("nodes", "inventory", "orders")
    paths = {name: folder / f"{name}.parquet" for name in names}
    if not all(path.exists() for path in paths.values()):
        generate(folder, fmt="parquet", replenishments=False, **size)
    return paths


def _timed(work) -> tuple[float, float]:
    start, start_cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - start, time.process_time() - start_cpu


def _latencies(router: engine.Router, orders, explain: bool) -> tuple[float, float, float]:
    """p50 and p99 in ms of routing each order alone, in time order (wall clock),
    and the p99 of the thread's CPU time, which other load on the machine
    disturbs less."""
    ordered = sorted(orders, key=lambda o: (o.created_at, o.id))
    wall, cpu = [], []
    for order in ordered:
        start, start_cpu = time.perf_counter(), time.thread_time()
        router.route(order, explain=explain)
        wall.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - start_cpu)
    p50, p99 = np.percentile(np.array(wall) * 1000.0, [50, 99])
    return float(p50), float(p99), float(np.percentile(np.array(cpu) * 1000.0, 99))
