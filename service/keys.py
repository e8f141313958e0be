"""API keys: bearer tokens, each with a name and scopes, kept **hashed** at rest.

A keys file holds one key a line, `NAME:SCOPES:sha256:HEX` — the name, the
comma-separated scopes, and the SHA-256 of the token in hex; `#` starts a
comment line. The token itself is printed once, when the key is made
(`python -m service keys add NAME --scopes route,events --file keys.txt`),
and never stored. Tokens are 256 random bits, not passwords: one SHA-256 is
enough to make a stolen file useless, and a slow password hash would only add
its cost to every request. A presented token is hashed and compared with
every key's hash in constant time (`hmac.compare_digest`).

The service reads the keys from the file named by `SOURCING_SERVICE_KEYS_FILE`
(re-read when it changes, for rotation without a restart) or from
`SOURCING_SERVICE_KEYS` (the same lines, separated by newlines or spaces).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from engine.limits import name_problem

SCOPES = ("route", "read", "events", "holds", "admin")
"""`route`: POST /route; `read`: the GET endpoints but /health; `events`: POST
/events; `holds`: stock held for baskets (reserved for those endpoints);
`admin`: every scope."""
TOKEN_PREFIX = "sst_"
MAX_TOKEN_LENGTH = 200
KEYS_FILE_VARIABLE = "SOURCING_SERVICE_KEYS_FILE"
KEYS_VARIABLE = "SOURCING_SERVICE_KEYS"


class KeysProblem(ValueError):
    """A keys file or variable that cannot be used, with where and why."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    name: str
    scopes: frozenset[str]
    digest: bytes
    """SHA-256 of the token."""

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes

    def line(self) -> str:
        return f"{self.name}:{','.join(sorted(self.scopes))}:sha256:{self.digest.hex()}"


def new_token() -> str:
    """A fresh token: the prefix (so a leaked token is recognisable) and 256 random bits."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def make_key(name: str, scopes: str | list[str]) -> tuple[ApiKey, str]:
    """A new key and its token (show the token once; keep only the key)."""
    problem = name_problem(name, 64)
    if problem is not None or ":" in name or any(c.isspace() for c in name):
        raise KeysProblem(f"a key's name is 1–64 characters without ':' or spaces; {name!r} is not")
    token = new_token()
    return ApiKey(name, _scopes(scopes, f"key {name!r}"), digest(token)), token


def _scopes(text: str | list[str], where: str) -> frozenset[str]:
    names = [s.strip() for s in (text.split(",") if isinstance(text, str) else text)]
    names = [s for s in names if s]
    unknown = [s for s in names if s not in SCOPES]
    if unknown or not names:
        raise KeysProblem(
            f"{where}: scopes must be some of {', '.join(SCOPES)} (comma-separated); "
            f"got {','.join(names) or 'none'}"
        )
    return frozenset(names)


def parse_keys(text: str, source: str, *, lines: bool = True) -> list[ApiKey]:
    """Keys from a keys file's text (`lines`) or a variable (any whitespace
    between entries); KeysProblem naming the source and the line at fault."""
    entries = text.splitlines() if lines else text.split()
    keys: list[ApiKey] = []
    names: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        entry = entry.strip()
        if not entry or entry.startswith("#"):
            continue
        where = f"{source}, line {number}" if lines else f"{source}, entry {number}"
        parts = entry.split(":")
        if len(parts) != 4 or parts[2] != "sha256":
            raise KeysProblem(f"{where}: expected NAME:SCOPES:sha256:HEX")
        name, scopes, _, hex_digest = parts
        try:
            raw = bytes.fromhex(hex_digest)
        except ValueError:
            raw = b""
        if len(raw) != 32:
            raise KeysProblem(f"{where}: the hash must be 64 hexadecimal digits (SHA-256)")
        if not name or name in names:
            raise KeysProblem(f"{where}: each key has its own, non-empty name ({name!r})")
        names.add(name)
        keys.append(ApiKey(name, _scopes(scopes, where), raw))
    return keys


class KeyRing:
    """The keys a service accepts. From a file, they are read again when the
    file changes (size, modification time or inode); a file that no longer
    reads keeps the keys in force and the problem goes to stderr."""

    def __init__(self, keys: list[ApiKey], path: Path | None = None):
        self.keys = list(keys)
        self.path = path
        self._stamp = self._stat() if path is not None else None

    @classmethod
    def from_file(cls, path: str | Path) -> KeyRing:
        path = Path(path)
        return cls(_read(path), path)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> KeyRing:
        environ = os.environ if environ is None else environ
        file = environ.get(KEYS_FILE_VARIABLE)
        if file:
            return cls.from_file(file)
        text = environ.get(KEYS_VARIABLE, "")
        keys = parse_keys(text, KEYS_VARIABLE, lines=False)
        if not keys:
            raise KeysProblem(
                f"no API key: set {KEYS_FILE_VARIABLE} to a keys file (or {KEYS_VARIABLE} to "
                "its lines); make a key with `python -m service keys add NAME --scopes "
                "route,read --file keys.txt`"
            )
        return cls(keys)

    def find(self, token: str) -> ApiKey | None:
        """The key whose hash is the token's, or None; every key is compared."""
        self._refresh()
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        presented = digest(token)
        found = None
        for key in self.keys:
            if hmac.compare_digest(key.digest, presented):
                found = key
        return found

    def _stat(self) -> tuple | None:
        try:
            info = self.path.stat()
        except OSError:
            return None
        return info.st_mtime_ns, info.st_size, info.st_ino

    def _refresh(self) -> None:
        if self.path is None:
            return
        stamp = self._stat()
        if stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            self.keys = _read(self.path)
        except KeysProblem as error:
            print(f"service: {error}; the keys in force are kept", file=sys.stderr)


