"""What an exported folder's manifest and audit files may hold, field by field
(pydantic models in strict mode: a number is a JSON number, a name a string), the
size limits of its files, and the records they become."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from engine.signing import DocumentError, canonical_json, read_json
from rulesets.store import InvalidName, State
from rulesets.store.records import AuditEntry, RulesetHistory, Version
from rulesets.store.transfer import ImportRefused
from rulesets.store.validation import LAST_VERSION, check_name

MANIFEST = "manifest.json"
AUDIT = "audit.json"
FORMAT = "sourcing-studio/ruleset-store"
FORMAT_VERSION = 1
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
"""Largest manifest.json import reads (16 MiB)."""
MAX_VERSION_BYTES = 1024 * 1024
"""Largest version file import reads (1 MiB, the store's limit for a ruleset text)."""
MAX_AUDIT_BYTES = 64 * 1024 * 1024
"""Largest audit.json import reads (64 MiB: every event carries its text diff)."""
MAX_IMPORT_BYTES = 256 * 1024 * 1024
"""Most bytes one import reads, all files together (256 MiB)."""


def version_file(name: str, number: int) -> str:
    """Where version `number` of ruleset `name` lives, relative to the folder."""
    return f"{name}/v{number:04d}.route"


def audit_digest(entries: list[dict[str, Any]]) -> str:
    """sha256 of a ruleset's audit events in canonical JSON: what the manifest records
    (and its signature covers), whatever the layout or line endings of audit.json."""
    return hashlib.sha256(canonical_json(entries)).hexdigest()


def _instant(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 timestamp with its offset, as a string")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 timestamp") from None
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no time zone")
    return moment


def _ruleset_name(value: Any) -> Any:
    if isinstance(value, str):
        try:
            check_name(value)
        except InvalidName as error:
            raise ValueError(str(error)) from None
    return value


Instant = Annotated[dt.datetime, BeforeValidator(_instant)]
Number = Annotated[int, Field(ge=1, le=LAST_VERSION)]
Name = Annotated[str, BeforeValidator(_ruleset_name)]
Person = Annotated[str, Field(max_length=1000)]
Digest = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
StateName = Literal["draft", "in_review", "scheduled", "published", "retired"]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class VersionEntry(_Strict):
    number: Number
    file: str
    content_hash: Digest
    state: StateName
    author: Person
    created_at: Instant
    comment: str | None = None
    parent: Number | None = None
    reviewed_by: Person | None = None
    published_at: Instant | None = None
    simulation_run_id: str | None = Field(default=None, max_length=200)


class RulesetEntry(_Strict):
    name: Name
    created_at: Instant
    created_by: Person
    versions: list[VersionEntry]
    audit_sha256: Digest | None = None


class Manifest(_Strict):
    format: Literal["sourcing-studio/ruleset-store"]
    format_version: Literal[1]
    rulesets: list[RulesetEntry]
    signature: Any = None


class AuditEvent(_Strict):
    at: Instant
    actor: Person
    action: str = Field(max_length=30)
    version: Number | None = None
    from_state: StateName | None = None
    to_state: StateName | None = None
    from_version: Number | None = None
    comment: str | None = None
    diff: str | None = None


class AuditEvents(_Strict):
    events: list[AuditEvent]


# ---------------------------------------------------------------- parsing


def parse_manifest(data: bytes, path: Path) -> tuple[dict[str, Any], Manifest]:
    """The manifest as parsed JSON (what its signature covers) and as checked fields."""
    document = _json(data, path)
    if not isinstance(document, dict) or (
        document.get("format"),
        document.get("format_version"),
    ) != (FORMAT, FORMAT_VERSION):
        found = document if not isinstance(document, dict) else document.get("format")
        version = document.get("format_version") if isinstance(document, dict) else None
        raise ImportRefused(
            f"{path}: expected format {FORMAT!r} version {FORMAT_VERSION}, got "
            f"{_short(found)} version {_short(version)}: not a manifest written by export"
        )
    try:
        return document, Manifest.model_validate(document)
    except ValidationError as error:
        raise ImportRefused(f"{path}: {_problems(error)}; re-export the folder") from None


def parse_audit(data: bytes, path: Path) -> tuple[list[Any], list[AuditEvent]]:
    """The audit events as parsed JSON (for their digest) and as checked fields."""
    document = _json(data, path)
    try:
        events = AuditEvents.model_validate({"events": document}).events
    except ValidationError as error:
        raise ImportRefused(f"{path}, {_problems(error, audit=True)}") from None
    return document, events


def history_record(entry: RulesetEntry, texts: dict[int, str], events: list[AuditEvent]):
    """The store's record of one ruleset read from the folder."""
    name = entry.name
    return RulesetHistory(
        name=name,
        created_at=entry.created_at,
        created_by=entry.created_by,
        versions=tuple(
            Version(
                ruleset=name,
                number=item.number,
                state=State(item.state),
                text=texts[item.number],
                content_hash=item.content_hash,
                author=item.author,
                created_at=item.created_at,
                comment=item.comment,
                parent=item.parent,
                reviewed_by=item.reviewed_by,
                published_at=item.published_at,
                simulation_run_id=item.simulation_run_id,
            )
            for item in entry.versions
        ),
        audit=tuple(
            AuditEntry(
                ruleset=name,
                at=event.at,
                actor=event.actor,
                action=event.action,
                version=event.version,
                from_state=State(event.from_state) if event.from_state else None,
                to_state=State(event.to_state) if event.to_state else None,
                from_version=event.from_version,
                comment=event.comment,
                diff=event.diff,
            )
            for event in events
        ),
    )


def _json(data: bytes, path: Path) -> Any:
    try:
        return read_json(data)
    except DocumentError as error:
        raise ImportRefused(f"{path}: {error}") from None


def _problems(error: ValidationError, audit: bool = False) -> str:
    found = []
    for item in error.errors()[:5]:
        where = _where(item["loc"], audit)
        if item["type"] == "extra_forbidden":
            found.append(f"{where}: unknown field")
        elif item["type"] == "missing":
            found.append(f"{where}: missing")
        else:
            message = item["msg"].removeprefix("Value error, ")
            found.append(f"{where}: {message} (got {_short(item['input'])})")
    more = error.error_count() - len(found)
    return "; ".join(found) + (f"; and {more} more" if more > 0 else "")


def _where(loc: tuple, audit: bool) -> str:
    parts = list(loc[1:]) if audit else list(loc)
    if audit and parts and isinstance(parts[0], int):
        rest = "".join(_step(part) for part in parts[1:]).lstrip(".")
        return f"event {parts[0] + 1}" + (f", {rest}" if rest else "")
    text = "".join(_step(part) for part in parts).lstrip(".")
    return text or ("the audit trail" if audit else "the manifest")


def _step(part: Any) -> str:
    return f"[{part}]" if isinstance(part, int) else f".{part}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"
