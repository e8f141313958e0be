"""Load on the routing service: order clients and one events client, each a
thread with its own keep-alive httpx connection, and what they saw.

Order clients POST one order per request (`order_body`: a scarce SKU on the
first line, then up to two plentiful ones) until a count is reached or a time
is up. The events client POSTs one event per request at a steady rate while
they run (`EventMaker`). Every call is timed with the bench's monotonic clock
(sent, answered); the answers are kept in a `History` for bench.oversell.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections import Counter

import httpx

from bench.machine import percentiles
from bench.oversell import EventCall, OrderCall, latest
from bench.service_data import SCARCE_SKUS, SKUS, World, sku

RESTOCK = 1.1
"""A receipt brings this many times the units of its SKU ordered since the last."""
MAX_OFFLINE = 3
"""Nodes offline at once, at most."""


class Stats:
    """Latencies of the calls answered 200 and the others by status."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: Counter[int | str] = Counter()
        self.elapsed = 0.0

    def add(self, took: float, status: int | str) -> None:
        """One call: answered 200 in `took` seconds, or its status ("no answer")."""
        if status == 200:
            self.latencies.append(took)
        else:
            self.errors[status] += 1

    def merge(self, other: Stats) -> None:
        self.latencies += other.latencies
        self.errors += other.errors
        self.elapsed += other.elapsed

    def percentile(self, share: float) -> float:
        """Seconds (bench.machine.percentiles)."""
        [value] = percentiles(self.latencies, [share])
        return value

    def describe(self, noun: str) -> str:
        done = len(self.latencies)
        rate = done / self.elapsed if self.elapsed else 0.0
        ms = [1000 * value for value in percentiles(self.latencies, [50, 90, 99])]
        worst = 1000 * max(self.latencies) if self.latencies else float("nan")
        errors = ", ".join(f"{n} × {status}" for status, n in sorted(self.errors.items(), key=str))
        return (
            f"{done:,} {noun} in {self.elapsed:.1f} s = {rate:,.0f}/s; latency p50 {ms[0]:.1f} ms, "
            f"p90 {ms[1]:.1f} ms, p99 {ms[2]:.1f} ms, max {worst:.1f} ms; "
            f"errors: {errors or 'none'}"
        )


class History:
    """Every call answered 200, for the reconciliation, and the calls whose fate
    is unknown (no answer: the service may or may not have applied them)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.orders: list[OrderCall] = []
        self.events: list[EventCall] = []
        self.unanswered = 0
        self.scarce_ordered: Counter[str] = Counter()
        """Units ordered of each scarce SKU (on the first lines sent)."""
        self._numbers = itertools.count()
        self._event_numbers = itertools.count()

    def next_order(self) -> int:
        with self.lock:
            return next(self._numbers)

    def next_event(self) -> int:
        with self.lock:
            return next(self._event_numbers)

    def ordering(self, body: dict) -> None:
        """Count the scarce units of an order about to be sent (EventMaker restocks them)."""
        first = body["lines"][0]
        with self.lock:
            self.scarce_ordered[first["sku"]] += first["qty"]

    def latest(self) -> dict[str, dict]:
        """Every order's latest decision so far."""
        with self.lock:
            return latest(self.orders, self.events)


def timed_post(
    http: httpx.Client, path: str, body: dict
) -> tuple[float, float, httpx.Response | None]:
    """POST `body`: (sent, answered, the response or None when none came)."""
    sent = time.perf_counter()
    try:
        response = http.post(path, json=body)
    except httpx.TransportError:
        response = None
    return sent, time.perf_counter(), response


def _status(response: httpx.Response | None) -> int | str:
    return "no answer" if response is None else response.status_code


def order_body(rng: random.Random, number: int, stores: list[str]) -> dict:
    """An order created now (the service's clock): a scarce SKU (1–2 units), then
    0–2 plentiful SKUs (1–2 units each)."""
    delivery = rng.choices(["home", "collect", "express"], weights=[8, 2, 1])[0]
    skus = [sku(rng.randrange(SCARCE_SKUS))]
    skus += [sku(s) for s in rng.sample(range(SCARCE_SKUS, SKUS), rng.choice([0, 0, 1, 2]))]
    body = {
        "order_id": f"BENCH-{number:07d}",
        "channel": rng.choice(["web", "web", "marketplace"]),
        "delivery": delivery,
        "tier": rng.choice(["standard", "standard", "vip"]),
        "dest_lat": rng.uniform(43.3, 50.9),
        "dest_lon": rng.uniform(-1.5, 7.5),
        "lines": [{"sku": code, "qty": rng.randint(1, 2), "unit_price": 19.9} for code in skus],
    }
    if delivery == "collect":
        body["collect_node"] = rng.choice(stores)
    return body


