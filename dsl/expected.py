"""Say what the parser expected in words a business user knows, not token names."""

from __future__ import annotations

import difflib
import re

from lark import Token

from dsl import characters
from dsl.schema import CARRIER_KEYS
from dsl.syntax import DISPOSITIONS

CLAUSES = {
    "PRIORITY": "priority",
    "EFFECTIVE": "effective",
    "WHEN": "when",
    "LINES": "lines where",
    "SOURCE": "source from",
    "TRANSFER": "transfer from",
    "SEND": "send to",
    "WITHIN": "within",
    "KEEP": "keep",
    "SHIP": "ship with",
    "DELIVER": "deliver",
    "CARRIER": "carrier by",
    "RANK": "rank by",
    "DISPOSITION": "disposition",
    "RESTOCK": "restock after",
    "SPLIT": "split",
    "OTHERWISE": "otherwise use",
    "ON": "on shortage",
}
"""The first word of each clause, in the canonical order (`dsl.formatter`)."""
RETURN_CLAUSES = {"SEND", "DISPOSITION", "RESTOCK"}
"""The clauses of return strategies (the checker refuses them in order strategies)."""
_HEADERS = {
    "RULESET": "ruleset",
    "TIMEZONE": "timezone",
    "STRATEGY": "strategy",
    "RETURN": "return strategy",
}
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
    "DAYS": "`days`",
    "DIRECTION": "`asc` or `desc`",
    "SHORTAGE": "`backorder`, `partial` or `reject`",
    "COMMA": "`,`",
    "COLON": "`:`",
    "ARROW": "`->`",
    "RETURN": "`return strategy`",
    "LSQB": "`[`",
    "RSQB": "`]`",
    "LPAR": "`(`",
    "RPAR": "`)`",
}


def words_for(expected: set[str], words: dict[str, str] | None = None) -> list[str]:
    """Group the expected terminals into phrases, most useful first; `words` says
    some terminals in the words of the clause at hand."""
    left = set(expected)
    phrases: list[str] = []
    if set(CLAUSES) <= left:
        phrases.append("a clause (" + ", ".join(f"`{c}`" for c in CLAUSES.values()) + ")")
        left -= set(CLAUSES)
        if "STRATEGY" in left:
            phrases.append("a new `strategy` (or `return strategy`)")
            left -= {"STRATEGY", "RETURN"}
    if {"IDENT", "STRING", "NUMBER"} <= left and "PATH" not in left:
        phrases.append('a value (a word such as `new`, a text such as "new", or a number)')
        left -= {"IDENT", "STRING", "NUMBER"}
    if {"PATH", "STRING", "NUMBER"} <= left:
        phrases.append('a value or a field (like `order.channel`, "web", 3 or [1, 2])')
        left -= _VALUE_STARTS | {"NOT"}
    if {"COMPARE", "AND", "OR"} <= left:
        phrases.append("an operator (==, in, has, and, or, ...)")
        left -= _OPERATORS
    for name in sorted(left, key=_order):
        phrases.append((words or {}).get(name) or _WORDS.get(name) or f"`{name.lower()}`")
    return phrases


def _order(name: str) -> tuple[int, str]:
    return (1 if name in ("_NL", "$END") else 0, name)


def join_or(phrases: list[str]) -> str:
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " or " + phrases[-1]


_CARRIER_WORDS = {"IDENT": "a carrier key (" + join_or([f"`{k}`" for k in CARRIER_KEYS]) + ")"}
"""After `carrier by`, a name is one of the carrier keys."""
_DISPOSITION_WORDS = {"IDENT": "a disposition (" + join_or([f"`{d}`" for d in DISPOSITIONS]) + ")"}
"""After `disposition` or `->`, a name is a disposition."""


def _clause_words(before: str) -> dict[str, str] | None:
    """What a name means at the end of `before`, in the words of its clause."""
    first = before.split()[:1]
    if first == ["carrier"]:
        return _CARRIER_WORDS
    if first == ["disposition"] and (before == "disposition" or before.endswith("->")):
        return _DISPOSITION_WORDS
    return None


