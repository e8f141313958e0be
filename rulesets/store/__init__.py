"""The ruleset store: drafts, numbered versions, review, publishing (now or at a
future instant) and the audit trail, with user accounts and their roles and each
person's working copies, in a SQLite file (default) or PostgreSQL.
`RulesetStore.open()` connects to $SOURCING_DB_URL and migrates the schema before
anything else."""

from rulesets.store.accounts import DEMO_ACCOUNTS, Accounts
from rulesets.store.database import DEFAULT_URL, URL_VARIABLE, database_url
from rulesets.store.errors import (
    Conflict,
    InvalidAccount,
    InvalidName,
    InvalidRuleset,
    InvalidTransition,
    NotFound,
    NotPermitted,
    ReviewRefused,
    SignInRefused,
    SignInRequired,
    StoreError,
    StoreUnavailable,
    Unchanged,
)
from rulesets.store.models import Role, State
from rulesets.store.permissions import ALLOWED, Action
from rulesets.store.records import (
    AccountEvent,
    AuditEntry,
    RulesetHistory,
    RulesetSummary,
    User,
    Version,
)
from rulesets.store.repository import RulesetStore, canonical_text, content_hash
from rulesets.store.working_copies import WorkingCopy, WorkingCopyConflict

__all__ = [
    "ALLOWED",
    "DEFAULT_URL",
    "DEMO_ACCOUNTS",
    "URL_VARIABLE",
    "AccountEvent",
    "Accounts",
    "Action",
    "AuditEntry",
    "Conflict",
    "InvalidAccount",
    "InvalidName",
    "InvalidRuleset",
    "InvalidTransition",
    "NotFound",
    "NotPermitted",
    "ReviewRefused",
    "Role",
    "RulesetHistory",
    "RulesetStore",
    "RulesetSummary",
    "SignInRefused",
    "SignInRequired",
    "State",
    "StoreError",
    "StoreUnavailable",
    "Unchanged",
    "User",
    "Version",
    "WorkingCopy",
    "WorkingCopyConflict",
    "canonical_text",
    "content_hash",
    "database_url",
]
