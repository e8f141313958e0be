"""The few queries the repository runs, all built with SQLAlchemy expressions
(every value a bound parameter)."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from rulesets.store.errors import NotFound
from rulesets.store.models import RulesetRow, State, VersionRow


def lock_ruleset(session: Session, name: str) -> RulesetRow | None:
    return session.scalar(select(RulesetRow).where(RulesetRow.name == name).with_for_update())


# Any constant will do: it names the lock PostgreSQL sessions take to create a ruleset.
_CREATION_LOCK = 7_023_114_552


def lock_names(session: Session) -> None:
    """Serialise the creation of rulesets, so that two people creating `france` and
    `FRANCE` at once cannot both pass the case check. SQLite writers already queue
    (`BEGIN IMMEDIATE`); PostgreSQL takes a transaction-scoped advisory lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CREATION_LOCK})


def case_twin(session: Session, name: str) -> str | None:
    """The name of another ruleset that differs from `name` only in case, if any.
    Ruleset names are ASCII, so the database's `lower` folds them exactly."""
    return session.scalar(
        select(RulesetRow.name)
        .where(func.lower(RulesetRow.name) == name.lower(), RulesetRow.name != name)
        .limit(1)
    )


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
