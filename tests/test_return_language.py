"""Return strategies in the routing language (returns.md): `return strategy`, `send to`,
`disposition`, `disposition by`, `restock after` — parsed, formatted, checked, diffed
and said in words, beside order strategies in one ruleset."""

from __future__ import annotations

import itertools
import re

import pytest

import dsl
from dsl import syntax as s
from dsl.diff import ClauseChange, diff_rulesets
from dsl.wording import strategy_words

RETURNS_EXAMPLE = """\
return strategy keep_in_store "Resell where it was dropped"
  when return.method == "store" and return.condition == "new"
  send to node.id == return.drop_node
  disposition restock
  restock after 1 day

return strategy rebalance "Send to the store that needs it"
  effective 2026-11-15 to 2026-12-31
  when return.condition in ["new", "opened"]
  send to node.type == "store" and node.accepts_returns
  within 300 km
  rank by need desc, distance
  disposition restock
  restock after 2 days
  otherwise use returns_centre

return strategy returns_centre "Returns centre"
  send to node.tags has "returns"
  rank by distance
  disposition by return.condition: new -> restock, opened -> refurbish, damaged -> liquidate
  restock after 5 days
"""
"""The example of returns.md, exactly as written there."""

HEADER = 'ruleset "Returns"\ntimezone "Europe/Paris"\n\n'
HOME = """
strategy standard_home "Standard home delivery"
  when order.delivery == "home"
  source from node.can_ship
"""


def findings(text: str, extra: tuple[str, ...] = ()) -> list[tuple[str, int, int, str]]:
    result = dsl.check_source(HEADER + text, "r.route", extra)
    return [(d.code, d.line - 3, d.column, d.message) for d in result.diagnostics]


def only(text: str, code: str) -> tuple[int, int, str]:
    """The line (counted in `text`), column and message of the one finding of `code`."""
    found = findings(text)
    matching = [(line, column, message) for c, line, column, message in found if c == code]
    assert len(matching) == 1, found
    return matching[0]


def returns(*clauses: str, header: str = "return strategy r") -> str:
    """A return strategy with `send to` and `disposition` unless `clauses` give them."""
    body = list(clauses)
    if not any(c.startswith("send to") for c in body):
        body.insert(0, "send to node.accepts_returns")
    if not any(c.startswith("disposition") for c in body):
        body.append("disposition restock")
    return header + "\n" + "".join(f"  {clause}\n" for clause in body)


# ------------------------------------------------------------------ parsing


def test_the_returns_example_parses_as_written_and_is_canonical():
    ruleset = dsl.parse(RETURNS_EXAMPLE)
    keep, rebalance, centre = ruleset.strategies
    assert [st.kind for st in ruleset.strategies] == ["return"] * 3
    assert keep.send_to == s.Compare(
        op="==", left=s.FieldRef(path="node.id"), right=s.FieldRef(path="return.drop_node")
    )
    assert keep.disposition == s.Disposition(fixed="restock")
    assert (keep.restock_after, rebalance.restock_after, centre.restock_after) == (1, 2, 5)
    assert rebalance.rank == [
        s.RankKey(key=s.Name(name="need"), direction="desc"),
        s.RankKey(key=s.Name(name="distance")),
    ]
    assert centre.disposition == s.Disposition(
        by=s.FieldRef(path="return.condition"),
        cases=[
            s.DispositionCase(value="new", disposition="restock"),
            s.DispositionCase(value="opened", disposition="refurbish"),
            s.DispositionCase(value="damaged", disposition="liquidate"),
        ],
    )
    assert dsl.format(ruleset) == RETURNS_EXAMPLE


