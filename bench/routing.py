"""The routing engine on a French network (demo data: DCs and stores at real
city coordinates): rulesets/france.route over 500 nodes, 20,000 SKUs and
200,000 orders of 1–5 lines (`--quick`: 60 nodes, 2,000 SKUs, 5,000 orders).

Figures: batch throughput (orders/s, `Session.route` on the whole batch, explain off,
then with the JSON lines written, and the sha256 of those bytes); the same batch with
the demo carriers table and closures (every shipment gets a carrier and a promised
date) against without, alternated in one run, as a ratio (aim: carriers cost at most
25 % of the throughput); the click & collect strategy with `transfer from` against the
same strategy written without the clause (same decisions, as a ratio); and single-order
latency p50/p99 of `Session.route_one` with explain off and on. Loading the files is
timed apart: it is not routing.
"""

from __future__ import annotations

import hashlib
import io
import statistics
import tempfile
import time
from importlib import resources
from pathlib import Path

import engine
from bench.machine import percentiles
from engine.tables import load_carriers, load_closures, load_inventory, load_nodes, load_orders

FULL = {"orders": 200_000, "nodes": 500, "skus": 20_000}
QUICK = {"orders": 5_000, "nodes": 60, "skus": 2_000}
TARGET_ORDERS_PER_S = 20_000
TARGET_P99_MS = 0.2
TARGET_EXPLAINED_P50_MS = 1.0
MOST_CARRIER_COST = 0.25
"""Carriers and calendars may cost at most this share of the routing throughput."""


def run(quick: bool = False) -> list[str]:
    size = QUICK if quick else FULL
    lines = [
        f"input: {size['orders']:,} orders, {size['nodes']} nodes, {size['skus']:,} SKUs "
        "(simulations.demo_data, seed 7), rulesets/france.route"
    ]
    started = time.perf_counter()
    paths = _demo_files(size)
    text = resources.files("rulesets").joinpath("france.route").read_text(encoding="utf-8")
    nodes = load_nodes(paths["nodes"])
    node_ids = nodes.frame["id"].tolist()
    stock = load_inventory(paths["inventory"], node_ids=node_ids)
    orders_table = load_orders(paths["orders"], node_ids=node_ids, timezone="Europe/Paris")
    base = engine.Session.open(text, nodes, stock)
    batch = base.batch(orders_table.frame)
    orders = [batch.order(i) for i in range(len(batch))]
    lines.append(
        f"prepare (generate or reuse files, load, build {len(orders):,} orders): "
        f"{time.perf_counter() - started:.1f} s; {len(stock.frame):,} stock positions"
    )

    wall, cpu, decisions = _timed(lambda: base.copy().route(batch))
    lines.append(
        f"batch, explain off: {len(batch) / wall:,.0f} orders/s wall "
        f"({len(batch) / cpu:,.0f} per CPU-s), {wall:.2f} s for {len(batch):,} "
        f"(target ≥ {TARGET_ORDERS_PER_S:,}/s)"
    )
    lines.extend(_with_carriers(paths, text, nodes, stock, batch, node_ids, quick))
    lines.extend(_transfer_clause(text, nodes, stock, batch, quick))
    text_out = io.StringIO()
    wall, _, _ = _timed(lambda: base.copy().route(batch).write_jsonl(text_out))
    digest = hashlib.sha256(text_out.getvalue().encode("utf-8")).hexdigest()
    lines.append(
        f"batch + JSON lines: {len(batch) / wall:,.0f} orders/s; output sha256 {digest[:16]}… "
        "(the same bytes before and after a change of the engine means the same decisions)"
    )
    sample = sorted(orders, key=lambda o: (o.created_at, o.id))[: 500 if quick else 5_000]
    off = _latencies(base.copy(), sample, explain=False)
    on = _latencies(base.copy(), sample[: 200 if quick else 1_000], explain=True)
    lines.append(
        f"single order, explain off: p50 {off[0]:.3f} ms, p99 {off[1]:.3f} ms "
        f"(CPU p99 {off[2]:.3f} ms) over {len(sample):,} orders (target p99 ≤ {TARGET_P99_MS} ms)"
    )
    lines.append(
        f"single order, explain on:  p50 {on[0]:.3f} ms, p99 {on[1]:.3f} ms "
        f"(CPU p99 {on[2]:.3f} ms) over {min(len(sample), 200 if quick else 1_000):,} orders "
        f"(target p50 ≤ {TARGET_EXPLAINED_P50_MS} ms)"
    )
    statuses: dict[str, int] = {}
    for decision in decisions[:20_000]:
        statuses[decision.status] = statuses.get(decision.status, 0) + 1
    lines.append("statuses (first 20,000): " + ", ".join(f"{k} {v}" for k, v in statuses.items()))
    return lines


