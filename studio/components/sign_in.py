"""Who is working in the studio, and what they may do.

In a store **with accounts** the studio asks to sign in (name and password, checked
by `Accounts.authenticate`); the session keeps the signed-in `User` and passes it to
every store action, and the store checks the role again each time. In a store
**without accounts** nobody signs in: the studio acts under the name
$SOURCING_USER (or the login name), as it always did.

The buttons ask `refusal` before they are drawn, so a viewer sees why they cannot
save, an editor why they cannot publish, an approver why they cannot approve their
own version; the store itself enforces the same rules.
"""

from __future__ import annotations

import streamlit as st

from rulesets.store import (
    DEMO_ACCOUNTS,
    Action,
    NotPermitted,
    RulesetStore,
    SignInRefused,
    StoreError,
    User,
    Version,
)
from rulesets.store.identity import same_person
from rulesets.store.permissions import require
from studio import config

USER = "signin.user"
"""The signed-in `User` of this session (stores with accounts only)."""
LOGIN, PASSWORD = "signin.login", "signin.password"
SIGNING_OUT = "signin.signing_out"
"""Set by Sign out; the next run keeps the last edit, then forgets the session."""
DEMO_HINT = (
    "This is a demo store: sign in as **demo-editor** (password `demo-editor-password`) "
    "to edit and submit, or as **demo-approver** (`demo-approver-password`) to publish. "
    "Demo only: these passwords are published."
)


def accounts_exist(found: RulesetStore | None) -> bool:
    """Whether the store has accounts (then everyone signs in)."""
    if found is None:
        return False
    try:
        return found.accounts.exist()
    except StoreError:
        return False


def acting(found: RulesetStore | None) -> User | str | None:
    """Who acts in this session: the signed-in `User`; without accounts, the configured
    name; None when the store has accounts and nobody has signed in."""
    if accounts_exist(found):
        return st.session_state.get(USER)
    return config.user()


def name_of(who: User | str | None) -> str:
    if isinstance(who, User):
        return who.name
    return who or "nobody"


def signed_in_or_form(found: RulesetStore | None) -> bool:
    """True when the studio may be shown; otherwise draws the sign-in form (a store with
    accounts and nobody signed in) and returns False."""
    if not accounts_exist(found) or st.session_state.get(USER) is not None:
        return True
    st.title("Sign in to Sourcing Studio")
    with st.form("signin.form"):
        st.text_input("Name", key=LOGIN, autocomplete="username")
        st.text_input("Password", key=PASSWORD, type="password", autocomplete="current-password")
        pressed = st.form_submit_button("Sign in", type="primary", icon=":material/login:")
    if pressed:
        try:
            user = found.accounts.authenticate(
                st.session_state.get(LOGIN) or "", st.session_state.get(PASSWORD) or ""
            )
        except SignInRefused as refused:
            st.error(f"Not signed in: {refused}.", icon=":material/lock:")
        else:
            st.session_state.pop(PASSWORD, None)
            st.session_state[USER] = user
            st.rerun()
    if _demo_store(found):
        st.info(DEMO_HINT, icon=":material/info:")
    return False


def _demo_store(found: RulesetStore) -> bool:
    demo = {name for name, *_ in DEMO_ACCOUNTS}
    return {user.name for user in found.accounts.list()} <= demo


def sidebar(found: RulesetStore | None) -> None:
    """Who is signed in, with their role, and the button to sign out."""
    who = acting(found)
    with st.sidebar:
        if isinstance(who, User):
            st.caption(f"Signed in as **{who.display_name}** ({who.name}, {who.role.value})")
            st.button("Sign out", key="signin.out", on_click=_sign_out, icon=":material/logout:")
        elif who is not None:
            st.caption(f"Working as **{who}** (this store has no user accounts)")


def _sign_out() -> None:
    """Ask for the session to be forgotten at the start of the run this click starts
    (`signing_out`), not now: an edit sent with the same click still has its own
    callback to run, and its text must reach the working copy first."""
    st.session_state[SIGNING_OUT] = True


def signing_out() -> bool:
    """Whether Sign out was pressed: the app keeps the last edit, then `forget_session`."""
    return bool(st.session_state.get(SIGNING_OUT))


def forget_session() -> None:
    """Forget everything of this session: the next person starts afresh (what they
    typed is in their working copy in the store)."""
    st.session_state.clear()


def refusal(
    found: RulesetStore | None, action: Action, version: Version | None = None
) -> str | None:
    """Why the person working cannot do `action` (to `version`), in their words; None
    when they may. The store applies the same rules when the action runs."""
    who = acting(found)
    if who is None:
        return "Sign in first."
    role = who.role if isinstance(who, User) else None
    name = name_of(who)
    authored = version is not None and same_person(name, version.author)
    if action is Action.SEND_BACK and authored and role is not None and role.value == "editor":
        return None  # an author may withdraw their own version
    try:
        require(role, action, name)
    except NotPermitted as refused:
        return f"{refused}."
    if action is Action.PUBLISH and authored:
        if role is None and found is not None and found.allow_self_review:
            return None
        return f"You wrote {version.label}: another person must approve it" + (
            " (an approver or an admin)." if role is not None else "."
        )
    return None
