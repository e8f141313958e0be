"""The ruleset store's repository on SQLite and on a real PostgreSQL server: numbered
versions, optimistic locking, the review workflow, publishing, rollback, audit."""

from __future__ import annotations

from pathlib import Path

import pytest

from rulesets.store import (
    Conflict,
    InvalidName,
    InvalidRuleset,
    InvalidTransition,
    NotFound,
    ReviewRefused,
    RulesetStore,
    State,
    StoreError,
    Unchanged,
    canonical_text,
    content_hash,
)

FRANCE = (Path(__file__).parent.parent / "rulesets" / "france.route").read_text()
# Parses, but the checker refuses it: an unknown field and a fallback to nowhere.
CHECKER_ERRORS = """\
strategy home
  when order.deliveryy == "home"
  otherwise use nowhere
"""


def edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


@pytest.fixture
def store(store_url):
    with RulesetStore.open(store_url) as opened:
        yield opened


# ------------------------------------------------------------------- saving


def test_versions_are_numbered_in_order_of_saving_and_keep_canonical_text(store):
    messy = FRANCE.replace("  priority 100", "      priority    100")
    first = store.save("france", messy, author="alice", comment="from the spec")
    second = store.save(
        "france", edit(FRANCE, "within 400 km", "within 300 km"), author="bob", based_on=1
    )
    assert (first.number, second.number) == (1, 2)
    assert first.text == canonical_text(FRANCE) and first.text != messy
    assert first.content_hash == content_hash(first.text)
    assert (first.state, second.state) == (State.DRAFT, State.DRAFT)
    assert (second.parent, second.author, first.comment) == (1, "bob", "from the spec")
    assert [v.number for v in store.history("france")] == [1, 2]
    assert store.version("france").number == 2
    assert store.version("france", 1).text == first.text
    assert store.live("france") is None


def test_a_save_based_on_an_older_version_is_refused_naming_who_changed_it(store):
    store.save("france", FRANCE, author="alice")
    bob = store.save("france", edit(FRANCE, "split at most 3", "split at most 4"), author="bob",
                     based_on=1)  # fmt: skip
    with pytest.raises(Conflict) as refused:
        store.save("france", edit(FRANCE, "within 50 km", "within 40 km"), author="carol",
                   based_on=1)  # fmt: skip
    conflict = refused.value
    assert (conflict.changed_by, conflict.latest, conflict.based_on) == ("bob", 2, 1)
    assert conflict.changed_at == bob.created_at
    assert "changed by bob at" in str(conflict) and "--based-on 2" in str(conflict)
    assert [v.number for v in store.history("france")] == [1, 2]


def test_saving_over_an_existing_ruleset_without_a_base_is_a_conflict(store):
    store.save("france", FRANCE, author="alice")
    with pytest.raises(Conflict, match="changed by alice"):
        store.save("france", edit(FRANCE, "priority 5", "priority 6"), author="bob")


def test_a_base_that_does_not_exist_is_refused(store):
    with pytest.raises(NotFound):
        store.save("france", FRANCE, author="alice", based_on=1)
    store.save("france", FRANCE, author="alice")
    with pytest.raises(NotFound, match="no version 7"):
        store.save("france", edit(FRANCE, "priority 5", "priority 6"), author="a", based_on=7)


def test_saving_what_the_base_already_says_is_refused(store):
    store.save("france", FRANCE, author="alice")
    reflowed = FRANCE.replace("rank by distance\n", "rank by   distance\n")
    with pytest.raises(Unchanged):
        store.save("france", reflowed, author="bob", based_on=1)


def test_text_that_does_not_parse_is_refused_with_line_and_column(store):
    with pytest.raises(InvalidRuleset) as refused:
        store.save("broken", "strategy x\n  split at most\n", author="alice", filename="x.route")
    assert "x.route:2:" in str(refused.value)
    assert store.list_rulesets() == []


def test_names_and_people_are_validated(store):
    for bad in ["", "../etc", "a b", "-x", "x" * 101]:
        with pytest.raises(InvalidName):
            store.save(bad, FRANCE, author="alice")
    with pytest.raises(StoreError, match="author must be named"):
        store.save("france", FRANCE, author="  ")


def test_a_draft_may_hold_checker_errors_but_cannot_be_submitted(store):
    draft = store.save("wip", CHECKER_ERRORS, author="alice")
    with pytest.raises(InvalidRuleset) as refused:
        store.submit("wip", draft.number, by="alice")
    message = str(refused.value)
    assert "checker error" in message and "order.deliveryy" in message
    assert store.version("wip").state == State.DRAFT
    assert [e.action for e in store.audit("wip")] == ["saved"]