class EventMaker:
    """The events a warehouse network sends, on the scarce SKUs: receipts (half
    the events; at a DC four times in five, else at a store) that restock
    RESTOCK times what was ordered of their SKU since its last receipt, so that
    supply keeps up with demand whatever the machine's speed; counts that find a
    shelf empty (a fifth; `qty` 0, the only counts bench.oversell can reconcile;
    at a store seven times in ten, else at a DC); nodes going offline and back
    online (the rest; at most MAX_OFFLINE at once, the oldest back first)."""

    def __init__(self, world: World, history: History, seed: int):
        self.rng = random.Random(seed)
        self.world = world
        self.history = history
        self.offline: list[str] = []
        self.restocked: Counter[str] = Counter()
        """Units of each scarce SKU ordered up to its last receipt."""
        self.turns = itertools.cycle(range(SCARCE_SKUS))

    def next(self) -> dict:
        rng, world = self.rng, self.world
        draw = rng.random()
        if draw < 0.5:
            code = sku(next(self.turns))  # each SKU in turn: no long wait for one
            node = rng.choice(world.dcs if rng.random() < 0.9 else world.stores)
            with self.history.lock:
                ordered = self.history.scarce_ordered[code]
            qty = round(RESTOCK * (ordered - self.restocked[code]))
            self.restocked[code] = ordered
            return {"kind": "replenish", "node_id": node, "sku": code, "qty": max(1, qty)}
        if draw < 0.7:
            code = sku(rng.randrange(SCARCE_SKUS))
            node = rng.choice(world.stores if rng.random() < 0.7 else world.dcs)
            return {"kind": "stock_adjust", "node_id": node, "sku": code, "qty": 0}
        if self.offline and (len(self.offline) >= MAX_OFFLINE or rng.random() < 0.5):
            return {"kind": "node_online", "node_id": self.offline.pop(0)}
        node = rng.choice([n for n in world.dcs + world.stores if n not in self.offline])
        self.offline.append(node)
        return {"kind": "node_offline", "node_id": node, "note": "bench outage"}


def load(
    base: str,
    world: World,
    history: History,
    *,
    orders: int,
    clients: int,
    seconds: float,
    events_per_second: float = 0.0,
    maker: EventMaker | None = None,
    seed: int = 0,
) -> tuple[Stats, Stats]:
    """`clients` threads send single orders until `orders` are done or `seconds`
    pass; meanwhile, with a `maker`, one more thread sends `events_per_second`
    events. Returns the orders' and the events' stats."""
    order_stats, event_stats = Stats(), Stats()
    remaining = [orders]
    deadline = time.monotonic() + seconds
    done = threading.Event()
    lock = threading.Lock()

    def order_client(number: int) -> None:
        rng = random.Random(seed * 1_000 + number)
        headers = {"Authorization": f"Bearer {world.order_token}"}
        with httpx.Client(base_url=base, timeout=60, headers=headers) as http:
            while time.monotonic() < deadline:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                body = order_body(rng, history.next_order(), world.stores)
                history.ordering(body)
                sent, answered, response = timed_post(http, "/route", {"order": body})
                with history.lock:
                    order_stats.add(answered - sent, _status(response))
                    if response is None:
                        history.unanswered += 1
                    elif response.status_code == 200:
                        [decision] = response.json()["decisions"]
                        history.orders.append(OrderCall.of(body, sent, answered, decision))

    def event_client() -> None:
        period = 1.0 / events_per_second
        headers = {"Authorization": f"Bearer {world.event_token}"}
        with httpx.Client(base_url=base, timeout=60, headers=headers) as http:
            due = time.perf_counter()
            while not done.is_set():
                pause = due - time.perf_counter()
                if pause > 0 and done.wait(pause):
                    return
                event, index = maker.next(), history.next_event()
                sent, answered, response = timed_post(http, "/events", {"event": event})
                due = max(due + period, answered)  # a steady rate; no burst to catch up
                with history.lock:
                    event_stats.add(answered - sent, _status(response))
                    if response is None:
                        history.unanswered += 1
                    elif response.status_code == 200:
                        decisions = response.json()["decisions"]
                        history.events.append(EventCall.of(index, event, sent, answered, decisions))

    threads = [threading.Thread(target=order_client, args=(i,)) for i in range(clients)]
    events = threading.Thread(target=event_client) if maker and events_per_second else None
    started = time.perf_counter()
    for thread in threads + ([events] if events else []):
        thread.start()
    for thread in threads:
        thread.join()
    order_stats.elapsed = time.perf_counter() - started
    done.set()
    if events:
        events.join()
        event_stats.elapsed = order_stats.elapsed
    return order_stats, event_stats
