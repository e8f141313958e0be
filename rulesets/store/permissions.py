"""Who may do what in the store. The table below is the one rule: the repository and
the accounts check it inside the transaction that makes the change, reading the
account again (its role now, whether it is disabled), so no interface can skip it.

A store **without accounts** works as it always did: actions name their person as
plain text and nobody is checked (a single team on a laptop, the tests, scripts).
Once the store holds **any account**, every change needs a signed-in `User`
(`Accounts.authenticate`); a plain name is refused.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from rulesets.store.errors import NotPermitted, SignInRequired
from rulesets.store.identity import identity, person
from rulesets.store.models import Role, UserRow
from rulesets.store.records import User


class Action(StrEnum):
    """What the store lets people do, as the permission table names it."""

    SAVE = "save drafts"
    SUBMIT = "submit for review"
    SEND_BACK = "send back to draft"
    PUBLISH = "publish or schedule"
    CANCEL = "cancel a schedule"
    RETIRE = "retire the live version"
    ROLL_BACK = "roll back"
    IMPORT = "import rulesets"
    MANAGE_USERS = "manage users"


_WRITERS = frozenset({Role.EDITOR, Role.APPROVER, Role.ADMIN})
_APPROVERS = frozenset({Role.APPROVER, Role.ADMIN})
ALLOWED: dict[Action, frozenset[Role]] = {
    Action.SAVE: _WRITERS,
    Action.SUBMIT: _WRITERS,
    Action.SEND_BACK: _APPROVERS,  # and the version's own author, withdrawing it
    Action.PUBLISH: _APPROVERS,  # never the version's author
    Action.CANCEL: _APPROVERS,
    Action.RETIRE: _APPROVERS,
    Action.ROLL_BACK: _APPROVERS,
    Action.IMPORT: frozenset({Role.ADMIN}),
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
}
"""Roles allowed each action. Reading (lists, history, texts, audit, diffs, exports)
needs no account: whoever can open the database can read it."""


def has_accounts(session: Session) -> bool:
    return bool(session.scalar(select(exists().where(UserRow.id.is_not(None)))))


def account_row(session: Session, name: str) -> UserRow | None:
    """The account `name` belongs to (look-alike names are one account), if any."""
    return session.scalar(select(UserRow).where(UserRow.name_key == identity(name)))


def acting(session: Session, who: User | str, what: str) -> tuple[str, Role | None]:
    """The name to record for `who` and their role now (None in a store without
    accounts). `what` names the part they play in messages ("author", "reviewer").
    A `User` must still be an enabled account; a plain name is only accepted in a
    store without accounts."""
    if isinstance(who, User):
        row = account_row(session, who.name)
        if row is None:
            raise SignInRequired(f"there is no account {who.name!r} in this store: sign in again")
        if row.disabled_at is not None:
            raise NotPermitted(f"the account {row.name!r} is disabled: ask an admin")
        return row.name, Role(row.role)
    if has_accounts(session):
        raise SignInRequired(
            f"this store has user accounts: the {what} must sign in with their password "
            "(the command line asks for it, or reads $SOURCING_PASSWORD)"
        )
    return person(who, what), None


def require(role: Role | None, action: Action, name: str) -> None:
    """Refuse `action` to a signed-in `role` the table does not allow (None: a store
    without accounts, where nobody is checked)."""
    if role is None or role in ALLOWED[action]:
        return
    allowed = " or ".join(f"{r.value}s" for r in Role if r in ALLOWED[action])
    article = "an" if role.value[0] in "aeiou" else "a"
    raise NotPermitted(f"{name} is {article} {role.value}: only {allowed} may {action.value}")
