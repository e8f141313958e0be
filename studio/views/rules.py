"""Rules: open a stored ruleset, edit it as text or with forms (one syntax tree, so each
shows the other's changes, and every change kept as the user's working copy), see what
the checker finds as you go, compare it with the live version on the order history in
one click, save a draft, submit it, publish it now or at a date, and compare versions
clause by clause."""

from __future__ import annotations

import streamlit as st

from studio import state
from studio.components import (
    diagnostics_panel,
    diff_view,
    editor_marks,
    live_compare,
    notices,
    rule_words,
    rules_editor,
    strategy_form,
    working_copy,
)
from studio.components import version_panel as versions
from studio.components.ruleset_choice import store


def render() -> None:
    st.title("Rules")
    found = store()
    versions.open_first(found)
    if found is None:
        st.error(
            "The ruleset store cannot be opened (check SOURCING_DB_URL). You can still edit "
            "and check a ruleset here, but not save it.",
            icon=":material/database_off:",
        )
    else:
        versions.open_bar(found)
    text = state.draft_text()
    draft = state.draft()
    filename = f"{draft.name or 'ruleset'}.route"
    result = diagnostics_panel.check(text, filename)
    base = versions.status(found, text)
    working_copy.clash_choice()
    with st.container():  # always there: the tabs below keep their place, and the tab
        notices.show(state.OPEN)  # picked, on the rerun that drops the message

    editing, findings = st.columns([5, 3])
    with editing:
        as_text, as_form = st.tabs([":material/code: Text", ":material/tune: Form"])
        with as_text:
            rules_editor.text_editor()
            editor_marks.show(text, result)
        with as_form:
            strategy_form.show(
                result.ruleset, text, diagnostics_panel.data_fields(), result.diagnostics
            )
    with findings:
        diagnostics_panel.show(result)
        strategy_form.strategy_text(result.ruleset)
        rule_words.show(result.ruleset)

    working_copy.keep(found, base.text if base is not None else None)
    if found is None:
        return
    timezone = result.ruleset.timezone if result.ruleset is not None else None
    live_compare.show(found, state.draft(), result.ok, timezone)
    st.subheader("Save and review", anchor=False)
    versions.review_panel(found, result.ok)
    st.subheader("Compare versions", anchor=False)
    diff_view.show(found, draft.name, text, draft.base)


if __name__ == "__main__":
    render()
