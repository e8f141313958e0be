"""Nothing lost and real sign-off on the Rules page, run headless through the whole app:
a reload (a new session) restores the working copy; Open and New over unsaved changes
ask first; in a store with accounts the studio asks to sign in, a viewer cannot save,
an approver cannot approve their own change, and a version scheduled a minute ahead
shows as scheduled, then live once its instant has passed (the store's clock is moved,
nobody sleeps); every audit record names the signed-in user."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import studio_pages
from store_people import Clock, add_team, open_store
from streamlit.testing.v1 import AppTest
from studio_pages import RUN_TIMEOUT, texts

from studio.components.shipped_examples import seed

demo_folder = studio_pages.demo_folder
studio_env = studio_pages.studio_env
APP = Path(__file__).resolve().parents[1] / "studio" / "app.py"
FRANCE = (resources.files("rulesets") / "france.route").read_text(encoding="utf-8")
EDITED = FRANCE.replace("  priority 1000\n", "  priority 900\n")
PARIS = ZoneInfo("Europe/Paris")


def run(app: AppTest) -> AppTest:
    app.run()
    assert not app.exception, app.exception
    return app


def studio() -> AppTest:
    """A new browser session: a first visit, or a reload."""
    return run(AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT))


def editor_text(app: AppTest) -> str:
    return app.text_area(key="rules.editor").value


def type_text(app: AppTest, text: str) -> AppTest:
    app.text_area(key="rules.editor").input(text)
    return run(app)


def history(app: AppTest) -> list[list]:
    frame = next(e.value for e in app.dataframe if "reviewer" in e.value.columns)
    return frame[["version", "state", "author", "reviewer"]].values.tolist()


def sign_in(app: AppTest, name: str, password: str | None = None) -> AppTest:
    app.text_input(key="signin.login").input(name)
    app.text_input(key="signin.password").input(password or f"{name}-password")
    next(b for b in app.button if b.label == "Sign in").click()
    return run(app)


def sign_out(app: AppTest) -> AppTest:
    app.button(key="signin.out").click()
    return run(app)


@pytest.fixture
def url(studio_env, tmp_path) -> str:  # noqa: ARG001 - studio_env sets the store's URL
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def team_store(url):
    """The studio's store with the shipped examples as drafts and one account per role:
    root (admin), ed (editor), ann and bob (approvers), vic (viewer)."""
    with open_store(url) as store:
        seed(store)
        add_team(store)
        yield store


# ---------------------------------------------------------------- nothing lost


@pytest.mark.usefixtures("studio_env")
def test_a_reload_restores_the_working_copy(url):
    app = studio()
    type_text(app, EDITED)
    assert "**unsaved changes**" in texts(app)
    reloaded = studio()  # a new session, as after a reload or in another browser
    assert editor_text(reloaded) == EDITED
    assert "Restored your unsaved changes to france (from v1)" in texts(reloaded)
    assert "**unsaved changes**" in texts(reloaded)
    with open_store(url) as store:
        kept = store.working_copies.get("ops.lead", "france")
        assert kept.text == EDITED
    paris = kept.saved_at.replace(tzinfo=kept.saved_at.tzinfo or dt.UTC)
    when = f"{paris.astimezone(ZoneInfo('Europe/Paris')):%d/%m/%Y %H:%M} (Europe/Paris)"
    assert f"as kept at {when}." in texts(reloaded)  # once in UTC, yyyy-mm-dd
    # saved as a version, the working copy goes: the next session opens the version
    run(reloaded)
    reloaded.button(key="rules.save").click()
    run(reloaded)
    assert "Saved france v2 as a draft." in texts(reloaded)
    with open_store(url) as store:
        assert store.working_copies.latest("ops.lead") is None
    again = studio()
    assert "Restored" not in texts(again)
    assert "no unsaved changes" in texts(again)


@pytest.mark.usefixtures("studio_env")
def test_open_over_unsaved_changes_asks_first(url):
    app = studio()
    type_text(app, EDITED)
    app.selectbox(key="rules.pick_ruleset").set_value("marketplace")
    run(app)
    app.button(key="rules.open").click()
    run(app)
    assert editor_text(app) == EDITED  # nothing replaced yet
    assert "You have unsaved changes to **france** (based on v1)." in texts(app)
    assert "Opening **marketplace v1** replaces them" in texts(app)
    app.button(key="rules.open.cancel").click()  # keep editing
    run(app)
    assert editor_text(app) == EDITED
    assert "You have unsaved changes" not in texts(app)
    # New ruleset… asks too; this time the changes go
    app.selectbox(key="rules.pick_ruleset").set_value("New ruleset…")
    run(app)
    app.button(key="rules.open").click()
    run(app)
    assert "Starting a new ruleset replaces them" in texts(app)
    app.button(key="rules.open.confirm").click()
    run(app)
    assert editor_text(app).startswith('ruleset "New ruleset"')
    with open_store(url) as store:
        assert store.working_copies.get("ops.lead", "france") is None


@pytest.mark.usefixtures("studio_env")
def test_opening_without_unsaved_changes_does_not_ask():
    app = studio()
    app.selectbox(key="rules.pick_ruleset").set_value("marketplace")
    run(app)
    app.button(key="rules.open").click()
    run(app)
    assert "Opened marketplace v1 (draft)." in texts(app)
    assert "You have unsaved changes" not in texts(app)


# ------------------------------------------------------------------ sign-off


def test_a_store_with_accounts_asks_to_sign_in_and_refuses_a_wrong_password(team_store):
    app = studio()
    assert not app.text_area  # nothing of the studio before signing in
    assert "Sign in to Sourcing Studio" in [t.value for t in app.title]
    sign_in(app, "ed", "not-his-password")
    assert "Not signed in: unknown user or wrong password." in texts(app)
    sign_in(app, "ed")
    assert "Signed in as **ed** (ed, editor)" in [c.value for c in app.sidebar.caption]
    assert editor_text(app) == team_store.version("france", 1).text
    sign_out(app)
    assert "Sign in to Sourcing Studio" in [t.value for t in app.title]


def test_a_viewer_cannot_save_and_is_told_why(team_store):
    app = sign_in(studio(), "vic")
    type_text(app, EDITED)
    assert app.button(key="rules.save").disabled
    assert "vic is a viewer: only editors or approvers or admins may save drafts." in texts(app)
    assert [v.number for v in team_store.history("france")] == [1]
    # what they typed is still kept as their own working copy
    assert team_store.working_copies.get("vic", "france").text == EDITED


def test_an_approver_cannot_approve_their_own_change(team_store):
    app = sign_in(studio(), "ann")
    type_text(app, EDITED)
    app.button(key="rules.save").click()
    run(app)
    app.button(key="rules.submit").click()
    run(app)
    assert "france v2 is in review." in texts(app)
    assert app.button(key="rules.publish").disabled
    assert "You wrote france v2: another person must approve it" in texts(app)
    # another approver may, after confirming
    sign_out(app)
    sign_in(app, "bob")
    app.button(key="rules.publish").click()
    run(app)
    app.button(key="rules.publish.yes").click()
    run(app)
    assert "france v2 is published and live (approved by bob)." in texts(app)
    actors = [(e.actor, e.action, e.version) for e in team_store.audit("france")]
    assert actors[-3:] == [("ann", "saved", 2), ("ann", "submitted", 2), ("bob", "published", 2)]


def test_a_version_scheduled_a_minute_ahead_is_scheduled_then_live(team_store, url):
    app = sign_in(studio(), "ed")
    type_text(app, EDITED)
    app.button(key="rules.save").click()
    run(app)
    app.button(key="rules.submit").click()
    run(app)
    assert app.button(key="rules.publish").disabled  # an editor cannot publish
    assert "ed is an editor: only approvers or admins may publish or schedule." in texts(app)
    sign_out(app)
    sign_in(app, "ann")
    go_live = (dt.datetime.now(PARIS) + dt.timedelta(minutes=2)).replace(second=0, microsecond=0)
    app.radio(key="rules.go_live").set_value("At a date and time")
    run(app)
    app.date_input(key="rules.go_live.day").set_value(go_live.date())
    app.time_input(key="rules.go_live.time").set_value(go_live.time())
    run(app)
    app.button(key="rules.publish").click()
    run(app)
    shown = f"{go_live:%d/%m/%Y %H:%M} (Europe/Paris)"
    assert f"Schedule **france v2**? It goes live on **{shown}**." in texts(app)
    app.button(key="rules.publish.yes").click()
    run(app)
    assert f"france v2 is scheduled: it goes live on {shown} (approved by ann)." in texts(app)
    assert history(app)[0] == [2, "scheduled", "ed", "ann"]
    assert team_store.live("france") is None

    # the Timeline says what goes live when
    app.switch_page("views/timeline.py")
    run(app)
    assert f"**Scheduled: france v2** goes live on {shown} (approved by ann)" in texts(app)

    # the instant passes: any use of the store after it puts v2 live
    after = go_live.astimezone(dt.UTC) + dt.timedelta(seconds=1)
    with open_store(url, Clock(after)) as later:
        assert later.live("france").number == 2
    app.switch_page("views/rules.py")
    run(app)
    assert history(app)[0] == [2, "live", "ed", "ann"]
    published = [e for e in team_store.audit("france") if e.action == "published"][-1]
    assert (published.actor, published.at) == ("ann", go_live.astimezone(dt.UTC))


def test_signing_out_with_an_edit_on_its_way_shows_the_sign_in_and_no_error(team_store):
    """Pressing Sign out while the text box still holds an edit not yet applied sends both
    at once: the edit's callback must not fail on a session already forgotten (it showed
    a KeyError on 'rules.editor'), and the edit stays in the user's working copy."""
    app = sign_in(studio(), "ed")
    app.text_area(key="rules.editor").input(EDITED)
    app.button(key="signin.out").click()
    run(app)
    assert "Sign in to Sourcing Studio" in [t.value for t in app.title]
    assert not app.text_area
    assert team_store.working_copies.get("ed", "france").text == EDITED
    sign_in(app, "ed")
    assert editor_text(app) == EDITED  # restored from the working copy