def test_the_returns_example_checks_without_errors():
    """Its only findings are the warnings any strategies of one priority get when one is
    dated: all three keep the default priority 100 and `rebalance` is dated."""
    found = findings(RETURNS_EXAMPLE)
    assert [(code, line) for code, line, _, _ in found] == [
        ("overlapping-strategies", 7),
        ("overlapping-strategies", 17),
    ]
    prioritised = RETURNS_EXAMPLE.replace(
        '"Resell where it was dropped"\n', '"Resell where it was dropped"\n  priority 10\n'
    ).replace(
        '"Send to the store that needs it"\n', '"Send to the store that needs it"\n  priority 20\n'
    )
    assert findings(prioritised + HOME) == []


def test_order_and_return_strategies_mix_in_any_order():
    text = RETURNS_EXAMPLE.replace(
        "\nreturn strategy rebalance", HOME + "\nreturn strategy rebalance"
    )
    ruleset = dsl.parse(text)
    assert [(st.id, st.kind) for st in ruleset.strategies] == [
        ("keep_in_store", "return"),
        ("standard_home", "order"),
        ("rebalance", "return"),
        ("returns_centre", "return"),
    ]
    assert [st.id for st in ruleset.tried_order("order")] == ["standard_home"]
    assert dsl.format(ruleset) == text
    assert not [f for f in findings(text) if f[0] != "overlapping-strategies"]


CLAUSES = (
    "priority 5",
    'when return.reason == "wrong_size"',
    "send to node.accepts_returns",
    "within 50 km",
    "rank by need desc, cost",
    "disposition by return.condition: new -> restock, opened -> refurbish, damaged -> destroy",
    "restock after 3 days",
    "otherwise use returns_centre",
)


@pytest.mark.parametrize("order", list(itertools.permutations(range(len(CLAUSES))))[::4001])
def test_clauses_in_any_order_read_the_same_and_format_in_one_order(order):
    canonical = "return strategy sizes\n" + "".join(f"  {clause}\n" for clause in CLAUSES)
    shuffled = "return strategy sizes\n" + "".join(f"  {CLAUSES[i]}\n" for i in order)
    assert dsl.parse(shuffled) == dsl.parse(canonical)
    assert dsl.format(dsl.parse(shuffled)) == canonical


def test_day_and_days_are_one_word_and_the_format_agrees_with_the_number():
    for written, canonical in (
        ("restock after 1 days", "restock after 1 day"),
        ("restock after 2 day", "restock after 2 days"),
        ("restock after 0 day", "restock after 0 days"),
    ):
        ruleset = dsl.parse(f"return strategy r\n  {written}\n")
        assert dsl.format(ruleset) == f"return strategy r\n  {canonical}\n"


def test_case_values_are_words_texts_or_numbers():
    text = (
        "return strategy r\n"
        '  disposition by return.reason: new -> restock, "not as described" -> refurbish, '
        '"new" -> destroy, 3 -> liquidate, -1.5 -> destroy, to -> restock, restock -> by\n'
    )
    disposition = dsl.parse(text).strategies[0].disposition
    assert [case.value for case in disposition.cases] == [
        "new", "not as described", "new", 3, -1.5, "to", "restock",
    ]  # fmt: skip
    assert disposition.cases[-1].disposition == "by"
    # A word is written bare, a text that is not one word in quotes, a number as a number.
    assert dsl.format(dsl.parse(text)) == text.replace('"new" -> destroy', "new -> destroy")


def test_return_starts_a_strategy_and_return_dot_is_a_field():
    ruleset = dsl.parse("return strategy return_x\n  when return.method == return\n")
    (strategy,) = ruleset.strategies
    assert (strategy.id, strategy.kind) == ("return_x", "return")
    assert strategy.when == s.Compare(
        op="==", left=s.FieldRef(path="return.method"), right=s.Name(name="return")
    )


def test_spans_point_at_the_new_clauses():
    text = returns("restock after 2 days", header='return strategy r "Label"')
    strategy = dsl.parse(text).strategies[0]
    lines = text.split("\n")
    for key, words in (("send_to", "send to"), ("disposition", "disposition")):
        span = strategy.clause_spans[key]
        assert lines[span.line - 1][span.column - 1 :].startswith(words)
    assert strategy.clause_spans["restock_after"].line == 3
    assert (strategy.span.line, strategy.span.column) == (1, 1)


