"""POST /promise: a basket's delivery options from the service's router, nothing
allocated — the same options `sourcing promise` prints — and POST /route decisions
that carry their promise (tests/data/promise: the hand-computed cases of
tests/test_cli_promise.py)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from fastapi.testclient import TestClient
from service_world import NOW, Clock, keys_for_tests, serve

from cli.main import main
from service.app import create_app
from service.settings import ServiceSettings
from service.startup import load_service

DATA = Path(__file__).resolve().parent / "data" / "promise"
FILES = {
    "nodes": DATA / "nodes.csv",
    "inventory": DATA / "inventory.csv",
    "ruleset": DATA / "rules.route",
    "carriers": DATA / "carriers.csv",
    "closures": DATA / "closures.csv",
}
BASKET = json.loads((DATA / "basket.json").read_text())


@pytest.fixture
def served():
    with serve(FILES) as world:
        yield world


@pytest.fixture
def in_process():
    """The same service called in the test's own process (no socket): a thousand
    calls take a second, not a minute."""
    session, summary = load_service(**{k: v for k, v in FILES.items()})
    reactions = session.follow()
    keys, tokens = keys_for_tests()
    clock = Clock(NOW.replace(month=12, day=4, hour=12, minute=12))
    app = create_app(session, summary, ServiceSettings(keys=keys), clock)
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    with TestClient(app, headers=headers) as client:
        yield SimpleNamespace(client=client, reactions=reactions, clock=clock)
    reactions.close()


def state(world) -> tuple:
    """What a promise must not change: stock, node shipments per day, the ledger, the
    parcels counted per node, service and ship day."""
    router = world.reactions.router
    delivery = router.delivery
    return (
        router.inventory.free.copy(),
        {day: used.copy() for day, used in router.shipments_by_day.items()},
        sorted(world.reactions.ledger.open),
        delivery.counts.copy(),
        delivery.slot_day.copy(),
    )


def same(a: tuple, b: tuple) -> bool:
    stock_a, days_a, open_a, counts_a, slots_a = a
    stock_b, days_b, open_b, counts_b, slots_b = b
    return (
        np.array_equal(stock_a, stock_b)
        and days_a.keys() == days_b.keys()
        and all(np.array_equal(days_a[d], days_b[d]) for d in days_a)
        and open_a == open_b
        and np.array_equal(counts_a, counts_b)
        and np.array_equal(slots_a, slots_b)
    )


def test_a_thousand_promises_change_no_stock_and_no_allocation(in_process):
    served = in_process
    routed = served.client.post(
        "/route",
        json={
            "order": {
                "order_id": "B",
                "created_at": "2026-12-04T13:10:00+01:00",
                "channel": "web",
                "delivery": "express",
                "dest_lat": 48.85,
                "dest_lon": 2.35,
                "country": "FR",
                "lines": [{"sku": "X", "qty": 2, "weight_kg": 1.2}],
            }
        },
    )
    assert routed.status_code == 200, routed.text
    shipment = routed.json()["decisions"][0]["shipments"][0]
    assert (shipment["carrier"], shipment["promised_date"]) == ("chronopost", "2026-12-05")
    before = state(served)
    answers = set()
    for _ in range(1_000):
        response = served.client.post("/promise", json=BASKET)
        assert response.status_code == 200, response.text
        answers.add(response.text)
    assert same(before, state(served))
    (answer,) = answers
    options = {o["delivery"]: o for o in json.loads(answer)["options"]}
    # chronopost's one parcel at S1 that Friday went to order B: the express option
    # comes from the Lyon DC, after its prep day and chronopost's closed Tuesday
    assert options["express"]["nodes"] == ["DC"]
    assert options["express"]["promised_date"] == "2026-12-09"
    assert options["home"]["promised_date"] == "2026-12-07"


def test_the_service_and_the_command_line_give_the_same_options(served, capsys):
    answer = served.client.post("/promise", json=BASKET).json()
    arguments = ["promise", str(FILES["ruleset"]), "--basket", str(DATA / "basket.json")]
    for name in ("nodes", "inventory", "carriers", "closures"):
        arguments += [f"--{name}", str(FILES[name])]
    assert main([*arguments, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == answer


def test_a_bad_basket_is_refused_at_the_key(served):
    response = served.client.post("/promise", json={"lines": [{"sku": "X", "qty": 0}]})
    assert response.status_code == 422
    assert "lines" in json.dumps(response.json()["detail"])
    one = served.client.post("/promise", json={**BASKET, "delivery": "home"}).json()
    assert [o["delivery"] for o in one["options"]] == ["home"]
