"""What a ruleset's bytes may hold beyond the language: a byte-order mark, old
line endings, and characters that hide (bidirectional controls, zero-width
characters, controls) — accepted where harmless, named where not."""

from __future__ import annotations

import pytest

import dsl
from cli.main import main

GOOD = 'ruleset "Small"\n\nstrategy home\n  priority 10\n  source from node.type == "dc"\n'


def refusal(text: str):
    with pytest.raises(dsl.RulesetSyntaxError) as caught:
        dsl.parse(text, "h.route")
    return caught.value.diagnostic


# ------------------------------------------------------- byte-order mark


def test_a_byte_order_mark_at_the_start_of_a_ruleset_is_accepted():
    assert dsl.parse("\ufeff" + GOOD) == dsl.parse(GOOD)
    result = dsl.check_source("\ufeff" + GOOD, "bom.route")
    assert result.diagnostics == [] and result.source == GOOD


def test_positions_after_a_byte_order_mark_are_those_of_the_text_without_it():
    found = refusal("\ufeffstrategy a\n  priority x\n")
    assert (found.line, found.column) == (2, 12)
    assert refusal("\ufeffpriority 1\n").column == 1


def test_check_and_fmt_accept_a_byte_order_mark_and_fmt_drops_it(tmp_path, capsys):
    path = tmp_path / "bom.route"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert main(["check", str(path)]) == 0
    assert capsys.readouterr().out.startswith(f"{path}: ok (1 strategy)")
    assert main(["fmt", "--write", str(path)]) == 0
    assert path.read_bytes() == GOOD.encode()


def test_a_byte_order_mark_elsewhere_outside_a_text_is_named():
    found = refusal("strategy a\n\ufeff  priority 1\n")
    assert (found.line, found.column) == (2, 1)
    assert found.message.startswith(
        "unexpected character U+FEFF ZERO WIDTH NO-BREAK SPACE: invisible characters"
    )


# ---------------------------------------------------------- line endings


def test_lines_ended_by_a_lone_carriage_return_are_lines():
    assert dsl.parse(GOOD.replace("\n", "\r")) == dsl.parse(GOOD)
    found = refusal("strategy a\r  priority 1\r  within 400 miles\r")
    assert (found.line, found.column) == (3, 14)


def test_a_carriage_return_in_a_text_is_written_as_an_escape_and_reads_back():
    tree = dsl.parse('ruleset "a\\rb"\n')
    assert tree.name == "a\rb"
    assert dsl.format(tree) == 'ruleset "a\\rb"\n'
    assert dsl.parse(dsl.format(tree)) == tree


# ------------------------------------------------------ hidden characters

BIDI = {
    "\u202a": "U+202A LEFT-TO-RIGHT EMBEDDING",
    "\u202b": "U+202B RIGHT-TO-LEFT EMBEDDING",
    "\u202c": "U+202C POP DIRECTIONAL FORMATTING",
    "\u202d": "U+202D LEFT-TO-RIGHT OVERRIDE",
    "\u202e": "U+202E RIGHT-TO-LEFT OVERRIDE",
    "\u2066": "U+2066 LEFT-TO-RIGHT ISOLATE",
    "\u2067": "U+2067 RIGHT-TO-LEFT ISOLATE",
    "\u2068": "U+2068 FIRST STRONG ISOLATE",
    "\u2069": "U+2069 POP DIRECTIONAL ISOLATE",
    "\u200e": "U+200E LEFT-TO-RIGHT MARK",
    "\u200f": "U+200F RIGHT-TO-LEFT MARK",
}
ZERO_WIDTH = {
    "\u200b": "U+200B ZERO WIDTH SPACE",
    "\u200c": "U+200C ZERO WIDTH NON-JOINER",
    "\u200d": "U+200D ZERO WIDTH JOINER",
    "\ufeff": "U+FEFF ZERO WIDTH NO-BREAK SPACE",
    "\u2060": "U+2060 WORD JOINER",
}


def _hidden_findings(text: str):
    result = dsl.check_source(text, "h.route")
    assert result.ok, result.render()
    return [d for d in result.diagnostics if d.code == "hidden-character"]


@pytest.mark.parametrize("char", list(BIDI), ids=[name[:6] for name in BIDI.values()])
def test_bidi_controls_in_texts_and_comments_are_flagged_with_their_names(char):
    text = f'ruleset "France{char}"\nstrategy a  # stores {char}only\n  source from node.can_ship\n'
    found = _hidden_findings(text)
    assert [(d.severity, d.line, d.column) for d in found] == [
        ("warning", 1, 16),
        ("warning", 2, 22),
    ]
    assert found[0].message.startswith(f"{BIDI[char]} in a text: it reorders how the line")
    assert found[1].message.startswith(f"{BIDI[char]} in a comment: it reorders how the line")


@pytest.mark.parametrize("char", list(ZERO_WIDTH), ids=[name[:6] for name in ZERO_WIDTH.values()])
def test_zero_width_characters_in_texts_and_comments_are_flagged_with_their_names(char):
    text = f'# a{char}b\nstrategy a\n  source from node.tags has "flag{char}ship"\n'
    found = _hidden_findings(text)
    assert [(d.line, d.column) for d in found] == [(1, 4), (3, 34)]
    assert found[0].message.startswith(f"{ZERO_WIDTH[char]} in a comment: it is invisible")
    assert found[1].message.startswith(f"{ZERO_WIDTH[char]} in a text: it is invisible")


def test_a_run_of_hidden_characters_is_one_finding_per_line_and_place():
    text = 'ruleset "' + "\u200b" * 900 + '"  # ' + "\u202e" * 50_000 + "\n"
    found = _hidden_findings(text)
    assert [(d.line, d.column) for d in found] == [(1, 10), (1, 915)]
    assert "(and 899 more hidden characters here)" in found[0].message


def test_a_hash_inside_a_text_does_not_start_a_comment_for_the_warning():
    found = _hidden_findings('ruleset "a # b\u200b"\n')
    assert "in a text" in found[0].message


def test_hidden_characters_in_names_are_syntax_errors_that_name_them():
    found = refusal("strategy sto\u200bre\n")
    assert (found.line, found.column, found.code) == (1, 13, "syntax")
    assert found.message == (
        "unexpected character U+200B ZERO WIDTH SPACE: invisible characters may appear only "
        "in texts and comments; delete it"
    )


@pytest.mark.parametrize(
    ("char", "name"),
    [("\x00", "U+0000 NULL"), ("\x1b", "U+001B ESCAPE"), ("\x0b", "U+000B LINE TABULATION")],
)
def test_control_characters_outside_texts_are_named(char, name):
    found = refusal(f"strategy a\n  priority 1{char}\n")
    assert found.message.startswith(f"unexpected character {name}: ")
    assert (found.line, found.column) == (2, 13)


def test_a_lookalike_letter_in_an_id_is_named():
    found = refusal("strategy st\u043ere\n")  # a Cyrillic о
    assert found.message == (
        "unexpected character `\u043e` (U+043E CYRILLIC SMALL LETTER O): names and keywords "
        "use only the letters a-z and A-Z, digits and `_`"
    )


def test_check_prints_hidden_characters_visibly_and_exits_0(tmp_path, capsys):
    path = tmp_path / "h.route"
    path.write_text('ruleset "a\u202eb"\nstrategy a\n  source from node.can_ship\n')
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\u202e" not in out
    assert f"{path}:1:11: warning: U+202E RIGHT-TO-LEFT OVERRIDE in a text" in out
    assert 'ruleset "a\ufffdb"' in out
