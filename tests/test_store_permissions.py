"""Who may do what, enforced by the store itself (SQLite and PostgreSQL): the
permission table of docs/rulesets.md, role by role and action by action; a plain
name refused once the store has accounts; the author never approves their own
change; a role changed takes effect at once; every audit event names the user."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import store_people
from store_people import add_team, open_store

from rulesets.store import (
    NotPermitted,
    ReviewRefused,
    SignInRequired,
    State,
)

clock = store_people.clock
store = store_people.store

FRANCE = (Path(__file__).parent.parent / "rulesets" / "france.route").read_text()
V2 = FRANCE.replace("within 400 km", "within 300 km")

# The permission table as docs/rulesets.md states it (not read from the code).
TABLE = {
    "save": {"editor", "approver", "admin"},
    "submit": {"editor", "approver", "admin"},
    "send back": {"approver", "admin"},
    "publish": {"approver", "admin"},
    "schedule": {"approver", "admin"},
    "cancel": {"approver", "admin"},
    "retire": {"approver", "admin"},
    "roll back": {"approver", "admin"},
}
ROLES = ["viewer", "editor", "approver", "admin"]


def in_review(store, team, text=FRANCE):
    """france: its newest version, written by bob (an approver) and in review."""
    based_on = store.history("france")[-1].number if store.list_rulesets() else None
    version = store.save("france", text, author=team.bob, based_on=based_on)
    store.submit("france", version.number, by=team.bob)
    return version.number


def prepare(store, team, action):
    """The state `action` needs; returns a callable doing it as a given user."""
    if action == "save":
        return lambda user: store.save("france", FRANCE, author=user)
    if action == "submit":
        store.save("france", FRANCE, author=team.bob)
        return lambda user: store.submit("france", 1, by=user)
    if action in ("send back", "publish", "schedule"):
        number = in_review(store, team)
        if action == "send back":
            return lambda user: store.reject("france", number, by=user)
        when = store._clock() + dt.timedelta(hours=1) if action == "schedule" else None
        return lambda user: store.publish("france", number, reviewer=user, at=when)
    number = in_review(store, team)
    if action == "cancel":
        store.publish("france", number, reviewer=team.ann, at=store._clock().replace(year=2027))
        return lambda user: store.cancel("france", number, by=user)
    store.publish("france", number, reviewer=team.ann)
    if action == "retire":
        return lambda user: store.retire("france", number, by=user)
    second = in_review(store, team, V2)
    store.publish("france", second, reviewer=team.ann)
    return lambda user: store.rollback("france", number, by=user)


@pytest.mark.parametrize("action", list(TABLE))
@pytest.mark.parametrize("role", ROLES)
def test_the_permission_table(store, role, action):
    team = add_team(store)
    act = prepare(store, team, action)
    before = snapshot(store)
    user = team.of_role(role)
    if role in TABLE[action]:
        act(user)
        assert store.audit("france")[-1].actor == user.name
    else:
        with pytest.raises(NotPermitted, match=f"{user.name} is an? {role}: only "):
            act(user)
        assert snapshot(store) == before


def snapshot(store):
    """Every version and audit event of france (nothing when it does not exist yet)."""
    if not store.list_rulesets():
        return None
    return store.history("france"), store.audit("france")


def test_a_viewer_cannot_save(store):
    team = add_team(store)
    with pytest.raises(NotPermitted, match="vic is a viewer: only editors or approvers or admins"):
        store.save("france", FRANCE, author=team.viewer)
    assert store.list_rulesets() == []


def test_an_editor_cannot_publish(store):
    team = add_team(store)
    store.save("france", FRANCE, author=team.editor)
    store.submit("france", 1, by=team.editor)
    with pytest.raises(NotPermitted, match="ed is an editor: only approvers or admins may publish"):
        store.publish("france", 1, reviewer=team.editor)
    assert store.version("france", 1).state == State.IN_REVIEW


@pytest.mark.parametrize("allow_self_review", [False, True])
def test_an_approver_cannot_approve_their_own_change(store_url, clock, allow_self_review):
    with open_store(store_url, clock, allow_self_review=allow_self_review) as store:
        team = add_team(store)
        store.save("france", FRANCE, author=team.ann)
        store.submit("france", 1, by=team.ann)
        for when in (None, clock.now.replace(year=2027)):
            with pytest.raises(ReviewRefused, match="written by ann: another person must review"):
                store.publish("france", 1, reviewer=team.ann, at=when)
        assert store.version("france", 1).state == State.IN_REVIEW
        store.publish("france", 1, reviewer=team.bob)
        assert store.live("france").reviewed_by == "bob"


def test_an_editor_may_withdraw_their_own_version_from_review_but_not_another(store):
    team = add_team(store)
    store.save("france", FRANCE, author=team.editor)
    store.submit("france", 1, by=team.editor)
    assert store.reject("france", 1, by=team.editor).state == State.DRAFT
    number = in_review(store, team, V2)
    with pytest.raises(NotPermitted, match="only approvers or admins may send back"):
        store.reject("france", number, by=team.editor)


def test_once_the_store_has_accounts_a_typed_name_is_refused(store):
    store.save("france", FRANCE, author="alice")  # no accounts yet: as before
    add_team(store)
    with pytest.raises(SignInRequired, match="this store has user accounts: the author must"):
        store.save("france", V2, author="ed", based_on=1)
    with pytest.raises(SignInRequired):
        store.submit("france", 1, by="alice")
    assert [v.number for v in store.history("france")] == [1]


def test_a_role_taken_away_takes_effect_on_the_next_action(store):
    team = add_team(store)
    number = in_review(store, team)
    store.accounts.set_role("ann", "editor", by=team.admin)
    with pytest.raises(NotPermitted, match="ann is an editor"):
        store.publish("france", number, reviewer=team.ann)  # signed in as an approver


def test_a_user_of_another_store_is_refused(store_url, clock, tmp_path):
    with open_store(f"sqlite:///{tmp_path / 'other.db'}") as other:
        stranger = add_team(other).admin
    with open_store(store_url, clock) as store:
        with pytest.raises(SignInRequired, match="no account 'root'"):
            store.save("france", FRANCE, author=stranger)
        assert store.list_rulesets() == []


def test_every_audit_event_names_the_signed_in_user(store):
    team = add_team(store)
    store.save("france", FRANCE, author=team.editor)
    store.submit("france", 1, by=team.editor)
    store.publish("france", 1, reviewer=team.ann)
    store.save("france", V2, author=team.editor, based_on=1)
    store.submit("france", 2, by=team.editor)
    store.reject("france", 2, by=team.bob)
    store.retire("france", 1, by=team.admin)
    store.rollback("france", 1, by=team.bob)
    assert [(e.actor, e.action) for e in store.audit("france")] == [
        ("ed", "saved"), ("ed", "submitted"), ("ann", "published"), ("ed", "saved"),
        ("ed", "submitted"), ("bob", "rejected"), ("root", "retired"), ("bob", "rolled back"),
    ]  # fmt: skip
