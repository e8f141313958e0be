"""A simulation run in the studio with the demo's carriers shows the delivery promise, in
Debian's Chromium: on Simulate, the shipped France ruleset with delivery promises
(rulesets/france_promise.route, a version 1 draft the studio saves on an empty store) is
replayed on the demo data with its carriers and closures; the page shows the promise
cards, each with the figure `simulations` computes on the same tables, the carrier
mix chart with a bar per carrier service the replay used, and the click & collect
cards (the demo has collect orders).

A screenshot is kept after each step in the folder the test prints
(tests/artifacts/promise-simulate/)."""

from __future__ import annotations

import re

import browser
import pytest
import studio_pages
from playwright.sync_api import expect

import engine
import simulations
from simulations.charts import KPI_LABELS
from simulations.promise_kpis import service_names
from simulations.transfer_kpis import TRANSFER_KEYS
from studio.components.promise_figures import PROMISE_CARDS, label
from studio.formats import count
from studio.formats import kpi as format_kpi

demo_folder = studio_pages.demo_folder
SHOTS = browser.ARTIFACTS / "promise-simulate"
RULESET = "france_promise v1 (draft)"
"""The shipped example as the studio saves it in an empty store."""
CHART = ".st-key-simulate-run-chart-carrier_mix"


@pytest.fixture(scope="module")
def expected(demo_folder) -> simulations.Simulation:
    """The replay `simulations` makes of the same ruleset on the same tables."""
    text = (browser.ROOT / "rulesets" / "france_promise.route").read_text("utf-8")
    inputs = simulations.load_inputs(
        *(demo_folder / f"{k}.csv" for k in ("nodes", "inventory", "orders", "replenishments")),
        carriers=demo_folder / "carriers.csv",
        closures=demo_folder / "closures.csv",
        timezone="Europe/Paris",
    )
    return simulations.replay.replay(engine.policy_of(text), inputs)


@pytest.fixture
def server(demo_folder, tmp_path):
    with browser.ops_lead_studio(demo_folder, tmp_path) as url:
        yield url


class Steps(browser.Walk):
    """What the user does, each step checked on the page before the next."""

    def __init__(self, page) -> None:
        super().__init__(page, SHOTS)

    def to_top(self, element) -> None:
        element.evaluate("element => element.scrollIntoView({block: 'start'})")

    def card(self, name: str):
        """The KPI card whose label is exactly `name`."""
        exact = re.compile(f"^{re.escape(name)}$")
        page = self.page
        return page.get_by_test_id("stMetric").filter(
            has=page.get_by_test_id("stMetricLabel").filter(has_text=exact)
        )

    def grid(self, header: str):
        """The data grid with a column called `header` (its cells, for the rows in view,
        are in the canvas's table for assistive technology)."""
        exact = re.compile(f"^{re.escape(header)}$")
        column = self.page.locator("th").filter(has_text=exact)
        return self.page.get_by_test_id("stDataFrame").filter(has=column)

    def simulate(self, orders: int) -> None:
        """Simulate, the ruleset picked, the run started and finished."""
        page = self.page
        page.get_by_role("link", name="Simulate").click()
        expect(page.get_by_role("heading", name="Simulate", exact=True)).to_be_visible()
        self.idle()
        box = page.locator(".st-key-simulate-ruleset").get_by_role("combobox")
        browser.pick(page, box, RULESET)
        expect(box).to_have_value(RULESET)
        self.shot("ruleset-picked")
        page.get_by_role("button", name="Run the simulation").click()
        done = page.get_by_text(f"Done: {count(orders, 'order')} replayed")
        expect(done).to_be_visible(timeout=180_000)
        self.idle()


@pytest.mark.browser
def test_a_simulation_with_the_demo_carriers_shows_the_promise(server, expected, capsys):
    overall, mix = expected.kpis.overall, expected.kpis.carrier_mix
    assert overall["promised_orders"] > 0 and len(mix) > 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    with capsys.disabled():
        print(f"\nscreenshots: {SHOTS}")
    with browser.chromium(server, width=1500, height=2000) as (context, remote):
        steps = Steps(context.new_page())
        page = steps.page
        page.goto(server, timeout=120_000)
        steps.idle()
        steps.simulate(int(overall["orders"]))
        steps.shot("run-done")

        heading = page.get_by_role("heading", name="Delivery promise", exact=True)
        expect(heading).to_be_visible()
        steps.to_top(heading)
        for key in PROMISE_CARDS:
            card = steps.card(label(key))
            expect(card.get_by_test_id("stMetricValue")).to_have_text(format_kpi(key, overall[key]))
        expect(steps.card("On time")).to_have_count(0)  # judged on the promise: above

        chart = page.locator(CHART)
        expect(chart.locator(".main-svg").first).to_be_visible(timeout=60_000)
        expect(chart.locator(".gtitle")).to_have_text("Carrier mix")
        ticks = chart.locator(".xtick text")
        expect(ticks).to_have_text(service_names(mix))
        expect(chart.locator(".point")).to_have_count(len(mix))
        steps.shot("promise-cards-and-carrier-mix")

        services = steps.grid("Carrier service")
        steps.to_top(services)
        expect(services.locator("td[aria-colindex='1']")).to_have_text(service_names(mix))
        carriers = steps.grid("Carrier")
        expect(carriers.locator("td[aria-colindex='1']")).to_have_text(
            [str(carrier) for carrier in expected.kpis.by_carrier["carrier"]]
        )
        steps.shot("carrier-tables")

        heading = page.get_by_role("heading", name="Click & collect", exact=True)
        steps.to_top(heading)
        assert overall["transfers"] > 0
        for key in TRANSFER_KEYS:
            card = steps.card(KPI_LABELS[key][0])
            expect(card.get_by_test_id("stMetricValue")).to_have_text(format_kpi(key, overall[key]))
        steps.shot("click-and-collect-cards")
    assert remote == [], f"the studio asked the network for {remote}"
