"""Characters that hide: controls, format characters (bidirectional controls,
zero-width characters) and line separators. A text or comment that holds one can
read differently from what it says ("Trojan source"), so the checker names them,
and messages and source lines are shown with them made visible."""

from __future__ import annotations

import re
import unicodedata

# Unicode categories Cc (controls), Cf (format) and Zl/Zp (line and paragraph
# separators), as of Unicode 14 — less tab, newline, form feed (blanks the language
# reads as such) and carriage return (it ends a line: see `dsl.parser.normalise`).
_HIDDEN_RANGES = (
    (0x0000, 0x0008),
    (0x000B, 0x000B),
    (0x000E, 0x001F),
    (0x007F, 0x009F),
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x2028, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x13438),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
HIDDEN = re.compile(
    "[" + "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in _HIDDEN_RANGES) + "]"
)
"""Matches one hidden character."""

BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""Characters that reorder the text around them on screen."""

# Controls have no name in the Unicode database, only aliases: the usual ones.
_CONTROL_NAMES = {
    0x00: "NULL",
    0x01: "START OF HEADING",
    0x02: "START OF TEXT",
    0x03: "END OF TEXT",
    0x04: "END OF TRANSMISSION",
    0x05: "ENQUIRY",
    0x06: "ACKNOWLEDGE",
    0x07: "BELL",
    0x08: "BACKSPACE",
    0x09: "CHARACTER TABULATION",
    0x0A: "LINE FEED",
    0x0B: "LINE TABULATION",
    0x0C: "FORM FEED",
    0x0D: "CARRIAGE RETURN",
    0x0E: "SHIFT OUT",
    0x0F: "SHIFT IN",
    0x10: "DATA LINK ESCAPE",
    0x11: "DEVICE CONTROL ONE",
    0x12: "DEVICE CONTROL TWO",
    0x13: "DEVICE CONTROL THREE",
    0x14: "DEVICE CONTROL FOUR",
    0x15: "NEGATIVE ACKNOWLEDGE",
    0x16: "SYNCHRONOUS IDLE",
    0x17: "END OF TRANSMISSION BLOCK",
    0x18: "CANCEL",
    0x19: "END OF MEDIUM",
    0x1A: "SUBSTITUTE",
    0x1B: "ESCAPE",
    0x1C: "INFORMATION SEPARATOR FOUR",
    0x1D: "INFORMATION SEPARATOR THREE",
    0x1E: "INFORMATION SEPARATOR TWO",
    0x1F: "INFORMATION SEPARATOR ONE",
    0x7F: "DELETE",
    0x85: "NEXT LINE",
}


def name(char: str) -> str:
    """`U+202E RIGHT-TO-LEFT OVERRIDE`: the code point and its Unicode name."""
    code = ord(char)
    label = _CONTROL_NAMES.get(code) or unicodedata.name(char, "")
    if not label and unicodedata.category(char) == "Cc":
        label = "CONTROL CHARACTER"
    return f"U+{code:04X} {label}".rstrip()


def is_hidden(char: str) -> bool:
    return HIDDEN.match(char) is not None


def escaped(text: str) -> str:
    r"""`text` with each hidden character written as an escape (`\u202e`, `\x1b`),
    for messages: what the user wrote, shown without its effects."""
    return HIDDEN.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(line: str) -> str:
    """A source line as it may be printed: tabs become one space and each hidden
    character U+FFFD, so a caret below still points at the same character."""
    return HIDDEN.sub("\ufffd", line.replace("\t", " "))
