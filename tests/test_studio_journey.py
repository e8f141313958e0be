"""The business user's journey through the studio in Debian's Chromium, served by
`streamlit run` on loopback: move the peak strategy's start to 10 November with the form's
date picker (no DSL typed), save the draft, simulate it against the live version and read
the split rate and store stock-outs, compare the two versions as scenarios, then submit
it signed in as the editor and publish it signed in as an approver. Every figure the
page shows is checked against `simulations` run on the same data here; a screenshot is
kept after each step in tests/artifacts/journey/ (JOURNEY_DOC_IMAGES=1 also writes the
walkthrough's images in docs/images/)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import browser
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

import dsl
import simulations
from rulesets.store import RulesetStore
from rulesets.store.demo import seed_examples
from simulations.demo_data import generate
from studio.components.change_summary import detail_table
from studio.formats import kpi as format_kpi

SHOTS = browser.ARTIFACTS / "journey"
DOC_IMAGES = browser.ROOT / "docs" / "images"
WIDTH, HEIGHT = 1400, 1800
"""The window: a laptop's width, tall enough for a page's main figures."""
SIDEBAR = 310
"""The sidebar's width in the window, in pixels."""
DOC_SHOTS = {
    "rules-date-picker": "walkthrough-1-date-picker.png",
    "rules-form-nov-10": "walkthrough-2-form-and-text.png",
    "rules-saved-v2": "walkthrough-3-saved-draft.png",
    "simulate-kpis": "walkthrough-4-simulate.png",
    "compare-key-figures": "walkthrough-5-compare-figures.png",
    "compare-changed-orders": "walkthrough-6-changed-orders.png",
    "rules-published-v2": "walkthrough-7-published.png",
}
"""The screenshots the walkthrough in docs/studio.md shows, and their file names there."""
FRANCE = dsl.format_ruleset(
    dsl.parse((browser.ROOT / "rulesets" / "france.route").read_text("utf-8"))
)
"""The shipped example as the store keeps it (canonical text): version 1."""
PEAK_TODAY = "effective 2026-11-15 to 2026-12-31"
PEAK_FROM_NOV_10 = "effective 2026-11-10 to 2026-12-31"
FROM_NOV_10 = FRANCE.replace(PEAK_TODAY, PEAK_FROM_NOV_10)
"""Version 2: only the peak strategy's start differs."""
AUTHOR, REVIEWER = "ops.lead", "head.of.ops"
"""An editor and an approver: the accounts of the journey's store."""
PASSWORD = "journey-password"
WATCHED = ("split_rate", "store_stockouts")
LABELS = {"split_rate": "Split orders", "store_stockouts": "Store stock-outs"}


@pytest.fixture(scope="module")
def journey_data(tmp_path_factory) -> Path:
    """`sourcing demo-data --out DIR --orders 3000 --nodes 30 --skus 200 --start 2026-11-01
    --days 30`: November, so the five days from the 10th to the 14th have orders."""
    folder = tmp_path_factory.mktemp("journey-data")
    generate(folder, orders=3000, nodes=30, skus=200, days=30, start="2026-11-01")
    return folder


@pytest.fixture(scope="module")
def expected(journey_data):
    """Both versions replayed by `simulations` itself on the same tables, and compared
    under the scenario names the journey gives them."""
    tables = [journey_data / f"{kind}.csv" for kind in ("nodes", "inventory", "orders")]
    replenishments = journey_data / "replenishments.csv"
    runs = {
        version: simulations.run(dsl.parse(text), *tables, replenishments).kpis.overall
        for version, text in (("v1", FRANCE), ("v2", FROM_NOV_10))
    }
    inputs = simulations.load_inputs(*tables, replenishments, timezone="Europe/Paris")
    comparison = simulations.compare(
        simulations.Scenario(name="Today", ruleset=dsl.parse(FRANCE)),
        simulations.Scenario(name="Peak from Nov 10", ruleset=dsl.parse(FROM_NOV_10)),
        inputs,
    )
    return runs, comparison


def delta_shown(key: str, change: float) -> str:
    """A change as the KPI cards write it: rates in points, counts signed."""
    return f"{100 * change:+.1f} pts" if key == "split_rate" else f"{int(round(change)):+,}"


