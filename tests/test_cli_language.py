"""`sourcing check` and `sourcing fmt` on real files: exit codes, what they print,
and that `fmt --write` replaces a file whole or not at all."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cli.main import main
from dsl import format_ruleset, parse

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "rulesets").glob("*.route"))

GOOD = """\
ruleset "Small"
timezone "Europe/Paris"

strategy home "Home delivery"
  priority 10
  when order.delivery == "home"
  source from node.type in ["dc", "store"]
  rank by distance
"""

# Two errors (lines 5 and 6) in an otherwise valid ruleset.
BAD = """\
ruleset "Broken"

strategy home
  when order.delivery == "home"
  source from node.type == "warehouse"
  otherwise use backstp

strategy backstop
  source from node.type == "dc"
"""

# Valid, but `anywhere` may ship from any node: one warning.
WARNS = 'ruleset "Loose"\n\nstrategy anywhere\n  rank by cost\n'

# Not canonical: clauses out of order, extra spaces, a comment inside the body.
MESSY = """\
ruleset   "Messy"
strategy a
  rank by distance
  # a note inside
  source from node.type=="dc"
  priority 3
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------ check


def test_check_passes_a_good_file(tmp_path, capsys):
    path = write(tmp_path, "good.route", GOOD)
    code, out, _ = run(capsys, "check", str(path))
    assert code == 0
    assert out == f"{path}: ok (1 strategy)\nchecked 1 file: 0 errors, 0 warnings\n"


def test_check_prints_each_error_with_its_line_and_caret(tmp_path, capsys):
    path = write(tmp_path, "bad.route", BAD)
    code, out, _ = run(capsys, "check", str(path))
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == (
        f'{path}:5:28: error: "warehouse" is not a possible `node.type` (did you mean "dc"?): '
        "use one of dc, store, 3pl, dropship, dark_store"
    )
    assert lines[1] == '      source from node.type == "warehouse"'
    assert lines[2] == "                               ^~~~~~~~~~~"
    assert lines[3].startswith(f"{path}:6:3: error: `otherwise use backstp`: no strategy")
    assert "did you mean `backstop`?" in lines[3]
    assert lines[-1] == "checked 1 file: 2 errors, 0 warnings"


def test_warnings_fail_only_with_strict(tmp_path, capsys):
    path = write(tmp_path, "loose.route", WARNS)
    code, out, _ = run(capsys, "check", str(path))
    assert code == 0
    assert f"{path}:3:10: warning: strategy `anywhere` may ship from every node" in out
    assert out.endswith("checked 1 file: 0 errors, 1 warning\n")
    assert run(capsys, "check", "--strict", str(path))[0] == 1


def test_check_reports_a_syntax_error(tmp_path, capsys):
    path = write(tmp_path, "typo.route", GOOD.replace("priority 10", "prority 10"))
    code, out, _ = run(capsys, "check", str(path))
    assert code == 1
    assert f"{path}:5:3: error: unknown word `prority` at the start of a line" in out


def test_check_several_files_sums_up(tmp_path, capsys):
    good, bad = write(tmp_path, "g.route", GOOD), write(tmp_path, "b.route", BAD)
    code, out, _ = run(capsys, "check", str(good), str(bad))
    assert code == 1
    assert out.splitlines()[-1] == "checked 2 files: 2 errors, 0 warnings"


def test_unreadable_files_exit_2_with_a_clear_message(tmp_path, capsys):
    good = write(tmp_path, "g.route", GOOD)
    binary = tmp_path / "b.route"
    binary.write_bytes(b"\xff\xfe\x00strategy")
    code, out, err = run(capsys, "check", str(good), str(tmp_path / "missing.route"), str(binary))
    assert code == 2
    assert f"{tmp_path / 'missing.route'}: error: no such file" in err
    assert f"{binary}: error: {binary}:1:1: not UTF-8 text (byte 0xff)" in err
    assert out.splitlines()[-1] == "checked 3 files: 0 errors, 0 warnings, 2 unreadable"
    code, _, err = run(capsys, "check", str(tmp_path))
    assert code == 2 and "is a directory" in err


EXTRA = GOOD.replace(
    "  rank by distance\n",
    '  keep 1 unit at node.zone == "north"\n  rank by distance\n',
).replace('when order.delivery == "home"', 'when order.delivery == "home" and line.brand == "acme"')


def test_data_columns_become_fields(tmp_path, capsys):
    path = write(tmp_path, "extra.route", EXTRA)
    code, out, _ = run(capsys, "check", str(path))
    assert code == 1
    assert "unknown field `line.brand`" in out and "unknown field `node.zone`" in out

    nodes = write(tmp_path, "nodes.csv", "\ufeffid,name,type,zone\nDC1,Lyon,dc,south\n")
    orders = tmp_path / "orders.parquet"
    pq.write_table(pa.table({"order_id": ["o1"], "sku": ["A"], "brand": ["acme"]}), orders)
    code, out, _ = run(capsys, "check", str(path), "--nodes", str(nodes), "--orders", str(orders))
    assert code == 0, out


def test_unreadable_data_exits_2(tmp_path, capsys):
    path = write(tmp_path, "good.route", GOOD)
    code, _, err = run(capsys, "check", str(path), "--nodes", str(tmp_path / "nodes.csv"))
    assert code == 2 and "nodes.csv" in err
    empty = write(tmp_path, "empty.csv", "")
    code, _, err = run(capsys, "check", str(path), "--orders", str(empty))
    assert code == 2 and "expected a header row" in err
    fake = tmp_path / "fake.parquet"
    fake.write_bytes(b"PAR1 not really")
    code, _, err = run(capsys, "check", str(path), "--nodes", str(fake))
    assert code == 2 and "not a readable Parquet file" in err


