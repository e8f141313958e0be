"""Scheduled publication. An approver may publish a version now or at a future
instant; a scheduled version is approved and goes live at that instant. **The live
version at any instant is the latest one whose go-live is at or before that instant**
(equal instants: the higher version number).

Nothing runs at the instant itself: the store catches up the first time it is used
after it (every read and every change does). Catching up writes what happened as if
at the instant: the version that was live `retired` and the scheduled one
`published`, both dated at the go-live instant and signed by the approver who
scheduled it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from rulesets.store.errors import StoreError, moment
from rulesets.store.events import record_event
from rulesets.store.models import RulesetRow, State, VersionRow
from rulesets.store.queries import live_version
from rulesets.store.validation import text_diff

FURTHEST_AHEAD = dt.timedelta(days=3 * 366)
"""How far ahead a version may be scheduled (about three years)."""


def go_live_instant(at: dt.datetime, now: dt.datetime) -> dt.datetime:
    """`at` in UTC when it is a time-zone-aware instant after `now` and within
    `FURTHEST_AHEAD`; `StoreError` otherwise."""
    if not isinstance(at, dt.datetime):
        raise StoreError(f"a go-live instant is a date and time, not {at!r}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise StoreError(
            f"the go-live time {at.isoformat()} has no time zone: give its offset "
            "(2026-11-08T06:00+01:00, or Z for UTC)"
        )
    at = at.astimezone(dt.UTC)
    if at <= now:
        raise StoreError(
            f"the go-live time {moment(at)} is not in the future (now: {moment(now)}): "
            "to publish now, leave the time out"
        )
    if at > now + FURTHEST_AHEAD:
        raise StoreError(
            f"the go-live time {moment(at)} is more than {FURTHEST_AHEAD.days} days ahead: "
            "schedule it nearer the time"
        )
    return at


def pending(session: Session, row: RulesetRow) -> list[VersionRow]:
    """The ruleset's scheduled versions, soonest first."""
    return list(
        session.scalars(
            select(VersionRow)
            .where(VersionRow.ruleset_id == row.id, VersionRow.state == State.SCHEDULED.value)
            .order_by(VersionRow.published_at, VersionRow.number)
        )
    )


def due_rulesets(session: Session, now: dt.datetime) -> list[int]:
    """Ids of the rulesets with a scheduled version whose instant has come."""
    return list(
        session.scalars(
            select(VersionRow.ruleset_id)
            .where(VersionRow.state == State.SCHEDULED.value, VersionRow.published_at <= now)
            .distinct()
            .order_by(VersionRow.ruleset_id)
        )
    )


def settle(session: Session, row: RulesetRow, now: dt.datetime) -> None:
    """Put live every scheduled version of `row` whose instant has come, in order,
    each retiring the version live before it (the ruleset's row is locked)."""
    for version in pending(session, row):
        if version.published_at > now:
            break
        at = version.published_at
        live = live_version(session, row)
        if live is not None:
            live.state = State.RETIRED.value
            session.flush()  # one live version at a time
            record_event(
                session, row, live, version.reviewed_by, "retired", State.PUBLISHED,
                State.RETIRED, at=at, comment=f"replaced by version {version.number} as scheduled",
            )  # fmt: skip
        version.state = State.PUBLISHED.value
        session.flush()
        record_event(
            session, row, version, version.reviewed_by, "published", State.SCHEDULED,
            State.PUBLISHED, at=at, from_version=live.number if live else None,
            comment=f"live from {moment(at)} as scheduled", diff=text_diff(row.name, live, version),
        )  # fmt: skip


def live_at(session: Session, row: RulesetRow, at: dt.datetime) -> VersionRow | None:
    """The version live at `at` (now or later; the store has settled what is due):
    the latest go-live at or before `at` among the live version and the scheduled ones."""
    candidates = [v for v in pending(session, row) if v.published_at <= at]
    live = live_version(session, row)
    if live is not None:
        candidates.append(live)
    if not candidates:
        return None
    floor = dt.datetime.min.replace(tzinfo=dt.UTC)
    return max(candidates, key=lambda v: (v.published_at or floor, v.number))
