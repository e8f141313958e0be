"""What the store refuses, as exceptions a caller can catch by kind. Every message
says what is wrong and what to do next."""

from __future__ import annotations

import datetime as dt

from dsl.diagnostics import Diagnostic, render_all


def moment(at: dt.datetime) -> str:
    """A timestamp as people read it in messages: `2026-05-20 10:03:12 UTC`."""
    return at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class StoreError(Exception):
    """Base of everything the ruleset store refuses."""


class StoreUnavailable(StoreError):
    """The database cannot be opened or migrated."""


class NotFound(StoreError):
    """No such ruleset or version."""


class Conflict(StoreError):
    """Someone saved a newer version after the one this change was based on."""

    def __init__(
        self,
        name: str,
        based_on: int | None,
        latest: int,
        changed_by: str,
        changed_at: dt.datetime,
    ):
        self.name = name
        self.based_on = based_on
        self.latest = latest
        self.changed_by = changed_by
        self.changed_at = changed_at
        basis = f"version {based_on}" if based_on is not None else "no version (a new ruleset)"
        super().__init__(
            f"ruleset {name!r} was changed by {changed_by} at {moment(changed_at)} "
            f"(version {latest}); your change is based on {basis}. Nothing was saved: "
            f"open version {latest}, reapply your edits and save with --based-on {latest}."
        )


class InvalidRuleset(StoreError):
    """The text does not parse, or (at review) the checker found errors."""

    def __init__(self, summary: str, diagnostics: list[Diagnostic], source: str, filename: str):
        self.diagnostics = diagnostics
        self.source = source
        self.filename = filename
        details = render_all(diagnostics, source, filename)
        super().__init__(f"{summary}\n{details}" if details else summary)


class InvalidTransition(StoreError):
    """A state change that the workflow draft → in_review → published → retired forbids."""


class ReviewRefused(StoreError):
    """Publishing needs a reviewer other than the author (unless self-review is allowed)."""


class Unchanged(StoreError):
    """The text says exactly what the version it is based on says: nothing to save."""


class InvalidName(StoreError):
    """A ruleset name must be usable as a folder name and on a command line."""


class NotPermitted(StoreError):
    """The signed-in user's role does not allow the action (`rulesets.store.permissions`)."""


class SignInRequired(NotPermitted):
    """The store has user accounts: the action needs a signed-in user, not a typed name."""


class SignInRefused(StoreError):
    """Unknown user, wrong password, or a disabled account."""


class InvalidAccount(StoreError):
    """An account cannot be added or changed as asked (name taken, unknown role, short
    password, the last admin)."""
