"""Working copies in the store (SQLite and PostgreSQL): one per person and ruleset,
written as the person types and found again from anywhere; a write from a window
that has not seen the latest revision is refused with the stored copy; personal
(another person's name cannot write it; in a store with accounts, only a signed-in
user, any role); dropped when discarded; a new ruleset has one too."""

from __future__ import annotations

from pathlib import Path

import pytest
import store_people
from store_people import add_team, open_store

from rulesets.store import SignInRequired, StoreError, WorkingCopyConflict

clock = store_people.clock
store = store_people.store

FRANCE = (Path(__file__).parent.parent / "rulesets" / "france.route").read_text()
TYPING = FRANCE.replace("within 400 km", "within 3")  # half typed: does not need to parse


def test_a_working_copy_is_kept_per_person_and_ruleset_and_found_again(store, clock):
    copies = store.working_copies
    assert copies.get("ann", "france") is None
    first = copies.save("ann", "france", TYPING, based_on=1, replaces=None)
    assert (first.owner, first.ruleset, first.based_on, first.revision) == ("ann", "france", 1, 1)
    clock.advance(seconds=2)
    second = copies.save("ann", "france", FRANCE, based_on=1, replaces=1)
    assert second.revision == 2 and second.saved_at > first.saved_at
    copies.save("bob", "france", "bob's text", based_on=1, replaces=None)
    # found again, as another browser (another store object) would
    again = open_store(str(store.engine.url.render_as_string(hide_password=False)), clock)
    found = again.working_copies.get("ANN", "france")  # the same person, spelt otherwise
    assert (found.text, found.revision) == (FRANCE, 2)
    assert again.working_copies.get("bob", "france").text == "bob's text"
    assert again.working_copies.get("ann", "spring") is None
    again.close()


def test_a_write_from_a_window_that_missed_the_latest_revision_is_refused(store):
    copies = store.working_copies
    copies.save("ann", "france", "window A", based_on=1, replaces=None)
    copies.save("ann", "france", "window A again", based_on=1, replaces=1)
    with pytest.raises(WorkingCopyConflict, match="changed in another window") as refused:
        copies.save("ann", "france", "window B", based_on=1, replaces=1)
    assert refused.value.current.text == "window A again"
    assert refused.value.current.revision == 2
    assert copies.get("ann", "france").text == "window A again"  # nothing overwritten
    with pytest.raises(WorkingCopyConflict):  # expecting none while one exists
        copies.save("ann", "france", "window C", based_on=1, replaces=None)


def test_the_latest_copy_says_what_the_person_was_on_and_discard_drops_it(store, clock):
    copies = store.working_copies
    assert copies.latest("ann") is None
    copies.save("ann", "france", FRANCE, based_on=1, replaces=None)
    clock.advance(minutes=1)
    copies.save("ann", None, 'ruleset "Spring"\n', based_on=None, replaces=None)
    latest = copies.latest("ann")
    assert (latest.ruleset, latest.based_on) == (None, None)
    assert copies.discard("ann", None) is True
    assert copies.discard("ann", None) is False
    assert copies.latest("ann").ruleset == "france"
    assert copies.get("ann", None) is None


def test_a_write_after_a_discard_elsewhere_starts_a_new_copy(store):
    copies = store.working_copies
    copies.save("ann", "france", "mine", based_on=1, replaces=None)
    copies.discard("ann", "france")  # saved as a version in another window
    kept = copies.save("ann", "france", "still typing", based_on=1, replaces=1)
    assert (kept.text, kept.revision) == ("still typing", 1)


def test_with_accounts_only_a_signed_in_user_keeps_a_copy_whatever_their_role(store):
    team = add_team(store)
    copies = store.working_copies
    with pytest.raises(SignInRequired):
        copies.save("ed", "france", FRANCE, based_on=1, replaces=None)
    copy = copies.save(team.viewer, "france", TYPING, based_on=1, replaces=None)
    assert copy.owner == "vic"
    assert copies.get(team.viewer, "france").text == TYPING
    assert copies.get(team.editor, "france") is None


def test_bad_names_and_oversized_texts_are_refused_and_nothing_is_kept(store):
    copies = store.working_copies
    with pytest.raises(StoreError, match="ruleset name"):
        copies.save("ann", "../etc", FRANCE, based_on=None, replaces=None)
    with pytest.raises(StoreError, match="over the store's limit"):
        copies.save("ann", "france", "x" * (1_048_577), based_on=None, replaces=None)
    assert copies.latest("ann") is None
