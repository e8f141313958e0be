"""The whole ruleset store as a folder of `.route` files plus a manifest, so rulesets
can live in git and move between stores:

    FOLDER/manifest.json          format, rulesets, versions (state, author, hash, …)
    FOLDER/<name>/v0001.route     the canonical text of each version
    FOLDER/<name>/audit.json      the ruleset's audit trail

Import is all or nothing and refuses a text that no longer matches its recorded
hash: versions are immutable, an edited file must be saved as a new version.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rulesets.store import RulesetStore, State, StoreError
from rulesets.store.records import AuditEntry, RulesetHistory, Version
from rulesets.store.transfer import ImportRefused

MANIFEST = "manifest.json"
FORMAT = "sourcing-studio/ruleset-store"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ImportReport:
    restored: list[str]
    unchanged: list[str]


def export_folder(store: RulesetStore, folder: str | Path) -> list[Path]:
    """Write every ruleset of the store under `folder`; returns the files written."""
    root = Path(folder)
    _prepare(root)
    written: list[Path] = []
    entries = []
    for history in store.histories():
        directory = root / history.name
        directory.mkdir(parents=True, exist_ok=True)
        versions = []
        for version in history.versions:
            path = directory / _version_file(version.number)
            path.write_text(version.text, encoding="utf-8")
            written.append(path)
            versions.append(_version_entry(version, path.relative_to(root)))
        audit = directory / "audit.json"
        _write_json(audit, [_audit_entry(event) for event in history.audit])
        written.append(audit)
        entries.append(
            {
                "name": history.name,
                "created_at": history.created_at.isoformat(),
                "created_by": history.created_by,
                "versions": versions,
            }
        )
    manifest = root / MANIFEST
    _write_json(manifest, {"format": FORMAT, "format_version": FORMAT_VERSION, "rulesets": entries})
    written.append(manifest)
    return written


def read_folder(folder: str | Path) -> list[RulesetHistory]:
    """The rulesets a folder written by `export_folder` holds."""
    root = Path(folder)
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        raise ImportRefused(f"{manifest_path} not found: not an exported ruleset store")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ImportRefused(f"{manifest_path} cannot be read: {error}") from error
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise ImportRefused(
            f"{manifest_path}: expected format {FORMAT!r} version {FORMAT_VERSION}, got "
            f"{manifest.get('format')!r} version {manifest.get('format_version')!r}"
        )
    try:
        return [_history(root, entry) for entry in manifest["rulesets"]]
    except (KeyError, TypeError, ValueError, OSError) as error:
        raise ImportRefused(f"{manifest_path}: unreadable entry ({error!r})") from error


def import_folder(store: RulesetStore, folder: str | Path, *, by: str) -> ImportReport:
    """Restore every ruleset of the folder into the store, in one transaction."""
    histories = read_folder(folder)
    restored = store.restore(histories, by=by)
    return ImportReport(restored, [h.name for h in histories if h.name not in restored])


# ------------------------------------------------------------------ writing


def _prepare(root: Path) -> None:
    """An empty or new folder, or a previous export (whose ruleset folders are replaced)."""
    if root.exists() and any(root.iterdir()):
        manifest = root / MANIFEST
        if not manifest.is_file():
            raise StoreError(f"{root} is not empty and holds no {MANIFEST}: choose another folder")
        previous = json.loads(manifest.read_text(encoding="utf-8"))
        for entry in previous.get("rulesets", []):
            directory = root / str(entry.get("name", ""))
            if directory.parent == root and directory.is_dir():
                shutil.rmtree(directory)
    root.mkdir(parents=True, exist_ok=True)


def _version_file(number: int) -> str:
    return f"v{number:04d}.route"


def _version_entry(version: Version, path: Path) -> dict[str, Any]:
    return {
        "number": version.number,
        "file": path.as_posix(),
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


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# ------------------------------------------------------------------ reading


def _history(root: Path, entry: dict[str, Any]) -> RulesetHistory:
    name = entry["name"]
    directory = (root / name).resolve()
    if directory.parent != root.resolve():
        raise ValueError(f"ruleset name {name!r} is not a plain folder name")
    versions = tuple(_version(root, name, item) for item in entry["versions"])
    audit_path = directory / "audit.json"
    audit = json.loads(audit_path.read_text(encoding="utf-8")) if audit_path.is_file() else []
    return RulesetHistory(
        name=name,
        created_at=_moment(entry["created_at"]),
        created_by=entry["created_by"],
        versions=versions,
        audit=tuple(_audit(name, item) for item in audit),
    )


def _version(root: Path, name: str, item: dict[str, Any]) -> Version:
    number = int(item["number"])
    path = root / name / _version_file(number)
    return Version(
        ruleset=name,
        number=number,
        state=State(item["state"]),
        text=path.read_text(encoding="utf-8"),
        content_hash=item["content_hash"],
        author=item["author"],
        created_at=_moment(item["created_at"]),
        comment=item.get("comment"),
        parent=item.get("parent"),
        reviewed_by=item.get("reviewed_by"),
        published_at=_moment(item["published_at"]) if item.get("published_at") else None,
        simulation_run_id=item.get("simulation_run_id"),
    )


def _audit(name: str, item: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        ruleset=name,
        at=_moment(item["at"]),
        actor=item["actor"],
        action=item["action"],
        version=item.get("version"),
        from_state=State(item["from_state"]) if item.get("from_state") else None,
        to_state=State(item["to_state"]) if item.get("to_state") else None,
        from_version=item.get("from_version"),
        comment=item.get("comment"),
        diff=item.get("diff"),
    )


def _moment(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no time zone")
    return value


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
