"""Reading a ruleset file: the one place that turns a path into ruleset text.

It reads at most `MAX_RULESET_BYTES` (+1 to tell), so a device that never ends
(`/dev/zero`, `/dev/urandom`) or a file of gigabytes is refused after a bounded
read instead of filling memory or hanging. Pipes are fine (`<(...)`). The text is
kept exactly as written, line endings included, so `fmt --write` can tell whether
anything changed. Other small text files users hand over (scenario TOML) are read
the same way through `read_text_file`.
"""

from __future__ import annotations

import os
from typing import BinaryIO

from dsl.errors import SourcingError
from dsl.limits import MAX_RULESET_BYTES


class UnreadableRuleset(SourcingError):
    """The file cannot be read as text: missing, a folder, too large, not UTF-8."""


def read_ruleset(path: str | os.PathLike[str]) -> str:
    """The text of the ruleset file at `path`; `UnreadableRuleset` says why not."""
    return read_text_file(path, MAX_RULESET_BYTES, "a ruleset")


def read_ruleset_stream(stream: BinaryIO, name: str) -> str:
    """The ruleset text `stream` holds (standard input, say), bounded like a file."""
    return _read_stream(stream, name, MAX_RULESET_BYTES, "a ruleset")


def read_text_file(path: str | os.PathLike[str], limit: int, kind: str) -> str:
    """The UTF-8 text of the file at `path`, at most `limit` bytes of it (`kind`,
    e.g. "a scenario", names what it should be in the messages)."""
    name = str(path)
    try:
        with open(path, "rb") as handle:
            return _read_stream(handle, name, limit, kind)
    except IsADirectoryError:
        raise UnreadableRuleset(f"{name} is a directory, not {kind} file") from None
    except FileNotFoundError:
        raise UnreadableRuleset(f"no such file: {name}") from None
    except OSError as error:
        raise UnreadableRuleset(f"cannot read {name}: {error.strerror or error}") from None


def _read_stream(stream: BinaryIO, name: str, limit: int, kind: str) -> str:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise UnreadableRuleset(
            f"{name} is larger than the limit of {limit:,} bytes for {kind}; "
            "check that this is the file you meant"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:  # name the first byte that is not UTF-8
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise UnreadableRuleset(
            f"{name}:{line}:{column}: not UTF-8 text (byte 0x{data[error.start]:02x}); "
            "save the file as UTF-8"
        ) from None
