"""The Compare scenarios page: scenarios set up in the page (or from a scenario file),
replayed on the same orders; KPI deltas, overlaid charts, the orders that changed."""

from __future__ import annotations

import datetime as dt
from importlib import resources

import pandas as pd
import pytest
import studio_pages
from studio_pages import chart, page, table, texts

import dsl
import engine
import simulations
from simulations import Overrides, Scenario
from simulations.charts import KPI_LABELS
from simulations.charts import format_kpi as report_kpi
from simulations.compare import UNEXPLAINED
from simulations.kpis import OVERALL_KEYS
from studio.components.change_summary import comparison_report
from studio.components.kpi_cards import delta_text
from studio.components.promise_figures import headline_keys
from studio.formats import kpi as format_kpi

demo_folder = studio_pages.demo_folder
studio_env = studio_pages.studio_env
FRANCE = (resources.files("rulesets") / "france.route").read_text(encoding="utf-8")


def inputs_of(folder):
    """The folder's tables as the studio reads them: its carriers and closures too."""
    return simulations.load_inputs(
        folder / "nodes.csv",
        folder / "inventory.csv",
        folder / "orders.csv",
        folder / "replenishments.csv",
        carriers=folder / "carriers.csv",
        closures=folder / "closures.csv",
        timezone="Europe/Paris",
    )


@pytest.fixture(scope="module")
def busiest(demo_folder) -> str:
    """The node that ships most under france.route: closing it changes many orders."""
    run = simulations.replay.replay(engine.policy_of(FRANCE), inputs_of(demo_folder))
    return run.tables.shipments["node_id"].value_counts().index[0]


def add_scenario(app, name: str, **fields) -> None:
    app.text_input(key="compare.new.name").set_value(name)
    for key, value in fields.items():
        widget = app.multiselect(key=f"compare.new.{key}") if key == "close" else None
        if widget is None:
            widget = app.number_input(key=f"compare.new.{key}")
        widget.set_value(value)
    app.button(key="compare.new.add").click().run()
    assert not app.exception, app.exception


def compare_button(app):
    return next(button for button in app.button if button.label == "Compare")


