"""The checker: each finding it can give, at its exact line and column, with the
words a business user needs to fix it."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsl import check, check_source, parse
from dsl.checks.codes import CODES
from dsl.schema import FIELDS, METRICS

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "rulesets").glob("*.route"))

HEAD = 'ruleset "Test"\ntimezone "Europe/Paris"\n\n'
"""Lines 1-3; a strategy written after it starts on line 4."""


def one_strategy(*clauses: str, base: str = "  within 500 km\n") -> str:
    """Line 4 `strategy s`, line 5 `base` (a candidate restriction), then `clauses`
    from line 6 on."""
    return HEAD + 'strategy s "S"\n' + base + "".join(f"  {c}\n" for c in clauses)


def findings(text: str, extra: tuple[str, ...] = ()):
    return check_source(text, "t.route", extra).diagnostics


def only(text: str, code: str, extra: tuple[str, ...] = ()):
    """The single finding of kind `code` (and fail if there are none or several)."""
    found = [d for d in findings(text, extra) if d.code == code]
    assert len(found) == 1, findings(text, extra)
    return found[0]


# (id, text, code, line, column, words the message must contain)
# fmt: off
CASES = [
    (
        "unknown field",
        one_strategy('when order.chanel == "web"'),
        "unknown-field", 6, 8, "unknown field `order.chanel`; did you mean `order.channel`?",
    ),
    (
        "unknown root",
        one_strategy('when ordr.channel == "web"'),
        "unknown-field", 6, 8,
        "fields start with `order.`, `node.`, `line.`, `carrier.` or `return.`; "
        "did you mean `order.channel`?",
    ),
    (
        "unknown field without a close one",
        one_strategy("source from node.zzz_q"),
        "unknown-field", 6, 15, "check the ruleset with that data",
    ),
    (
        "text without quotes",
        one_strategy("when order.channel == web"),
        "unknown-name", 6, 25, 'unknown word `web`: text values go in double quotes: "web"',
    ),
    (
        "field without its root",
        one_strategy('when channel == "web"'),
        "unknown-name", 6, 8, "did you mean the field `order.channel`?",
    ),
    (
        "yes for true",
        one_strategy("source from node.can_ship == yes"),
        "unknown-name", 6, 32, "did you mean `true`?",
    ),
    (
        "misspelt metric",
        one_strategy("rank by distnace"),
        "unknown-metric", 6, 11,
        "`distnace` is not something to rank by (did you mean `distance`?)",
    ),
    (
        "metric in a condition",
        one_strategy("source from distance < 100"),
        "metric-in-condition", 6, 15, "to limit distance use `within N km`",
    ),
    (
        "metric in a rank condition",
        one_strategy("rank by stock > 3 desc"),
        "metric-in-condition", 6, 11,
        "`stock` is a ranking measure: use it as a whole `rank by` key",
    ),
    (
        "node field in when",
        one_strategy('when node.type == "dc"'),
        "node-field-in-when", 6, 8, "`node.type` cannot be used in `when`",
    ),
    (
        "line field in source",
        one_strategy('source from line.category == "shoes"'),
        "line-field-in-node-clause", 6, 15, "`line.category` cannot be used in `source from`",
    ),
    (
        "line field in keep",
        one_strategy("keep 1 unit at line.qty > 2"),
        "line-field-in-node-clause", 6, 18, "cannot be used in `keep ... at`",
    ),
    (
        "line field in rank",
        one_strategy("rank by line.qty"),
        "line-field-in-node-clause", 6, 11, "cannot be used in `rank by`",
    ),
    (
        "number compared with text",
        one_strategy('source from node.capacity == "x"'),
        "type-mismatch", 6, 32, '`node.capacity` is a number but `"x"` is text',
    ),
    (
        "tags compared with ==",
        one_strategy('source from node.tags == "flagship"'),
        "type-mismatch", 6, 28, 'to test a tag write `node.tags has "flagship"`',
    ),
    (
        "date compared with a number",
        one_strategy("when order.created_at >= 5"),
        "type-mismatch", 6, 28, "`order.created_at` is a date but `5` is a number",
    ),
    (
        "text ordered",
        one_strategy('when order.channel < "m"'),
        "not-orderable", 6, 8,
        "`<` compares numbers, dates or times of day, but `order.channel` is text",
    ),
    (
        "has on text",
        one_strategy('source from node.type has "dc"'),
        "has-needs-tags", 6, 15, "`has` tests whether a list of tags holds a tag",
    ),
    (
        "has with a number",
        one_strategy("source from node.tags has 3"),
        "type-mismatch", 6, 29, '`has` takes tags in double quotes, like "flagship", but `3`',
    ),
    (
        "in with text",
        one_strategy('when order.channel in "web"'),
        "in-needs-list", 6, 25, "`in` needs a list on its right, but `\"web\"` is text",
    ),
    (
        "in with a number field",
        one_strategy("source from node.id in node.capacity"),
        "in-needs-list", 6, 26, "`in` needs a list on its right, but `node.capacity` is a number",
    ),
    (
        "list item of another kind",
        one_strategy('when order.value in [10, "x"]'),
        "list-item-type", 6, 28, '`"x"` is text but `order.value` is a number',
    ),
    (
        "mixed list on an extra field",
        one_strategy('when order.gift in [1, "x"]'),
        "list-item-type", 6, 26, "the list starts with a number",
    ),
    (
        "text as condition",
        one_strategy("when order.channel"),
        "not-a-condition", 6, 8,
        '`order.channel` is text, not a true/false condition: `when` needs a comparison, '
        'e.g. `order.channel == "..."`',
    ),
    (
        "number inside and",
        one_strategy('when order.tier == "vip" and order.value'),
        "not-a-condition", 6, 32, "`order.value` is a number, not a true/false condition",
    ),
    (
        "value outside the closed set",
        one_strategy('source from node.type == "warehouse"'),
        "unknown-value", 6, 28,
        '"warehouse" is not a possible `node.type` (did you mean "dc"?): '
        "use one of dc, store, 3pl, dropship, dark_store",
    ),
    (
        "list value outside the closed set",
        one_strategy('when order.delivery in ["home", "pickup"]'),
        "unknown-value", 6, 35, '(did you mean "collect"?): use one of home, collect, express',
    ),
    (
        "rank by a tag list",
        one_strategy("rank by node.tags"),
        "unsortable-rank-key", 6, 11, "a list of tags has no order",
    ),
    (
        "within zero",
        one_strategy("within 0 km", base=""),
        "within-not-positive", 5, 3, "`within 0 km` leaves no node",
    ),
    (
        "split at most zero",
        one_strategy("split at most 0"),
        "split-not-positive", 6, 3, "`split at most 0` allows no shipment at all",
    ),
    (
        "split at most negative",
        one_strategy("split at most -2"),
        "split-not-positive", 6, 3, "`split at most -2`",
    ),
    (
        "negative keep",
        one_strategy('keep -1 units at node.type == "store"'),
        "keep-negative", 6, 3, "`keep -1 units` is negative",
    ),
    (
        "window ends before it starts",
        one_strategy("effective 2026-12-31 to 2026-11-15"),
        "effective-ends-before-start", 6, 27,
        "this window ends (2026-11-15) before it starts (2026-12-31)",
    ),
    (
        "minute window ends before it starts",
        one_strategy("effective 2026-11-15T10:00 to 2026-11-15T09:59"),
        "effective-ends-before-start", 6, 33, "ends (2026-11-15T09:59) before it starts",
    ),
    (
        "duplicate rank key",
        one_strategy("rank by distance, cost, distance"),
        "duplicate-rank-key", 6, 27, "`distance` is already rank key number 1",
    ),
    (
        "rank key equal for every node",
        one_strategy("rank by order.value, distance"),
        "constant-rank-key", 6, 11, "`rank by order.value` is the same for every node",
    ),
    (
        "condition ranked ascending",
        one_strategy("rank by node.id == order.collect_node, distance"),
        "ascending-condition-rank", 6, 11, "add `desc` to prefer the nodes where it is true",
    ),
    (
        "transfer in a strategy that takes no collect order",
        one_strategy('when order.delivery == "home"', 'transfer from node.type == "dc"'),
        "transfer-never-applies", 7, 3,
        "strategy `s` has `transfer from`, but its `when` never takes a collect order",
    ),
    (
        "transfer field misspelt",
        one_strategy('transfer from node.typ == "dc"'),
        "unknown-field", 6, 17, "did you mean `node.type`?",
    ),
    (
        "no candidate restriction",
        one_strategy("priority 3", base=""),
        "unrestricted-sources", 4, 10, "strategy `s` may ship from every node of every type",
    ),
    # -- the delivery promise (docs/language.md, "Carriers and the delivery promise")
    (
        "carrier field in when",
        one_strategy('when carrier.service == "express"'),
        "carrier-field-outside-ship-with", 6, 8,
        "`carrier.service` cannot be used in `when`: it decides whether the strategy applies "
        "to the order, before any carrier service is looked at; carrier fields are read only "
        "in `ship with`",
    ),
    (
        "carrier field in rank by",
        one_strategy("rank by carrier.transit_days"),
        "carrier-field-outside-ship-with", 6, 11,
        "`carrier.transit_days` cannot be used in `rank by`: that clause looks at one node, "
        "before any carrier service is looked at",
    ),
    (
        "line field in ship with",
        one_strategy('ship with line.category == "bulky"'),
        "line-field-in-node-clause", 6, 13,
        "`line.category` cannot be used in `ship with`: it looks at one carrier service for "
        "one parcel, not at order lines; test lines in `when` (true when any line matches) or "
        "take them with `lines where`",
    ),
    (
        "node field in lines where",
        one_strategy('lines where line.qty > 1 and node.type == "dc"'),
        "node-field-in-when", 6, 32,
        "`node.type` cannot be used in `lines where`: it picks the order's lines the strategy "
        "takes, before any node is looked at; test nodes in `source from`",
    ),
    (
        "lines where on the order only",
        one_strategy("lines where order.value > 100"),
        "lines-where-without-line-field", 6, 15,
        "`lines where order.value > 100` reads no line field, so it takes all of the order's "
        "lines or none of them",
    ),
    (
        "ship with without a carrier field",
        one_strategy("ship with node.can_ship"),
        "ship-with-without-carrier-field", 6, 13,
        "`ship with node.can_ship` reads no carrier field, so it allows every carrier service "
        "or none of them",
    ),
    (
        "misspelt carrier field",
        one_strategy('ship with carrier.servce == "express"'),
        "unknown-field", 6, 13, "unknown field `carrier.servce`; did you mean `carrier.service`?",
    ),
    (
        "deliver within no day",
        one_strategy("deliver within 0 days"),
        "deliver-not-positive", 6, 3,
        "`deliver within 0 days`: the number of days must be 1 or more",
    ),
    (
        "deliver within a negative number of days",
        one_strategy("deliver within -2 days"),
        "deliver-not-positive", 6, 3,
        "`deliver within -2 days`: the number of days must be 1 or more",
    ),
    (
        "deliver by a text field",
        one_strategy("deliver by order.channel"),
        "deliver-by-not-a-date", 6, 14,
        "`deliver by` needs a date of the order, but `order.channel` is text: write "
        "`deliver by order.requested_date`",
    ),
    (
        "deliver by a node field",
        one_strategy("deliver by node.cutoff"),
        "deliver-by-not-a-date", 6, 14,
        "`deliver by` needs a date of the order, but `node.cutoff` is not a field of the order",
    ),
    (
        "deliver by a misspelt field",
        one_strategy("deliver by order.requested"),
        "unknown-field", 6, 14,
        "unknown field `order.requested` after `deliver by`; did you mean "
        "`order.requested_date`?",
    ),
    (
        "unknown carrier key",
        one_strategy("carrier by price, eta"),
        "unknown-carrier-key", 6, 14,
        "`price` is not a way to choose a carrier service: `carrier by` takes `cost`, `eta` "
        "or `co2`",
    ),
    (
        "misspelt carrier key",
        one_strategy("carrier by cots"),
        "unknown-carrier-key", 6, 14, "`cots` is not a way to choose a carrier service (did "
        "you mean `cost`?)",
    ),
    (
        "repeated carrier key",
        one_strategy("carrier by eta, cost, eta"),
        "duplicate-carrier-key", 6, 25, "`eta` is already carrier key number 1",
    ),
    (
        "time of day not as HH:MM",
        one_strategy('when order.local_time < "2pm"'),
        "not-a-time-of-day", 6, 27,
        '"2pm" is not a time of day, so it never matches `order.local_time`: write it as '
        '"HH:MM", 24-hour with leading zeros',
    ),
    (
        "time of day without a leading zero",
        one_strategy('source from order.local_time in ["9:00", "10:00"]'),
        "not-a-time-of-day", 6, 36, '"9:00" is not a time of day',
    ),
    (
        "time of day compared with a number",
        one_strategy("when order.local_time < 14"),
        "type-mismatch", 6, 27,
        "`order.local_time` is a time of day (HH:MM) but `14` is a number",
    ),
    (
        "weekday written in full",
        one_strategy('when order.weekday == "Saturday"'),
        "unknown-value", 6, 25,
        '"Saturday" is not a possible `order.weekday` (did you mean "Sat"?): use one of Mon, '
        "Tue, Wed, Thu, Fri, Sat, Sun",
    ),
    (
        "open day written in full",
        one_strategy('source from node.open_days has "Sunday"'),
        "unknown-value", 6, 34, '"Sunday" is not a possible `node.open_days` (did you mean "Sun"?)',
    ),
]
# fmt: on


@pytest.mark.parametrize(
    ("text", "code", "line", "column", "words"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_finding_is_pinned_and_explained(text, code, line, column, words):
    found = only(text, code, extra=("order.gift",))
    assert (found.line, found.column) == (line, column), found
    assert words in found.message
    assert found.severity == CODES[code].severity


# ------------------------------------------------------------ ruleset header


def test_invalid_time_zone_suggests_the_close_name():
    found = only(
        'ruleset "T"\ntimezone "Europe/Pariss"\n' + "strategy s\n  within 5 km\n",
        "invalid-timezone",
    )
    assert (found.line, found.column, found.severity) == (2, 1, "error")
    assert '"Europe/Pariss" is not a time zone (did you mean "Europe/Paris"?)' in found.message


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("europe/paris", "Europe/Paris"),
        ("Paris", "Europe/Paris"),
        ("America/NewYork", "America/New_York"),
    ],
)
def test_time_zone_suggestions_know_case_and_city(written, meant):
    found = only(f'ruleset "T"\ntimezone "{written}"\n', "invalid-timezone")
    assert f'did you mean "{meant}"?' in found.message


def test_valid_time_zones_pass():
    for zone in ("UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"):
        text = f'ruleset "T"\ntimezone "{zone}"\nstrategy s\n  within 5 km\n'
        assert findings(text) == []


def test_missing_name_is_a_warning_at_the_top():
    found = only("strategy s\n  within 5 km\n", "missing-name")
    assert (found.line, found.column, found.severity) == (1, 1, "warning")
    assert 'add a first line such as `ruleset "' in found.message


def test_empty_ruleset_warns_that_every_order_is_unroutable():
    found = only('ruleset "T"\n', "no-strategies")
    assert found.severity == "warning"
    assert "every order would be unroutable" in found.message


# -------------------------------------------------------------- strategies


def two(first: str, second: str) -> str:
    """Strategy `a` on line 4, strategy `b` on line 7 (each with two clause lines)."""
    return HEAD + f"strategy a\n  within 9 km\n  {first}\nstrategy b\n  within 9 km\n  {second}\n"


def test_duplicate_strategy_id():
    found = only(
        two("priority 1", "priority 2").replace("strategy b", "strategy a"), "duplicate-strategy"
    )
    assert (found.line, found.column) == (7, 10)
    assert "strategy id `a` is already used on line 4" in found.message


def test_unknown_fallback_suggests_an_existing_id():
    text = (
        HEAD + "strategy a\n  within 9 km\n  otherwise use dc_backstp\n"
        "strategy dc_backstop\n  within 9 km\n"
    )
    found = only(text, "unknown-fallback")
    assert (found.line, found.column) == (6, 3)
    assert "no strategy has the id `dc_backstp`; did you mean `dc_backstop`?" in found.message


def test_fallback_to_itself():
    found = only(two("otherwise use a", "priority 2"), "fallback-to-self")
    assert (found.line, found.column) == (6, 3)
    assert "strategy `a` falls back to itself" in found.message


def test_fallback_cycle_is_shown_once_with_its_path():
    text = HEAD + (
        "strategy a\n  within 9 km\n  otherwise use b\n"
        "strategy b\n  within 9 km\n  otherwise use c\n"
        "strategy c\n  within 9 km\n  otherwise use a\n"
    )
    found = only(text, "fallback-cycle")
    assert (found.line, found.column) == (6, 3)
    assert "the fallback chain loops: a -> b -> c -> a" in found.message


def test_a_chain_that_ends_is_fine():
    text = HEAD + (
        "strategy a\n  within 9 km\n  otherwise use b\n"
        "strategy b\n  within 99 km\n  otherwise use c\n"
        "strategy c\n  within 999 km\n"
    )
    assert findings(text) == []


def test_shortage_before_the_end_of_the_chain_is_ignored():
    text = HEAD + (
        "strategy a\n  within 9 km\n  otherwise use b\n  on shortage reject\n"
        "strategy b\n  within 99 km\n"
    )
    found = only(text, "ignored-shortage")
    assert (found.line, found.column, found.severity) == (7, 3, "warning")
    assert "`on shortage reject` has no effect: `a` passes what it cannot fill to `b`" in (
        found.message
    )


def test_strategy_behind_a_catch_all_is_never_chosen():
    text = two("priority 10", 'priority 20\n  when order.tier == "vip"')
    found = only(text, "never-chosen")
    assert (found.line, found.column, found.severity) == (7, 10, "error")
    assert "strategy `b` can never be chosen: `a` (line 4) is tried first (priority 10)" in (
        found.message
    )
    assert "give `a` a `when`, or give `b` a priority number below 10" in found.message


def test_same_priority_catch_all_earlier_in_file_also_wins():
    found = only(two("within 1 km", "within 2 km").replace("  within 9 km\n", ""), "never-chosen")
    assert "`a` (line 4) is tried first (priority 100), applies to every order" in found.message


def test_same_when_and_window_also_wins():
    when = 'when order.channel == "web"'
    found = only(two(f"priority 1\n  {when}", f"priority 2\n  {when}"), "never-chosen")
    assert "has the same `when`" in found.message


def test_a_narrower_window_does_not_shadow():
    text = two("priority 1\n  effective 2026-11-15 to 2026-12-31", "priority 2")
    assert [d.code for d in findings(text)] == []


def test_a_wider_window_shadows():
    text = two(
        "priority 1\n  effective from 2026-01-01",
        "priority 2\n  effective 2026-11-15 to 2026-12-31\n"
        "  effective 2027-02-01T08:00 to 2027-02-01T09:00",
    )
    assert only(text, "never-chosen").line == 8


def test_a_fallback_target_behind_a_catch_all_is_still_used():
    text = two("priority 1\n  otherwise use b", "priority 2")
    assert findings(text) == []


def test_equal_priorities_that_may_compete_warn():
    text = two(
        'when order.channel == "web"\n  effective 2026-11-01 to 2026-11-30',
        'when order.tier == "vip"\n  effective 2026-11-30 to 2026-12-31',
    )
    found = only(text, "overlapping-strategies")
    assert (found.line, found.column, found.severity) == (8, 10, "warning")
    assert "strategies `a` (line 4) and `b` both have priority 100 (the default)" in found.message
    assert "`a` wins because it comes first in the file" in found.message


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ('when order.channel == "web"', 'when order.tier == "vip"'),
        ('when order.delivery == "home"', 'when order.delivery == "collect"'),
        ('when order.delivery == "home"', 'when order.delivery in ["collect", "express"]'),
        ('when order.tier == "vip" and order.value > 5', 'when order.tier == "b2b"'),
        (
            "when order.value > 0\n  effective until 2026-11-14",
            "when order.value > 1\n  effective from 2026-11-15",
        ),
        (
            "when order.value > 0\n  effective until 2026-11-15T09:59",
            "when order.value > 1\n  effective from 2026-11-15T10:00",
        ),
    ],
    ids=[
        "undated, so file order",
        "different values",
        "value outside the list",
        "one pinned field",
        "days apart",
        "minutes apart",
    ],
)
def test_strategies_that_cannot_compete_do_not_warn(first, second):
    assert findings(two(first, second)) == []


# ------------------------------------------------------------------ accepted


@pytest.mark.parametrize(
    "clause",
    [
        'when line.category == "shoes"',
        "when line.qty >= 2 and order.value > 100",
        'source from node.id == order.collect_node or node.type == "dc"',
        'source from node.type in ["dc", "store"] and node.can_ship',
        'source from not node.tags has "flagship"',
        'source from node.tags has ["flagship", "outlet"]',
        'source from "flagship" in node.tags or "outlet" not in node.tags',
        "when order.created_at >= 2026-11-15",
        "rank by node.id == order.collect_node desc, distance, stock desc, node.priority",
        'keep 2 units at node.type == "store" and node.tags has "flagship"',
        "when not order.express_flag",
    ],
)
def test_correct_clauses_give_no_finding(clause):
    assert findings(one_strategy(clause), extra=("order.express_flag",)) == []


def test_extra_fields_from_data_accept_any_use():
    text = one_strategy(
        'when order.gift_wrap and order.segment in ["a", "b"] and line.brand == "acme"',
        'source from node.zone == "north" and node.dock_count > 2',
        "rank by node.zone",
    )
    assert [d.code for d in findings(text)].count("unknown-field") == 6
    extra = ("order.gift_wrap", "order.segment", "line.brand", "node.zone", "node.dock_count")
    assert findings(text, extra) == []


def test_check_takes_a_tree_and_returns_sorted_findings():
    ruleset = parse(one_strategy("split at most 0", 'when order.chanel == "x"'))
    found = check(ruleset)
    assert [(d.line, d.code) for d in found] == [(6, "split-not-positive"), (7, "unknown-field")]


def test_syntax_error_becomes_the_one_error():
    result = check_source(one_strategy("when order.channel =="), "t.route")
    assert result.ruleset is None
    assert not result.ok
    assert [(d.code, d.line) for d in result.errors] == [("syntax", 6)]
    assert result.render().startswith("t.route:6:")


def test_result_splits_errors_and_warnings():
    result = check_source(one_strategy("split at most 0", base=""), "t.route")
    assert [d.code for d in result.errors] == ["split-not-positive"]
    assert [d.code for d in result.warnings] == ["unrestricted-sources"]
    assert not result.ok
    warning_only = check_source(one_strategy(base=""), "t.route")
    assert warning_only.ok and warning_only.warnings


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_rulesets_are_clean(path):
    assert check_source(path.read_text(encoding="utf-8"), str(path)).diagnostics == []


def test_every_checker_finding_is_exercised_and_documented():
    exercised = {case[2] for case in CASES} | {
        "invalid-timezone",
        "missing-name",
        "no-strategies",
        "duplicate-strategy",
        "unknown-fallback",
        "fallback-to-self",
        "fallback-cycle",
        "fallback-chain-too-long",  # tests/test_dsl_limits.py
        "ignored-shortage",
        "never-chosen",
        "overlapping-strategies",
        "hidden-character",
        "ship-with-unsatisfiable",  # tests/test_language_promise.py
        # tests/test_return_language.py
        "field-not-for-kind",
        "clause-not-for-kind",
        "metric-not-for-kind",
        "fallback-other-kind",
        "missing-send-to",
        "missing-disposition",
        "unknown-disposition",
        "disposition-by-not-a-value",
        "duplicate-case-value",
        "restock-after-negative",
        "uncovered-disposition-values",
        "unknown-case-value",
        "restock-never-happens",
    }
    business_codes = {  # tests/test_business_checks.py
        "keep-never-applies",
        "source-cannot-ship",
        "within-out-of-reach",
        "window-in-past",
    }
    parser_codes = {
        "syntax",
        "duplicate-clause",
        "too-deep",
        "number-out-of-range",
        "too-long",
        "date-out-of-range",
    }
    assert exercised | parser_codes | business_codes == set(CODES)
    reference = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    assert [code for code in CODES if f"`{code}`" not in reference] == []


def test_every_field_and_metric_is_in_the_reference():
    reference = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    assert [path for path in FIELDS if f"| `{path}` |" not in reference] == []
    assert [word for word in METRICS if f"| `{word}` |" not in reference] == []


def test_trees_without_positions_are_checked_too():
    """Trees built by the studio's forms carry no spans: findings fall back to 1:1."""
    from dsl import syntax as s

    ruleset = s.Ruleset(
        name="Forms",
        strategies=[
            s.Strategy(id="a", within_km=0),
            s.Strategy(id="a", source=s.FieldRef(path="node.can_ship"), otherwise="b"),
        ],
    )
    found = {d.code: d for d in check(ruleset)}
    assert set(found) == {
        "within-not-positive",
        "duplicate-strategy",
        "unknown-fallback",
        "never-chosen",
    }
    assert "can never be chosen: `a` is tried first (priority 100)" in found["never-chosen"].message
    assert (found["duplicate-strategy"].line, found["duplicate-strategy"].column) == (1, 1)
    assert "is already used by an earlier strategy" in found["duplicate-strategy"].message


