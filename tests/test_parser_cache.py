"""Lark's parser tables are cached in the user's own cache directory, and a
directory that cannot be written (a read-only install or home) only means they
are computed on each run: the results are the same."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from dsl.parser import cache_path

ROOT = Path(__file__).resolve().parent.parent
RULESET = ROOT / "rulesets" / "france.route"


def test_the_cache_lives_in_the_users_own_cache_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = Path(cache_path("parser"))
    assert path.parent == tmp_path / "sourcing-studio"
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_without_xdg_cache_home_the_cache_is_under_the_home_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert Path(cache_path("parser")).parent == tmp_path / ".cache" / "sourcing-studio"


def test_an_unwritable_cache_directory_turns_the_cache_off(monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", "/dev/null/cache")  # cannot be a directory
    assert cache_path("parser") is False


def _check(environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "check", str(RULESET)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **environment},
        check=False,
    )


def test_check_gives_the_same_result_with_a_fresh_cache_a_warm_one_and_none(tmp_path):
    fresh = _check({"XDG_CACHE_HOME": str(tmp_path)})
    cached = sorted(p.name for p in (tmp_path / "sourcing-studio").iterdir())
    warm = _check({"XDG_CACHE_HOME": str(tmp_path)})
    without = _check({"XDG_CACHE_HOME": "/dev/null/cache", "HOME": "/dev/null"})
    assert cached == ["routing-parser.lark-cache", "routing-recogniser.lark-cache"]
    assert fresh.returncode == warm.returncode == without.returncode == 0
    assert fresh.stdout == warm.stdout == without.stdout
    assert without.stderr == ""
