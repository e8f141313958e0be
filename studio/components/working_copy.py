"""Nothing typed is lost: the Rules page writes the editor's text to the store as the
user's working copy of that ruleset whenever it changed (every edit applied, typed or
made in a form), and a new session — a reload, another browser — opens the working
copy its user wrote last.

Writes name the revision they replace (`WorkingCopies.save`): when the same person
typed in another window meanwhile, nothing is overwritten and the page asks which
text to keep.
"""

from __future__ import annotations

import contextlib

import streamlit as st

from rulesets.store import RulesetStore, StoreError, WorkingCopy, WorkingCopyConflict
from studio import state
from studio.components import publishing, sign_in

REVISIONS = "rules.copy.revisions"
"""Ruleset name ("" for a new one) -> revision of the working copy this session wrote."""
SYNCED = "rules.copy.synced"
"""(ruleset name, text) last written or read: nothing to write while it is the same."""
CLASH = "rules.copy.clash"
"""The working copy another window wrote, when this one's write was refused."""


def restore(found: RulesetStore | None) -> bool:
    """Open the working copy the user wrote last, if any (a session's first visit)."""
    who = sign_in.acting(found)
    if found is None or who is None:
        return False
    try:
        copy = found.working_copies.latest(who)
    except StoreError:
        return False
    if copy is None:
        return False
    state.open_draft(copy.text, copy.ruleset, copy.based_on)
    _adopt(copy)
    what = f"{copy.ruleset} (from v{copy.based_on})" if copy.ruleset else "your new ruleset"
    state.notify(
        "info",
        f"Restored your unsaved changes to {what}, as kept at {_at(copy)}.",
    )
    return True


def _at(copy: WorkingCopy) -> str:
    """When a working copy was kept, in its text's time zone: 03/12/2026 18:01 (Europe/Paris)."""
    return publishing.local(copy.saved_at, publishing.zone_of_text(copy.text))


def keep_before_leaving(found: RulesetStore | None) -> None:
    """Keep the session's last edit before the session is forgotten (signing out): as
    the Rules page keeps every edit, against the stored version it is based on."""
    draft = state.draft()
    saved = None
    if found is not None and draft.name and draft.base:
        with contextlib.suppress(StoreError):
            saved = found.version(draft.name, draft.base).text
    keep(found, saved)


def keep(found: RulesetStore | None, saved_text: str | None) -> None:
    """Write the editor's text as the working copy when it changed since the last write.
    `saved_text` is the stored version it is based on: back to exactly that text, the
    working copy this session wrote is dropped (nothing unsaved any more)."""
    draft = state.draft()
    if st.session_state.get(SYNCED) == (draft.name, draft.text):
        return
    who = sign_in.acting(found)
    if found is None or who is None or CLASH in st.session_state:
        return
    revisions = st.session_state.setdefault(REVISIONS, {})
    key = draft.name or ""
    try:
        if saved_text is not None and draft.text == saved_text:
            if key in revisions:
                found.working_copies.discard(who, draft.name)
                revisions.pop(key)
            st.session_state[SYNCED] = (draft.name, draft.text)
            return
        copy = found.working_copies.save(
            who, draft.name, draft.text, based_on=draft.base, replaces=revisions.get(key)
        )
    except WorkingCopyConflict as clash:
        st.session_state[CLASH] = clash.current
        return
    except StoreError as error:
        st.caption(f":material/cloud_off: Your changes could not be kept in the store: {error}")
        return
    _adopt(copy)


def forget(found: RulesetStore | None, name: str | None) -> None:
    """Drop the user's working copy of `name` that this session wrote or restored (saved
    as a version, or replaced on purpose by another text)."""
    who = sign_in.acting(found)
    st.session_state.pop(CLASH, None)
    if st.session_state.get(REVISIONS, {}).pop(name or "", None) is None:
        return  # not written nor restored here: another window's copy stays
    if found is None or who is None:
        return
    with contextlib.suppress(StoreError):  # the store is away: the copy is only a safety net
        found.working_copies.discard(who, name)


def opened(name: str | None, text: str) -> None:
    """A text was put in the editor from the store: nothing to write until it changes."""
    st.session_state[SYNCED] = (name, text)


def clash_choice() -> None:
    """When another window wrote this working copy meanwhile: which text to keep."""
    other: WorkingCopy | None = st.session_state.get(CLASH)
    if other is None:
        return
    st.warning(
        f"Your working copy of **{other.ruleset or 'the new ruleset'}** was changed in "
        f"another window at {_at(other)}. Which text do you keep?",
        icon=":material/sync_problem:",
    )
    left, right, _ = st.columns([1, 1, 2])
    left.button("Keep this window's text", key="rules.copy.mine", on_click=_keep_mine)
    right.button("Load the other window's text", key="rules.copy.theirs", on_click=_load_theirs)


def _keep_mine() -> None:
    other = st.session_state.pop(CLASH)
    st.session_state.setdefault(REVISIONS, {})[other.ruleset or ""] = other.revision
    st.session_state.pop(SYNCED, None)  # written on this run


def _load_theirs() -> None:
    other = st.session_state.pop(CLASH)
    state.open_draft(other.text, other.ruleset, other.based_on)
    _adopt(other)


def _adopt(copy: WorkingCopy) -> None:
    st.session_state.setdefault(REVISIONS, {})[copy.ruleset or ""] = copy.revision
    st.session_state[SYNCED] = (copy.ruleset, copy.text)