# ------------------------------------------------------------ syntax errors

# (text, line, column, message)
SYNTAX_ERRORS = [
    (
        "return strategy r\n  send node.can_ship\n", 2, 8,
        "unexpected `node.can_ship` after `send`: expected `to`",
    ),
    ("return strategy r\n  send to\n", 2, 10, "expected a value or a field"),
    (
        "return strategy r\n  disposition\n", 2, 14,
        "expected `by` or a disposition (`restock`, `refurbish`, `liquidate` or `destroy`) "
        "after `disposition`",
    ),
    ("return strategy r\n  disposition by return.condition\n", 2, 34, "expected `:` after"),
    (
        "return strategy r\n  disposition by return.condition new -> restock\n", 2, 35,
        "expected an operator (==, in, has, and, or, ...) or `:`",
    ),
    (
        "return strategy r\n  disposition by return.condition:\n", 2, 35,
        'expected a value (a word such as `new`, a text such as "new", or a number)',
    ),
    (
        "return strategy r\n  disposition by return.condition: new restock\n", 2, 40,
        "unexpected `restock` after `disposition by return.condition: new`: expected `->`",
    ),
    (
        "return strategy r\n  disposition by return.condition: new => restock\n", 2, 40,
        "unexpected `=>`: a disposition case is written `value -> disposition`",
    ),
    (
        'return strategy r\n  disposition by x: new -> "restock"\n', 2, 28,
        "expected a disposition (`restock`, `refurbish`, `liquidate` or `destroy`)",
    ),
    (
        "return strategy r\n  disposition by x: new -> restock opened\n", 2, 36,
        "unexpected `opened` after `disposition by x: new -> restock`: expected `,` or the end "
        "of the line",
    ),
    ("return strategy r\n  restock after\n", 2, 16, "expected a number after `restock after`"),
    ("return strategy r\n  restock after 2\n", 2, 18, "expected `days` after `restock after 2`"),
    (
        "return strategy r\n  restock after 2 weeks\n", 2, 19,
        "unexpected `weeks` after `restock after 2`: expected `days`",
    ),
    (
        "return strategy r\n  restock after 1.5 days\n", 2, 17,
        "the number of days must be a whole number, not `1.5`",
    ),
    (
        "return strategy r\n  restockafter 2 days\n", 2, 3,
        "unknown word `restockafter`: did you mean `restock after`?",
    ),
    (
        "return strategy r\n  sendto node.id\n", 2, 3,
        "unknown word `sendto`: did you mean `send to`?",
    ),
    (
        "return strategy r\n  dispositon restock\n", 2, 3,
        "unknown word `dispositon` at the start of a line: did you mean `disposition`?",
    ),
    ("return r\n", 1, 8, "unexpected `r` after `return`: expected `strategy`"),
    ("retrun strategy r\n", 1, 1, "did you mean `return strategy`?"),
    (
        "return strategy r Resell here\n", 1, 19,
        'a strategy id is one word: put the label in double quotes, like '
        '`return strategy r "Resell here"`',
    ),
    (
        "send to node.can_ship\n", 1, 1,
        "`send to` must be inside a strategy: start one above it with `return strategy ID`",
    ),
    (
        "return strategy r\n  restock after 1 day\n  restock after 2 days\n", 3, 3,
        "`restock after` is given twice in strategy `r` (first on line 2); keep one",
    ),
    (
        "return strategy r\n  disposition restock\n  disposition destroy\n", 3, 3,
        "`disposition` is given twice in strategy `r` (first on line 2); keep one",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "column", "message"), SYNTAX_ERRORS)