def _read(path: Path) -> list[ApiKey]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise KeysProblem(f"{path}: cannot read the keys file ({error})") from None
    return parse_keys(text, str(path))


# ------------------------------------------------------------ command line


def main(argv: list[str]) -> int:
    """`python -m service keys add|list|remove ...`: manage a keys file."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m service keys",
        description="API keys of the routing service: the file keeps only their hashes.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add = commands.add_parser("add", help="make a key: prints its token once")
    add.add_argument("name", help="who the key is for (e.g. oms-prod-2026-12)")
    add.add_argument("--scopes", required=True, help=f"comma-separated: {', '.join(SCOPES)}")
    add.add_argument("--file", required=True, type=Path, help="keys file (created if needed)")
    listing = commands.add_parser("list", help="names and scopes of the keys in a file")
    listing.add_argument("--file", required=True, type=Path)
    remove = commands.add_parser("remove", help="revoke a key by its name")
    remove.add_argument("name")
    remove.add_argument("--file", required=True, type=Path)
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except KeysProblem as error:
        print(f"python -m service keys: {error}", file=sys.stderr)
        return 2


def _run(args) -> int:
    path: Path = args.file
    keys = _read(path) if path.exists() else []
    if args.command == "list":
        for key in keys:
            print(f"{key.name}\t{','.join(sorted(key.scopes))}")
        return 0
    if args.command == "add":
        if any(key.name == args.name for key in keys):
            raise KeysProblem(f"{path}: a key named {args.name!r} exists; remove it first")
        key, token = make_key(args.name, args.scopes)
        _write(path, [*keys, key])
        print(token)
        print(
            f"key {key.name!r} ({','.join(sorted(key.scopes))}) added to {path}; the token "
            "above is shown once: give it to the client now",
            file=sys.stderr,
        )
        return 0
    kept = [key for key in keys if key.name != args.name]
    if len(kept) == len(keys):
        raise KeysProblem(f"{path}: no key named {args.name!r}")
    _write(path, kept)
    print(f"key {args.name!r} removed from {path}", file=sys.stderr)
    return 0


def _write(path: Path, keys: list[ApiKey]) -> None:
    """Write the file atomically, readable by its owner only."""
    text = "# API keys of the routing service: NAME:SCOPES:sha256:HEX\n"
    text += "".join(key.line() + "\n" for key in keys)
    spare = path.with_name(path.name + ".new")
    descriptor = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(spare, path)
