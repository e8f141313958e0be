"""What the store checks before it writes: a parsable text (kept in canonical form
and hashed), a usable name, a named person, the checker's verdict, the workflow."""

from __future__ import annotations

import hashlib
import re

import dsl
from dsl.checker import check_source
from dsl.diagnostics import RulesetSyntaxError
from dsl.diff import line_diff
from rulesets.store.errors import InvalidName, InvalidRuleset, InvalidTransition, StoreError
from rulesets.store.models import State, VersionRow

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


def canonical_text(text: str, filename: str = "<ruleset>") -> str:
    """The text as the formatter writes it; what the store keeps and hashes."""
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
    if not NAME_PATTERN.fullmatch(name or ""):
        raise InvalidName(
            f"{name!r} is not a ruleset name: use letters, digits, '_', '-' or '.', "
            "starting with a letter or digit (at most 100 characters)"
        )


def person(who: str, role: str) -> str:
    who = (who or "").strip()
    if not who or len(who) > 200:
        raise StoreError(f"the {role} must be named (1 to 200 characters)")
    return who


def same_person(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()
