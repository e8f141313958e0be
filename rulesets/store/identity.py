"""People as the store records and compares them. A name is recorded in its
normalised form and two names are the same person when their normalised forms
match without regard to case, so "alice", "ALICE", "ａｌｉｃｅ" and "alice" followed
by a zero-width space are one person: a reviewer cannot pass for someone else by
typing characters nobody sees. Every comparison of people goes through
`same_person` (publishing, import, export)."""

from __future__ import annotations

import unicodedata

from rulesets.store.errors import StoreError

MAX_NAME_LENGTH = 200
"""Longest name recorded, in characters, after normalisation (the database column's size)."""


def normalised_name(name: str) -> str:
    """The name as recorded: format characters (category Cf: zero-width spaces and
    joiners, bidi controls, byte-order marks) removed, Unicode NFKC (full-width
    letters, ligatures and no-break spaces become their plain forms), whitespace
    trimmed and every run of it collapsed to one space."""
    text = unicodedata.normalize("NFKC", _without_format_characters(name))
    return " ".join(_without_format_characters(text).split())


def identity(name: str) -> str:
    """What two names must share to be the same person: the normalised name, case-folded."""
    return unicodedata.normalize("NFKC", normalised_name(name).casefold())


def same_person(a: str, b: str) -> bool:
    return identity(a) == identity(b)


def person(who: str | None, role: str) -> str:
    """`who` normalised, or `StoreError` when nothing is left of it, when it is too
    long or when it holds control characters."""
    name = normalised_name(who or "")
    if not name or len(name) > MAX_NAME_LENGTH:
        raise StoreError(f"the {role} must be named (1 to {MAX_NAME_LENGTH} visible characters)")
    if any(unicodedata.category(char) in {"Cc", "Cs"} for char in name):
        raise StoreError(f"the {role}'s name {name!r} holds control characters: type it plainly")
    return name


def _without_format_characters(text: str) -> str:
    return "".join(char for char in text if unicodedata.category(char) != "Cf")
