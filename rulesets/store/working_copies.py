"""Working copies: the text each person is editing, per ruleset, kept in the store as
they type, so that nothing typed is lost — a browser reload, another browser, a
crashed laptop find it again.

A working copy is not a version: it is overwritten at each write, never reviewed,
never exported, and it is dropped when its owner saves it as a version or throws it
away. It is personal: only its owner writes it. In a store with accounts the owner
must be a signed-in `User` (any role: a viewer may keep trying things); without
accounts, a plain name.

Writes are optimistic and cheap: one row per person and ruleset, updated in place;
a write names the revision it replaces, and one from a browser that has not seen the
latest revision (the same person typing in two browsers) is refused with a
`WorkingCopyConflict` that carries the stored copy, so neither text is lost silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from rulesets.store.errors import StoreError, moment
from rulesets.store.identity import identity
from rulesets.store.models import WorkingCopyRow
from rulesets.store.permissions import acting
from rulesets.store.records import User
from rulesets.store.sessions import Transactions
from rulesets.store.validation import MAX_TEXT_BYTES, check_name

NEW_RULESET = ""
"""The key of the working copy of a ruleset that has no name yet."""


@dataclass(frozen=True)
class WorkingCopy:
    """What one person was editing for one ruleset, as last written."""

    owner: str
    ruleset: str | None
    """None: a new ruleset, not saved yet."""
    based_on: int | None
    """The stored version the text was opened from (None: a new ruleset)."""
    text: str = field(repr=False)
    saved_at: dt.datetime
    revision: int


class WorkingCopyConflict(StoreError):
    """The working copy was written elsewhere (another browser of the same person)
    since the revision this write replaces; `current` is what the store holds."""

    def __init__(self, current: WorkingCopy):
        self.current = current
        what = current.ruleset or "the new ruleset"
        super().__init__(
            f"your working copy of {what} was changed in another window at "
            f"{moment(current.saved_at)}: keep this text or load that one"
        )


class WorkingCopies:
    """The working copies of one store (`RulesetStore.working_copies`)."""

    def __init__(self, transactions: Transactions, clock: Callable[[], dt.datetime]):
        self._transactions = transactions
        self._clock = clock

    def get(self, owner: User | str, ruleset: str | None) -> WorkingCopy | None:
        """`owner`'s working copy of `ruleset` (None: a new ruleset), if any."""
        with self._transactions.read() as session:
            row = _row(session, _name(owner), ruleset)
            return _record(row) if row is not None else None

    def latest(self, owner: User | str) -> WorkingCopy | None:
        """The working copy `owner` wrote last, whichever ruleset: what they were on."""
        with self._transactions.read() as session:
            row = session.scalar(
                select(WorkingCopyRow)
                .where(WorkingCopyRow.owner_key == identity(_name(owner)))
                .order_by(WorkingCopyRow.saved_at.desc(), WorkingCopyRow.id.desc())
                .limit(1)
            )
            return _record(row) if row is not None else None

    def save(
        self,
        owner: User | str,
        ruleset: str | None,
        text: str,
        *,
        based_on: int | None,
        replaces: int | None,
    ) -> WorkingCopy:
        """Write `owner`'s working copy of `ruleset`. `replaces` is the revision this
        text replaces (None: there was none); any other revision in the store raises
        `WorkingCopyConflict`."""
        key = _ruleset_key(ruleset)
        if not isinstance(text, str):
            raise StoreError("a working copy is text")
        size = len(text.encode("utf-8", errors="surrogatepass"))
        if size > MAX_TEXT_BYTES:
            raise StoreError(
                f"the text is {size:,} bytes, over the store's limit of {MAX_TEXT_BYTES:,} "
                "bytes: it is not kept"
            )
        with self._transactions.write() as session:
            name, _ = acting(session, owner, "owner of the working copy")
            row = _row(session, name, ruleset)
            found = row.revision if row is not None else None
            if found != replaces:
                if row is None:  # discarded elsewhere: this write starts a new copy
                    return self._insert(session, name, key, text, based_on)
                raise WorkingCopyConflict(_record(row))
            if row is None:
                return self._insert(session, name, key, text, based_on)
            row.text, row.based_on = text, based_on
            row.saved_at, row.revision = self._clock(), row.revision + 1
            session.flush()
            return _record(row)

    def discard(self, owner: User | str, ruleset: str | None) -> bool:
        """Drop `owner`'s working copy of `ruleset` (saved as a version, or thrown
        away); False when there was none."""
        with self._transactions.write() as session:
            name, _ = acting(session, owner, "owner of the working copy")
            row = _row(session, name, ruleset)
            if row is None:
                return False
            session.delete(row)
            return True

    def _insert(
        self, session: Session, owner: str, key: str, text: str, based_on: int | None
    ) -> WorkingCopy:
        row = WorkingCopyRow(
            owner=owner,
            owner_key=identity(owner),
            ruleset=key,
            based_on=based_on,
            text=text,
            saved_at=self._clock(),
            revision=1,
        )
        session.add(row)
        session.flush()
        return _record(row)


def _name(owner: User | str) -> str:
    return owner.name if isinstance(owner, User) else owner


def _ruleset_key(ruleset: str | None) -> str:
    if ruleset is None or ruleset == NEW_RULESET:
        return NEW_RULESET
    check_name(ruleset)
    return ruleset


def _row(session: Session, owner: str, ruleset: str | None) -> WorkingCopyRow | None:
    return session.scalar(
        select(WorkingCopyRow).where(
            WorkingCopyRow.owner_key == identity(owner),
            WorkingCopyRow.ruleset == (ruleset or NEW_RULESET),
        )
    )


def _record(row: WorkingCopyRow) -> WorkingCopy:
    return WorkingCopy(
        owner=row.owner,
        ruleset=row.ruleset or None,
        based_on=row.based_on,
        text=row.text,
        saved_at=row.saved_at,
        revision=row.revision,
    )
