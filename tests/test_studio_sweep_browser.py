"""The Sweep page in headless Chromium against `streamlit run`: a sweep started from the
browser runs its Dask workers beside the server, the progress bar ends at "Done", the
Pareto chart draws, a combination opens as a draft, nothing is fetched from beyond the
server, and the server still stops cleanly on Ctrl+C (no worker process left behind)."""

from __future__ import annotations

import browser
import pytest
import studio_pages

demo_folder = studio_pages.demo_folder


@pytest.mark.browser
def test_a_sweep_from_the_browser(demo_folder, tmp_path):
    from playwright.sync_api import expect

    with (
        browser.ops_lead_studio(demo_folder, tmp_path) as server,
        browser.chromium(server) as (context, remote),
    ):
        page = context.new_page()
        page.goto(f"{server}/sweep", timeout=120_000)
        browser.wait_idle(page)
        expect(page.get_by_role("heading", name="Sweep")).to_be_visible()
        to = page.locator(".st-key-sweep-vary-0-to").get_by_role("spinbutton")
        to.fill("2")
        to.press("Enter")
        browser.wait_idle(page)
        expect(page.get_by_text("6 combinations, each a replay of")).to_be_visible()

        page.get_by_role("button", name="Run the sweep").click()
        expect(page.get_by_text("Done: ")).to_be_visible(timeout=180_000)
        browser.wait_idle(page)
        expect(page.locator("[data-testid=stPlotlyChart] .main-svg").first).to_be_visible()
        page.get_by_role("button", name="Open this combination as a draft").click()
        browser.wait_idle(page)
        expect(page.get_by_text("is open on the Rules page as a draft")).to_be_visible()
        browser.ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(browser.ARTIFACTS / "sweep.png"))
    assert remote == []
