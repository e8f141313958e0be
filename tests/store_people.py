"""Accounts for the store tests: a cheap argon2id hasher (real hashing, small cost,
so that tests adding many accounts stay quick), a clock the test moves, and a store
with one account of each role."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher

from rulesets.store import RulesetStore, User

CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
START = dt.datetime(2026, 5, 20, 9, 0, tzinfo=dt.UTC)


class Clock:
    """Now, as the test says: starts at START, moves with `advance`."""

    def __init__(self, now: dt.datetime = START):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@dataclass
class Team:
    admin: User
    editor: User
    ann: User
    bob: User
    viewer: User

    def of_role(self, role: str) -> User:
        return {"admin": self.admin, "editor": self.editor, "approver": self.ann,
                "viewer": self.viewer}[role]  # fmt: skip


def open_store(url: str, clock: Clock | None = None, **options) -> RulesetStore:
    return RulesetStore.open(url, clock=clock or Clock(), password_hasher=CHEAP_HASHER, **options)


def add_team(store: RulesetStore) -> Team:
    """An admin, an editor, two approvers (ann, bob) and a viewer, signed in."""
    accounts = store.accounts
    accounts.add("root", role="admin", by="set-up", password="root-password")
    admin = accounts.authenticate("root", "root-password")
    for name, role in [("ed", "editor"), ("ann", "approver"), ("bob", "approver"),
                       ("vic", "viewer")]:  # fmt: skip
        accounts.add(name, role=role, by=admin, password=f"{name}-password")
    signed = {n: accounts.authenticate(n, f"{n}-password") for n in ("ed", "ann", "bob", "vic")}
    return Team(admin, signed["ed"], signed["ann"], signed["bob"], signed["vic"])


@pytest.fixture
def clock() -> Clock:
    """The store's clock, moved by the test (import it as `clock = store_people.clock`)."""
    return Clock()


@pytest.fixture
def store(store_url, clock):
    """An empty store on `store_url` (SQLite, then PostgreSQL) read on `clock`."""
    with open_store(store_url, clock) as opened:
        yield opened
