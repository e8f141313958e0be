"""Writing the audit trail: one event per thing that happened to a ruleset's version,
in the transaction that made the change."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from rulesets.store.models import AuditEventRow, RulesetRow, State, VersionRow


def record_event(
    session: Session,
    row: RulesetRow,
    version: VersionRow | None,
    actor: str,
    action: str,
    from_state: State | None = None,
    to_state: State | None = None,
    *,
    at: dt.datetime,
    from_version: int | None = None,
    comment: str | None = None,
    diff: str | None = None,
) -> None:
    session.add(
        AuditEventRow(
            ruleset_id=row.id,
            version_id=version.id if version is not None else None,
            at=at,
            actor=actor,
            action=action,
            from_state=from_state.value if from_state else None,
            to_state=to_state.value if to_state else None,
            from_version=from_version,
            comment=comment,
            diff=diff,
        )
    )
    session.flush()
