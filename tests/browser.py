"""What the browser tests share: the studio served by `streamlit run studio/app.py` on a
free loopback port (its own store and data folder, stopped with Ctrl+C), Debian's
Chromium driven headless by Playwright with every request beyond the local server
refused and recorded, and the wait for Streamlit to be idle after an action."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[1]
STREAMLIT = Path(sys.executable).with_name("streamlit")
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
IDLE = (
    "[data-testid=stApp][data-test-connection-state=CONNECTED][data-test-script-state=notRunning]"
)
"""The app connected and no script run under way: what every action waits for."""
LOADING = "[data-testid=stSkeleton]"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
START_SECONDS = 60
EXPECT_MS = 30_000
"""How long an `expect` assertion waits for the page: Playwright's 5 s default is too
short for a studio page rendered while every core runs other tests."""
expect.set_options(timeout=EXPECT_MS)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


STREAMLIT_RUN = (str(STREAMLIT), "run", "studio/app.py")
WARM_START = (sys.executable, "-m", "studio.serve")
"""`make demo`'s launcher: `streamlit run` with the pages' libraries imported first."""


@contextlib.contextmanager
def studio_server(
    env: dict[str, str], log: Path, launcher: tuple[str, ...] = STREAMLIT_RUN
) -> Iterator[str]:
    """Serve the studio with `env` added to ours; yields its URL. On exit it is stopped
    with SIGINT (Ctrl+C) and must exit 0; its output is in `log`."""
    port = free_port()
    command = [
        *launcher, "--server.port", str(port),
        "--server.address", "localhost", "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    url = f"http://localhost:{port}"
    with open(log, "w") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            _wait_healthy(url, process, log)
            yield url
        finally:
            process.send_signal(signal.SIGINT)
            try:
                code = process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                code = process.wait()
    assert code == 0, f"the studio did not stop cleanly on Ctrl+C (exit {code})"


def ops_lead_env(data: Path, tmp_path: Path) -> dict[str, str]:
    """What the studio is served with in these tests: the data folder, a store of its
    own under `tmp_path`, and the user ops.lead (a store without accounts)."""
    return {
        "SOURCING_DATA_DIR": str(data),
        "SOURCING_DB_URL": f"sqlite:///{tmp_path / 'store.db'}",
        "SOURCING_USER": "ops.lead",
    }


@contextlib.contextmanager
def ops_lead_studio(data: Path, tmp_path: Path) -> Iterator[str]:
    """The studio on `data` as ops.lead (`ops_lead_env`); yields its URL."""
    with studio_server(ops_lead_env(data, tmp_path), tmp_path / "streamlit.log") as url:
        yield url


class Walk:
    """A user's walk through the studio: the page settles before each step, and
    screenshots are numbered in the order taken into `shots`."""

    def __init__(self, page, shots: Path) -> None:
        self.page, self.shots, self.taken = page, shots, 0

    def idle(self) -> None:
        wait_idle(self.page)

    def shot(self, name: str) -> None:
        self.idle()
        self.taken += 1
        self.page.screenshot(path=str(self.shots / f"{self.taken:02d}-{name}.png"))


def _wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read() == b"ok":
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the studio did not start: {log.read_text()}")
        time.sleep(0.3)


@contextlib.contextmanager
def chromium(
    server: str, width: int = 1600, height: int = 2400, locale: str | None = None
) -> Iterator[tuple]:
    """A fresh headless Chromium profile; yields (context, remote) where `remote` lists
    every URL beyond `server` the pages asked for (refused). `locale` is the browser's
    language (e.g. "en-GB": calendars start on Monday). Fails if Chromium is missing."""
    from playwright.sync_api import sync_playwright

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
            viewport={"width": width, "height": height},
            args=CHROMIUM_ARGS,
            **({"locale": locale} if locale else {}),
        )
        try:
            context.route("**/*", guard)
            yield context, remote
        finally:
            context.close()


def pick(page, box, option: str, attempts: int = 3) -> None:
    """Open a select box or multiselect (`box`: a locator of its combobox) and click
    `option`. The list shows a few options at a time: unless `option` is among them, its
    text is typed into the box, which narrows the list to the options holding it. The box
    may be drawn again just after it opened (a rerun ending, the field before it changing
    its kind): then its list closes with it, and it is opened again. Returns once the
    rerun the pick causes is over (`settle`)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    choice = page.get_by_role("option", name=option, exact=True)
    for attempt in range(attempts):
        try:
            box.click()
            page.get_by_role("option").first.wait_for(timeout=10_000)
            if not choice.count():
                box.press_sequentially(option)
            choice.click(timeout=10_000)
            break
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")
            wait_idle(page)
    settle(page)