@pytest.mark.browser
def test_move_the_peak_to_nov_10_simulate_compare_publish(journey_data, expected, tmp_path):
    runs, comparison = expected
    v1, v2 = runs["v1"], runs["v2"]
    assert v2["store_stockouts"] < v1["store_stockouts"], "peak protection keeps store stock"
    assert delta_shown("split_rate", v2["split_rate"] - v1["split_rate"]) != "+0.0 pts"
    env = {
        "SOURCING_DATA_DIR": str(journey_data),
        "SOURCING_DB_URL": f"sqlite:///{tmp_path / 'store.db'}",
    }
    team_store(env["SOURCING_DB_URL"])
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    with (
        browser.studio_server(env, tmp_path / "streamlit.log") as url,
        browser.chromium(url, width=WIDTH, height=HEIGHT) as (context, remote),
    ):
        journey = Journey(context.new_page())
        journey.page.goto(url, timeout=60_000)
        journey.sign_in(REVIEWER)  # the shipped example stands for production
        journey.rules_open()
        journey.submit(1)
        journey.approve(1)
        journey.sign_out()
        journey.sign_in(AUTHOR)
        journey.move_peak_start()
        journey.save(comment="Peak protection from 10 November (Black Friday run-up)")
        journey.simulate(runs)
        journey.compare(runs, comparison)
        journey.go("Rules")
        journey.submit(2)
        journey.sign_out()
        journey.sign_in(REVIEWER)
        journey.approve(2)
        journey.history()
    assert remote == [], f"the studio asked the network for {remote}"
    if os.environ.get("JOURNEY_DOC_IMAGES"):
        write_doc_images()


def team_store(url: str) -> None:
    """The shipped examples as drafts, and two accounts: the editor and the approver."""
    with RulesetStore.open(url) as store:
        seed_examples(store)
        store.accounts.add("root", role="admin", by="set-up", password=PASSWORD)
        root = store.accounts.authenticate("root", PASSWORD)
        store.accounts.add(AUTHOR, role="editor", by=root, password=PASSWORD)
        store.accounts.add(REVIEWER, role="approver", by=root, password=PASSWORD)


