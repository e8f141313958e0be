"""The routing service under load: requests per second, latency, errors, memory,
and whether it ever sold a unit it did not have.

The world (bench.service_data): 6 DCs and 54 stores, 300 SKUs of which 12 are
scarce (a few seconds of demand a position), the France ruleset's artifact,
parcels leaving 1 s after routing. `python -m service` serves it on 127.0.0.1 in a child
process; clients are threads of this process with keep-alive httpx
connections (bench.service_load). In order:

0. **Side by side** (bench.service_compare, on fresh processes): a minimal FastAPI
   endpoint validating the same request model, POST /route with one order (8
   clients, then 1), a batch of 1,000 orders, and the router's own time in process.
1. **1 client**, single orders, no events: latency without queueing (and the
   very first request of the process on its own).
2. **16 clients + events**: 16 order clients (each order's first line on a
   scarce SKU) while one more client posts events at a steady rate — receipts,
   counts that find a shelf empty, nodes offline and back online — that
   re-route what was promised. Orders and events are reported apart.
3. **Memory**: the server's resident memory (VmRSS) after the runs above (the
   warm-up: the window of finished ids is full), then at checkpoints while the
   same load sends many more orders, with what the process holds (GET /stats).
   Flat means that some stretch grew by at most `FLAT_BYTES` an order.
4. **Reconciliation** (bench.oversell) of every answer of the run against the
   stock file, receipts and counts: `oversold units` must be 0.

Client and server share the machine's cores: the figures are a floor.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.machine import memory_kib
from bench.oversell import reconcile
from bench.service_compare import compare, router_alone
from bench.service_data import (
    DCS,
    HANDLING_SECONDS,
    HOST,
    SCARCE_SKUS,
    SKUS,
    STORES,
    World,
    free_port,
    start,
    stop,
    wait_until_up,
    write_world,
)
from bench.service_load import EventMaker, History, Stats, load


@dataclass(frozen=True)
class Plan:
    """How many orders each step sends, and for how long at most."""

    sequential: int
    """Orders from 1 client."""
    orders: int
    """Orders from the `CLIENTS` order clients, with events."""
    seconds: float
    """The most either of those two steps may take."""
    memory: int
    """Orders of the memory run, in `checkpoints` equal stretches..."""
    checkpoints: int
    checkpoint_seconds: float
    """...each taking at most this long."""
    verdict: bool
    """Whether the memory run is long enough to say flat or not."""


FULL = Plan(400, 9_000, 45.0, 12_000, 4, 20.0, verdict=True)
"""About a minute and a quarter in all."""
QUICK = Plan(100, 800, 8.0, 1_600, 2, 5.0, verdict=False)
"""About 10 s: a smoke run."""
CLIENTS = 16
EVENTS_PER_SECOND = 15.0
"""Asked of the events client; it reports the rate it reached (one event at a
time: a slow answer delays the next)."""
FLAT_BYTES = 400
"""The growth per order that the smallest stretch of the memory run may show
and still be called flat. A finished order that left its record behind (~1.6 KB)
would show about 1,600 in every stretch; what is seen after the warm-up on the
shared 2-core machine is 0–200: the backordered orders the service keeps by
design (~1.6 KB each, a couple in a hundred orders) and the allocator settling.
The allocator also takes one-off steps of a few MiB (malloc arenas of the
request threads), in one stretch, not in all of them."""


COMPARED = {False: (3, 5.0, 10), True: (1, 2.0, 2)}
"""Turns of the minimal endpoint and POST /route each, seconds a turn, batches of
1,000 orders (bench.service_compare), in a full run and a quick one."""


def run(quick: bool = False) -> list[str]:
    plan = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="bench-service-") as scratch:
        folder = Path(scratch)
        world = write_world(folder)
        rounds, seconds, batches = COMPARED[quick]
        compared = compare(world, folder, rounds, seconds, batches)
        compared += router_alone(world, 300 if quick else 2_000)
        log = folder / "service.log"
        port = free_port()
        server = start(world.files, port, log)
        try:
            base = f"http://{HOST}:{port}"
            wait_until_up(base, server, log)
            return compared + measure(base, world, server.pid, plan) + _log_lines(log)
        finally:
            stop(server)


def rss(pid: int) -> int:
    """The server's resident memory, in bytes."""
    return 1024 * memory_kib("VmRSS", pid)


