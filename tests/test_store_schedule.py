"""Publishing at a future instant (SQLite and PostgreSQL), with the clock injected:
a scheduled version is not live before its instant and is live from it; the audit
trail, the listing and `live` show the schedule; a schedule can be cancelled before
it takes effect; what goes to production and what an import keeps."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import store_people
from store_people import START, add_team, open_store

from rulesets.folder import export_folder, import_folder
from rulesets.store import InvalidTransition, ReviewRefused, State, StoreError

clock = store_people.clock
store = store_people.store

FRANCE = (Path(__file__).parent.parent / "rulesets" / "france.route").read_text()
V2 = FRANCE.replace("within 400 km", "within 300 km")
V3 = FRANCE.replace("within 400 km", "within 200 km")
PARIS = dt.timezone(dt.timedelta(hours=2))


@pytest.fixture
def team(store):
    return add_team(store)


def live_v1_and_v2_in_review(store, team):
    store.save("france", FRANCE, author=team.editor)
    store.submit("france", 1, by=team.editor)
    store.publish("france", 1, reviewer=team.ann)
    store.save("france", V2, author=team.editor, based_on=1)
    store.submit("france", 2, by=team.editor)


def test_a_version_scheduled_a_minute_ahead_goes_live_at_that_instant(store, team, clock):
    live_v1_and_v2_in_review(store, team)
    go_live = clock.now + dt.timedelta(minutes=1)
    scheduled = store.publish("france", 2, reviewer=team.bob, at=go_live.astimezone(PARIS))
    assert (scheduled.state, scheduled.live_from, scheduled.reviewed_by) == (
        State.SCHEDULED, go_live, "bob")  # fmt: skip
    assert store.live("france").number == 1
    assert store.live("france", at=go_live - dt.timedelta(seconds=1)).number == 1
    assert store.live("france", at=go_live).number == 2  # what will be live then
    [summary] = store.list_rulesets()
    assert (summary.live, [v.number for v in summary.scheduled]) == (1, [2])

    clock.advance(seconds=59)
    assert store.live("france").number == 1
    clock.advance(seconds=1)
    assert store.live("france").number == 2
    assert [(v.number, v.state) for v in store.history("france")] == [
        (1, State.RETIRED), (2, State.PUBLISHED)]  # fmt: skip
    assert store.list_rulesets()[0].scheduled == ()
    events = [(e.at, e.actor, e.action, e.version, e.from_state, e.to_state)
              for e in store.audit("france")[-3:]]  # fmt: skip
    assert events == [
        (START, "bob", "scheduled", 2, State.IN_REVIEW, State.SCHEDULED),
        (go_live, "bob", "retired", 1, State.PUBLISHED, State.RETIRED),
        (go_live, "bob", "published", 2, State.SCHEDULED, State.PUBLISHED),
    ]
    assert store.audit("france")[-3].comment == "live from 2026-05-20 09:01:00 UTC"
    assert "-  within 400 km" in store.audit("france")[-1].diff
    # It went through review: it may go to production now.
    assert store.reviewed("france", 2).number == 2


def test_a_scheduled_version_does_not_go_to_production_before_its_instant(store, team, clock):
    live_v1_and_v2_in_review(store, team)
    store.publish("france", 2, reviewer=team.bob, at=clock.now + dt.timedelta(days=1))
    with pytest.raises(ReviewRefused, match="scheduled to go live at 2026-05-21 09:00:00 UTC"):
        store.reviewed("france", 2)


def test_a_write_after_the_instant_catches_up_first(store, team, clock):
    live_v1_and_v2_in_review(store, team)
    store.publish("france", 2, reviewer=team.bob, at=clock.now + dt.timedelta(hours=1))
    clock.advance(hours=2)
    store.save("france", V3, author=team.editor, based_on=2)
    actions = [(e.at, e.action, e.version) for e in store.audit("france")[-3:]]
    one_hour_later = START + dt.timedelta(hours=1)
    assert actions == [(one_hour_later, "retired", 1), (one_hour_later, "published", 2),
                       (clock.now, "saved", 3)]  # fmt: skip


def test_a_schedule_is_cancelled_before_it_takes_effect(store, team, clock):
    live_v1_and_v2_in_review(store, team)
    go_live = clock.now + dt.timedelta(minutes=10)
    store.publish("france", 2, reviewer=team.bob, at=go_live, simulation_run_id="run-7")
    cancelled = store.cancel("france", 2, by=team.ann, comment="wait for the peak")
    assert (cancelled.state, cancelled.reviewed_by, cancelled.live_from) == (
        State.IN_REVIEW, None, None)  # fmt: skip
    assert store.audit("france")[-1].comment == (
        "was to go live at 2026-05-20 09:10:00 UTC: wait for the peak"
    )
    clock.advance(hours=1)
    assert store.live("france").number == 1
    # Back in review: it can be scheduled again, and once live the schedule is history.
    store.publish("france", 2, reviewer=team.bob, at=clock.now + dt.timedelta(minutes=1))
    clock.advance(minutes=1)
    with pytest.raises(InvalidTransition, match="its go-live instant has passed"):
        store.cancel("france", 2, by=team.ann)
    assert store.live("france").number == 2


def test_the_live_version_is_the_latest_go_live_at_or_before_the_instant(store, team, clock):
    live_v1_and_v2_in_review(store, team)
    store.save("france", V3, author=team.editor, based_on=2)
    store.submit("france", 3, by=team.editor)
    # v3 was approved after v2 but goes live first; v2 then takes over.
    store.publish("france", 2, reviewer=team.bob, at=clock.now + dt.timedelta(hours=2))
    store.publish("france", 3, reviewer=team.bob, at=clock.now + dt.timedelta(hours=1))
    assert [v.number for v in store.scheduled("france")] == [3, 2]
    lives = [store.live("france", at=clock.now + dt.timedelta(minutes=m)).number
             for m in (0, 59, 60, 119, 120, 600)]  # fmt: skip
    assert lives == [1, 1, 3, 3, 2, 2]
    clock.advance(hours=3)
    assert [(v.number, v.state) for v in store.history("france")] == [
        (1, State.RETIRED), (2, State.PUBLISHED), (3, State.RETIRED)]  # fmt: skip


def test_publishing_now_leaves_a_pending_schedule_in_force(store, team, clock):
    live_v1_and_v2_in_review(store, team)
    store.publish("france", 2, reviewer=team.bob, at=clock.now + dt.timedelta(days=7))
    store.save("france", V3, author=team.editor, based_on=2)
    store.submit("france", 3, by=team.editor)
    store.publish("france", 3, reviewer=team.ann)
    assert store.live("france").number == 3
    clock.advance(days=7)
    assert store.live("france").number == 2


@pytest.mark.parametrize(
    ("at", "message"),
    [
        (START.replace(tzinfo=None) + dt.timedelta(hours=1), "has no time zone"),
        (START - dt.timedelta(seconds=1), "is not in the future"),
        (START, "is not in the future"),
        (START + dt.timedelta(days=3 * 366 + 1), "more than 1098 days ahead"),
    ],
)
def test_a_go_live_instant_must_be_aware_future_and_within_three_years(store, team, at, message):
    live_v1_and_v2_in_review(store, team)
    with pytest.raises(StoreError, match=message):
        store.publish("france", 2, reviewer=team.bob, at=at)
    assert store.version("france", 2).state == State.IN_REVIEW


def test_live_at_a_past_instant_is_refused(store, team, clock):
    live_v1_and_v2_in_review(store, team)
    with pytest.raises(StoreError, match="in the past: the audit trail"):
        store.live("france", at=clock.now - dt.timedelta(seconds=1))


def test_a_store_without_accounts_schedules_too(store_url, clock):
    with open_store(store_url, clock) as store:
        store.save("france", FRANCE, author="alice")
        store.submit("france", 1, by="alice")
        store.publish("france", 1, reviewer="bob", at=clock.now + dt.timedelta(minutes=1))
        assert store.live("france") is None
        clock.advance(minutes=1)
        assert store.live("france").reviewed_by == "bob"


def test_a_signed_export_keeps_a_schedule_and_an_unsigned_one_does_not(
    store, team, clock, tmp_path, signing
):
    from engine.signing import load_signing_key, load_trusted_keys

    private, public = signing
    live_v1_and_v2_in_review(store, team)
    store.publish("france", 2, reviewer=team.bob, at=clock.now + dt.timedelta(hours=1))
    export_folder(store, tmp_path / "signed", signing_key=load_signing_key(private))
    export_folder(store, tmp_path / "plain")
    for folder, trusted, expected in [
        ("signed", load_trusted_keys([public]), [State.PUBLISHED, State.SCHEDULED]),
        ("plain", None, [State.DRAFT, State.DRAFT]),
    ]:
        with open_store(f"sqlite:///{tmp_path / folder}.db", clock) as other:
            import_folder(other, tmp_path / folder, by="ops", trusted_keys=trusted)
            assert [v.state for v in other.history("france")] == expected
    with open_store(f"sqlite:///{tmp_path / 'signed'}.db", clock) as other:
        clock.advance(hours=1)
        assert other.live("france").number == 2
        assert other.reviewed("france", 2).reviewed_by == "bob"