def test_syntax_errors_in_the_new_clauses_are_pinned_and_explained(text, line, column, message):
    with pytest.raises(dsl.RulesetSyntaxError) as caught:
        dsl.parse(text, "r.route")
    found = caught.value.diagnostic
    assert (found.line, found.column) == (line, column), found
    assert message in found.message
    assert str(caught.value).startswith(f"r.route:{line}:{column}: error: ")
    assert str(caught.value).split("\n")[2].index("^") == column + 3  # under the column


# --------------------------------------------------------------- checking

# (id, text, code, line, column, words)
CHECKS = [
    (
        "return field in an order strategy",
        'strategy o\n  when return.method == "store"\n  source from node.can_ship\n',
        "field-not-for-kind", 2, 8,
        "`return.method` is a field of a returned line: an order strategy (`strategy`) cannot "
        "read it; test returns in a `return strategy`",
    ),
    (
        "order field in a return strategy",
        returns('when order.channel == "web"'),
        "field-not-for-kind", 3, 8,
        "`order.channel` is a field of an order: a return strategy reads the returned line",
    ),
    (
        "order field in send to",
        returns("send to node.id == order.collect_node"),
        "field-not-for-kind", 2, 22, "`order.collect_node` is a field of an order",
    ),
    (
        "node field in a return when",
        returns("when node.can_ship"),
        "node-field-in-when", 3, 8,
        "`node.can_ship` cannot be used in `when`: it decides whether the strategy applies to "
        "the returned line, before any node is looked at; test nodes in `send to`",
    ),
    (
        "node field in disposition by",
        returns("disposition by node.type: store -> restock, dc -> refurbish"),
        "node-field-in-when", 3, 18,
        "`node.type` cannot be used in `disposition by`: it decides what becomes of the "
        "returned unit",
    ),
    (
        "return clause in an order strategy",
        "strategy o\n  source from node.can_ship\n  restock after 2 days\n",
        "clause-not-for-kind", 3, 3,
        "`restock after` is a clause of return strategies: strategy `o` routes orders, so it "
        "would never apply; start it with `return strategy` if it routes returned units",
    ),
    (
        "source from in a return strategy",
        returns('source from node.type == "dc"'),
        "clause-not-for-kind", 3, 3,
        "`source from` is a clause of order strategies: return strategy `r` routes returned "
        "units, not orders, so it would never apply; a return strategy chooses its nodes with "
        "`send to`",
    ),
    (
        "split in a return strategy",
        returns("split none"),
        "clause-not-for-kind", 3, 3, "`split` is a clause of order strategies",
    ),
    (
        "need in an order strategy",
        "strategy o\n  source from node.can_ship\n  rank by need desc\n",
        "metric-not-for-kind", 3, 11,
        "`need` is a rank key of return strategies only: an order strategy ranks by shipments, "
        "distance, cost, stock, load, eta, a node field or a condition on nodes",
    ),
    (
        "shipments in a return strategy",
        returns("rank by shipments"),
        "metric-not-for-kind", 3, 11,
        "`shipments` is a rank key of order strategies only: a return strategy ranks by need, "
        "distance, cost, a node field or a condition on nodes",
    ),
    (
        "unknown rank key of a return strategy",
        returns("rank by neeed"),
        "unknown-metric", 3, 11,
        "`neeed` is not something to rank by (did you mean `need`?): rank by need, distance, "
        "cost, a node field",
    ),
    (
        "fallback to the other kind",
        returns("otherwise use o") + "\nstrategy o\n  source from node.can_ship\n",
        "fallback-other-kind", 3, 3,
        "`otherwise use o`: `o` is an order strategy, but `r` is a return strategy; a strategy "
        "falls back to one of its own kind (`return strategy`)",
    ),
    (
        "no send to",
        "return strategy r\n  disposition restock\n",
        "missing-send-to", 1, 17,
        "return strategy `r` has no `send to`: every return strategy says which nodes its "
        "units may go to",
    ),
    (
        "no disposition",
        "return strategy r\n  send to node.accepts_returns\n",
        "missing-disposition", 1, 17,
        "return strategy `r` has no `disposition`: every return strategy says what becomes of "
        "its units",
    ),
    (
        "unknown disposition",
        returns("disposition restok"),
        "unknown-disposition", 3, 3,
        "`restok` is not a disposition (did you mean `restock`?): write `restock`, "
        "`refurbish`, `liquidate` or `destroy`",
    ),
    (
        "a disposition in other words",
        returns("disposition scrap"),
        "unknown-disposition", 3, 3, "`scrap` is not a disposition (did you mean `destroy`?)",
    ),
    (
        "unknown disposition in a case",
        returns("disposition by return.condition: new -> restock, opened -> refurb, "
                "damaged -> destroy"),
        "unknown-disposition", 3, 62, "`refurb` is not a disposition (did you mean `refurbish`?)",
    ),
    (
        "disposition by a condition",
        returns("disposition by return.qty > 1: a -> restock"),
        "disposition-by-not-a-value", 3, 18,
        "`disposition by` matches the value of `return.qty > 1` with its cases, but it is "
        "true/false",
    ),
    (
        "repeated case value",
        returns("disposition by return.condition: new -> restock, opened -> refurbish, "
                "new -> destroy, damaged -> destroy"),
        "duplicate-case-value", 3, 73,
        "`new` already has a case (`new -> restock`): each value takes one disposition",
    ),
    (
        "a number for a text field",
        returns("disposition by return.reason: 3 -> restock"),
        "type-mismatch", 3, 33,
        "`3` is a number but `return.reason` is text, so this case never matches",
    ),
    (
        "restock after a negative number of days",
        returns("restock after -1 days"),
        "restock-after-negative", 3, 3,
        "`restock after -1 days` is before the return is created: write `restock after 0 days` "
        "(the same day) or more",
    ),
    (
        "values left without a case, with a fallback",
        returns("disposition by return.condition: new -> restock", "otherwise use c")
        + "\n" + returns(header="return strategy c"),
        "uncovered-disposition-values", 3, 3,
        "`disposition by return.condition` has no case for opened or damaged: strategy `r` does "
        "not take a unit with such a value; it goes to `otherwise use c`",
    ),
    (
        "values left without a case, without a fallback",
        returns("disposition by return.method: store -> restock, post -> refurbish"),
        "uncovered-disposition-values", 3, 3,
        "has no case for courier: strategy `r` does not take a unit with such a value; without "
        "`otherwise use`, it is unroutable",
    ),
    (
        "reasons left without a case",
        returns("disposition by return.reason: damaged -> destroy, wrong_size -> restock"),
        "uncovered-disposition-values", 3, 3,
        "has no case for not_as_described or changed_mind (nor for any other value the data "
        "may hold)",
    ),
    (
        "a case value the field never holds",
        returns("disposition by return.condition: new -> restock, opened -> restock, "
                "damaged -> destroy, broken -> destroy"),
        "unknown-case-value", 3, 91,
        "`broken` is not a known `return.condition` (did you mean `damaged`?): its values are "
        "new, opened and damaged, so this case never matches",
    ),
    (
        "a reason the usual ones do not hold",
        returns("disposition by return.reason: damaged -> destroy, wrong_size -> restock, "
                "not_as_described -> refurbish, changed_mind -> restock, late -> liquidate"),
        "unknown-case-value", 3, 132,
        "`late` is not a known `return.reason`: its values are damaged, wrong_size, "
        "not_as_described and changed_mind, so this case matches only if the data holds "
        "that value",
    ),
    (
        "restock after without restocking",
        returns("disposition liquidate", "restock after 2 days"),
        "restock-never-happens", 4, 3,
        "`restock after 2 days` has no effect: strategy `r` never restocks a unit (its "
        "disposition is `liquidate`); remove the line, or restock some units",
    ),
    (
        "restock after with no case that restocks",
        returns("disposition by return.condition: new -> refurbish, opened -> refurbish, "
                "damaged -> destroy", "restock after 1 day"),
        "restock-never-happens", 4, 3, "none of its `disposition by` cases is `restock`",
    ),
    (
        "a misspelt condition value",
        returns('when return.condition == "nwe"'),
        "unknown-value", 3, 28,
        '"nwe" is not a possible `return.condition` (did you mean "new"?): use one of new, '
        "opened, damaged",
    ),
    (
        "within 0 km in a return strategy",
        returns("within 0 km"),
        "within-not-positive", 3, 3, "`within 0 km` leaves no node",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "code", "line", "column", "words"),
    [case[1:] for case in CHECKS],
    ids=[case[0] for case in CHECKS],
)
def test_each_rule_of_return_strategies_is_pinned_and_explained(text, code, line, column, words):
    found_line, found_column, message = only(text, code)
    assert (found_line, found_column) == (line, column), message
    assert words in message


