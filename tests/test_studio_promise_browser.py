"""A store's cut-off moved on the Carriers page moves the promise on Try one order, in
Debian's Chromium: an order of the demo history that ships from a store whose cut-off
is 14:00, tried as placed on Thursday 10 December 2026 at 15:00 (Paris), is picked the
next day; with the store's cut-off edited to 16:00 it is picked the same day, with an
hour to go, and promised earlier.

The order and both promises are found by the engine itself (`Session.promise`) on the
same tables before the browser is started; the page must say what the engine says. A
screenshot is kept after each step in the folder the test prints."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import browser
import pandas as pd
import pytest
import studio_pages
from playwright.sync_api import expect

import dsl
import engine
from engine.tables import load_carriers, load_closures, load_nodes
from simulations import load_inputs
from studio import formats

demo_folder = studio_pages.demo_folder
PARIS = ZoneInfo("Europe/Paris")
PLACED = dt.datetime(2026, 12, 10, 15, 0, tzinfo=PARIS)
"""Thursday 10 December 2026, 15:00 in Paris."""
BEFORE, AFTER = "14:00", "16:00"
SHOTS = browser.ARTIFACTS / "promise-cutoff"
HEADLINE = ".st-key-try-promise-headline [data-testid=stMarkdownContainer]"
"""The promise's sentence on Try one order."""
FRANCE = (browser.ROOT / "rulesets" / "france.route").read_text("utf-8")


@dataclass(frozen=True)
class Case:
    """The order tried, the store whose cut-off is edited (its row in the nodes table)
    and the engine's decisions before and after the edit."""

    order_id: str
    store: str
    row: int
    before: engine.Decision
    after: engine.Decision


def sessions(folder, nodes: pd.DataFrame | None = None) -> tuple[engine.Session, pd.DataFrame]:
    """The france example on the demo tables (`nodes` in place of the file's)."""
    inputs = load_inputs(
        folder / "nodes.csv",
        folder / "inventory.csv",
        folder / "orders.csv",
        timezone="Europe/Paris",
    )
    carriers = load_carriers(folder / "carriers.csv")
    closures = load_closures(folder / "closures.csv", inputs.nodes["id"].tolist(), carriers)
    policy = engine.policy_of(dsl.parse(FRANCE), filename="france.route")
    session = engine.Session.open(
        policy,
        inputs.nodes if nodes is None else nodes,
        inputs.inventory,
        carriers=carriers,
        closures=closures,
    )
    return session, inputs.orders


@pytest.fixture(scope="module")
def case(demo_folder) -> Case:
    """The first order of the history (one shipment, from a store cut off at 14:00)
    whose promise at PLACED comes earlier once that store's cut-off is 16:00."""
    before, orders = sessions(demo_folder)
    nodes = load_nodes(demo_folder / "nodes.csv").frame
    early = set(nodes.loc[nodes["cutoff"] == BEFORE, "id"])
    edited: dict[str, engine.Session] = {}
    for order in engine.orders_from_frame(orders, "Europe/Paris"):
        decision = before.promise(order, at=PLACED)
        if len(decision.shipments) != 1 or decision.shipments[0].node_id not in early:
            continue
        store = decision.shipments[0].node_id
        if store not in edited:
            moved = nodes.assign(cutoff=nodes["cutoff"].where(nodes["id"] != store, AFTER))
            edited[store] = sessions(demo_folder, moved)[0]
        later = edited[store].promise(order, at=PLACED)
        if [s.node_id for s in later.shipments] == [store] and (
            later.promised_date < decision.promised_date
        ):
            row = int(nodes.index[nodes["id"] == store][0])
            return Case(order.id, store, row, decision, later)
    pytest.fail("no order of the demo history ships from a store cut off at 14:00")


@pytest.fixture
def server(demo_folder, tmp_path):
    with browser.ops_lead_studio(demo_folder, tmp_path) as url:
        yield url


