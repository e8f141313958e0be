"""Review cannot be bypassed: an imported folder keeps its published versions only
when a trusted key signed it and its history verifies (otherwise everything arrives
as a draft), and `sourcing export` writes only versions that went through review."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from cli.main import main
from rulesets.folder import MANIFEST, audit_digest, export_folder, import_folder
from rulesets.store import RulesetStore, State
from rulesets.store.transfer import ImportRefused

FRANCE = (Path(__file__).parent.parent / "rulesets" / "france.route").read_text()
CHECKER_ERRORS = 'ruleset "x"\n\nstrategy home\n  when order.deliveryy == "home"\n'


def keys(pair):
    from engine.signing import load_signing_key, load_trusted_keys

    private, public = pair
    return load_signing_key(private), load_trusted_keys([public])


def reviewed_store(url: str) -> RulesetStore:
    store = RulesetStore.open(url)
    store.save("france", FRANCE, author="alice")
    store.submit("france", 1, by="alice")
    store.publish("france", 1, reviewer="bob")
    store.save("france", FRANCE.replace("within 400 km", "within 300 km"), author="carol",
               based_on=1)  # fmt: skip
    store.submit("france", 2, by="carol")
    return store


def forge(folder: Path, change) -> None:
    """Edit an exported folder as an attacker would: the audit of 'france' and its
    manifest, with the audit's digest recomputed to match."""
    document = json.loads((folder / MANIFEST).read_text())
    audit = json.loads((folder / "france" / "audit.json").read_text())
    change(document["rulesets"][0], audit)
    document["rulesets"][0]["audit_sha256"] = audit_digest(audit)
    (folder / MANIFEST).write_text(json.dumps(document))
    (folder / "france" / "audit.json").write_text(json.dumps(audit))


def self_reviewed_with_checker_errors(folder: Path) -> None:
    """The reported attack: a published version whose author is its reviewer, never
    submitted, with checker errors, and an audit entry that says it was published."""
    from rulesets.store import canonical_text, content_hash

    text = canonical_text(CHECKER_ERRORS)
    (folder / "france" / "v0003.route").write_text(text)

    def change(entry, audit):
        for version in entry["versions"]:
            version.update(state="retired") if version["state"] == "published" else None
        entry["versions"].append(
            dict(entry["versions"][0], number=3, file="france/v0003.route",
                 content_hash=content_hash(text), state="published", author="mallory",
                 reviewed_by="mallory", parent=2)
        )  # fmt: skip
        audit.append(
            dict(audit[-1], action="published", actor="mallory", version=3,
                 from_state="in_review", to_state="published")
        )  # fmt: skip

    forge(folder, change)


# ------------------------------------------------------------------- import


def test_an_unsigned_import_arrives_as_drafts(tmp_path):
    with reviewed_store(f"sqlite:///{tmp_path / 'a.db'}") as source:
        export_folder(source, tmp_path / "out")
    with RulesetStore.open(f"sqlite:///{tmp_path / 'b.db'}") as target:
        report = import_folder(target, tmp_path / "out", by="erin")
        assert report.restored == ["france"] and report.verified_by is None
        versions = target.history("france")
        assert [v.state for v in versions] == [State.DRAFT, State.DRAFT]
        assert [(v.reviewed_by, v.published_at) for v in versions] == [(None, None)] * 2
        assert target.live("france") is None
        last = target.audit("france")[-1]
        assert (last.action, last.actor) == ("imported", "erin")
        assert "as drafts" in last.comment and "not signed" in last.comment
        again = import_folder(target, tmp_path / "out", by="erin")
        assert (again.restored, again.unchanged) == ([], ["france"])
        # They go through review here like any draft.
        target.submit("france", 1, by="erin")
        target.publish("france", 1, reviewer="fay")
        assert target.live("france").number == 1