def _with_carriers(paths, text, nodes, stock, batch, node_ids, quick) -> list[str]:
    """Throughput without and with the demo carriers and closures, alternated (the
    host's speed drifts: a ratio of medians taken together is what can be compared)."""
    carriers = load_carriers(paths["carriers"])
    closures = load_closures(paths["closures"], node_ids=node_ids, carriers=carriers)
    plain = engine.Session.open(text, nodes, stock)
    carried = engine.Session.open(text, nodes, stock, carriers=carriers, closures=closures)
    walls: dict[str, list[float]] = {"without": [], "with": []}
    for _ in range(3 if quick else 5):
        for name, session in (("without", plain), ("with", carried)):
            copy = session.copy()
            start = time.perf_counter()
            copy.route(batch)
            walls[name].append(time.perf_counter() - start)
    without, with_ = (statistics.median(walls[name]) for name in ("without", "with"))
    cost = 1 - without / with_
    return [
        f"batch without carriers: {len(batch) / without:,.0f} orders/s; with carriers and "
        f"closures: {len(batch) / with_:,.0f} orders/s (medians of {len(walls['with'])} "
        f"alternated runs): carriers cost {cost:.0%} of the throughput "
        f"(aim ≤ {MOST_CARRIER_COST:.0%})"
    ]


WITHOUT_TRANSFER = (
    '  transfer from node.type == "dc"\n  rank by distance\n',
    '  source from node.id == order.collect_node or node.type == "dc"\n'
    "  rank by node.id == order.collect_node desc, distance\n",
)
"""france.route's click & collect written with `transfer from`, and as it was written
before the clause: the same candidates and ranking."""


def _transfer_clause(text, nodes, stock, batch, quick) -> list[str]:
    """Throughput of france.route with `transfer from` against the same strategy
    written without it, alternated; the JSON lines of both must be the same bytes."""
    former = text.replace(*WITHOUT_TRANSFER)
    assert former != text, "france.route's click & collect strategy changed"
    sessions = {
        "with": engine.Session.open(text, nodes, stock),
        "without": engine.Session.open(former, nodes, stock),
    }
    walls: dict[str, list[float]] = {"without": [], "with": []}
    digests = {}
    for _ in range(3 if quick else 5):
        for name, session in sessions.items():
            copy = session.copy()
            start = time.perf_counter()
            decisions = copy.route(batch)
            walls[name].append(time.perf_counter() - start)
            out = io.StringIO()
            decisions.write_jsonl(out)
            digests[name] = hashlib.sha256(out.getvalue().encode("utf-8")).hexdigest()
    with_, without = (statistics.median(walls[name]) for name in ("with", "without"))
    same = "the same decisions" if digests["with"] == digests["without"] else "DIFFERENT decisions"
    return [
        f"click & collect with `transfer from`: {len(batch) / with_:,.0f} orders/s; written "
        f"without it: {len(batch) / without:,.0f} orders/s (medians of {len(walls['with'])} "
        f"alternated runs; time with ÷ without {with_ / without:.2f}); {same}"
    ]


def _demo_files(size: dict) -> dict[str, Path]:
    """Demo data files, generated once per size into the temp directory."""
    from simulations.demo_data import generate

    folder = Path(tempfile.gettempdir()) / (
        f"sourcing-bench-routing-{size['orders']}-{size['nodes']}-{size['skus']}"
    )
    names = ("nodes", "inventory", "orders", "carriers", "closures")
    paths = {name: folder / f"{name}.parquet" for name in names}
    if not all(path.exists() for path in paths.values()):
        generate(folder, fmt="parquet", replenishments=False, **size)
    return paths


def _timed(work):
    start, start_cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - start, time.process_time() - start_cpu, result


def _latencies(session: engine.Session, orders, explain: bool) -> tuple[float, float, float]:
    """p50 and p99 in ms of routing each order alone, in time order (wall clock), and
    the p99 of the thread's CPU time, which other load on the machine disturbs less."""
    wall, cpu = [], []
    for order in orders:
        start, start_cpu = time.perf_counter(), time.thread_time()
        session.route_one(order, explain=explain)
        wall.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - start_cpu)
    p50, p99 = percentiles([1000.0 * seconds for seconds in wall], [50, 99])
    [cpu_p99] = percentiles([1000.0 * seconds for seconds in cpu], [99])
    return p50, p99, cpu_p99
