"""The few queries the repository runs, all built with SQLAlchemy expressions
(every value a bound parameter)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rulesets.store.errors import NotFound
from rulesets.store.models import RulesetRow, State, VersionRow


def lock_ruleset(session: Session, name: str) -> RulesetRow | None:
    return session.scalar(select(RulesetRow).where(RulesetRow.name == name).with_for_update())


def get_ruleset(session: Session, name: str) -> RulesetRow:
    row = session.scalar(select(RulesetRow).where(RulesetRow.name == name))
    if row is None:
        raise NotFound(f"no ruleset named {name!r}")
    return row


def latest_version(session: Session, row: RulesetRow) -> VersionRow:
    newest = (
        select(func.max(VersionRow.number)).where(VersionRow.ruleset_id == row.id).scalar_subquery()
    )
    return session.scalars(
        select(VersionRow).where(VersionRow.ruleset_id == row.id, VersionRow.number == newest)
    ).one()


def get_version(session: Session, row: RulesetRow, number: int) -> VersionRow:
    found = session.scalar(
        select(VersionRow).where(VersionRow.ruleset_id == row.id, VersionRow.number == number)
    )
    if found is None:
        raise NotFound(f"{row.name!r} has no version {number}")
    return found


def live_version(session: Session, row: RulesetRow) -> VersionRow | None:
    return session.scalar(
        select(VersionRow).where(
            VersionRow.ruleset_id == row.id, VersionRow.state == State.PUBLISHED.value
        )
    )
