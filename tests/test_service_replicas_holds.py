"""Replicas on one shared stock (docs/service.md, "Replicas"), in process: a hold
made on one replica is seen, taken and refused on another, expires on all, and a
replica started later rebuilds the same state; a replica started from other files
is refused, and so is a store that is not PostgreSQL."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from service_world import keys_for_tests, order, write_files

from service.__main__ import main
from service.settings import ServiceSettings
from service.shared_schema import StoreProblem
from service.shared_stock import replica_app
from service.startup import load_service

pytestmark = pytest.mark.postgres
KEYS, TOKENS = keys_for_tests()


def replica(files: dict, url: str) -> TestClient:
    session, summary = load_service(files["nodes"], files["inventory"], artifact=files["artifact"])
    names = (files["nodes"], files["inventory"], files["artifact"], None, None)
    app = replica_app(session, summary, ServiceSettings(keys=KEYS), url, names)
    return TestClient(app, headers={"Authorization": f"Bearer {TOKENS['admin']}"})


def now_order(order_id: str, **fields) -> dict:
    """An order created now (the replicas run on the real clock)."""
    body = order(order_id, **fields)
    del body["created_at"]
    return body


def scarce(client: TestClient) -> dict[str, dict]:
    answer = client.get("/availability", params={"sku": "SCARCE"})
    assert answer.status_code == 200
    return {node["node_id"]: node for node in answer.json()["nodes"]}


def test_a_hold_made_on_one_replica_is_taken_on_another(tmp_path, signing, postgres_server):  # noqa: ARG001
    url, files = postgres_server.new_database(), write_files(tmp_path)
    with replica(files, url) as one, replica(files, url) as two:
        # SCARCE: DC-LYON 20, ST-PARIS 7, ST-LILLE 3
        made = one.post("/holds", json={"basket": now_order("CART", sku="SCARCE", qty=20),
                                        "ttl_seconds": 900})  # fmt: skip
        assert made.status_code == 200
        hold_id = made.json()["hold_id"]
        assert scarce(two)["DC-LYON"]["held"] == 20

        other = two.post("/route", json={"order": now_order("W-1", sku="SCARCE", qty=20)})
        shipments = other.json()["decisions"][0]["shipments"]
        assert {s["node_id"] for s in shipments} == {"ST-PARIS", "ST-LILLE"}

        taken = two.post(
            "/route", json={"order": now_order("W-2", sku="SCARCE", qty=20), "hold_id": hold_id}
        )
        assert taken.status_code == 200 and taken.json()["hold_taken"]["hold_id"] == hold_id
        assert [s["node_id"] for s in taken.json()["decisions"][0]["shipments"]] == ["DC-LYON"]
        assert one.delete(f"/holds/{hold_id}").status_code == 404
        again = one.post("/route", json={"order": now_order("W-1", sku="SCARCE", qty=1)})
        assert again.status_code == 409
        assert one.get("/stats").json() == two.get("/stats").json()
        with replica(files, url) as later:  # a process started now rebuilds the same state
            assert later.get("/stats").json() == one.get("/stats").json()
            assert scarce(later) == scarce(one)

    engine = sa.create_engine(url)
    with engine.connect() as db:
        held = db.execute(sa.text("SELECT count(*) FROM replica_holds")).scalar()
        lyon = db.execute(
            sa.text("SELECT on_hand, allocated, held FROM replica_stock "
                    "WHERE node_id = 'DC-LYON' AND sku = 'SCARCE'")
        ).one()  # fmt: skip
        kinds = db.execute(sa.text("SELECT method, path FROM replica_log ORDER BY seq")).all()
    engine.dispose()
    assert held == 0 and tuple(lyon) == (20, 20, 0)
    assert kinds[:4] == [("POST", "/holds"), ("POST", "/route"), ("POST", "/route"), ("TICK", "")]


def test_a_hold_expires_on_every_replica(tmp_path, signing, postgres_server):  # noqa: ARG001
    url, files = postgres_server.new_database(), write_files(tmp_path)
    with replica(files, url) as one, replica(files, url) as two:
        basket = now_order("CART", sku="SCARCE", qty=5)
        assert one.post("/holds", json={"basket": basket, "ttl_seconds": 1}).status_code == 200
        assert scarce(two)["ST-PARIS"]["held"] == 5  # the nearest store
        time.sleep(1.1)
        promised = two.post("/promise", json={"lines": [{"sku": "SCARCE", "qty": 1}]})
        assert promised.status_code == 200  # a read: it logged a tick first, which released it
        assert scarce(two)["ST-PARIS"]["held"] == scarce(one)["ST-PARIS"]["held"] == 0
        assert one.get("/stats").json()["holds_open"] == two.get("/stats").json()["holds_open"] == 0
    engine = sa.create_engine(url)
    with engine.connect() as db:
        kinds = db.execute(sa.text("SELECT method, path FROM replica_log ORDER BY seq")).all()
        held = db.execute(sa.text("SELECT count(*) FROM replica_holds")).scalar()
    engine.dispose()
    assert kinds == [("POST", "/holds"), ("TICK", "")] and held == 0


def test_a_replica_started_from_other_files_is_refused(tmp_path, signing, postgres_server):  # noqa: ARG001
    url = postgres_server.new_database()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with replica(write_files(tmp_path / "a"), url):
        pass
    other = write_files(tmp_path / "b", stock="node_id,sku,on_hand\nDC-LYON,A,1\n")
    with pytest.raises(StoreProblem, match="started from other files or settings"):
        replica(other, url)


def test_the_store_must_be_postgresql(tmp_path, signing, monkeypatch, capsys):  # noqa: ARG001
    files = write_files(tmp_path)
    monkeypatch.setenv("SOURCING_SERVICE_KEYS", KEYS.keys[0].line())
    monkeypatch.setenv("SOURCING_SERVICE_STORE", f"sqlite:///{tmp_path / 'x.db'}")
    argv = ["--nodes", str(files["nodes"]), "--inventory", str(files["inventory"]),
            "--artifact", str(files["artifact"])]  # fmt: skip
    assert main(argv) == 2
    assert "the shared stock needs PostgreSQL" in capsys.readouterr().err


def test_an_event_applied_on_one_replica_moves_the_others(tmp_path, signing, postgres_server):  # noqa: ARG001
    url, files = postgres_server.new_database(), write_files(tmp_path)
    with replica(files, url) as one, replica(files, url) as two:
        routed = one.post("/route", json={"order": now_order("W-1", sku="SCARCE", qty=5)})
        assert routed.json()["decisions"][0]["shipments"][0]["node_id"] == "ST-PARIS"
        offline = two.post(
            "/events", json={"event": {"kind": "node_offline", "node_id": "ST-PARIS"}}
        )
        assert offline.status_code == 200
        [moved] = offline.json()["decisions"]
        assert moved["order_id"] == "W-1" and moved["rerouted_from"] == "W-1#1"
        assert scarce(one)["ST-PARIS"]["online"] is False
        assert one.get("/stats").json() == two.get("/stats").json()


def test_a_return_routed_on_one_replica_restocks_the_other(tmp_path, signing, postgres_server):  # noqa: ARG001
    from test_service_returns import NODES, RETURNS_RULESET, STOCK

    url = postgres_server.new_database()
    files = write_files(tmp_path, nodes=NODES, stock=STOCK, ruleset=RETURNS_RULESET)
    two_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    returned = {"return_id": "R-1", "created_at": two_days_ago.isoformat(), "method": "store",
                "drop_node": "ST-PARIS", "lines": [{"sku": "RARE", "qty": 1,
                "reason": "changed_mind", "condition": "new"}]}  # fmt: skip
    with replica(files, url) as one, replica(files, url) as two:
        answer = one.post("/returns", json={"return": returned})
        assert answer.status_code == 200
        assert [landed["sku"] for landed in answer.json()["restocks"]["landed"]] == ["RARE"]
        rare = two.get("/availability", params={"sku": "RARE"}).json()["total"]
        assert rare["on_hand"] == 1
        assert two.post("/returns", json={"return": returned}).status_code == 409
        assert one.get("/stats").json() == two.get("/stats").json()
