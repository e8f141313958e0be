"""The ruleset store on the Rules page: open a ruleset's version, save the editor's text
as a draft (refused with who and when if someone saved in between; the text stays in
the editor), submit it for review, approve it (`publishing`), and the version history.
Opening another version or a new ruleset over unsaved changes asks first.

Store actions run as button callbacks, before the page is drawn, so everything on the
page already shows their outcome; the message is kept with `state.notify`.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from rulesets.store import (
    Action,
    Conflict,
    InvalidRuleset,
    RulesetStore,
    State,
    StoreError,
    Unchanged,
    Version,
    canonical_text,
)
from studio import formats, state
from studio.components import (
    diagnostics_panel,
    notices,
    publishing,
    shipped_examples,
    working_copy,
)
from studio.components.sign_in import acting, name_of, refusal

NEW = "New ruleset…"
PICK_RULESET = "rules.pick_ruleset"
PICK_VERSION = "rules.pick_version"
SAVE_NAME = "rules.save_name"
COMMENT = "rules.comment"
PENDING = "rules.pending_open"
"""(name, version) to open — (None, None): a new ruleset — once the user confirms that
their unsaved changes may go."""
CONFLICT = "rules.conflict"
"""The newest version number after a refused save (offers to compare and rebase)."""
DEMO = "france"
BLANK = 'ruleset "New ruleset"\ntimezone "UTC"\n\nstrategy everything "Every order"\n'


def open_first(found: RulesetStore | None) -> None:
    """On the first visit: the working copy the user wrote last (a reload, another
    browser), else the demo ruleset's newest version (or the shipped example)."""
    if state.TEXT in st.session_state:
        return
    if working_copy.restore(found):
        return
    names = [summary.name for summary in found.list_rulesets()] if found else []
    if names:
        name = DEMO if DEMO in names else names[0]
        version = found.version(name)
        state.open_draft(version.text, name, version.number)
        working_copy.opened(name, version.text)
        return
    text = shipped_examples.examples().get(DEMO, BLANK)
    state.open_draft(text, None, None)
    working_copy.opened(None, text)


# ------------------------------------------------------------------ open


def open_bar(found: RulesetStore) -> None:
    """Pick a stored ruleset and version and open it in the editor (or start a new one)."""
    draft = state.draft()
    summaries = found.list_rulesets()
    names = [summary.name for summary in summaries]
    if st.session_state.get(PICK_RULESET) not in [*names, NEW]:
        st.session_state[PICK_RULESET] = draft.name if draft.name in names else NEW
    left, middle, right = st.columns([2, 2, 1], vertical_alignment="bottom")
    name = left.selectbox("Ruleset", [*names, NEW], key=PICK_RULESET)
    if name == NEW:
        middle.caption("An empty ruleset; name it when you save it.")
        right.button("Start", key="rules.open", on_click=_ask_first, width="stretch")
        _pending_question(draft)
        return
    versions = list(reversed(found.history(name)))
    live = next(s.live for s in summaries if s.name == name)
    numbers = [v.number for v in versions]
    picked = st.session_state.get(PICK_VERSION)
    if picked not in numbers:
        wanted = draft.base if draft.name == name else None
        picked = wanted if wanted in numbers else numbers[0]
    # set on every run: the browser keeps the label it was last sent ("v2 · in review")
    st.session_state[PICK_VERSION] = picked  # until the value is sent again with its state
    labels = {v.number: _version_label(v, live) for v in versions}
    middle.selectbox(
        "Version", numbers, key=PICK_VERSION, format_func=lambda n: labels.get(n, f"v{n}")
    )
    right.button(
        "Open",
        key="rules.open",
        on_click=_ask_first,
        width="stretch",
        help="Load this version into the editor (with unsaved changes, you are asked first).",
    )
    _pending_question(draft)


def _version_label(version: Version, live: int | None) -> str:
    what = "live" if version.number == live else version.state.value.replace("_", " ")
    return f"v{version.number} · {what} · {version.author} · {_when(version.created_at, version)}"


def _ask_first() -> None:
    """Open the ruleset and version picked, or start a new one (the picks are read when
    the button is pressed, so a pick made just before the click counts); over unsaved
    changes, ask first."""
    name, number = st.session_state.get(PICK_RULESET), st.session_state.get(PICK_VERSION)
    wanted = (None, None) if name == NEW else (name, number)
    if unsaved(_store()):
        st.session_state[PENDING] = wanted
        return
    _replace(*wanted)


def _pending_question(draft: state.Draft) -> None:
    """The question asked when Open or Start was pressed over unsaved changes."""
    if PENDING not in st.session_state:
        return
    name, number = st.session_state[PENDING]
    what = f"Opening **{name} v{number}**" if name else "Starting a new ruleset"
    mine = f"**{draft.name}** (based on v{draft.base})" if draft.name else "the new ruleset"
    st.warning(
        f"You have unsaved changes to {mine}. {what} replaces them in the editor and "
        "they are not kept. Save them as a draft first to keep them.",
        icon=":material/warning:",
    )
    left, right, _ = st.columns([1, 1, 2])
    left.button(
        "Discard my changes" + (f" and open v{number}" if name else " and start"),
        key="rules.open.confirm",
        on_click=_confirmed,
        icon=":material/delete:",
    )
    right.button("Keep editing", key="rules.open.cancel", on_click=_keep_editing)


