"""The Simulate page: a replay with a progress bar, KPI cards (with deltas against the
live version), charts read back as data, the orders behind a figure, the downloads."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections import Counter
from importlib import resources

import numpy as np
import pandas as pd
import pytest
import studio_pages
from studio_pages import chart, map_points, page, studio_app, table, texts

import engine
import simulations
from engine.tables import load_carriers
from rulesets.store import RulesetStore
from simulations.transfer_kpis import TRANSFER_KEYS
from studio import table_edits
from studio.components import run_results
from studio.components.kpi_cards import delta_text
from studio.components.promise_figures import PROMISE_CARDS, headline_keys, label
from studio.formats import kpi as format_kpi

demo_folder = studio_pages.demo_folder
studio_env = studio_pages.studio_env
plain_folder = studio_pages.plain_folder
plain_env = studio_pages.plain_env
FRANCE = (resources.files("rulesets") / "france.route").read_text(encoding="utf-8")
TZ = "Europe/Paris"


def replayed(folder, text: str = FRANCE, carriers=None) -> simulations.Simulation:
    """The same replay done by the simulation package directly, with the folder's
    carriers (or `carriers`) and closures when it has some, as the studio reads them."""
    policy = engine.policy_of(text, filename="ruleset.route")
    found = (folder / "carriers.csv").is_file()
    return simulations.run(
        policy,
        folder / "nodes.csv",
        folder / "inventory.csv",
        folder / "orders.csv",
        folder / "replenishments.csv",
        carriers=carriers if carriers is not None else (folder / "carriers.csv" if found else None),
        closures=folder / "closures.csv" if found else None,
    )


@pytest.fixture(scope="module")
def expected(demo_folder):
    return replayed(demo_folder)


def run_page(app) -> None:
    app.button[0].click().run()
    assert not app.exception, app.exception


def test_a_run_shows_kpi_cards_and_charts_from_the_replay(studio_env, expected):
    orders = pd.read_csv(studio_env / "orders.csv")
    app = page("simulate").run()
    assert app.selectbox(key="simulate.ruleset").value == "Example: france.route"
    run_page(app)

    progress = app.get("progress")[0].proto
    assert progress.value == 100
    assert progress.text.startswith(f"Done: {orders['order_id'].nunique():,} orders replayed")

    headline = headline_keys(expected.kpis)  # on time is among the promise cards
    cards = {metric.label: metric.value for metric in app.metric[: len(headline)]}
    overall = expected.kpis.overall
    labels = {key: simulations.charts.KPI_LABELS[key][0] for key in headline}
    assert cards == {labels[key]: format_kpi(key, overall[key]) for key in headline}
    assert cards["Orders"] == f"{orders['order_id'].nunique():,}"

    daily = chart(app, "simulate.run.chart.daily")
    bars, line = daily["data"]
    assert bars["type"] == "bar" and line["name"] == "split rate"
    assert sum(bars["y"]) == orders["order_id"].nunique()
    assert bars["y"] == expected.kpis.by_day["orders"].astype(float).tolist()
    assert line["y"] == pytest.approx(expected.kpis.by_day["split_rate"].astype(float).tolist())

    by_type = chart(app, "simulate.run.chart.node_types")["data"][0]
    shipped = Counter(expected.tables.shipments["node_type"])
    assert by_type["y"] == [shipped.get(node_type, 0) for node_type in by_type["x"]]
    assert sum(by_type["y"]) == len(expected.tables.shipments)

    distance = chart(app, "simulate.run.chart.distance")
    histogram = distance["data"][0]
    assert histogram["type"] == "histogram"
    assert sorted(histogram["x"]) == pytest.approx(sorted(expected.tables.shipments["distance_km"]))
    marked = [shape["x0"] for shape in distance["layout"]["shapes"]]
    assert marked == pytest.approx([overall["avg_distance_km"], overall["p90_distance_km"]])

    heat = chart(app, "simulate.run.chart.utilisation")["data"][0]
    cells = expected.kpis.node_utilisation.dropna(subset=["utilisation"])
    assert heat["type"] == "heatmap"
    assert sorted(heat["y"]) == sorted(cells["node_id"].unique())
    grid = cells.pivot(index="node_id", columns="day", values="utilisation").sort_index()
    assert heat["y"] == grid.index.tolist()
    np.testing.assert_allclose(np.array(heat["z"]), grid.to_numpy(dtype=float), equal_nan=True)
    assert np.nanmax(heat["z"]) > 0

    node_map = chart(app, "simulate.run.chart.map")
    assert {t["name"] for t in map_points(node_map)} == set(expected.inputs.nodes["type"])


@pytest.mark.usefixtures("studio_env")
def test_drilling_from_a_kpi_lists_the_orders_behind_it(expected):
    app = page("simulate").run()
    run_page(app)
    split = expected.tables.orders
    split = split[split["routed"] & (split["n_shipments"] >= 2)]
    assert f"**{len(split):,} orders** behind *Split orders*" in texts(app)
    listed = table(app, "order_id", "n_shipments", "decision_seq")
    assert listed["order_id"].tolist() == split["order_id"].tolist()

    app.selectbox(key="simulate.run.kpi").set_value("on_time_rate")
    app.selectbox(key="simulate.run.channel").set_value("web").run()
    late = simulations.orders_behind(expected.tables, "on_time_rate", channel="web")
    assert len(late) and not late["on_time"].astype(bool).any()  # judged on the promise
    assert set(late["channel"]) == {"web"}
    assert f"**{len(late):,} orders** behind *On time (promise)* (the late orders)" in texts(app)
    assert table(app, "order_id", "eta_days")["order_id"].tolist() == late["order_id"].tolist()

    first = late["order_id"].iloc[0]
    assert app.selectbox(key="simulate.run.order").value == first
    app.button(key="simulate.run.explain").click().run()
    assert not app.exception
    explained = app.session_state["simulate.result"].explained[first]
    assert explained == simulations.explain_orders(expected.policy, expected.inputs, [first])[first]
    chosen = [e.node_id for e in explained if e.outcome == "chosen" and e.kind != "transfer"]
    shipments = expected.tables.shipments
    assert chosen == shipments.loc[shipments["order_id"] == first, "node_id"].tolist()
    assert all(f"**{node_id}**" in texts(app) for node_id in chosen)


def test_deltas_are_against_the_live_version(studio_env, expected, monkeypatch):
    monkeypatch.setenv("SOURCING_ALLOW_SELF_REVIEW", "1")
    changed = FRANCE.replace(
        "  split at most 2\n  otherwise use dc_backstop",
        "  split none\n  otherwise use dc_backstop",
    )
    assert changed != FRANCE
    with RulesetStore.open() as store:
        store.save("france", FRANCE, author="ops.lead")
        store.submit("france", 1, by="ops.lead")
        store.publish("france", 1, reviewer="ops.lead")
        store.save("france", changed, author="ops.lead", based_on=1)

    app = page("simulate").run()
    app.selectbox(key="simulate.ruleset").set_value("france v2 (draft)").run()
    assert app.checkbox(key="simulate.against_live").value
    run_page(app)
    variant = replayed(studio_env, changed)
    assert "Changes against **france v1 (live)**" in texts(app)
    keys = {simulations.charts.KPI_LABELS[k][0]: k for k in headline_keys(expected.kpis)}
    keys.update({label(k): k for k in PROMISE_CARDS})
    keys.update({simulations.charts.KPI_LABELS[k][0]: k for k in TRANSFER_KEYS})
    assert [metric.label for metric in app.metric] == list(keys)
    for metric in app.metric:
        key = keys[metric.label]
        a, b = expected.kpis.overall[key], variant.kpis.overall[key]
        assert metric.value == format_kpi(key, b)
        assert metric.proto.delta == (delta_text(key, b - a) or "")
    split = next(m for m in app.metric if m.label == "Split orders")
    assert variant.kpis.overall["split_rate"] < expected.kpis.overall["split_rate"]
    assert split.proto.delta.startswith("-")


@pytest.mark.usefixtures("studio_env")
def test_overrides_change_what_is_replayed(expected):
    busiest = expected.tables.shipments["node_id"].value_counts().index[0]
    app = page("simulate").run()
    app.multiselect(key="simulate.scenario.close").set_value([busiest]).run()
    run_page(app)
    run = app.session_state["simulate.result"]
    assert busiest not in set(run.simulation.tables.shipments["node_id"])
    assert f"node {busiest} closed" in texts(app)
    node_map = chart(app, "simulate.run.chart.map")
    drawn = [text for trace in map_points(node_map) for text in trace["text"]]
    assert not any(text.startswith(f"{busiest} ") for text in drawn)


@pytest.mark.usefixtures("studio_env")
def test_downloads_and_results_that_outlive_a_visit_elsewhere(expected):
    app = page("simulate").run()
    run_page(app)
    app.switch_page(str(studio_pages.PAGES / "network.py")).run()
    app.switch_page(str(studio_pages.PAGES / "simulate.py")).run()
    assert not app.exception
    assert any(metric.label == "Fill rate" for metric in app.metric)
    run = app.session_state["simulate.result"]

    with zipfile.ZipFile(io.BytesIO(run_results.decisions_zip(run.simulation))) as archive:
        assert set(archive.namelist()) == {
            "decisions.csv",
            "shipments.csv",
            "allocations.csv",
            "kpis.json",
            "rejects.csv",
        }
        decisions = pd.read_csv(archive.open("decisions.csv"))
        shipments = pd.read_csv(archive.open("shipments.csv"))
    assert decisions["order_id"].tolist() == expected.tables.orders["order_id"].tolist()
    assert len(shipments) == len(expected.tables.shipments)

    report = run_results.report_html(run.simulation, run.label).decode("utf-8")
    assert report.startswith("<!DOCTYPE html>")
    assert "Simulation: Example: france.route" in report
    assert "https://" not in report.split("<script", 1)[0]
    assert 'id="chart-daily"' in report


@pytest.mark.usefixtures("studio_env")
def test_the_app_simulates_the_draft_open_on_the_rules_page(expected):
    app = studio_app().run()  # the Rules page opens the demo ruleset, seeded into the store
    assert not app.exception
    app.switch_page("views/simulate.py").run()
    assert app.selectbox(key="simulate.ruleset").value == "Current draft (france v1, as edited)"
    run_page(app)
    cards = {metric.label: metric.value for metric in app.metric}
    overall = expected.kpis.overall
    assert cards["Fill rate"] == format_kpi("fill_rate", overall["fill_rate"])
    assert cards["Split orders"] == format_kpi("split_rate", overall["split_rate"])
    assert all(not metric.proto.delta for metric in app.metric)  # nothing is live yet


@pytest.mark.usefixtures("studio_env")
def test_a_result_survives_a_reload(expected):
    app = page("simulate").run()
    run_page(app)
    shown = {metric.label: metric.value for metric in app.metric}
    assert shown["Fill rate"] == format_kpi("fill_rate", expected.kpis.overall["fill_rate"])
    reloaded = page("simulate").run()  # a new session: a reload, or another browser
    assert not reloaded.exception
    assert {metric.label: metric.value for metric in reloaded.metric} == shown
    assert "The result of an earlier run of this ruleset on the same data" in texts(reloaded)
    # other overrides are another question: no earlier result is shown for them
    reloaded.number_input(key="simulate.scenario.demand").set_value(50).run()
    assert "earlier run" not in texts(reloaded)


@pytest.mark.usefixtures("studio_env")
def test_figures_for_a_period_of_the_run(expected):
    """The period filter narrows every card and chart to the orders of those days, as
    `Simulation.between` computes them; the peak season of the ruleset is offered."""
    app = page("simulate").run()
    run_page(app)
    period = app.selectbox(key="simulate.run.period")
    days = expected.kpis.by_day["day"]
    assert period.options[0] == f"whole run: {days.iloc[0]:%d/%m/%Y} – {days.iloc[-1]:%d/%m/%Y}"
    assert any(option.startswith("peak: 15/11/2026 – ") for option in period.options)

    period.set_value("chosen").run()
    first, last = dt.date(2026, 11, 20), dt.date(2026, 11, 26)
    app.date_input(key="simulate.run.from").set_value(first).run()
    app.date_input(key="simulate.run.to").set_value(last).run()
    assert not app.exception, app.exception
    seen = expected.between(first, last)
    cards = {metric.label: metric.value for metric in app.metric}
    labels = simulations.charts.KPI_LABELS
    for key in headline_keys(seen.kpis):
        assert cards[labels[key][0]] == format_kpi(key, seen.kpis.overall[key]), key
    assert seen.kpis.overall["orders"] < expected.kpis.overall["orders"]
    daily = chart(app, "simulate.run.chart.daily")
    assert daily["data"][0]["y"] == seen.kpis.by_day["orders"].astype(float).tolist()
    assert "Figures for the" in texts(app)


def test_the_replay_routes_with_the_carriers_and_closures_as_edited(studio_env):
    """The run routes with the session's carriers and closures: every shipment of the
    demo gets its carrier service and promised date as `simulations` gives them, and a
    service edited on the Carriers page is the one the next run routes with."""
    app = studio_app().run()
    app.switch_page("views/simulate.py").run()
    assert app.selectbox(key="simulate.ruleset").value == "Current draft (france v1, as edited)"
    run_page(app)
    shown = app.session_state["simulate.result"].simulation.tables.shipments
    files = replayed(studio_env).tables.shipments
    assert shown["carrier"].notna().all()
    pd.testing.assert_frame_equal(shown, files)

    app.switch_page("views/carriers.py").run()
    services = load_carriers(studio_env / "carriers.csv").frame
    standard = int(services.index[services["carrier"] == "colissimo"][0])
    app.session_state["carriers.services.editor.0"] = {
        "edited_rows": {standard: {"transit_days": 4}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    assert "Applied" in texts(app)
    app.switch_page("views/simulate.py").run()
    run_page(app)
    edited = table_edits.cells(services)
    edited.loc[standard, "transit_days"] = 4
    again = app.session_state["simulate.result"].simulation
    expected = replayed(studio_env, carriers=edited)
    pd.testing.assert_frame_equal(again.tables.shipments, expected.tables.shipments)
    by_colissimo = again.tables.shipments[again.tables.shipments["carrier"] == "colissimo"]
    assert len(by_colissimo) and set(by_colissimo["promised_date"]) != set(
        files.loc[files["carrier"] == "colissimo", "promised_date"]
    )


@pytest.mark.usefixtures("plain_env")
def test_without_carriers_the_page_says_nothing_of_them():
    app = page("simulate").run()
    assert not app.exception
    assert "carriers" not in texts(app)
