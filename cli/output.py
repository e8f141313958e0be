"""Where a command writes its results: a file replaced whole, or a stream."""

from __future__ import annotations

import contextlib
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from engine.files import replaced_file


@contextlib.contextmanager
def output(path: str | None) -> Iterator[TextIO]:
    """Where a command writes its results: `replaced_file(path)` for a file (new or
    existing); standard output when no path is given; and a device or a pipe that
    already exists (`/dev/stdout`, `/dev/null`, a named pipe) written into as it
    is — it is a stream, there is nothing to replace."""
    if path is None:
        yield sys.stdout
        return
    if _is_stream(Path(path)):
        with open(path, "w", encoding="utf-8", newline="") as out:
            yield out
        return
    with replaced_file(path) as out:
        yield out


def _is_stream(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))
