"""`sourcing users …` and signing in on the command line, on a real SQLite file:
the first admin, accounts added with a password from standard input or typed twice
on the terminal (never from the command line), roles, passwords, disabling, the
demo accounts, and `sourcing rulesets` acting as signed-in users, scheduling with
`publish --at`."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli import store_access
from cli.main import main

FRANCE = Path(__file__).parent.parent / "rulesets" / "france.route"


@pytest.fixture
def db(tmp_path):
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def sourcing(db, capsys, monkeypatch):
    """Run `sourcing …` in this process against the test file: (code, out, err).
    `password=` is the acting person's ($SOURCING_PASSWORD), `stdin=` standard input."""
    for name in ("SOURCING_DB_URL", "SOURCING_PASSWORD", "SOURCING_ALLOW_SELF_REVIEW"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SOURCING_USER", "setup")
    monkeypatch.setattr(store_access, "terminal_available", lambda: False)

    def run(*args: str, password: str | None = None, stdin: str = ""):
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        if password is None:
            monkeypatch.delenv("SOURCING_PASSWORD", raising=False)
        else:
            monkeypatch.setenv("SOURCING_PASSWORD", password)
        code = main([*args, "--db", db])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def team(db):
    """root (admin), ed (editor), ann and bob (approvers), vic (viewer), added through
    the store with cheap argon2 parameters (each is rehashed at its first sign-in)."""
    from store_people import add_team, open_store

    with open_store(db) as store:
        add_team(store)


def test_the_first_admin_then_accounts_added_by_a_signed_in_admin(sourcing):
    code, out, _ = sourcing("users", "list")
    assert code == 0 and out.startswith("no accounts: anyone may act under any name")
    add = ("users", "add", "--password-stdin")
    code, _, err = sourcing(*add, "ed", "--role", "editor", stdin="ed-password\n")
    assert code == 1 and "no enabled admin: add one first" in err
    code, out, _ = sourcing(*add, "root", "--role", "admin", stdin="root-password\n")
    assert (code, out) == (0, "added root (admin), who signs in with a password\n")
    by_root = ("ed", "--role", "editor", "--by", "root")
    code, _, err = sourcing(*add, *by_root, password="wrong-password", stdin="ed-password\n")
    assert (code, err) == (1, "error: unknown user or wrong password\n")
    code, _, err = sourcing(*add, *by_root, password="root-password", stdin="ed-password\n")
    assert (code, err) == (0, "")
    code, _, err = sourcing(*add, "eve", "--role", "admin", "--by", "ed",
                            password="ed-password", stdin="eve-password\n")  # fmt: skip
    assert code == 1 and "ed is an editor: only admins may manage users" in err
    code, out, _ = sourcing("users", "list")
    lines = [line.split()[:2] for line in out.splitlines()]
    assert lines == [["NAME", "ROLE"], ["ed", "editor"], ["root", "admin"]]
    code, out, _ = sourcing("users", "audit")
    assert [line.split("  ", 1)[1] for line in out.splitlines()] == [
        "setup added root: role admin; signs in with a password",
        "root added ed: role editor; signs in with a password",
    ]


def test_a_password_is_never_taken_from_the_command_line(sourcing):
    with pytest.raises(SystemExit) as exit_:
        sourcing("users", "add", "root", "--role", "admin", "--password", "secret-pw")
    assert exit_.value.code == 2


def test_without_a_terminal_or_the_variable_the_password_cannot_be_asked(db, sourcing):
    team(db)
    code, _, err = sourcing("users", "role", "vic", "editor", "--by", "root")
    assert code == 1
    assert "no terminal to ask for the password (Password for root): set $SOURCING_PASSWORD" in err


def test_passwords_typed_on_the_terminal_twice(db, sourcing, monkeypatch):
    team(db)
    monkeypatch.setattr(store_access, "terminal_available", lambda: True)
    answers = iter(["root-password", "new-vic-password", "new-vic-password"])
    prompts = []
    monkeypatch.setattr(store_access.getpass, "getpass",
                        lambda prompt: prompts.append(prompt) or next(answers))  # fmt: skip
    code, out, _ = sourcing("users", "passwd", "vic", "--by", "root")
    assert (code, out) == (0, "password of vic changed\n")
    assert prompts == ["Password for root: ", "New password for vic: ",
                       "New password for vic again: "]  # fmt: skip
    answers = iter(["new-vic-password", "one-password", "another-one"])
    code, _, err = sourcing("users", "passwd", "vic")
    assert code == 1 and "the two passwords differ: nothing was changed" in err


def test_roles_passwords_and_disabling(db, sourcing):
    team(db)
    assert sourcing("users", "role", "vic", "editor", "--by", "root",
                    password="root-password")[1] == "vic is now editor\n"  # fmt: skip
    code, out, _ = sourcing("users", "passwd", "vic", "--password-stdin",
                            password="vic-password", stdin="fresh-vic-password\n")  # fmt: skip
    assert (code, out) == (0, "password of vic changed\n")
    code, out, _ = sourcing("users", "disable", "vic", "--by", "root", password="root-password")
    assert code == 0 and out.startswith("vic is disabled since ")
    code, _, err = sourcing("rulesets", "save", str(FRANCE), "--name", "france", "--author",
                            "vic", password="fresh-vic-password")  # fmt: skip
    assert (code, err) == (1, "error: the account 'vic' is disabled: ask an admin\n")
    code, _, err = sourcing("users", "role", "root", "viewer", "--by", "root",
                            password="root-password")  # fmt: skip
    assert code == 1 and "last enabled admin" in err


def test_the_rulesets_commands_act_as_signed_in_users_and_schedule(db, sourcing):
    team(db)
    save = ("rulesets", "save", str(FRANCE), "--name", "france", "--author")
    code, _, err = sourcing(*save, "vic", password="vic-password")
    assert code == 1 and "vic is a viewer: only editors or approvers or admins" in err
    assert sourcing(*save, "ed", password="ed-password")[0] == 0
    assert (
        sourcing("rulesets", "submit", "france", "1", "--by", "ed", password="ed-password")[0] == 0
    )
    code, _, err = sourcing("rulesets", "publish", "france", "1", "--reviewer", "ed",
                            password="ed-password")  # fmt: skip
    assert code == 1 and "ed is an editor: only approvers or admins may publish" in err
    code, _, err = sourcing("rulesets", "publish", "france", "1", "--reviewer", "ann",
                            "--at", "2099-01-01T06:00+01:00", password="ann-password")  # fmt: skip
    assert code == 1 and "days ahead" in err


def test_publish_at_on_the_command_line(db, sourcing):
    import datetime as dt

    team(db)
    sourcing("rulesets", "save", str(FRANCE), "--name", "france", "--author", "ed",
             password="ed-password")  # fmt: skip
    sourcing("rulesets", "submit", "france", "1", "--by", "ed", password="ed-password")
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).replace(microsecond=0)
    local = soon.astimezone(dt.timezone(dt.timedelta(hours=1))).isoformat()
    code, out, _ = sourcing("rulesets", "publish", "france", "1", "--reviewer", "ann",
                            "--at", local, password="ann-password")  # fmt: skip
    shown = soon.strftime("%Y-%m-%d %H:%M:%S UTC")
    assert (code, out) == (0, f"scheduled france v1, approved by ann: it goes live at {shown} "
                              "(cancel with: sourcing rulesets cancel france 1)\n")  # fmt: skip
    code, out, _ = sourcing("rulesets", "list")
    assert out.splitlines()[1].split()[-1] == "-"  # nothing live yet
    assert out.splitlines()[-1] == (
        f"scheduled: france v1 goes live at {shown} (approved by ann)")  # fmt: skip
    code, out, _ = sourcing("rulesets", "history", "france")
    assert out.splitlines()[0].split()[-3:] == ["LIVE", "FROM", "COMMENT"]
    assert shown in out.splitlines()[1]
    code, out, _ = sourcing("rulesets", "audit", "france")
    assert out.splitlines()[-1].split("  ", 1)[1] == (
        f"ann scheduled v1 (in_review → scheduled): live from {shown}")  # fmt: skip
    with pytest.raises(SystemExit) as exit_:
        sourcing("rulesets", "publish", "france", "1", "--reviewer", "ann",
                 "--at", "2026-11-08T06:00", password="ann-password")  # fmt: skip
    assert exit_.value.code == 2
    code, out, _ = sourcing("rulesets", "cancel", "france", "1", "--by", "bob",
                            password="bob-password")  # fmt: skip
    assert (code, out) == (0, "france v1 is no longer scheduled (in_review)\n")


