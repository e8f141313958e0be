"""The delivery promise on Simulate, Compare with live and Compare, headless, on the demo
data with its carriers and closures: the promise cards (with their change against the
other side), the carrier mix chart and tables, and in comparisons the orders that lost
their next-day promise grouped by cause — each checked against what `simulations`
computes on the same tables, for the whole run and for a period. Without carriers the
pages show none of it, as before carriers existed."""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from pathlib import Path

import pytest
import studio_pages
from studio_pages import chart, page, table, texts
from test_studio_rules import run, studio, type_text

import dsl
import engine
import simulations
from rulesets.store import RulesetStore
from simulations import Overrides, Scenario, load_scenario_file
from simulations.charts import KPI_LABELS
from simulations.kpis import BACKORDER_KEYS, HEADLINE_KEYS, OVERALL_KEYS
from simulations.promise_causes import next_day_causes
from simulations.promise_kpis import service_names
from simulations.transfer_kpis import TRANSFER_KEYS
from studio.components import lost_promises
from studio.components.change_summary import comparison_report
from studio.components.kpi_cards import delta_text
from studio.components.live_compare import DRAFT_NAME
from studio.components.promise_figures import PROMISE_CARDS, label
from studio.formats import count
from studio.formats import kpi as format_kpi

demo_folder = studio_pages.demo_folder
studio_env = studio_pages.studio_env
plain_folder = studio_pages.plain_folder
plain_env = studio_pages.plain_env
TZ = "Europe/Paris"
PROMISE = dsl.format_ruleset(
    dsl.parse((resources.files("rulesets") / "france_promise.route").read_text("utf-8"))
)
"""The shipped France ruleset with delivery promises (express next day or best effort)."""
BEST_EFFORT = "  carrier by eta, cost\n  rank by eta, distance\n  split at most 2\n"
CHEAPER = PROMISE.replace(
    'ship with carrier.service in ["express", "same_day"]',
    'ship with carrier.service == "same_day"',
).replace(BEST_EFFORT, BEST_EFFORT.replace("carrier by eta, cost", "carrier by cost"))
"""Express next day by courier only, and the best effort by the cheapest service: orders
chronopost express promised next day go by colissimo standard."""
CAPPED = Path(__file__).resolve().parents[1] / "scenarios" / "express_capped_no_saturday.toml"
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def inputs_of(folder) -> simulations.Inputs:
    """The folder's tables as the studio reads them, carriers and closures included."""
    return simulations.load_inputs(
        *(folder / f"{kind}.csv" for kind in ("nodes", "inventory", "orders", "replenishments")),
        carriers=folder / "carriers.csv",
        closures=folder / "closures.csv",
        timezone=TZ,
    )


@pytest.fixture(scope="module")
def promised(demo_folder) -> simulations.Simulation:
    """france_promise.route replayed by `simulations` on the demo's tables."""
    return simulations.replay.replay(engine.policy_of(PROMISE), inputs_of(demo_folder))


def cards(app) -> dict:
    return {metric.label: metric for metric in app.metric}


def shown_figures(app, keys) -> dict[str, str]:
    """The value on the card of each key (found by its label)."""
    found = cards(app)
    return {key: found[label(key)].value for key in keys}


def carrier_rows(kpis) -> list[dict]:
    """The carrier mix as the table should show it, from `simulations`' figures."""
    mix = kpis.carrier_mix
    return [
        {
            "Carrier service": name,
            "Shipments": format_kpi("shipments", row["shipments"]),
            "Share of shipments": format_kpi("share_of_shipments", row["share_of_shipments"]),
            "Cost": format_kpi("cost", row["cost"]),
            "Cost per shipment": format_kpi("cost_per_shipment", row["cost_per_shipment"]),
        }
        for name, row in zip(service_names(mix), mix.to_dict("records"), strict=True)
    ]


def cost_per_carrier(kpis) -> list[dict]:
    return [
        {
            "Carrier": row["carrier"],
            "Shipments": format_kpi("shipments", row["shipments"]),
            "Cost": format_kpi("cost", row["cost"]),
            "Cost per shipment": format_kpi("cost_per_shipment", row["cost_per_shipment"]),
        }
        for row in kpis.by_carrier.to_dict("records")
    ]


def columns(frame, *names) -> list[dict]:
    return frame[list(names)].to_dict("records")


