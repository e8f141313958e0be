"""A business user's change, from sign-in to go-live, in Debian's Chromium (a British
browser: calendars start on Monday), on the demo as `make demo` serves it — the default
demo data (20,000 orders of 2026) and a store prepared by `sourcing rulesets demo`
(france v1 live, the demo editor and approver).

The demo editor signs in and, with the form only (picks, clicks and numbers; no rule
code typed), makes flagship stores keep 2 units from 15 November to 31 December: the
orders that reach flagship stores in that season are the standard home deliveries
(the peak strategy already leaves flagship stores out), so they copy "Standard home
delivery", give the copy priority 90 and the season's dates with the date pickers;
then reload the page half way and find the edit kept; add the keep level with the
pickers (after a refused -2); press Compare with live once and read the changed orders
grouped by cause; save and submit. The demo approver signs in, schedules go-live at
the next minute but one, confirms, and sees the version live on the Timeline once
that minute has come.

What the page shows is checked against `simulations` run here on the same data. A
screenshot is kept after each step in tests/artifacts/business-journey/
(JOURNEY_DOC_IMAGES=1 also writes those docs/studio.md shows into docs/images/). The
time from the click on Compare with live to the summary shown is printed, never
asserted (the first load, a reload and a switch of ruleset are printed by
tests/test_studio_speed.py)."""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from zoneinfo import ZoneInfo

import browser
import pytest
from playwright.sync_api import expect

import dsl
import simulations
from rulesets.store import DEMO_ACCOUNTS, RulesetStore
from rulesets.store.demo import prepare
from simulations import Scenario
from simulations.charts import KPI_LABELS
from studio.components.change_summary import cause_table
from studio.components.live_compare import DRAFT_NAME
from studio.formats import kpi as format_kpi
from studio.formats import kpi_change

full_demo = browser.full_demo
SHOTS = browser.ARTIFACTS / "business-journey"
DOC_IMAGES = browser.ROOT / "docs" / "images"
WIDTH, HEIGHT = 1400, 1800
"""The window: a laptop's width, tall enough for a page's main figures."""
SIDEBAR = 310
"""The sidebar's width in the window, in pixels."""
DOC_SHOTS = (
    "sign-in",
    "copied",
    "date-picker",
    "restored",
    "keep-refused",
    "keep-added",
    "compare-summary",
    "compare-peak",
    "submitted",
    "confirm-schedule",
    "timeline-scheduled",
    "timeline-live",
)
"""The screenshots docs/studio.md shows, as docs/images/journey-<name>.png."""
PARIS = ZoneInfo("Europe/Paris")
PASSWORDS = {name: password for name, *_, password in DEMO_ACCOUNTS}
FRANCE = dsl.format_ruleset(
    dsl.parse((browser.ROOT / "rulesets" / "france.route").read_text("utf-8"))
)
"""Version 1, live: the shipped example as the store keeps it (canonical text)."""
LABEL = "Standard home delivery in peak"
PEAK_COPY = f"""strategy standard_home_copy "{LABEL}"
  priority 90
  effective 2026-11-15 to 2026-12-31
  when order.delivery == "home"
  source from node.type in ["dc", "store"] and node.can_ship
  within 400 km
  keep 1 unit at node.type == "store"
  keep 2 units at node.tags has "flagship"
  rank by shipments, distance, cost
  split at most 2
  otherwise use dc_backstop
"""
PEAK_COMMENT = "# Peak season: flagship stores keep their shelves"
EDITED = FRANCE.replace(PEAK_COMMENT, PEAK_COPY + "\n" + PEAK_COMMENT)
"""Version 2: the copy of standard home delivery just after it, for the season."""
PEAK = (dt.date(2026, 11, 15), dt.date(2026, 12, 31))
WATCHED = ("store_stockouts", "cost_per_order", "avg_distance_km")
"""KPI cards checked for the peak (any headline figure would do)."""


