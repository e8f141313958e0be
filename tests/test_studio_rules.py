"""The Rules page, run headless through the whole app (navigation and first-start seeding
included): text edits update the diagnostics, form edits update the text and text edits
the forms, and the store's workflow — save with conflict detection, submit, publish,
history, clause-level diff."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import studio_pages
from streamlit.testing.v1 import AppTest
from studio_pages import RUN_TIMEOUT, texts

import dsl
from rulesets.store import RulesetStore, State
from studio.components.form_state import key, within_key

demo_folder = studio_pages.demo_folder
studio_env = studio_pages.studio_env
APP = Path(__file__).resolve().parents[1] / "studio" / "app.py"
FRANCE = (resources.files("rulesets") / "france.route").read_text(encoding="utf-8")
SHIPPED = sorted(
    f.name.removesuffix(".route")
    for f in resources.files("rulesets").iterdir()
    if f.name.endswith(".route")
)


def studio() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT).run()
    assert not app.exception, app.exception
    return app


def run(app: AppTest) -> AppTest:
    app.run()
    assert not app.exception, app.exception
    return app


def editor_text(app: AppTest) -> str:
    return app.text_area(key="rules.editor").value


def type_text(app: AppTest, text: str) -> AppTest:
    app.text_area(key="rules.editor").input(text)
    return run(app)


def findings(app: AppTest):
    for element in app.dataframe:
        frame = element.value
        if {"severity", "line", "column", "message"} <= set(frame.columns):
            return frame
    return None


def diff_rows(app: AppTest):
    for element in app.dataframe:
        frame = element.value
        if {"strategy", "change", "clause", "before", "after"} <= set(frame.columns):
            return frame
    return None


@pytest.fixture
def store(studio_env):  # noqa: ARG001 - studio_env names the store's database
    with RulesetStore.open() as opened:
        yield opened


@pytest.mark.usefixtures("studio_env")
def test_first_start_seeds_the_examples_and_opens_france(store):
    app = studio()
    assert [s.name for s in store.list_rulesets()] == SHIPPED
    latest = [summary.latest for summary in store.list_rulesets()]
    assert all(v.state == State.DRAFT and v.number == 1 for v in latest)
    assert editor_text(app) == store.version("france", 1).text
    assert dsl.parse(editor_text(app)) == dsl.parse(FRANCE)
    shown = texts(app)
    assert "Editing **france v1** (draft, by shipped-examples" in shown
    assert "No problems found in 5 strategies." in shown
    assert findings(app) is None
    # a second start does not seed again
    studio()
    assert [len(store.history(name)) for name in SHIPPED] == [1] * len(SHIPPED)


@pytest.mark.usefixtures("studio_env")
def test_editing_the_text_updates_the_diagnostics():
    app = studio()
    typo = FRANCE.replace('order.tier == "vip"', 'order.teir == "vip"')
    type_text(app, typo)
    rows = findings(app)
    assert rows[["severity", "line", "column"]].values.tolist() == [["error", 38, 8]]
    assert rows["message"][0] == "unknown field `order.teir`; did you mean `order.tier`?"
    assert "1 error: the ruleset can be saved as a draft but not submitted" in texts(app)
    rendered = app.get("code")
    assert any("france.route:38:8: error: unknown field" in c.value for c in rendered)
    assert "**unsaved changes**" in texts(app)

    # a syntax error: one finding with its line and column, and the forms step aside
    broken = FRANCE.replace("  within 50 km\n", "  within km\n")
    type_text(app, broken)
    rows = findings(app)
    assert rows[["severity", "line", "column"]].values.tolist() == [["error", 40, 10]]
    assert "expected" in rows["message"][0]
    assert "The text has a syntax error" in texts(app)

    # fixed again: the panel says so, and the forms are back
    type_text(app, FRANCE)
    assert findings(app) is None
    assert "No problems found in 5 strategies." in texts(app)
    assert app.selectbox(key="rules.strategy").value == "standard_home"


@pytest.mark.usefixtures("studio_env")
def test_a_data_column_is_a_known_field():
    app = studio()
    text = FRANCE.replace('when order.delivery == "home"\n', 'when order.delivery == "home"\n', 1)
    text = text.replace("  priority 20\n", "  priority 20\n  when order.promised_days <= 2\n", 1)
    text = text.replace('  when order.delivery == "collect"\n', "")
    type_text(app, text)
    assert findings(app) is None  # promised_days is a column of the demo orders
    type_text(app, text.replace("order.promised_days", "order.promised_dayz"))
    assert "did you mean `order.promised_days`" in findings(app)["message"][0]


@pytest.mark.usefixtures("studio_env")
def test_a_form_change_rewrites_the_text():
    app = studio()
    app.selectbox(key="rules.strategy").set_value("peak_store_protection")
    run(app)
    assert app.number_input(key=key("priority")).value == 10
    app.number_input(key=key("priority")).set_value(7)
    run(app)
    assert 'strategy peak_store_protection "Peak season store protection"\n  priority 7\n' in (
        editor_text(app)
    )
    # the picker rows: the channel list and the delivery method
    assert app.selectbox(key=key("when", 0, "field")).value == "order.channel"
    assert app.multiselect(key=key("when", 0, "values")).value == ["web", "marketplace"]
    app.multiselect(key=key("when", 0, "values")).select("b2b")
    run(app)
    assert 'when order.channel in ["web", "marketplace", "b2b"] and order.delivery == "home"' in (
        editor_text(app)
    )
    # a window moved: the date pickers write the `effective` line
    import datetime as dt

    app.date_input(key=key("window", 0, "start")).set_value(dt.date(2026, 11, 8))
    run(app)
    assert "  effective 2026-11-08 to 2026-12-31\n" in editor_text(app)
    # add a condition from the empty row; remove the keep level; split none
    app.selectbox(key=key("add", "when", "field")).set_value("order.value")
    run(app)  # a number field: its value is typed
    app.selectbox(key=key("add", "when", "op")).set_value(">=")
    app.text_input(key=key("add", "when", "value")).input("50")
    app.button(key=key("add", "when", "button")).click()
    run(app)
    assert 'and order.delivery == "home" and order.value >= 50\n' in editor_text(app)
    app.button(key=key("keep", 0, "remove")).click()
    run(app)
    app.selectbox(key=key("split_mode")).set_value("none")
    run(app)
    peak = dsl.parse(editor_text(app)).strategy("peak_store_protection")
    assert (peak.priority, peak.keep, peak.split) == (7, [], 1)
    assert "No problems found in 5 strategies." in texts(app)
    # the strategy's own text beside the form is the ruleset's
    assert any("  split none" in c.value and "priority 7" in c.value for c in app.get("code"))


@pytest.mark.usefixtures("studio_env")
def test_rank_keys_move_and_a_bad_expression_is_refused_in_place():
    app = studio()  # standard_home: rank by shipments, distance, cost
    app.button(key=key("rank", 2, "up")).click()
    run(app)
    assert "  rank by shipments, cost, distance\n" in editor_text(app)
    assert app.selectbox(key=key("rank", 1, "key")).value == "cost"
    app.selectbox(key=key("rank", 1, "direction")).set_value("desc")
    run(app)
    assert "  rank by shipments, cost desc, distance\n" in editor_text(app)

    before = editor_text(app)
    app.selectbox(key=key("source", 0, "field")).set_value("expression…")
    run(app)
    app.text_input(key=key("source", 0, "value")).input("node.type in [")
    run(app)
    assert editor_text(app) == before  # nothing applied
    refused = [e.value for e in app.error if "Not applied:" in e.value]
    assert refused and "`node.type in [`" in refused[0] and "not closed" in refused[0]
    # the form shows what the rules say, the refused text is quoted in the reason
    assert app.selectbox(key=key("source", 0, "field")).value == "node.type"
    assert app.multiselect(key=key("source", 0, "values")).value == ["dc", "store"]
    app.selectbox(key=key("source", 0, "field")).set_value("expression…")
    run(app)
    app.text_input(key=key("source", 0, "value")).input('node.type in ["dc", "store", "3pl"]')
    run(app)
    assert 'source from node.type in ["dc", "store", "3pl"] and node.can_ship\n' in editor_text(app)
    assert not any("Not applied" in e.value for e in app.error)


@pytest.mark.usefixtures("studio_env")
def test_a_text_edit_shows_in_the_forms():
    app = studio()
    text = FRANCE.replace("  priority 100\n", "  priority 42\n").replace(
        "  within 400 km\n", "  within 250 km\n"
    )
    home, express = '  when order.delivery == "home"\n', '  when order.delivery == "express"\n'
    text = text.replace(home, express, 1)
    type_text(app, text)
    assert app.number_input(key=key("priority")).value == 42
    assert app.number_input(key=within_key("standard_home")).value == 250.0
    assert app.multiselect(key=key("when", 0, "values")).value == ["express"]
    # and a new strategy typed in the text can be picked in the form
    pallets = '\nstrategy b2b_pallets "B2B pallets"\n  priority 50\n  split at most 4\n'
    type_text(app, text + pallets)
    picker = app.selectbox(key="rules.strategy")
    assert "b2b_pallets — B2B pallets (priority 50)" in picker.options
    app.selectbox(key="rules.strategy").set_value("b2b_pallets")
    run(app)
    assert app.selectbox(key=key("split_mode")).value == "at most"
    assert app.number_input(key=key("split_max")).value == 4
    assert app.text_input(key=key("label")).value == "B2B pallets"


@pytest.mark.usefixtures("studio_env")
def test_the_clauses_of_the_promise_are_fields_of_the_form():
    app = studio()
    text = FRANCE.replace(
        "  within 50 km\n  rank by distance\n",
        '  within 50 km\n  ship with carrier.service == "express"\n  deliver within 1 day\n'
        "  rank by distance\n",
    )
    type_text(app, text)
    app.selectbox(key="rules.strategy").set_value("vip_express")
    run(app)
    assert app.selectbox(key=key("ship_with", 0, "field")).value == "carrier.service"
    assert app.multiselect(key=key("ship_with", 0, "values")).value == ["express"]
    assert app.selectbox(key=key("deliver_mode")).value == "within"
    assert app.number_input(key=key("deliver_days")).value == 1
    assert app.multiselect(key=key("carrier_by")).value == []

    # the carriers table's services are offered; several picked with `in`
    app.selectbox(key=key("ship_with", 0, "op")).set_value("in")
    run(app)
    values = app.multiselect(key=key("ship_with", 0, "values"))
    assert {"express", "same_day", "standard", "freight"} <= set(values.options)
    values.set_value(["express", "same_day"])
    run(app)
    assert '  ship with carrier.service in ["express", "same_day"]\n' in editor_text(app)

    # days, then a date of the order; carrier by keys in the order picked
    app.number_input(key=key("deliver_days")).set_value(2)
    run(app)
    assert "  deliver within 2 days\n" in editor_text(app)
    app.multiselect(key=key("carrier_by")).set_value(["eta", "cost"])
    run(app)
    assert "  deliver within 2 days\n  carrier by eta, cost\n" in editor_text(app)
    app.selectbox(key=key("deliver_mode")).set_value("by")
    run(app)
    assert "  deliver by order.requested_date\n  carrier by eta, cost\n" in editor_text(app)

    # a number the language does not take is refused where it was typed; the text stays
    app.selectbox(key=key("deliver_mode")).set_value("within")
    run(app)
    before = editor_text(app)
    app.number_input(key=key("deliver_days")).set_value(0)
    run(app)
    assert editor_text(app) == before
    assert any("deliver within 0 days refused" in e.value for e in app.error)

    # lines where, from its new-condition row
    app.selectbox(key=key("add", "lines_where", "field")).set_value("line.weight_kg")
    run(app)  # a new field starts with an empty value
    app.selectbox(key=key("add", "lines_where", "op")).set_value("<=")
    app.text_input(key=key("add", "lines_where", "value")).input("30")
    app.button(key=key("add", "lines_where", "button")).click()
    run(app)
    assert (
        '  when order.tier == "vip" and order.delivery == "express"\n'
        "  lines where line.weight_kg <= 30\n" in editor_text(app)
    )
    # removed: no deliver, no carrier by
    app.selectbox(key=key("deliver_mode")).set_value("(not stated)")
    app.multiselect(key=key("carrier_by")).set_value([])
    run(app)
    assert "  deliver " not in editor_text(app) and "carrier by" not in editor_text(app)


@pytest.mark.usefixtures("studio_env")
def test_a_carrier_key_named_twice_stays_a_text_row():
    app = studio()
    text = FRANCE.replace(
        "  within 50 km\n  rank by distance\n",
        "  within 50 km\n  carrier by cost, cost\n  rank by distance\n",
    )
    type_text(app, text)
    app.selectbox(key="rules.strategy").set_value("vip_express")
    run(app)
    row = app.text_input(key=key("as_text", 0))
    assert row.value == "carrier by cost, cost"
    row.input("carrier by cost, eta")
    run(app)
    assert "  carrier by cost, eta\n" in editor_text(app)
    assert app.multiselect(key=key("carrier_by")).value == ["cost", "eta"]
    assert not [widget for widget in app.text_input if widget.key == key("as_text", 0)]


@pytest.mark.usefixtures("studio_env")
def test_strategies_are_added_renamed_and_deleted_from_the_form():
    app = studio()
    app.button(key="rules.add_strategy").click()
    run(app)
    assert app.selectbox(key="rules.strategy").value == "new_strategy"
    assert editor_text(app).endswith('strategy new_strategy "New strategy"\n')
    app.selectbox(key="rules.strategy").set_value("dc_backstop")
    run(app)
    app.text_input(key=key("id")).input("warehouses")
    run(app)
    tree = dsl.parse(editor_text(app))
    assert [s.otherwise for s in tree.strategies][:2] == ["warehouses", "warehouses"]
    assert app.selectbox(key="rules.strategy").value == "warehouses"
    app.button(key="rules.delete_strategy").click()
    run(app)
    messages = findings(app)["message"].tolist()
    assert any("warehouses" in message for message in messages)  # fallbacks now dangle


@pytest.mark.usefixtures("studio_env")
def test_the_header_fields_edit_name_and_time_zone():
    app = studio()
    app.selectbox(key="rules.header.timezone").set_value("America/New_York")
    run(app)
    assert 'timezone "America/New_York"\n' in editor_text(app)
    app.text_input(key="rules.header.name").input("France peak 2026")
    run(app)
    assert editor_text(app).startswith('ruleset "France peak 2026"\n')


@pytest.mark.usefixtures("studio_env")
def test_the_text_survives_a_visit_to_another_page():
    app = studio()
    edited = FRANCE.replace("  priority 1000\n", "  priority 900\n")
    type_text(app, edited)
    app.switch_page("views/timeline.py")
    run(app)
    assert not app.text_area  # the Timeline has no editor
    app.switch_page("views/rules.py")
    run(app)
    assert dsl.parse(editor_text(app)) == dsl.parse(edited)
    app.selectbox(key="rules.strategy").set_value("dc_backstop")
    run(app)
    assert app.number_input(key=key("priority")).value == 900


@pytest.mark.usefixtures("studio_env")
def test_saving_on_a_stale_version_shows_the_conflict_and_keeps_the_text(store):
    app = studio()
    # someone else saves version 2 of france after this user opened version 1
    theirs = FRANCE.replace("  within 400 km\n", "  within 300 km\n")
    store.save("france", theirs, author="bob", based_on=1, comment="shorter radius")
    mine = FRANCE.replace("  priority 1000\n", "  priority 900\n")
    type_text(app, mine)
    app.button(key="rules.save").click()
    run(app)
    shown = " ".join(e.value for e in app.error)
    changed = store.version("france", 2).created_at.astimezone(ZoneInfo("Europe/Paris"))
    assert (
        f"Not saved: **france** was changed by **bob** at {changed:%d/%m/%Y %H:%M} "
        "(Europe/Paris)" in shown
    )
    assert "(version 2), after the version 1 you started from" in shown
    assert editor_text(app) == mine  # the user's text is intact
    assert [v.number for v in store.history("france")] == [1, 2]
    # compare the editor's text with version 2, then keep it on top of version 2
    rows = diff_rows(app)
    assert rows is None or not rows.empty
    app.selectbox(key="rules.diff.before").set_value(2)
    run(app)
    rows = diff_rows(app)
    changes = set(zip(rows["clause"], rows["before"], rows["after"], strict=True))
    assert ("within", "within 300 km", "within 400 km") in changes
    assert ("priority", "priority 1000", "priority 900") in changes
    app.button(key="rules.rebase").click()
    run(app)
    app.text_input(key="rules.comment").input("backstop earlier")
    app.button(key="rules.save").click()
    run(app)
    assert "Saved france v3 as a draft." in texts(app)
    saved = store.version("france", 3)
    assert (saved.author, saved.parent, saved.comment) == ("ops.lead", 2, "backstop earlier")
    assert dsl.parse(saved.text) == dsl.parse(mine)  # this user's text, as they chose


@pytest.mark.usefixtures("studio_env")
def test_save_submit_publish_and_the_history(store, monkeypatch):
    app = studio()
    edited = FRANCE.replace("  priority 1000\n", "  priority 900\n")
    type_text(app, edited)
    app.button(key="rules.save").click()
    run(app)
    assert "Saved france v2 as a draft." in texts(app)
    assert "Editing **france v2** (draft, by ops.lead" in texts(app)
    app.button(key="rules.submit").click()
    run(app)
    assert "france v2 is in review." in texts(app)
    assert store.version("france", 2).state == State.IN_REVIEW
    # the author cannot approve their own version: the button says why
    assert app.button(key="rules.publish").disabled
    assert "You wrote france v2: another person must approve it." in texts(app)
    assert "rules.reviewer" not in [w.key for w in app.text_input]  # nobody types a name
    monkeypatch.setenv("SOURCING_USER", "alice")  # another person, in a store without accounts
    run(app)
    app.button(key="rules.publish").click()
    run(app)
    assert store.version("france", 2).state == State.IN_REVIEW  # not before the yes
    assert "Publish **france v2** now? It goes live at once (nothing is live yet)" in texts(app)
    app.button(key="rules.publish.yes").click()
    run(app)
    assert "france v2 is published and live (approved by alice)." in texts(app)
    live = store.live("france")
    assert (live.number, live.reviewed_by) == (2, "alice")
    history = next(e.value for e in app.dataframe if "reviewer" in e.value.columns)
    assert history[["version", "state", "author"]].values.tolist() == [
        [2, "live", "ops.lead"],
        [1, "draft", "shipped-examples"],
    ]
    # times in the ruleset's own zone, as its people read them
    saved = store.version("france", 2).created_at
    paris = saved.astimezone(ZoneInfo("Europe/Paris"))
    assert history["saved"].iloc[0] == f"{paris:%d/%m/%Y %H:%M} (Europe/Paris)"
    assert history["live from"].iloc[0].endswith("(Europe/Paris)")
    # no "None" in empty cells
    assert history.iloc[1][["based on", "reviewer", "live from"]].tolist() == ["–"] * 3
    assert history.iloc[0]["based on"] == "v1"
    # nothing to save when the text is what v2 says
    app.button(key="rules.save").click()
    run(app)
    assert "Nothing saved: the text says what version 2 says." in texts(app)


@pytest.mark.usefixtures("studio_env", "store")
def test_submitting_is_refused_with_errors_and_the_diff_between_versions():
    app = studio()
    typo = FRANCE.replace("otherwise use standard_home", "otherwise use standard_hom")
    type_text(app, typo)
    app.button(key="rules.save").click()
    run(app)
    assert "Saved france v2 as a draft." in texts(app)
    assert app.button(key="rules.submit").disabled  # the checker found an error
    # open v1 again and compare v1 with v2 clause by clause
    app.selectbox(key="rules.pick_version").set_value(1)
    app.button(key="rules.open").click()
    run(app)
    assert "Opened france v1 (draft)." in texts(app)
    assert dsl.parse(editor_text(app)) == dsl.parse(FRANCE)
    app.selectbox(key="rules.diff.before").set_value(1)
    app.selectbox(key="rules.diff.after").set_value(2)
    run(app)
    rows = diff_rows(app)
    assert rows.values.tolist() == [
        [
            "vip_express",
            "changed",
            "otherwise",
            "otherwise use standard_home",
            "otherwise use standard_hom",
        ]
    ]
    assert "1 changed (strategy)." in texts(app)


@pytest.mark.usefixtures("studio_env", "store")
def test_an_added_strategy_shows_a_dash_not_none_before_it():
    app = studio()
    type_text(app, FRANCE + '\nstrategy extra "Extra"\n  priority 7\n')
    rows = diff_rows(app)
    assert rows[["strategy", "change"]].values.tolist() == [["extra", "added"]] * 2
    assert set(rows["before"]) == {"–"} and set(rows["after"]) == {'"Extra"', "priority 7"}


@pytest.mark.usefixtures("studio_env")
def test_a_new_ruleset_is_named_when_saved(store):
    app = studio()
    app.selectbox(key="rules.pick_ruleset").set_value("New ruleset…")
    run(app)
    app.button(key="rules.open").click()
    run(app)
    assert editor_text(app).startswith('ruleset "New ruleset"')
    assert "Not saved in the store yet." in texts(app)
    app.button(key="rules.save").click()
    run(app)
    assert "Give the ruleset a name before saving it." in texts(app)
    app.text_input(key="rules.save_name").input("spring_sale")
    app.button(key="rules.save").click()
    run(app)
    assert "Saved spring_sale v1 as a draft." in texts(app)
    assert store.version("spring_sale", 1).author == "ops.lead"
    assert app.selectbox(key="rules.pick_ruleset").value == "spring_sale"


@pytest.mark.usefixtures("studio_env")
def test_a_single_user_setup_publishes_its_own_version(store, monkeypatch):
    monkeypatch.setenv("SOURCING_ALLOW_SELF_REVIEW", "1")
    app = studio()
    type_text(app, FRANCE.replace("  priority 1000\n", "  priority 900\n"))
    app.button(key="rules.save").click()
    run(app)
    app.button(key="rules.submit").click()
    run(app)
    app.button(key="rules.publish").click()
    run(app)
    app.button(key="rules.publish.yes").click()
    run(app)
    assert "france v2 is published and live (approved by ops.lead)." in texts(app)
    assert store.live("france").reviewed_by == "ops.lead"


@pytest.mark.usefixtures("studio_env")
def test_the_rules_read_in_plain_words_and_follow_the_text():
    app = studio()
    shown = texts(app)
    assert "**Peak season store protection**" in shown
    assert "- Ships from either warehouses or stores not tagged flagship." in shown
    assert "- In force from 15 November 2026 to 31 December 2026." in shown
    type_text(app, FRANCE.replace("effective 2026-11-15 to", "effective 2026-11-10 to"))
    assert "- In force from 10 November 2026 to 31 December 2026." in texts(app)
