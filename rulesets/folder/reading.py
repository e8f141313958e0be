"""`read_folder` and `import_folder`: an exported folder read back, checked file by
file and field by field, and restored into a store — with the versions' states
when a trusted key signed it, as drafts otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.signing import SignatureRefused, TrustedKeys, verify_document
from rulesets.folder.files import exists_inside, read_inside
from rulesets.folder.schema import (
    AUDIT,
    MANIFEST,
    MAX_AUDIT_BYTES,
    MAX_IMPORT_BYTES,
    MAX_MANIFEST_BYTES,
    MAX_VERSION_BYTES,
    Manifest,
    audit_digest,
    history_record,
    parse_audit,
    parse_manifest,
    version_file,
)
from rulesets.store import RulesetStore
from rulesets.store.records import RulesetHistory, User
from rulesets.store.transfer import Arrival, ImportRefused


@dataclass(frozen=True)
class ImportReport:
    restored: list[str]
    unchanged: list[str]
    verified_by: str | None
    """The id of the trusted key that signed the folder (None: it arrived as drafts)."""
    note: str
    """How the versions arrived and why, as the `imported` audit event says."""


@dataclass(frozen=True)
class _Export:
    document: dict[str, Any]
    manifest: Manifest
    histories: list[RulesetHistory]


def read_folder(folder: str | Path) -> list[RulesetHistory]:
    """The rulesets a folder written by `export_folder` holds (signature not checked)."""
    return _read(Path(folder)).histories


def import_folder(
    store: RulesetStore,
    folder: str | Path,
    *,
    by: User | str,
    trusted_keys: TrustedKeys | None = None,
) -> ImportReport:
    """Restore every ruleset of the folder into the store, in one transaction. The
    versions keep their states only when the folder is signed by one of
    `trusted_keys` and their history verifies; otherwise they arrive as drafts."""
    root = Path(folder)
    export = _read(root)
    arrival, verified_by = _arrival(root, export, trusted_keys or TrustedKeys())
    restored = store.restore(export.histories, by=by, arrival=arrival)
    unchanged = [h.name for h in export.histories if h.name not in restored]
    return ImportReport(restored, unchanged, verified_by, arrival.note)


def _arrival(root: Path, export: _Export, trusted: TrustedKeys) -> tuple[Arrival, str | None]:
    signature = export.document.get("signature")
    if signature is None:
        return Arrival(keep_states=False, note="the folder is not signed"), None
    try:
        key = verify_document(export.document, trusted)
    except SignatureRefused as refused:
        if refused.kind == "untrusted":
            note = f"the folder is signed by key {signature['key_id']}, which is not trusted here"
            return Arrival(keep_states=False, note=note), None
        raise ImportRefused(
            f"{root / MANIFEST}: the folder is refused: {refused}; nothing was imported"
        ) from None
    if any(entry.audit_sha256 is None for entry in export.manifest.rulesets):
        raise ImportRefused(
            f"{root / MANIFEST}: a signed manifest must record every ruleset's audit_sha256; "
            "nothing was imported"
        )
    return Arrival(keep_states=True, note=f"the folder is signed by key {key}, trusted here"), key


def _read(root: Path) -> _Export:
    manifest_path = root / MANIFEST
    if not exists_inside(root, MANIFEST):
        raise ImportRefused(f"{manifest_path} not found: not an exported ruleset store")
    budget = _Budget(root)
    document, manifest = parse_manifest(budget.read(MANIFEST, MAX_MANIFEST_BYTES), manifest_path)
    _check_listing(manifest, manifest_path)
    signed = document.get("signature") is not None
    histories = []
    for entry in manifest.rulesets:
        texts = {
            item.number: _text(root, version_file(entry.name, item.number), budget)
            for item in entry.versions
        }
        events: list = []
        audit_file = f"{entry.name}/{AUDIT}"
        if entry.audit_sha256 is not None or exists_inside(root, audit_file):
            raw, events = parse_audit(budget.read(audit_file, MAX_AUDIT_BYTES), root / audit_file)
            if entry.audit_sha256 is not None and audit_digest(raw) != entry.audit_sha256:
                why = (
                    "the signature does not match the folder: it was changed after it was signed"
                    if signed
                    else "it was changed after export"
                )
                raise ImportRefused(
                    f"{root / audit_file}: its events differ from the digest the manifest "
                    f"records ({why}); nothing was imported"
                )
        histories.append(history_record(entry, texts, events))
    return _Export(document, manifest, histories)


def _check_listing(manifest: Manifest, path: Path) -> None:
    """Each ruleset listed once (names compared without case: each is a folder), each
    version file where export puts it."""
    seen: dict[str, str] = {}
    for i, entry in enumerate(manifest.rulesets):
        twin = seen.get(entry.name.lower())
        if twin == entry.name:
            raise ImportRefused(f"{path}: ruleset {entry.name!r} is listed twice")
        if twin is not None:
            raise ImportRefused(
                f"{path}: ruleset {entry.name!r} differs only in case from {twin!r}: their "
                "folders would be one on some file systems; nothing was imported"
            )
        seen[entry.name.lower()] = entry.name
        for j, item in enumerate(entry.versions):
            expected = version_file(entry.name, item.number)
            if item.file != expected:
                raise ImportRefused(
                    f"{path}: rulesets[{i}].versions[{j}].file: expected {expected!r}, "
                    f"got {item.file!r}"
                )


class _Budget:
    """Reads files of one import, refusing it once MAX_IMPORT_BYTES are read in all."""

    def __init__(self, root: Path):
        self.root, self.used = root, 0

    def read(self, relative: str, limit: int) -> bytes:
        data = read_inside(self.root, relative, limit)
        self.used += len(data)
        if self.used > MAX_IMPORT_BYTES:
            raise ImportRefused(
                f"{self.root}: the folder holds more than {MAX_IMPORT_BYTES:,} bytes of "
                "rulesets and audit trails, the most one import reads; nothing was imported"
            )
        return data


def _text(root: Path, relative: str, budget: _Budget) -> str:
    data = budget.read(relative, MAX_VERSION_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ImportRefused(f"{root / relative} is not UTF-8 text ({error})") from None
    # As a text-mode read would: a checkout that turned line ends into CRLF still matches.
    return text.replace("\r\n", "\n").replace("\r", "\n")