@pytest.fixture(scope="module")
def expected(full_demo) -> simulations.Comparison:
    """Both versions replayed and compared by `simulations` itself, on the same tables,
    under the names the Rules page gives them."""
    assert PEAK_COMMENT in FRANCE and EDITED != FRANCE
    inputs = simulations.load_inputs(
        *(full_demo / f"{kind}.csv" for kind in ("nodes", "inventory", "orders", "replenishments")),
        carriers=full_demo / "carriers.csv",
        closures=full_demo / "closures.csv",
        timezone="Europe/Paris",
    )
    return simulations.compare(
        Scenario(name="live v1", ruleset=dsl.parse(FRANCE)),
        Scenario(name=DRAFT_NAME, ruleset=dsl.parse(EDITED)),
        inputs,
    )


@pytest.mark.browser
def test_keep_two_units_at_flagship_stores_in_peak_from_sign_in_to_go_live(
    full_demo, expected, tmp_path, capsys
):
    assert len(expected.changed) > 0 and not expected.by_cause.empty
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with RulesetStore.open(url) as store:
        prepare(store)  # what `make demo` runs: `sourcing rulesets demo`
        assert store.live("france").number == 1
    env = {"SOURCING_DATA_DIR": str(full_demo), "SOURCING_DB_URL": url}
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    timings: dict[str, list[float]] = {}
    with (
        browser.studio_server(env, tmp_path / "streamlit.log", browser.WARM_START) as server,
        browser.chromium(server, width=WIDTH, height=HEIGHT, locale="en-GB") as (context, remote),
    ):
        journey = Journey(context.new_page())
        journey.page.goto(server, timeout=120_000)
        journey.sign_in("demo-editor", shot="sign-in")
        journey.copy_standard_home()
        journey.peak_dates()
        journey.reload_and_find_the_edit()
        journey.keep_two_at_flagship()
        timings["compare draft vs live (click to summary shown)"] = [
            journey.compare_with_live(expected)
        ]
        journey.peak_figures(expected)
        journey.save_and_submit()
        journey.sign_out()
        journey.sign_in("demo-approver")
        go_live = journey.schedule()
        journey.see_it_live(go_live)
    assert remote == [], f"the studio asked the network for {remote}"
    browser.print_timings(capsys, "journey, studio.serve", timings)
    if os.environ.get("JOURNEY_DOC_IMAGES"):
        write_doc_images()


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
        self.page.wait_for_timeout(600)  # the tooltip of what was pressed fades out
        self.shots += 1
        self.page.screenshot(path=str(SHOTS / f"{self.shots:02d}-{name}.png"))

    def to_top(self, element) -> None:
        """Scroll the page so that `element` is at the top of the window."""
        element.evaluate("element => element.scrollIntoView({block: 'start'})")

    def sees(self, text: str, timeout: float = 30_000) -> None:
        expect(self.page.get_by_text(text).first).to_be_visible(timeout=timeout)

    def pick(self, box, option: str) -> None:
        browser.pick(self.page, box, option)

    def type_number(self, box, value: str) -> None:
        """A number typed into a number box, committed with Enter."""
        box.fill(value)
        box.press("Enter")
        self.idle()

    def form(self, name: str):
        """A strategy form widget by its key (`rules.form.<name>`)."""
        return self.page.locator(f".st-key-rules-form-{name.replace('.', '-')}")

    def strategy_text(self):
        """The picked strategy as the ruleset's text now says it, beside the form."""
        code = self.page.get_by_test_id("stCode").filter(has_text="strategy standard_home_copy")
        return code.first  # the versions' diff "as text", further down, says it too

    def add_keep_button(self):
        """The new keep level's add button (its element is listed twice in the page while
        Streamlit swaps it: the first is the one on show)."""
        return self.page.locator(
            ".stElementContainer.st-key-rules-form-add-keep-button button"
        ).first

    def editor(self):
        return self.page.locator(".st-key-rules-editor textarea")

    # ------------------------------------------------------------- sign in/out

    def sign_in(self, name: str, shot: str | None = None) -> None:
        page = self.page
        expect(page.get_by_role("heading", name="Sign in to Sourcing Studio")).to_be_visible(
            timeout=120_000
        )
        self.sees("This is a demo store")
        page.get_by_label("Name", exact=True).fill(name)
        page.get_by_label("Password", exact=True).fill(PASSWORDS[name])
        if shot:
            self.shot(shot)
        page.get_by_role("button", name="Sign in").click()
        self.sees(f"({name}, {'editor' if 'editor' in name else 'approver'})", timeout=60_000)
        expect(self.editor()).to_contain_text("strategy", timeout=120_000)
        self.idle()

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Sign out").click()
        self.idle()

    # ------------------------------------------------------------- the edit

    def copy_standard_home(self) -> None:
        """Form tab; standard home delivery is shown first: Copy it. The copy has the
        same priority, so the checker says, under the priority, that it can never be
        chosen; priority 90 and a label of its own answer it."""
        page = self.page
        expect(self.editor()).to_have_value(FRANCE)
        page.get_by_role("tab", name="Form").click()
        self.idle()
        strategy = page.get_by_label("Strategy", exact=True)
        expect(strategy).to_have_value(re.compile("^standard_home — Standard home delivery"))
        page.get_by_role("button", name="Copy").click()
        self.idle()
        expect(strategy).to_have_value(re.compile("^standard_home_copy — "))
        scalars = page.locator(".st-key-rules-form-section-scalars")
        expect(scalars.get_by_test_id("stAlertContentError")).to_contain_text(
            "give standard_home_copy a priority number below 100"
        )
        self.shot("copied")
        label = self.form("label").get_by_role("textbox")
        label.fill(LABEL)
        label.press("Enter")
        self.idle()
        self.type_number(self.form("priority").get_by_role("spinbutton"), "90")
        expect(scalars.get_by_test_id("stAlertContentError")).to_have_count(0)
        expect(self.strategy_text()).to_contain_text("priority 90")

    def calendar_pick(self, which: str, month: str, day: int) -> None:
        """Open the date picker of the window's `which` side and click the day."""
        page = self.page
        self.form(f"window.0.{which}").get_by_role("button", name="Choose date").click()
        calendar = page.get_by_role("dialog")
        title = calendar.get_by_role("application")
        expect(title).to_have_attribute("aria-label", re.compile(r"^Choose date, "))
        if month not in title.get_attribute("aria-label"):
            calendar.get_by_role("button", name="month", exact=True).click()
            page.get_by_role("option", name=month, exact=True).click()
        expect(title).to_have_attribute("aria-label", f"Choose date, {month} 2026")
        if which == "start":
            self.shot("date-picker")
        calendar.get_by_role("button", name=re.compile(rf"\b{day} {month} 2026")).click()
        self.idle()

    def peak_dates(self) -> None:
        """The copy's window (from 01/01/2026, open-ended) becomes 15/11 to 31/12."""
        self.calendar_pick("start", "November", 15)
        self.calendar_pick("end", "December", 31)
        expect(self.form("window.0.start").get_by_role("group")).to_have_text("15/11/2026")
        expect(self.form("window.0.end").get_by_role("group")).to_have_text("31/12/2026")
        expect(self.strategy_text()).to_contain_text("effective 2026-11-15 to 2026-12-31")
        self.sees("unsaved changes")

    def reload_and_find_the_edit(self) -> None:
        """A reload ends the session: sign in again; the working copy is restored."""
        half = EDITED.replace('  keep 2 units at node.tags has "flagship"\n', "", 1)
        self.page.reload(timeout=120_000)
        self.sign_in("demo-editor")
        self.sees("Restored your unsaved changes to france (from v1)")
        expect(self.editor()).to_have_value(half)
        self.shot("restored")
        self.page.get_by_role("tab", name="Form").click()
        self.idle()
        self.pick(
            self.page.get_by_label("Strategy", exact=True),
            f"standard_home_copy — {LABEL} (priority 90)",
        )
        expect(self.form("window.0.start").get_by_role("group")).to_have_text("15/11/2026")

    def keep_two_at_flagship(self) -> None:
        """A new keep level: -2 is refused at the field; then 2 units, at the nodes where
        node.tags has flagship, each picked."""
        page = self.page
        units = self.form("add.keep.units").get_by_role("spinbutton")
        section = page.locator(".st-key-rules-form-section-keep")
        self.type_number(units, "-2")
        button = self.add_keep_button()  # once squeezed in a column too narrow for its icon
        assert button.evaluate("b => b.scrollWidth <= b.clientWidth && b.clientWidth >= 32")
        button.click()
        self.idle()
        refusal = section.get_by_test_id("stAlertContentError")
        expect(refusal).to_contain_text("Not applied: keep -2 refused: keep 0 units or more")
        self.to_top(page.get_by_text("Keep (protected stock"))
        self.shot("keep-refused")
        self.type_number(units, "2")
        self.pick(self.form("add.keep.at.field").get_by_role("combobox"), "node.tags")
        self.pick(self.form("add.keep.at.op").get_by_role("combobox"), "has")
        browser.pick_only(page, self.form("add.keep.at.values"), ["flagship"])
        expect(units).to_have_value("2")
        self.add_keep_button().click()
        self.idle()
        expect(self.strategy_text()).to_contain_text('keep 2 units at node.tags has "flagship"')
        expect(refusal).to_have_count(0)
        self.to_top(page.get_by_text("Within (km of the destination)"))
        self.shot("keep-added")
        page.get_by_role("tab", name="Text").click()
        expect(self.editor()).to_have_value(EDITED)

    # ------------------------------------------------------------- compare

    def compare_with_live(self, comparison: simulations.Comparison) -> float:
        """One click; returns the seconds until the grouped summary is shown."""
        page = self.page
        button = page.get_by_role("button", name="Compare with live (france v1)")
        self.to_top(button)
        start = time.perf_counter()
        button.click()
        changed = page.get_by_test_id("stMetric").filter(has_text="Orders changed")
        expect(changed.get_by_test_id("stMetricValue")).to_have_text(
            f"{len(comparison.changed):,}", timeout=180_000
        )
        largest = cause_table(comparison).iloc[0]
        self.sees(f"{largest['Orders']} orders: {largest['Cause']}")
        self.idle()
        seconds = time.perf_counter() - start
        kinds = comparison.summary["changed_by_kind"]
        for kind in ("nodes", "strategy", "status"):
            card = page.get_by_test_id("stMetric").filter(has_text=f"… {kind}")
            expect(card.get_by_test_id("stMetricValue")).to_have_text(f"{kinds[kind]:,}")
        self.sees(f"{len(comparison.by_cause):,} causes for {len(comparison.changed):,} orders")
        causes = self.grid("Example orders")
        for row in cause_table(comparison).head(3).to_dict("records"):
            cells = self.grid_row(causes, row["Cause"])
            for number, value in enumerate(list(row.values())[:5]):  # the columns in view
                expect(cells.nth(number)).to_have_text(value)
        self.to_top(page.get_by_role("heading", name="Orders routed differently from live v1"))
        self.shot("compare-summary")
        return seconds

    def peak_figures(self, comparison: simulations.Comparison) -> None:
        """Figures for the peak: each card the draft's figure for the orders placed
        from 15/11 to 31/12 and its change against live on the same orders."""
        page = self.page
        period = page.locator(".st-key-rules-live_compare-view-period").get_by_role("combobox")
        self.pick(period, "peak: 15/11/2026 – 31/12/2026")
        draft = comparison.variant.between(*PEAK).kpis.overall
        live = comparison.base.between(*PEAK).kpis.overall
        for key in WATCHED:
            card = page.get_by_test_id("stMetric").filter(
                has=page.get_by_test_id("stMetricLabel").filter(
                    has_text=re.compile(f"^{re.escape(KPI_LABELS[key][0])}$")
                )
            )
            expect(card.get_by_test_id("stMetricValue")).to_have_text(format_kpi(key, draft[key]))
            expect(card.get_by_test_id("stMetricDelta")).to_contain_text(
                kpi_change(key, draft[key] - live[key])
            )
        self.to_top(page.get_by_role("heading", name="Compare with live"))
        self.shot("compare-peak")

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

    # ------------------------------------------------------------- review

    def save_and_submit(self) -> None:
        page = self.page
        comment = page.get_by_label("Comment", exact=True)
        comment.fill("Flagship stores keep 2 units in peak (home deliveries of stores, B2B)")
        comment.press("Enter")
        self.idle()
        page.get_by_role("button", name="Save draft").click()
        self.sees("Saved france v2 as a draft.")
        page.get_by_role("button", name="Submit v2 for review").click()
        self.sees("france v2 is in review.")
        expect(page.get_by_role("button", name="Publish v2")).to_be_disabled()
        self.sees("demo-editor is an editor: only approvers or admins may publish or schedule.")
        self.to_top(page.get_by_role("heading", name="Save and review"))
        self.shot("submitted")

    def schedule(self) -> dt.datetime:
        """Go-live at the next minute but one (the time picker counts minutes), from a
        minute to two away; confirmed. Returns the go-live instant."""
        page = self.page
        self.to_top(page.get_by_role("heading", name="Save and review"))
        go_live = (dt.datetime.now(PARIS) + dt.timedelta(minutes=2)).replace(
            second=0, microsecond=0
        )
        page.get_by_text("At a date and time").click()
        self.idle()
        for segment, value in (("day, Day", f"{go_live:%d}"), ("month, Day", f"{go_live:%m}"),
                               ("year, Day", f"{go_live:%Y}"), ("hour, Time", f"{go_live:%H}"),
                               ("minute, Time", f"{go_live:%M}")):  # fmt: skip
            box = page.get_by_role("spinbutton", name=segment, exact=True)
            box.click()
            page.keyboard.type(value)
            expect(box).to_have_text(value)
        page.get_by_role("button", name="Publish v2…").click()
        shown = f"{go_live:%d/%m/%Y %H:%M} (Europe/Paris)"
        self.sees(f"It goes live on {shown}; until then v1 stays live.")
        self.to_top(page.get_by_role("heading", name="Save and review"))
        self.shot("confirm-schedule")
        page.get_by_role("button", name="Yes, schedule it").click()
        self.sees(f"france v2 is scheduled: it goes live on {shown} (approved by demo-approver).")
        page.get_by_role("link", name="Timeline").click()
        self.sees(f"goes live on {shown} (approved by demo-approver)")
        self.sees("Live now: france v1")
        self.shot("timeline-scheduled")
        return go_live

    def see_it_live(self, go_live: dt.datetime) -> None:
        """Wait for the instant (bounded: a minute past it at most), looking again at
        the Timeline every few seconds, until it says v2 is live."""
        page = self.page
        live = page.get_by_text("Live now: france v2")
        deadline = go_live + dt.timedelta(seconds=60)
        while True:
            wait = (go_live - dt.datetime.now(PARIS)).total_seconds()
            time.sleep(min(max(wait, 0) + 1, 10))
            page.get_by_role("link", name="Rules").click()
            self.idle()
            page.get_by_role("link", name="Timeline").click()
            self.idle()
            if live.count() or dt.datetime.now(PARIS) > deadline:
                break
        expect(live.first).to_be_visible()
        self.shot("timeline-live")


def write_doc_images() -> None:
    """The screenshots docs/studio.md shows, as docs/images/journey-<name>.png: cut
    below the page's last line and reduced to a small palette (the studio draws few
    colours), so each stays small."""
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
        small.save(DOC_IMAGES / f"journey-{name}.png", optimize=True)


def content_bottom(picture) -> int:
    """The height that keeps the page's content: the main area's last non-blank row,
    plus a margin (the sidebar runs the whole height, so it is left out of the test)."""
    from PIL import Image, ImageChops

    main = picture.crop((SIDEBAR, 0, picture.width, picture.height))
    blank = Image.new("RGB", main.size, main.getpixel((main.width - 1, main.height - 1)))
    box = ImageChops.difference(main, blank).getbbox()
    return picture.height if box is None else min(picture.height, box[3] + 32)