def test_review_gates_accept_the_datas_extra_columns_when_named(store):
    """A rule reading `node.zone` passes the gates once the data's columns are named."""
    zoned = 'ruleset "zones"\nstrategy north "North"\n  source from node.zone == "north"\n'
    store.save("zones", zoned, author="alice")
    with pytest.raises(InvalidRuleset, match="node.zone"):
        store.submit("zones", 1, by="alice")
    store.submit("zones", 1, by="alice", extra_fields=["node.zone"])
    published = store.publish("zones", 1, reviewer="bob", extra_fields=["node.zone"])
    assert published.state == State.PUBLISHED


# ----------------------------------------------------------------- workflow


def test_submit_publish_and_the_previous_live_version_retires(store):
    store.save("france", FRANCE, author="alice")
    store.submit("france", 1, by="alice")
    one = store.publish("france", 1, reviewer="bob", simulation_run_id="run-2026-05-01")
    assert (one.state, one.reviewed_by, one.simulation_run_id) == (State.PUBLISHED, "bob",
                                                                   "run-2026-05-01")  # fmt: skip
    assert one.published_at is not None
    store.save("france", edit(FRANCE, "within 400 km", "within 350 km"), author="carol",
               based_on=1)  # fmt: skip
    store.submit("france", 2, by="carol")
    assert store.live("france").number == 1  # in review is not live
    two = store.publish("france", 2, reviewer="alice")
    assert two.simulation_run_id is None
    assert store.live("france").number == 2
    assert [v.state for v in store.history("france")] == [State.RETIRED, State.PUBLISHED]
    summary = store.list_rulesets()[0]
    assert (summary.name, summary.latest.number, summary.live) == ("france", 2, 2)


def test_the_author_cannot_review_their_own_version(store):
    store.save("france", FRANCE, author="alice")
    store.submit("france", 1, by="alice")
    with pytest.raises(ReviewRefused, match="another person"):
        store.publish("france", 1, reviewer=" Alice ")
    assert store.version("france", 1).state == State.IN_REVIEW


def test_self_review_can_be_allowed_for_single_user_setups(store_url, monkeypatch):
    monkeypatch.setenv("SOURCING_ALLOW_SELF_REVIEW", "1")
    with RulesetStore.open(store_url) as solo:
        solo.save("france", FRANCE, author="alice")
        solo.submit("france", 1, by="alice")
        assert solo.publish("france", 1, reviewer="alice").state == State.PUBLISHED


def test_transitions_outside_the_workflow_are_refused(store):
    store.save("france", FRANCE, author="alice")
    with pytest.raises(InvalidTransition, match="only a version in in_review can be published"):
        store.publish("france", 1, reviewer="bob")
    with pytest.raises(InvalidTransition):
        store.retire("france", 1, by="bob")
    store.submit("france", 1, by="alice")
    with pytest.raises(InvalidTransition):
        store.submit("france", 1, by="alice")
    store.reject("france", 1, by="bob", comment="rename the backstop")
    assert store.version("france", 1).state == State.DRAFT
    with pytest.raises(NotFound):
        store.submit("france", 9, by="alice")
    with pytest.raises(NotFound):
        store.submit("spain", 1, by="alice")


def test_retire_leaves_no_live_version(store):
    store.save("france", FRANCE, author="alice")
    store.submit("france", 1, by="alice")
    store.publish("france", 1, reviewer="bob")
    store.retire("france", 1, by="bob", comment="peak is over")
    assert store.live("france") is None
    assert store.version("france", 1).state == State.RETIRED


def test_rollback_publishes_a_copy_of_an_older_published_version(store):
    store.save("france", FRANCE, author="alice")
    store.submit("france", 1, by="alice")
    store.publish("france", 1, reviewer="bob", simulation_run_id="run-1")
    store.save("france", edit(FRANCE, "split at most 3", "split none"), author="carol",
               based_on=1)  # fmt: skip
    store.submit("france", 2, by="carol")
    store.publish("france", 2, reviewer="bob")
    store.save("france", edit(FRANCE, "within 50 km", "within 10 km"), author="carol",
               based_on=2)  # fmt: skip

    copy = store.rollback("france", 1, by="dave")
    assert (copy.number, copy.state, copy.parent, copy.author) == (4, State.PUBLISHED, 1, "dave")
    assert copy.text == store.version("france", 1).text
    assert copy.simulation_run_id == "run-1"
    assert store.live("france").number == 4
    states = [v.state for v in store.history("france")]
    assert states == [State.RETIRED, State.RETIRED, State.DRAFT, State.PUBLISHED]
    with pytest.raises(InvalidTransition, match="already the live version"):
        store.rollback("france", 4, by="dave")
    with pytest.raises(InvalidTransition, match="never published"):
        store.rollback("france", 3, by="dave")
    # The draft based on v2 is now stale: saving on top of it is a conflict.
    with pytest.raises(Conflict, match="changed by dave"):
        store.save("france", edit(FRANCE, "priority 20", "priority 21"), author="carol",
                   based_on=3)  # fmt: skip


