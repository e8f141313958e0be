"""The ruleset text box in Debian's Chromium: numbered lines, a finding underlined in
the text and its line number marked, and the same finding under its form field."""

from __future__ import annotations

import re

import browser
import pytest
import studio_pages
from test_studio_browser import FRANCE, IDLE, server

demo_folder = studio_pages.demo_folder
server = server
ARTIFACTS = browser.ARTIFACTS


@pytest.mark.browser
def test_the_editor_numbers_lines_and_underlines_a_finding(server):
    from playwright.sync_api import expect

    backwards = FRANCE.replace(
        "effective 2026-11-15 to 2026-12-31", "effective 2026-12-31 to 2026-11-15"
    )
    line = backwards.splitlines().index("  effective 2026-12-31 to 2026-11-15") + 1
    with browser.chromium(server, width=1600, height=2400) as (context, remote):
        page = context.new_page()
        page.goto(server, timeout=60_000)
        page.wait_for_selector(IDLE, timeout=60_000)
        editor = page.locator(".st-key-rules-editor textarea")
        expect(editor).to_have_value(FRANCE, timeout=30_000)
        numbers = page.locator(".st-key-rules-editor .route-gutter > div > div")
        expect(numbers).to_have_count(len(FRANCE.splitlines()) + 1, timeout=30_000)
        expect(numbers.nth(0)).to_have_text("1")

        editor.fill(backwards)
        editor.press("Control+Enter")
        page.wait_for_selector(IDLE)
        underline = page.locator(".st-key-rules-editor .route-underline.route-error")
        expect(underline).to_have_text("2026-11-15", timeout=30_000)
        marked = page.locator(".st-key-rules-editor .route-gutter .route-error")
        expect(marked).to_have_text(str(line))
        assert "before it starts" in (marked.get_attribute("title") or "")
        # the underline sits on the text it marks: same row, right of the line's start
        box, row = boxes(page, underline, numbers.nth(line - 1))
        assert abs(box["y"] - row["y"]) < 4, (box, row)
        editor.evaluate(
            "area => { area.scrollTop = 200; area.dispatchEvent(new Event('scroll')); }"
        )
        box, row = boxes(page, underline, numbers.nth(line - 1))
        assert abs(box["y"] - row["y"]) < 4, (box, row)  # and still, once scrolled
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator(".st-key-rules-editor").screenshot(
            path=str(ARTIFACTS / "studio-editor-marks.png")
        )

        # the form shows the finding under the effective window of that strategy
        page.get_by_role("tab", name="Form").click()
        page.locator(".st-key-rules-strategy [data-testid=stSelectbox]").click()
        page.get_by_role("option", name=re.compile("^peak_store_protection")).click()
        page.wait_for_selector(IDLE)
        section = page.locator(".st-key-rules-form-section-effective")
        expect(section).to_contain_text(
            f"Line {line}, column 27: this window ends (2026-11-15) before it starts",
            timeout=30_000,
        )
        section.screenshot(path=str(ARTIFACTS / "studio-form-finding.png"))
    assert remote == [], f"the studio asked the network for {remote}"


@pytest.mark.browser
def test_the_marks_wait_for_a_text_box_drawn_after_them():
    """On a slow first render the marks' script can run before Streamlit draws the text
    box: it numbers the box's lines as soon as the box appears (editor_marks.js)."""
    import base64

    from playwright.sync_api import expect

    from studio.components.editor_marks import SCRIPT

    module = "data:text/javascript;base64," + base64.b64encode(SCRIPT.encode()).decode()
    with browser.chromium("http://127.0.0.1:9") as (context, remote):
        page = context.new_page()
        page.set_content("<html><body><main></main></body></html>")
        page.evaluate(
            """async (module) => {
                const marks = await import(module);
                marks.default({data: {text: "a\\nb\\nc", marks: [[2, 1, 1, "error", "bad"]]}});
            }""",
            module,
        )
        page.wait_for_timeout(300)  # the script has run: no box yet, nothing drawn
        assert page.locator(".route-gutter").count() == 0
        page.evaluate(
            """() => {
                const box = document.createElement("div");
                box.className = "st-key-rules-editor";
                const holder = document.createElement("div");
                const area = document.createElement("textarea");
                area.value = "a\\nb\\nc";
                holder.appendChild(area);
                box.appendChild(holder);
                document.querySelector("main").appendChild(box);
            }"""
        )
        numbers = page.locator(".st-key-rules-editor .route-gutter > div > div")
        expect(numbers).to_have_count(3)
        expect(numbers.nth(1)).to_have_class("route-error")
        expect(numbers.nth(1)).to_have_attribute("title", "column 1: bad")
    assert remote == []


