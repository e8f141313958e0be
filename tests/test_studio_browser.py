"""The studio served by `streamlit run studio/app.py` and driven in Debian's Chromium:
the Rules page's text box checks what is typed (Ctrl+Enter), a form change rewrites the
text, the Timeline draws its chart — and the browser never asks anything of the network
beyond the local server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
import studio_pages

import dsl

demo_folder = studio_pages.demo_folder
ROOT = Path(__file__).resolve().parents[1]
STREAMLIT = Path(sys.executable).with_name("streamlit")
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
IDLE = (
    "[data-testid=stApp][data-test-connection-state=CONNECTED][data-test-script-state=notRunning]"
)
FRANCE = dsl.format_ruleset(dsl.parse((ROOT / "rulesets" / "france.route").read_text("utf-8")))
"""The example as the store keeps it (canonical text)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(demo_folder, tmp_path):
    """The studio on a free local port with its own store; stopped with Ctrl+C (SIGINT)."""
    port = free_port()
    env = {
        **os.environ,
        "SOURCING_DATA_DIR": str(demo_folder),
        "SOURCING_DB_URL": f"sqlite:///{tmp_path / 'store.db'}",
        "SOURCING_USER": "ops.lead",
    }
    command = [
        str(STREAMLIT), "run", "studio/app.py", "--server.port", str(port),
        "--server.address", "localhost", "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    log = open(tmp_path / "streamlit.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.read() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the studio did not start: {(tmp_path / 'streamlit.log').read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        log.close()
    assert code == 0, f"the studio did not stop cleanly on Ctrl+C (exit {code})"


@pytest.mark.browser
def test_rules_and_timeline_in_chromium(server):
    from playwright.sync_api import expect, sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing at /usr/bin/chromium (scripts/system-packages.sh)")
    remote: list[str] = []

    def guard(route):
        if route.request.url.startswith((server, "data:", "blob:", "ws://localhost")):
            return route.continue_()
        remote.append(route.request.url)
        return route.abort()

    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            viewport={"width": 1600, "height": 2400},
            args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
        )  # fmt: skip
        try:
            context.route("**/*", guard)
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
            expect(page.get_by_text("No problems found in 5 strategies.")).to_be_visible(
                timeout=30_000
            )
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
        finally:
            context.close()
    assert remote == [], f"the studio asked the network for {remote}"