def test_severities_errors_and_warnings():
    codes = dsl.checker.CODES
    warnings = {"uncovered-disposition-values", "unknown-case-value", "restock-never-happens"}
    for code in (case[2] for case in CHECKS):
        assert (codes[code].severity == "warning") == (
            code in warnings | {"overlapping-strategies"}
        )


@pytest.mark.parametrize(
    "clause",
    [
        "restock after 0 days",
        'when return.reason in ["damaged", "wrong_size"] and line.category == "shoes"',
        "when return.qty >= 2 and return.unit_price > 19.9 and return.created_at >= 2026-01-01",
        'send to node.tags has "returns" and node.return_cost < 2 and node.id != return.drop_node',
        'rank by need desc, cost, node.return_cost, node.type == "store" desc',
        "disposition by return.qty: 1 -> restock, 2 -> refurbish",
        'disposition by line.category: shoes -> restock, "home & garden" -> liquidate',
        "disposition by return.condition: new -> restock, opened -> restock, damaged -> destroy",
        "disposition destroy",
    ],
)
def test_correct_return_clauses_give_no_finding(clause):
    assert findings(returns(clause)) == []


def test_extra_columns_of_returns_and_products_are_accepted_with_the_data():
    text = returns('when return.channel == "web" and line.brand == "acme"')
    assert {code for code, *_ in findings(text)} == {"unknown-field"}
    assert findings(text, extra=("return.channel", "line.brand")) == []


