"""Whole rulesets in and out of the database — every version, state and audit event —
for backups, for moving between stores and for keeping rulesets in git
(`rulesets.folder` writes them as files).

What is imported arrives as drafts unless the caller vouches for it (`Arrival`: a
folder signed by a trusted key) and its history verifies: a published version
must have gone through review (`rulesets.store.review`), and a version in review
or live must check clean. So an import never publishes anything review did not.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from rulesets.store.errors import InvalidRuleset, StoreError
from rulesets.store.identity import person
from rulesets.store.models import AuditEventRow, RulesetRow, State, VersionRow
from rulesets.store.queries import case_twin
from rulesets.store.records import RulesetHistory, audit_record, version_record
from rulesets.store.review import review_problem
from rulesets.store.validation import (
    canonical_text,
    case_twin_refused,
    check_name,
    check_version_number,
    content_hash,
    gate,
)

ACTIONS = frozenset(
    {
        "saved",
        "submitted",
        "rejected",
        "scheduled",
        "cancelled",
        "published",
        "retired",
        "rolled back",
        "imported",
    }
)
"""What an audit event can say happened."""
CLOCK_SKEW = dt.timedelta(minutes=5)
"""How far in the future an imported timestamp may be (clocks differ a little)."""


class ImportRefused(StoreError):
    """What is being imported disagrees with the store or with itself; nothing was imported."""


@dataclasses.dataclass(frozen=True)
class Arrival:
    """How imported rulesets arrive: with their states (`keep_states`, for a folder
    signed by a trusted key) or as drafts; `note` says why, in the audit trail."""

    keep_states: bool = False
    note: str = "the rulesets are not signed"


def read_histories(session: Session, name: str | None = None) -> list[RulesetHistory]:
    """Every ruleset (or the one named) with all its versions and audit events, by name."""
    query = select(RulesetRow).order_by(RulesetRow.name)
    if name is not None:
        query = query.where(RulesetRow.name == name)
    out = []
    for row in session.scalars(query):
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


def restore_history(
    session: Session,
    history: RulesetHistory,
    by: str,
    at: dt.datetime,
    arrival: Arrival,
    *,
    allow_self_review: bool,
    extra_fields: tuple[str, ...] = (),
) -> bool:
    """Write `history` (as drafts unless `arrival.keep_states`); True if restored,
    False if the store already holds exactly what would arrive. A ruleset whose
    versions differ, or whose name differs only in case from one in the store, is
    refused."""
    history = _verified(history, at)
    if arrival.keep_states:
        _verify_review(history, allow_self_review, extra_fields)
    else:
        history = _as_drafts(history)
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
            f"({_describe(ours)} in the store, {_describe(theirs)} arriving); nothing was "
            "imported. Import into an empty store, or save the text as a new version."
        )
    twin = case_twin(session, history.name)
    if twin is not None:
        raise ImportRefused(f"{case_twin_refused(history.name, twin)}; nothing was imported")
    _insert(session, history, by, at, _import_comment(history, arrival))
    return True


def _insert(session: Session, history: RulesetHistory, by: str, at: dt.datetime, comment: str):
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
    session.add(AuditEventRow(ruleset_id=row.id, at=at, actor=by, action="imported",
                              comment=comment))  # fmt: skip
    session.flush()


# ------------------------------------------------------------------ checks


def _verified(history: RulesetHistory, now: dt.datetime) -> RulesetHistory:
    """`history` with its people's names normalised, when it holds what the store
    itself guarantees: a safe name, numbers 1..n in order, parents earlier, texts
    canonical and matching their hash, at most one live version, audit events about
    its own versions, nothing dated in the future. `ImportRefused` otherwise."""
    check_name(history.name)
    where = f"ruleset {history.name!r}"
    numbers = [v.number for v in history.versions]
    if not numbers or numbers != list(range(1, len(numbers) + 1)):
        raise ImportRefused(f"{where}: versions must be numbered 1, 2, 3… (got {numbers})")
    for number in numbers:
        check_version_number(history.name, number)
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
        if version.simulation_run_id is not None and len(version.simulation_run_id) > 200:
            raise ImportRefused(f"{where} v{version.number}: the simulation run id is too long")
    if sum(v.state == State.PUBLISHED for v in history.versions) > 1:
        raise ImportRefused(f"{where}: more than one version is published")
    for event in history.audit:
        if event.version is not None and event.version not in numbers:
            raise ImportRefused(f"{where}: an audit event names a missing version {event.version}")
        if event.from_version is not None and event.from_version not in numbers:
            raise ImportRefused(
                f"{where}: an audit event names a missing version {event.from_version} "
                "as the one it came from"
            )
        if event.action not in ACTIONS:
            raise ImportRefused(
                f"{where}: an audit event says {event.action!r}, which is not an action "
                f"({', '.join(sorted(ACTIONS))})"
            )
    _not_in_the_future(history, now, where)
    return _with_people_normalised(history, where)


def _not_in_the_future(history: RulesetHistory, now: dt.datetime, where: str) -> None:
    moments = [("it was created", history.created_at)]
    for v in history.versions:
        moments.append((f"v{v.number} was written", v.created_at))
        if v.published_at is not None and v.state != State.SCHEDULED:
            moments.append((f"v{v.number} was published", v.published_at))
    moments += [(f"audit event {i} ({e.action})", e.at) for i, e in enumerate(history.audit, 1)]
    for what, moment in moments:
        if moment > now + CLOCK_SKEW:
            raise ImportRefused(
                f"{where}: {what} at {moment.isoformat()}, which is in the future; nothing "
                "was imported (check the clock of the store that exported it)"
            )


def _with_people_normalised(history: RulesetHistory, where: str) -> RulesetHistory:
    def named(who: str | None, role: str, optional: bool = False) -> str | None:
        if optional and who is None:
            return None
        try:
            return person(who, role)
        except StoreError as error:
            raise ImportRefused(f"{where}: {error}") from None

    versions = tuple(
        dataclasses.replace(
            v,
            author=named(v.author, f"author of v{v.number}"),
            reviewed_by=named(v.reviewed_by, f"reviewer of v{v.number}", optional=True),
        )
        for v in history.versions
    )
    audit = tuple(
        dataclasses.replace(e, actor=named(e.actor, f"actor of audit event {i}"))
        for i, e in enumerate(history.audit, 1)
    )
    return dataclasses.replace(
        history,
        created_by=named(history.created_by, "creator"),
        versions=versions,
        audit=audit,
    )


def _verify_review(
    history: RulesetHistory, allow_self_review: bool, extra_fields: tuple[str, ...]
) -> None:
    """Refuse a history whose published or retired versions did not go through review,
    or whose live or in-review version has checker errors."""
    versions = {v.number: v for v in history.versions}
    for version in history.versions:
        label = f"{history.name} v{version.number}"
        if version.state in (State.PUBLISHED, State.RETIRED, State.SCHEDULED):
            problem = review_problem(
                versions, history.audit, version.number, allow_self_review=allow_self_review
            )
            if problem is not None:
                raise ImportRefused(
                    f"{label} cannot arrive {version.state.value}: {problem}; nothing was imported"
                )
        if version.state in (State.PUBLISHED, State.SCHEDULED, State.IN_REVIEW):
            try:
                gate(history.name, version, extra_fields)
            except InvalidRuleset as error:
                raise ImportRefused(
                    f"{label} cannot arrive {version.state.value}: {error}"
                ) from None


def _as_drafts(history: RulesetHistory) -> RulesetHistory:
    """Every version a draft, without a reviewer or a publication time."""
    return dataclasses.replace(
        history,
        versions=tuple(
            dataclasses.replace(v, state=State.DRAFT, reviewed_by=None, published_at=None)
            for v in history.versions
        ),
    )


def _import_comment(history: RulesetHistory, arrival: Arrival) -> str:
    count = len(history.versions)
    if arrival.keep_states:
        return f"{count} version(s) imported with their states: {arrival.note}"
    return (
        f"{count} version(s) imported as drafts because {arrival.note}: submit and publish "
        "them here to put one in production (the audit events before this one are the "
        "exported store's, as it recorded them)"
    )


def _describe(versions: Iterable[tuple[int, str, str]]) -> str:
    versions = list(versions)
    if not versions:
        return "no versions"
    return ", ".join(f"v{number} {state}" for number, _, state in versions)