def _confirmed() -> None:
    _replace(*st.session_state.pop(PENDING))


def _keep_editing() -> None:
    st.session_state.pop(PENDING, None)


def unsaved(found: RulesetStore | None) -> bool:
    """Whether the editor's text differs from the version it came from (for a new
    ruleset: from the empty one)."""
    draft = state.draft()
    if found is None or draft.name is None or draft.base is None:
        return draft.text.strip() != BLANK.strip()
    try:
        return _changed(draft.text, found.version(draft.name, draft.base))
    except StoreError:
        return True


def _replace(name: str | None, number: int | None) -> None:
    """Put a stored version (or, without a name, a new ruleset) in the editor; the
    working copy of what was there is dropped."""
    found = _store()
    if name is None:
        working_copy.forget(found, state.draft().name)
        state.open_draft(BLANK, None, None)
        working_copy.opened(None, BLANK)
        st.session_state.pop(CONFLICT, None)
        state.notify("info", "Started a new ruleset: edit it, then save it under a name.")
        return
    try:
        version = found.version(name, number)
    except StoreError as error:
        state.notify("error", str(error))
        return
    working_copy.forget(found, state.draft().name)
    state.open_draft(version.text, name, version.number)
    working_copy.opened(name, version.text)
    st.session_state.pop(CONFLICT, None)
    state.notify("info", f"Opened {version.label} ({version.state.value.replace('_', ' ')}).")


# ---------------------------------------------------------------- status


def status(found: RulesetStore | None, text: str) -> Version | None:
    """One line saying what is open and whether it has unsaved changes; returns the base."""
    draft = state.draft()
    if found is None or draft.name is None or draft.base is None:
        st.caption("Not saved in the store yet.")
        return None
    try:
        base = found.version(draft.name, draft.base)
    except StoreError:
        st.caption(f"{draft.name}: version {draft.base} is no longer in this store.")
        return None
    changed = _changed(text, base)
    what = base.state.value.replace("_", " ")
    line = f"Editing **{base.label}** ({what}, by {base.author}, {_when(base.created_at, base)})"
    line += " · **unsaved changes**" if changed else " · no unsaved changes"
    st.markdown(line)
    return base


def _changed(text: str, base: Version) -> bool:
    try:
        return canonical_text(text, base.label) != base.text
    except StoreError:
        return True
    except ValueError:  # does not parse: certainly not what was saved
        return True


# ---------------------------------------------------------- save, review


def review_panel(found: RulesetStore, ok: bool) -> None:
    """Save draft, submit, publish or send back, and the history of the open ruleset.
    A button the person working may not use is greyed out with the reason beside it."""
    draft = state.draft()
    who = acting(found)
    _conflict_help(draft)
    base = _base(found, draft)
    cannot_save = refusal(found, Action.SAVE)
    cols = st.columns([2, 3, 1], vertical_alignment="bottom")
    if draft.name is None:
        cols[0].text_input(
            "Name in the store",
            key=SAVE_NAME,
            placeholder="e.g. france",
            help="Letters, digits, _, - and . (it names the ruleset everywhere).",
        )
    else:
        cols[0].text_input("Ruleset", value=draft.name, disabled=True, key="rules.name_shown")
    cols[1].text_input("Comment", key=COMMENT, placeholder="what changed and why")
    cols[2].button(
        "Save draft",
        key="rules.save",
        type="primary",
        on_click=_save,
        width="stretch",
        icon=":material/save:",
        disabled=cannot_save is not None,
        help=cannot_save
        or f"Saves the text as a new draft version by {name_of(who)}, based on the version "
        "you opened. If someone saved a newer version meanwhile, nothing is saved.",
    )
    if cannot_save is not None:
        st.caption(f":material/lock: Not for you to save: {cannot_save}")
    notices.show(state.REVIEW)  # the outcome of the buttons here, beside them
    if base is None:
        return
    if base.state == State.DRAFT:
        cannot_submit = refusal(found, Action.SUBMIT, base)
        st.button(
            f"Submit v{base.number} for review",
            key="rules.submit",
            on_click=_submit,
            disabled=not ok or cannot_submit is not None,
            icon=":material/send:",
            help=cannot_submit
            or "Sends the saved version to an approver. Only a version without errors can go.",
        )
        if cannot_submit is not None and cannot_save is None:
            st.caption(f":material/lock: {cannot_submit}")
    elif base.state == State.IN_REVIEW:
        publishing.approve(found, base)
        cannot_send_back = refusal(found, Action.SEND_BACK, base)
        st.button(
            "Send back to draft",
            key="rules.reject",
            on_click=_reject,
            icon=":material/undo:",
            disabled=cannot_send_back is not None,
            help=cannot_send_back or "Returns the version to its author for changes.",
        )
    elif base.state == State.SCHEDULED:
        publishing.scheduled(found, base)
    history(found, draft.name)


