"""Return strategies in the Rules page's form: the disposition both ways (a fixed word, or
a value with its cases, each case value keeping its type), `restock after`, a new return
strategy written through the form alone, and the clauses of the other kind shown so that
they can be seen and removed."""

from __future__ import annotations

from importlib import resources

import pytest
import studio_pages
from test_studio_rules import FRANCE, editor_text, findings, run, studio, type_text

import dsl
from studio import dispositions, forms
from studio.components import form_state, strategy_form
from studio.components.form_state import key
from studio.conditions import EXPRESSION, Condition, Group
from studio.dispositions import BY, FIXED, Case, DispositionForm

demo_folder = studio_pages.demo_folder
studio_env = studio_pages.studio_env
RETURNS = dsl.parse((resources.files("rulesets") / "france_returns.route").read_text("utf-8"))
CENTRE = """\
return strategy returns_centre "Returns centre"
  priority 30
  send to node.tags has "returns"
  rank by distance
  disposition by return.condition: new -> restock, opened -> refurbish, damaged -> liquidate
  restock after 5 days
"""


def test_a_return_strategy_in_the_form():
    form = forms.form_of(RETURNS.strategy("returns_centre"))
    assert (form.kind, form.priority, form.restock_after) == ("return", 30, 5)
    assert form.send_to == Group(rows=(Condition("node.tags", "has", "returns"),))
    assert form.disposition == DispositionForm(
        by="return.condition",
        cases=(Case("new", "restock"), Case("opened", "refurbish"), Case("damaged", "liquidate")),
    )
    assert form.rank == (forms.RankRow("distance", None),)
    keep = forms.form_of(RETURNS.strategy("keep_in_store"))
    assert keep.disposition == DispositionForm(fixed="restock")
    assert keep.when == Group(
        rows=(Condition("return.method", "==", "store"), Condition("return.condition", "==", "new"))
    )
    # a node field compared with a return field is a row of its own: an expression
    assert keep.send_to == Group(rows=(Condition(EXPRESSION, "", "node.id == return.drop_node"),))


def test_case_values_keep_their_type_and_are_read_as_the_rules_read_them():
    text = CENTRE.replace(
        "new -> restock, opened -> refurbish, damaged -> liquidate",
        'new -> restock, "not as described" -> refurbish, 2 -> destroy, 2.5 -> destroy',
    )
    ruleset = dsl.parse(text)
    form = forms.form_of(ruleset.strategies[0])
    assert [case.value for case in form.disposition.cases] == ["new", "not as described", 2, 2.5]
    assert [case.text for case in form.disposition.cases] == [
        "new", '"not as described"', "2", "2.5",
    ]  # fmt: skip
    assert forms.text_of(forms.update_strategy(ruleset, "returns_centre", form)) == text
    assert dispositions.case_value('"new"') == "new"
    assert dispositions.case_value("3") == 3
    assert dispositions.case_value("to") == "to"  # a keyword is a plain value here
    with pytest.raises(dispositions.DispositionError, match="is not one value"):
        dispositions.case_value("new, opened")
    with pytest.raises(dispositions.DispositionError, match="type the value"):
        dispositions.case_value("  ")


def test_switching_the_form_of_a_disposition_keeps_a_valid_strategy():
    known = ("new", "opened", "damaged")
    fixed = DispositionForm(fixed="refurbish")
    by = dispositions.switched(fixed, BY, known)
    assert by == DispositionForm(
        by="return.condition",
        cases=(Case("new", "refurbish"), Case("opened", "refurbish"), Case("damaged", "refurbish")),
    )
    assert dispositions.switched(by, FIXED, known) == fixed
    assert dispositions.switched(by, None, known) == DispositionForm()
    assert dispositions.missing(
        DispositionForm(by="x", cases=(Case("new", "restock"),)), known
    ) == (
        "opened",
        "damaged",
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"restock_after": -1}, "restock_after", "restock after -1 days refused"),
        (
            {"disposition": DispositionForm(by="return.condition")},
            "disposition.cases",
            "give at least one case",
        ),
        (
            {"disposition": DispositionForm(by="return.", cases=(Case("new", "restock"),))},
            "disposition.by",
            "return.",
        ),
        ({"disposition": DispositionForm(fixed="re stock")}, "disposition.fixed", "refused"),
        (
            {"disposition": DispositionForm(by="return.condition", cases=(Case("new", ""),))},
            "disposition.case.0",
            "refused",
        ),
    ],
)
def test_a_return_value_the_rules_do_not_take_is_refused_at_its_field(changes, field, message):
    form = forms.form_of(RETURNS.strategy("returns_centre"))
    with pytest.raises(forms.FormError, match=message) as caught:
        forms.update_strategy(RETURNS, "returns_centre", forms.replace(form, **changes))
    assert caught.value.field == field