class Steps(browser.Walk):
    """What the user does, each step checked on the page before the next."""

    def __init__(self, page) -> None:
        super().__init__(page, SHOTS)

    def go(self, link: str, heading: str) -> None:
        self.page.get_by_role("link", name=link).click()
        expect(self.page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        self.idle()

    def try_order(self, case: Case) -> None:
        """The order from history, placed on PLACED (the picker's date and time)."""
        page = self.page
        search = page.locator(".st-key-try-search input")
        search.fill(case.order_id)
        search.press("Enter")
        self.idle()
        picked = page.locator(".st-key-try-order_id")
        expect(picked).to_contain_text("Order (1 match")
        expect(picked.get_by_role("combobox")).to_have_value(case.order_id)
        browser.fill_date(page, "try-placed-day", PLACED.date().isoformat(), "10/12/2026")
        browser.fill_time(page, "try-placed-time", PLACED.hour, PLACED.minute)
        expect(page.get_by_text("Routed by")).to_contain_text("10/12/2026 15:00")

    def promise(self) -> str:
        """The promise's sentence, once the page shows it."""
        headline = self.page.locator(HEADLINE)
        expect(headline).to_be_visible()
        return headline.inner_text()

    def edit_cutoff(self, case: Case, value: str) -> None:
        """The store's cut-off cell of the nodes editor, opened with Enter, typed, and
        committed with Enter; the page says the edit is applied."""
        page = self.page
        grid = page.locator(".st-key-carriers-nodes-editor-0 [data-testid=stDataFrame]")
        expect(grid).to_be_visible()
        cell = page.locator("textarea.gdg-input, input.gdg-input")
        for attempt in range(3):  # a rerun that redraws the grid under the keys moves
            browser.settle(page)  # its selection: the cell is selected again
            box = grid.bounding_box()
            page.mouse.click(box["x"] + 40, box["y"] + 52)  # the first row's id cell
            for _ in range(case.row):
                page.keyboard.press("ArrowDown")
            for _ in range(3):  # id, name, type, cutoff
                page.keyboard.press("ArrowRight")
            target = grid.locator(f"td#glide-cell-3-{case.row}")
            try:  # the store's row is the one selected (others may share its cut-off)
                expect(target).to_have_attribute("aria-selected", "true", timeout=5_000)
                page.keyboard.press("Enter")
                expect(cell).to_have_value(BEFORE, timeout=10_000)  # as the file says
                expect(target).to_have_attribute("aria-selected", "true", timeout=1_000)
                break
            except AssertionError:
                if attempt == 2:
                    raise
                page.keyboard.press("Escape")  # closed unchanged
        cell.fill(value)
        page.keyboard.press("Enter")
        expect(page.get_by_text("Applied: the node calendars as shown above")).to_be_visible()
        store = re.compile(f"^{re.escape(case.store)}$")
        row = grid.locator("tr").filter(has=page.locator("td").filter(has_text=store))
        expect(row.locator("td").nth(3)).to_have_text(value)


@pytest.mark.browser
def test_a_later_cutoff_moves_the_promise_to_the_same_day(server, case, capsys):
    first, second = case.before.shipments[0], case.after.shipments[0]
    assert first.carried.pick_date == dt.date(2026, 12, 11)
    assert second.carried.pick_date == PLACED.date()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with capsys.disabled():
        print(f"\nscreenshots: {SHOTS}")
    with browser.chromium(server, width=1500, height=2200) as (context, remote):
        steps = Steps(context.new_page())
        steps.page.goto(server, timeout=60_000)
        steps.idle()

        steps.go("Try one order", "Try one order")
        steps.try_order(case)
        before = formats.long_date(case.before.promised_date, year=False)
        assert steps.promise() == (
            f"The {BEFORE} cut-off of {case.store} has passed: picked on Friday 11 December; "
            f"delivery on {before}"
        )
        steps.shot("before")

        steps.go("Carriers", "Carriers")
        steps.edit_cutoff(case, AFTER)
        steps.shot("cutoff-edited")

        steps.go("Try one order", "Try one order")
        expect(steps.page.get_by_text("Routed by")).to_contain_text("10/12/2026 15:00")
        after = formats.long_date(case.after.promised_date, year=False)
        expect(steps.page.locator(HEADLINE)).to_have_text(
            f"Order within 1 h for delivery on {after}"
        )
        steps.shot("after")
    assert remote == [], f"the studio asked the network for {remote}"
