"""Whole rulesets in and out of the database — every version, state and audit event —
for backups, for moving between stores and for keeping rulesets in git
(`rulesets.folder` writes them as files)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from rulesets.store.errors import StoreError
from rulesets.store.models import AuditEventRow, RulesetRow, State, VersionRow
from rulesets.store.records import RulesetHistory, audit_record, version_record
from rulesets.store.validation import canonical_text, check_name, content_hash


class ImportRefused(StoreError):
    """What is being imported disagrees with the store or with itself; nothing was imported."""


def read_histories(session: Session) -> list[RulesetHistory]:
    """Every ruleset with all its versions and audit events, by name."""
    out = []
    for row in session.scalars(select(RulesetRow).order_by(RulesetRow.name)):
        events = session.scalars(
            select(AuditEventRow)
            .where(AuditEventRow.ruleset_id == row.id)
            .order_by(AuditEventRow.id)
        )
        out.append(
            RulesetHistory(
                name=row.name,
                created_at=row.created_at,
                created_by=row.created_by,
                versions=tuple(version_record(row.name, v) for v in row.versions),
                audit=tuple(audit_record(row.name, e) for e in events),
            )
        )
    return out


def restore_history(session: Session, history: RulesetHistory, by: str, at: dt.datetime) -> bool:
    """Write `history` as it was; True if restored, False if the store already holds
    exactly these versions. A ruleset whose versions differ is refused."""
    _verify(history)
    existing = session.scalar(
        select(RulesetRow).where(RulesetRow.name == history.name).with_for_update()
    )
    if existing is not None:
        ours = [(v.number, v.content_hash, v.state) for v in existing.versions]
        theirs = [(v.number, v.content_hash, v.state.value) for v in history.versions]
        if ours == theirs:
            return False
        raise ImportRefused(
            f"ruleset {history.name!r} already exists with other versions or states "
            f"({_describe(ours)} in the store, {_describe(theirs)} imported); nothing was "
            "imported. Import into an empty store, or save the text as a new version."
        )
    row = RulesetRow(
        name=history.name, created_at=history.created_at, created_by=history.created_by
    )
    session.add(row)
    session.flush()
    rows: dict[int, VersionRow] = {}
    for version in history.versions:
        rows[version.number] = VersionRow(
            ruleset=row,
            number=version.number,
            text=version.text,
            content_hash=version.content_hash,
            author=version.author,
            created_at=version.created_at,
            comment=version.comment,
            parent=rows[version.parent] if version.parent is not None else None,
            state=version.state.value,
            reviewed_by=version.reviewed_by,
            published_at=version.published_at,
            simulation_run_id=version.simulation_run_id,
        )
        session.add(rows[version.number])
    session.flush()
    for event in history.audit:
        session.add(
            AuditEventRow(
                ruleset_id=row.id,
                version_id=rows[event.version].id if event.version is not None else None,
                at=event.at,
                actor=event.actor,
                action=event.action,
                from_state=event.from_state.value if event.from_state else None,
                to_state=event.to_state.value if event.to_state else None,
                from_version=event.from_version,
                comment=event.comment,
                diff=event.diff,
            )
        )
    session.add(
        AuditEventRow(
            ruleset_id=row.id,
            at=at,
            actor=by,
            action="imported",
            comment=f"{len(history.versions)} version(s) imported",
        )
    )
    session.flush()
    return True


def _verify(history: RulesetHistory) -> None:
    """Numbers 1..n in order, parents earlier, texts canonical and matching their hash,
    at most one live version: what the store itself guarantees."""
    check_name(history.name)
    where = f"ruleset {history.name!r}"
    numbers = [v.number for v in history.versions]
    if not numbers or numbers != list(range(1, len(numbers) + 1)):
        raise ImportRefused(f"{where}: versions must be numbered 1, 2, 3… (got {numbers})")
    for version in history.versions:
        if version.parent is not None and not 1 <= version.parent < version.number:
            raise ImportRefused(f"{where} v{version.number}: parent {version.parent} is not older")
        if content_hash(version.text) != version.content_hash:
            raise ImportRefused(
                f"{where} v{version.number}: the text does not match its recorded hash (was the "
                "file edited?). Versions are immutable: save the edited text as a new version."
            )
        if canonical_text(version.text, version.label) != version.text:
            raise ImportRefused(f"{where} v{version.number}: the text is not in canonical form")
    if sum(v.state == State.PUBLISHED for v in history.versions) > 1:
        raise ImportRefused(f"{where}: more than one version is published")
    for event in history.audit:
        if event.version is not None and event.version not in numbers:
            raise ImportRefused(f"{where}: an audit event names a missing version {event.version}")


def _describe(versions: list[tuple[int, str, str]]) -> str:
    if not versions:
        return "no versions"
    return ", ".join(f"v{number} {state}" for number, _, state in versions)
