"""A click & collect order of the demo history whose store lacks one item, opened on
Try one order in Debian's Chromium: the page shows its transfer leg to the store and
the day it is ready for collection, as the engine decides them on the same tables for
the order placed on Thursday 10 December 2026 at 15:00 (Paris).
A screenshot is kept in the folder the test prints."""

from __future__ import annotations

import browser
import pandas as pd
import pytest
import studio_pages
from playwright.sync_api import expect
from test_studio_promise_browser import PLACED, sessions

import engine

demo_folder = studio_pages.demo_folder
SHOTS = browser.ARTIFACTS / "collect-transfer"


@pytest.fixture(scope="module")
def collect_case(demo_folder) -> engine.Decision:
    """The first collect order of the history (by id) whose store lacks exactly one of
    its items and that the engine routes with a transfer leg, placed at PLACED."""
    session, orders = sessions(demo_folder)
    stock = pd.read_csv(demo_folder / "inventory.csv").set_index(["node_id", "sku"])["on_hand"]
    collect = orders[orders["delivery"] == "collect"]
    for _, lines in collect.groupby("order_id", sort=True):
        store = lines["collect_node"].iloc[0]
        lacking = [
            sku for sku, qty in zip(lines["sku"], lines["qty"], strict=True)
            if stock.get((store, sku), 0) < qty
        ]  # fmt: skip
        if len(lacking) != 1:
            continue
        order = engine.orders_from_frame(lines, "Europe/Paris")[0]
        decision = session.copy().route_one(order, at=PLACED, explain=True)
        if decision.transfers:
            return decision
    pytest.fail("no collect order of the demo history whose store lacks one item")


@pytest.fixture
def server(demo_folder, tmp_path):
    with browser.ops_lead_studio(demo_folder, tmp_path) as url:
        yield url


@pytest.mark.browser
def test_try_one_order_shows_the_transfer_leg_and_the_ready_date(server, collect_case, capsys):
    decision = collect_case
    leg = decision.transfers[0]
    SHOTS.mkdir(parents=True, exist_ok=True)
    with capsys.disabled():
        print(f"\nscreenshots: {SHOTS}")
    with browser.chromium(server, width=1500, height=2200) as (context, remote):
        page = context.new_page()
        walk = browser.Walk(page, SHOTS)
        page.goto(server, timeout=60_000)
        walk.idle()
        page.get_by_role("link", name="Try one order").click()
        expect(page.get_by_role("heading", name="Try one order", exact=True)).to_be_visible()
        walk.idle()
        search = page.locator(".st-key-try-search input")
        search.fill(decision.order_id)
        search.press("Enter")
        walk.idle()
        expect(page.locator(".st-key-try-order_id").get_by_role("combobox")).to_have_value(
            decision.order_id
        )
        browser.fill_date(page, "try-placed-day", PLACED.date().isoformat(), "10/12/2026")
        browser.fill_time(page, "try-placed-time", PLACED.hour, PLACED.minute)
        expect(page.get_by_text("Routed by")).to_contain_text("10/12/2026 15:00")
        ready = decision.ready_date.isoformat()
        expect(page.get_by_text("Transfers to the store")).to_be_visible()
        expect(page.get_by_text(f"Ready for collection on {ready}")).to_be_visible()
        said = next(e.detail for e in decision.explain if e.clause == "transfer from")
        assert said.startswith(f"transfer from {leg.node_id} to {leg.transfer.to_node}: ")
        expect(page.get_by_role("listitem").filter(has_text=said)).to_be_visible()
        walk.shot("transfer-leg")
    assert remote == [], f"the studio asked the network for {remote}"
