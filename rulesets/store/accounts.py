"""User accounts: who may sign in to the store and with which role.

Passwords are hashed with argon2id (`argon2-cffi`, its default parameters) and
checked by the library in constant time; a hash made with older parameters is
replaced at the next successful sign-in. An unknown name and a wrong password get
the same refusal, after the same work. Accounts are never deleted, only disabled,
so that every name in the audit trail stays someone's.

Managing accounts needs an enabled admin (`permissions`), with one way in: while
the store has **no enabled admin**, whoever can open the database may add an admin
account. That is how the first admin is made, and how a store whose admins were
all disabled is recovered.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from rulesets.store.errors import InvalidAccount, NotFound, SignInRefused
from rulesets.store.identity import identity, person
from rulesets.store.models import AccountEventRow, Role, UserRow
from rulesets.store.permissions import Action, account_row, acting, require
from rulesets.store.records import AccountEvent, User, account_event_record, user_record
from rulesets.store.sessions import Transactions
from rulesets.store.sign_in_throttle import SignInThrottle

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
"""Passwords have 8 to 1,024 characters."""
REFUSED = "unknown user or wrong password"
DEMO_SET_UP = "demo set-up"
DEMO_ACCOUNTS = (
    ("demo-editor", "Demo editor (demo only)", Role.EDITOR, "demo-editor-password"),
    ("demo-approver", "Demo approver (demo only)", Role.APPROVER, "demo-approver-password"),
)
"""name, display name, role, password of the demo accounts: DEMO ONLY, the passwords
are published in docs/rulesets.md."""
"""The one answer to a failed sign-in, whichever of the two it was."""


class Accounts:
    """The accounts of one store (`RulesetStore.accounts`)."""

    def __init__(
        self,
        transactions: Transactions,
        clock: Callable[[], dt.datetime],
        hasher: PasswordHasher | None = None,
    ):
        self._transactions = transactions
        self._clock = clock
        self._hasher = hasher or PasswordHasher()
        self._decoy: str | None = None
        self._throttle = SignInThrottle()

    # ------------------------------------------------------------------ reads

    def exist(self) -> bool:
        """Whether the store has any account (then every change needs a signed-in user)."""
        with self._transactions.read() as session:
            return session.scalar(select(exists().where(UserRow.id.is_not(None)))) or False

    def list(self) -> list[User]:
        """Every account, disabled ones too, by name."""
        with self._transactions.read() as session:
            rows = session.scalars(select(UserRow).order_by(UserRow.name_key))
            return [user_record(row) for row in rows]

    def get(self, name: str) -> User:
        """The account `name` (look-alike spellings find it too). For an identity provider
        that has already checked who the person is (`st.login`): no password involved."""
        with self._transactions.read() as session:
            return user_record(_existing(session, name))

    def events(self, name: str | None = None) -> list[AccountEvent]:
        """Who added, changed or disabled accounts (or the account `name`), oldest first."""
        with self._transactions.read() as session:
            query = select(AccountEventRow).order_by(AccountEventRow.id)
            if name is not None:
                query = query.where(AccountEventRow.user_id == _existing(session, name).id)
            return [account_event_record(row) for row in session.scalars(query)]

    # ---------------------------------------------------------------- sign-in

    def authenticate(self, name: str, password: str) -> User:
        """The account `name` when `password` is its password; `SignInRefused` otherwise,
        with the same message for an unknown name and a wrong password. Failures in a
        row slow down the next attempts at that name (`sign_in_throttle`)."""
        if not isinstance(name, str):
            self._spend_the_same_time(password)
            raise SignInRefused(REFUSED)
        self._throttle.check(name, self._clock())
        with self._transactions.read() as session:
            row = account_row(session, name)
            stored = row.password_hash if row is not None else None
        if not isinstance(password, str) or stored is None:
            self._spend_the_same_time(password)
            self._throttle.failed(name, self._clock())
            raise SignInRefused(REFUSED)
        try:
            self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            self._throttle.failed(name, self._clock())
            raise SignInRefused(REFUSED) from None
        self._throttle.succeeded(name)
        if row.disabled_at is not None:
            raise SignInRefused(f"the account {row.name!r} is disabled: ask an admin")
        if self._hasher.check_needs_rehash(stored):
            self._rehash(row.name, stored, password)
        return user_record(row)

    def _spend_the_same_time(self, password: object) -> None:
        """Verify against a throwaway hash, so that an unknown name takes as long as a
        wrong password and the time taken does not tell which names exist."""
        if self._decoy is None:
            self._decoy = self._hasher.hash("an account that does not exist")
        with contextlib.suppress(VerifyMismatchError):
            self._hasher.verify(self._decoy, password if isinstance(password, str) else "")

    def _rehash(self, name: str, stored: str, password: str) -> None:
        """Replace a hash made with older parameters (only if nobody changed it meanwhile)."""
        fresh = self._hasher.hash(password)
        with self._transactions.write() as session:
            row = account_row(session, name)
            if row is not None and row.password_hash == stored:
                row.password_hash = fresh

    # ---------------------------------------------------------------- changes

    def add(
        self,
        name: str,
        *,
        role: Role | str,
        by: User | str,
        password: str | None = None,
        display_name: str | None = None,
    ) -> User:
        """A new account. `password` None: it signs in only through an identity provider."""
        login = person(name, "new account")
        role = _role(role)
        digest = self._hash(password) if password is not None else None
        with self._transactions.write() as session:
            actor = self._manager(session, by, bootstrap=role is Role.ADMIN)
            twin = account_row(session, login)
            if twin is not None:
                raise InvalidAccount(
                    f"the name {login!r} is taken: it is the account {twin.name!r} (names that "
                    "differ only in case, width or invisible characters are one account)"
                )
            row = UserRow(
                name=login,
                name_key=identity(login),
                display_name=person(display_name or login, "display name"),
                role=role.value,
                password_hash=digest,
                created_at=self._clock(),
                created_by=actor,
            )
            session.add(row)
            session.flush()
            how = "a password" if digest else "an identity provider only"
            self._event(session, row, actor, "added", f"role {role.value}; signs in with {how}")
            return user_record(row)

    def set_role(self, name: str, role: Role | str, *, by: User | str) -> User:
        role = _role(role)
        with self._transactions.write() as session:
            actor = self._manager(session, by)
            row = _existing(session, name)
            if row.role == role.value:
                return user_record(row)
            if row.role == Role.ADMIN.value:
                _keep_an_admin(session, row, "lose the admin role")
            before, row.role = row.role, role.value
            self._event(session, row, actor, "role changed", f"{before} → {role.value}")
            return user_record(row)

    def set_password(self, name: str, password: str, *, by: User | str) -> User:
        """An admin sets anyone's password; a signed-in user may change their own."""
        digest = self._hash(password)
        with self._transactions.write() as session:
            row = _existing(session, name)
            if isinstance(by, User) and identity(by.name) == row.name_key:
                actor, _ = acting(session, by, "person changing the password")
            else:
                actor = self._manager(session, by)
            row.password_hash = digest
            self._event(session, row, actor, "password set", None)
            return user_record(row)

    def disable(self, name: str, *, by: User | str) -> User:
        """The account can no longer sign in or act; its name stays in the audit trail."""
        with self._transactions.write() as session:
            actor = self._manager(session, by)
            row = _existing(session, name)
            if row.disabled_at is None:
                if row.role == Role.ADMIN.value:
                    _keep_an_admin(session, row, "be disabled")
                row.disabled_at = self._clock()
                self._event(session, row, actor, "disabled", None)
            return user_record(row)

    def enable(self, name: str, *, by: User | str) -> User:
        with self._transactions.write() as session:
            actor = self._manager(session, by)
            row = _existing(session, name)
            if row.disabled_at is not None:
                row.disabled_at = None
                self._event(session, row, actor, "enabled", None)
            return user_record(row)

    def add_demo_accounts(self) -> list[User]:
        """The demo's two accounts (`DEMO_ACCOUNTS`), those not there yet. Their
        passwords are published in the docs, so a store holding any other account is
        refused: demo accounts are for a demo store only."""
        with self._transactions.write() as session:
            demo = {identity(name) for name, _, _, _ in DEMO_ACCOUNTS}
            others = session.scalars(select(UserRow.name).where(UserRow.name_key.not_in(demo)))
            real = list(others)
            if real:
                raise InvalidAccount(
                    f"this store has real accounts ({', '.join(sorted(real))}): demo accounts, "
                    "whose passwords are published, are only added to a demo store"
                )
            added = []
            for name, display_name, role, password in DEMO_ACCOUNTS:
                if account_row(session, name) is not None:
                    continue
                row = UserRow(
                    name=name,
                    name_key=identity(name),
                    display_name=display_name,
                    role=role.value,
                    password_hash=self._hash(password),
                    created_at=self._clock(),
                    created_by=DEMO_SET_UP,
                )
                session.add(row)
                session.flush()
                self._event(session, row, DEMO_SET_UP, "added", f"role {role.value}; demo only")
                added.append(user_record(row))
            return added

    # ---------------------------------------------------------------- helpers

    def _manager(self, session: Session, by: User | str, bootstrap: bool = False) -> str:
        """The name to record for `by` managing accounts: an enabled admin, or anyone
        adding an admin while the store has no enabled admin."""
        if not _has_enabled_admin(session):
            if bootstrap:
                return person(by.name if isinstance(by, User) else by, "person adding an admin")
            raise InvalidAccount(
                "this store has no enabled admin: add one first (sourcing users add NAME "
                "--role admin); until then nobody can manage accounts"
            )
        name, role = acting(session, by, "admin")
        require(role, Action.MANAGE_USERS, name)
        return name

    def _hash(self, password: str) -> str:
        if not isinstance(password, str):
            raise InvalidAccount("a password is text")
        if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
            raise InvalidAccount(
                f"a password has {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH:,} characters "
                f"(this one has {len(password):,}); nothing was changed"
            )
        return self._hasher.hash(password)

    def _event(
        self, session: Session, row: UserRow, actor: str, action: str, detail: str | None
    ) -> None:
        session.add(
            AccountEventRow(user=row, at=self._clock(), actor=actor, action=action, detail=detail)
        )
        session.flush()


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidAccount(
            f"{role!r} is not a role: use one of {', '.join(r.value for r in Role)}"
        ) from None


def _existing(session: Session, name: str) -> UserRow:
    row = account_row(session, name)
    if row is None:
        raise NotFound(f"there is no account {name!r} (sourcing users list shows them)")
    return row


def _has_enabled_admin(session: Session) -> bool:
    return bool(
        session.scalar(
            select(exists().where(UserRow.role == Role.ADMIN.value, UserRow.disabled_at.is_(None)))
        )
    )


def _keep_an_admin(session: Session, row: UserRow, change: str) -> None:
    others = session.scalar(
        select(
            exists().where(
                UserRow.role == Role.ADMIN.value,
                UserRow.disabled_at.is_(None),
                UserRow.id != row.id,
            )
        )
    )
    if row.disabled_at is None and not others:
        raise InvalidAccount(
            f"{row.name!r} is the last enabled admin and cannot {change}: make another "
            "account an admin first"
        )
