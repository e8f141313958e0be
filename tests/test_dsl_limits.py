"""The limits of the language (docs/language.md, "Limits"): hostile or mistaken
rulesets — expressions nested hundreds deep, numbers of thousands of digits,
names and texts of a megabyte — get a diagnostic at their line and column, never
a Python traceback; and everything up to the limits works end to end."""

from __future__ import annotations

import datetime as dt
import inspect
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from routing_world import network, node, order, router, ships
from strategies_dsl import floats_in_range, numbers, numbers_out_of_range

import dsl
import engine
from cli.main import main
from dsl import limits
from dsl import syntax as s
from dsl.formatter import format_expr

# ----------------------------------------------------------------- helpers


def refusal(text: str):
    """The diagnostic `parse` refuses `text` with."""
    with pytest.raises(dsl.RulesetSyntaxError) as caught:
        dsl.parse(text, "hostile.route")
    return caught.value.diagnostic


def when(expression: str) -> str:
    return f'ruleset "r"\nstrategy a\n  when {expression}\n  source from node.can_ship\n'


def cli(capsys, tmp_path, text: str, *argv: str) -> tuple[int, str, str]:
    path = tmp_path / "hostile.route"
    path.write_text(text, encoding="utf-8")
    code = main([*argv, str(path)])
    out, err = capsys.readouterr()
    return code, out, err


# ----------------------------------------------------------------- nesting

TOO_DEEP = f"expressions nest at most {limits.MAX_NESTING} levels"


def test_five_hundred_nested_nots_are_refused_with_a_diagnostic():
    found = refusal(when("not " * 500 + 'order.tier == "vip"'))
    assert (found.code, found.line) == ("too-deep", 3)
    # `  when ` is 7 characters: the 65th `not` starts at 8 + 64 * 4.
    assert found.column == 8 + 4 * limits.MAX_NESTING
    assert found.message.startswith(f"the condition reaches level {limits.MAX_NESTING + 1} here")
    assert TOO_DEEP in found.message


def test_alternating_or_and_nested_250_levels_are_refused_with_a_diagnostic():
    expression = 'order.tier == "vip"'
    for level in range(250):
        operator = "or" if level % 2 else "and"
        expression = f"(order.value > {level} {operator} {expression})"
    found = refusal(when(expression))
    assert (found.code, found.line) == ("too-deep", 3)
    assert TOO_DEEP in found.message


def test_lists_nested_a_thousand_deep_are_refused_with_a_diagnostic():
    found = refusal(when("order.channel in " + "[" * 1000 + '"web"' + "]" * 1000))
    assert (found.code, found.line, found.column) == ("too-deep", 3, 25 + limits.MAX_NESTING)


def test_redundant_parentheses_add_no_level_and_parse_without_recursion():
    deep = "(" * 100_000 + 'order.tier == "vip"' + ")" * 100_000
    ruleset = dsl.parse(when(deep))
    assert format_expr(ruleset.strategies[0].when) == 'order.tier == "vip"'


@pytest.mark.parametrize("command", [("check",), ("fmt",), ("fmt", "--write")])
def test_deep_nesting_is_a_finding_for_check_and_fmt_not_a_traceback(command, capsys, tmp_path):
    code, out, err = cli(capsys, tmp_path, when("not " * 5_000 + "order.x"), *command)
    assert code == 1
    assert f"hostile.route:3:{8 + 4 * limits.MAX_NESTING}: error: the condition reaches" in out
    assert "Traceback" not in out + err


def _nested_to_the_limit(leaf: str) -> str:
    """A condition exactly `MAX_NESTING` levels deep in the shape that stacks the most
    tree nodes per level (an `and` holding a comparison with a bracketed group)."""
    expression = leaf  # the first group adds no level: its leaf needs no brackets
    for level in range(limits.MAX_NESTING + 1):
        expression = (
            f"(node.can_collect and node.priority > -{level + 1} and node.can_ship == {expression})"
        )
    return expression[1:-1]  # the outermost group needs no brackets: 64 levels in all


