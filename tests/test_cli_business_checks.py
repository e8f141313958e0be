"""`sourcing check --nodes F --orders F` on real files: the business checks join the
checker's findings, print in compiler style, count as warnings (`--strict` fails on
them), and stay out of the way when the data cannot be loaded as a network."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cli.main import main
from simulations.demo_data import generate

ROOT = Path(__file__).resolve().parent.parent

NODES = """\
id,type,lat,lon,tags,can_ship
DC-PARIS,dc,48.98,2.45,dc,true
DC-LYON,dc,45.70,4.94,dc,true
ST-A,store,48.86,2.35,flagship,true
ST-B,store,48.90,2.20,,false
ST-C,store,45.76,4.84,,true
"""
ORDERS = "order_id,created_at,channel,delivery,dest_lat,dest_lon,sku,qty\n" + "".join(
    f"O{i},2026-03-02T10:00:0{i}Z,web,home,{lat},{lon},A,1\n"
    for i, (lat, lon) in enumerate([(43.30, 5.37), (43.60, 1.44), (48.85, 2.35)])
)

RULESET = """\
ruleset "Business mistakes"
timezone "Europe/Paris"

strategy winter_sale
  effective 2020-01-10 to 2020-02-20
  when order.channel == "store"
  source from node.type == "dc"
  priority 50

strategy home
  when order.delivery == "home"
  source from node.type in ["dc", "store"]
  within 50 km
  keep 2 units at node.tags has "flagship"

strategy dcs
  priority 200
  source from node.type == "dc"
  keep 1 unit at node.type == "store"
"""


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCING_NOW", "2026-11-20T11:00:00Z")
    for name, text in [("r.route", RULESET), ("nodes.csv", NODES), ("orders.csv", ORDERS)]:
        (tmp_path / name).write_text(text, encoding="utf-8")
    return {name: str(tmp_path / name) for name in ("r.route", "nodes.csv", "orders.csv")}


def test_each_business_check_is_printed_at_its_clause(files, capsys):
    route = files["r.route"]
    code, out, err = run(
        capsys, "check", route, "--nodes", files["nodes.csv"], "--orders", files["orders.csv"]
    )
    assert code == 0 and err == ""
    heads = [line for line in out.splitlines() if line.startswith(route)]
    assert [h.split(": warning: ")[0] for h in heads] == [
        f"{route}:5:3",  # window-in-past
        f"{route}:12:15",  # source-cannot-ship
        f"{route}:13:3",  # within-out-of-reach
        f"{route}:19:3",  # keep-never-applies
    ]
    assert "`winter_sale` is no longer in force" in heads[0]
    assert "ended on 2020-02-20 (it is now 2026-11-20 12:00 in Europe/Paris)" in heads[0]
    assert "nodes whose `can_ship` is false: ST-B;" in heads[1]
    assert "(2 of 3 orders' addresses)" in heads[2]
    assert "excludes every node it names: ST-A, ST-B, ST-C (3 nodes)" in heads[3]
    assert out.splitlines()[-1] == "checked 1 file: 0 errors, 4 warnings"
    assert run(capsys, "check", route, "--nodes", files["nodes.csv"], "--strict")[0] == 1


def test_the_clock_can_be_set_and_a_wrong_setting_is_refused(files, capsys, monkeypatch):
    monkeypatch.setenv("SOURCING_NOW", "2020-02-20T22:59")  # UTC: the last minute of Feb 20
    _, out, _ = run(capsys, "check", files["r.route"], "--nodes", files["nodes.csv"])
    assert "no longer in force" not in out
    monkeypatch.setenv("SOURCING_NOW", "2020-02-20T23:00")
    _, out, _ = run(capsys, "check", files["r.route"], "--nodes", files["nodes.csv"])
    assert "(it is now 2020-02-21 00:00 in Europe/Paris)" in out
    monkeypatch.setenv("SOURCING_NOW", "next tuesday")
    code, out, err = run(capsys, "check", files["r.route"], "--nodes", files["nodes.csv"])
    assert code == 2 and out == ""
    assert "error: SOURCING_NOW must be an ISO 8601 instant" in err and "'next tuesday'" in err


def test_without_data_the_business_checks_do_not_run(files, capsys):
    code, out, _ = run(capsys, "check", files["r.route"])
    assert code == 0
    assert out.splitlines() == [f"{files['r.route']}: ok (3 strategies)", "checked 1 file: "
                                "0 errors, 0 warnings"]  # fmt: skip


def test_without_orders_within_is_measured_to_the_stores(files, capsys):
    _, out, _ = run(capsys, "check", files["r.route"], "--nodes", files["nodes.csv"])
    assert "store locations" not in out  # `home` admits the stores themselves


def test_a_ruleset_with_errors_gets_no_business_checks(files, tmp_path, capsys):
    broken = tmp_path / "broken.route"
    broken.write_text(RULESET.replace("within 50 km", "within 0 km"), encoding="utf-8")
    code, out, _ = run(capsys, "check", str(broken), "--nodes", files["nodes.csv"])
    assert code == 1
    assert out.splitlines()[-1] == "checked 1 file: 1 error, 0 warnings"


def test_a_nodes_table_the_engine_refuses_still_names_fields_and_says_what_is_skipped(
    files, tmp_path, capsys
):
    nodes = tmp_path / "fields_only.csv"
    nodes.write_text("id,name,type,zone\nDC1,Lyon,dc,south\n", encoding="utf-8")
    code, out, err = run(capsys, "check", files["r.route"], "--nodes", str(nodes))
    assert code == 0
    assert f"note: {nodes}: the checks that need the network are skipped" in err
    assert "lat" in err
    assert "no longer in force" in out


def test_the_france_example_on_the_demo_data_reports_the_stores_that_cannot_ship(tmp_path, capsys):
    """The shipped peak strategy sources from stores whatever their `can_ship` (the spec
    writes it so); the demo network has such stores, and the check names them."""
    paths = generate(tmp_path, orders=400, replenishments=False)
    with open(paths["nodes"], encoding="utf-8") as handle:
        grounded = sorted(r["id"] for r in csv.DictReader(handle) if r["can_ship"] == "false")
    assert len(grounded) > 1
    france = str(ROOT / "rulesets" / "france.route")
    code, out, _ = run(
        capsys, "check", france, "--nodes", str(paths["nodes"]), "--orders", str(paths["orders"])
    )
    heads = [line for line in out.splitlines() if line.startswith(france)]
    assert code == 0 and len(heads) == 1, out
    assert heads[0].startswith(f"{france}:21:15: warning: strategy `peak_store_protection`")
    shown = ", ".join(grounded[:5])
    assert f"`can_ship` is false: {shown}" in heads[0]
