"""Tables of the ruleset store (SQLAlchemy 2 ORM): a ruleset, its numbered versions,
and the audit trail of everything that happened to them.

The schema itself is owned by the migrations in `migrations/versions/`; these
classes must describe the same tables (a test compares them).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    inspect,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class State(StrEnum):
    """Where a version is in the workflow: draft → in_review → published → retired."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    RETIRED = "retired"


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes in and out, whatever the database keeps (SQLite has no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the store only records aware datetimes")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):  # noqa: ARG002 - SQLAlchemy's signature
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    pass


class RulesetRow(Base):
    """A named ruleset; its content lives in its versions."""

    __tablename__ = "rulesets"
    __table_args__ = (UniqueConstraint("name", name="uq_rulesets_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(200))

    versions: Mapped[list[VersionRow]] = relationship(
        back_populates="ruleset", order_by="VersionRow.number"
    )


STATES_SQL = "state IN ('draft', 'in_review', 'published', 'retired')"


class VersionRow(Base):
    """One saved text of a ruleset. Its text never changes once written."""

    __tablename__ = "ruleset_versions"
    __table_args__ = (
        UniqueConstraint("ruleset_id", "number", name="uq_ruleset_versions_number"),
        CheckConstraint(STATES_SQL, name="ck_ruleset_versions_state"),
        # At most one live (published) version per ruleset, enforced by the database.
        Index(
            "uq_ruleset_versions_live",
            "ruleset_id",
            unique=True,
            sqlite_where=text("state = 'published'"),
            postgresql_where=text("state = 'published'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ruleset_id: Mapped[int] = mapped_column(ForeignKey("rulesets.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    comment: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("ruleset_versions.id"))
    state: Mapped[str] = mapped_column(String(20), default=State.DRAFT.value)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    simulation_run_id: Mapped[str | None] = mapped_column(String(200))

    ruleset: Mapped[RulesetRow] = relationship(back_populates="versions")
    parent: Mapped[VersionRow | None] = relationship(remote_side=[id])


class AuditEventRow(Base):
    """Who did what to which version, when, from which version, with the text diff."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ruleset_id: Mapped[int] = mapped_column(ForeignKey("rulesets.id"), index=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("ruleset_versions.id"))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    from_version: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    diff: Mapped[str | None] = mapped_column(Text)

    version: Mapped[VersionRow | None] = relationship()


_FROZEN = ("ruleset_id", "number", "text", "content_hash", "author", "created_at", "parent_id")


@event.listens_for(Session, "before_flush")
def _versions_are_immutable(session: Session, _context, _instances) -> None:
    """Refuse any change to what a version says or who wrote it, and any deletion."""
    for row in session.dirty:
        if isinstance(row, VersionRow) and session.is_modified(row):
            state = inspect(row)
            for name in _FROZEN:
                if state.attrs[name].history.deleted:
                    raise ValueError(f"version {row.number} is immutable: {name} cannot change")
            if state.attrs["state"].history.deleted == [State.PUBLISHED.value] and (
                row.state != State.RETIRED.value
            ):
                raise ValueError(f"version {row.number} is published: it can only be retired")
    for row in session.deleted:
        if isinstance(row, VersionRow | AuditEventRow):
            raise ValueError("versions and audit events are never deleted")
