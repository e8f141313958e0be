"""`sourcing simulate` and `sourcing compare` with carriers on a slice of the demo year:
the promise KPIs, the carrier mix and the lost next-day promises by cause are printed
and written; closures without carriers, and a carrier scenario without a carriers
table, are refused with a message."""

from __future__ import annotations

import pandas as pd
import pytest
from test_promise_replay import RULESET

from cli.main import main
from simulations.demo_data import generate


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    """The demo year of test_promise_replay as files."""
    folder = tmp_path_factory.mktemp("year")
    return generate(folder, orders=8_000, nodes=40, skus=300, seed=11)


def test_simulate_and_compare_print_the_promise(paths, tmp_path, capsys):
    ruleset = tmp_path / "promise.route"
    ruleset.write_text(RULESET, encoding="utf-8")
    scenario = tmp_path / "capped.toml"
    scenario.write_text(
        '[[carriers]]\ncarrier = "chronopost"\nservice = "express"\ndaily_parcels = 0\n'
        'from = 2026-12-01\n[[carriers]]\nno_delivery_on = "Sat"\n',
        encoding="utf-8",
    )
    data = [f"--{name}={paths[name]}" for name in ("nodes", "inventory", "orders", "carriers")]
    data += [f"--closures={paths['closures']}", "--from=2026-11-23", "--to=2026-12-13"]
    code = main(["simulate", str(ruleset), *data, f"--out={tmp_path / 'run'}", "--quiet"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "next_day_rate" in printed and "chronopost express" in printed
    assert (tmp_path / "run" / "shipments.parquet").exists()
    report = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "<h2>Carrier mix (shipments)</h2>" in report and 'id="chart-carrier-mix"' in report
    code = main(
        ["compare", str(ruleset), str(scenario), *data, f"--out={tmp_path / 'cmp'}", "--quiet"]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "orders lost their next-day promise: carrier full" in printed
    causes = pd.read_csv(tmp_path / "cmp" / "next_day_causes.csv")
    assert causes["orders"].sum() == len(pd.read_csv(tmp_path / "cmp" / "lost_next_day.csv"))
    assert causes["cause"].str.contains("full at").any()
    assert causes["cause"].str.startswith("no Saturday delivery by").any()
    report = (tmp_path / "cmp" / "report.html").read_text(encoding="utf-8")
    assert "orders lost their next-day promise</h2>" in report
    assert 'id="chart-carrier-mix"' in report


def test_closures_need_carriers_and_a_scenario_needs_a_carriers_table(paths, tmp_path, capsys):
    ruleset = tmp_path / "promise.route"
    ruleset.write_text(RULESET, encoding="utf-8")
    data = [f"--{name}={paths[name]}" for name in ("nodes", "inventory", "orders")]
    code = main(["simulate", str(ruleset), *data, f"--closures={paths['closures']}",
                 f"--out={tmp_path / 'run'}"])  # fmt: skip
    assert code == 2
    assert "--closures only changes the delivery promise: give --carriers too" in (
        capsys.readouterr().err
    )
    scenario = tmp_path / "capped.toml"
    scenario.write_text("[[carriers]]\ndaily_parcels = 5\n", encoding="utf-8")
    code = main(["simulate", str(ruleset), *data, f"--scenario={scenario}",
                 f"--out={tmp_path / 'run'}"])  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert f"{scenario}: the scenario changes carriers, but the run has no carriers table" in err
