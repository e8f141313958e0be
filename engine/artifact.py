"""The ruleset artifact: the one JSON file production loads (data.md).

It carries the format version, the ruleset's name and version number, the
sha256 of its canonical text, who published it and when, the canonical text
itself and the compiled form (strategies in the order they are tried, windows
as UTC instants, clauses as the engine reads them).

Loading refuses, with a message that says what to do: a file that is not an
artifact, another format version, a text whose hash is not the recorded one,
and a compiled form that differs from what this engine compiles from the text
(an edited file, or an engine that would not run the ruleset that was approved).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dsl.diagnostics import RulesetSyntaxError
from dsl.formatter import format_expr, format_ruleset
from dsl.parser import parse
from engine.compiler import CompileError, Policy, compile

FORMAT = "sourcing-studio/ruleset-artifact"
FORMAT_VERSION = 1


class ArtifactError(ValueError):
    """The file cannot be used as a ruleset artifact; the message says why."""


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

    def summary(self) -> dict[str, Any]:
        """What a running service reports about the ruleset it runs."""
        return {
            "name": self.name,
            "version": self.version,
            "content_hash": self.content_hash,
            "published_at": self.published_at,
            "published_by": self.published_by,
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
    """The artifact document for a ruleset text (put in canonical form first).
    Raises `CompileError` or `RulesetSyntaxError` when the ruleset has errors."""
    canonical = format_ruleset(parse(text, filename))
    extra = tuple(sorted(set(extra_fields)))
    policy = compile(parse(canonical, filename), canonical, filename, extra)
    if isinstance(published_at, dt.datetime):
        published_at = published_at.isoformat()
    return {
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


def write_artifact(document: dict[str, Any], path: str | Path) -> Path:
    """Write the document as UTF-8 JSON, atomically (a reader never sees half a file)."""
    path = Path(path)
    data = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    handle, temporary = tempfile.mkstemp(prefix=".artifact-", dir=path.parent or Path("."))
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def load_artifact(path: str | Path) -> Artifact:
    """Read and verify an artifact file; `ArtifactError` says what is wrong."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ArtifactError(
            f"{path}: cannot read the artifact ({error.strerror or error})"
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ArtifactError(f"{path}: not a ruleset artifact (not JSON: {error})") from None
    return read_artifact(document, str(path))


def read_artifact(document: Any, source: str = "<artifact>") -> Artifact:
    """Verify an artifact document already parsed from JSON."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ArtifactError(
            f'{source}: not a ruleset artifact (no "format": "{FORMAT}"); '
            "write one with `sourcing export`"
        )
    found = document.get("format_version")
    if found != FORMAT_VERSION:
        raise ArtifactError(
            f"{source}: artifact format version {found!r}, but this engine reads version "
            f"{FORMAT_VERSION}; export the ruleset again with this version of sourcing-studio"
        )
    text, recorded = document.get("text"), document.get("content_hash")
    if not isinstance(text, str) or not isinstance(recorded, str):
        raise ArtifactError(f'{source}: the artifact lacks its "text" or "content_hash"')
    actual = content_hash(text)
    if actual != recorded:
        raise ArtifactError(
            f"{source}: content hash mismatch: the text hashes to {actual[:12]}…, the artifact "
            f"records {recorded[:12]}…; the file was changed after export: export it again "
            "and do not edit it by hand"
        )
    extra = tuple(document.get("extra_fields") or ())
    try:
        ruleset = parse(text, source)
        if format_ruleset(ruleset) != text:
            raise ArtifactError(f"{source}: the artifact's text is not in canonical form")
        policy = compile(ruleset, text, source, extra)
    except (RulesetSyntaxError, CompileError) as error:
        raise ArtifactError(
            f"{source}: the artifact's ruleset does not compile:\n{error}"
        ) from None
    if compiled_form(policy) != document.get("compiled"):
        raise ArtifactError(
            f"{source}: the compiled form differs from what this engine compiles from the "
            "text: the file was edited, or this engine would not run the ruleset as approved; "
            "export it again with this version of sourcing-studio"
        )
    return Artifact(
        name=document.get("name"),
        version=document.get("version"),
        content_hash=recorded,
        published_at=document.get("published_at"),
        published_by=document.get("published_by"),
        text=text,
        extra_fields=extra,
        document=document,
        policy=policy,
    )


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


def _expr(expr) -> str | None:
    return None if expr is None else format_expr(expr)


def _instant(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
