"""The whole store as a folder of .route files plus a manifest: export, import into
another store (SQLite ↔ PostgreSQL) with the states a trusted signature vouches
for, and what import refuses. (Hostile folders: test_store_folder_safety.py;
review on import: test_store_review_rules.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rulesets.folder import MANIFEST, export_folder, import_folder, read_folder
from rulesets.store import RulesetStore, State, StoreError
from rulesets.store.transfer import ImportRefused

FRANCE = (Path(__file__).parent.parent / "rulesets" / "france.route").read_text()


def fill(store: RulesetStore) -> None:
    store.save("france", FRANCE, author="alice", comment="from the spec")
    store.submit("france", 1, by="alice")
    store.publish("france", 1, reviewer="bob", simulation_run_id="run-1")
    store.save("france", FRANCE.replace("within 400 km", "within 300 km"), author="carol",
               based_on=1)  # fmt: skip
    store.save("spain", FRANCE.replace("France omnichannel", "Spain"), author="dave")


def content(store: RulesetStore):
    """What the store holds, minus the audit event an import adds."""
    return [
        (h.name, h.created_at, h.created_by, h.versions,
         tuple(e for e in h.audit if e.action != "imported"))
        for h in store.histories()
    ]  # fmt: skip


def test_export_writes_route_files_and_a_manifest(tmp_path):
    with RulesetStore.open(f"sqlite:///{tmp_path / 'a.db'}") as store:
        fill(store)
        export_folder(store, tmp_path / "out")
        assert (tmp_path / "out/france/v0001.route").read_text() == store.version("france", 1).text
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text())
    assert manifest["format"] == "sourcing-studio/ruleset-store"
    france = manifest["rulesets"][0]
    assert [v["state"] for v in france["versions"]] == ["published", "draft"]
    assert france["versions"][0]["file"] == "france/v0001.route"
    assert france["versions"][0]["simulation_run_id"] == "run-1"
    audit = json.loads((tmp_path / "out/france/audit.json").read_text())
    assert [e["action"] for e in audit] == ["saved", "submitted", "published", "saved"]


def test_round_trip_into_another_store(tmp_path, store_url, key_pair):
    from engine.signing import load_signing_key, load_trusted_keys

    trusted = load_trusted_keys([key_pair[1]])
    with RulesetStore.open(f"sqlite:///{tmp_path / 'a.db'}") as source:
        fill(source)
        export_folder(source, tmp_path / "out", signing_key=load_signing_key(key_pair[0]))
        expected = content(source)
    with RulesetStore.open(store_url) as target:
        report = import_folder(target, tmp_path / "out", by="erin", trusted_keys=trusted)
        assert (report.restored, report.unchanged) == (["france", "spain"], [])
        assert content(target) == expected
        assert target.live("france").number == 1
        assert target.audit("france")[-1].action == "imported"
        assert target.audit("france")[-1].actor == "erin"
        # Importing again changes nothing; the restored store keeps working.
        again = import_folder(target, tmp_path / "out", by="erin", trusted_keys=trusted)
        assert (again.restored, again.unchanged) == ([], ["france", "spain"])
        assert target.save("spain", FRANCE, author="fay", based_on=1).number == 2
        assert target.version("france", 2).state == State.DRAFT


def test_an_edited_version_file_is_refused(tmp_path):
    with RulesetStore.open(f"sqlite:///{tmp_path / 'a.db'}") as source:
        fill(source)
        export_folder(source, tmp_path / "out")
    edited = tmp_path / "out/france/v0002.route"
    edited.write_text(edited.read_text().replace("within 300 km", "within 250 km"))
    with RulesetStore.open(f"sqlite:///{tmp_path / 'b.db'}") as target:
        with pytest.raises(ImportRefused, match="v2: the text does not match its recorded hash"):
            import_folder(target, tmp_path / "out", by="erin")
        assert target.list_rulesets() == []  # all or nothing: spain was not imported either


def test_a_ruleset_that_differs_from_the_store_is_refused_and_nothing_is_imported(tmp_path):
    with RulesetStore.open(f"sqlite:///{tmp_path / 'a.db'}") as source:
        fill(source)
        export_folder(source, tmp_path / "out")
    with RulesetStore.open(f"sqlite:///{tmp_path / 'b.db'}") as target:
        target.save("spain", FRANCE, author="zoe")
        with pytest.raises(ImportRefused, match="'spain' already exists"):
            import_folder(target, tmp_path / "out", by="erin")
        assert [s.name for s in target.list_rulesets()] == ["spain"]


def test_export_refuses_a_folder_that_is_not_an_export(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with (
        RulesetStore.open(f"sqlite:///{tmp_path / 'a.db'}") as store,
        pytest.raises(StoreError, match="not empty"),
    ):
        export_folder(store, tmp_path / "out")
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"


def test_re_exporting_replaces_the_previous_export(tmp_path):
    with RulesetStore.open(f"sqlite:///{tmp_path / 'a.db'}") as store:
        fill(store)
        export_folder(store, tmp_path / "out")
        export_folder(store, tmp_path / "out")
        assert [h.name for h in read_folder(tmp_path / "out")] == ["france", "spain"]


def test_a_manifest_naming_a_folder_outside_the_export_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST).write_text(
        json.dumps(
            {
                "format": "sourcing-studio/ruleset-store",
                "format_version": 1,
                "rulesets": [{"name": "../x", "created_at": "2026-01-01T00:00:00+00:00",
                              "created_by": "a", "versions": []}],
            }
        )
    )  # fmt: skip
    with pytest.raises(ImportRefused, match=r"rulesets\[0\]\.name: '\.\./x' is not a ruleset name"):
        read_folder(out)
