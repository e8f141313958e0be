"""Returns in the studio, in Debian's Chromium, on the demo data at its default size
(20,000 orders of 2026 and their returns): a returns centre is added to a draft of
france.route through the form alone (no rule text typed); Simulate then routes the
returns, and the page shows the returns cards, each with the figure `simulations`
computes on the same tables, the dispositions chart and the map of return flows; Try
one return shows where one return of the table goes, and why.

A screenshot is kept after each step in the folder the test prints
(tests/artifacts/returns/); the seconds from the click on Run to the Returns cards are
printed (docs/studio.md, "Returns")."""

from __future__ import annotations

import re
import time

import browser
import pytest
from playwright.sync_api import expect
from test_studio_returns import order_days

import engine
import simulations
from simulations.charts import KPI_LABELS
from simulations.return_charts import DISPOSITION_KEYS
from simulations.return_kpis import RETURN_KEYS
from studio.formats import count
from studio.formats import kpi as format_kpi

full_demo = browser.full_demo
SHOTS = browser.ARTIFACTS / "returns"
FRANCE = (browser.ROOT / "rulesets" / "france.route").read_text("utf-8")
CENTRE = """\
return strategy returns_centre "Returns centre"
  send to node.tags has "returns"
  rank by distance
  disposition by return.condition: new -> restock, opened -> refurbish, damaged -> liquidate
  restock after 5 days
"""
EDITED = FRANCE + "\n" + CENTRE
RUN_SECONDS = 240
"""The longest a run of the year with its returns may take on a busy machine."""


@pytest.fixture(scope="module")
def expected(full_demo) -> simulations.Simulation:
    """The replay `simulations` makes of the edited ruleset on the same tables."""
    first, last = order_days(full_demo)  # the page replays the whole history's days
    return simulations.run(
        engine.policy_of(EDITED),
        *(full_demo / f"{k}.csv" for k in ("nodes", "inventory", "orders", "replenishments")),
        carriers=full_demo / "carriers.csv",
        closures=full_demo / "closures.csv",
        returns=full_demo / "returns.csv",
        first_day=first,
        last_day=last,
    )


@pytest.fixture
def server(full_demo, tmp_path):
    with browser.ops_lead_studio(full_demo, tmp_path) as url:
        yield url


class Steps(browser.Walk):
    """What the user does, each step checked on the page before the next."""

    def __init__(self, page) -> None:
        super().__init__(page, SHOTS)

    def idle(self) -> None:
        """Each step waits until the app has stayed idle a moment (`browser.settle`): a
        step taken while the last one's rerun is still drawing the form sends back the
        values the form showed before it (another strategy's), and they are applied."""
        browser.settle(self.page)

    def to_top(self, element) -> None:
        element.evaluate("element => element.scrollIntoView({block: 'start'})")

    def form(self, name: str):
        """A strategy form widget by its key (`rules.form.<name>`)."""
        return self.page.locator(f".st-key-rules-form-{name.replace('.', '-')}")

    def pick(self, name: str, option: str) -> None:
        box = self.form(name).get_by_role("combobox")
        expect(box).to_be_visible(timeout=90_000)  # a loaded machine redraws the form late
        browser.pick(self.page, box, option)

    def press(self, name: str) -> None:
        """A form button by its key (listed twice while Streamlit swaps it: the first)."""
        self.page.locator(f".stElementContainer.st-key-rules-form-{name} button").first.click()
        self.idle()

    def type_text(self, name: str, value: str) -> None:
        box = self.form(name).get_by_role("textbox")
        box.fill(value)
        box.press("Enter")
        self.idle()

    def card(self, name: str):
        exact = re.compile(f"^{re.escape(name)}$")
        return self.page.get_by_test_id("stMetric").filter(
            has=self.page.get_by_test_id("stMetricLabel").filter(has_text=exact)
        )

    def strategy_text(self):
        """The strategy as the ruleset's text now says it, beside the form (not the
        diagnostics, which quote its first line too)."""
        start = re.compile(r"^\s*return strategy returns_centre")
        return self.page.get_by_test_id("stCode").filter(has_text=start).first

    # ---------------------------------------------------------------- steps

    def add_returns_centre(self) -> None:
        """Form tab: Add return strategy, then every clause from the pickers."""
        page = self.page
        editor = page.locator(".st-key-rules-editor textarea")
        expect(editor).to_have_value(FRANCE, timeout=120_000)
        page.get_by_role("tab", name="Form").click()
        self.idle()
        page.get_by_role("button", name="Add return strategy").click()
        self.idle()
        strategy = page.get_by_label("Strategy", exact=True)
        expect(strategy).to_have_value(re.compile("^new_return_strategy — "))
        self.type_text("id", "returns_centre")
        self.type_text("label", "Returns centre")
        self.pick("add.send_to.field", "node.tags")
        self.pick("add.send_to.op", "has")
        browser.pick_only(page, self.form("add.send_to.values"), ["returns"])
        self.press("add-send_to-button")
        expect(self.strategy_text()).to_contain_text('send to node.tags has "returns"')
        self.press("add-rank-button")  # the new key starts at distance
        self.pick("disposition_mode", "by a value of the returned line")
        expect(self.strategy_text()).to_contain_text(
            "disposition by return.condition: new -> restock, opened -> restock"
        )
        self.pick("case.1", "refurbish")
        self.pick("case.2", "liquidate")
        for attempt in range(3):  # a number typed while the last pick's rerun redraws
            days = self.form("restock_after").get_by_role("spinbutton")  # the box is lost
            days.fill("5")
            days.press("Enter")
            self.idle()
            try:
                expect(self.strategy_text()).to_have_text(CENTRE.rstrip("\n"), timeout=10_000)
                break
            except AssertionError:
                if attempt == 2:
                    raise
        self.to_top(page.get_by_label("Strategy", exact=True))
        self.shot("returns-centre-form")
        page.get_by_role("tab", name="Text").click()
        expect(editor).to_have_value(EDITED)

    def simulate(self, orders: int) -> float:
        """Simulate the draft; the seconds from the click to the Returns cards."""
        page = self.page
        page.get_by_role("link", name="Simulate").click()
        expect(page.get_by_role("heading", name="Simulate", exact=True)).to_be_visible()
        self.idle()
        box = page.locator(".st-key-simulate-ruleset").get_by_role("combobox")
        expect(box).to_have_value(re.compile(r"^Current draft \(france v1, as edited\)"))
        expect(page.get_by_text("are routed by the ruleset's return strategies")).to_be_visible()
        started = time.perf_counter()
        page.get_by_role("button", name="Run the simulation").click()
        done = page.get_by_text(f"Done: {count(orders, 'order')} replayed")
        expect(done).to_be_visible(timeout=RUN_SECONDS * 1000)
        expect(self.card(KPI_LABELS["units_returned"][0])).to_be_visible(timeout=60_000)
        seconds = time.perf_counter() - started
        self.idle()
        return seconds


