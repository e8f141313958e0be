"""The command line with hostile numbers and instants: rejects on stderr and a
clear exit, never a traceback, an invented unit or a fill rate outside [0, 1]."""

from __future__ import annotations

import json

import pytest

from cli.main import main

RULESET = """ruleset "Bounds"
timezone "Europe/Paris"

strategy home "Home delivery"
  rank by shipments, distance
  split at most 2
  on shortage backorder
"""
NODES = """id,type,lat,lon,pick_cost,ship_cost_base,ship_cost_per_km,handling_days
DC-LYON,dc,45.76,4.84,0.3,4.0,0.012,1
ST-PARIS,store,48.86,2.35,0.5,3.0,0.01,0.5
"""
STOCK = "node_id,sku,on_hand\nDC-LYON,A,3\n"
HEADER = "order_id,created_at,channel,delivery,dest_lat,dest_lon,sku,qty,unit_price\n"


def line(order_id: str, qty: str, created: str = "2026-03-02T10:00:00+01:00", sku="A") -> str:
    return f"{order_id},{created},web,home,48.85,2.35,{sku},{qty},1\n"


HOSTILE = (
    line("MAX", "9223372036854775807", sku="B")
    + line("HALF", "4611686018427387904", sku="B")
    + line("HALF", "4611686018427387904", sku="B")
    + line("HUGE", "10000000000000000000")
    + line("EARLY", "1", created="0001-01-01T00:00:00+14:00")
    + line("LATE", "1", created="9999-12-31T23:59:59-12:00")
    + line("FINE", "2")
)


@pytest.fixture
def files(tmp_path):
    paths = {}
    for name, text in (
        ("ruleset", RULESET),
        ("nodes", NODES),
        ("inventory", STOCK),
        ("orders", HEADER + HOSTILE),
    ):
        paths[name] = tmp_path / (name + (".route" if name == "ruleset" else ".csv"))
        paths[name].write_text(text, encoding="utf-8")
    return paths


def data_args(files) -> list[str]:
    return [f"--{name}={files[name]}" for name in ("nodes", "inventory", "orders")]


def test_quantity_overflow_in_route_is_rejected_not_oversold(files, capsys):
    """Qty 2^63 − 1 was once routed from a node holding none (−2^63 units shipped)."""
    code = main(["route", str(files["ruleset"]), *data_args(files)])
    out, err = capsys.readouterr()
    assert code == 0
    [decision] = [json.loads(text) for text in out.splitlines()]
    assert decision["order_id"] == "FINE"
    assert decision["shipments"][0]["lines"] == [{"sku": "A", "qty": 2}]
    for order_row in (2, 3, 4, 5):
        assert f"orders row {order_row}, column qty: qty must be a whole number of units" in err
    assert "Traceback" not in err


def test_out_of_range_instants_in_route_are_rejected_not_a_crash(files, capsys):
    """created_at 0001-01-01T00:00:00+14:00 or 9999-12-31T23:59:59-12:00 once
    crashed the run with an OverflowError: no decision at all."""
    code = main(["route", str(files["ruleset"]), *data_args(files)])
    out, err = capsys.readouterr()
    assert code == 0
    assert [json.loads(text)["order_id"] for text in out.splitlines()] == ["FINE"]
    assert "orders row 6, column created_at: created_at must be a date-time from 1970" in err
    assert "orders row 7, column created_at" in err


@pytest.mark.parametrize(
    "at",
    ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "1969-12-31T23:00:00", "tomorrow"],
)
def test_out_of_range_route_at_is_refused(files, capsys, at):
    code = main(["route", str(files["ruleset"]), *data_args(files), "--at", at])
    err = capsys.readouterr().err
    assert code == 2
    expected = "is not an ISO 8601 date-time" if at == "tomorrow" else "--at must be a date-time"
    assert expected in err
    assert "Traceback" not in err


def test_an_empty_or_huge_route_at_is_refused_and_not_echoed_whole(files, capsys):
    """`--at ""` routed as if no --at were given; a 100,000-digit one was echoed whole."""
    assert main(["route", str(files["ruleset"]), *data_args(files), "--at", ""]) == 2
    assert "--at '' is not an ISO 8601 date-time" in capsys.readouterr().err
    assert main(["route", str(files["ruleset"]), *data_args(files), "--at", "9" * 100_000]) == 2
    err = capsys.readouterr().err
    assert "is not an ISO 8601 date-time" in err and len(err) < 200


def test_route_at_the_edge_of_the_range_routes(files, capsys):
    code = main(["route", str(files["ruleset"]), *data_args(files), "--at", "2200-12-31T23:00"])
    assert code == 0
    [decision] = [json.loads(text) for text in capsys.readouterr().out.splitlines()]
    assert decision["status"] == "routed"


def test_quantity_overflow_in_simulate_keeps_the_fill_rate_a_rate(files, tmp_path, capsys):
    """Simulate once reported a fill rate of −922337203685477580800 %."""
    out = tmp_path / "run"
    code = main(["simulate", str(files["ruleset"]), *data_args(files), f"--out={out}", "--quiet"])
    assert code == 0, capsys.readouterr().err
    kpis = json.loads((out / "kpis.json").read_text(encoding="utf-8"))["overall"]
    assert kpis["orders"] == 1
    assert kpis["units"] == 2
    assert 0.0 <= kpis["fill_rate"] <= 1.0


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_simulate_period_days_out_of_range_are_refused(files, tmp_path, capsys, day):
    with pytest.raises(SystemExit) as exited:
        main(
            [
                "simulate",
                str(files["ruleset"]),
                *data_args(files),
                f"--out={tmp_path}",
                "--from",
                day,
            ]
        )
    assert exited.value.code == 2
    assert "must be a day from 1970-01-01 to 2200-12-31" in capsys.readouterr().err