@pytest.mark.parametrize(
    ("when", "warned"),
    [
        ('order.delivery == "home"', True),
        ('order.delivery != "collect"', True),
        ('order.delivery in ["home", "express"]', True),
        ('order.delivery not in ["collect"]', True),
        ('order.tier == "vip" and order.delivery == "express"', True),
        ('order.delivery == "home" or order.delivery == "express"', True),
        ('order.delivery == "collect"', False),
        ('order.delivery in ["home", "collect"]', False),
        ('order.delivery == "home" or order.tier == "vip"', False),
        ('order.channel == "web"', False),
        ('not order.delivery == "collect"', False),  # not read: the check stays cheap
    ],
)
def test_transfer_warning_reads_only_order_delivery(when, warned):
    text = one_strategy(f"when {when}", 'transfer from node.type == "dc"')
    codes = [d.code for d in findings(text)]
    assert ("transfer-never-applies" in codes) is warned


def test_transfer_alone_restricts_the_candidates():
    """`transfer from` names the nodes a collect order may come from: no
    `unrestricted-sources` warning for a strategy without `source from`."""
    text = one_strategy(
        'when order.delivery == "collect"', 'transfer from node.type == "dc"', base=""
    )
    assert findings(text) == []


def test_transfer_given_twice_is_an_error():
    text = one_strategy('transfer from node.type == "dc"', "transfer from node.can_ship")
    (found,) = findings(text)
    assert (found.code, found.line, found.column) == ("duplicate-clause", 7, 3)
    assert found.message.startswith("`transfer from` is given twice in strategy `s`")
