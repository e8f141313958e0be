"""16 concurrent HTTP clients against the real service on loopback, all after the
same scarce SKU: they hold baskets, route orders with and without the hold they
made, release holds, let others expire while the service's clock moves on. After
the run nothing is oversold, and GET /availability equals a recount from the
ledger's open allocations, the holds and what `keep` protects."""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from service_world import RULESET, serve, write_files

CLIENTS, ROUNDS = 16, 18
KEEP = 1
"""Units the home strategy keeps at each store."""
RULES = RULESET.replace(
    "  rank by shipments, distance\n  split at most 2\n  on shortage backorder",
    f'  keep {KEEP} unit at node.type == "store"\n'
    "  rank by shipments, distance\n  split at most 2\n  on shortage backorder",
)
STOCK = """node_id,sku,on_hand
DC-LYON,SCARCE,30
ST-PARIS,SCARCE,16
ST-LILLE,SCARCE,14
DC-LYON,A,60
"""
INITIAL = {"SCARCE": 60, "A": 60}
ALLOWED = {
    "hold": {200, 422},  # 422: nothing left to hold
    "route": {200},
    "route_with_hold": {200, 404},  # 404: the hold expired meanwhile
    "release": {200, 404},
}


class Run:
    def __init__(self, served) -> None:
        self.served = served
        self.lock = threading.Lock()
        self.numbers = iter(range(10**9))
        self.statuses: Counter[tuple[str, int]] = Counter()
        self.allocated: Counter[str] = Counter()

    def next_id(self, prefix: str) -> str:
        with self.lock:
            return f"{prefix}{next(self.numbers):05d}"

    def tick(self, seconds: int) -> None:
        with self.lock:
            self.served.clock.now += dt.timedelta(seconds=seconds)

    def seen(self, what: str, response: httpx.Response) -> None:
        assert response.status_code in ALLOWED[what], (what, response.status_code, response.text)
        with self.lock:
            self.statuses[(what, response.status_code)] += 1
            if what.startswith("route") and response.status_code == 200:
                for decision in response.json()["decisions"]:
                    for shipment in decision["shipments"]:
                        for line in shipment["lines"]:
                            self.allocated[line["sku"]] += line["qty"]

    def order(self, rng: random.Random, order_id: str) -> dict:
        lines = [{"sku": "SCARCE", "qty": rng.randint(1, 3)}]
        if rng.random() < 0.3:
            lines.append({"sku": "A", "qty": rng.randint(1, 4)})
        return {
            "order_id": order_id,
            "channel": "web",
            "delivery": "home",
            "dest_lat": rng.uniform(44.0, 50.5),
            "dest_lon": rng.uniform(0.0, 6.0),
            "lines": lines,
        }

    def client(self, seed: int) -> None:
        rng = random.Random(seed)
        served = self.served
        headers = {"Authorization": f"Bearer {served.tokens['admin']}"}
        with httpx.Client(base_url=served.base, timeout=60, headers=headers) as http:
            for _ in range(ROUNDS):
                draw = rng.random()
                if draw < 0.55:
                    basket = self.order(rng, self.next_id("B"))
                    body = {"basket": basket, "ttl_seconds": rng.choice([5, 30, 120, 900])}
                    made = http.post("/holds", json=body)
                    self.seen("hold", made)
                    if made.status_code != 200:
                        continue
                    hold_id = made.json()["hold_id"]
                    then = rng.random()
                    if then < 0.5:
                        basket["order_id"] = self.next_id("H")
                        request = {"order": basket, "hold_id": hold_id}
                        self.seen("route_with_hold", http.post("/route", json=request))
                    elif then < 0.75:
                        self.seen("release", http.delete(f"/holds/{hold_id}"))
                    # else: left to expire
                elif draw < 0.9:
                    request = {"order": self.order(rng, self.next_id("O"))}
                    self.seen("route", http.post("/route", json=request))
                else:
                    self.tick(rng.choice([10, 40, 90]))


@pytest.fixture
def served(tmp_path, signing):  # noqa: ARG001 - signing sets the keys the artifact is signed with
    with serve(write_files(tmp_path, stock=STOCK, ruleset=RULES)) as running:
        yield running


def test_concurrent_holds_and_orders_never_oversell(served):
    run = Run(served)
    with ThreadPoolExecutor(CLIENTS) as pool:
        for done in [pool.submit(run.client, seed) for seed in range(CLIENTS)]:
            done.result()
    reactions = served.reactions
    holds = reactions.ledger.holds
    inventory, network = reactions.router.inventory, reactions.router.network

    # every kind of call happened, and scarce stock ran out at times
    for kind in ("hold", "route", "route_with_hold", "release"):
        assert run.statuses[(kind, 200)] > 0, run.statuses
    assert run.statuses[("hold", 422)] > 0, run.statuses

    # nothing oversold: what the clients were promised, and the ledger's recount
    for sku, stock in INITIAL.items():
        assert run.allocated[sku] <= stock
        assert reactions.ledger.shipped_units == 0  # no parcel has left: all still open
    open_units: Counter[tuple[str, str]] = Counter()
    for allocation in reactions.ledger.open.values():
        open_units[(allocation.node_id, allocation.sku)] += allocation.qty
    held: Counter[tuple[str, str]] = Counter()
    for hold in holds.holds():
        for line in hold.lines:
            held[(line.node_id, line.sku)] += line.qty
    assert sum(open_units.values()) == sum(run.allocated.values())
    for sku in INITIAL:
        for node_id in network.ids:
            on_hand = inventory.on_hand_of(node_id, sku)
            allocated, kept = open_units[(node_id, sku)], held[(node_id, sku)]
            assert allocated + kept <= on_hand, (node_id, sku)
            assert inventory.free_of(node_id, sku) == on_hand - allocated - kept

    # GET /availability is the recount
    for sku in INITIAL:
        answer = served.client.get(
            "/availability", params={"sku": sku, "channel": "web", "delivery": "home"}
        ).json()
        holds.expire()  # what the request released before answering
        recount = []
        for node_id, node in zip(network.ids, network.nodes, strict=True):
            on_hand = inventory.on_hand_of(node_id, sku)
            allocated = open_units[(node_id, sku)]
            kept = sum(
                line.qty
                for hold in holds.holds()
                for line in hold.lines
                if (line.node_id, line.sku) == (node_id, sku)
            )
            if not (on_hand or allocated or kept):
                continue
            protected = KEEP if node.get("type") == "store" else 0
            recount.append(
                {
                    "node_id": node_id,
                    "on_hand": on_hand,
                    "allocated": allocated,
                    "held": kept,
                    "protected": protected,
                    "online": True,
                    "atp": max(0, on_hand - allocated - kept - protected),
                }
            )
        assert answer["nodes"] == recount
        assert answer["total"]["atp"] == sum(node["atp"] for node in recount)

    # once every hold is released, the ledger's own audit holds again
    for hold in holds.holds():
        assert served.client.delete(f"/holds/{hold.id}").status_code in (200, 404)
    assert holds.holds() == [] and holds.held_units == 0
    assert reactions.problems() == []