def test_import_cannot_bypass_review(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SOURCING_DB_URL", raising=False)
    monkeypatch.delenv("SOURCING_TRUSTED_KEYS", raising=False)
    with reviewed_store(f"sqlite:///{tmp_path / 'a.db'}") as source:
        export_folder(source, tmp_path / "out")
    self_reviewed_with_checker_errors(tmp_path / "out")
    db = f"sqlite:///{tmp_path / 'b.db'}"
    assert main(["rulesets", "import", str(tmp_path / "out"), "--by", "mallory", "--db", db]) == 0
    assert "as drafts" in capsys.readouterr().out
    artifact = tmp_path / "prod.json"
    code = main(
        ["export", "--db", db, "--name", "france", "--version", "3", "--out", str(artifact)]
    )
    assert code == 1 and not artifact.exists()
    assert "france v3 is draft" in capsys.readouterr().err


def test_a_signed_export_keeps_its_states_where_the_key_is_trusted(tmp_path, store_url, key_pair):
    private, trusted = keys(key_pair)
    with reviewed_store(f"sqlite:///{tmp_path / 'a.db'}") as source:
        export_folder(source, tmp_path / "out", signing_key=private)
        expected = [(v.number, v.state, v.reviewed_by) for v in source.history("france")]
    with RulesetStore.open(store_url) as target:
        report = import_folder(target, tmp_path / "out", by="erin", trusted_keys=trusted)
        assert report.verified_by == trusted.ids()[0]
        assert [(v.number, v.state, v.reviewed_by) for v in target.history("france")] == expected
        assert target.live("france").number == 1
        assert "signed by key" in target.audit("france")[-1].comment


def test_a_signed_export_from_a_key_not_trusted_here_arrives_as_drafts(
    tmp_path, key_pair, other_key_pair
):
    private, _ = keys(key_pair)
    _, other = keys(other_key_pair)
    with reviewed_store(f"sqlite:///{tmp_path / 'a.db'}") as source:
        export_folder(source, tmp_path / "out", signing_key=private)
    with RulesetStore.open(f"sqlite:///{tmp_path / 'b.db'}") as target:
        report = import_folder(target, tmp_path / "out", by="erin", trusted_keys=other)
        assert report.verified_by is None
        assert {v.state for v in target.history("france")} == {State.DRAFT}
        assert "not trusted here" in target.audit("france")[-1].comment


def test_a_tampered_signed_export_is_refused(tmp_path, key_pair):
    private, trusted = keys(key_pair)
    with reviewed_store(f"sqlite:///{tmp_path / 'a.db'}") as source:
        export_folder(source, tmp_path / "out", signing_key=private)
    forge(tmp_path / "out", lambda _entry, audit: audit[0].update(actor="someone else"))
    with RulesetStore.open(f"sqlite:///{tmp_path / 'b.db'}") as target:
        with pytest.raises(ImportRefused, match="signature does not match"):
            import_folder(target, tmp_path / "out", by="erin", trusted_keys=trusted)
        assert target.list_rulesets() == []


def test_a_signed_export_whose_history_does_not_verify_is_refused(tmp_path, key_pair):
    """Even a trusted signer cannot vouch for a version that skipped review."""
    from engine.signing import sign_document

    private, trusted = keys(key_pair)
    with reviewed_store(f"sqlite:///{tmp_path / 'a.db'}") as source:
        export_folder(source, tmp_path / "out", signing_key=private)
    self_reviewed_with_checker_errors(tmp_path / "out")
    # Re-sign what the attacker wrote, as a careless holder of the key would.
    document = json.loads((tmp_path / "out" / MANIFEST).read_text())
    (tmp_path / "out" / MANIFEST).write_text(json.dumps(sign_document(document, private)))
    with RulesetStore.open(f"sqlite:///{tmp_path / 'b.db'}") as target:
        with pytest.raises(ImportRefused, match="france v3.*reviewed by its own author"):
            import_folder(target, tmp_path / "out", by="erin", trusted_keys=trusted)
        assert target.list_rulesets() == []


# ------------------------------------------------------------- sourcing export


@pytest.mark.usefixtures("signing")
def test_sourcing_export_refuses_a_version_that_skipped_review(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    with RulesetStore.open(url) as store:
        store.save("france", FRANCE, author="alice")
        store.save("france", FRANCE.replace("400 km", "300 km"), author="alice", based_on=1)
        store.submit("france", 2, by="alice")
        store.publish("france", 2, reviewer="bob")
        store.retire("france", 2, by="bob")
    # Someone with write access to the database marks v1 published, reviewed by its author.
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE ruleset_versions SET state = 'published', reviewed_by = author, "
                "published_at = :now WHERE number = 1"
            ),
            {"now": dt.datetime(2026, 5, 1, 9, 0)},
        )
    engine.dispose()
    out = tmp_path / "prod.json"
    assert main(["export", "--db", url, "--name", "france", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "france v1 did not go through review" in err and not out.exists()
    # The properly reviewed (now retired) version still exports.
    assert (
        main(["export", "--db", url, "--name", "france", "--version", "2", "--out", str(out)]) == 0
    )


@pytest.mark.usefixtures("signing")
def test_a_rollback_copy_exports_because_its_source_was_reviewed(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    with RulesetStore.open(url) as store:
        store.save("france", FRANCE, author="alice")
        store.submit("france", 1, by="alice")
        store.publish("france", 1, reviewer="bob")
        store.retire("france", 1, by="bob")
        store.rollback("france", 1, by="carol")
    assert main(["export", "--db", url, "--name", "france", "--out", str(tmp_path / "a.json")]) == 0
