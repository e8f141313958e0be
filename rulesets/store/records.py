"""What the store hands out: plain, frozen records that outlive the database session
(the studio and the CLI never touch ORM rows)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from rulesets.store.models import (
    AccountEventRow,
    AuditEventRow,
    Role,
    RulesetRow,
    State,
    UserRow,
    VersionRow,
)


@dataclass(frozen=True)
class Version:
    """One numbered version of a ruleset, with its canonical text and its review record."""

    ruleset: str
    number: int
    state: State
    text: str = field(repr=False)
    content_hash: str
    author: str
    created_at: dt.datetime
    comment: str | None = None
    parent: int | None = None
    """The version this one was based on (for a rollback: the version it copies)."""
    reviewed_by: str | None = None
    published_at: dt.datetime | None = None
    """When it went live; for a scheduled version, the instant it goes live."""
    simulation_run_id: str | None = None

    @property
    def label(self) -> str:
        return f"{self.ruleset} v{self.number}"

    @property
    def live_from(self) -> dt.datetime | None:
        """The instant it went (or, scheduled, goes) live; None if it never was approved."""
        return self.published_at


@dataclass(frozen=True)
class RulesetSummary:
    """A ruleset at a glance: its newest version and the one that is live, if any."""

    name: str
    created_at: dt.datetime
    created_by: str
    latest: Version
    live: int | None
    scheduled: tuple[Version, ...] = ()
    """Versions approved to go live later, soonest first."""


@dataclass(frozen=True)
class AuditEntry:
    """One thing that happened: who, when, what, to which version, from which version."""

    ruleset: str
    at: dt.datetime
    actor: str
    action: str
    version: int | None = None
    from_state: State | None = None
    to_state: State | None = None
    from_version: int | None = None
    comment: str | None = None
    diff: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class RulesetHistory:
    """Everything the store knows about one ruleset: for export, import and backups."""

    name: str
    created_at: dt.datetime
    created_by: str
    versions: tuple[Version, ...]
    audit: tuple[AuditEntry, ...]


def version_record(name: str, row: VersionRow) -> Version:
    return Version(
        ruleset=name,
        number=row.number,
        state=State(row.state),
        text=row.text,
        content_hash=row.content_hash,
        author=row.author,
        created_at=row.created_at,
        comment=row.comment,
        parent=row.parent.number if row.parent is not None else None,
        reviewed_by=row.reviewed_by,
        published_at=row.published_at,
        simulation_run_id=row.simulation_run_id,
    )


def audit_record(name: str, row: AuditEventRow) -> AuditEntry:
    return AuditEntry(
        ruleset=name,
        at=row.at,
        actor=row.actor,
        action=row.action,
        version=row.version.number if row.version is not None else None,
        from_state=State(row.from_state) if row.from_state else None,
        to_state=State(row.to_state) if row.to_state else None,
        from_version=row.from_version,
        comment=row.comment,
        diff=row.diff,
    )


def summary_record(
    row: RulesetRow, latest: VersionRow, live: int | None, scheduled: list[VersionRow]
) -> RulesetSummary:
    return RulesetSummary(
        name=row.name,
        created_at=row.created_at,
        created_by=row.created_by,
        latest=version_record(row.name, latest),
        live=live,
        scheduled=tuple(version_record(row.name, v) for v in scheduled),
    )


@dataclass(frozen=True)
class User:
    """An account, as `Accounts.authenticate` hands it out: pass it as the `author`,
    `by` or `reviewer` of a store action. The store reads the account again at every
    action, so a role changed or an account disabled since takes effect at once."""

    name: str
    display_name: str
    role: Role
    created_at: dt.datetime
    created_by: str
    disabled_at: dt.datetime | None = None
    has_password: bool = True
    """False for an account that signs in only through an identity provider."""

    @property
    def active(self) -> bool:
        return self.disabled_at is None


@dataclass(frozen=True)
class AccountEvent:
    """Who added, changed or disabled which account, when."""

    at: dt.datetime
    actor: str
    action: str
    account: str
    detail: str | None = None


def user_record(row: UserRow) -> User:
    return User(
        name=row.name,
        display_name=row.display_name,
        role=Role(row.role),
        created_at=row.created_at,
        created_by=row.created_by,
        disabled_at=row.disabled_at,
        has_password=row.password_hash is not None,
    )


def account_event_record(row: AccountEventRow) -> AccountEvent:
    return AccountEvent(
        at=row.at, actor=row.actor, action=row.action, account=row.user.name, detail=row.detail
    )
