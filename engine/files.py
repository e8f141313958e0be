"""Writing files whole or not at all: decisions, artifacts, exports, formatted
rulesets.

A writer writes into a temporary file beside the target and swaps it in only
when everything was written, so a full disk, a refused event or Ctrl-C leaves the
file that was there before (or none) — never half an output.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO


@contextlib.contextmanager
def replaced_file(path: str | Path) -> Iterator[TextIO]:
    """A text handle whose content replaces the file at `path` when the block ends
    without an error; on an error the temporary file is removed and `path` is left as
    it was. An existing file keeps its permissions, a new one gets the usual ones
    (the umask's); a symbolic link is kept and the file it points to is replaced."""
    path = Path(path).resolve()
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if path.exists() and not path.is_file():  # a device or a pipe is never swapped
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    mode = path.stat().st_mode & 0o7777 if path.exists() else _default_mode()
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_atomically(path: str | Path, text: str) -> None:
    """Replace the file at `path` with `text`, whole or not at all."""
    with replaced_file(path) as out:
        out.write(text)


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
