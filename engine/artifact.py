"""The ruleset artifact: the one JSON file production loads (data.md).

It carries the format version, the ruleset's name and version number, the
sha256 of its canonical text, who published it and when, the canonical text
itself, the compiled form (strategies in the order they are tried, windows
as UTC instants, clauses as the engine reads them) and an Ed25519 signature
over all of that (`engine.signing`).

Loading refuses, with a message that says what to do: a file that is too big,
not JSON or not an artifact, any field of the wrong type, another format
version, a missing, untrusted or non-matching signature (unless
$SOURCING_ALLOW_UNSIGNED allows unsigned ones, for development), a text whose
hash is not the recorded one, and a compiled form that differs from what this
engine compiles from the text (an engine that would not run the ruleset that
was approved).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dsl import syntax as s
from dsl.errors import RulesetSyntaxError
from dsl.formatter import format_expr, format_ruleset
from dsl.parser import parse
from engine.compiler import CompileError, Policy, compile
from engine.errors import ArtifactError
from engine.files import write_atomically
from engine.signing import (
    SIGNING_KEY_VARIABLE,
    TRUSTED_KEYS_VARIABLE,
    DocumentError,
    SignatureRefused,
    SigningError,
    TrustedKeys,
    read_json,
    sign_document,
    signing_key_from_environment,
    trusted_keys_from_environment,
    verify_document,
)

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

FORMAT = "sourcing-studio/ruleset-artifact"
FORMAT_VERSION = 2
MAX_ARTIFACT_BYTES = 8 * 1024 * 1024
"""Largest artifact file loading reads (8 MiB); a bigger one is refused before parsing."""
MAX_VERSION_NUMBER = 1_000_000_000
"""Version numbers run from 1 to this, as in the ruleset store."""
ALLOW_UNSIGNED_VARIABLE = "SOURCING_ALLOW_UNSIGNED"
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Artifact:
    """A loaded (and verified) artifact, with the policy compiled from its text."""

    name: str | None
    version: int | None
    content_hash: str
    published_at: str | None
    published_by: str | None
    text: str
    extra_fields: tuple[str, ...]
    document: dict[str, Any]
    policy: Policy
    signed_by: str | None = None
    """The id of the trusted key that signed it (None: loaded unsigned, for development)."""

    def summary(self) -> dict[str, Any]:
        """What a running service reports about the ruleset it runs."""
        return {
            "name": self.name,
            "version": self.version,
            "content_hash": self.content_hash,
            "published_at": self.published_at,
            "published_by": self.published_by,
            "signed_by": self.signed_by,
        }


def content_hash(canonical: str) -> str:
    """sha256 of the canonical text, as hex (the ruleset store's hash too)."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def build_artifact(
    text: str,
    *,
    name: str | None = None,
    version: int | None = None,
    published_at: dt.datetime | str | None = None,
    published_by: str | None = None,
    extra_fields: Iterable[str] = (),
    filename: str = "<ruleset>",
) -> dict[str, Any]:
    """The (unsigned) artifact document for a ruleset text, put in canonical form first.
    Raises `CompileError` or `RulesetSyntaxError` when the ruleset has errors and
    `ArtifactError` for a field loading would refuse (a version number out of
    range, a name over 1,000 characters). `sign_artifact` signs it."""
    if version is not None and (type(version) is not int or not 1 <= version <= MAX_VERSION_NUMBER):
        raise ArtifactError(
            f"version {version!r}: version numbers run from 1 to {MAX_VERSION_NUMBER}"
        )
    canonical = format_ruleset(parse(text, filename))
    extra = tuple(sorted(set(extra_fields)))
    policy = compile(parse(canonical, filename), canonical, filename, extra)
    if isinstance(published_at, dt.datetime):
        published_at = published_at.isoformat()
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": name if name is not None else policy.name,
        "version": version,
        "content_hash": content_hash(canonical),
        "published_at": published_at,
        "published_by": published_by,
        "extra_fields": list(extra),
        "text": canonical,
        "compiled": compiled_form(policy),
    }
    _validated(document, filename, "correct what the export was given")  # as loading will
    return document


