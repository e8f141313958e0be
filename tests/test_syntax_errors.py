"""Syntax errors: each kind of mistake is reported at its exact line and column,
in words that say what is wrong and what to write instead."""

from __future__ import annotations

import pytest

from dsl import RulesetSyntaxError, check_source, parse


def error_of(text: str):
    with pytest.raises(RulesetSyntaxError) as caught:
        parse(text, "t.route")
    return caught.value.diagnostic


def strategy(*clauses: str) -> str:
    """`strategy a` on line 1, clauses from line 2 on (indented by two spaces)."""
    return "strategy a\n" + "".join(f"  {clause}\n" for clause in clauses)


# (id, text, line, column, the message or the words it must contain)
# fmt: off
CASES = [
    # -- a value is missing
    (
        "missing value after an operator",
        strategy("when order.channel =="),
        2, 24,
        'expected a value or a field (like `order.channel`, "web", 3 or [1, 2]) '
        "after `when order.channel ==`",
    ),
    ("missing condition", strategy("when"), 2, 7, "expected a value or a field"),
    (
        "missing value after and",
        strategy('when order.tier == "vip" and'),
        2, 31, 'after `when order.tier == "vip" and`',
    ),
    ("missing number", strategy("priority"), 2, 11, "expected a number after `priority`"),
    ("missing strategy id", "strategy\n", 1, 9, "expected a name after `strategy`"),
    (
        "missing end of a range",
        strategy("effective 2026-01-01"),
        2, 23, "expected `to` after `effective 2026-01-01`",
    ),
    # -- a word the language does not know
    (
        "misspelt clause",
        strategy("prority 3"),
        2, 3, "unknown word `prority` at the start of a line: did you mean `priority`?",
    ),
    (
        "unknown clause",
        strategy('take from node.type == "dc"'),
        2, 3,
        "unknown word `take` at the start of a line: expected a clause (`priority`, "
        "`effective`, `when`, `lines where`, `source from`, `transfer from`, `send to`, "
        "`within`, `keep`, `ship with`, `deliver`, `carrier by`, `rank by`, `disposition`, "
        "`restock after`, `split`, `otherwise use`, `on shortage`) "
        "or a new `strategy` (or `return strategy`)",
    ),
    (
        "ship from for source from",
        strategy('ship from node.type == "dc"'),
        2, 8,
        "`ship from` is not a clause: the nodes an order ships from are chosen with "
        "`source from`; `ship with` chooses the carrier services",
    ),
    ("ship without with", strategy('ship carrier.service == "x"'), 2, 8, "expected `with`"),
    (
        "clause of the promise before any strategy",
        'ship with carrier.service == "express"\n',
        1, 1,
        "`ship with` must be inside a strategy: start one above it with `strategy ID`",
    ),
    (
        "deliver without within or by",
        strategy("deliver in 3 days"),
        2, 11, "unexpected `in` after `deliver`: expected `by` or `within`",
    ),
    ("deliver without days", strategy("deliver within 2"), 2, 19, "expected `days`"),
    ("deliver in weeks", strategy("deliver within 2 weeks"), 2, 20, "expected `days`"),
    ("misspelt days", strategy("deliver within 2 dayz"), 2, 20, "unknown word `dayz`"),
    (
        "fractional days",
        strategy("deliver within 1.5 days"),
        2, 18, "the number of days must be a whole number, not `1.5`",
    ),
    (
        "deliver by a word",
        strategy("deliver by tomorrow"),
        2, 14, "expected a field (like `order.channel`)",
    ),
    (
        "carrier by without a key",
        strategy("carrier by"),
        2, 13, "expected a carrier key (`cost`, `eta` or `co2`) after `carrier by`",
    ),
    (
        "carrier keys without a comma",
        strategy("carrier by eta cost"),
        2, 18, "unexpected `cost` after `carrier by eta`: expected `,` or the end of the line",
    ),
    (
        "carrier key with a direction",
        strategy("carrier by cost desc"),
        2, 19, "unexpected `desc` after `carrier by cost`",
    ),
    ("lines without where", strategy("lines line.qty > 1"), 2, 9, "expected `where`"),
    (
        "two deliver clauses",
        strategy("deliver within 2 days", "deliver by order.requested_date"),
        3, 3, "`deliver` is given twice in strategy `a` (first on line 2); keep one",
    ),
    (
        "two ship with clauses",
        strategy('ship with carrier.service == "x"', 'ship with carrier.name == "y"'),
        3, 3, "`ship with` is given twice in strategy `a` (first on line 2); keep one",
    ),
    ("misspelt strategy", "stratgy a\n", 1, 1, "did you mean `strategy`?"),
    (
        "otherwise without use",
        strategy("otherwise dc"),
        2, 13, "unexpected `dc` after `otherwise`: expected `use`",
    ),
    ("keep without units", strategy("keep 3 at node.can_ship"), 2, 10, "expected `units`"),
    (
        "unquoted strategy label",
        "strategy a Standard home\n",
        1, 12,
        'a strategy id is one word: put the label in double quotes, '
        'like `strategy a "Standard home"`',
    ),
    (
        "word after a direction",
        strategy("rank by distance descending"),
        2, 20, "unknown word `descending`: did you mean `desc`?",
    ),
    # -- something is not closed
    (
        "unclosed list",
        strategy('when order.channel in ["web", "store"'),
        2, 40, "this list is not closed: add `]` before the end of the line",
    ),
    (
        "unclosed string",
        strategy('when order.channel == "web'),
        2, 25, 'this text is not closed: add a `"` before the end of the line',
    ),
    (
        "unclosed parenthesis",
        strategy('when (order.channel == "web"'),
        2, 31, "this group is not closed: add `)` before the end of the line",
    ),
    (
        "missing comma in a list",
        strategy("when order.value in [1 2]"),
        2, 26, "unexpected `2` after `when order.value in [1`: expected `,` or `]`",
    ),
    # -- a date that does not exist
    (
        "month 13",
        strategy("effective from 2026-13-01"),
        2, 18,
        "`2026-13-01` is not a valid date (month must be in 1..12); write dates as 2026-11-15",
    ),
    (
        "February 30",
        strategy("effective 2026-02-01 to 2026-02-30"),
        2, 27, "`2026-02-30` is not a valid date (day is out of range for month)",
    ),
    (
        "February 29 of a common year",
        strategy("effective until 2027-02-29"),
        2, 19, "`2027-02-29` is not a valid date",
    ),
    (
        "hour 25",
        strategy("effective from 2026-11-15T25:00"),
        2, 18, "`2026-11-15T25:00` is not a valid date (hour must be in 0..23)",
    ),
    (
        "seconds",
        strategy("effective from 2026-11-15T10:00:30"),
        2, 18, "times are to the minute: leave out the seconds",
    ),
    # -- stray text at the end of a line
    (
        "second number",
        strategy("priority 3 4"),
        2, 14, "unexpected `4` after `priority 3`: expected the end of the line",
    ),
    (
        "word after split none",
        strategy("split none please"),
        2, 14, "unexpected `please` after `split none`: expected the end of the line",
    ),
    (
        "value after a complete condition",
        strategy('when order.tier == "vip" "x"'),
        2, 28,
        'unexpected `"x"` after `when order.tier == "vip"`: expected an operator '
        "(==, in, has, and, or, ...) or the end of the line",
    ),
    # -- distance unit
    ("missing km", strategy("within 400"), 2, 13, "expected `km` after `within 400`"),
    (
        "miles",
        strategy("within 400 miles"),
        2, 14, "unexpected `miles` after `within 400`: expected `km`",
    ),
    ("kms", strategy("within 400 kms"), 2, 14, "unknown word `kms`: did you mean `km`?"),
    # -- shortage word
    (
        "wrong shortage word",
        strategy("on shortage cancel"),
        2, 15,
        "unexpected `cancel` after `on shortage`: expected `backorder`, `partial` or `reject`",
    ),
    (
        "shortage word with an ending",
        strategy("on shortage rejected"),
        2, 15, "unknown word `rejected`: did you mean `reject`?",
    ),
    # -- where a clause may go
    (
        "clause before any strategy",
        'ruleset "France"\npriority 3\nstrategy a\n',
        2, 1, "`priority` must be inside a strategy: start one above it with `strategy ID`",
    ),
    (
        "when before any strategy",
        'when order.tier == "vip"\n',
        1, 1, "`when` must be inside a strategy",
    ),
    (
        "header after a strategy",
        strategy("priority 1") + 'timezone "UTC"\n',
        3, 1, "`timezone` belongs at the top of the file, before the first strategy",
    ),
    (
        "clause given twice",
        strategy("priority 3", "priority 4"),
        3, 3, "`priority` is given twice in strategy `a` (first on line 2); keep one",
    ),
    (
        "ruleset name given twice",
        'ruleset "A"\nruleset "B"\n',
        2, 1, "`ruleset` is given twice (first on line 1); keep one",
    ),
    # -- numbers
    (
        "fractional priority",
        strategy("priority 1.5"),
        2, 12, "priority must be a whole number, not `1.5`",
    ),
    (
        "split limit in words",
        strategy("split at most two"),
        2, 17, "unexpected `two` after `split at most`: expected a number",
    ),
    # -- characters from other languages
    ("single equals", strategy('when order.tier = "vip"'), 2, 19, "did you mean `==`?"),
    ("double ampersand", strategy("when order.x && order.y"), 2, 16, "write `and`"),
    ("single quotes", strategy("when order.tier == 'vip'"), 2, 22, 'in double quotes, like "web"'),
    ("not-equal sign", strategy('when order.tier \u2260 "vip"'), 2, 19, "write `!=`"),
]
# fmt: on


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_syntax_error_is_pinned_and_explained(text, line, column, words):
    diagnostic = error_of(text)
    assert (diagnostic.line, diagnostic.column) == (line, column), diagnostic
    assert words in diagnostic.message
    assert (diagnostic.severity, diagnostic.code) in (
        ("error", "syntax"),
        ("error", "duplicate-clause"),
    )


