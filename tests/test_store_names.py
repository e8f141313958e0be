"""Ruleset names become folder names on export: they must be safe on every file
system (no device name Windows reserves, no trailing dot) and no two may differ
only in case."""

from __future__ import annotations

from pathlib import Path

import pytest

from rulesets.store import InvalidName, RulesetStore

FRANCE = (Path(__file__).parent.parent / "rulesets" / "france.route").read_text()


@pytest.fixture
def store(store_url):
    with RulesetStore.open(store_url) as opened:
        yield opened


@pytest.mark.parametrize("name", ["CON", "nul", "Com1", "lpt9", "aux.route", "france.", "prn."])
def test_names_windows_reserves_are_refused(store, name):
    with pytest.raises(InvalidName, match="not a ruleset name"):
        store.save(name, FRANCE, author="alice")
    assert store.list_rulesets() == []


def test_names_that_differ_only_in_case_are_refused_at_creation(store):
    store.save("france", FRANCE, author="alice")
    with pytest.raises(InvalidName, match="'FRANCE' differs only in case from 'france'"):
        store.save("FRANCE", FRANCE, author="bob")
    assert [s.name for s in store.list_rulesets()] == ["france"]


def test_two_people_creating_names_that_differ_only_in_case_at_once(store_url):
    """Creations are serialised: of `france` and `FRANCE` created in two threads at
    the same moment, exactly one is created."""
    import threading

    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def create(name: str) -> None:
        with RulesetStore.open(store_url) as store:
            barrier.wait(timeout=60)
            try:
                store.save(name, FRANCE, author=name.lower())
                outcomes[name] = "created"
            except InvalidName as refused:
                outcomes[name] = str(refused)

    threads = [threading.Thread(target=create, args=(name,)) for name in ("france", "FRANCE")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcome == "created" for outcome in outcomes.values()) == [False, True]
    with RulesetStore.open(store_url) as store:
        assert len(store.list_rulesets()) == 1