def write_artifact(document: dict[str, Any], path: str | Path) -> Path:
    """Write the document as UTF-8 JSON, whole or not at all (`engine.files`)."""
    write_atomically(path, json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    return Path(path)


def sign_artifact(document: dict[str, Any], key: Ed25519PrivateKey | None = None) -> dict[str, Any]:
    """The document signed with `key` (an Ed25519 private key), by default the one
    $SOURCING_SIGNING_KEY names; `SigningError` when there is none."""
    if key is None:
        key = signing_key_from_environment()
    if key is None:
        raise SigningError(
            f"no signing key: set {SIGNING_KEY_VARIABLE} to the private key file that signs "
            "artifacts (`sourcing keys generate --out DIR` makes a key pair)"
        )
    return sign_document(document, key)


def load_artifact(
    path: str | Path,
    *,
    trusted_keys: TrustedKeys | None = None,
    allow_unsigned: bool | None = None,
    warn: Callable[[str], None] | None = None,
) -> Artifact:
    """Read and verify an artifact file; `ArtifactError` says what is wrong.
    `trusted_keys` default to $SOURCING_TRUSTED_KEYS and `allow_unsigned` to
    $SOURCING_ALLOW_UNSIGNED; `warn` (a logging warning by default) hears about an
    artifact loaded without a verified signature."""
    path = Path(path)
    try:
        document = read_json(_bounded_read(path))
    except OSError as error:
        raise ArtifactError(
            f"{path}: cannot read the artifact ({error.strerror or error})"
        ) from None
    except DocumentError as error:
        raise ArtifactError(f"{path}: not a ruleset artifact: {error}") from None
    return read_artifact(
        document, str(path), trusted_keys=trusted_keys, allow_unsigned=allow_unsigned, warn=warn
    )


def read_artifact(
    document: Any,
    source: str = "<artifact>",
    *,
    trusted_keys: TrustedKeys | None = None,
    allow_unsigned: bool | None = None,
    warn: Callable[[str], None] | None = None,
) -> Artifact:
    """Verify an artifact document already parsed from JSON (see `load_artifact`)."""
    fields = _validated(document, source)
    signed_by = _verified_signer(document, source, trusted_keys, allow_unsigned, warn)
    text, recorded = fields.text, fields.content_hash
    actual = content_hash(text)
    if actual != recorded:
        raise ArtifactError(
            f"{source}: content hash mismatch: the text hashes to {actual[:12]}…, the artifact "
            f"records {recorded[:12]}…; the file was changed after export: export it again "
            "and do not edit it by hand"
        )
    extra = tuple(fields.extra_fields)
    try:
        ruleset = parse(text, source)
        if format_ruleset(ruleset) != text:
            raise ArtifactError(f"{source}: the artifact's text is not in canonical form")
        policy = compile(ruleset, text, source, extra)
    except (RulesetSyntaxError, CompileError) as error:
        raise ArtifactError(
            f"{source}: the artifact's ruleset does not compile:\n{error}"
        ) from None
    if compiled_form(policy) != fields.compiled:
        raise ArtifactError(
            f"{source}: the compiled form differs from what this engine compiles from the "
            "text: the file was edited, or this engine would not run the ruleset as approved; "
            "export it again with this version of sourcing-studio"
        )
    return Artifact(
        name=fields.name,
        version=fields.version,
        content_hash=recorded,
        published_at=fields.published_at,
        published_by=fields.published_by,
        text=text,
        extra_fields=extra,
        document=document,
        policy=policy,
        signed_by=signed_by,
    )


# ------------------------------------------------------------- verification


class _Fields(BaseModel):
    """Every field of an artifact, with its exact type: what loading accepts."""

    model_config = ConfigDict(strict=True, extra="forbid")

    format: str
    format_version: int
    name: str | None = Field(max_length=1000)
    version: int | None = Field(ge=1, le=MAX_VERSION_NUMBER)
    content_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    published_at: str | None
    published_by: str | None = Field(max_length=200)
    extra_fields: list[Annotated[str, Field(max_length=200)]] = Field(max_length=10_000)
    text: str
    compiled: dict[str, Any]
    signature: Any = None

    @field_validator("published_at")
    @classmethod
    def _an_instant(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                moment = dt.datetime.fromisoformat(value)
            except ValueError:
                raise ValueError("expected an ISO 8601 instant with its offset") from None
            if moment.tzinfo is None:
                raise ValueError("expected an ISO 8601 instant with its offset")
        return value


def _validated(
    document: Any,
    source: str,
    advice: str = "export it again with `sourcing export` and do not edit it by hand",
) -> _Fields:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ArtifactError(
            f'{source}: not a ruleset artifact (no "format": "{FORMAT}"); '
            "write one with `sourcing export`"
        )
    found = document.get("format_version")
    if type(found) is not int:
        raise ArtifactError(
            f"{source}: format_version must be a whole number (this engine reads "
            f"{FORMAT_VERSION}), got {found!r}; export the ruleset again"
        )
    if found != FORMAT_VERSION:
        raise ArtifactError(
            f"{source}: artifact format version {found!r}, but this engine reads version "
            f"{FORMAT_VERSION}; export the ruleset again with this version of sourcing-studio"
        )
    try:
        return _Fields.model_validate(document)
    except ValidationError as error:
        problems = "; ".join(_problem(item) for item in error.errors()[:5])
        raise ArtifactError(
            f"{source}: not a valid ruleset artifact: {problems}; {advice}"
        ) from None


def _problem(item: ErrorDetails) -> str:
    where = ".".join(str(part) for part in item["loc"]) or "the document"
    if item["type"] == "extra_forbidden":
        return f"unknown field {where!r}"
    if item["type"] == "missing":
        return f"field {where!r} is missing"
    message = item["msg"].removeprefix("Value error, ")
    return f"field {where!r}: {message} (got {item['input']!r:.60})"


def _verified_signer(
    document: dict[str, Any],
    source: str,
    trusted_keys: TrustedKeys | None,
    allow_unsigned: bool | None,
    warn: Callable[[str], None] | None,
) -> str | None:
    """The id of the trusted key that signed the document; None when it could not be
    verified and unsigned artifacts are allowed (after a warning)."""
    try:
        trusted = trusted_keys_from_environment() if trusted_keys is None else trusted_keys
    except SigningError as error:
        raise ArtifactError(f"{source}: cannot verify the artifact: {error}") from None
    try:
        return verify_document(document, trusted)
    except SignatureRefused as refused:
        if refused.kind in {"unsigned", "untrusted"} and unsigned_allowed(allow_unsigned):
            (warn or _log.warning)(
                f"{source}: loading an UNSIGNED artifact ({refused}) because "
                f"{ALLOW_UNSIGNED_VARIABLE}=1: for development only, never in production"
            )
            return None
        advice = {
            "unsigned": (
                f"export it with {SIGNING_KEY_VARIABLE} set (`sourcing keys generate` makes a "
                f"key pair) and trust its public key with {TRUSTED_KEYS_VARIABLE}; for "
                f"development only, {ALLOW_UNSIGNED_VARIABLE}=1 loads it with a warning"
            ),
            "untrusted": "or export it again with a key this system trusts",
        }.get(refused.kind, "export it again with `sourcing export` and do not edit it")
        raise ArtifactError(f"{source}: the artifact is refused: {refused}; {advice}") from None


def unsigned_allowed(allow_unsigned: bool | None = None) -> bool:
    """`allow_unsigned` when given, else whether $SOURCING_ALLOW_UNSIGNED is set (1/true/yes/on)."""
    if allow_unsigned is not None:
        return allow_unsigned
    flag = os.environ.get(ALLOW_UNSIGNED_VARIABLE, "")
    return flag.strip().lower() in {"1", "true", "yes", "on"}


def _bounded_read(path: Path) -> bytes:
    """The file's bytes; `DocumentError` for anything but a regular file of at most
    MAX_ARTIFACT_BYTES, before reading more than that."""
    with path.open("rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise DocumentError("not a regular file")
        data = handle.read(MAX_ARTIFACT_BYTES + 1)
    if len(data) > MAX_ARTIFACT_BYTES:
        raise DocumentError(
            f"the file is larger than the limit of {MAX_ARTIFACT_BYTES:,} bytes for an artifact"
        )
    return data


def compiled_form(policy: Policy) -> dict[str, Any]:
    """The policy as plain JSON data: strategies in the order they are tried."""
    return {
        "timezone": policy.timezone,
        "strategies": [
            {
                "id": st.id,
                "label": st.label,
                "priority": st.priority,
                "position": st.position,
                "effective": [[_instant(w.start), _instant(w.end)] for w in st.windows],
                "when": _expr(st.when_expr),
                "source": _expr(st.source),
                "within_km": st.within_km,
                "keep": [{"units": units, "at": _expr(at)} for units, at in st.keeps],
                "rank": [
                    {"kind": r.kind, "name": r.name, "descending": r.descending, "text": r.text}
                    for r in st.rank
                ],
                "split": st.split,
                "on_shortage": st.on_shortage,
                "otherwise": st.otherwise,
                "chain": [step.id for step in policy.chain(st)],
            }
            for st in policy.strategies
        ],
    }


def _expr(expr: s.Expr | None) -> str | None:
    return None if expr is None else format_expr(expr)


def _instant(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