def test_a_ruleset_at_the_nesting_limit_checks_formats_compiles_and_routes():
    """Every walk of the tree (checker, formatter, compiler, router, explanations)
    copes with the deepest accepted expression, with 500 frames to spare for callers."""
    deep = _nested_to_the_limit("node.can_ship")
    text = (
        'ruleset "deep"\nstrategy deep\n'
        f"  source from {deep}\n  keep 1 unit at {deep}\n  rank by {deep} desc, distance\n"
    )
    spare = 500
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + spare)
    try:
        result = dsl.check_source(text, "deep.route")
        assert result.ok, result.render()
        assert dsl.parse(dsl.format(result.ruleset)) == result.ruleset
        net = network(node("STORE", "paris"), node("DC", "versailles", "dc"))
        decision = router(text, net, {("STORE", "A"): 5, ("DC", "A"): 5}).route(
            order("o1", {"A": 2}), explain=True
        )
    finally:
        sys.setrecursionlimit(limit)
    # Stores satisfy the condition (they allow collection); the warehouse does not.
    assert ships(decision) == [("STORE", {"A": 2})]
    assert max(len(line) for line in result.render().split("\n")) < 300


def test_one_level_more_than_the_limit_is_refused():
    deep = f"node.can_ship == ({_nested_to_the_limit('node.can_ship')})"
    found = refusal(f"strategy a\n  source from {deep}\n")
    assert found.code == "too-deep"


# ----------------------------------------------------------------- numbers


def test_a_number_of_five_thousand_digits_is_refused_with_a_diagnostic():
    found = refusal(when("order.value > " + "9" * 5_000))
    assert (found.code, found.line, found.column) == ("number-out-of-range", 3, 22)
    assert "is too large: numbers must be below 10^15" in found.message
    assert len(found.message) < 200


def test_within_1e400_km_is_refused_rather_than_read_as_infinity(capsys, tmp_path):
    text = 'ruleset "r"\nstrategy a\n  within 1e400 km\n'
    found = refusal(text)
    assert (found.code, found.line, found.column) == ("number-out-of-range", 3, 10)
    code, out, err = cli(capsys, tmp_path, text, "fmt", "--write")
    assert code == 1 and "`1e400` is too large" in out and "Traceback" not in out + err
    assert (tmp_path / "hostile.route").read_text(encoding="utf-8") == text


def test_a_literal_of_1e400_is_refused_so_fmt_never_writes_inf():
    found = refusal(when("order.value > 1e400"))
    assert (found.code, found.column) == ("number-out-of-range", 22)


def test_a_number_too_small_to_tell_from_zero_is_refused():
    found = refusal(when("order.value > 1e-400"))
    assert "is too small" in found.message


def test_a_number_with_more_significant_digits_than_a_double_holds_is_refused():
    found = refusal(when("order.value > 0.123456789012345678"))
    assert "has 18 significant digits: numbers have at most 17" in found.message


@pytest.mark.parametrize(
    ("clause", "accepted"),
    [
        ("priority 999999999999999", True),
        ("priority -999999999999999", True),
        ("priority 1000000000000000", False),
        ("split at most 999999999999999", True),
        ("split at most 1000000000000000", False),
        ("keep 999999999999999 units at node.can_ship", True),
        ("keep 1e15 units at node.can_ship", False),
        ("within 0.000000000000001 km", True),
        ("within 999999999999999.9 km", True),
        ("within 1e15 km", False),
    ],
)
def test_each_clause_takes_numbers_up_to_the_documented_limit(clause, accepted):
    text = f"strategy a\n  {clause}\n"
    if accepted:
        assert dsl.parse(dsl.format(dsl.parse(text))) == dsl.parse(text)
    else:
        assert refusal(text).code == "number-out-of-range"


@given(numbers)
def test_every_accepted_number_formats_to_text_that_reads_back_exactly(value):
    tree = dsl.parse_expression(f"order.value == {format_expr(dsl.syntax.Number(value=value))}")
    assert tree.right.value == value and type(tree.right.value) is type(value)


@given(st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False)))
def test_numbers_are_taken_or_refused_never_a_crash(value):
    written = format_expr(dsl.syntax.Number(value=value))
    try:
        read = dsl.parse_expression(f"order.value == {written}").right.value
    except dsl.RulesetSyntaxError as error:
        assert error.diagnostic.code == "number-out-of-range"
    else:
        assert read == value


@given(numbers_out_of_range)
def test_numbers_out_of_range_are_refused(value):
    with pytest.raises(dsl.RulesetSyntaxError) as caught:
        dsl.parse_expression(f"order.value == {format_expr(dsl.syntax.Number(value=value))}")
    assert caught.value.diagnostic.code == "number-out-of-range"


@given(floats_in_range)
def test_floats_in_range_never_format_as_inf_or_nan(value):
    assert format_expr(dsl.syntax.Number(value=value)) not in ("inf", "-inf", "nan")


