"""Two people save on top of the same version at the same moment — in two threads
and in two processes, on SQLite and on PostgreSQL. Exactly one save wins; the
other is refused with a conflict naming the winner and when they saved; nothing
is lost or half-written."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest

from rulesets.store import Conflict, RulesetStore, canonical_text

FRANCE = (Path(__file__).parent.parent / "rulesets" / "france.route").read_text()
EDITS = {
    "alice": FRANCE.replace("within 400 km", "within 300 km"),
    "bob": FRANCE.replace("split at most 3", "split at most 4"),
}


def _save(url: str, author: str, barrier, results) -> None:
    """One writer: open its own store, wait for the other, then save on top of v1."""
    try:
        with RulesetStore.open(url) as store:
            barrier.wait(timeout=60)
            version = store.save("france", EDITS[author], author=author, based_on=1)
            results.put((author, "saved", version.number, None, None))
    except Conflict as conflict:
        results.put((author, "conflict", conflict.latest, conflict.changed_by, str(conflict)))
    except Exception as error:  # reported to the test, which fails on it
        results.put((author, "error", None, None, repr(error)))


def _check_outcome(url: str, outcomes: list[tuple]) -> None:
    outcomes = sorted(outcomes, key=lambda o: o[1], reverse=True)  # "saved" before "conflict"
    assert [o[1] for o in outcomes] == ["saved", "conflict"], outcomes
    winner, loser = outcomes
    assert winner[2] == 2
    # The loser is told who saved in between, and when.
    with RulesetStore.open(url) as store:
        won = store.version("france", 2)
        assert loser[3] == winner[0] == won.author
        assert f"changed by {won.author} at {won.created_at:%Y-%m-%d %H:%M:%S} UTC" in loser[4]
        # Both versions intact: the original and the winner's, nothing else.
        history = store.history("france")
        assert [v.number for v in history] == [1, 2]
        assert history[0].text == canonical_text(FRANCE)
        assert history[1].text == canonical_text(EDITS[won.author])
        assert [e.action for e in store.audit("france")] == ["saved", "saved"]


@pytest.fixture
def seeded(store_url):
    with RulesetStore.open(store_url) as store:
        store.save("france", FRANCE, author="carol")
    return store_url


def test_two_writers_in_threads(seeded):
    import queue

    barrier, results = threading.Barrier(2), queue.Queue()
    writers = [
        threading.Thread(target=_save, args=(seeded, author, barrier, results)) for author in EDITS
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
    _check_outcome(seeded, [results.get(timeout=5) for _ in writers])


def test_two_writers_in_processes(seeded):
    # fork: the children start at once with everything imported; each opens its own store.
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(2), context.Queue()
    writers = [
        context.Process(target=_save, args=(seeded, author, barrier, results)) for author in EDITS
    ]
    for writer in writers:
        writer.start()
    outcomes = [results.get(timeout=120) for _ in writers]
    for writer in writers:
        writer.join(timeout=30)
    _check_outcome(seeded, outcomes)


def test_two_people_creating_the_same_ruleset_at_once(store_url):
    import queue

    barrier, results = threading.Barrier(2), queue.Queue()

    def create(author: str) -> None:
        try:
            with RulesetStore.open(store_url) as store:
                barrier.wait(timeout=60)
                store.save("spain", EDITS[author], author=author)
                results.put((author, "saved"))
        except Conflict as conflict:
            results.put((author, f"conflict:{conflict.changed_by}"))

    writers = [threading.Thread(target=create, args=(author,)) for author in EDITS]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
    outcomes = dict(results.get(timeout=5) for _ in writers)
    winner = next(author for author, outcome in outcomes.items() if outcome == "saved")
    loser = next(author for author in outcomes if author != winner)
    assert outcomes[loser] == f"conflict:{winner}"
    with RulesetStore.open(store_url) as store:
        assert [(v.number, v.author) for v in store.history("spain")] == [(1, winner)]


def test_eight_people_opening_a_new_sqlite_store_at_once_all_get_in(tmp_path):
    """Switching a new SQLite file to WAL needs it to itself; SQLite refuses at once
    ("database is locked") rather than wait when another connection is at it."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    barrier, failures = threading.Barrier(8), []

    def open_store() -> None:
        barrier.wait(timeout=60)
        try:
            with RulesetStore.open(url) as store:
                store.list_rulesets()
        except Exception as error:  # noqa: BLE001 - every failure is the finding
            failures.append(repr(error))

    people = [threading.Thread(target=open_store) for _ in range(8)]
    for person in people:
        person.start()
    for person in people:
        person.join(timeout=120)
    assert failures == []