def test_a_new_return_strategy_has_its_own_id_and_kind():
    added, new_id = forms.add_strategy(RETURNS, kind="return")
    again, other = forms.add_strategy(added, kind="return")
    assert (new_id, other) == ("new_return_strategy", "new_return_strategy_2")
    assert forms.text_of(again).endswith(
        'return strategy new_return_strategy_2 "New return strategy"\n'
    )
    assert again.strategy(new_id).kind == "return"


def test_each_kind_shows_its_sections_and_the_other_kinds_clauses_it_has():
    returned = forms.form_of(RETURNS.strategy("rebalance"))
    assert strategy_form.sections_for(returned) == [
        "scalars", "effective", "when", "send_to", "within", "rank", "disposition", "restock",
    ]  # fmt: skip
    stray = dsl.parse(CENTRE.replace("  rank by distance\n", "  split none\n  rank by distance\n"))
    sections = strategy_form.sections_for(forms.form_of(stray.strategies[0]))
    assert "split" in sections and "keep" not in sections
    order = forms.form_of(dsl.parse(FRANCE).strategy("standard_home"))
    assert "disposition" not in strategy_form.sections_for(order)
    assert "send_to" not in strategy_form.sections_for(order)


# ------------------------------------------------------------------ the page


def _pick(app, widget: str, value) -> None:
    app.selectbox(key=key(*widget.split("|"))).set_value(value)
    run(app)


def with_a_new_return_strategy():
    """The studio on france.route, a return strategy just added with the form's button."""
    app = studio()
    type_text(app, FRANCE)
    app.button(key="rules.add_return_strategy").click()
    return run(app)


@pytest.mark.usefixtures("studio_env")
def test_the_returns_centre_is_written_through_the_form_alone():
    app = with_a_new_return_strategy()
    assert app.selectbox(key="rules.strategy").value == "new_return_strategy"
    assert editor_text(app).endswith('return strategy new_return_strategy "New return strategy"\n')
    # a return strategy's when reads the returned line
    assert app.selectbox(key=key("add", "when", "field")).value == "return.condition"
    app.text_input(key=key("id")).input("returns_centre")
    run(app)
    app.text_input(key=key("label")).input("Returns centre")
    run(app)
    app.number_input(key=key("priority")).set_value(30)
    run(app)
    # send to: node.tags has returns, from the pickers (the demo nodes' tags)
    app.selectbox(key=key("add", "send_to", "field")).set_value("node.tags")
    run(app)
    app.selectbox(key=key("add", "send_to", "op")).set_value("has")
    assert "returns" in app.multiselect(key=key("add", "send_to", "values")).options
    app.multiselect(key=key("add", "send_to", "values")).set_value(["returns"])
    app.button(key=key("add", "send_to", "button")).click()
    run(app)
    # rank by distance: a return strategy's metrics are offered
    assert {"need", "distance", "cost"} <= set(app.selectbox(key=key("add", "rank", "key")).options)
    app.button(key=key("add", "rank", "button")).click()
    run(app)
    # disposition by the condition: one case per known condition
    _pick(app, "disposition_mode", BY)
    for value, word in (("new", "restock"), ("opened", "refurbish"), ("damaged", "liquidate")):
        index = ("new", "opened", "damaged").index(value)
        _pick(app, f"case|{index}", word)
    app.number_input(key=key("restock_after")).set_value(5)
    run(app)
    text = editor_text(app)
    assert text == FRANCE + "\n" + CENTRE
    assert not [e.value for e in app.tabs[1].error]


