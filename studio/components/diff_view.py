"""What changed between two versions of a ruleset (or a version and the editor's text),
said as a reviewer reads it: strategies added, removed, renamed, moved or changed, and
inside each the clauses added, removed or changed from old to new (`dsl.diff`)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import dsl
from dsl.diff import RulesetDiff, diff_rulesets
from rulesets.store import RulesetStore, StoreError
from studio import formats

EDITOR = "editor"
"""The diff pickers' entry for the text in the editor."""
BEFORE = "rules.diff.before"
AFTER = "rules.diff.after"
COLUMNS = ("strategy", "change", "clause", "before", "after")
_WORDS = {"added": "added", "removed": "removed", "changed": "changed"}


def rows(diff: RulesetDiff) -> pd.DataFrame:
    """One row per change: the strategy, what happened, the clause, old and new text."""
    out = [
        ("(ruleset)", change.change, change.clause, change.before, change.after)
        for change in diff.header
    ]
    for strategy in diff.strategies:
        what = strategy.change
        if strategy.change == "renamed":
            what = f"renamed from {strategy.old_id}"
        elif strategy.moved and strategy.change == "changed":
            what = "changed, moved"
        if strategy.change in ("renamed", "moved") or not strategy.clauses:
            out.append((strategy.strategy, what, "", None, None))
        for clause in strategy.clauses:
            out.append((strategy.strategy, what, clause.clause, clause.before, clause.after))
    return pd.DataFrame(out, columns=list(COLUMNS))


def summary(diff: RulesetDiff) -> str:
    """A sentence: how many strategies were added, removed, changed..."""
    if diff.unchanged:
        return "The two say exactly the same thing."
    counts: dict[str, int] = {}
    for strategy in diff.strategies:
        counts[strategy.change] = counts.get(strategy.change, 0) + 1
    parts = [f"{n} {kind}" for kind, n in counts.items()]
    if diff.header:
        parts.insert(0, "the ruleset's name or time zone changed")
    noun = "strategy" if sum(counts.values()) == 1 else "strategies"
    return f"{', '.join(parts)} ({noun})." if counts else f"{parts[0]}."


def show(found: RulesetStore, name: str | None, text: str, base: int | None) -> None:
    """Two pickers (stored versions and the editor's text) and the clause-level diff."""
    if name is None:
        st.caption("Save the ruleset once to compare its versions.")
        return
    try:
        versions = [v.number for v in reversed(found.history(name))]
    except StoreError as error:
        st.error(str(error))
        return
    options = [EDITOR, *versions]
    if st.session_state.get(AFTER) not in options:
        st.session_state[AFTER] = EDITOR
    if st.session_state.get(BEFORE) not in options:
        st.session_state[BEFORE] = base if base in versions else versions[0]

    def label(option) -> str:
        return "the editor's text" if option == EDITOR else f"{name} v{option}"

    left, right = st.columns(2)
    before = left.selectbox("From", options, key=BEFORE, format_func=label)
    after = right.selectbox("To", options, key=AFTER, format_func=label)
    try:
        diff = _diff(found, name, text, before, after)
    except (StoreError, dsl.RulesetSyntaxError) as error:
        st.warning(
            f"Cannot compare: the editor's text does not parse yet ({_first_line(error)}).",
            icon=":material/warning:",
        )
        return
    st.markdown(f"**{label(before)} → {label(after)}**: {summary(diff)}")
    if diff.unchanged:
        return
    st.dataframe(
        rows(diff).fillna(formats.EMPTY),  # an added strategy had "None" before it
        hide_index=True,
        width="stretch",
        key="rules.diff",
        column_config={
            "before": st.column_config.TextColumn("before (old)", width="large"),
            "after": st.column_config.TextColumn("after (new)", width="large"),
        },
    )
    with st.expander("As text"):
        st.code(diff.render(), language="diff")


def _diff(found: RulesetStore, name: str, text: str, before, after) -> RulesetDiff:
    if before != EDITOR and after != EDITOR:
        return found.diff(name, before, after)
    return diff_rulesets(_tree(found, name, text, before), _tree(found, name, text, after))


def _tree(found: RulesetStore, name: str, text: str, option):
    if option == EDITOR:
        return dsl.parse(text, "editor")
    version = found.version(name, option)
    return dsl.parse(version.text, version.label)


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0]