class Journey:
    """The steps, each ending on what the user sees, with a screenshot."""

    def __init__(self, page) -> None:
        self.page, self.shots = page, 0

    def idle(self) -> None:
        browser.wait_idle(self.page)

    def shot(self, name: str) -> None:
        """A screenshot of the window, the pointer in the empty right margin (over a
        table it shows the table's toolbar, over the sidebar its collapse button)."""
        self.idle()
        self.page.mouse.move(WIDTH - 8, HEIGHT // 2)
        self.shots += 1
        self.page.screenshot(path=str(SHOTS / f"{self.shots:02d}-{name}.png"))

    def to_top(self, element) -> None:
        """Scroll the page so that `element` is at the top of the window."""
        element.evaluate("element => element.scrollIntoView({block: 'start'})")

    def sees(self, text: str, timeout: float = 30_000) -> None:
        expect(self.page.get_by_text(text).first).to_be_visible(timeout=timeout)

    def pick(self, label: str, option: str) -> None:
        """Choose `option` in the select box labelled `label` (a click on a box that has
        just been redrawn may only focus it: then click again)."""
        box = self.page.get_by_label(label, exact=True)
        choice = self.page.get_by_role("option", name=option, exact=True)
        for _ in range(3):
            box.click()
            try:
                choice.wait_for(timeout=5_000)
                break
            except PlaywrightTimeout:
                continue
        choice.click()
        self.idle()

    def type_in(self, label: str, text: str) -> None:
        """Fill a text box and press Enter (the box commits its value)."""
        box = self.page.get_by_label(label, exact=True)
        box.fill(text)
        box.press("Enter")
        self.idle()

    def go(self, page_name: str) -> None:
        self.page.get_by_role("link", name=page_name).click()
        expect(self.page.get_by_role("heading", name=page_name).first).to_be_visible(timeout=30_000)
        self.idle()

    def version_shown(self, label: str) -> None:
        """The Rules page's version picker says `label` (number, state, author...)."""
        picker = self.page.get_by_role("combobox", name="Version", exact=True)
        expect(picker).to_have_value(re.compile(f"^{re.escape(label)}"))

    # ------------------------------------------------------------------ Rules

    def rules_open(self) -> None:
        self.idle()
        editor = self.page.locator(".st-key-rules-editor textarea")
        expect(editor).to_have_value(FRANCE, timeout=60_000)
        self.sees("No problems found in 5 strategies.")
        self.version_shown("v1 · draft · shipped-examples")
        self.shot("rules-open")

    def sign_in(self, name: str) -> None:
        page = self.page
        expect(page.get_by_role("heading", name="Sign in to Sourcing Studio")).to_be_visible(
            timeout=60_000
        )
        page.get_by_label("Name", exact=True).fill(name)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        self.sees(f"Signed in as {name}")
        self.idle()

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Sign out").click()
        self.idle()

    def submit(self, version: int) -> None:
        self.page.get_by_role("button", name=f"Submit v{version} for review").click()
        self.sees(f"france v{version} is in review.")
        self.version_shown(f"v{version} · in review")

    def approve(self, version: int) -> None:
        page = self.page
        self.version_shown(f"v{version} · in review")
        page.get_by_role("button", name=f"Publish v{version}…").click()
        self.sees("It goes live at once")
        page.get_by_role("button", name="Yes, publish now").click()
        self.sees(f"france v{version} is published and live (approved by {REVIEWER}).")
        self.version_shown(f"v{version} · live")
        self.shot(f"rules-published-v{version}")

    def move_peak_start(self) -> None:
        """Form tab, the peak strategy, its window's start from the calendar: no typing."""
        page = self.page
        page.get_by_role("tab", name="Form").click()
        self.idle()
        self.pick("Strategy", "peak_store_protection — Peak season store protection (priority 10)")
        start = page.locator(".st-key-rules-form-window-0-start")
        expect(start.get_by_role("spinbutton", name="day, From")).to_have_text("15")
        self.shot("rules-form-peak")
        start.get_by_role("button", name="Choose date").click()
        calendar = page.get_by_role("dialog")
        expect(calendar.get_by_role("application")).to_have_attribute(
            "aria-label", "Choose date, November 2026"
        )
        self.shot("rules-date-picker")
        calendar.get_by_role("button", name="November 10, 2026").click()
        self.sees("unsaved changes")
        expect(page.get_by_role("tab", name="Form")).to_have_attribute("aria-selected", "true")
        expect(start.get_by_role("spinbutton", name="day, From")).to_have_text("10")
        expect(page.get_by_test_id("stCode").last).to_contain_text(PEAK_FROM_NOV_10)
        self.sees("No problems found in 5 strategies.")
        self.shot("rules-form-nov-10")
        page.get_by_role("tab", name="Text").click()
        editor = page.locator(".st-key-rules-editor textarea")
        expect(editor).to_have_value(FROM_NOV_10, timeout=30_000)
        self.shot("rules-text-nov-10")

    def save(self, comment: str) -> None:
        self.type_in("Comment", comment)
        self.page.get_by_role("button", name="Save draft").click()
        self.sees("Saved france v2 as a draft.")
        self.sees("no unsaved changes")
        self.version_shown(f"v2 · draft · {AUTHOR}")
        change = self.grid_row(self.grid("before (old)"), "peak_store_protection")
        expect(change).to_have_text(  # v1 against the text now saved as v2, clause by clause
            ["peak_store_protection", "changed", "effective", PEAK_TODAY, PEAK_FROM_NOV_10]
        )
        self.shot("rules-saved-v2")

    def history(self) -> None:
        grid = self.grid("based on")
        for number, state, reviewer in (("2", "live", REVIEWER), ("1", "retired", REVIEWER)):
            cells = self.grid_row(grid, number)
            expect(cells.nth(1)).to_have_text(state)
            expect(cells.nth(5)).to_have_text(reviewer)

    # --------------------------------------------------------------- Simulate

    def simulate(self, runs: dict) -> None:
        page = self.page
        self.go("Simulate")
        self.pick("Ruleset", "france v2 (draft)")
        live = page.get_by_role("checkbox", name="Compare with the live version (france v1 (live))")
        expect(live).to_be_checked()
        self.shot("simulate-inputs")
        page.get_by_role("button", name="Run the simulation").click()
        self.sees("Done: 3,000 orders replayed", timeout=120_000)
        for key in WATCHED:
            card = page.get_by_test_id("stMetric").filter(has_text=LABELS[key])
            value, base = runs["v2"][key], runs["v1"][key]
            expect(card.get_by_test_id("stMetricValue")).to_have_text(format_kpi(key, value))
            expect(card.get_by_test_id("stMetricDelta")).to_contain_text(
                delta_shown(key, value - base)
            )
        page.wait_for_selector("[data-testid=stPlotlyChart] .main-svg", timeout=30_000)
        self.shot("simulate-kpis")

    # ---------------------------------------------------------------- Compare

    def compare(self, runs: dict, comparison) -> None:
        page = self.page
        self.go("Compare")
        for name, version in (
            ("Today", "france v1 (live)"),
            ("Peak from Nov 10", "france v2 (draft)"),
        ):
            self.pick("Ruleset", version)
            self.type_in("Scenario name", name)
            page.get_by_role("button", name="Add this scenario").click()
            self.sees(f"{name} (")
        self.shot("compare-scenarios")
        page.get_by_role("button", name="Compare", exact=True).click()
        self.sees("Done: 2 scenarios compared", timeout=180_000)
        page.wait_for_selector("[data-testid=stPlotlyChart] .main-svg", timeout=30_000)
        figures = page.get_by_test_id("stDataFrame").first
        for key in WATCHED:
            value, base = runs["v2"][key], runs["v1"][key]
            expect(self.grid_row(figures, LABELS[key])).to_have_text(
                [
                    LABELS[key],
                    format_kpi(key, base),
                    format_kpi(key, value),
                    delta_shown(key, value - base),
                ]
            )
        self.to_top(page.get_by_role("heading", name="Key figures"))
        self.shot("compare-key-figures")
        heading = page.get_by_role("heading", name="Peak from Nov 10: orders routed differently")
        self.to_top(heading)
        changed = page.get_by_test_id("stMetric").filter(has_text="Orders changed")
        expect(changed.get_by_test_id("stMetricValue")).to_have_text(f"{len(comparison.changed):,}")
        largest = comparison.by_cause.iloc[0]
        self.sees(f"{largest['orders']:,} orders: {largest['cause']}")  # said as a sentence
        causes = page.get_by_test_id("stDataFrame").nth(1)
        self.to_top(page.get_by_text("Why they changed"))
        expect(self.grid_row(causes, largest["cause"]).nth(1)).to_have_text(
            f"{largest['orders']:,}"
        )
        self.shot("compare-causes")
        detail = detail_table(comparison)
        first = detail.iloc[0]
        orders = page.get_by_test_id("stDataFrame").last
        expect(self.grid_row(orders, first["Order"]).first).to_have_text(first["Order"])
        for column in ("Day", "What changed", "Strategies in Today", "Why"):
            number = list(detail.columns).index(column) + 1
            cell = orders.locator(f"td[aria-colindex='{number}']").first
            for _ in range(30):  # columns further right: scroll the grid sideways
                if cell.count():
                    break
                orders.hover()
                page.mouse.wheel(240, 0)
            expect(cell).to_have_text(first[column])
        self.shot("compare-changed-orders")

    def grid(self, header: str):
        """The data grid with a column called `header`."""
        exact = re.compile(f"^{re.escape(header)}$")
        column = self.page.locator("th").filter(has_text=exact)
        return self.page.get_by_test_id("stDataFrame").filter(has=column)

    def grid_row(self, grid, first_cell: str):
        """The cells of the row of a data grid whose first cell says `first_cell`. The grid
        is drawn on a canvas; its cells are in the canvas's table for assistive
        technology, only for the rows in view: scroll the grid until the row is there."""
        exact = re.compile(f"^{re.escape(first_cell)}$")
        cell = self.page.locator("td[aria-colindex='1']").filter(has_text=exact)
        row = grid.locator("tr").filter(has=cell)
        for _ in range(20):
            if row.count():
                break
            grid.hover()
            self.page.mouse.wheel(0, 120)
        return row.locator("td")


def write_doc_images() -> None:
    """The walkthrough's screenshots for docs/images/: cut below the page's last line and
    reduced to a small palette (the studio draws few colours), so each stays small."""
    from PIL import Image

    DOC_IMAGES.mkdir(parents=True, exist_ok=True)
    for shot in sorted(SHOTS.glob("*.png")):
        name = shot.stem.split("-", 1)[1]
        if name not in DOC_SHOTS:
            continue
        with Image.open(shot) as image:
            picture = image.convert("RGB")
        picture = picture.crop((0, 0, picture.width, content_bottom(picture)))
        small = picture.quantize(colors=96, method=Image.Quantize.MEDIANCUT)
        small.save(DOC_IMAGES / DOC_SHOTS[name], optimize=True)


def content_bottom(picture) -> int:
    """The height that keeps the page's content: the main area's last non-blank row,
    plus a margin (the sidebar runs the whole height, so it is left out of the test)."""
    from PIL import Image, ImageChops

    main = picture.crop((SIDEBAR, 0, picture.width, picture.height))
    blank = Image.new("RGB", main.size, main.getpixel((main.width - 1, main.height - 1)))
    box = ImageChops.difference(main, blank).getbbox()
    return picture.height if box is None else min(picture.height, box[3] + 32)
