"""The ruleset store: save drafts, review, publish, retire and roll back numbered
versions, each step in one transaction that writes its audit event with it.

Editing is optimistic: nobody holds a lock while editing; a save names the
version it was based on and is refused with a `Conflict` if someone saved a newer
one in between. Inside a write the ruleset's row is locked (`SELECT … FOR
UPDATE` on PostgreSQL, `BEGIN IMMEDIATE` on SQLite), so check-then-write is
atomic and the database's unique keys catch whatever slips past.

Who may do what is checked in the same transaction (`permissions`): in a store with
accounts every change names a signed-in `User`; without accounts, a plain name.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager

from argon2 import PasswordHasher
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import dsl
from dsl.diff import RulesetDiff, diff_rulesets
from rulesets.store.accounts import Accounts
from rulesets.store.database import create_store_engine, database_url, migrate
from rulesets.store.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    ReviewRefused,
    StoreError,
    StoreUnavailable,
    Unchanged,
    moment,
)
from rulesets.store.events import record_event
from rulesets.store.identity import same_person
from rulesets.store.models import AuditEventRow, Role, RulesetRow, State, VersionRow
from rulesets.store.permissions import Action, acting, require
from rulesets.store.queries import (
    case_twin,
    get_ruleset,
    get_version,
    latest_version,
    live_version,
    lock_names,
    lock_ruleset,
)
from rulesets.store.records import (
    AuditEntry,
    RulesetHistory,
    RulesetSummary,
    User,
    Version,
    audit_record,
    summary_record,
    version_record,
)
from rulesets.store.review import SELF_REVIEW_VARIABLE, review_problem
from rulesets.store.schedule import due_rulesets, go_live_instant, live_at, pending, settle
from rulesets.store.sessions import Transactions
from rulesets.store.transfer import Arrival, read_histories, restore_history
from rulesets.store.validation import (
    LAST_VERSION,
    canonical_text,
    case_twin_refused,
    check_name,
    check_version_number,
    content_hash,
    expect_state,
    gate,
    text_diff,
)
from rulesets.store.working_copies import WorkingCopies


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class RulesetStore:
    """Rulesets and their versions in a SQL database (SQLite file or PostgreSQL)."""

    def __init__(
        self,
        engine: Engine,
        *,
        allow_self_review: bool = False,
        extra_fields: Iterable[str] = (),
        clock: Callable[[], dt.datetime] = _now,
        password_hasher: PasswordHasher | None = None,
    ):
        self.engine = engine
        self.allow_self_review = allow_self_review
        self.extra_fields = tuple(extra_fields)
        self._clock = clock
        self._transactions = Transactions(engine)
        self.accounts = Accounts(self._transactions, clock, password_hasher)
        """The store's user accounts: add, sign in (`authenticate`), roles, passwords."""
        self.working_copies = WorkingCopies(self._transactions, clock)
        """What each person is editing, per ruleset, kept as they type."""

    @classmethod
    def open(cls, url: str | None = None, *, allow_self_review: bool | None = None, **options):
        """Connect to `url` (or $SOURCING_DB_URL, or ./sourcing.db) and migrate it to head."""
        engine = create_store_engine(database_url(url))
        migrate(engine)
        if allow_self_review is None:
            flag = os.environ.get(SELF_REVIEW_VARIABLE, "")
            allow_self_review = flag.strip().lower() in {"1", "true", "yes", "on"}
        return cls(engine, allow_self_review=allow_self_review, **options)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> RulesetStore:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    # ------------------------------------------------------------------ reads

    def list_rulesets(self) -> list[RulesetSummary]:
        with self._read() as session:
            out = []
            for row in session.scalars(select(RulesetRow).order_by(RulesetRow.name)):
                live = live_version(session, row)
                number = live.number if live else None
                latest = latest_version(session, row)
                out.append(summary_record(row, latest, number, pending(session, row)))
            return out

    def history(self, name: str) -> list[Version]:
        """Every version, oldest first."""
        with self._read() as session:
            row = get_ruleset(session, name)
            return [version_record(name, v) for v in row.versions]

    def version(self, name: str, number: int | None = None) -> Version:
        """Version `number`, or the newest one."""
        with self._read() as session:
            row = get_ruleset(session, name)
            if number is None:
                return version_record(name, latest_version(session, row))
            return version_record(
                name, get_version(session, row, check_version_number(name, number))
            )

    def reviewed(self, name: str, number: int) -> Version:
        """Version `number` when it went through review (`rulesets.store.review`):
        what may go to production. `ReviewRefused` says why not."""
        check_version_number(name, number)
        history = next((h for h in self.histories(name) if h.name == name), None)
        if history is None:
            raise NotFound(f"no ruleset named {name!r}")
        versions = {v.number: v for v in history.versions}
        if number not in versions:
            raise NotFound(f"{name!r} has no version {number}")
        if versions[number].state == State.SCHEDULED:
            raise ReviewRefused(
                f"{name} v{number} is scheduled to go live at "
                f"{moment(versions[number].published_at)}: it goes to production from then on"
            )
        problem = review_problem(
            versions, history.audit, number, allow_self_review=self.allow_self_review
        )
        if problem is not None:
            raise ReviewRefused(
                f"{name} v{number} did not go through review: {problem}. Nothing goes to "
                "production without review: save the text as a new version, submit it and "
                "have another person publish it"
            )
        return versions[number]

    def live(self, name: str, at: dt.datetime | None = None) -> Version | None:
        """The published version production should run, if any (what an artifact
        exports); with `at` (now or later, time-zone aware), the one live at that
        instant, counting the versions scheduled to go live by then."""
        now = self._clock()
        if at is not None:
            if at.tzinfo is None or at.utcoffset() is None:
                raise StoreError(f"{at.isoformat()} has no time zone: give its offset")
            if at < now:
                raise StoreError(
                    f"{moment(at)} is in the past: the audit trail says what was live then"
                )
        with self._read() as session:
            row = get_ruleset(session, name)
            found = live_version(session, row) if at is None else live_at(session, row, at)
            return version_record(name, found) if found else None

    def scheduled(self, name: str) -> list[Version]:
        """The versions approved to go live later, soonest first."""
        with self._read() as session:
            return [version_record(name, v) for v in pending(session, get_ruleset(session, name))]

    def audit(self, name: str) -> list[AuditEntry]:
        """Everything that happened to the ruleset, oldest first."""
        with self._read() as session:
            row = get_ruleset(session, name)
            events = session.scalars(
                select(AuditEventRow)
                .where(AuditEventRow.ruleset_id == row.id)
                .order_by(AuditEventRow.id)
            )
            return [audit_record(name, event) for event in events]

    def diff(self, name: str, before: int, after: int) -> RulesetDiff:
        """What changed from version `before` to version `after`, strategy by strategy."""
        old, new = self.version(name, before), self.version(name, after)
        return diff_rulesets(dsl.parse(old.text, old.label), dsl.parse(new.text, new.label))

    # ----------------------------------------------------------------- writes

    def histories(self, name: str | None = None) -> list[RulesetHistory]:
        """Everything in the store (or the ruleset `name`), ruleset by ruleset (for
        export, backups and the review check)."""
        with self._read() as session:
            return read_histories(session, name)

    def restore(
        self, histories: list[RulesetHistory], *, by: User | str, arrival: Arrival | None = None
    ) -> list[str]:
        """Write whole rulesets, all or none; returns the names restored. `arrival`
        says whether they keep their states (a trusted, signed export whose history
        verifies) or arrive as drafts (the default). Rulesets the store already holds
        as they would arrive are skipped; any other clash is refused."""
        arrival = arrival or Arrival()
        restored = []
        with self._write() as session:
            by = self._allowed(session, by, "person importing", Action.IMPORT)
            lock_names(session)
            for history in histories:
                if restore_history(
                    session,
                    history,
                    by,
                    self._clock(),
                    arrival,
                    allow_self_review=self.allow_self_review,
                    extra_fields=self.extra_fields,
                ):
                    restored.append(history.name)
        return restored

    def save(
        self,
        name: str,
        text: str,
        *,
        author: User | str,
        based_on: int | None = None,
        comment: str | None = None,
        filename: str | None = None,
    ) -> Version:
        """Store `text` as the next draft version. `based_on` names the version edited
        (None for a new ruleset); if another version was saved since, raise `Conflict`."""
        check_name(name)
        if based_on is not None:
            check_version_number(name, based_on)
        canonical = canonical_text(text, filename or f"{name}.route")
        digest = content_hash(canonical)
        try:
            with self._write() as session:
                author = self._allowed(session, author, "author", Action.SAVE)
                row = lock_ruleset(session, name)
                if row is None:
                    lock_names(session)
                    row = lock_ruleset(session, name)
                head = None
                if row is None:
                    if based_on is not None:
                        raise NotFound(f"no ruleset named {name!r}: save it without --based-on")
                    twin = case_twin(session, name)
                    if twin is not None:
                        raise case_twin_refused(name, twin)
                    row = RulesetRow(name=name, created_at=self._clock(), created_by=author)
                    session.add(row)
                    session.flush()
                else:
                    settle(session, row, self._clock())
                    head = latest_version(session, row)
                    if based_on is None or based_on < head.number:
                        raise Conflict(name, based_on, head.number, head.author, head.created_at)
                    if based_on > head.number:
                        raise NotFound(
                            f"{name!r} has no version {based_on} (latest: {head.number})"
                        )
                    if head.content_hash == digest:
                        raise Unchanged(
                            f"nothing to save: the text says what version {head.number} says"
                        )
                    if head.number >= LAST_VERSION:
                        raise StoreError(
                            f"{name!r} has reached the last version number ({LAST_VERSION}): "
                            "save the text as a new ruleset"
                        )
                version = VersionRow(
                    ruleset=row,
                    number=head.number + 1 if head else 1,
                    text=canonical,
                    content_hash=digest,
                    author=author,
                    created_at=self._clock(),
                    comment=comment,
                    parent=head,
                    state=State.DRAFT.value,
                )
                session.add(version)
                session.flush()
                self._record(
                    session,
                    row,
                    version,
                    author,
                    "saved",
                    to_state=State.DRAFT,
                    from_version=based_on,
                    comment=comment,
                    diff=text_diff(name, head, version),
                )
                return version_record(name, version)
        except StoreUnavailable as failure:
            if not isinstance(failure.__cause__, IntegrityError):
                raise
            # A unique key caught what the row lock could not: two people creating the
            # same ruleset at once (or the database refused the rows for another reason).
            raise self._lost_race(name, based_on, failure.__cause__) from failure.__cause__

    def submit(
        self,
        name: str,
        number: int,
        *,
        by: User | str,
        comment: str | None = None,
        extra_fields: Iterable[str] | None = None,
    ) -> Version:
        """draft → in_review, only when the checker finds no error (`extra_fields`: the
        data's extra columns, when they differ from the store's own)."""
        with self._write() as session:
            by = self._allowed(session, by, "submitter", Action.SUBMIT)
            row, version = self._locked_version(session, name, number)
            expect_state(version, State.DRAFT, "submitted for review")
            gate(name, version, self._fields(extra_fields))
            version.state = State.IN_REVIEW.value
            self._record(
                session,
                row,
                version,
                by,
                "submitted",
                State.DRAFT,
                State.IN_REVIEW,
                comment=comment,
            )
            return version_record(name, version)

    def reject(
        self, name: str, number: int, *, by: User | str, comment: str | None = None
    ) -> Version:
        """in_review → draft: an approver sends it back for changes, or its author
        withdraws it."""
        with self._write() as session:
            by, role = acting(session, by, "reviewer")
            row, version = self._locked_version(session, name, number)
            withdrawing = same_person(by, version.author) and role in (None, Role.EDITOR)
            require(None if withdrawing else role, Action.SEND_BACK, by)
            expect_state(version, State.IN_REVIEW, "sent back to draft")
            version.state = State.DRAFT.value
            self._record(
                session, row, version, by, "rejected", State.IN_REVIEW, State.DRAFT, comment=comment
            )
            return version_record(name, version)

    def publish(
        self,
        name: str,
        number: int,
        *,
        reviewer: User | str,
        at: dt.datetime | None = None,
        simulation_run_id: str | None = None,
        comment: str | None = None,
        extra_fields: Iterable[str] | None = None,
    ) -> Version:
        """in_review → published by an approver other than the author; the version that
        was live is retired in the same transaction. With `at` (a future, time-zone-aware
        instant) in_review → scheduled instead: approved, live from `at`."""
        with self._write() as session:
            reviewer, role = acting(session, reviewer, "reviewer")
            require(role, Action.PUBLISH, reviewer)
            row, version = self._locked_version(session, name, number)
            now = self._clock()
            go_live = go_live_instant(at, now) if at is not None else None
            expect_state(version, State.IN_REVIEW, "published")
            self_review = self.allow_self_review and role is None
            if not self_review and same_person(reviewer, version.author):
                hint = (
                    "" if role is not None
                    else f" (single-user setups: set {SELF_REVIEW_VARIABLE}=1)"
                )  # fmt: skip
                raise ReviewRefused(
                    f"{name} v{number} was written by {version.author}: another person must "
                    f"review and publish it{hint}"
                )
            gate(name, version, self._fields(extra_fields))
            version.reviewed_by = reviewer
            version.simulation_run_id = simulation_run_id
            if go_live is not None:
                version.state = State.SCHEDULED.value
                version.published_at = go_live
                note = f"live from {moment(go_live)}"
                self._record(
                    session, row, version, reviewer, "scheduled", State.IN_REVIEW,
                    State.SCHEDULED, comment=f"{note}: {comment}" if comment else note,
                )  # fmt: skip
                return version_record(name, version)
            previous = self._retire_live(session, row, reviewer, f"replaced by version {number}")
            version.state = State.PUBLISHED.value
            version.published_at = now
            self._record(
                session,
                row,
                version,
                reviewer,
                "published",
                State.IN_REVIEW,
                State.PUBLISHED,
                from_version=previous.number if previous else None,
                comment=comment,
                diff=text_diff(name, previous, version),
            )
            return version_record(name, version)

    def cancel(
        self, name: str, number: int, *, by: User | str, comment: str | None = None
    ) -> Version:
        """scheduled → in_review, before its instant: the version will not go live then,
        and can be published or sent back again."""
        with self._write() as session:
            by = self._allowed(session, by, "person cancelling", Action.CANCEL)
            row, version = self._locked_version(session, name, number)
            if version.state != State.SCHEDULED.value:
                already = " (its go-live instant has passed)" if version.state in (
                    State.PUBLISHED.value, State.RETIRED.value) else ""  # fmt: skip
                raise InvalidTransition(
                    f"version {number} is {version.state}{already}: only a scheduled version's "
                    "schedule can be cancelled"
                )
            was = f"was to go live at {moment(version.published_at)}"
            version.state = State.IN_REVIEW.value
            version.reviewed_by = None
            version.published_at = None
            version.simulation_run_id = None
            self._record(
                session, row, version, by, "cancelled", State.SCHEDULED, State.IN_REVIEW,
                comment=f"{was}: {comment}" if comment else was,
            )  # fmt: skip
            return version_record(name, version)

    def retire(
        self, name: str, number: int, *, by: User | str, comment: str | None = None
    ) -> Version:
        """published → retired: the ruleset has no live version until another is published."""
        with self._write() as session:
            by = self._allowed(session, by, "person retiring it", Action.RETIRE)
            row, version = self._locked_version(session, name, number)
            expect_state(version, State.PUBLISHED, "retired")
            version.state = State.RETIRED.value
            self._record(
                session,
                row,
                version,
                by,
                "retired",
                State.PUBLISHED,
                State.RETIRED,
                comment=comment,
            )
            return version_record(name, version)

    def rollback(
        self, name: str, number: int, *, by: User | str, comment: str | None = None
    ) -> Version:
        """Publish a copy of a formerly published version as the next version number.
        It was reviewed when first published, so no second reviewer is needed."""
        with self._write() as session:
            by = self._allowed(session, by, "person rolling back", Action.ROLL_BACK)
            row, source = self._locked_version(session, name, number)

            if source.state == State.PUBLISHED.value:
                raise InvalidTransition(f"{name} v{number} is already the live version")
            if source.state != State.RETIRED.value:
                raise InvalidTransition(
                    f"{name} v{number} was never published ({source.state}): only a formerly "
                    "published version can be rolled back to; submit it for review instead"
                )
            gate(name, source, self.extra_fields)
            head = latest_version(session, row)
            if head.number >= LAST_VERSION:
                raise StoreError(
                    f"{name!r} has reached the last version number ({LAST_VERSION}): "
                    "save the text as a new ruleset"
                )
            now = self._clock()
            copy = VersionRow(
                ruleset=row,
                number=head.number + 1,
                text=source.text,
                content_hash=source.content_hash,
                author=by,
                created_at=now,
                comment=comment or f"rollback to version {number}",
                parent=source,
                state=State.DRAFT.value,
            )
            session.add(copy)
            session.flush()
            previous = self._retire_live(session, row, by, f"rolled back to version {number}")
            copy.state = State.PUBLISHED.value
            copy.reviewed_by = by
            copy.published_at = now
            copy.simulation_run_id = source.simulation_run_id
            self._record(
                session,
                row,
                copy,
                by,
                "rolled back",
                to_state=State.PUBLISHED,
                from_version=number,
                comment=copy.comment,
                diff=text_diff(name, previous, copy),
            )
            return version_record(name, copy)

    # ---------------------------------------------------------------- helpers

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """A read, after putting live whatever scheduled version's instant has come."""
        self._catch_up()
        with self._transactions.read() as session:
            yield session

    def _catch_up(self) -> None:
        now = self._clock()
        with self._transactions.read() as session:
            due = due_rulesets(session, now)
        if not due:
            return
        with self._transactions.write() as session:
            for ruleset_id in due:
                row = session.scalar(
                    select(RulesetRow).where(RulesetRow.id == ruleset_id).with_for_update()
                )
                if row is not None:
                    settle(session, row, now)

    def _fields(self, extra_fields: Iterable[str] | None) -> tuple[str, ...]:
        return self.extra_fields if extra_fields is None else tuple(extra_fields)

    def _write(self) -> AbstractContextManager[Session]:
        return self._transactions.write()

    def _allowed(self, session: Session, who: User | str, what: str, action: Action) -> str:
        """The name to record for `who` doing `action`, or `NotPermitted`."""
        name, role = acting(session, who, what)
        require(role, action, name)
        return name

    def _locked_version(self, session: Session, name: str, number: int):
        """The ruleset's row (locked) and its version `number`, with what was due settled."""
        check_version_number(name, number)
        row = lock_ruleset(session, name)
        if row is None:
            raise NotFound(f"no ruleset named {name!r}")
        settle(session, row, self._clock())
        return row, get_version(session, row, number)

    def _retire_live(self, session: Session, row: RulesetRow, by: str, why: str):
        live = live_version(session, row)
        if live is not None:
            live.state = State.RETIRED.value
            session.flush()  # before a new version goes live: one live version at a time
            self._record(
                session, row, live, by, "retired", State.PUBLISHED, State.RETIRED, comment=why
            )
        return live

    def _record(self, session: Session, row: RulesetRow, version: VersionRow | None,
                actor: str, action: str, *states: State, **details) -> None:  # fmt: skip
        record_event(session, row, version, actor, action, *states, at=self._clock(), **details)

    def _lost_race(self, name: str, based_on: int | None, error: IntegrityError) -> StoreError:
        """After a unique key refused a save: a conflict if someone else saved in between,
        otherwise the database's own refusal."""
        with self._read() as session:
            row = session.scalar(select(RulesetRow).where(RulesetRow.name == name))
            head = latest_version(session, row) if row is not None else None
        if head is None or head.number == based_on:
            reason = str(getattr(error, "orig", None) or error).strip()
            return StoreUnavailable(
                f"the database refused the change, nothing was written: {reason}"
            )
        return Conflict(name, based_on, head.number, head.author, head.created_at)
