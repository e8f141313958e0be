"""`sourcing sweep` on Dask: a 30-combination sweep of small demo data on a LocalCluster
and on a separately started scheduler with two workers (loopback) gives the same KPI
table, equal to `sourcing simulate` of each combination alone; failed combinations are
reported and retried; a sweep run again skips what is done; the report opens offline."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from test_report import outside_scripts

from cli.main import main
from simulations.sweep_file import data_key, load_sweep

ROOT = Path(__file__).resolve().parent.parent
DASK = Path(sys.executable).parent / "dask"
GRID = """\
name = "Peak grid"
ruleset = "france.route"

[data]
nodes = "data/nodes.csv"
inventory = "data/inventory.csv"
orders = "data/orders.csv"
replenishments = "data/replenishments.csv"

[objectives]
cost_per_order = "min"
fill_rate = "max"
store_stockouts = "min"

[vary]
peak_store_protection.keep = [1, 2, 3, 4, 5]
standard_home.within = [150, 300, 600]
nodes.capacity.store = [0.5, 1.0]
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Small demo data around the peak season, the France ruleset and the grid."""
    from simulations.demo_data import generate

    here = tmp_path_factory.mktemp("sweep")
    generate(here / "data", orders=400, nodes=20, skus=60, days=60, start="2026-10-15")
    shutil.copy(ROOT / "rulesets" / "france.route", here / "france.route")
    (here / "grid.toml").write_text(GRID, encoding="utf-8")
    return here


@pytest.fixture(scope="module")
def local_run(folder):
    """The grid swept on a LocalCluster (the default), as `sourcing sweep` runs it."""
    out = folder / "local"
    assert main(["sweep", str(folder / "grid.toml"), f"--out={out}", "--quiet"]) == 0
    return out


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def scheduler():
    """`dask scheduler` and two `dask worker` processes on loopback, stopped after."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    common = {"cwd": ROOT, "env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    started = [
        subprocess.Popen(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            **common,
        )
    ]
    try:
        for _ in range(2):
            started.append(
                subprocess.Popen(
                    [DASK, "worker", address, "--nthreads", "1", "--no-dashboard"], **common
                )
            )
        from distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for process in reversed(started):
            process.terminate()
        for process in started:
            process.wait(timeout=30)


def test_a_local_cluster_sweep_writes_every_output(local_run):
    table = pd.read_parquet(local_run / "kpis.parquet")
    assert table["combination"].tolist() == list(range(1, 31))
    assert (table["status"] == "done").all()
    assert list(table.columns[:4]) == [
        "combination",
        "peak_store_protection.keep",
        "standard_home.within",
        "nodes.capacity.store",
    ]
    summary = json.loads((local_run / "sweep.json").read_text())
    assert summary["ran"] == 30 and summary["failed"] == 0 and summary["workers"] >= 1
    pareto = pd.read_csv(local_run / "pareto.csv")
    assert pareto["combination"].tolist() == table.loc[table["pareto"], "combination"].tolist()
    assert summary["pareto"] == pareto["combination"].tolist() and len(pareto) >= 1
    page = (local_run / "report.html").read_text()
    assert "Pareto-optimal settings" in page and "parcoords" in page
    for tag in re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", page):
        assert not re.search(r"\b(?:src|href)\s*=", tag), f"external reference: {tag}"
    assert not re.search(r"https?://|cdn", outside_scripts(page))
    for body in re.findall(r"<script>(.*?)</script>", page, flags=re.S):
        assert not re.search(r"https?://", body)  # the chart calls
    assert page.count("plotly.js v") == 1


def test_a_separate_scheduler_and_two_workers_give_the_same_table(folder, local_run, scheduler):
    out = folder / "cluster"
    code = main(["sweep", str(folder / "grid.toml"), f"--out={out}", f"--scheduler={scheduler}"])
    assert code == 0
    assert json.loads((out / "sweep.json").read_text())["workers"] == 2
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "kpis.parquet"), pd.read_parquet(local_run / "kpis.parquet")
    )


def test_each_combination_equals_sourcing_simulate_alone(folder, local_run, tmp_path):
    table = pd.read_parquet(local_run / "kpis.parquet").set_index("combination")
    sweep = load_sweep(folder / "grid.toml")
    data = [f"--{name}={path}" for name, path in sweep.data.items()]
    for combination in sweep.combinations(data_key(sweep.data)):
        ruleset = tmp_path / f"{combination.number}.route"
        ruleset.write_text(combination.ruleset_text, encoding="utf-8")
        scenario = tmp_path / f"{combination.number}.toml"
        capacity = combination.values["nodes.capacity.store"]
        scenario.write_text(f"[nodes]\ncapacity = {{ store = {capacity} }}\n", encoding="utf-8")
        out = tmp_path / str(combination.number)
        args = ["simulate", str(ruleset), f"--scenario={scenario}", *data, f"--out={out}"]
        assert main([*args, "--quiet"]) == 0
        alone = json.loads((out / "kpis.json").read_text())["overall"]
        row = table.loc[combination.number]
        got = {key: None if pd.isna(row[key]) else row[key] for key in alone}
        assert got == alone, combination.number


def test_failures_are_reported_retried_and_done_work_is_skipped(folder, tmp_path, capsys):
    grid = GRID.split("[vary]")[0] + (
        "[vary]\npeak_store_protection.keep = [1, 2]\n"
        "peak_store_protection.effective.to = [2026-12-31, 2026-10-01]\n"
    )
    path = folder / "failing.toml"
    path.write_text(grid, encoding="utf-8")
    out = tmp_path / "out"
    command = ["sweep", str(path), f"--out={out}", "--workers=1", "--quiet"]
    assert main(command) == 3
    printed = capsys.readouterr()
    assert "2 combinations replayed" not in printed.out and "2 failed" in printed.out
    failures = pd.read_csv(out / "failures.csv")
    assert failures["combination"].tolist() == [2, 4]
    assert failures["peak_store_protection.keep"].tolist() == [1, 2]
    assert failures["error"].str.contains("before it starts").all()
    table = pd.read_parquet(out / "kpis.parquet")
    assert table["status"].tolist() == ["done", "failed", "done", "failed"]
    assert not table.loc[table["status"] == "failed", "pareto"].any()
    first = table.copy()

    done = sorted((out / "results").glob("*.json"))
    assert len(done) == 2
    done[0].unlink()  # as if the sweep had stopped before that combination
    assert main(command) == 3  # it and the failed ones run again, the other is skipped
    summary = json.loads((out / "sweep.json").read_text())
    assert (summary["ran"], summary["skipped"], summary["failed"]) == (3, 1, 2)
    assert done[0].is_file()
    pd.testing.assert_frame_equal(pd.read_parquet(out / "kpis.parquet"), first)


def test_a_bad_sweep_file_exits_1_naming_the_problem(folder, tmp_path, capsys):
    path = folder / "bad.toml"
    path.write_text(GRID.replace("standard_home.within", "standard_hom.within"))
    assert main(["sweep", str(path), f"--out={tmp_path}"]) == 1
    assert (
        "unknown strategy 'standard_hom'; did you mean 'standard_home'" in capsys.readouterr().err
    )
