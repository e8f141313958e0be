"""Returns on the command line, on a small demo dataset (`sourcing demo-data` writes
returns.csv): `sourcing route --returns` prints return decisions in the same stream as
the orders' by time, and `sourcing simulate --returns` reports the returns figures with
the fill rate gained against the same replay without the returns."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cli.main import main
from simulations.kpis import BACKORDER_KEYS
from simulations.return_kpis import RETURN_KEYS

RULESET = Path(__file__).parents[1] / "rulesets" / "france_returns.route"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    assert main(["demo-data", "--out", str(folder), "--orders", "3000", "--nodes", "40",
                 "--skus", "300", "--days", "120", "--start", "2026-09-01"]) == 0  # fmt: skip
    return folder


def files(demo: Path) -> list[str]:
    return [f"--{name}={demo / f'{name}.csv'}" for name in ("nodes", "inventory", "orders")]


def test_route_prints_return_decisions_between_the_orders_by_time(demo, tmp_path, capsys):
    out = tmp_path / "decisions.jsonl"
    code = main(["route", str(RULESET), *files(demo), f"--returns={demo / 'returns.csv'}",
                 f"--out={out}"])  # fmt: skip
    assert code == 0
    said = capsys.readouterr().err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    returned = [row for row in rows if "return_id" in row]
    table = pd.read_csv(demo / "returns.csv")
    assert len(returned) == table["return_id"].nunique() > 0
    assert f"{len(returned)} return(s) routed" in said
    assert {row["status"] for row in returned} <= {"routed", "partial", "unroutable"}
    # one stream by time: a return comes after every order created before it
    created = pd.read_csv(demo / "orders.csv").groupby("order_id")["created_at"].first()
    returned_at = table.groupby("return_id")["created_at"].first()
    seen_orders: set[str] = set()
    for row in rows:
        if "return_id" in row:
            when = pd.Timestamp(returned_at[row["return_id"]])
            earlier = set(created[pd.to_datetime(created, utc=True) < when].index)
            assert earlier <= seen_orders
        elif row.get("rerouted_from") is None:
            seen_orders.add(row["order_id"])
    restocked = [line for row in returned for line in row["lines"]
                 if line["disposition"] == "restock"]  # fmt: skip
    assert restocked and all(line["restock_date"] for line in restocked)


def test_simulate_reports_the_returns_figures_and_the_fill_rate_gained(demo, tmp_path):
    with_returns, without = tmp_path / "with", tmp_path / "without"
    base = [str(RULESET), *files(demo), f"--replenishments={demo / 'replenishments.csv'}",
            "--quiet"]  # fmt: skip
    assert main(["simulate", *base, f"--returns={demo / 'returns.csv'}",
                 f"--out={with_returns}"]) == 0  # fmt: skip
    assert main(["simulate", *base, f"--out={without}"]) == 0
    kpis = json.loads((with_returns / "kpis.json").read_text(encoding="utf-8"))
    plain = json.loads((without / "kpis.json").read_text(encoding="utf-8"))
    overall = kpis["overall"]
    assert list(overall)[-len(RETURN_KEYS) :] == list(RETURN_KEYS)
    assert not set(RETURN_KEYS) & set(plain["overall"])
    assert overall["fill_rate_gain"] == pytest.approx(
        overall["fill_rate"] - plain["overall"]["fill_rate"]
    )
    lines = pd.read_parquet(with_returns / "returns.parquet")
    assert overall["units_returned"] == int(lines["qty"].sum())
    assert overall["units_restocked"] == int(lines.loc[lines["disposition"] == "restock",
                                                       "qty"].sum())  # fmt: skip
    assert kpis["returns_by_category"] and kpis["returns_by_channel"]
    assert set(BACKORDER_KEYS) <= set(overall)  # click & collect backorders


def test_scenarios_compare_return_strategies(demo):
    """Sending returns to the nearest store instead of the one that needs them most:
    the comparison has every returns figure on both sides."""
    import dsl
    import simulations
    from simulations import Scenario

    text = RULESET.read_text(encoding="utf-8")
    nearest = text.replace("  rank by need desc, distance\n", "  rank by distance\n")
    assert nearest != text
    inputs = simulations.load_inputs(
        *(demo / f"{name}.csv" for name in ("nodes", "inventory", "orders", "replenishments")),
        timezone="Europe/Paris",
        returns=demo / "returns.csv",
    )
    comparison = simulations.compare(
        Scenario(name="need", ruleset=dsl.parse(text)),
        Scenario(name="nearest", ruleset=dsl.parse(nearest)),
        inputs,
    )
    deltas = comparison.deltas
    overall = deltas[deltas["breakdown"] == "overall"].set_index("kpi")
    for key in RETURN_KEYS:
        assert overall.loc[key, "base"] == comparison.base.kpis.overall[key]
        assert overall.loc[key, "variant"] == comparison.variant.kpis.overall[key]
    base_nodes = comparison.base.returns.set_index(["return_id", "line_no"])["node_id"]
    variant_nodes = comparison.variant.returns.set_index(["return_id", "line_no"])["node_id"]
    assert (base_nodes != variant_nodes).any()  # some lines go elsewhere