def test_each_kind_is_chosen_among_its_own():
    """An order strategy for every order does not hide a return strategy, nor the reverse."""
    text = (
        "strategy everything\n  source from node.can_ship\n\n"
        + returns(header="return strategy every_return")
        + "\n"
        + returns('when return.method == "post"', header="return strategy by_post")
        + "\nstrategy later\n  source from node.can_ship\n"
    )
    found = [(code, line) for code, line, _, _ in findings(text)]
    assert found == [("never-chosen", 8), ("never-chosen", 13)]
    messages = [m for code, _, _, m in findings(text) if code == "never-chosen"]
    assert (
        "`every_return` (line 7) is tried first (priority 100), applies to every return"
        in messages[0]
    )
    assert (
        "`everything` (line 4) is tried first (priority 100), applies to every order" in messages[1]
    )


# ------------------------------------------------------------------- diff


def test_changes_to_return_strategies_name_their_clauses():
    before = dsl.parse(RETURNS_EXAMPLE)
    after = dsl.parse(
        RETURNS_EXAMPLE.replace("restock after 5 days", "restock after 7 days")
        .replace("  within 300 km\n", "")
        .replace(
            "  disposition restock\n  restock after 2 days\n",
            "  disposition by return.condition: new -> restock, opened -> refurbish\n",
        )
        .replace('  send to node.tags has "returns"\n', '  send to node.type == "dc"\n')
    )
    diff = diff_rulesets(before, after)
    assert diff.strategy("rebalance").clauses == (
        ClauseChange("within", "removed", "within 300 km", None),
        ClauseChange(
            "disposition",
            "changed",
            "disposition restock",
            "disposition by return.condition: new -> restock, opened -> refurbish",
        ),
        ClauseChange("restock after", "removed", "restock after 2 days", None),
    )
    assert diff.strategy("returns_centre").clauses == (
        ClauseChange(
            "send to", "changed", 'send to node.tags has "returns"', 'send to node.type == "dc"'
        ),
        ClauseChange("restock after", "changed", "restock after 5 days", "restock after 7 days"),
    )
    assert diff.render().split("\n")[0] == "~ return strategy rebalance"