@pytest.mark.browser
def test_a_returns_centre_written_in_the_form_routes_the_demo_returns(server, expected, capsys):
    overall = expected.kpis.overall
    assert overall["units_returned"] > 0 and overall["units_unrouted"] == 0
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
        steps.add_returns_centre()
        seconds = steps.simulate(int(overall["orders"]))
        browser.print_timings(
            capsys, "returns", {"Simulate with returns, click to the Returns cards": [seconds]}
        )

        heading = page.get_by_role("heading", name="Returns", exact=True)
        steps.to_top(heading)
        for key in RETURN_KEYS:
            value = steps.card(KPI_LABELS[key][0]).get_by_test_id("stMetricValue")
            expect(value).to_have_text(format_kpi(key, overall[key]))
        bars = page.locator(".st-key-simulate-run-chart-dispositions")
        expect(bars.locator(".main-svg").first).to_be_visible(timeout=60_000)
        expect(bars.locator(".xtick text")).to_have_text(list(DISPOSITION_KEYS))
        steps.shot("returns-cards-and-dispositions")

        flows = page.locator(".st-key-simulate-run-chart-return_flows")
        steps.to_top(flows)
        expect(flows.locator(".main-svg").first).to_be_visible(timeout=60_000)
        legend = flows.locator(".legendtext")
        for disposition, key in DISPOSITION_KEYS.items():
            if overall[key] and key != "units_unrouted":
                units = f"{overall[key]:,} unit{'' if overall[key] == 1 else 's'}"
                expect(legend.filter(has_text=f"{disposition} ({units})")).to_have_count(1)
        expect(legend.filter(has_text="receiving nodes")).to_have_count(1)
        assert flows.locator(".scattergeo .js-line").count() > 3  # the flows, drawn
        steps.shot("return-flows-map")

        page.get_by_role("link", name="Try one return").click()
        expect(page.get_by_role("heading", name="Try one return", exact=True)).to_be_visible()
        steps.idle()
        centre = expected.returns[expected.returns["strategy"] == "returns_centre"]
        return_id = str(centre["return_id"].iloc[0])
        search = page.locator(".st-key-try_return-search input")
        search.fill(return_id)
        search.press("Enter")
        steps.idle()
        expect(page.get_by_role("heading", name=f"Decision for {return_id}")).to_be_visible()
        expect(page.get_by_text("“Returns centre” sends it to").first).to_be_visible()
        steps.shot("try-one-return")
    assert remote == [], f"the studio asked the network for {remote}"
