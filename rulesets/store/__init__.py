"""The ruleset store: drafts, numbered versions, review, publishing and the audit
trail, in a SQLite file (default) or PostgreSQL. `RulesetStore.open()` connects
to $SOURCING_DB_URL and migrates the schema before anything else."""

from rulesets.store.database import DEFAULT_URL, URL_VARIABLE, database_url
from rulesets.store.errors import (
    Conflict,
    InvalidName,
    InvalidRuleset,
    InvalidTransition,
    NotFound,
    ReviewRefused,
    StoreError,
    StoreUnavailable,
    Unchanged,
)
from rulesets.store.models import State
from rulesets.store.records import AuditEntry, RulesetHistory, RulesetSummary, Version
from rulesets.store.repository import RulesetStore, canonical_text, content_hash

__all__ = [
    "DEFAULT_URL",
    "URL_VARIABLE",
    "AuditEntry",
    "Conflict",
    "InvalidName",
    "InvalidRuleset",
    "InvalidTransition",
    "NotFound",
    "ReviewRefused",
    "RulesetHistory",
    "RulesetStore",
    "RulesetSummary",
    "State",
    "StoreError",
    "StoreUnavailable",
    "Unchanged",
    "Version",
    "canonical_text",
    "content_hash",
    "database_url",
]
