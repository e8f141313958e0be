"""User accounts in the store, on SQLite and PostgreSQL: real argon2id hashes, one
refusal for an unknown name and a wrong password, disabled accounts, look-alike
names, rehashing, who may manage accounts, and the demo accounts."""

from __future__ import annotations

import argon2
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from store_people import CHEAP_HASHER, Clock, add_team, open_store

from rulesets.store import (
    DEMO_ACCOUNTS,
    InvalidAccount,
    NotFound,
    NotPermitted,
    Role,
    RulesetStore,
    SignInRefused,
)
from rulesets.store.models import UserRow


@pytest.fixture
def store(store_url):
    with open_store(store_url) as opened:
        yield opened


def stored_hash(store: RulesetStore, name: str) -> str:
    with store.engine.connect() as connection:
        return connection.execute(
            sa.select(UserRow.password_hash).where(UserRow.name == name)
        ).scalar_one()


def test_a_password_is_kept_as_an_argon2id_hash_and_signs_in(store):
    store.accounts.add("root", role="admin", by="set-up", password="correct horse")
    digest = stored_hash(store, "root")
    assert digest.startswith("$argon2id$") and "correct horse" not in digest
    assert CHEAP_HASHER.verify(digest, "correct horse")
    user = store.accounts.authenticate("root", "correct horse")
    assert (user.name, user.role, user.active, user.created_by) == ("root", Role.ADMIN, True,
                                                                    "set-up")  # fmt: skip


def test_the_default_hasher_is_argon2id_with_the_library_parameters(tmp_path):
    with RulesetStore.open(f"sqlite:///{tmp_path / 'store.db'}") as store:
        store.accounts.add("root", role="admin", by="set-up", password="correct horse")
        parameters = argon2.extract_parameters(stored_hash(store, "root"))
        assert store.accounts.authenticate("root", "correct horse").name == "root"
    defaults = PasswordHasher()
    assert parameters.type is argon2.Type.ID
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (
        defaults.time_cost, defaults.memory_cost, defaults.parallelism)  # fmt: skip


def test_an_unknown_name_and_a_wrong_password_get_the_same_refusal(store):
    store.accounts.add("root", role="admin", by="set-up", password="correct horse")
    with pytest.raises(SignInRefused) as wrong:
        store.accounts.authenticate("root", "battery staple")
    with pytest.raises(SignInRefused) as unknown:
        store.accounts.authenticate("nobody", "correct horse")
    with pytest.raises(SignInRefused) as empty:
        store.accounts.authenticate("root", "")
    assert str(wrong.value) == str(unknown.value) == str(empty.value)
    assert str(wrong.value) == "unknown user or wrong password"


def test_a_disabled_account_cannot_sign_in_nor_act_with_an_earlier_sign_in(store):
    team = add_team(store)
    store.save("france", 'strategy a\n  source from node.type == "dc"\n', author=team.editor)
    store.accounts.disable("ed", by=team.admin)
    with pytest.raises(SignInRefused, match="'ed' is disabled"):
        store.accounts.authenticate("ed", "ed-password")
    with pytest.raises(NotPermitted, match="disabled"):
        store.submit("france", 1, by=team.editor)
    assert store.version("france", 1).state.value == "draft"
    assert not [u for u in store.accounts.list() if u.name == "ed"][0].active
    store.accounts.enable("ed", by=team.admin)
    assert store.submit("france", 1, by=team.editor).state.value == "in_review"


def test_look_alike_names_are_one_account(store):
    store.accounts.add(" Alice ", role="admin", by="set-up", password="alice-password")
    admin = store.accounts.authenticate("alice", "alice-password")
    assert admin.name == "Alice"
    for twin in ["ALICE", "ａｌｉｃｅ", "alice\u200b", "a\u00adlice"]:
        with pytest.raises(InvalidAccount, match="is taken: it is the account 'Alice'"):
            store.accounts.add(twin, role="viewer", by=admin, password="another-password")
        assert store.accounts.authenticate(twin, "alice-password").name == "Alice"
    assert [u.name for u in store.accounts.list()] == ["Alice"]
    # A Cyrillic а is another letter, so another person (as for authors and reviewers).
    store.accounts.add("\u0430lice", role="viewer", by=admin, password="another-password")
    assert len(store.accounts.list()) == 2


def test_a_hash_made_with_older_parameters_is_replaced_at_the_next_sign_in(store_url):
    weak = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1)
    with RulesetStore.open(store_url, password_hasher=weak) as before:
        before.accounts.add("root", role="admin", by="set-up", password="correct horse")
        old_hash = stored_hash(before, "root")
    with open_store(store_url) as after:  # the cheap hasher: more memory than `weak`
        assert after.accounts.authenticate("root", "correct horse").name == "root"
        new_hash = stored_hash(after, "root")
        assert new_hash != old_hash
        assert argon2.extract_parameters(new_hash).memory_cost == CHEAP_HASHER.memory_cost
        assert after.accounts.authenticate("root", "correct horse").name == "root"
        assert stored_hash(after, "root") == new_hash  # nothing to rehash any more


def test_passwords_have_8_to_1024_characters(store):
    for password in ["short", "x" * 1025]:
        with pytest.raises(InvalidAccount, match="a password has 8 to 1,024 characters"):
            store.accounts.add("root", role="admin", by="set-up", password=password)
    assert store.accounts.list() == []
    store.accounts.add("root", role="admin", by="set-up", password="x" * 1024)
    assert store.accounts.authenticate("root", "x" * 1024).name == "root"


