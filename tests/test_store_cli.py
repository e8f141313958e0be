"""`sourcing rulesets …` end to end through the real entry point, on SQLite and
PostgreSQL: what a user types and what they read back."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main

FRANCE = (Path(__file__).parent.parent / "rulesets" / "france.route").read_text()


@pytest.fixture
def run(store_url, capsys, monkeypatch):
    """Run a `sourcing rulesets` command against the test database; (code, out, err)."""
    monkeypatch.delenv("SOURCING_DB_URL", raising=False)
    monkeypatch.delenv("SOURCING_ALLOW_SELF_REVIEW", raising=False)

    def sourcing(*args: str, db: str | None = store_url):
        code = main(["rulesets", *args, *(["--db", db] if db else [])])
        out, err = capsys.readouterr()
        return code, out, err

    return sourcing


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_the_whole_workflow(run, tmp_path):
    v1 = write(tmp_path, "v1.route", FRANCE)
    v2 = write(tmp_path, "v2.route", FRANCE.replace("within 400 km", "within 300 km"))
    v2b = write(tmp_path, "v2b.route", FRANCE.replace("split at most 3", "split at most 4"))

    code, out, _ = run("save", v1, "--name", "france", "--author", "alice", "--comment", "spec")
    assert (code, out.splitlines()[0][:27]) == (0, "saved france v1 (draft), sh")
    code, out, _ = run("save", v2, "--name", "france", "--author", "bob", "--based-on", "1")
    assert code == 0 and "saved france v2 (draft), based on v1" in out
    code, _, err = run("save", v2b, "--name", "france", "--author", "carol", "--based-on", "1")
    assert code == 1
    assert "changed by bob at" in err and "--based-on 2" in err

    code, out, _ = run("diff", "france", "1", "2")
    assert (code, out) == (0, "~ strategy standard_home\n    ~ within 400 km  →  within 300 km\n")
    code, out, _ = run("diff", "france", "1", "2", "--text")
    assert "-  within 400 km\n+  within 300 km\n" in out

    assert run("submit", "france", "2", "--by", "bob")[0] == 0
    code, _, err = run("publish", "france", "2", "--reviewer", "bob")
    assert code == 1 and "another person must review" in err
    code, out, _ = run("publish", "france", "2", "--reviewer", "alice", "--simulation-run", "s-7")
    assert (code, out) == (0, "published france v2, reviewed by alice: it is now live\n")

    code, out, _ = run("list")
    assert out.splitlines()[0].split() == ["NAME", "LATEST", "STATE", "AUTHOR", "SAVED", "LIVE"]
    assert out.splitlines()[1].split()[:4] == ["france", "v2", "published", "bob"]
    assert out.splitlines()[1].split()[-1] == "v2"

    code, out, _ = run("history", "france")
    lines = [line.split()[:3] for line in out.splitlines()[1:]]
    assert lines == [["v1", "draft", "alice"], ["v2", "published", "bob"]]

    code, out, err = run("show", "france", "1")
    assert code == 0 and out == run("show", "france", "1")[1]
    assert out.startswith('ruleset "France omnichannel"\n') and "within 400 km" in out
    assert "france v1 (draft) by alice" in err

    code, _, err = run("rollback", "france", "1", "--by", "dave")
    assert code == 1 and "never published" in err

    code, out, _ = run("audit", "france")
    actions = [line.split("  ", 1)[1] for line in out.splitlines()]
    assert actions == [
        "alice saved v1 (new → draft): spec",
        "bob saved v2 (new → draft), from v1",
        "bob submitted v2 (draft → in_review)",
        "alice published v2 (in_review → published)",
    ]


def test_rollback_and_retire(run, tmp_path):
    run("save", write(tmp_path, "a.route", FRANCE), "--name", "fr", "--author", "alice")
    run("submit", "fr", "1", "--by", "alice")
    run("publish", "fr", "1", "--reviewer", "bob")
    run("save", write(tmp_path, "b.route", FRANCE.replace("priority 5", "priority 6")),
        "--name", "fr", "--author", "alice", "--based-on", "1")  # fmt: skip
    run("submit", "fr", "2", "--by", "alice")
    run("publish", "fr", "2", "--reviewer", "bob")
    code, out, _ = run("rollback", "fr", "1", "--by", "carol", "--comment", "v2 broke B2B")
    assert (code, out) == (0, "published fr v3, a copy of v1: it is now live\n")
    code, out, _ = run("retire", "fr", "3", "--by", "carol")
    assert (code, out) == (0, "fr v3 retired (retired)\n")
    assert "carol rolled back v3 (new → published), from v1: v2 broke B2B" in run("audit", "fr")[1]


def test_save_reports_checker_findings_of_the_draft(run, tmp_path):
    broken = write(tmp_path, "x.route", 'strategy home\n  when order.deliveryy == "home"\n')
    code, out, _ = run("save", broken, "--name", "wip", "--author", "alice")
    assert code == 0
    assert "did you mean" in out and "1 checker error(s) to fix before it can be submitted" in out
    code, _, err = run("submit", "wip", "1", "--by", "alice")
    assert code == 1 and "checker error" in err


def test_the_database_comes_from_the_environment(run, store_url, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCING_DB_URL", store_url)
    code, _, _ = run("save", write(tmp_path, "a.route", FRANCE), "--name", "fr", "--author", "a",
                     db=None)  # fmt: skip
    assert code == 0
    assert run("list")[1].splitlines()[1].startswith("fr ")


@pytest.mark.usefixtures("signing")
def test_export_and_import(run, tmp_path):
    run("save", write(tmp_path, "a.route", FRANCE), "--name", "fr", "--author", "alice")
    run("submit", "fr", "1", "--by", "alice")
    run("publish", "fr", "1", "--reviewer", "bob")
    code, out, _ = run("export", str(tmp_path / "out"))
    assert (code, out) == (0, f"wrote 3 files to {tmp_path / 'out'} (signed)\n")
    other = f"sqlite:///{tmp_path / 'other.db'}"
    code, out, _ = run("import", str(tmp_path / "out"), "--by", "erin", db=other)
    assert (code, out.splitlines()[0]) == (0, "imported: fr")
    assert "versions arrived with their states: the folder is signed by key" in out
    code, out, _ = run("import", str(tmp_path / "out"), "--by", "erin", db=other)
    assert out == "imported: nothing\nalready in the store, unchanged: fr\n"
    assert run("list", db=other)[1].splitlines()[1].split()[-1] == "v1"  # live


def test_an_unsigned_export_imports_as_drafts(run, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCING_SIGNING_KEY", raising=False)
    run("save", write(tmp_path, "a.route", FRANCE), "--name", "fr", "--author", "alice")
    run("submit", "fr", "1", "--by", "alice")
    run("publish", "fr", "1", "--reviewer", "bob")
    code, out, _ = run("export", str(tmp_path / "out"))
    assert (code, out) == (
        0,
        f"wrote 3 files to {tmp_path / 'out'} (unsigned: another store imports it as drafts)\n",
    )
    other = f"sqlite:///{tmp_path / 'other.db'}"
    code, out, _ = run("import", str(tmp_path / "out"), "--by", "erin", db=other)
    assert code == 0 and "versions arrived as drafts: the folder is not signed" in out
    assert run("list", db=other)[1].splitlines()[1].split()[2] == "draft"


def test_unusable_inputs_exit_2_with_a_message(run, tmp_path):
    code, _, err = run("save", str(tmp_path / "missing.route"), "--name", "x", "--author", "a")
    assert code == 2 and "cannot read" in err
    code, _, err = run("list", db="postgresql+psycopg://u:secret@127.0.0.1:1/none")
    assert code == 2 and "cannot open the ruleset store" in err
    assert "secret" not in err and "***" in err
    code, _, err = run("list", db="nonsense")
    assert code == 2 and "not a database URL" in err
    code, _, err = run("history", "nope")
    assert code == 1 and "no ruleset named 'nope'" in err


def test_the_audit_trail_shows_control_characters_as_escapes(run, tmp_path):
    forged = "ok\n2026-05-20 11:30:45 UTC  bob published v1 (in_review → published)\x1b[2J\u202e"
    code, _, _ = run("save", write(tmp_path, "a.route", FRANCE), "--name", "fr", "--author",
                     "alice", "--comment", forged)  # fmt: skip
    assert code == 0
    code, out, _ = run("audit", "fr")
    assert len(out.splitlines()) == 1 and "\x1b" not in out and "\u202e" not in out
    assert "ok\\n2026-05-20 11:30:45 UTC  bob published" in out and "\\x1b[2J\\u202e" in out
    code, out, _ = run("history", "fr")
    assert len(out.splitlines()) == 2 and "\x1b" not in out
