"""Bad input to the store gets a message, never a traceback: version numbers outside
their range (1 to 10^9), a malformed manifest in an imported folder, and a
database written by a newer release."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from cli.main import main
from rulesets.folder import MANIFEST, export_folder, import_folder, read_folder
from rulesets.store import NotFound, RulesetStore, StoreError, StoreUnavailable
from rulesets.store.transfer import ImportRefused

FRANCE = (Path(__file__).parent.parent / "rulesets" / "france.route").read_text()
HUGE = 2**63


@pytest.fixture
def store(store_url):
    with RulesetStore.open(store_url) as opened:
        opened.save("france", FRANCE, author="alice")
        yield opened


# --------------------------------------------------------------- version numbers


@pytest.mark.parametrize("number", [0, -1, 10**9 + 1, HUGE, 10**30])
def test_a_version_number_beyond_the_range_is_refused_clearly(store, number):
    with pytest.raises(NotFound, match="version numbers run from 1 to 1000000000"):
        store.version("france", number)
    with pytest.raises(NotFound, match="version numbers run from 1 to 1000000000"):
        store.submit("france", number, by="alice")
    with pytest.raises(NotFound, match="version numbers run from 1 to 1000000000"):
        store.save("france", FRANCE.replace("400 km", "300 km"), author="a", based_on=number)
    assert [v.number for v in store.history("france")] == [1]


@pytest.mark.usefixtures("store")
@pytest.mark.parametrize(
    "argv",
    [
        ["show", "france", str(HUGE)],
        ["publish", "france", str(HUGE), "--reviewer", "bob"],
        ["diff", "france", "1", str(HUGE)],
        ["save", "-", "--name", "france", "--author", "a", "--based-on", str(HUGE)],
    ],
)
def test_the_cli_refuses_a_version_number_beyond_the_range(store_url, argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["rulesets", *argv, "--db", store_url])
    assert exit_.value.code == 2
    assert "version numbers run from 1 to 1000000000" in capsys.readouterr().err


@pytest.mark.usefixtures("store")
def test_export_refuses_a_version_number_beyond_the_range(tmp_path, store_url, capsys):
    route = tmp_path / "france.route"
    route.write_text(FRANCE)
    out = tmp_path / "a.json"
    assert main(["export", str(route), "--version", str(HUGE), "--out", str(out)]) == 2
    assert "version numbers run from 1 to 1000000000" in capsys.readouterr().err
    argv = ["export", "--db", store_url, "--name", "france", "--version", str(HUGE)]
    assert main([*argv, "--out", str(out)]) == 1
    assert "version numbers run from 1 to 1000000000" in capsys.readouterr().err
    assert not out.exists()


def test_the_store_and_the_artifact_share_the_version_range():
    from engine.artifact import MAX_VERSION_NUMBER
    from rulesets.store.validation import VERSION_NUMBERS

    assert range(1, MAX_VERSION_NUMBER + 1) == VERSION_NUMBERS


def test_an_imported_version_number_beyond_the_range_is_refused(tmp_path, store):
    export_folder(store, tmp_path / "out")
    audit_path = tmp_path / "out" / "france" / "audit.json"
    audit = json.loads(audit_path.read_text())
    audit[0]["from_version"] = HUGE
    audit_path.write_text(json.dumps(audit))
    with pytest.raises(ImportRefused, match=r"audit.json, event 1, from_version"):
        read_folder(tmp_path / "out")


# ---------------------------------------------------------- malformed manifests


def entry(**changes):
    version = {
        "number": 1,
        "file": "france/v0001.route",
        "content_hash": "0" * 64,
        "state": "draft",
        "author": "alice",
        "created_at": "2026-01-01T00:00:00+00:00",
    }
    ruleset = {
        "name": "france",
        "created_at": "2026-01-01T00:00:00+00:00",
        "created_by": "alice",
        "versions": [version],
    }
    for key, value in changes.items():
        target = version if key.startswith("v_") else ruleset
        target[key.removeprefix("v_")] = value
    return ruleset


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ([], "manifest.json"),
        ({"format": "sourcing-studio/ruleset-store", "format_version": 1}, "rulesets"),
        ({"rulesets": 5}, "rulesets"),
        ({"rulesets": ["france"]}, "rulesets[0]"),
        ({"rulesets": [{"name": "france"}]}, "rulesets[0].created_at"),
        ({"rulesets": [entry(versions={"1": {}})]}, "rulesets[0].versions"),
        ({"rulesets": [entry(v_number="1")]}, "rulesets[0].versions[0].number"),
        ({"rulesets": [entry(v_number=True)]}, "rulesets[0].versions[0].number"),
        ({"rulesets": [entry(v_state="live")]}, "rulesets[0].versions[0].state"),
        ({"rulesets": [entry(v_author=5)]}, "rulesets[0].versions[0].author"),
        ({"rulesets": [entry(v_created_at=5)]}, "rulesets[0].versions[0].created_at"),
        ({"rulesets": [entry(v_comment=["x"])]}, "rulesets[0].versions[0].comment"),
        ({"rulesets": [entry(created_by=None)]}, "rulesets[0].created_by"),
        ({"rulesets": [entry(name=None)]}, "rulesets[0].name"),
    ],
)
def test_a_malformed_manifest_is_refused_clearly(tmp_path, document, where):
    if isinstance(document, dict):
        document = {"format": "sourcing-studio/ruleset-store", "format_version": 1, **document}
    out = tmp_path / "out"
    (out / "france").mkdir(parents=True)
    (out / "france" / "v0001.route").write_text(FRANCE)
    (out / MANIFEST).write_text(json.dumps(document))
    with pytest.raises(ImportRefused) as refused:
        read_folder(out)
    assert where in str(refused.value) and "manifest.json" in str(refused.value)


def test_a_malformed_manifest_imports_nothing_through_the_cli(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST).write_text(json.dumps({"format": "sourcing-studio/ruleset-store",
                                            "format_version": 1, "rulesets": [{}]}))  # fmt: skip
    db = f"sqlite:///{tmp_path / 'a.db'}"
    assert main(["rulesets", "import", str(out), "--by", "erin", "--db", db]) == 1
    err = capsys.readouterr().err
    assert "rulesets[0].name" in err and "Traceback" not in err
    with RulesetStore.open(db) as store:
        assert store.list_rulesets() == []
        with pytest.raises(StoreError):
            import_folder(store, out, by="erin")


# ------------------------------------------------------- a newer database schema


def test_a_database_from_a_newer_release_is_refused_clearly(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    RulesetStore.open(url).close()
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    with pytest.raises(StoreUnavailable, match="newer Sourcing Studio.*revision '0099'.*upgrade"):
        RulesetStore.open(url)
    assert main(["rulesets", "list", "--db", url]) == 2
    assert "newer Sourcing Studio" in capsys.readouterr().err
    engine = sa.create_engine(url)
    with engine.connect() as connection:  # the database was left as it was
        assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == (
            "0099"
        )
    engine.dispose()
