"""What the store hands out: plain, frozen records that outlive the database session
(the studio and the CLI never touch ORM rows)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from rulesets.store.models import AuditEventRow, RulesetRow, State, VersionRow


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
    simulation_run_id: str | None = None

    @property
    def label(self) -> str:
        return f"{self.ruleset} v{self.number}"


@dataclass(frozen=True)
class RulesetSummary:
    """A ruleset at a glance: its newest version and the one that is live, if any."""

    name: str
    created_at: dt.datetime
    created_by: str
    latest: Version
    live: int | None


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


def summary_record(row: RulesetRow, latest: VersionRow, live: int | None) -> RulesetSummary:
    return RulesetSummary(
        name=row.name,
        created_at=row.created_at,
        created_by=row.created_by,
        latest=version_record(row.name, latest),
        live=live,
    )
