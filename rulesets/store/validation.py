"""What the store checks before it writes: a parsable text (kept in canonical form
and hashed), a usable name, a version number in range, the checker's verdict, the
workflow. (People's names: `rulesets.store.identity`.)"""

from __future__ import annotations

import hashlib
import re

import dsl
from dsl.checker import check_source
from dsl.diff import line_diff
from dsl.errors import RulesetSyntaxError
from rulesets.store.errors import (
    InvalidName,
    InvalidRuleset,
    InvalidTransition,
    NotFound,
    StoreError,
)
from rulesets.store.models import State, VersionRow

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
RESERVED_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"{port}{n}" for port in ("COM", "LPT") for n in range(10)]
)
LAST_VERSION = 1_000_000_000
VERSION_NUMBERS = range(1, LAST_VERSION + 1)
"""Version numbers a ruleset can have (the artifact's `version` field has the same range)."""
MAX_TEXT_BYTES = 1_048_576
"""Largest ruleset text the store keeps, in UTF-8 bytes (1 MiB)."""


def canonical_text(text: str, filename: str = "<ruleset>") -> str:
    """The text as the formatter writes it; what the store keeps and hashes."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_TEXT_BYTES:
        raise StoreError(
            f"{filename} is {size:,} bytes, over the store's limit of {MAX_TEXT_BYTES:,} bytes "
            "for a ruleset text; nothing was saved: split it into several rulesets"
        )
    try:
        return dsl.format_ruleset(dsl.parse(text, filename))
    except RulesetSyntaxError as error:
        raise InvalidRuleset(
            f"{filename} is not a valid ruleset; nothing was saved.",
            [error.diagnostic],
            text,
            filename,
        ) from None


def content_hash(canonical: str) -> str:
    """sha256 of the canonical text: the identity the artifact carries."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def gate(name: str, version: VersionRow, extra_fields: tuple[str, ...] = ()) -> None:
    """Refuse a version the checker finds errors in (before review and publishing)."""
    filename = f"{name}-v{version.number}.route"
    result = check_source(version.text, filename, extra_fields)
    if not result.ok:
        raise InvalidRuleset(
            f"{name} v{version.number} has {len(result.errors)} checker error(s); "
            "fix them, save a new version and submit that one.",
            result.errors,
            version.text,
            filename,
        )


def expect_state(version: VersionRow, state: State, verb: str) -> None:
    if version.state != state.value:
        raise InvalidTransition(
            f"version {version.number} is {version.state}: only a version in {state.value} "
            f"can be {verb}"
        )


def text_diff(name: str, before: VersionRow | None, after: VersionRow) -> str:
    old = before.text if before is not None else ""
    label = f"{name} v{before.number}" if before is not None else "(nothing)"
    return line_diff(old, after.text, label, f"{name} v{after.number}")


def check_name(name: str) -> None:
    """A name that is a safe folder name on every file system and a plain word on a
    command line: letters, digits, `_`, `-`, `.`, not ending in a dot, and none of the
    device names Windows reserves (CON, PRN, AUX, NUL, COM0-9, LPT0-9), with or
    without an extension."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise InvalidName(
            f"{name!r} is not a ruleset name: use letters, digits, '_', '-' or '.', "
            "starting with a letter or digit (at most 100 characters)"
        )
    if name.endswith("."):
        raise InvalidName(f"{name!r} is not a ruleset name: it must not end with a dot")
    if name.split(".", 1)[0].upper() in RESERVED_NAMES:
        raise InvalidName(
            f"{name!r} is not a ruleset name: Windows reserves {name.split('.', 1)[0]!r} "
            "for a device, so its export folder could not be written there"
        )


def case_twin_refused(name: str, twin: str) -> InvalidName:
    return InvalidName(
        f"{name!r} differs only in case from {twin!r}, which exists already: ruleset "
        "names must differ in more than case (each becomes a folder on export, and some "
        f"file systems ignore case); save to {twin!r} or choose another name"
    )


def check_version_number(name: str, number: object) -> int:
    """`number` when it is a version number (1 to LAST_VERSION), else `NotFound`."""
    if isinstance(number, bool) or not isinstance(number, int) or number not in VERSION_NUMBERS:
        raise NotFound(
            f"{name!r} has no version {number}: version numbers run from "
            f"{VERSION_NUMBERS.start} to {VERSION_NUMBERS.stop - 1}"
        )
    return number