def describe_unexpected(token: Token, expected: set[str], line_text: str, column: int) -> str:
    """One sentence: what went wrong at `token` and what would have been right."""
    before = line_text[: column - 1].split("#")[0].strip()
    after = f" after `{before}`" if before and len(before) <= 40 else ""
    expected = _in_context(expected, before)
    wanted = join_or(words_for(expected, _clause_words(before)))
    if token.type in ("_NL", "$END"):
        opener = _unclosed(before, expected)
        if opener:
            return opener
        return f"expected {wanted}{after}"
    if token.type == "IDENT" and set(CLAUSES) <= expected:
        return _unknown_clause(str(token), wanted)
    if not before and token.type == "IDENT" and "STRATEGY" in expected:
        return _unknown_clause(str(token), wanted)
    if token.type in ("RULESET", "TIMEZONE") and set(CLAUSES) <= expected:
        return f"`{token}` belongs at the top of the file, before the first strategy"
    if token.type in CLAUSES and "STRATEGY" in expected and not set(CLAUSES) <= expected:
        header = "return strategy" if token.type in RETURN_CLAUSES else "strategy"
        return (
            f"`{CLAUSES[token.type]}` must be inside a strategy: "
            f"start one above it with `{header} ID`"
        )
    if before == "ship" and str(token) == "from":
        return (
            "`ship from` is not a clause: the nodes an order ships from are chosen with "
            "`source from`; `ship with` chooses the carrier services"
        )
    label = re.fullmatch(r"((?:return\s+)?strategy)\s+(\w+)", before)
    if label and token.type == "IDENT":
        words = line_text[column - 1 :].split("#")[0].strip()
        header = " ".join(label[1].split())
        return (
            "a strategy id is one word: put the label in double quotes, "
            f'like `{header} {label[2]} "{words}"`'
        )
    return f"unexpected `{token}`{after}: expected {wanted}"


def _in_context(expected: set[str], before: str) -> set[str]:
    """Drop what the parser's merged states allow but this line cannot take: `asc`/`desc`
    outside `rank by`, closing brackets (or a list comma) with nothing open, operators
    or the end of the line inside a list, and `:` outside the value of `disposition by`."""
    rank = before.split()[:1] == ["rank"]
    keys = rank or before.split()[:1] in (["carrier"], ["disposition"])
    in_list = before.count("[") > before.count("]")
    drop = set()
    if before.split()[:2] == ["disposition", "by"] and ":" not in before:
        drop |= {"COMMA", "_NL"}  # the value to match, before its cases
    else:
        drop.add("COLON")  # only that value ends with `:`
    if not rank:
        drop.add("DIRECTION")
    if not in_list:
        drop.add("RSQB")
        if not keys:
            drop.add("COMMA")
    else:
        drop |= _OPERATORS | {"_NL"}
    if before.count("(") <= before.count(")"):
        drop.add("RPAR")
    else:
        drop.add("_NL")
    return (expected - drop) or expected


def _unclosed(before: str, expected: set[str]) -> str | None:
    for opener, closer, name, what in (("[", "]", "RSQB", "list"), ("(", ")", "RPAR", "group")):
        if name in expected and before.count(opener) > before.count(closer):
            return f"this {what} is not closed: add `{closer}` before the end of the line"
    return None


def _unknown_clause(word: str, wanted: str) -> str:
    known = list(CLAUSES.values()) + list(_HEADERS.values())
    first_words = {phrase.split()[0]: phrase for phrase in known}
    close = difflib.get_close_matches(word, list(first_words), n=1, cutoff=0.6)
    if close:
        return (
            f"unknown word `{word}` at the start of a line: did you mean `{first_words[close[0]]}`?"
        )
    return f"unknown word `{word}` at the start of a line: expected {wanted}"


_CHARACTER_HINTS = {
    "=": "did you mean `==`?",
    "&": "write `and`",
    "|": "write `or`",
    "!": 'write `not`, or `!=` for "differs from"',
    "'": 'text goes in double quotes, like "web"',
    "\u201c": 'use straight double quotes ("), not curly ones',
    "\u201d": 'use straight double quotes ("), not curly ones',
    "\u2260": "write `!=`",
    "\u2264": "write `<=`",
    "\u2265": "write `>=`",
    "{": 'lists use square brackets, like ["web", "store"]',
    ";": "write one clause per line",
}


def describe_character(char: str, following: str = "") -> str:
    """A character no token starts with (`following`: the character after it), and
    what was probably meant. A hidden or non-ASCII character is named, so the
    message says which one it is."""
    if char == "=" and following == ">":
        return "unexpected `=>`: a disposition case is written `value -> disposition`"
    hint = _CHARACTER_HINTS.get(char)
    if hint:
        return f"unexpected character `{char}`: {hint}"
    if characters.is_hidden(char):
        return (
            f"unexpected character {characters.name(char)}: invisible characters may appear "
            "only in texts and comments; delete it"
        )
    if not char.isascii():
        return (
            f"unexpected character `{char}` ({characters.name(char)}): names and keywords "
            "use only the letters a-z and A-Z, digits and `_`"
        )
    return f"unexpected character `{char}`"
