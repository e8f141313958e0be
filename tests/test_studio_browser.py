"""The studio served by `streamlit run studio/app.py` and driven in Debian's Chromium:
the Rules page's text box checks what is typed (Ctrl+Enter), a form change rewrites the
text, the Timeline draws its chart — and the browser never asks anything of the network
beyond the local server."""

from __future__ import annotations

from pathlib import Path

import browser
import pytest
import studio_pages

import dsl

demo_folder = studio_pages.demo_folder
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = browser.ARTIFACTS
IDLE = browser.IDLE
FRANCE = dsl.format_ruleset(dsl.parse((ROOT / "rulesets" / "france.route").read_text("utf-8")))
"""The example as the store keeps it (canonical text)."""


@pytest.fixture
def server(demo_folder, tmp_path):
    """The studio on a free local port with its own store; stopped with Ctrl+C (SIGINT)."""
    with browser.ops_lead_studio(demo_folder, tmp_path) as url:
        yield url


@pytest.mark.browser
def test_rules_and_timeline_in_chromium(server):
    from playwright.sync_api import expect

    with browser.chromium(server, width=1600, height=2400) as (context, remote):
        page = context.new_page()
        page.goto(server, timeout=60_000)
        page.wait_for_selector(IDLE, timeout=60_000)
        editor = page.locator(".st-key-rules-editor textarea")
        expect(editor).to_have_value(FRANCE, timeout=30_000)
        expect(page.get_by_text("No problems found in 5 strategies.")).to_be_visible()

        # a typo, applied with Ctrl+Enter: the diagnostics say where and what
        editor.fill(FRANCE.replace('order.tier == "vip"', 'order.teir == "vip"'))
        editor.press("Control+Enter")
        code = page.locator("[data-testid=stCode]").first
        expect(code).to_contain_text(
            "france.route:38:8: error: unknown field `order.teir`; did you mean `order.tier`?",
            timeout=30_000,
        )
        expect(page.get_by_text("unsaved changes")).to_be_visible()

        # the form: a new priority is written into the text
        editor.fill(FRANCE)
        editor.press("Control+Enter")
        expect(page.get_by_text("No problems found in 5 strategies.")).to_be_visible(timeout=30_000)
        page.get_by_role("tab", name="Form").click()
        priority = page.locator(".st-key-rules-form-priority input")
        priority.fill("42")
        priority.press("Enter")
        page.get_by_role("tab", name="Text").click()
        expect(editor).to_have_value(
            FRANCE.replace("  priority 100\n", "  priority 42\n"), timeout=30_000
        )
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "studio-rules.png"))

        # the timeline draws the draft's windows
        page.get_by_role("link", name="Timeline").click()
        page.wait_for_selector("[data-testid=stPlotlyChart] .main-svg", timeout=30_000)
        page.wait_for_selector(IDLE)
        bars = page.locator("[data-testid=stPlotlyChart] .barlayer .point")
        expect(bars).to_have_count(5, timeout=30_000)
        expect(page.get_by_text("Strategies in force on")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "studio-timeline.png"))
    assert remote == [], f"the studio asked the network for {remote}"
