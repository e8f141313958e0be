"""Export and import of the store as a folder against hostile folders and names:
nothing outside the export folder is ever deleted or written, links are not
followed, names are safe folder names on every file system, and a malformed or
oversized folder is refused with a message instead of a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cli.main import main
from rulesets.folder import MANIFEST, audit_digest, export_folder, import_folder, read_folder
from rulesets.store import RulesetStore, StoreError
from rulesets.store.transfer import ImportRefused

FRANCE = (Path(__file__).parent.parent / "rulesets" / "france.route").read_text()
T0 = "2026-01-01T00:00:00+00:00"


@pytest.fixture
def store(tmp_path):
    with RulesetStore.open(f"sqlite:///{tmp_path / 'a.db'}") as opened:
        yield opened


def manifest(*rulesets: dict) -> str:
    return json.dumps(
        {"format": "sourcing-studio/ruleset-store", "format_version": 1, "rulesets": list(rulesets)}
    )


def exported(store: RulesetStore, folder: Path) -> Path:
    store.save("france", FRANCE, author="alice")
    export_folder(store, folder)
    return folder


# ------------------------------------------------------------ export never deletes


def test_export_with_a_dotdot_entry_in_the_previous_manifest_deletes_nothing(tmp_path, store):
    parent = tmp_path / "work"
    out = parent / "out"
    out.mkdir(parents=True)
    (parent / "keep.txt").write_text("precious")
    (out / MANIFEST).write_text(
        manifest({"name": "..", "created_at": T0, "created_by": "a", "versions": []})
    )
    store.save("france", FRANCE, author="alice")
    with pytest.raises(StoreError, match=r"'\.\.'.*not a ruleset name"):
        export_folder(store, out)
    assert (parent / "keep.txt").read_text() == "precious"
    assert (out / MANIFEST).is_file()


def test_export_removes_only_the_files_a_previous_export_wrote(tmp_path, store):
    out = exported(store, tmp_path / "out")
    (out / "france" / "notes.md").write_text("mine")
    (out / "README.md").write_text("mine too")
    export_folder(store, out)
    assert (out / "france" / "notes.md").read_text() == "mine"
    assert (out / "README.md").read_text() == "mine too"
    assert [h.name for h in read_folder(out)] == ["france"]


def test_export_never_writes_through_a_symlink_out_of_the_folder(tmp_path, store):
    victim = tmp_path / "elsewhere"
    victim.mkdir()
    (victim / "v0001.route").write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST).write_text(manifest())
    (out / "france").symlink_to(victim, target_is_directory=True)
    store.save("france", FRANCE, author="alice")
    with pytest.raises(StoreError, match="symbolic link"):
        export_folder(store, out)
    assert (victim / "v0001.route").read_text() == "precious"


def test_export_never_deletes_through_a_symlinked_ruleset_folder(tmp_path, store):
    out = exported(store, tmp_path / "out")
    victim = tmp_path / "elsewhere"
    victim.mkdir()
    (victim / "v0001.route").write_text("precious")
    (victim / "audit.json").write_text("precious")
    for path in (out / "france").iterdir():
        path.unlink()
    (out / "france").rmdir()
    (out / "france").symlink_to(victim, target_is_directory=True)
    with pytest.raises(StoreError, match="symbolic link"):
        export_folder(store, out)
    assert sorted(p.read_text() for p in victim.iterdir()) == ["precious", "precious"]


def test_export_into_a_folder_with_an_unreadable_manifest_is_refused_clearly(tmp_path, store):
    out = tmp_path / "out"
    out.mkdir()
    for text in ("{not json", "[]", '{"format": "x", "rulesets": 5}'):
        (out / MANIFEST).write_text(text)
        with pytest.raises(StoreError, match="not a manifest written by export"):
            export_folder(store, out)
        assert (out / MANIFEST).read_text() == text


# ------------------------------------------------------------------- names


def test_import_refuses_names_that_differ_only_in_case(tmp_path, store):
    out = exported(store, tmp_path / "out")
    with RulesetStore.open(f"sqlite:///{tmp_path / 'b.db'}") as other:
        other.save("FRANCE", FRANCE, author="zoe")
        with pytest.raises(ImportRefused, match="'france' differs only in case from 'FRANCE'"):
            import_folder(other, out, by="erin")
        assert [s.name for s in other.list_rulesets()] == ["FRANCE"]
    document = json.loads((out / MANIFEST).read_text())
    twin = dict(document["rulesets"][0], name="France")
    document["rulesets"].append(twin)
    (out / MANIFEST).write_text(json.dumps(document))
    with pytest.raises(ImportRefused, match="'France' differs only in case from 'france'"):
        read_folder(out)


def test_import_refuses_a_name_listed_twice(tmp_path, store):
    out = exported(store, tmp_path / "out")
    document = json.loads((out / MANIFEST).read_text())
    document["rulesets"].append(document["rulesets"][0])
    (out / MANIFEST).write_text(json.dumps(document))
    with pytest.raises(ImportRefused, match="'france' is listed twice"):
        read_folder(out)


# ------------------------------------------------------------------- import


def test_import_refuses_symlinks_in_the_folder(tmp_path, store):
    out = exported(store, tmp_path / "out")
    outside = tmp_path / "outside.route"
    version = out / "france" / "v0001.route"
    outside.write_text(version.read_text())  # same text, same hash: only the link is wrong
    version.unlink()
    version.symlink_to(outside)
    with pytest.raises(ImportRefused, match="symbolic link"):
        read_folder(out)


def test_import_refuses_a_version_file_path_that_leaves_its_folder(tmp_path, store):
    out = exported(store, tmp_path / "out")
    document = json.loads((out / MANIFEST).read_text())
    document["rulesets"][0]["versions"][0]["file"] = "../../secret.route"
    (out / MANIFEST).write_text(json.dumps(document))
    with pytest.raises(ImportRefused, match=r"file: expected 'france/v0001\.route'"):
        read_folder(out)


def test_import_refuses_oversized_files_before_reading_them(tmp_path, store):
    from rulesets.folder import MAX_MANIFEST_BYTES, MAX_VERSION_BYTES

    out = exported(store, tmp_path / "out")
    version = out / "france" / "v0001.route"
    with version.open("a") as handle:
        handle.write(" " * MAX_VERSION_BYTES)
    with pytest.raises(ImportRefused, match="larger than the limit"):
        read_folder(out)
    with (out / MANIFEST).open("a") as handle:
        handle.write(" " * MAX_MANIFEST_BYTES)
    with pytest.raises(ImportRefused, match="larger than the limit"):
        read_folder(out)


def test_import_refuses_audit_events_from_the_future(tmp_path, store):
    out = exported(store, tmp_path / "out")
    document = json.loads((out / MANIFEST).read_text())
    audit = json.loads((out / "france" / "audit.json").read_text())
    audit[0]["at"] = "2999-01-01T00:00:00+00:00"
    document["rulesets"][0]["audit_sha256"] = audit_digest(audit)
    (out / "france" / "audit.json").write_text(json.dumps(audit))
    (out / MANIFEST).write_text(json.dumps(document))
    with RulesetStore.open(f"sqlite:///{tmp_path / 'b.db'}") as other:
        with pytest.raises(ImportRefused, match="audit event 1 \\(saved\\) at 2999.*in the future"):
            import_folder(other, out, by="erin")
        assert other.list_rulesets() == []


def test_import_refuses_an_audit_trail_changed_after_export(tmp_path, store):
    out = exported(store, tmp_path / "out")
    audit = json.loads((out / "france" / "audit.json").read_text())
    audit[0]["actor"] = "mallory"
    (out / "france" / "audit.json").write_text(json.dumps(audit))
    with pytest.raises(ImportRefused, match="changed after export"):
        read_folder(out)


def test_import_of_a_deeply_nested_manifest_is_refused_clearly(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST).write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ImportRefused, match="manifest.json"):
        read_folder(out)


def test_cli_import_and_export_problems_exit_with_a_message(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SOURCING_DB_URL", raising=False)
    db = f"sqlite:///{tmp_path / 'a.db'}"
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST).write_text("[]")
    assert main(["rulesets", "import", str(out), "--by", "erin", "--db", db]) == 1
    assert "manifest.json" in capsys.readouterr().err
    assert main(["rulesets", "export", str(out), "--db", db]) == 1
    assert "not a manifest written by export" in capsys.readouterr().err
    assert os.listdir(out) == [MANIFEST]


def test_import_refuses_a_folder_beyond_the_total_limit(tmp_path, store, monkeypatch):
    import rulesets.folder.reading as reading

    out = exported(store, tmp_path / "out")
    total = sum(path.stat().st_size for path in out.rglob("*") if path.is_file())
    monkeypatch.setattr(reading, "MAX_IMPORT_BYTES", total - 1)
    with pytest.raises(ImportRefused, match="the most one import reads"):
        read_folder(out)
    monkeypatch.setattr(reading, "MAX_IMPORT_BYTES", total)
    assert [h.name for h in read_folder(out)] == ["france"]
