"""Say what the parser expected in words a business user knows, not token names."""

from __future__ import annotations

import difflib

from lark import Token

CLAUSES = {
    "PRIORITY": "priority",
    "EFFECTIVE": "effective",
    "WHEN": "when",
    "SOURCE": "source from",
    "WITHIN": "within",
    "KEEP": "keep",
    "RANK": "rank by",
    "SPLIT": "split",
    "OTHERWISE": "otherwise use",
    "ON": "on shortage",
}
_HEADERS = {"RULESET": "ruleset", "TIMEZONE": "timezone", "STRATEGY": "strategy"}
_VALUE_STARTS = {"PATH", "IDENT", "STRING", "NUMBER", "DATE", "TRUE", "FALSE", "LSQB", "LPAR"}
_OPERATORS = {"COMPARE", "IN", "HAS", "NOT", "AND", "OR"}
_WORDS = {
    "NUMBER": "a number",
    "STRING": 'a text in double quotes (like "web")',
    "IDENT": "a name",
    "PATH": "a field (like `order.channel`)",
    "DATE": "a date (like 2026-11-15)",
    "_NL": "the end of the line",
    "$END": "the end of the file",
    "COMPARE": "a comparison (==, !=, <, <=, >, >=)",
    "UNIT": "`units`",
    "DIRECTION": "`asc` or `desc`",
    "SHORTAGE": "`backorder`, `partial` or `reject`",
    "COMMA": "`,`",
    "LSQB": "`[`",
    "RSQB": "`]`",
    "LPAR": "`(`",
    "RPAR": "`)`",
}


def words_for(expected: set[str]) -> list[str]:
    """Group the expected terminals into phrases, most useful first."""
    left = set(expected)
    phrases: list[str] = []
    if set(CLAUSES) <= left:
        phrases.append("a clause (" + ", ".join(f"`{c}`" for c in CLAUSES.values()) + ")")
        left -= set(CLAUSES)
        if "STRATEGY" in left:
            phrases.append("a new `strategy`")
            left.discard("STRATEGY")
    if {"PATH", "STRING", "NUMBER"} <= left:
        phrases.append('a value or a field (like `order.channel`, "web", 3 or [1, 2])')
        left -= _VALUE_STARTS | {"NOT"}
    if {"COMPARE", "AND", "OR"} <= left:
        phrases.append("an operator (==, in, has, and, or, ...)")
        left -= _OPERATORS
    for name in sorted(left, key=_order):
        phrases.append(_WORDS.get(name) or f"`{name.lower()}`")
    return phrases


def _order(name: str) -> tuple[int, str]:
    return (1 if name in ("_NL", "$END") else 0, name)


def join_or(phrases: list[str]) -> str:
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " or " + phrases[-1]


def describe_unexpected(token: Token, expected: set[str], line_text: str, column: int) -> str:
    """One sentence: what went wrong at `token` and what would have been right."""
    before = line_text[: column - 1].split("#")[0].strip()
    after = f" after `{before}`" if before and len(before) <= 40 else ""
    wanted = join_or(words_for(expected))
    if token.type in ("_NL", "$END"):
        opener = _unclosed(before, expected)
        if opener:
            return opener
        return f"expected {wanted}{after}"
    if token.type == "IDENT" and set(CLAUSES) <= expected:
        return _unknown_clause(str(token), wanted)
    if not before and token.type == "IDENT" and "STRATEGY" in expected:
        return _unknown_clause(str(token), wanted)
    return f"unexpected `{token}`{after}: expected {wanted}"


def _unclosed(before: str, expected: set[str]) -> str | None:
    for opener, closer, name, what in (("[", "]", "RSQB", "list"), ("(", ")", "RPAR", "group")):
        if name in expected and before.count(opener) > before.count(closer):
            return f"this {what} is not closed: add `{closer}` before the end of the line"
    return None


def _unknown_clause(word: str, wanted: str) -> str:
    known = list(CLAUSES.values()) + list(_HEADERS.values())
    first_words = {phrase.split()[0]: phrase for phrase in known}
    close = difflib.get_close_matches(word, list(first_words), n=1, cutoff=0.6)
    hint = f"; did you mean `{first_words[close[0]]}`?" if close else ""
    return f"unknown word `{word}` at the start of a line{hint} Expected {wanted}"