@pytest.mark.usefixtures("studio_env")
def test_the_id_and_the_label_changed_in_one_rerun_are_both_applied():
    app = with_a_new_return_strategy()
    app.text_input(key=key("id")).input("returns_centre")
    app.text_input(key=key("label")).input("Returns centre")
    run(app)
    assert editor_text(app).endswith('return strategy returns_centre "Returns centre"\n')
    assert not [e.value for e in app.tabs[1].error if e.value.startswith("Not applied")]
    assert app.selectbox(key="rules.strategy").value == "returns_centre"


def test_a_change_sent_before_the_page_showed_a_rename_follows_the_strategy():
    """The label typed just after the id can reach the server after the id's change was
    applied but before the page was drawn again: its change, and the picker's value the
    page sends with it, still name the old id. Both are led to the new one."""
    import streamlit as st

    ruleset = dsl.parse(CENTRE.replace("returns_centre", "returns_hub"))
    st.session_state.pop(form_state.RENAMED, None)
    try:
        assert form_state.current_id("returns_centre", ruleset) == "returns_centre"  # unknown
        form_state.renamed("new_return_strategy", "returns_centre")
        form_state.renamed("returns_centre", "returns_hub")
        form_state.renamed("returns_hub", "returns_hub")  # not a rename
        for old in ("new_return_strategy", "returns_centre", "returns_hub"):
            assert form_state.current_id(old, ruleset) == "returns_hub"
        form_state.renamed("a", "b")
        form_state.renamed("b", "a")  # renamed back and forth, neither left: it stops
        assert form_state.current_id("a", ruleset) in {"a", "b"}
    finally:
        st.session_state.pop(form_state.RENAMED, None)


@pytest.mark.usefixtures("studio_env")
def test_cases_are_removed_and_added_and_the_form_goes_fixed():
    app = studio()
    type_text(app, FRANCE + "\n" + CENTRE)
    app.selectbox(key="rules.strategy").set_value("returns_centre")
    run(app)
    _pick(app, "case|1", "(no case)")  # opened: no case any more
    assert "disposition by return.condition: new -> restock, damaged -> liquidate" in (
        editor_text(app)
    )
    # the known value left without a case is offered again, after the cases
    _pick(app, "case_missing|0", "destroy")
    assert "new -> restock, damaged -> liquidate, opened -> destroy" in editor_text(app)
    app.text_input(key=key("add", "case", "value")).input('"not as described"')
    app.selectbox(key=key("add", "case", "disposition")).set_value("refurbish")
    app.button(key=key("add", "case", "button")).click()
    run(app)
    assert 'opened -> destroy, "not as described" -> refurbish\n' in editor_text(app)
    _pick(app, "disposition_mode", FIXED)  # the first case's word for every unit
    assert "  disposition restock\n  restock after 5 days\n" in editor_text(app)
    app.number_input(key=key("restock_after")).set_value(-2)
    run(app)
    assert "restock after 5 days" in editor_text(app)
    assert any("restock after -2 days refused" in e.value for e in app.tabs[1].error)


@pytest.mark.usefixtures("studio_env")
def test_return_strategies_as_text_are_checked_listed_and_worded():
    """Typed as text: no error, listed in the form's picker as return strategies, and
    worded in the plain-words panel after the order strategies, in the order tried."""
    text = (resources.files("rulesets") / "france_returns.route").read_text("utf-8")
    app = studio()
    type_text(app, text)
    found = findings(app)
    assert found is None or not (found["severity"] == "error").any()
    options = app.selectbox(key="rules.strategy").options
    assert "keep_in_store — Resell where it was dropped (return strategy, priority 10)" in options
    plain = next(e for e in app.expander if e.label == "The rules in plain words")
    names = [m.value for m in plain.markdown if m.value.startswith("**")]
    assert names[-3:] == [
        "**Resell where it was dropped**",
        "**Send to the store that needs it**",
        "**Returns centre**",
    ]
    said = "\n".join(m.value for m in plain.markdown)
    assert "Sends returned units to" in said
    assert "a unit with another value is not taken" in said
