"""`sourcing route` on real files: decisions on stdout or --out, rejected rows
on stderr and in --rejects, exit status by what could be routed."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources

import pandas as pd
from routing_world import node

from cli.main import main

FRANCE = resources.files("rulesets").joinpath("france.route").read_text(encoding="utf-8")


def files(tmp_path, orders: list[dict], stock=None):
    nodes = pd.DataFrame([node("DC-LYON", "lyon", "dc"), node("ST-PARIS", "paris")])
    nodes["tags"] = ""
    nodes.to_csv(tmp_path / "nodes.csv", index=False)
    stock = stock or [("DC-LYON", "A", 5), ("ST-PARIS", "A", 2)]
    pd.DataFrame(stock, columns=["node_id", "sku", "on_hand"]).to_csv(
        tmp_path / "inventory.csv", index=False
    )
    pd.DataFrame(orders).to_csv(tmp_path / "orders.csv", index=False)
    (tmp_path / "france.route").write_text(FRANCE, encoding="utf-8")
    return [
        "route",
        str(tmp_path / "france.route"),
        "--nodes",
        str(tmp_path / "nodes.csv"),
        "--inventory",
        str(tmp_path / "inventory.csv"),
        "--orders",
        str(tmp_path / "orders.csv"),
    ]


def line(order_id, created_at, sku="A", qty=1, **extra):
    row = {
        "order_id": order_id,
        "created_at": created_at,
        "channel": "web",
        "delivery": "home",
        "collect_node": "",
        "tier": "standard",
        "dest_lat": 48.85,
        "dest_lon": 2.35,
        "country": "FR",
        "region": "IDF",
        "sku": sku,
        "qty": qty,
        "unit_price": 10.0,
    }
    row.update(extra)
    return row


def test_route_writes_one_decision_per_line_in_time_order(tmp_path, capsys):
    args = files(
        tmp_path,
        [
            line("late", "2026-03-02T12:00:00+01:00"),
            line("early", "2026-03-02T09:00:00"),  # no offset: read in Europe/Paris
            line("early", "2026-03-02T09:00:00", sku="B"),
        ],
    )
    assert main(args) == 0
    out, err = capsys.readouterr()
    decisions = [json.loads(text) for text in out.splitlines()]
    assert [d["order_id"] for d in decisions] == ["early", "late"]
    # B is nowhere: standard_home ships A, dc_backstop (the chain's end) backorders B.
    assert decisions[0]["strategies"] == ["standard_home", "dc_backstop"]
    assert decisions[0]["status"] == "backordered"
    assert decisions[0]["shipments"][0]["node_id"] == "ST-PARIS"
    assert "2 orders routed" in err


def test_route_reports_rejected_rows_and_writes_them_as_csv(tmp_path, capsys):
    args = files(
        tmp_path,
        [line("good", "2026-03-02T09:00:00+01:00"), line("bad", "2026-03-02T09:00:00", qty=-1)],
    )
    out_file, rejects_file = tmp_path / "decisions.jsonl", tmp_path / "rejects.csv"
    code = main([*args, "--out", str(out_file), "--rejects", str(rejects_file), "--explain"])
    assert code == 0
    _, err = capsys.readouterr()
    assert "orders row" in err and "qty" in err
    decisions = [json.loads(text) for text in out_file.read_text().splitlines()]
    assert [d["order_id"] for d in decisions] == ["good"]
    assert decisions[0]["explain"]
    rejects = pd.read_csv(rejects_file)
    assert list(rejects.columns)[:4] == ["table", "row", "column", "reason"]
    assert rejects["order_id"].tolist() == ["bad"]


def test_route_at_overrides_the_order_time(tmp_path, capsys):
    args = files(tmp_path, [line("o", "2026-03-02T09:00:00+01:00")])
    assert main([*args, "--at", "2026-12-01T10:00"]) == 0
    decision = json.loads(capsys.readouterr().out)
    assert decision["strategies"][0] == "peak_store_protection"


def test_route_exits_non_zero_when_nothing_is_routed(tmp_path, capsys):
    args = files(tmp_path, [line("o", "2026-03-02T09:00:00+01:00", sku="NOPE")])
    assert main(args) == 1
    decision = json.loads(capsys.readouterr().out)
    assert decision["status"] == "backordered"  # dc_backstop backorders


def test_route_prints_ruleset_errors_as_diagnostics(tmp_path, capsys):
    args = files(tmp_path, [line("o", "2026-03-02T09:00:00+01:00")])
    (tmp_path / "france.route").write_text('strategy a\n  when order.chanel == "web"\n')
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "france.route:2:" in err and "order.chanel" in err and "^" in err


_WITHOUT_PANDAS = """
import sys
from cli.main import main

code = main(sys.argv[1:])
print("pandas" in sys.modules, code, file=sys.stderr)
"""


def test_route_reads_routes_and_writes_without_importing_pandas(tmp_path):
    """pandas costs about a quarter of a second to import: the route command, with
    a reject on stderr and --explain, never needs it (--rejects and --events do)."""
    args = files(
        tmp_path,
        [
            line("one", "2026-03-02T09:00:00+01:00"),
            line("two", "2026-03-02T10:00:00+01:00", qty=2),
            line("two", "2026-03-02T10:00:00+01:00", sku="B"),
            line("bad", "2026-03-02T09:00:00", qty=-1),
        ],
    )
    out = tmp_path / "decisions.jsonl"
    run = subprocess.run(
        [sys.executable, "-c", _WITHOUT_PANDAS, *args, "--out", str(out), "--explain"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "orders row" in run.stderr and "qty" in run.stderr
    assert run.stderr.splitlines()[-1] == "False 0"
    assert [json.loads(text)["order_id"] for text in out.read_text().splitlines()] == ["one", "two"]


def test_route_on_an_orders_file_without_rows_says_nothing_was_routed(tmp_path, capsys):
    args = files(tmp_path, [line("o", "2026-03-02T09:00:00+01:00")])
    orders = tmp_path / "orders.csv"
    orders.write_text(orders.read_text().splitlines()[0] + "\n")  # the header alone
    assert main(args) == 1
    out, err = capsys.readouterr()
    assert out == "" and "0 orders routed" in err and "Traceback" not in err


def test_route_reports_a_quote_never_closed_and_routes_nothing_else(tmp_path, capsys):
    """An unbalanced quote makes the rest of the file one record: it is reported
    as a rejected row, and the run ends without a traceback."""
    args = files(tmp_path, [line("o1", "2026-03-02T09:00:00+01:00")])
    orders = tmp_path / "orders.csv"
    header, row = orders.read_text().splitlines()
    orders.write_text(f'{header}\n"{row}\n{row.replace("o1", "o2")}\n')
    assert main(args) == 1
    _, err = capsys.readouterr()
    assert "orders row 2:" in err and "1 input problem(s)" in err


def test_route_names_a_folder_or_a_device_given_as_a_table(tmp_path, capsys):
    args = files(tmp_path, [line("o", "2026-03-02T09:00:00+01:00")])
    at = args.index("--orders") + 1
    for given, reason in ((tmp_path, "a folder, not a file"), ("/dev/zero", "not a regular file")):
        args[at] = str(given)
        assert main(args) == 2
        assert reason in capsys.readouterr().err