# ------------------------------------------------------- names and texts


def test_a_strategy_id_of_a_megabyte_is_refused_in_a_short_message():
    found = refusal("strategy " + "a" * 1_000_000 + "\n")
    assert (found.code, found.line, found.column) == ("too-long", 1, 10)
    assert f"names and fields have at most {limits.MAX_NAME_LENGTH}" in found.message
    assert len(found.message) < 200


def test_a_field_path_longer_than_the_limit_is_refused():
    found = refusal(when("order." + "x" * limits.MAX_NAME_LENGTH + " == 1"))
    assert found.code == "too-long"


def test_a_text_longer_than_the_limit_is_refused_and_one_at_the_limit_is_taken():
    at_limit = "x" * limits.MAX_TEXT_LENGTH
    assert dsl.parse(f'ruleset "{at_limit}"\n').name == at_limit
    found = refusal(f'ruleset "{at_limit}x"\n')
    assert (found.code, found.column) == ("too-long", 9)
    assert f"a text in quotes has at most {limits.MAX_TEXT_LENGTH:,}" in found.message


# ------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    "clause",
    [
        "effective until 9999-12-31",
        "effective 9999-12-31T23:59 to 9999-12-31T23:59",
        "effective from 0001-01-01",
        "effective 0999-12-31 to 2026-01-01",
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_refused_rather_than_overflowing(clause):
    found = refusal(f"strategy a\n  {clause}\n  source from node.can_ship\n")
    assert found.code == "date-out-of-range"
    assert "outside the dates a ruleset may use, 1000-01-01 to 9998-12-31" in found.message


def test_a_date_literal_out_of_range_is_refused_too():
    found = refusal(when("order.created_at >= 9999-12-31T23:59"))
    assert (found.code, found.column) == ("date-out-of-range", 28)


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Tokyo", "Etc/GMT+12"])
def test_the_first_and_last_dates_check_compile_and_route_in_any_time_zone(zone):
    text = (
        f'ruleset "ends"\ntimezone "{zone}"\n'
        'strategy vip\n  priority 1\n  when order.tier == "vip"\n  source from node.can_ship\n'
        "strategy ends\n  priority 2\n  effective 1000-01-01 to 9998-12-31T23:59\n"
        "  effective from 9998-12-31\n  effective until 1000-01-01\n"
        "  source from node.can_ship\n"
    )
    result = dsl.check_source(text)
    assert result.ok, result.render()
    decision = router(text, network(node("P", "paris")), {("P", "A"): 5}).route(
        order("o1", {"A": 1})
    )
    assert ships(decision) == [("P", {"A": 1})]


def test_a_tree_built_in_code_with_a_date_out_of_range_is_an_error_not_an_overflow():
    from dsl import syntax as s

    far = s.Moment(day=dt.date(9999, 12, 31), minute=dt.time(23, 59))
    strategy = s.Strategy(
        id="a",
        effective=[s.Effective(end=far)],
        when=s.Compare(op=">=", left=s.FieldRef(path="order.created_at"), right=far),
        source=s.FieldRef(path="node.can_ship"),
    )
    found = dsl.check(s.Ruleset(name="code", strategies=[strategy]))
    assert [d.code for d in found] == ["date-out-of-range", "date-out-of-range"]
    with pytest.raises(engine.CompileError):
        engine.policy_of(s.Ruleset(name="code", strategies=[strategy]))


def test_a_fallback_chain_of_ten_thousand_strategies_is_refused_at_once():
    """A 10,000-long `otherwise use` chain checked clean, then took the engine minutes
    and memory growing with the cube of its length to prepare; chains hold at most 32."""
    from dsl.limits import MAX_CHAIN

    def chain(n: int) -> s.Ruleset:
        strategies = [
            s.Strategy(id=f"s{i}", otherwise=f"s{i + 1}" if i + 1 < n else None) for i in range(n)
        ]
        return s.Ruleset(name="chain", strategies=strategies)

    fine = [d for d in dsl.check(chain(MAX_CHAIN)) if d.code == "fallback-chain-too-long"]
    assert fine == []
    for n in (MAX_CHAIN + 1, 10_000):
        long = [d for d in dsl.check(chain(n)) if d.code == "fallback-chain-too-long"]
        assert [d.message.split(";")[0] for d in long] == [
            f"the fallback chain from `s0` holds {n:,} strategies"
        ]
        with pytest.raises(engine.CompileError, match="at most 32 are allowed"):
            engine.policy_of(chain(n))
