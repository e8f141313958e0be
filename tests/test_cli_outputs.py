"""What `sourcing route` writes, and where: a file replaced whole or not at all,
a device written into (never swapped for a file), a closed pipe ended quietly."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from cli.main import main
from engine.files import replaced_file, write_atomically

RULESET = 'ruleset "Out"\n\nstrategy home "Home delivery"\n  rank by distance\n'
NODES = (
    "id,type,lat,lon,pick_cost,ship_cost_base,ship_cost_per_km,handling_days\n"
    "DC-LYON,dc,45.76,4.84,0.3,4.0,0.012,1\n"
)
STOCK = "node_id,sku,on_hand\nDC-LYON,A,3\n"
ORDERS = "order_id,created_at,channel,delivery,dest_lat,dest_lon,sku,qty,unit_price\n" + "".join(
    f"O{i},2026-03-02T10:00:{i:02d}Z,web,home,48.85,2.35,A,1,1\n" for i in range(3)
)
TOO_MUCH = "at,kind,node_id,sku,qty\n2026-03-02T10:00:01Z,replenish,DC-LYON,A,1000000000000\n"


@pytest.fixture
def route_args(tmp_path):
    for name, text in [("r.route", RULESET), ("nodes.csv", NODES), ("stock.csv", STOCK)]:
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "orders.csv").write_text(ORDERS, encoding="utf-8")
    (tmp_path / "events.csv").write_text(TOO_MUCH, encoding="utf-8")
    return [
        "route",
        str(tmp_path / "r.route"),
        f"--nodes={tmp_path / 'nodes.csv'}",
        f"--inventory={tmp_path / 'stock.csv'}",
        f"--orders={tmp_path / 'orders.csv'}",
    ]


def leftovers(folder) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_route_out_writes_every_decision_and_leaves_no_temporary_file(route_args, tmp_path):
    out = tmp_path / "d.jsonl"
    assert main([*route_args, f"--out={out}"]) == 0
    assert len(out.read_text().splitlines()) == 3
    assert leftovers(tmp_path) == []


def test_a_refused_event_leaves_the_previous_decisions_file_as_it_was(route_args, tmp_path, capsys):
    out = tmp_path / "d.jsonl"
    out.write_text("yesterday's decisions\n")
    code = main([*route_args, f"--events={tmp_path / 'events.csv'}", f"--out={out}"])
    assert code == 2 and "error:" in capsys.readouterr().err
    assert out.read_text() == "yesterday's decisions\n"
    assert leftovers(tmp_path) == []


def test_route_out_onto_a_folder_or_a_missing_folder_says_so(route_args, tmp_path, capsys):
    assert main([*route_args, f"--out={tmp_path}"]) == 2
    assert f"cannot write {tmp_path}: Is a directory" in capsys.readouterr().err
    assert main([*route_args, f"--out={tmp_path / 'no' / 'd.jsonl'}"]) == 2
    assert "No such file or directory" in capsys.readouterr().err


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs a /dev/full device")
def test_route_out_onto_a_full_device_is_an_error_and_the_device_stays(route_args, capsys):
    assert main([*route_args, "--out=/dev/full"]) == 2
    assert "cannot write /dev/full: No space left on device" in capsys.readouterr().err
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_route_into_a_closed_pipe_stops_quietly(route_args, tmp_path):
    many = "".join(f"M{i},2026-03-02T11:00:00Z,web,home,48.85,2.35,A,1,1\n" for i in range(5000))
    (tmp_path / "orders.csv").write_text(ORDERS + many, encoding="utf-8")  # > a pipe's buffer
    route = subprocess.Popen(
        [sys.executable, "-m", "cli.main", *route_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    route.stdout.readline()
    route.stdout.close()  # as `| head -1` does
    assert route.wait(timeout=60) == 141
    assert route.stderr.read().decode() == ""


def test_a_replaced_file_keeps_its_permissions_and_its_symbolic_link(tmp_path):
    target = tmp_path / "target.txt"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    write_atomically(link, "new")
    assert link.is_symlink() and target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_new_file_gets_the_umask_permissions_not_private_ones(tmp_path):
    umask = os.umask(0o022)
    try:
        write_atomically(tmp_path / "new.txt", "x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs a /dev/null device")
def test_a_device_is_never_swapped_for_a_file(tmp_path):
    with pytest.raises(OSError, match="not a regular file"), replaced_file("/dev/null"):
        pass
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert leftovers(tmp_path) == []