def measure(base: str, world: World, pid: int, plan: Plan) -> list[str]:
    """The steps of the module's docstring, in order: the lines to print."""
    history = History()
    lines = [
        f"service on {base}: {DCS} DCs + {STORES} stores, {SKUS} SKUs ({SCARCE_SKUS} scarce), "
        f"France ruleset artifact, parcels leave {HANDLING_SECONDS:.0f} s after routing; "
        "one order (1–3 lines, the first on a scarce SKU) per POST /route, one event per "
        "POST /events"
    ]
    first, _ = load(base, world, history, orders=1, clients=1, seconds=plan.seconds)
    lines.append(f"   first request: {1000 * first.percentile(50):.1f} ms (a fresh process)")
    single, _ = load(
        base, world, history, orders=plan.sequential, clients=1, seconds=plan.seconds, seed=1
    )
    lines.append(f"        1 client: {single.describe('orders')}")
    maker = EventMaker(world, history, seed=7)
    orders, events = load(
        base,
        world,
        history,
        orders=plan.orders,
        clients=CLIENTS,
        seconds=plan.seconds,
        events_per_second=EVENTS_PER_SECOND,
        maker=maker,
        seed=2,
    )
    lines.append(f"      {CLIENTS} clients: {orders.describe('orders')}")
    lines.append(f"+1 events client: {events.describe('events')}")
    memory_lines, flat = memory(base, world, pid, plan, history, maker)
    result = reconcile(world.stock, history.orders, history.events, history.unanswered)
    statuses = Counter(decision["status"] for decision in history.latest().values())
    shown = ", ".join(f"{n:,} {status}" for status, n in statuses.most_common())
    p99 = [f"{1000 * stats.percentile(99):.1f} ms" for stats in (single, orders, events)]
    return [
        *lines,
        *memory_lines,
        f"       decisions: the latest of each of {sum(statuses.values()):,} orders: {shown}",
        f"  reconciliation: {result.line()}",
        f"         verdict: oversold units {result.oversold} ({result.verdict}); memory after "
        f"the warm-up: {flat}; p99 {p99[0]} with 1 client, with {CLIENTS} clients and events "
        f"{p99[1]} (orders) and {p99[2]} (events)",
    ]


def memory(
    base: str, world: World, pid: int, plan: Plan, history: History, maker: EventMaker
) -> tuple[list[str], str]:
    """RSS after the warm-up, then after each of `checkpoints` stretches of more
    orders (and events): the lines, and the verdict. Memory that grows with the
    orders grows in every stretch, while the allocator's one-off steps come once:
    flat when the smallest stretch grew by at most FLAT_BYTES an order."""
    headers = {"Authorization": f"Bearer {world.order_token}"}

    def held() -> str:
        stats = httpx.get(f"{base}/stats", headers=headers, timeout=30).json()
        latest = history.latest().values()
        backordered = sum(decision["status"] == "backordered" for decision in latest)
        return (
            f"{stats['orders_held']:,} orders held ({backordered:,} of them backordered: "
            f"kept until released), {stats['finished_ids_remembered']:,} finished ids, "
            f"{stats['open_allocations']:,} open allocations, {stats['events_applied']:,} "
            "events applied"
        )

    samples = [rss(pid)]
    lines = [f"          memory: RSS {samples[0] / 2**20:.1f} MiB after the warm-up ({held()})"]
    orders, events = Stats(), Stats()
    per_order = []
    step = plan.memory // plan.checkpoints
    for checkpoint in range(plan.checkpoints):
        more_orders, more_events = load(
            base,
            world,
            history,
            orders=step,
            clients=CLIENTS,
            seconds=plan.checkpoint_seconds,
            events_per_second=EVENTS_PER_SECOND,
            maker=maker,
            seed=10 + checkpoint,
        )
        orders.merge(more_orders)
        events.merge(more_events)
        samples.append(rss(pid))
        per_order.append((samples[-1] - samples[-2]) / max(1, len(more_orders.latencies)))
    least = min(per_order)
    if not plan.verdict:
        verdict, why = "not judged", "a quick run's warm-up is too short"
    elif least <= FLAT_BYTES:
        verdict, why = "flat", f"memory that grows with the orders would add {FLAT_BYTES}+ to each"
    else:
        verdict, why = "NOT flat", f"every stretch grew by over {FLAT_BYTES} bytes an order"
    growth = (samples[-1] - samples[0]) / 2**20
    series = " → ".join(f"{sample / 2**20:.1f}" for sample in samples[1:])
    lines += [
        f"                  RSS {series} MiB after each {step:,} more orders: {growth:+.1f} MiB "
        f"in all; the least stretch {least:+,.0f} bytes an order: {verdict} ({why})",
        f"                  now {held()}",
        f"                  those orders: {orders.describe('orders')}",
        f"                  their events: {events.describe('events')}",
    ]
    summary = f"{verdict} ({growth:+.1f} MiB over {len(orders.latencies):,} orders)"
    return lines, summary


def _log_lines(log: Path) -> list[str]:
    text = log.read_text(encoding="utf-8", errors="replace").strip()
    if not text:
        return []
    return ["     service log: (it should be empty)", *text.splitlines()[-20:]]
