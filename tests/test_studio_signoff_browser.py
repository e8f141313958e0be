"""Sign-off in Debian's Chromium, on a store prepared as `make demo` prepares it
(france v1 live, the two demo accounts): the demo editor signs in, edits the text,
reloads the page and, signed in again, finds the edit still there; saves and submits
it; the demo approver signs in, schedules it a couple of minutes ahead after the
confirmation naming the version and the instant, and sees it scheduled on the Rules
page and the Timeline; once its instant has passed (the test's own store is moved past
it: nobody waits) the Timeline shows it live."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import browser
import pytest
import studio_pages
from store_people import Clock, open_store

import dsl
from rulesets.store import DEMO_ACCOUNTS
from rulesets.store.demo import prepare

demo_folder = studio_pages.demo_folder
ROOT = Path(__file__).resolve().parents[1]
FRANCE = dsl.format_ruleset(dsl.parse((ROOT / "rulesets" / "france.route").read_text("utf-8")))
EDITED = FRANCE.replace("  priority 1000\n", "  priority 900\n")
PASSWORDS = {name: password for name, *_, password in DEMO_ACCOUNTS}
PARIS = ZoneInfo("Europe/Paris")
SHOTS = browser.ARTIFACTS / "signoff"


@pytest.mark.browser
def test_reload_keeps_the_edit_and_a_scheduled_version_goes_live(demo_folder, tmp_path):
    from playwright.sync_api import expect

    url = f"sqlite:///{tmp_path / 'store.db'}"
    with open_store(url, Clock(dt.datetime.now(dt.UTC))) as store:
        prepare(store)
    env = {"SOURCING_DATA_DIR": str(demo_folder), "SOURCING_DB_URL": url}
    SHOTS.mkdir(parents=True, exist_ok=True)
    with (
        browser.studio_server(env, tmp_path / "streamlit.log") as server,
        browser.chromium(server, width=1400, height=2200) as (context, remote),
    ):
        page = context.new_page()

        def idle() -> None:
            browser.wait_idle(page)

        def sees(text: str) -> None:
            expect(page.get_by_text(text).first).to_be_visible(timeout=30_000)

        def sign_in(name: str) -> None:
            expect(page.get_by_role("heading", name="Sign in to Sourcing Studio")).to_be_visible(
                timeout=60_000
            )
            page.get_by_label("Name", exact=True).fill(name)
            page.get_by_label("Password", exact=True).fill(PASSWORDS[name])
            page.get_by_role("button", name="Sign in").click()
            sees("Signed in as Demo")
            idle()

        page.goto(server, timeout=60_000)
        idle()
        sees("This is a demo store")
        sign_in("demo-editor")
        editor = page.locator(".st-key-rules-editor textarea")
        expect(editor).to_have_value(FRANCE, timeout=30_000)
        editor.fill(EDITED)
        editor.press("Control+Enter")
        sees("unsaved changes")
        idle()

        page.reload()  # the session is gone: sign in again, the edit is still there
        idle()
        sign_in("demo-editor")
        expect(editor).to_have_value(EDITED, timeout=30_000)
        sees("Restored your unsaved changes to france (from v1)")
        page.screenshot(path=str(SHOTS / "01-restored-after-reload.png"))

        page.get_by_role("button", name="Save draft").click()
        sees("Saved france v2 as a draft.")
        page.get_by_role("button", name="Submit v2 for review").click()
        sees("france v2 is in review.")
        expect(page.get_by_role("button", name="Publish v2")).to_be_disabled()
        sees("demo-editor is an editor: only approvers or admins may publish or schedule.")
        page.get_by_role("button", name="Sign out").click()
        idle()

        sign_in("demo-approver")
        go_live = (dt.datetime.now(PARIS) + dt.timedelta(minutes=3)).replace(
            second=0, microsecond=0
        )
        page.get_by_text("At a date and time").click()
        idle()
        for segment, value in (("day, Day", f"{go_live:%d}"), ("month, Day", f"{go_live:%m}"),
                               ("year, Day", f"{go_live:%Y}"), ("hour, Time", f"{go_live:%H}"),
                               ("minute, Time", f"{go_live:%M}")):  # fmt: skip
            box = page.get_by_role("spinbutton", name=segment, exact=True)
            box.click()
            page.keyboard.type(value)
            expect(box).to_have_text(value)
        # straight to the button: the time changed just before travels with the click
        page.get_by_role("button", name="Publish v2…").click()
        shown = f"{go_live:%d/%m/%Y %H:%M} (Europe/Paris)"
        sees(f"It goes live on {shown}; until then v1 stays live.")
        page.screenshot(path=str(SHOTS / "02-confirm-schedule.png"))
        page.get_by_role("button", name="Yes, schedule it").click()
        sees(f"france v2 is scheduled: it goes live on {shown} (approved by demo-approver).")
        page.screenshot(path=str(SHOTS / "03-scheduled.png"))

        page.get_by_role("link", name="Timeline").click()
        sees(f"goes live on {shown} (approved by demo-approver)")
        sees("Live now: france v1")
        idle()
        page.screenshot(path=str(SHOTS / "04-timeline-scheduled.png"))

        after = go_live.astimezone(dt.UTC) + dt.timedelta(seconds=1)
        with open_store(url, Clock(after)) as later:  # the instant has passed
            assert later.live("france").number == 2
        page.get_by_role("link", name="Rules").click()
        idle()
        page.get_by_role("link", name="Timeline").click()
        sees("Live now: france v2")
        idle()
        page.screenshot(path=str(SHOTS / "05-timeline-live.png"))
    assert remote == [], f"the studio asked the network for {remote}"