def boxes(page, *elements, seconds: float = 10.0):
    """The elements' boxes on the page, once each is drawn: the marks are drawn again
    after a scroll, and an element between two drawings has no box."""
    for _ in range(int(seconds * 10)):
        found = [element.bounding_box() for element in elements]
        if all(box is not None for box in found):
            return found
        page.wait_for_timeout(100)
    raise AssertionError(f"not drawn within {seconds} s: {elements}")


def pick(page, widget: str, option: str) -> None:
    """Open a select box or multiselect (by its widget key) and click an option."""
    box = page.locator(f".st-key-{widget.replace('.', '-')} [role=combobox]:visible").first
    browser.pick(page, box, option)


@pytest.mark.browser
def test_keep_two_units_at_flagship_stores_in_peak_with_pickers(server):
    """The issue's example, clicked: a new strategy in force from 15 November to 31
    December keeping 2 units at the stores tagged flagship, no rule code typed."""
    from playwright.sync_api import expect

    with browser.chromium(server, width=1600, height=2400) as (context, remote):
        page = context.new_page()
        page.goto(server, timeout=60_000)
        page.wait_for_selector(IDLE, timeout=60_000)
        page.get_by_role("tab", name="Form").click()
        page.get_by_role("button", name="Add", exact=True).click()
        page.wait_for_selector(IDLE)
        for end, day, shown in (("start", "2026-11-15", "15/11/2026"),
                                ("end", "2026-12-31", "31/12/2026")):  # fmt: skip
            browser.fill_date(page, f"rules-form-add-window-{end}", day, shown)
        page.locator(".st-key-rules-form-add-window-button button:visible").click()
        page.wait_for_selector(IDLE)
        expect(page.locator(".st-key-rules-form-window-0-start").get_by_role("group")).to_have_text(
            "15/11/2026"
        )
        units = page.locator(".st-key-rules-form-add-keep-units input")
        units.fill("2")
        units.press("Enter")
        page.wait_for_selector(IDLE)
        pick(page, "rules.form.add.keep.at.field", "node.tags")
        pick(page, "rules.form.add.keep.at.op", "has")
        browser.pick_only(page, page.locator(".st-key-rules-form-add-keep-at-values"), ["flagship"])
        page.locator(".st-key-rules-form-add-keep-button button:visible").click()
        page.wait_for_selector(IDLE)
        keep = page.locator(".st-key-rules-form-section-keep")
        expect(keep.locator(".st-key-rules-form-keep-0-units input")).to_have_value("2")
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator(".st-key-rules-form-section-effective").screenshot(
            path=str(ARTIFACTS / "studio-form-window.png")
        )
        keep.screenshot(path=str(ARTIFACTS / "studio-form-keep.png"))
        # the peak strategy's `source from`: rows joined with or, one a group of two
        page.locator(".st-key-rules-strategy [data-testid=stSelectbox]").click()
        page.get_by_role("option", name=re.compile("^peak_store_protection")).click()
        page.wait_for_selector(IDLE)
        source = page.locator(".st-key-rules-form-section-source")
        expect(source.get_by_text("any one is enough (or)").first).to_be_visible()
        source.screenshot(path=str(ARTIFACTS / "studio-form-or-group.png"))
        page.get_by_role("tab", name="Text").click()
        text = page.locator(".st-key-rules-editor textarea").input_value()
        assert text.endswith(
            'strategy new_strategy "New strategy"\n'
            "  effective 2026-11-15 to 2026-12-31\n"
            '  keep 2 units at node.tags has "flagship"\n'
        ), text[-300:]
    assert remote == [], f"the studio asked the network for {remote}"