# ------------------------------------------------------------------------- Simulate


@pytest.mark.usefixtures("studio_env")
def test_a_run_shows_the_promise_cards_and_the_carrier_mix(promised):
    app = page("simulate").run()
    app.selectbox(key="simulate.ruleset").set_value("Example: france_promise.route").run()
    app.button[0].click().run()
    assert not app.exception, app.exception
    overall = promised.kpis.overall
    assert overall["promised_orders"] > 0 and overall["next_day_rate"] > 0
    assert "Delivery promise" in [header.value for header in app.subheader]

    assert shown_figures(app, PROMISE_CARDS) == {
        key: format_kpi(key, overall[key]) for key in PROMISE_CARDS
    }
    headline = [key for key in HEADLINE_KEYS if key != "on_time_rate"]
    assert [m.label for m in app.metric] == [KPI_LABELS[k][0] for k in headline] + [
        label(key) for key in PROMISE_CARDS
    ] + [
        KPI_LABELS[k][0] for k in TRANSFER_KEYS
    ]  # on time is judged on the promise: it is among the promise cards
    assert label("on_time_rate") == "On time (promise)"
    assert all(not m.proto.delta for m in app.metric)  # an example has no live version

    figure = chart(app, "simulate.run.chart.carrier_mix")
    (bars,) = figure["data"]
    mix = promised.kpis.carrier_mix
    assert bars["x"] == service_names(mix)
    assert bars["y"] == mix["shipments"].astype(float).tolist()
    assert sum(bars["y"]) == len(promised.tables.shipments)

    services = table(app, "Carrier service", "Shipments", "Taken for a full service")
    assert "Scenario" not in services.columns  # one run: no scenario, no change
    assert columns(
        services, "Carrier service", "Shipments", "Share of shipments", "Cost", "Cost per shipment"
    ) == carrier_rows(promised.kpis)
    assert services["Average promised days"].tolist() == [
        format_kpi("avg_promised_days", v) for v in mix["avg_promised_days"]
    ]
    carriers = table(app, "Carrier", "Cost per shipment")
    assert columns(
        carriers, "Carrier", "Shipments", "Cost", "Cost per shipment"
    ) == cost_per_carrier(promised.kpis)


@pytest.mark.usefixtures("studio_env")
def test_promise_figures_for_a_period_and_the_orders_behind_them(promised):
    app = page("simulate").run()
    app.selectbox(key="simulate.ruleset").set_value("Example: france_promise.route").run()
    app.button[0].click().run()
    app.selectbox(key="simulate.run.period").set_value("chosen").run()
    first, last = dt.date(2026, 11, 23), dt.date(2026, 12, 6)
    app.date_input(key="simulate.run.from").set_value(first).run()
    app.date_input(key="simulate.run.to").set_value(last).run()
    assert not app.exception, app.exception
    seen = promised.between(first, last)
    assert seen.kpis.overall["promised_orders"] < promised.kpis.overall["promised_orders"]
    assert shown_figures(app, PROMISE_CARDS) == {
        key: format_kpi(key, seen.kpis.overall[key]) for key in PROMISE_CARDS
    }
    bars = chart(app, "simulate.run.chart.carrier_mix")["data"][0]
    assert bars["y"] == seen.kpis.carrier_mix["shipments"].astype(float).tolist()
    assert columns(
        table(app, "Carrier", "Cost per shipment"),
        "Carrier",
        "Shipments",
        "Cost",
        "Cost per shipment",
    ) == cost_per_carrier(seen.kpis)

    app.selectbox(key="simulate.run.kpi").set_value("next_day_rate").run()
    behind = simulations.orders_behind(seen.tables, "next_day_rate")
    assert len(behind) and (behind["days_promised"] <= 1).all()
    assert f"**{count(len(behind), 'order')}** behind *Promised next day*" in texts(app)
    listed = table(app, "order_id", "days_promised")
    assert listed["order_id"].tolist() == behind["order_id"].tolist()


