"""`sourcing rulesets demo` (what `make demo` runs) on SQLite and PostgreSQL: a fresh
store gets the shipped examples as drafts, france v1 live (reviewed by someone other
than its author, so it may go to production) and the two demo accounts; running it
again changes nothing; a store that had the demo accounts first gets the same; a store
with real accounts is refused and left as it was."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from store_people import add_team, open_store

from rulesets.store import DEMO_ACCOUNTS, InvalidAccount, State
from rulesets.store.demo import examples, prepare

SOURCING = Path(sys.executable).with_name("sourcing")


def snapshot(store) -> tuple:
    return (
        [(s.name, s.latest.number, s.latest.state, s.live) for s in store.list_rulesets()],
        [(e.actor, e.action, e.version) for e in store.audit("france")],
        [(u.name, u.role) for u in store.accounts.list()],
    )


def test_a_fresh_store_gets_a_live_france_and_the_demo_accounts_once(store_url):
    with open_store(store_url) as store:
        report = prepare(store)
        assert report.seeded == sorted(examples())
        assert report.published == "france v1"
        assert sorted(report.accounts) == sorted(name for name, *_ in DEMO_ACCOUNTS)
        live = store.live("france")
        assert (live.number, live.author, live.reviewed_by) == (
            1,
            "shipped-examples",
            "demo set-up",
        )
        assert store.reviewed("france", 1).number == 1  # it went through review
        others = [s for s in store.list_rulesets() if s.name != "france"]
        assert all(s.live is None and s.latest.state == State.DRAFT for s in others)
        for name, _, role, password in DEMO_ACCOUNTS:
            assert store.accounts.authenticate(name, password).role == role
        before = snapshot(store)
        again = prepare(store)
        assert (again.seeded, again.published, again.accounts) == ([], None, [])
        assert snapshot(store) == before


def test_a_store_with_the_demo_accounts_first_gets_the_same(store_url):
    with open_store(store_url) as store:
        store.accounts.add_demo_accounts()
        report = prepare(store)
        assert report.published == "france v1"
        live = store.live("france")
        assert (live.author, live.reviewed_by) == ("demo-editor", "demo-approver")


def test_a_store_with_real_accounts_is_refused_and_untouched(store_url):
    with open_store(store_url) as store:
        add_team(store)
        with pytest.raises(InvalidAccount, match="real accounts"):
            prepare(store)
        assert store.list_rulesets() == []


def test_the_command_line_says_what_it_did(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    first = subprocess.run(
        [SOURCING, "rulesets", "demo", "--db", url], capture_output=True, text=True, check=True
    )
    assert "published: france v1" in first.stdout
    assert "demo-approver (approver), password 'demo-approver-password': added" in first.stdout
    second = subprocess.run(
        [SOURCING, "rulesets", "demo", "--db", url], capture_output=True, text=True, check=True
    )
    assert "published: nothing (france is as it was)" in second.stdout
    assert "demo-editor (editor), password 'demo-editor-password': already there" in second.stdout