def test_two_scenarios_side_by_side_with_the_orders_that_changed(studio_env, busiest):
    app = page("compare").run()
    assert compare_button(app).disabled
    add_scenario(app, "today")
    add_scenario(app, "closed", close=[busiest])
    assert compare_button(app).disabled is False
    compare_button(app).click().run()
    assert not app.exception

    expected = simulations.compare(
        Scenario(name="today", ruleset=dsl.parse(FRANCE)),
        Scenario(
            name="closed", ruleset=dsl.parse(FRANCE), overrides=Overrides(close_nodes=(busiest,))
        ),
        inputs_of(studio_env),
    )
    kpis = table(app, "KPI", "today", "closed", "Δ closed")
    base, variant = expected.base.kpis.overall, expected.variant.kpis.overall
    keys = headline_keys(expected.base.kpis, OVERALL_KEYS)  # on time: among the promise's
    assert kpis["KPI"].tolist() == [KPI_LABELS[key][0] for key in keys]
    assert kpis["today"].tolist() == [format_kpi(key, base[key]) for key in keys]
    assert kpis["closed"].tolist() == [format_kpi(key, variant[key]) for key in keys]
    assert kpis["Δ closed"].tolist() == [delta_text(key, variant[key] - base[key]) for key in keys]

    changed = table(app, "Order", "What changed", "Cause", "Why")
    assert len(expected.changed) > 0
    assert changed["Order"].tolist() == expected.changed["order_id"].tolist()
    assert changed["Why"].tolist() == expected.changed["reason"].tolist()
    assert list(changed.columns) == [
        "Order",
        "Day",
        "Channel",
        "Delivery",
        "What changed",
        "Status in today",
        "Status in closed",
        "Strategies in today",
        "Strategies in closed",
        "Ships from in today",
        "Ships from in closed",
        "Cause",
        "Why",
    ]
    assert not changed.isin(["None", "nan", "<NA>", ""]).any().any()
    closed_from = changed[changed["Ships from in today"].str.contains(f"{busiest} ")]
    assert len(closed_from)
    assert all(f"({busiest}) is closed in closed" in reason for reason in closed_from["Why"])
    assert UNEXPLAINED not in set(changed["Why"])  # every changed order has its reason
    assert f"Orders changed: {len(expected.changed):,}" in texts(app)

    causes = table(app, "Cause", "Orders", "Example orders", "Cost", "On-time orders")
    by_cause = expected.by_cause
    assert causes["Cause"].tolist() == by_cause["cause"].tolist()
    assert causes["Orders"].tolist() == [f"{n:,}" for n in by_cause["orders"]]
    assert sum(by_cause["orders"]) == len(expected.changed)
    closed_cause = next(
        c for c in by_cause["cause"] if c.endswith(f"({busiest}) is closed in closed")
    )
    row = causes.set_index("Cause").loc[closed_cause]
    assert row["Orders"] == f"{len(closed_from):,}"
    assert row["Example orders"] == ", ".join(closed_from["Order"].head(3))
    assert f"causes for {len(expected.changed):,} orders" in texts(app)
    largest = by_cause.iloc[0]
    told = f"- **{largest['orders']:,} order{'s' if largest['orders'] != 1 else ''}**: "
    assert told + largest["cause"] in texts(app)  # the largest causes said as sentences

    daily = chart(app, "compare.chart.daily")["data"]
    assert [trace["name"] for trace in daily] == ["today", "today", "closed", "closed"]
    assert daily[0]["y"] == expected.base.kpis.by_day["orders"].astype(float).tolist()
    assert daily[3]["y"] == pytest.approx(
        expected.variant.kpis.by_day["split_rate"].astype(float).tolist(), nan_ok=True
    )
    types = chart(app, "compare.chart.node_types")["data"]
    for trace, run in zip(types, (expected.base, expected.variant), strict=True):
        counts = run.tables.shipments["node_type"].value_counts()
        assert trace["y"] == [counts.get(t, 0) for t in trace["x"]]
    distance = chart(app, "compare.chart.distance")["data"]
    assert [len(trace["x"]) for trace in distance] == [
        len(expected.base.tables.shipments),
        len(expected.variant.tables.shipments),
    ]
    bars = chart(app, "compare.chart.bars.closed")
    fill = next(
        t for t in bars["data"] if t["text"][0] == report_kpi("fill_rate", base["fill_rate"])
    )
    assert fill["y"] == pytest.approx([base["fill_rate"], variant["fill_rate"]])

    report = comparison_report(app.session_state["compare.result"].comparisons[0]).decode()
    assert "today vs closed" in report
    assert f"Orders whose routing changed ({len(expected.changed):,})" in report


def test_three_scenarios_one_from_a_scenario_file(studio_env):
    app = page("compare").run()
    add_scenario(app, "today")
    app.selectbox(key="compare.new.file").set_value("close_paris_flagship.toml").run()
    assert app.text_input(key="compare.new.name").value == "Paris flagship closed"
    assert app.multiselect(key="compare.new.close").value == ["ST-PARIS-01"]
    assert app.number_input(key="compare.new.capacity.store").value == 80
    app.button(key="compare.new.add").click().run()
    add_scenario(app, "peak demand", demand=150)
    compare_button(app).click().run()
    assert not app.exception

    result = app.session_state["compare.result"]
    assert [entry.name for entry in result.entries] == [
        "today",
        "Paris flagship closed",
        "peak demand",
    ]
    assert result.entries[1].overrides.capacity == {"store": 0.8}
    kpis = table(app, "KPI", "today", "Paris flagship closed", "peak demand")
    orders = pd.read_csv(studio_env / "orders.csv")["order_id"].nunique()
    row = kpis[kpis["KPI"] == "Orders"].iloc[0]
    assert row["today"] == f"{orders:,}"
    assert row["peak demand"] == f"{round(orders * 1.5):,}"
    assert row["Δ peak demand"] == f"{round(orders * 1.5) - orders:+,}"
    paris = result.runs["Paris flagship closed"]
    assert "ST-PARIS-01" not in set(paris.tables.shipments["node_id"])
    daily = chart(app, "compare.chart.daily")["data"]
    assert sorted({trace["name"] for trace in daily}) == sorted(result.runs)
    assert f"{round(orders * 0.5):,} orders only in peak demand" in texts(app)