def test_promise_cards_against_the_live_version(studio_env, promised, monkeypatch):
    monkeypatch.setenv("SOURCING_ALLOW_SELF_REVIEW", "1")
    with RulesetStore.open() as store:
        store.save("france", PROMISE, author="ops.lead")
        store.submit("france", 1, by="ops.lead")
        store.publish("france", 1, reviewer="ops.lead")
        store.save("france", CHEAPER, author="ops.lead", based_on=1)
    app = page("simulate").run()
    app.selectbox(key="simulate.ruleset").set_value("france v2 (draft)").run()
    app.button[0].click().run()
    assert not app.exception, app.exception
    variant = simulations.replay.replay(engine.policy_of(CHEAPER), inputs_of(studio_env))
    base, now = promised.kpis.overall, variant.kpis.overall
    assert now["next_day_rate"] < base["next_day_rate"]
    found = cards(app)
    for key in PROMISE_CARDS:
        card = found[label(key)]
        assert card.value == format_kpi(key, now[key]), key
        assert card.proto.delta == (delta_text(key, now[key] - base[key]) or ""), key
    assert found["Promised next day"].proto.delta.startswith("-")

    figure = chart(app, "simulate.run.chart.carrier_mix")
    assert [trace["name"] for trace in figure["data"]] == ["france v1 (live)", "france v2 (draft)"]
    for trace, run_ in zip(figure["data"], (promised, variant), strict=True):
        assert trace["y"] == run_.kpis.carrier_mix["shipments"].astype(float).tolist()

    carriers = table(app, "Scenario", "Carrier", "Δ cost per shipment")
    for name, kpis in (("france v1 (live)", promised.kpis), ("france v2 (draft)", variant.kpis)):
        mine = carriers[carriers["Scenario"] == name]
        assert columns(mine, "Carrier", "Shipments", "Cost", "Cost per shipment") == (
            cost_per_carrier(kpis)
        )
    colissimo = [
        kpis.by_carrier.set_index("carrier").loc["colissimo"]
        for kpis in (promised.kpis, variant.kpis)
    ]
    row = carriers[
        (carriers["Scenario"] == "france v2 (draft)") & (carriers["Carrier"] == "colissimo")
    ]
    assert row["Δ shipments"].item() == delta_text(
        "shipments", colissimo[1]["shipments"] - colissimo[0]["shipments"]
    )
    assert row["Δ cost"].item() == delta_text("cost", colissimo[1]["cost"] - colissimo[0]["cost"])


# ---------------------------------------------------------------- Compare with live


@pytest.fixture
def live_promise(studio_env):  # noqa: ARG001 - studio_env names the store's database
    """france_promise.route live as "france", the ruleset the Rules page opens."""
    with RulesetStore.open() as store:
        store.save("france", PROMISE, author="shipped-examples")
        store.submit("france", 1, by="shipped-examples")
        store.publish("france", 1, reviewer="head.of.ops")


@pytest.mark.usefixtures("live_promise")
def test_compare_with_live_shows_the_promise_and_the_lost_next_day_promises(studio_env):
    app = studio()
    type_text(app, CHEAPER)
    app.button(key="rules.live_compare.run").click()
    run(app)
    expected = simulations.compare(
        Scenario(name="live v1", ruleset=dsl.parse(PROMISE)),
        Scenario(name=DRAFT_NAME, ruleset=dsl.parse(CHEAPER)),
        inputs_of(studio_env),
    )
    base, draft = expected.base.kpis.overall, expected.variant.kpis.overall
    found = cards(app)
    for key in PROMISE_CARDS:
        assert found[label(key)].value == format_kpi(key, draft[key]), key
        assert found[label(key)].proto.delta == (delta_text(key, draft[key] - base[key]) or "")
    bars = chart(app, "rules.live_compare.chart.carrier_mix")["data"]
    assert [trace["name"] for trace in bars] == ["live v1", DRAFT_NAME]

    lost, groups = expected.lost_next_day, expected.next_day_causes
    assert len(lost) > 0 and set(lost["kind"]) == {"other service"}
    said = f"{count(len(lost), 'order')} promised next day by live v1 (delivered at most 1 day"
    assert said in texts(app)
    causes = table(app, "What happened", "Cause", "Orders", "Example orders")
    assert causes["Cause"].tolist() == groups["cause"].tolist()  # no date in these causes
    assert causes["Orders"].tolist() == [count(n) for n in groups["orders"]]
    assert causes["Example orders"].tolist() == groups["examples"].tolist()
    assert set(causes["What happened"]) == {"Another carrier service"}
    first = groups.iloc[0]
    assert f"- **{count(first['orders'])} orders**: {first['cause']}" in texts(app)
    orders = table(app, "Order", "Promised in live v1", f"Promised in {DRAFT_NAME}")
    assert orders["Order"].tolist() == lost["order_id"].tolist()
    assert orders["Promised in live v1"].tolist() == [
        f"{d:%d/%m/%Y}" for d in lost["base_promised_date"]
    ]

    # days picked: the cards and the lost promises of the orders placed on those days
    period = "rules.live_compare.view"
    app.selectbox(key=f"{period}.period").set_value("chosen")
    run(app)
    first, last = dt.date(2026, 11, 23), dt.date(2026, 11, 30)
    app.date_input(key=f"{period}.from").set_value(first)
    app.date_input(key=f"{period}.to").set_value(last)
    run(app)
    seen = expected.variant.between(first, last).kpis.overall
    next_day = cards(app)[label("next_day_rate")]
    assert next_day.value == format_kpi("next_day_rate", seen["next_day_rate"])
    inside = lost[(lost["day"] >= first) & (lost["day"] <= last)]
    assert 0 < len(inside) < len(lost)
    assert f"{count(len(inside), 'order')} promised next day by live v1" in texts(app)
    narrowed = table(app, "What happened", "Cause", "Orders")
    assert narrowed["Orders"].tolist() == [count(n) for n in next_day_causes(inside)["orders"]]