def test_audit_shows_every_state_change_with_who_and_when(store):
    store.save("france", FRANCE, author="alice", comment="first cut")
    store.submit("france", 1, by="alice")
    store.reject("france", 1, by="bob", comment="lower the radius")
    store.save("france", edit(FRANCE, "within 400 km", "within 300 km"), author="alice",
               based_on=1)  # fmt: skip
    store.submit("france", 2, by="alice")
    store.publish("france", 2, reviewer="bob", simulation_run_id="run-9")
    store.save("france", edit(FRANCE, "priority 20", "priority 15"), author="carol",
               based_on=2)  # fmt: skip
    store.submit("france", 3, by="carol")
    store.publish("france", 3, reviewer="alice")
    store.rollback("france", 2, by="bob", comment="peak incident")

    trail = [
        (e.actor, e.action, e.version, e.from_state, e.to_state, e.from_version)
        for e in store.audit("france")
    ]
    D, R, P, T = State.DRAFT, State.IN_REVIEW, State.PUBLISHED, State.RETIRED
    assert trail == [
        ("alice", "saved", 1, None, D, None),
        ("alice", "submitted", 1, D, R, None),
        ("bob", "rejected", 1, R, D, None),
        ("alice", "saved", 2, None, D, 1),
        ("alice", "submitted", 2, D, R, None),
        ("bob", "published", 2, R, P, None),
        ("carol", "saved", 3, None, D, 2),
        ("carol", "submitted", 3, D, R, None),
        ("alice", "retired", 2, P, T, None),
        ("alice", "published", 3, R, P, 2),
        ("bob", "retired", 3, P, T, None),
        ("bob", "rolled back", 4, None, P, 2),
    ]
    events = store.audit("france")
    times = [e.at for e in events]
    assert times == sorted(times) and all(t.tzinfo is not None for t in times)
    assert events[2].comment == "lower the radius"
    assert "-  within 400 km\n+  within 300 km" in events[3].diff
    assert "-  priority 15" in events[-1].diff and "+  priority 20" in events[-1].diff


def test_diff_between_two_stored_versions_is_clause_level(store):
    store.save("france", FRANCE, author="alice")
    changed = edit(FRANCE, "  keep 3 units at", "  keep 5 units at")
    store.save("france", changed, author="bob", based_on=1)
    diff = store.diff("france", 1, 2)
    change = diff.strategy("peak_store_protection")
    assert change.change == "changed"
    assert [(c.clause, c.change) for c in change.clauses] == [("keep", "changed")]
    assert store.diff("france", 2, 2).unchanged


def test_open_reads_the_url_from_the_environment(store_url, monkeypatch):
    monkeypatch.setenv("SOURCING_DB_URL", store_url)
    with RulesetStore.open() as from_env:
        from_env.save("france", FRANCE, author="alice")
    with RulesetStore.open(store_url) as explicit:
        assert explicit.version("france").author == "alice"


def test_hostile_text_is_stored_verbatim_as_parameters(store):
    who = "O'Brien\"; DROP TABLE audit_events; --"
    note = "it's 100% \"fine\"'); DELETE FROM ruleset_versions; --"
    store.save("france", FRANCE, author=who, comment=note)
    store.submit("france", 1, by=who, comment=note)
    assert store.version("france").author == who
    assert [(e.actor, e.comment) for e in store.audit("france")] == [(who, note), (who, note)]


def test_the_default_is_a_sqlite_file_in_the_working_directory_in_wal_mode(tmp_path, monkeypatch):
    from sqlalchemy import text

    monkeypatch.delenv("SOURCING_DB_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    with RulesetStore.open() as default:
        default.save("france", FRANCE, author="alice")
        with default.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 15000
    assert (tmp_path / "sourcing.db").is_file()