def test_the_demo_accounts(sourcing):
    code, out, _ = sourcing("users", "demo")
    assert code == 0
    assert out.splitlines() == [
        "demo-editor (editor), password 'demo-editor-password': added",
        "demo-approver (approver), password 'demo-approver-password': added",
        "DEMO ONLY: these passwords are published; never use them in production",
    ]
    assert "already there" in sourcing("users", "demo")[1]
    save = ("rulesets", "save", str(FRANCE), "--name", "france", "--author", "demo-editor")
    assert sourcing(*save, password="demo-editor-password")[0] == 0
    code, _, err = sourcing("users", "add", "root", "--role", "admin", "--password-stdin",
                            stdin="root-password\n")  # fmt: skip
    assert code == 0  # a demo store has no admin: anyone may add one
    assert sourcing("users", "demo")[0] == 1


def test_the_real_command_reads_passwords_from_stdin_and_the_environment(tmp_path):
    """The installed `sourcing` in its own process: nothing of the password on argv."""
    env = {**os.environ, "SOURCING_DB_URL": f"sqlite:///{tmp_path / 'store.db'}",
           "SOURCING_USER": "root"}  # fmt: skip
    env.pop("SOURCING_PASSWORD", None)
    command = [sys.executable, "-m", "cli.main", "users"]
    added = subprocess.run([*command, "add", "root", "--role", "admin", "--password-stdin"],
                           input="root-password\n", capture_output=True, text=True, env=env,
                           stdin=None, check=False)  # fmt: skip
    assert added.returncode == 0, added.stderr
    env["SOURCING_PASSWORD"] = "root-password"
    second = subprocess.run([*command, "add", "ed", "--role", "editor", "--password-stdin"],
                            input="ed-password\n", capture_output=True, text=True, env=env,
                            check=False)  # fmt: skip
    assert (second.returncode, second.stdout) == (
        0,
        "added ed (editor), who signs in with a password\n",
    )
    listed = subprocess.run(
        [*command, "list"], capture_output=True, text=True, env=env, check=False
    )
    assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == ["ed", "root"]
