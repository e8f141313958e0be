"""Did a version go through review? The one rule `sourcing export` applies before a
version goes to production and an import applies before it keeps a version's
published state: read from the version's record and its audit trail, so it holds
for versions written by this store and for versions imported from another."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rulesets.store.identity import same_person
from rulesets.store.models import State
from rulesets.store.records import AuditEntry, Version

SELF_REVIEW_VARIABLE = "SOURCING_ALLOW_SELF_REVIEW"


def review_problem(
    versions: Mapping[int, Version],
    audit: Sequence[AuditEntry],
    number: int,
    *,
    allow_self_review: bool,
) -> str | None:
    """Why version `number` did not go through review, or None when it did.

    A published, retired or scheduled version went through review when its record
    names a reviewer and a publication time, and either
    - the audit trail shows it submitted (draft → in_review) and then published (or,
      while it waits for its instant, scheduled) by that reviewer, who is not its
      author (names compared by `same_person`) unless self-review is allowed; or
    - it is a rollback copy: the audit trail shows it rolled back by that person
      from an older version with the same text, which itself went through review.
    """
    version = versions[number]
    if version.state not in (State.PUBLISHED, State.RETIRED, State.SCHEDULED):
        return f"it is {version.state.value}: it was never published"
    if not version.reviewed_by or version.published_at is None:
        return "its record names no reviewer or no publication time"
    events = [event for event in audit if event.version == number]
    rollback = _last(events, "rolled back", State.PUBLISHED)
    if rollback is not None:
        return _rollback_problem(versions, audit, version, rollback, allow_self_review)
    if version.state == State.SCHEDULED:
        published = _last(events, "scheduled", State.SCHEDULED)
    else:
        published = _last(events, "published", State.PUBLISHED)
    if published is None:
        return "the audit trail has no event publishing it"
    if not same_person(published.actor, version.reviewed_by):
        return (
            f"the audit trail says {published.actor!r} published it, but its record names "
            f"{version.reviewed_by!r} as reviewer"
        )
    if not allow_self_review and same_person(version.reviewed_by, version.author):
        return (
            f"it was reviewed by its own author ({version.author!r}); another person must "
            f"review it (single-user setups: {SELF_REVIEW_VARIABLE}=1)"
        )
    before = events[: events.index(published)]
    if _last(before, "submitted", State.IN_REVIEW) is None:
        return "it was never submitted for review before it was published"
    if version.published_at < version.created_at:
        return "its publication time is earlier than the time it was written"
    return None


def _rollback_problem(versions, audit, version, rollback, allow_self_review) -> str | None:
    source = rollback.from_version
    if source is None or source not in versions or source >= version.number:
        return "it is recorded as a rollback, but not of an older version"
    if versions[source].content_hash != version.content_hash:
        return f"it is recorded as a rollback to v{source}, but its text differs from v{source}'s"
    if not same_person(rollback.actor, version.reviewed_by):
        return (
            f"the audit trail says {rollback.actor!r} rolled it back, but its record names "
            f"{version.reviewed_by!r}"
        )
    problem = review_problem(versions, audit, source, allow_self_review=allow_self_review)
    if problem is not None:
        return f"it is a rollback to v{source}, which did not go through review: {problem}"
    return None


def _last(events: Sequence[AuditEntry], action: str, to_state: State) -> AuditEntry | None:
    for event in reversed(events):
        if event.action == action and event.to_state == to_state:
            return event
    return None