def test_a_strategy_whose_kind_changed_is_reported_as_such():
    text = returns(header="return strategy r")
    other = text.replace("return strategy r", "strategy r")
    diff = diff_rulesets(dsl.parse(text), dsl.parse(other))
    (change,) = diff.strategies
    assert (change.change, change.kind) == ("changed", "order")
    assert change.clauses == (ClauseChange("kind", "changed", "return strategy", "strategy"),)
    assert diff.render() == "~ strategy r\n    ~ return strategy  →  strategy"


def test_added_and_removed_return_strategies_and_no_rename_across_kinds():
    before = dsl.parse(HOME)
    after = dsl.parse(RETURNS_EXAMPLE.split("\n\n")[0] + "\n")
    diff = diff_rulesets(before, after)
    assert [(c.strategy, c.change, c.kind) for c in diff.strategies] == [
        ("keep_in_store", "added", "return"),
        ("standard_home", "removed", "order"),
    ]
    assert [c.clause for c in diff.strategy("keep_in_store").clauses] == [
        "label", "when", "send to", "disposition", "restock after",
    ]  # fmt: skip
    assert diff.render().startswith("+ return strategy keep_in_store")
    renamed = dsl.parse(returns(header="return strategy a"))
    same_body = dsl.parse(returns(header="strategy b"))
    kinds = {c.strategy: c.change for c in diff_rulesets(renamed, same_body).strategies}
    assert kinds == {"b": "added", "a": "removed"}


# ------------------------------------------------------------------ words

CODE = re.compile(r"\b(node|order|line|return)\.[A-Za-z_]|==|!=|>=|<=|->|\[")


def test_return_strategies_read_as_sentences():
    keep, rebalance, centre = dsl.parse(RETURNS_EXAMPLE).strategies
    assert strategy_words(keep)[2:] == [
        "Applies when the return method is “store” and the condition of the returned item is "
        "“new”.",
        "Sends returned units to nodes where the node is the drop-off store.",
        "Prefers nodes the closest to where the item is returned; ties go to the lowest node id.",
        "Restocks every unit.",
        "Restocked units become stock 1 day after the return is created.",
    ]
    said = strategy_words(rebalance, labels={"returns_centre": "Returns centre"})
    assert "Sends returned units to stores that take returns in." in said
    assert "Only nodes within 300 km of where the item is returned." in said
    assert (
        "Prefers nodes that need the product the most, then the closest to where the item is "
        "returned; ties go to the lowest node id."
    ) in said
    assert said[-1] == "What it cannot take goes to “Returns centre”."
    assert (
        "Decides by the condition of the returned item: “new” is restocked, “opened” is "
        "refurbished, “damaged” is liquidated; a unit with another value is not taken."
    ) in strategy_words(centre)
    for strategy in (keep, rebalance, centre):
        for sentence in strategy_words(strategy):
            assert not CODE.findall(sentence), sentence


def test_a_return_strategy_without_rank_by_ranks_by_distance_and_restocks_the_same_day():
    said = strategy_words(dsl.parse(returns()).strategies[0])
    assert (
        "Prefers nodes the closest to where the item is returned; ties go to the lowest node id."
        in said
    )
    assert said[-1] == "Restocked units become stock on the day the return is created."
