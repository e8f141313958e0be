"""How fast the studio answers in a real browser on the default demo data (20,000 orders,
60 nodes, 2,000 SKUs): the first page after the server starts, a reload, and another
ruleset picked in Try one order (Compare with live, from the click to the summary, is
timed by the business journey, tests/test_studio_business_journey_browser.py). The
figures are printed in every run, never asserted: tests do not time things;
docs/studio.md states what was measured."""

from __future__ import annotations

import time

import browser
import pytest
from playwright.sync_api import expect

ROUNDS = 3
"""Reloads and ruleset switches are each measured this many times."""


full_demo = browser.full_demo


def settled(page, ready) -> float:
    """Seconds until `ready` holds and the app is idle again."""
    start = time.perf_counter()
    ready()
    browser.wait_idle(page)
    return time.perf_counter() - start


@pytest.mark.browser
@pytest.mark.parametrize(
    "launcher", [browser.STREAMLIT_RUN, browser.WARM_START], ids=["streamlit-run", "warm-start"]
)
def test_first_load_reload_and_another_ruleset_timed(full_demo, tmp_path, launcher, capsys):
    env = browser.ops_lead_env(full_demo, tmp_path)
    figures: dict[str, list[float]] = {}
    with (
        browser.studio_server(env, tmp_path / "streamlit.log", launcher) as url,
        browser.chromium(url, width=1400, height=1400) as (context, remote),
    ):
        page = context.new_page()
        editor = page.locator(".st-key-rules-editor textarea")

        def rules_shown() -> None:
            expect(editor).to_contain_text("strategy", timeout=120_000)

        start = time.perf_counter()
        page.goto(url, timeout=120_000)
        figures["first load (server just started)"] = [
            time.perf_counter() - start + settled(page, rules_shown)
        ]
        for _ in range(ROUNDS):
            start = time.perf_counter()
            page.reload(timeout=120_000)
            figures.setdefault("reload", []).append(
                time.perf_counter() - start + settled(page, rules_shown)
            )

        page.get_by_role("link", name="Try one order").click()
        figures["Try one order, first view"] = [
            settled(
                page, lambda: expect(page.get_by_text("Routed by")).to_be_visible(timeout=120_000)
            )
        ]
        box = page.get_by_label("Ruleset", exact=True)
        for round_ in range(ROUNDS + 1):
            box.click()
            options = page.get_by_role("option")
            expect(options.first).to_be_visible(timeout=30_000)
            wanted = options.nth(1 if round_ % 2 == 0 else 0)
            label = wanted.inner_text()
            wanted.click()
            figures.setdefault("Try one order, another ruleset", []).append(
                settled(
                    page,
                    lambda label=label: expect(
                        page.get_by_text(f"Routed by {label}")
                    ).to_be_visible(timeout=120_000),
                )
            )
        browser.ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(browser.ARTIFACTS / "studio-try-order.png"))
    browser.print_timings(capsys, " ".join(launcher[1:]), figures)
    assert remote == [], f"the studio asked the network for {remote}"
