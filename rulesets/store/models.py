"""Tables of the ruleset store (SQLAlchemy 2 ORM): a ruleset, its numbered versions,
the audit trail of everything that happened to them, the user accounts with their
own trail, and each person's working copies.

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
    """Where a version is in the workflow: draft → in_review → published → retired, or
    in_review → scheduled (approved, live from a future instant) → published."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    RETIRED = "retired"


class Role(StrEnum):
    """What an account may do (`rulesets.store.permissions` holds the table)."""

    VIEWER = "viewer"
    EDITOR = "editor"
    APPROVER = "approver"
    ADMIN = "admin"


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


STATES_SQL = "state IN ('draft', 'in_review', 'scheduled', 'published', 'retired')"
ROLES_SQL = "role IN ('viewer', 'editor', 'approver', 'admin')"


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
        # Scheduled versions by go-live instant: every read looks for those due.
        Index(
            "ix_ruleset_versions_scheduled",
            "published_at",
            sqlite_where=text("state = 'scheduled'"),
            postgresql_where=text("state = 'scheduled'"),
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
    """When it went live, or (scheduled) the future instant it goes live."""
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


class UserRow(Base):
    """An account: who may sign in, and with which role. Never deleted, only disabled."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("name_key", name="uq_users_name_key"),
        CheckConstraint(ROLES_SQL, name="ck_users_role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    """The login name, normalised (`identity.normalised_name`)."""
    name_key: Mapped[str] = mapped_column(String(600))
    """`identity.identity(name)`: look-alike names share it, so they are one account."""
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(512))
    """An argon2 hash; None for an account that signs in through an identity provider."""
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class AccountEventRow(Base):
    """Who added, changed or disabled which account, when."""

    __tablename__ = "account_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str | None] = mapped_column(Text)

    user: Mapped[UserRow] = relationship()


class WorkingCopyRow(Base):
    """The text one person is editing for one ruleset, saved as they type. Not a
    version: overwritten at every keystroke that counts, dropped once saved."""

    __tablename__ = "working_copies"
    __table_args__ = (
        UniqueConstraint("owner_key", "ruleset", name="uq_working_copies_owner_ruleset"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    owner_key: Mapped[str] = mapped_column(String(600))
    """`identity.identity(owner)`: look-alike spellings of a name share one copy."""
    ruleset: Mapped[str] = mapped_column(String(100))
    """The ruleset's name; "" for a ruleset not saved yet."""
    based_on: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    revision: Mapped[int] = mapped_column(Integer)
    """1 at the first write, one more at each: a write names the revision it replaces."""


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
        if isinstance(row, VersionRow | AuditEventRow | UserRow | AccountEventRow):
            raise ValueError("versions, accounts and audit events are never deleted")
