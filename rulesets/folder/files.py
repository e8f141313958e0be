"""Files inside an export folder, touched without ever leaving it: nothing below
the folder is followed if it is a symbolic link, files are read only when they are
regular files under a size limit, written through a temporary file renamed into
place (which replaces a link instead of writing through it), and removed one by
one, never a whole tree."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from rulesets.store import StoreError
from rulesets.store.transfer import ImportRefused


def read_inside(root: Path, relative: str, limit: int) -> bytes:
    """The bytes of ROOT/relative, when every step below ROOT is a real folder and
    the file a regular file of at most `limit` bytes; `ImportRefused` otherwise."""
    path = root / relative
    current = root
    for part in Path(relative).parts[:-1]:
        current = current / part
        kind = _kind(current)
        if kind == "link":
            raise ImportRefused(
                f"{current} is a symbolic link: import reads only files in the folder"
            )
        if kind != "folder":
            raise ImportRefused(f"{current} is not a folder")
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise ImportRefused(f"{path} not found: the folder is incomplete") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise ImportRefused(
                f"{path} is a symbolic link: import reads only files in the folder"
            ) from None
        raise ImportRefused(f"{path} cannot be read: {error.strerror or error}") from None
    with os.fdopen(descriptor, "rb") as handle:
        status = os.fstat(handle.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise ImportRefused(f"{path} is not a regular file")
        data = handle.read(limit + 1) if status.st_size <= limit else b""
    if status.st_size > limit or len(data) > limit:
        raise ImportRefused(f"{path} is larger than the limit of {limit:,} bytes for this file")
    return data


def exists_inside(root: Path, relative: str) -> bool:
    return _kind(root / relative) is not None


def writable_folder(path: Path) -> None:
    """`path` as a real folder to write into (created when missing); `StoreError` when
    it is a symbolic link or something other than a folder."""
    kind = _kind(path)
    if kind is None:
        path.mkdir(parents=True)
    elif kind == "link":
        raise StoreError(
            f"{path} is a symbolic link: export never writes through links; remove the link "
            "or choose another folder"
        )
    elif kind != "folder":
        raise StoreError(
            f"{path} exists and is not a folder: move it away or choose another folder"
        )


def write_inside(root: Path, relative: str, data: bytes) -> Path:
    """Write ROOT/relative atomically; its folder must already be a real folder."""
    path = root / relative
    if _kind(path) == "folder":
        raise StoreError(f"{path} is a folder: move it away or choose another folder")
    handle, temporary = tempfile.mkstemp(prefix=".export-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def remove_inside(root: Path, relative: str) -> None:
    """Remove the file ROOT/relative (a link is removed, not followed); a folder is left."""
    path = root / relative
    if _kind(path) not in (None, "folder"):
        path.unlink()


def remove_if_empty(path: Path) -> None:
    if _kind(path) == "folder" and not any(path.iterdir()):
        path.rmdir()


def _kind(path: Path) -> str | None:
    """'link', 'folder', 'file' (anything else), or None when nothing is there."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(mode):
        return "link"
    return "folder" if stat.S_ISDIR(mode) else "file"
