"""`sourcing route --events F` and `--artifact F.json` on real files: events
interleaved with orders by time (an event first on a tie), re-route decisions
in the output, and an artifact that routes exactly like its source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main

RULESET = """ruleset "CLI"
timezone "Europe/Paris"

strategy home "Nearest first"
  rank by distance
  split at most 2
  on shortage backorder
"""
NODES = """id,type,lat,lon,handling_days
NEAR,store,48.86,2.35,1
FAR,dc,45.76,4.84,1
"""
STOCK = """node_id,sku,on_hand
NEAR,A,3
FAR,A,10
"""
ORDERS = """order_id,created_at,channel,delivery,dest_lat,dest_lon,sku,qty
O1,2026-03-02T09:00:00,web,home,48.85,2.35,A,2
O2,2026-03-02T10:00:00,web,home,48.85,2.35,A,1
O3,2026-03-02T12:00:00,web,home,48.85,2.35,A,1
"""
EVENTS = """at,kind,node_id,sku,qty,note
2026-03-02T10:00:00,node_offline,NEAR,,,flood
2026-03-02T11:00:00,node_online,NEAR,,,
2026-03-02T11:30:00,stock_adjust,FAR,A,1,count
2026-03-02T11:45:00,teleport,FAR,,,
"""


@pytest.fixture
def files(tmp_path) -> dict[str, str]:
    out = {}
    for name, text in [
        ("ruleset.route", RULESET),
        ("nodes.csv", NODES),
        ("inventory.csv", STOCK),
        ("orders.csv", ORDERS),
        ("events.csv", EVENTS),
    ]:
        (tmp_path / name).write_text(text, encoding="utf-8")
        out[name.split(".")[0]] = str(tmp_path / name)
    return out


def route(files, *extra: str) -> list[str]:
    return ["route", "--nodes", files["nodes"], "--inventory", files["inventory"],
            "--orders", files["orders"], *extra]  # fmt: skip


def decisions(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_events_are_applied_between_the_orders_by_time(files, capsys):
    assert main(route(files, files["ruleset"], "--events", files["events"])) == 0
    out, err = capsys.readouterr()
    made = decisions(out)
    # 09:00 O1 takes 2 at NEAR; 10:00 NEAR goes offline (before O2, same instant):
    # O1 moves to FAR, O2 goes to FAR; 11:00 NEAR is back; 11:30 the count at FAR
    # finds 1 unit for 3 promised: the newest (O2's 1, then 1 of O1's 2) move to NEAR.
    assert [(d["order_id"], d.get("rerouted_from")) for d in made] == [
        ("O1", None),
        ("O1", "O1#1"),
        ("O2", None),
        ("O1", "O1#2"),
        ("O2", "O2#1"),
        ("O3", None),
    ]
    nodes = [[s["node_id"] for s in d["shipments"]] for d in made]
    assert nodes == [["NEAR"], ["FAR"], ["FAR"], ["FAR", "NEAR"], ["NEAR"], ["NEAR"]]
    assert made[1]["reason"] == "node NEAR offline at 2026-03-02T09:00:00+00:00 (flood)"
    assert made[3]["reason"] == "stock count at FAR: 1 unit(s) of A on hand, 2 short (count)"
    assert "events row 5, column kind: kind must be one of" in err
    assert "3 event(s) applied: 3 later decision(s)" in err


@pytest.mark.usefixtures("signing")
def test_an_artifact_routes_like_its_source_and_a_tampered_one_is_refused(files, tmp_path, capsys):
    artifact = tmp_path / "ruleset.json"
    assert main(["export", files["ruleset"], "--version", "1", "--out", str(artifact)]) == 0
    capsys.readouterr()
    assert main(route(files, files["ruleset"], "--events", files["events"])) == 0
    from_source = capsys.readouterr().out
    assert main(route(files, "--artifact", str(artifact), "--events", files["events"])) == 0
    assert capsys.readouterr().out == from_source

    document = json.loads(artifact.read_text(encoding="utf-8"))
    document["text"] = document["text"].replace("split at most 2", "split at most 3")
    Path(artifact).write_text(json.dumps(document), encoding="utf-8")
    assert main(route(files, "--artifact", str(artifact))) == 2
    assert "signature does not match" in capsys.readouterr().err


def test_route_needs_exactly_one_ruleset_and_no_at_with_events(files, capsys):
    assert main(route(files)) == 2
    assert "give a ruleset file or --artifact" in capsys.readouterr().err
    at = ["--at", "2026-03-02T09:00:00", "--events", files["events"]]
    assert main(route(files, files["ruleset"], *at)) == 2
    assert "--at does not go with --events or --returns" in capsys.readouterr().err
