"""Reading a ruleset file: bounded, UTF-8, and every refusal says why."""

from __future__ import annotations

import io
import os

import pytest

from cli.main import main
from dsl.errors import SourcingError
from dsl.limits import MAX_RULESET_BYTES
from dsl.source import UnreadableRuleset, read_ruleset, read_ruleset_stream

GOOD = 'strategy nearest "Nearest"\n  use nearest_node\n'


def test_a_ruleset_reads_back_exactly_line_endings_included(tmp_path):
    path = tmp_path / "r.route"
    path.write_bytes(GOOD.replace("\n", "\r\n").encode())
    assert read_ruleset(path) == GOOD.replace("\n", "\r\n")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs a /dev/zero device")
def test_check_on_an_endless_device_is_refused_not_hung(capsys):
    assert main(["check", "/dev/zero"]) == 2
    err = capsys.readouterr().err
    assert f"/dev/zero is larger than the limit of {MAX_RULESET_BYTES:,} bytes" in err


def test_a_file_one_byte_over_the_limit_is_refused_and_one_at_it_is_read(tmp_path):
    at_limit = tmp_path / "at.route"
    at_limit.write_bytes(b"#" * (MAX_RULESET_BYTES - 1) + b"\n")
    assert len(read_ruleset(at_limit)) == MAX_RULESET_BYTES
    over = tmp_path / "over.route"
    over.write_bytes(b"#" * MAX_RULESET_BYTES + b"\n")
    with pytest.raises(UnreadableRuleset, match="larger than the limit"):
        read_ruleset(over)


def test_a_latin1_file_names_the_line_and_column_of_the_first_bad_byte(tmp_path):
    path = tmp_path / "latin1.route"
    path.write_bytes('strategy a "Près"\n  use nearest_node\n'.encode("latin-1"))
    with pytest.raises(UnreadableRuleset) as raised:
        read_ruleset(path)
    assert str(raised.value) == (f"{path}:1:15: not UTF-8 text (byte 0xe8); save the file as UTF-8")
    assert isinstance(raised.value, SourcingError)


def test_a_stream_is_bounded_like_a_file():
    assert read_ruleset_stream(io.BytesIO(GOOD.encode()), "standard input") == GOOD
    with pytest.raises(UnreadableRuleset, match="standard input is larger"):
        read_ruleset_stream(io.BytesIO(b" " * (MAX_RULESET_BYTES + 1)), "standard input")


def test_a_folder_and_a_missing_file_are_named(tmp_path):
    with pytest.raises(UnreadableRuleset, match="is a directory, not a ruleset file"):
        read_ruleset(tmp_path)
    with pytest.raises(UnreadableRuleset, match="no such file"):
        read_ruleset(tmp_path / "missing.route")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs a /dev/zero device")
@pytest.mark.parametrize("command", ["route", "export"])
@pytest.mark.usefixtures("signing")
def test_route_and_export_refuse_an_endless_ruleset_with_a_message(command, tmp_path, capsys):
    if command == "route":  # the ruleset is read before the tables
        args = [
            "route",
            "/dev/zero",
            "--nodes",
            "n.csv",
            "--inventory",
            "i.csv",
            "--orders",
            "o.csv",
        ]
    else:
        args = ["export", "/dev/zero", "--out", str(tmp_path / "a.json")]
    assert main(args) == 2
    assert "/dev/zero is larger than the limit" in capsys.readouterr().err
    assert not (tmp_path / "a.json").exists()