@pytest.mark.usefixtures("studio_env")
def test_names_must_differ():
    app = page("compare").run()
    add_scenario(app, "today")
    app.text_input(key="compare.new.name").set_value("today")
    app.button(key="compare.new.add").click().run()
    assert "There is already a scenario named 'today'." in texts(app)
    assert len(app.session_state["compare.scenarios"]) == 1
    assert compare_button(app).disabled


@pytest.mark.usefixtures("studio_env")
def test_key_figures_and_charts_for_a_period(busiest):
    """The period filter narrows the key figures and the charts to the orders of those
    days, as `Simulation.between` computes them on each side."""
    app = page("compare").run()
    add_scenario(app, "today")
    add_scenario(app, "closed", close=[busiest])
    compare_button(app).click().run()
    app.selectbox(key="compare.view.period").set_value("chosen").run()
    first, last = dt.date(2026, 11, 20), dt.date(2026, 11, 26)
    app.date_input(key="compare.view.from").set_value(first).run()
    app.date_input(key="compare.view.to").set_value(last).run()
    assert not app.exception, app.exception
    result = app.session_state["compare.result"]
    base = result.runs["today"].between(first, last).kpis
    variant = result.runs["closed"].between(first, last).kpis
    kpis = table(app, "KPI", "today", "closed", "Δ closed")
    keys = headline_keys(base, OVERALL_KEYS)
    assert kpis["today"].tolist() == [format_kpi(key, base.overall[key]) for key in keys]
    assert kpis["closed"].tolist() == [format_kpi(key, variant.overall[key]) for key in keys]
    assert base.overall["orders"] < result.runs["today"].kpis.overall["orders"]
    daily = chart(app, "compare.chart.daily")["data"]
    assert daily[0]["y"] == base.by_day["orders"].astype(float).tolist()


@pytest.mark.usefixtures("studio_env")
def test_a_scenario_files_cutoffs_and_carrier_changes_are_not_dropped(tmp_path, monkeypatch):
    """A scenario file that moves cut-offs and changes carriers (docs/simulations.md,
    "Scenario files") keeps those changes when a scenario starts from it: the form has
    no fields for them, so they are listed under it and replayed as the file says."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "late_stores.toml").write_text(
        'name = "Late stores"\n'
        '[nodes]\ncutoff = { store = "13:00" }\n'
        '[[carriers]]\ncarrier = "chronopost"\nservice = "express"\ndaily_parcels = 2\n'
        '[[carriers]]\nno_delivery_on = "Sat"\n',
        encoding="utf-8",
    )
    wanted = simulations.load_scenario_file(folder / "late_stores.toml").overrides
    monkeypatch.chdir(tmp_path)  # the studio offers the files of ./scenarios
    app = page("compare").run()
    add_scenario(app, "today")
    app.selectbox(key="compare.new.file").set_value("late_stores.toml").run()
    for line in wanted.describe():
        assert line in texts(app)
    app.button(key="compare.new.add").click().run()
    assert not app.exception, app.exception
    kept = app.session_state["compare.scenarios"][1].overrides
    assert (kept.cutoff, kept.carriers) == (wanted.cutoff, wanted.carriers)
    assert "cut-off 13:00 at store" in texts(app)


@pytest.mark.usefixtures("studio_env")
def test_a_scenario_file_keeps_the_ruleset_picked_for_the_scenario():
    """Starting a scenario from a file once put the ruleset picker back on its first
    choice: the file's overrides were then replayed with another ruleset than the one
    picked (the file's own ruleset is not used)."""
    app = page("compare").run()
    picker = app.selectbox(key="compare.new.ruleset")
    other = next(option for option in picker.options if option != picker.value)
    picker.set_value(other).run()
    app.selectbox(key="compare.new.file").set_value("close_paris_flagship.toml").run()
    assert app.selectbox(key="compare.new.ruleset").value == other
    assert app.multiselect(key="compare.new.close").value == ["ST-PARIS-01"]
    app.selectbox(key="compare.new.file").set_value("(none)").run()
    assert app.selectbox(key="compare.new.ruleset").value == other
    assert app.multiselect(key="compare.new.close").value == []
    app.button(key="compare.new.add").click().run()
    assert app.session_state["compare.scenarios"][0].choice.label == other
