"""The command line with carriers, on real files (tests/data/promise): `sourcing route
--carriers --closures` gives the promises computed by hand below, and `sourcing
promise` prints a basket's options without allocating anything."""

from __future__ import annotations

import json
from pathlib import Path

from cli.main import main

DATA = Path(__file__).resolve().parent / "data" / "promise"
TABLES = [
    "--nodes", str(DATA / "nodes.csv"),
    "--inventory", str(DATA / "inventory.csv"),
    "--carriers", str(DATA / "carriers.csv"),
    "--closures", str(DATA / "closures.csv"),
]  # fmt: skip


def routed(capsys) -> dict[str, dict]:
    code = main(["route", str(DATA / "rules.route"), "--orders", str(DATA / "orders.csv"), *TABLES])
    assert code == 0
    return {d["order_id"]: d for d in map(json.loads, capsys.readouterr().out.splitlines())}


def test_route_with_carriers_gives_the_hand_computed_promises(capsys):
    decisions = routed(capsys)
    # A: Friday 4 December 15:10, after the store's 14:00 cut-off: picked Saturday;
    # colissimo collects Monday 7; two delivery days: Tuesday, Wednesday 9.
    (a,) = decisions["A"]["shipments"]
    assert (a["node_id"], a["carrier"], a["service"]) == ("S1", "colissimo", "standard")
    assert (a["ship_date"], a["promised_date"], a["eta_days"]) == ("2026-12-07", "2026-12-09", 5.0)
    assert a["cost"] == 7.15  # 0.80 × 2 + 4.95 + 0.25 × 2.4 kg
    assert decisions["A"]["promised_date"] == "2026-12-09"
    # B: 13:10, before the cut-off: chronopost collects Friday, delivers Saturday 5.
    (b,) = decisions["B"]["shipments"]
    assert (b["node_id"], b["service"], b["promised_date"], b["cost"]) == (
        "S1",
        "express",
        "2026-12-05",
        12.58,
    )
    # C: chronopost's one parcel a day at S1 is taken by B: the Lyon DC, one prep day
    # (Monday 7), collected Monday; Tuesday 8 chronopost is closed: Wednesday 9.
    (c,) = decisions["C"]["shipments"]
    assert (c["node_id"], c["service"], c["ship_date"], c["promised_date"]) == (
        "DC",
        "express",
        "2026-12-07",
        "2026-12-09",
    )


def test_promise_prints_the_options_and_allocates_nothing(capsys):
    arguments = ["promise", str(DATA / "rules.route"), *TABLES]
    arguments += ["--basket", str(DATA / "basket.json"), "--json"]
    assert main(arguments) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(arguments) == 0
    assert json.loads(capsys.readouterr().out) == first  # the parcel cap was not used
    home, express = first["options"]
    assert (home["delivery"], home["promised_date"], home["order_before"]) == (
        "home",
        "2026-12-07",
        "14:00",
    )
    assert (home["minutes_left"], home["order_within"]) == (50, "50 min")
    assert (express["promised_date"], express["shipments"][0]["carrier"]) == (
        "2026-12-05",
        "chronopost",
    )
    assert main(arguments[:-1]) == 0
    words = capsys.readouterr().out
    assert "home: delivered 2026-12-07\n  order within 50 min (before 14:00)" in words


def test_a_bad_basket_is_named_and_nothing_is_printed(tmp_path, capsys):
    basket = tmp_path / "basket.json"
    basket.write_text('{"lines": [{"sku": "X", "qty": 0}], "dest_lat": 48.8, "dest_lon": 2.3}')
    arguments = ["promise", str(DATA / "rules.route"), *TABLES, "--basket", str(basket)]
    assert main(arguments) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "`lines[0].qty`: a whole number of units, 1 or more" in captured.err


def test_closures_without_carriers_are_refused(capsys):
    arguments = ["route", str(DATA / "rules.route"), "--orders", str(DATA / "orders.csv")]
    arguments += TABLES[:4] + TABLES[6:]
    assert main(arguments) == 2
    assert "--closures needs --carriers" in capsys.readouterr().err
