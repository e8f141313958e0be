"""The ruleset store on the Rules page: open a ruleset's version, save the editor's text
as a draft (refused with who and when if someone saved in between; the text stays in
the editor), submit it for review, publish it with a reviewer, and the version history.

Store actions run as button callbacks, before the page is drawn, so everything on the
page already shows their outcome; the message is kept with `state.notify`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from rulesets.store import (
    Conflict,
    InvalidRuleset,
    ReviewRefused,
    RulesetStore,
    State,
    StoreError,
    Unchanged,
    Version,
    canonical_text,
)
from studio import config, state
from studio.components import diagnostics_panel, notices, shipped_examples

NEW = "New ruleset…"
PICK_RULESET = "rules.pick_ruleset"
PICK_VERSION = "rules.pick_version"
SAVE_NAME = "rules.save_name"
COMMENT = "rules.comment"
REVIEWER = "rules.reviewer"
CONFLICT = "rules.conflict"
"""The newest version number after a refused save (offers to compare and rebase)."""
DEMO = "france"
BLANK = 'ruleset "New ruleset"\ntimezone "UTC"\n\nstrategy everything "Every order"\n'


def open_first(found: RulesetStore | None) -> None:
    """On the first visit: the demo ruleset's newest version (or the shipped example)."""
    if state.TEXT in st.session_state:
        return
    names = [summary.name for summary in found.list_rulesets()] if found else []
    if names:
        name = DEMO if DEMO in names else names[0]
        version = found.version(name)
        state.open_draft(version.text, name, version.number)
        return
    text = shipped_examples.examples().get(DEMO, BLANK)
    state.open_draft(text, None, None)


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
        right.button("Start", key="rules.open", on_click=_start_new, width="stretch")
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
        on_click=_open,
        width="stretch",
        help="Load this version into the editor (unsaved changes in the editor are replaced).",
    )


def _version_label(version: Version, live: int | None) -> str:
    what = "live" if version.number == live else version.state.value.replace("_", " ")
    return f"v{version.number} · {what} · {version.author} · {_when(version.created_at)}"


def _open() -> None:
    """Open the ruleset and version picked (read when the button is pressed, so a pick
    made just before the click counts)."""
    name, number = st.session_state.get(PICK_RULESET), st.session_state.get(PICK_VERSION)
    found = _store()
    try:
        version = found.version(name, number)
    except StoreError as error:
        state.notify("error", str(error))
        return
    state.open_draft(version.text, name, version.number)
    st.session_state.pop(CONFLICT, None)
    state.notify("info", f"Opened {version.label} ({version.state.value.replace('_', ' ')}).")


def _start_new() -> None:
    state.open_draft(BLANK, None, None)
    st.session_state.pop(CONFLICT, None)
    state.notify("info", "Started a new ruleset: edit it, then save it under a name.")


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
    line = f"Editing **{base.label}** ({what}, by {base.author}, {_when(base.created_at)})"
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
    """Save draft, submit, publish or send back, and the history of the open ruleset."""
    draft = state.draft()
    user = config.user()
    _conflict_help(draft)
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
        help=f"Saves the text as a new draft version by {user}, based on the version you "
        "opened. If someone saved a newer version meanwhile, nothing is saved.",
    )
    notices.show(state.REVIEW)  # the outcome of the buttons here, beside them
    base = _base(found, draft)
    if base is None:
        return
    if base.state == State.DRAFT:
        st.button(
            f"Submit v{base.number} for review",
            key="rules.submit",
            on_click=_submit,
            disabled=not ok,
            icon=":material/send:",
            help="Sends the saved version to a reviewer. Only a version without errors can go.",
        )
    elif base.state == State.IN_REVIEW:
        if REVIEWER not in st.session_state:
            st.session_state[REVIEWER] = user
        left, middle, right = st.columns([2, 1, 1], vertical_alignment="bottom")
        left.text_input(
            "Reviewer",
            key=REVIEWER,
            help=f"Who approves v{base.number}: "
            + (
                "self-review is allowed here (SOURCING_ALLOW_SELF_REVIEW)."
                if config.self_review_allowed()
                else f"someone other than its author ({base.author})."
            ),
        )
        middle.button(
            f"Publish v{base.number}",
            key="rules.publish",
            on_click=_publish,
            type="primary",
            icon=":material/rocket_launch:",
            width="stretch",
        )
        right.button(
            "Send back to draft",
            key="rules.reject",
            on_click=_reject,
            width="stretch",
            icon=":material/undo:",
        )
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
        version = _store().save(
            name,
            draft.text,
            author=config.user(),
            based_on=draft.base,
            comment=comment,
            filename=f"{name}.route",
        )
    except Conflict as conflict:
        st.session_state[CONFLICT] = conflict.latest
        state.notify("conflict", _conflict_message(conflict), state.REVIEW)
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
    state.open_draft(version.text, name, version.number)
    st.session_state.pop(CONFLICT, None)
    st.session_state[COMMENT] = ""
    st.session_state[PICK_RULESET] = name
    st.session_state[PICK_VERSION] = version.number
    state.notify("success", f"Saved {version.label} as a draft.", state.REVIEW)


def _conflict_message(conflict: Conflict) -> str:
    basis = f"version {conflict.based_on}" if conflict.based_on else "no version (a new ruleset)"
    return (
        f"Not saved: **{conflict.name}** was changed by **{conflict.changed_by}** at "
        f"{_when(conflict.changed_at)} (version {conflict.latest}), after the {basis} you "
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
        version = _store().submit(
            draft.name, draft.base, by=config.user(), extra_fields=diagnostics_panel.data_fields()
        )
    except StoreError as error:
        state.notify("error", f"Not submitted: {error}", state.REVIEW)
        return
    state.notify("success", f"{version.label} is in review.", state.REVIEW)


def _publish() -> None:
    draft = state.draft()
    reviewer = (st.session_state.get(REVIEWER) or "").strip()
    try:
        version = _store().publish(
            draft.name, draft.base, reviewer=reviewer, extra_fields=diagnostics_panel.data_fields()
        )
    except ReviewRefused as error:
        state.notify("error", f"Not published: {error}", state.REVIEW)
        return
    except StoreError as error:
        state.notify("error", f"Not published: {error}", state.REVIEW)
        return
    state.notify(
        "success", f"{version.label} is published and live (reviewed by {reviewer}).", state.REVIEW
    )


def _reject() -> None:
    draft = state.draft()
    try:
        version = _store().reject(draft.name, draft.base, by=config.user())
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
            "saved": _when(v.created_at),
            "based on": v.parent,
            "reviewer": v.reviewed_by,
            "comment": v.comment,
        }
        for v in reversed(found.history(name))
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="rules.history")


def _when(at) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def _store() -> RulesetStore:
    from studio.components.ruleset_choice import store

    found = store()
    if found is None:
        raise StoreError("the ruleset store cannot be opened")
    return found