def test_the_first_account_is_an_admin_and_then_only_admins_manage_accounts(store):
    with pytest.raises(InvalidAccount, match="no enabled admin: add one first"):
        store.accounts.add("ed", role="editor", by="set-up", password="ed-password")
    team = add_team(store)
    with pytest.raises(NotPermitted, match="ann is an approver: only admins may manage users"):
        store.accounts.add("eve", role="editor", by=team.ann, password="eve-password")
    with pytest.raises(NotPermitted, match="only admins may manage users"):
        store.accounts.set_role("ann", "admin", by=team.ann)
    with pytest.raises(NotPermitted):
        store.accounts.disable("bob", by=team.editor)
    with pytest.raises(NotPermitted, match="sign in"):
        store.accounts.add("eve", role="admin", by="root", password="eve-password")
    assert store.accounts.set_role("vic", "editor", by=team.admin).role == Role.EDITOR
    with pytest.raises(InvalidAccount, match="'nurse' is not a role"):
        store.accounts.set_role("vic", "nurse", by=team.admin)
    with pytest.raises(NotFound, match="no account 'eve'"):
        store.accounts.disable("eve", by=team.admin)
    events = [(e.actor, e.action, e.account, e.detail) for e in store.accounts.events("vic")]
    assert events == [
        ("root", "added", "vic", "role viewer; signs in with a password"),
        ("root", "role changed", "vic", "viewer → editor"),
    ]


def test_the_last_enabled_admin_stays_an_admin(store):
    team = add_team(store)
    with pytest.raises(InvalidAccount, match="last enabled admin"):
        store.accounts.disable("root", by=team.admin)
    with pytest.raises(InvalidAccount, match="last enabled admin"):
        store.accounts.set_role("root", "editor", by=team.admin)
    store.accounts.set_role("ann", "admin", by=team.admin)
    store.accounts.disable("root", by=team.ann)
    assert [u.name for u in store.accounts.list() if not u.active] == ["root"]


def test_people_change_their_own_password_and_admins_anyones(store):
    team = add_team(store)
    store.accounts.set_password("ed", "new-ed-password", by=team.editor)
    with pytest.raises(SignInRefused):
        store.accounts.authenticate("ed", "ed-password")
    assert store.accounts.authenticate("ed", "new-ed-password").name == "ed"
    with pytest.raises(NotPermitted, match="only admins"):
        store.accounts.set_password("ann", "taken-over!", by=team.editor)
    store.accounts.set_password("ann", "reset-by-admin", by=team.admin)
    assert store.accounts.authenticate("ann", "reset-by-admin").name == "ann"
    assert [e.actor for e in store.accounts.events() if e.action == "password set"] == [
        "ed", "root"]  # fmt: skip


def test_an_identity_provider_account_has_no_password_and_acts_once_found(store):
    team = add_team(store)
    store.accounts.add("carol@example.com", role="editor", by=team.admin)
    with pytest.raises(SignInRefused, match="unknown user or wrong password"):
        store.accounts.authenticate("carol@example.com", "")
    carol = store.accounts.get("Carol@Example.com")
    assert (carol.name, carol.has_password) == ("carol@example.com", False)
    saved = store.save("france", 'strategy a\n  source from node.type == "dc"\n', author=carol)
    assert saved.author == "carol@example.com"


def test_the_demo_accounts_sign_in_with_their_documented_passwords(store):
    added = store.accounts.add_demo_accounts()
    assert [(u.name, u.role) for u in added] == [("demo-editor", Role.EDITOR),
                                                 ("demo-approver", Role.APPROVER)]  # fmt: skip
    assert store.accounts.add_demo_accounts() == []  # already there: nothing changes
    for name, display_name, role, password in DEMO_ACCOUNTS:
        user = store.accounts.authenticate(name, password)
        assert (user.role, user.display_name) == (role, display_name)
        assert "demo" in user.display_name
    assert (DEMO_ACCOUNTS[0][3], DEMO_ACCOUNTS[1][3]) == ("demo-editor-password",
                                                          "demo-approver-password")  # fmt: skip


def test_demo_accounts_are_refused_in_a_store_with_real_accounts(store):
    store.accounts.add("root", role="admin", by="set-up", password="root-password")
    with pytest.raises(InvalidAccount, match=r"real accounts \(root\)"):
        store.accounts.add_demo_accounts()
    assert [u.name for u in store.accounts.list()] == ["root"]


def test_accounts_are_never_deleted(store):
    from sqlalchemy.orm import Session

    add_team(store)
    with Session(store.engine) as session:
        session.delete(session.scalars(sa.select(UserRow).where(UserRow.name == "ed")).one())
        with pytest.raises(ValueError, match="never deleted"):
            session.flush()


def test_the_clock_dates_the_account_events(store_url):
    clock = Clock()
    with open_store(store_url, clock) as store:
        store.accounts.add("root", role="admin", by="set-up", password="root-password")
        clock.advance(hours=1)
        admin = store.accounts.authenticate("root", "root-password")
        store.accounts.add("ed", role="editor", by=admin, password="ed-password")
        assert [e.at for e in store.accounts.events()] == [
            clock.now.replace(hour=9), clock.now]  # fmt: skip