def test_a_wide_or_endless_data_header_is_refused_as_the_loaders_refuse_it(tmp_path, capsys):
    """`check --nodes` took 200,000 columns the loaders refuse, and called a CSV header
    of 300,000 characters "not a readable Parquet file"."""
    path = write(tmp_path, "good.route", GOOD)
    wide = write(tmp_path, "wide.csv", ",".join(f"c{i}" for i in range(501)) + "\n")
    code, _, err = run(capsys, "check", str(path), "--nodes", str(wide))
    assert code == 2 and "wide.csv: 501 columns; a table has at most 500" in err
    endless = write(tmp_path, "endless.csv", "a" * 300_000)
    code, _, err = run(capsys, "check", str(path), "--orders", str(endless))
    assert code == 2 and "endless.csv: the header row is not readable CSV" in err


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_rulesets_check_clean(path, capsys):
    code, out, _ = run(capsys, "check", str(path))
    assert code == 0
    assert out.splitlines()[-1] == "checked 1 file: 0 errors, 0 warnings"


def test_the_installed_command_runs_as_a_program():
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "check", *map(str, SHIPPED)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"checked {len(SHIPPED)} file" in result.stdout


# -------------------------------------------------------------------- fmt


def test_fmt_prints_the_canonical_text(tmp_path, capsys):
    path = write(tmp_path, "messy.route", MESSY)
    code, out, _ = run(capsys, "fmt", str(path))
    assert code == 0
    assert out == (
        'ruleset "Messy"\n\n# a note inside\nstrategy a\n  priority 3\n'
        '  source from node.type == "dc"\n  rank by distance\n'
    )
    assert path.read_text(encoding="utf-8") == MESSY


def test_fmt_check_says_what_is_not_canonical(tmp_path, capsys):
    messy, good = write(tmp_path, "messy.route", MESSY), write(tmp_path, "good.route", GOOD)
    code, out, _ = run(capsys, "fmt", "--check", str(messy))
    assert code == 1
    assert f"{messy}: not in canonical form: run `sourcing fmt --write {messy}`" in out
    assert '+  source from node.type == "dc"' in out
    code, out, _ = run(capsys, "fmt", "--check", str(good))
    assert (code, out) == (0, f"{good}: already canonical\n")


def test_fmt_write_rewrites_in_place_and_keeps_permissions(tmp_path, capsys):
    path = write(tmp_path, "messy.route", MESSY)
    os.chmod(path, 0o640)
    code, out, _ = run(capsys, "fmt", "--write", str(path))
    assert (code, out) == (0, f"{path}: reformatted\n")
    text = path.read_text(encoding="utf-8")
    assert text == format_ruleset(parse(MESSY))
    assert parse(text) == parse(MESSY)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["messy.route"]
    assert run(capsys, "fmt", "--check", str(path))[0] == 0


def test_fmt_write_leaves_a_file_with_a_syntax_error_untouched(tmp_path, capsys):
    broken = MESSY.replace("priority 3", "priority three")
    path = write(tmp_path, "broken.route", broken)
    code, out, err = run(capsys, "fmt", "--write", str(path))
    assert code == 1
    assert f"{path}:6:12: error: unexpected `three` after `priority`: expected a number" in out
    assert "not formatted" in err
    assert path.read_text(encoding="utf-8") == broken
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.route"]


def test_fmt_turns_windows_line_endings_into_canonical_ones(tmp_path, capsys):
    path = tmp_path / "crlf.route"
    path.write_bytes(GOOD.replace("\n", "\r\n").encode())
    assert run(capsys, "fmt", "--check", str(path))[0] == 1
    assert run(capsys, "fmt", "--write", str(path))[0] == 0
    assert path.read_bytes() == GOOD.encode()


def test_fmt_missing_file_and_several_files_to_print(tmp_path, capsys):
    code, _, err = run(capsys, "fmt", str(tmp_path / "none.route"))
    assert code == 2 and "no such file" in err
    one, two = write(tmp_path, "1.route", GOOD), write(tmp_path, "2.route", GOOD)
    code, _, err = run(capsys, "fmt", str(one), str(two))
    assert code == 2 and "give one file to print, or use --write or --check" in err
    assert run(capsys, "fmt", "--check", str(one), str(two))[0] == 0


def test_fmt_write_on_a_symlink_rewrites_its_target_and_keeps_the_link(tmp_path, capsys):
    (tmp_path / "shared").mkdir()
    target = write(tmp_path / "shared", "messy.route", MESSY)
    os.chmod(target, 0o640)
    link = tmp_path / "linked.route"
    link.symlink_to(os.path.relpath(target, tmp_path))
    code, out, _ = run(capsys, "fmt", "--write", str(link))
    assert (code, out) == (0, f"{link}: reformatted\n")
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert target.read_text(encoding="utf-8") == format_ruleset(parse(MESSY))
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in (tmp_path / "shared").iterdir()) == ["messy.route"]


_LOADED_BY_CHECK = """
import sys
from cli.main import main

code = main(sys.argv[1:])
heavy = ("numpy", "pandas", "pyarrow", "simulations", "rulesets", "engine.session")
print(sorted(m for m in sys.modules if m.startswith(heavy)), code, file=sys.stderr)
"""


def test_check_without_data_loads_the_language_and_nothing_of_the_engine_core(tmp_path):
    """Checking a ruleset needs only the language: `sourcing check` must not pay for
    the kernel, numpy, pandas or the store (half a second and more of imports)."""
    path = tmp_path / "r.route"
    path.write_text(GOOD, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-c", _LOADED_BY_CHECK, "check", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert run.stderr.splitlines()[-1] == "[] 0"