def _base(found: RulesetStore, draft: state.Draft) -> Version | None:
    if draft.name is None or draft.base is None:
        return None
    try:
        return found.version(draft.name, draft.base)
    except StoreError:
        return None


def _conflict_help(draft: state.Draft) -> None:
    latest = st.session_state.get(CONFLICT)
    if latest is None or draft.name is None:
        return
    st.caption(
        f"Your text is still in the editor. Compare it with version {latest} below, then "
        f"either open version {latest} and redo your changes there, or keep your text as it "
        f"is and save it on top of version {latest}."
    )
    st.button(
        f"Keep my text and base it on version {latest}",
        key="rules.rebase",
        on_click=_rebase,
        args=(draft.name, latest),
        icon=":material/call_merge:",
    )


def _save() -> None:
    draft = state.draft()
    name = draft.name or (st.session_state.get(SAVE_NAME) or "").strip()
    if not name:
        state.notify("error", "Give the ruleset a name before saving it.", state.REVIEW)
        return
    comment = (st.session_state.get(COMMENT) or "").strip() or None
    try:
        found = _store()
        version = found.save(
            name,
            draft.text,
            author=acting(found),
            based_on=draft.base,
            comment=comment,
            filename=f"{name}.route",
        )
    except Conflict as conflict:
        st.session_state[CONFLICT] = conflict.latest
        state.notify("conflict", _conflict_message(conflict, draft.text), state.REVIEW)
        return
    except Unchanged as error:
        state.notify(
            "info", f"Nothing saved: {str(error).removeprefix('nothing to save: ')}.", state.REVIEW
        )
        return
    except InvalidRuleset as error:
        state.notify("error", f"Not saved: {error}", state.REVIEW)
        return
    except StoreError as error:
        state.notify("error", f"Not saved: {error}", state.REVIEW)
        return
    working_copy.forget(found, draft.name)
    state.open_draft(version.text, name, version.number)
    working_copy.opened(name, version.text)
    st.session_state.pop(CONFLICT, None)
    st.session_state[COMMENT] = ""
    st.session_state[PICK_RULESET] = name
    st.session_state[PICK_VERSION] = version.number
    state.notify("success", f"Saved {version.label} as a draft.", state.REVIEW)


def _conflict_message(conflict: Conflict, text: str) -> str:
    """What a refused save says: who changed the ruleset when (in the time zone of the
    text being saved), and that nothing was lost."""
    when = publishing.local(conflict.changed_at, publishing.zone_of_text(text))
    basis = f"version {conflict.based_on}" if conflict.based_on else "no version (a new ruleset)"
    return (
        f"Not saved: **{conflict.name}** was changed by **{conflict.changed_by}** at "
        f"{when} (version {conflict.latest}), after the {basis} you "
        "started from. Nothing was overwritten and your text is still in the editor."
    )


def _rebase(name: str, latest: int) -> None:
    state.set_base(name, latest)
    st.session_state.pop(CONFLICT, None)
    state.notify(
        "info", f"Your text is now based on version {latest}: save it when ready.", state.REVIEW
    )


def _submit() -> None:
    draft = state.draft()
    try:
        found = _store()
        version = found.submit(
            draft.name, draft.base, by=acting(found), extra_fields=diagnostics_panel.data_fields()
        )
    except StoreError as error:
        state.notify("error", f"Not submitted: {error}", state.REVIEW)
        return
    state.notify("success", f"{version.label} is in review.", state.REVIEW)


def _reject() -> None:
    draft = state.draft()
    try:
        found = _store()
        version = found.reject(draft.name, draft.base, by=acting(found))
    except StoreError as error:
        state.notify("error", str(error), state.REVIEW)
        return
    state.notify("info", f"{version.label} is back to draft.", state.REVIEW)


# --------------------------------------------------------------- history


def history(found: RulesetStore, name: str) -> None:
    """Every version of the ruleset, newest first, the live one marked."""
    summary = next((s for s in found.list_rulesets() if s.name == name), None)
    live = summary.live if summary else None
    rows = [
        {
            "version": v.number,
            "state": "live" if v.number == live else v.state.value.replace("_", " "),
            "author": v.author,
            "saved": _when(v.created_at, v),
            "based on": f"v{v.parent}" if v.parent else formats.EMPTY,
            "reviewer": v.reviewed_by or formats.EMPTY,
            "live from": _when(v.published_at, v) if v.published_at else formats.EMPTY,
            "comment": v.comment or formats.EMPTY,
        }
        for v in reversed(found.history(name))
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="rules.history")


def _when(at: dt.datetime, version: Version) -> str:
    """An instant of a version's life in the time zone its text states."""
    return publishing.local(at, publishing.timezone_of(version))


def _store() -> RulesetStore:
    from studio.components.ruleset_choice import store

    found = store()
    if found is None:
        raise StoreError("the ruleset store cannot be opened")
    return found
