"""The rooms' layering rule, stated as import-linter contracts in pyproject.toml,
holds for the code as it is, and really fails when someone breaks it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROOMS = ("dsl", "engine", "simulations", "rulesets", "studio", "cli", "service")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on `project` with its own pyproject.toml (it analyses the
    packages found from the working directory first)."""
    command = shutil.which("lint-imports") if not LINT_IMPORTS.exists() else str(LINT_IMPORTS)
    assert command, "lint-imports is not installed: run `make setup`"
    return subprocess.run(
        [command, "--config", str(project / "pyproject.toml"), "--no-cache"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_project_keeps_its_layering_contracts():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """The rooms and the contracts, copied to a scratch directory to be broken there."""
    for room in ROOMS:
        shutil.copytree(
            ROOT / room, tmp_path / room, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(
    ("module", "statement", "contract", "violation"),
    [
        (
            "dsl/syntax.py",
            "import streamlit",
            "The engine and the language carry no UI or storage dependency",
            "dsl.syntax -> streamlit",
        ),
        (
            "engine/__init__.py",
            "import sqlalchemy",
            "The engine and the language carry no UI or storage dependency",
            "engine -> sqlalchemy",
        ),
        (
            "dsl/parser.py",
            "import studio",
            "Rooms depend downward only",
            "dsl.parser -> studio",
        ),
    ],
    ids=["dsl-imports-streamlit", "engine-imports-sqlalchemy", "dsl-imports-studio"],
)
def test_a_forbidden_import_breaks_the_contract(
    project_copy: Path, module: str, statement: str, contract: str, violation: str
):
    target = project_copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{statement}\n", encoding="utf-8")

    result = lint_imports(project_copy)

    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert f"{contract} BROKEN" in output
    assert violation in output