# ------------------------------------------------------------------------- Compare


def add_scenario(app, name: str, file: str | None = None) -> None:
    if file is not None:
        app.selectbox(key="compare.new.file").set_value(file).run()
    app.text_input(key="compare.new.name").set_value(name)
    app.button(key="compare.new.add").click().run()
    assert not app.exception, app.exception


@pytest.mark.usefixtures("studio_env")
def test_compare_shows_the_promise_side_by_side_and_why_next_day_was_lost(demo_folder):
    app = page("compare").run()
    app.selectbox(key="compare.new.ruleset").set_value("Example: france_promise.route").run()
    add_scenario(app, "today")
    app.selectbox(key="compare.new.ruleset").set_value("Example: france_promise.route").run()
    add_scenario(app, "capped", file="express_capped_no_saturday.toml")
    file = load_scenario_file(CAPPED)
    listed = "; ".join(file.overrides.describe())
    assert f"**capped** (variant) — Example: france_promise.route · {listed}" in texts(app)
    next(b for b in app.button if b.label == "Compare").click().run()
    assert not app.exception, app.exception
    expected = simulations.compare(
        Scenario(name="today", ruleset=dsl.parse(PROMISE)),
        Scenario(name="capped", ruleset=dsl.parse(PROMISE), overrides=file.overrides),
        inputs_of(demo_folder),
    )
    base, variant = expected.base.kpis.overall, expected.variant.kpis.overall
    key_figures = table(app, "KPI", "today", "capped", "Δ capped")
    general = [key for key in OVERALL_KEYS if key != "on_time_rate"]
    assert key_figures["KPI"].tolist() == [KPI_LABELS[key][0] for key in general]
    promise = next(
        element.value
        for element in app.dataframe
        if "KPI" in element.value.columns and element.value["KPI"].iloc[0] == "Orders promised"
    )
    assert promise["KPI"].tolist() == [label(key) for key in PROMISE_CARDS]
    assert promise["today"].tolist() == [format_kpi(k, base[k]) for k in PROMISE_CARDS]
    assert promise["capped"].tolist() == [format_kpi(k, variant[k]) for k in PROMISE_CARDS]
    assert promise["Δ capped"].tolist() == [
        delta_text(k, variant[k] - base[k]) or "–" for k in PROMISE_CARDS
    ]
    bars = chart(app, "compare.chart.carrier_mix.capped")["data"]
    assert [trace["name"] for trace in bars] == ["today", "capped"]
    report = comparison_report(app.session_state["compare.result"].comparisons[0]).decode()
    assert f"Why {len(expected.lost_next_day):,} orders lost their next-day promise" in report

    lost, groups = expected.lost_next_day, expected.next_day_causes
    assert len(lost) > 0 and "delivery day" in set(lost["kind"])
    causes = table(app, "What happened", "Cause", "Orders", "Example orders")
    assert causes["Orders"].tolist() == [count(n) for n in groups["orders"]]
    assert causes["Example orders"].tolist() == groups["examples"].tolist()
    words = dict(zip(groups["kind"], causes["What happened"], strict=True))
    assert words.get("delivery day") == "No delivery on that day"
    for shown, cause in zip(causes["Cause"], groups["cause"], strict=True):
        for day in ISO_DAY.findall(cause):  # dates day first, as every page writes them
            cause = cause.replace(day, dt.date.fromisoformat(day).strftime("%d/%m/%Y"))
        assert shown == cause

    app.selectbox(key="compare.view.period").set_value("chosen").run()
    first, last = dt.date(2026, 11, 23), dt.date(2026, 11, 30)
    app.date_input(key="compare.view.from").set_value(first).run()
    app.date_input(key="compare.view.to").set_value(last).run()
    assert not app.exception, app.exception
    inside = lost[(lost["day"] >= first) & (lost["day"] <= last)]
    assert 0 < len(inside) < len(lost)
    assert f"{count(len(inside), 'order')} promised next day by today" in texts(app)
    narrowed = expected.variant.between(first, last).kpis.overall
    promise = next(
        element.value
        for element in app.dataframe
        if "KPI" in element.value.columns and element.value["KPI"].iloc[0] == "Orders promised"
    )
    assert promise["capped"].tolist() == [format_kpi(k, narrowed[k]) for k in PROMISE_CARDS]


