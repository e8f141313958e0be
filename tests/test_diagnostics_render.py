"""Rendering findings: the source is read once however many findings there are,
a long line is shown around its caret, and hidden characters never reach the
terminal (they are shown, not obeyed)."""

from __future__ import annotations

from dsl.diagnostics import Diagnostic, render_all


class CountingText(str):
    """A source text that counts the scans made of it."""

    scans = 0

    def _scanned(self, method, *args):
        CountingText.scans += 1
        return getattr(str, method)(self, *args)

    def split(self, *args):  # type: ignore[override]
        return self._scanned("split", *args)

    def splitlines(self, *args):  # type: ignore[override]
        return self._scanned("splitlines", *args)

    def find(self, *args):  # type: ignore[override]
        return self._scanned("find", *args)

    def index(self, *args):  # type: ignore[override]
        return self._scanned("index", *args)

    def count(self, *args):  # type: ignore[override]
        return self._scanned("count", *args)


def _scans_to_render(findings: int, source: str) -> int:
    lines = source.count("\n")
    diagnostics = [
        Diagnostic(severity="warning", message=f"finding {n}", line=1 + n % lines, column=1)
        for n in range(findings)
    ]
    CountingText.scans = 0
    rendered = render_all(diagnostics, CountingText(source), "big.route")
    assert rendered.count("big.route:") == findings
    return CountingText.scans


def test_rendering_many_findings_reads_the_source_once_not_once_per_finding():
    source = "".join(f"strategy s{n}\n  priority {n}\n" for n in range(200))
    assert _scans_to_render(3_000, source) == _scans_to_render(10, source)


def test_a_finding_on_a_very_long_line_shows_the_part_around_the_caret():
    line = "  when " + " or ".join(f'order.channel == "c{n}"' for n in range(20_000))
    column = line.index('"c12345"') + 1
    finding = Diagnostic(severity="error", message="here", line=2, column=column, length=8)
    rendered = finding.render(f"strategy a\n{line}\n", "long.route")
    head, shown, caret = rendered.split("\n")
    assert head == f"long.route:2:{column}: error: here"
    assert len(shown) < 200
    assert shown.strip().startswith("\u2026") and shown.endswith("\u2026")
    assert shown[caret.index("^") : caret.index("^") + 8] == '"c12345"'
    assert caret.strip() == "^" + "~" * 7


def test_hidden_characters_are_shown_not_obeyed():
    source = 'strategy a\n  when order.tier == "v\x1b[2Jip\u202e" # \u200bnote\n'
    finding = Diagnostic(severity="warning", message='"v\x1b[2Jip\u202e" is odd', line=2, column=22)
    rendered = finding.render(source, "odd.route")
    assert "\x1b" not in rendered and "\u202e" not in rendered and "\u200b" not in rendered
    head, shown, caret = rendered.split("\n")
    assert head == 'odd.route:2:22: warning: "v\\x1b[2Jip\\u202e" is odd'
    assert shown == '      when order.tier == "v\ufffd[2Jip\ufffd" # \ufffdnote'
    assert shown[caret.index("^")] == '"'


def test_the_hidden_characters_are_the_unicode_controls_format_characters_and_separators():
    import unicodedata

    from dsl import characters

    hidden = {chr(code) for code in range(0x110000) if characters.is_hidden(chr(code))}
    assert all(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in hidden)
    named_in_the_docs = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
    assert set(named_in_the_docs + "\u200b\u200c\u200d\ufeff\u2060\x00\x1b\u2028") <= hidden
    assert not hidden & set("\t\n\f\r abc\u00e9")
    assert characters.name("\u202e") == "U+202E RIGHT-TO-LEFT OVERRIDE"
    assert characters.name("\x00") == "U+0000 NULL"
    assert characters.name("\x9b") == "U+009B CONTROL CHARACTER"