def pick_only(page, widget, values: list[str], attempts: int = 3) -> None:
    """Make a multiselect (`widget`: its element) hold exactly `values`, in that order,
    its list closed. A pick made while a rerun redraws the box can be lost with it, or
    land on the option drawn where the wanted one was: the tags are read once the app is
    settled, and if they are not `values` the box is cleared and picked again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    tags = widget.get_by_role("group", name="Selected values").locator("[data-tag]")
    held: list[str] = []
    for attempt in range(attempts + 1):
        settle(page)
        held = [text.strip() for text in tags.all_inner_texts()]
        if held == values or attempt == attempts:
            break
        try:
            if held:
                widget.get_by_role("button", name="Clear all").click(timeout=10_000)
                settle(page)
            for value in values:
                pick(page, widget.get_by_role("combobox"), value)
        except PlaywrightTimeout:
            pass  # the box was drawn again under the pointer: read it again
        page.keyboard.press("Escape")  # the list closes: the next click is the page's
    assert held == values, f"the multiselect holds {held}, not {values}"


def fill_date(page, key: str, day: str, shown: str, attempts: int = 3) -> None:
    """Type an ISO day into a date picker (by its element key) until the picker shows
    it day first: a value typed while the page was still drawing is sometimes dropped."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    picker = page.locator(f".st-key-{key}")
    for attempt in range(attempts):
        picker.locator("input[type=date]").fill(day)
        page.wait_for_selector(IDLE)
        try:
            expect(picker.get_by_role("group")).to_have_text(shown, timeout=10_000)
            return
        except (AssertionError, PlaywrightTimeout):
            if attempt == attempts - 1:
                raise


def fill_time(page, key: str, hour: int, minute: int, attempts: int = 3) -> None:
    """Type a time into a time picker (by its element key), hour then minute, until it
    shows them: a value typed while the page was still drawing is sometimes dropped."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    picker = page.locator(f".st-key-{key}")
    shown = re.compile(f"{hour:02d}\\s*:\\s*{minute:02d}")  # between direction marks
    for attempt in range(attempts):
        for segment, value in (("hour", hour), ("minute", minute)):
            picker.get_by_role("spinbutton", name=re.compile(f"^{segment},")).click()
            page.keyboard.type(f"{value:02d}")
        page.keyboard.press("Tab")  # the picker commits when it loses focus
        wait_idle(page)
        try:
            expect(picker.get_by_role("group")).to_have_text(shown, timeout=10_000)
            return
        except (AssertionError, PlaywrightTimeout):
            if attempt == attempts - 1:
                raise


BUSY = f"[data-testid=stApp]:not({IDLE.removeprefix('[data-testid=stApp]')}), {LOADING}"
"""A script run under way, the connection lost, or an element still a placeholder."""
QUIET_MS = 1_000


def settle(page, quiet: float = QUIET_MS, timeout: float = 60_000) -> None:
    """Wait until the app has stayed idle (`wait_idle`) for `quiet` ms in a row. A
    widget's change reaches the server a moment after the click, so the app is still
    idle just after an action whose rerun has not begun: that rerun would redraw the
    page under the next action."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    deadline = time.monotonic() + timeout / 1000
    while True:
        wait_idle(page, timeout)
        try:
            page.wait_for_selector(BUSY, timeout=quiet)
        except PlaywrightTimeout:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"the app did not stay idle for {quiet:.0f} ms within {timeout:.0f} ms")


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until the app is connected, no script run is under way and no element is
    still a grey placeholder (widgets' code loads on first use)."""
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_selector(LOADING, state="detached", timeout=timeout)


@pytest.fixture(scope="session")
def full_demo(tmp_path_factory) -> Path:
    """The demo data at its default size, as `make demo` serves it (20,000 orders of
    2026, 60 nodes, 2,000 SKUs)."""
    from simulations.demo_data import generate

    folder = tmp_path_factory.mktemp("full-demo")
    generate(folder)
    return folder


def print_timings(capsys, heading: str, figures: dict[str, list[float]]) -> None:
    """Print each timing (seconds: the worst, then every round) under `heading`, in
    every run (not only with -s): measured and shown, never asserted."""
    lines = [
        f"studio speed ({heading}): {what}: {max(seconds):.2f} s "
        f"({', '.join(f'{s:.2f}' for s in seconds)})"
        for what, seconds in figures.items()
    ]
    with capsys.disabled():
        print("\n" + "\n".join(lines))