# ----------------------------------------------------------------- without carriers


@pytest.mark.usefixtures("plain_env")
def test_without_carriers_the_pages_show_no_promise(plain_folder):
    app = page("simulate").run()
    app.button[0].click().run()
    assert not app.exception, app.exception
    assert [m.label for m in app.metric] == [
        KPI_LABELS[k][0]
        for k in HEADLINE_KEYS + TRANSFER_KEYS  # demo data collects
    ]
    assert "Delivery promise" not in [header.value for header in app.subheader]
    assert not any("carrier_mix" in element.proto.id for element in app.get("plotly_chart"))
    assert app.selectbox(key="simulate.run.kpi").options == [
        KPI_LABELS[key][0]
        for key in OVERALL_KEYS + TRANSFER_KEYS + BACKORDER_KEYS  # the ruleset backorders
    ]

    compare = page("compare").run()
    add_scenario(compare, "today")
    compare.number_input(key="compare.new.demand").set_value(120)
    add_scenario(compare, "more")
    next(b for b in compare.button if b.label == "Compare").click().run()
    assert not compare.exception, compare.exception
    key_figures = table(compare, "KPI", "today", "more")
    assert key_figures["KPI"].tolist() == [KPI_LABELS[key][0] for key in OVERALL_KEYS]
    assert "Delivery promise" not in [header.value for header in compare.subheader]
    assert "next-day promise" not in texts(compare)
    assert Overrides() == compare.session_state["compare.scenarios"][0].overrides
    assert not (plain_folder / "carriers.csv").exists()


def test_without_carriers_compare_with_live_shows_no_promise(plain_env):
    france = dsl.format_ruleset(
        dsl.parse((resources.files("rulesets") / "france.route").read_text("utf-8"))
    )
    with RulesetStore.open() as store:
        store.save("france", france, author="shipped-examples")
        store.submit("france", 1, by="shipped-examples")
        store.publish("france", 1, reviewer="head.of.ops")
    app = studio()
    type_text(app, france.replace("split at most 2", "split none", 1))
    app.button(key="rules.live_compare.run").click()
    run(app)
    labels = [m.label for m in app.metric]
    cards = HEADLINE_KEYS + TRANSFER_KEYS  # the demo data has collect orders
    assert labels[: len(cards)] == [KPI_LABELS[k][0] for k in cards]
    assert labels[len(cards)] == "Orders changed"  # then the changed orders
    assert "Delivery promise" not in [header.value for header in app.subheader]
    assert "next-day promise" not in texts(app)
    assert not (plain_env / "carriers.csv").exists()


def test_a_lost_promises_cause_writes_its_dates_day_first():
    """The causes of simulations write ISO dates; the studio writes days day first."""
    cause = "chronopost express full at DC-PARIS on 2026-12-09"
    assert lost_promises.words(cause) == "chronopost express full at DC-PARIS on 09/12/2026"
    assert lost_promises.words("no Saturday delivery by stuart same_day") == (
        "no Saturday delivery by stuart same_day"
    )
