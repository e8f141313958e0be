"""The gap to the best possible on Simulate, in Debian's Chromium: the shipped France
ruleset (a version 1 draft the studio saves on an empty store) is replayed on the demo
data with the bound ticked; the page shows the bound's cards with the figures
`simulations.bound` computes on the same tables, and the per-day gap chart with one bar
per day of orders.

A screenshot is kept after each step in the folder the test prints
(tests/artifacts/bound/)."""

from __future__ import annotations

import browser
import pytest
import studio_pages
from playwright.sync_api import expect
from test_studio_promise_kpis_browser import Steps as PromiseSteps

import engine
import simulations
from simulations.bound import compute_bound
from simulations.charts import KPI_LABELS
from studio.formats import count
from studio.formats import kpi as format_kpi

demo_folder = studio_pages.demo_folder
SHOTS = browser.ARTIFACTS / "bound"
RULESET = "france v1 (draft)"
CHART = ".st-key-simulate-run-chart-bound"


@pytest.fixture(scope="module")
def expected(demo_folder):
    """The replay and bound `simulations` makes of the same ruleset on the same tables."""
    text = (browser.ROOT / "rulesets" / "france.route").read_text("utf-8")
    inputs = simulations.load_inputs(
        *(demo_folder / f"{k}.csv" for k in ("nodes", "inventory", "orders", "replenishments")),
        carriers=demo_folder / "carriers.csv",
        closures=demo_folder / "closures.csv",
        timezone="Europe/Paris",
    )
    simulation = simulations.replay.replay(engine.policy_of(text), inputs)
    return simulation, compute_bound(simulation)


@pytest.fixture
def server(demo_folder, tmp_path):
    with browser.ops_lead_studio(demo_folder, tmp_path) as url:
        yield url


class Steps(PromiseSteps):
    def __init__(self, page) -> None:
        browser.Walk.__init__(self, page, SHOTS)


@pytest.mark.browser
def test_simulate_shows_the_per_day_gap_to_the_bound(server, expected, capsys):
    simulation, bound = expected
    assert bound.overall["cost_gap_pct"] > 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    with capsys.disabled():
        print(f"\nscreenshots: {SHOTS}")
    with browser.chromium(server, width=1500, height=2200) as (context, remote):
        steps = Steps(context.new_page())
        page = steps.page
        page.goto(server, timeout=120_000)
        steps.idle()
        page.get_by_role("link", name="Simulate").click()
        expect(page.get_by_role("heading", name="Simulate", exact=True)).to_be_visible()
        steps.idle()
        box = page.locator(".st-key-simulate-ruleset").get_by_role("combobox")
        browser.pick(page, box, RULESET)
        expect(box).to_have_value(RULESET)
        tick = page.get_by_text("Gap to the best possible (optimisation bound)")
        tick.click()
        steps.idle()
        expect(page.locator(".st-key-simulate-bound input")).to_be_checked()
        steps.shot("bound-asked")
        page.get_by_role("button", name="Run the simulation").click()
        done = page.get_by_text(f"Done: {count(len(simulation.decisions), 'order')} replayed")
        expect(done).to_be_visible(timeout=180_000)
        steps.idle()

        heading = page.get_by_role("heading", name="Gap to the best possible", exact=True)
        expect(heading).to_be_visible()
        steps.to_top(heading)
        for key in ("cost_gap_pct", "fill_gap_pts", "ruleset_value", "bound_value"):
            card = steps.card(KPI_LABELS[key][0])
            value = format_kpi(key, bound.overall[key])
            expect(card.get_by_test_id("stMetricValue")).to_have_text(value)
        chart = page.locator(CHART)
        expect(chart.locator(".main-svg").first).to_be_visible(timeout=60_000)
        expect(chart.locator(".gtitle")).to_have_text("Gap to the best possible, per day")
        expect(chart.locator(".barlayer .point")).to_have_count(len(bound.by_day))
        steps.shot("gap-chart")
        first = bound.examples["text"].iloc[0]
        expect(page.get_by_text(first)).to_be_visible()
        steps.shot("examples")
    assert remote == [], f"the studio asked the network for {remote}"
