"""`export_folder`: the whole store written into a folder, optionally signed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.signing import sign_document
from rulesets.folder.files import (
    exists_inside,
    read_inside,
    remove_if_empty,
    remove_inside,
    writable_folder,
    write_inside,
)
from rulesets.folder.schema import (
    AUDIT,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MAX_MANIFEST_BYTES,
    audit_digest,
    parse_manifest,
    version_file,
)
from rulesets.store import RulesetStore, StoreError
from rulesets.store.records import AuditEntry, Version
from rulesets.store.transfer import ImportRefused
from rulesets.store.validation import case_twin_refused, check_name


def export_folder(store: RulesetStore, folder: str | Path, *, signing_key=None) -> list[Path]:
    """Write every ruleset of the store under `folder` (new, empty, or a previous
    export whose files are replaced); returns the files written. With `signing_key`
    (an Ed25519 private key) the manifest is signed, so that a store trusting the
    key imports the versions with their states."""
    root = Path(folder)
    histories = store.histories()
    _check_names([history.name for history in histories])
    previous = _previous_export(root)
    root.mkdir(parents=True, exist_ok=True)  # the folder named may itself be a link
    for name in sorted({h.name for h in histories} | {p.split("/")[0] for p in previous}):
        if exists_inside(root, name):
            writable_folder(root / name)
    for relative in previous:
        remove_inside(root, relative)
    for name in {relative.split("/")[0] for relative in previous}:
        remove_if_empty(root / name)

    written: list[Path] = []
    entries = []
    for history in histories:
        writable_folder(root / history.name)
        versions = []
        for version in history.versions:
            relative = version_file(history.name, version.number)
            written.append(write_inside(root, relative, version.text.encode("utf-8")))
            versions.append(_version_entry(version, relative))
        events = [_audit_entry(event) for event in history.audit]
        written.append(write_inside(root, f"{history.name}/{AUDIT}", _json(events)))
        entries.append(
            {
                "name": history.name,
                "created_at": history.created_at.isoformat(),
                "created_by": history.created_by,
                "versions": versions,
                "audit_sha256": audit_digest(events),
            }
        )
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "rulesets": entries,
    }
    if signing_key is not None:
        manifest = sign_document(manifest, signing_key)
    written.append(write_inside(root, MANIFEST, _json(manifest)))
    return written


def _check_names(names: list[str]) -> None:
    """Every name a safe folder name, no two differing only in case (stores older than
    these rules may hold such names)."""
    seen: dict[str, str] = {}
    for name in names:
        try:
            check_name(name)
        except StoreError as error:
            raise StoreError(f"cannot export ruleset {name!r}: {error}") from None
        twin = seen.setdefault(name.lower(), name)
        if twin != name:
            raise StoreError(f"cannot export: {case_twin_refused(name, twin)}")


def _previous_export(root: Path) -> list[str]:
    """The files a previous export in `root` wrote (relative paths), as its manifest
    lists them; nothing when `root` is new or empty. A folder holding anything else
    is refused before anything is touched."""
    if not root.exists():
        return []
    if not root.is_dir():
        raise StoreError(f"{root} exists and is not a folder: choose another folder")
    if not any(root.iterdir()):
        return []
    if not exists_inside(root, MANIFEST):
        raise StoreError(f"{root} is not empty and holds no {MANIFEST}: choose another folder")
    try:
        _, manifest = parse_manifest(
            read_inside(root, MANIFEST, MAX_MANIFEST_BYTES), root / MANIFEST
        )
    except ImportRefused as error:
        raise StoreError(
            f"{root} holds a {MANIFEST} that is not a manifest written by export ({error}): "
            "nothing was changed; choose another folder"
        ) from None
    files = []
    for entry in manifest.rulesets:
        files += [version_file(entry.name, item.number) for item in entry.versions]
        files.append(f"{entry.name}/{AUDIT}")
    return files


def _version_entry(version: Version, relative: str) -> dict[str, Any]:
    return {
        "number": version.number,
        "file": relative,
        "content_hash": version.content_hash,
        "state": version.state.value,
        "author": version.author,
        "created_at": version.created_at.isoformat(),
        "comment": version.comment,
        "parent": version.parent,
        "reviewed_by": version.reviewed_by,
        "published_at": _iso(version.published_at),
        "simulation_run_id": version.simulation_run_id,
    }


def _audit_entry(event: AuditEntry) -> dict[str, Any]:
    return {
        "at": event.at.isoformat(),
        "actor": event.actor,
        "action": event.action,
        "version": event.version,
        "from_state": event.from_state.value if event.from_state else None,
        "to_state": event.to_state.value if event.to_state else None,
        "from_version": event.from_version,
        "comment": event.comment,
        "diff": event.diff,
    }


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None