def test_the_rendered_error_shows_the_line_and_a_caret_under_the_offending_text():
    with pytest.raises(RulesetSyntaxError) as caught:
        parse(strategy("on shortage cancel"), "peak.route")
    assert str(caught.value) == (
        "peak.route:2:15: error: unexpected `cancel` after `on shortage`: "
        "expected `backorder`, `partial` or `reject`\n"
        "      on shortage cancel\n"
        "                  ^~~~~~"
    )


def test_an_error_on_the_last_line_without_a_newline_is_placed_the_same():
    diagnostic = error_of("strategy a\n  when order.channel ==")
    assert (diagnostic.line, diagnostic.column) == (2, 24)


def test_windows_line_endings_give_the_same_positions():
    diagnostic = error_of(strategy("priority 1", "within 400 miles").replace("\n", "\r\n"))
    assert (diagnostic.line, diagnostic.column) == (3, 14)


def test_valid_dates_and_minutes_parse():
    ruleset = parse(strategy("effective 2028-02-29 to 2028-03-01T23:59"))
    window = ruleset.strategies[0].effective[0]
    assert window.start.text() == "2028-02-29"
    assert window.end.text() == "2028-03-01T23:59"


def test_check_source_reports_the_syntax_error_as_its_only_finding():
    result = check_source(strategy("within 400"), "t.route")
    assert result.ruleset is None
    assert [(d.line, d.column, d.code) for d in result.diagnostics] == [(2, 13, "syntax")]


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        (
            'sourcefrom node.type == "dc"',
            3,
            "unknown word `sourcefrom`: did you mean `source from`?",
        ),
        ("split atmost 2", 9, "unknown word `atmost`: did you mean `at most`?"),
    ],
)
def test_keywords_run_together_are_refused(line, column, message):
    with pytest.raises(RulesetSyntaxError) as caught:
        parse(f"strategy a\n  {line}\n", "glued.route")
    found = caught.value.diagnostic
    assert (found.line, found.column, found.message) == (2, column, message)


def test_a_line_separator_inside_a_text_does_not_shift_the_caret():
    """Only a newline ends a line (as Lark counts them); U+2028 inside a text does not."""
    text = 'ruleset "a\u2028b"\nstrategy x\n  priority\n'
    with pytest.raises(RulesetSyntaxError) as caught:
        parse(text, "u.route")
    rendered = str(caught.value).split("\n")
    assert rendered[0] == "u.route:3:11: error: expected a number after `priority`"
    assert rendered[1] == "      priority"
