"""The language of carriers and the delivery promise: `lines where`, `ship with`,
`deliver within` / `deliver by`, `carrier by`, the rank key `eta` and the new fields
— parsed, formatted and checked."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

import dsl
from dsl import syntax as s

PROMISE_EXAMPLE = """\
strategy peak_express "Peak express"
  effective 2026-11-15 to 2026-12-24
  when order.delivery == "express"
  source from node.can_ship
  ship with carrier.service in ["express", "same_day"]
  deliver within 1 day
  carrier by eta, cost
  rank by eta, distance
  split none
  otherwise use standard_home
"""
"""The example of promise.md, exactly as written there."""

STANDARD_HOME = """
strategy standard_home "Standard home delivery"
  when order.delivery == "home"
  source from node.can_ship
"""


def test_the_promise_example_parses_as_written_and_is_canonical():
    ruleset = dsl.parse(PROMISE_EXAMPLE)
    (peak,) = ruleset.strategies
    assert peak.ship_with == s.Compare(
        op="in",
        left=s.FieldRef(path="carrier.service"),
        right=s.ListOf(items=[s.Text(value="express"), s.Text(value="same_day")]),
    )
    assert peak.deliver == s.Deliver(within_days=1)
    assert peak.carrier_by == [s.Name(name="eta"), s.Name(name="cost")]
    assert peak.rank == [s.RankKey(key=s.Name(name="eta")), s.RankKey(key=s.Name(name="distance"))]
    assert dsl.format(ruleset) == PROMISE_EXAMPLE


def test_the_promise_example_checks_clean():
    text = 'ruleset "Peak"\ntimezone "Europe/Paris"\n\n' + PROMISE_EXAMPLE + STANDARD_HOME
    assert dsl.check_source(text).diagnostics == []


CLAUSES = (
    'lines where line.category == "bulky"',
    'source from node.type == "dc"',
    'ship with carrier.service == "freight" and carrier.max_weight_kg >= order.weight_kg',
    "deliver by order.requested_date",
    "carrier by co2, eta",
    "rank by eta",
)


@pytest.mark.parametrize("order", list(itertools.permutations(range(len(CLAUSES))))[::97])
def test_clauses_in_any_order_read_the_same_and_format_in_one_order(order):
    canonical = "strategy bulky\n" + "".join(f"  {clause}\n" for clause in CLAUSES)
    shuffled = "strategy bulky\n" + "".join(f"  {CLAUSES[i]}\n" for i in order)
    assert dsl.parse(shuffled) == dsl.parse(canonical)
    assert dsl.format(dsl.parse(shuffled)) == canonical


def test_day_and_days_are_the_same_word_and_the_format_agrees_with_the_number():
    for written, canonical in (
        ("deliver within 1 days", "deliver within 1 day"),
        ("deliver within 2 day", "deliver within 2 days"),
        ("deliver within 0 day", "deliver within 0 days"),
    ):
        ruleset = dsl.parse(f"strategy a\n  {written}\n")
        assert dsl.format(ruleset) == f"strategy a\n  {canonical}\n"


def test_the_new_keywords_are_still_names_where_a_name_is_expected():
    """`ship`, `deliver`, `carrier`, `lines`, `with`, `where`, `day` are keywords only at
    the start of their clause: strategy ids, fallbacks and field names may use them."""
    ruleset = dsl.parse(
        "strategy ship\n  otherwise use deliver\n"
        'strategy deliver\n  when order.lines > 1 and order.carrier == "x"\n'
        "  otherwise use carrier\n"
        "strategy carrier\n  rank by node.day desc\n"
    )
    assert [st.id for st in ruleset.strategies] == ["ship", "deliver", "carrier"]
    assert ruleset.strategies[0].otherwise == "deliver"


def test_a_carrier_by_key_and_a_deliver_field_keep_their_place_in_the_text():
    text = "strategy a\n  carrier by eta, co2\n  deliver by order.requested_date\n"
    strategy = dsl.parse(text).strategies[0]
    assert [(k.span.line, k.span.column) for k in strategy.carrier_by] == [(2, 14), (2, 19)]
    assert strategy.deliver.by.span == s.Span(3, 14, 3, 34)
    assert strategy.clause_spans["carrier_by"].column == 3


# ------------------------------------------------------------------ fields


def test_time_of_day_fields_compare_with_each_other_and_with_hh_mm_texts():
    text = (
        'ruleset "T"\nstrategy a\n  when order.local_time < "14:00" and order.weekday in '
        '["Mon", "Fri"]\n  source from order.local_time <= node.cutoff and '
        'node.open_days has "Sat"\n'
    )
    assert dsl.check_source(text).diagnostics == []


def test_weights_dates_and_preparation_days_are_numbers_and_dates():
    text = (
        'ruleset "T"\nstrategy a\n'
        "  when order.weight_kg > 30 and order.requested_date <= 2026-12-24\n"
        "  lines where line.weight_kg >= 20\n"
        "  source from node.prep_days == 0\n"
    )
    assert dsl.check_source(text).diagnostics == []
    found = dsl.check_source(text.replace("node.prep_days == 0", 'node.prep_days == "0"'))
    assert [d.code for d in found.diagnostics] == ["type-mismatch"]


def test_carrier_name_and_carrier_carrier_are_one_field_under_two_spellings():
    for field in ("carrier.name", "carrier.carrier"):
        text = f'ruleset "T"\nstrategy a\n  within 5 km\n  ship with {field} == "colissimo"\n'
        assert dsl.check_source(text).diagnostics == []


# ------------------------------------------------------------------ the reference


def _promise_section() -> str:
    text = (Path(__file__).resolve().parent.parent / "docs" / "language.md").read_text("utf-8")
    start = text.index("## Carriers and the delivery promise")
    return text[start : text.index("\n## ", start + 1)]


def test_the_reference_s_examples_parse_and_check_as_it_says():
    blocks = re.findall(r"```\n(.*?)```", _promise_section(), flags=re.S)
    strategies = [block for block in blocks if block.startswith("strategy ")]
    assert strategies[0] == PROMISE_EXAMPLE
    for block in strategies:
        fallback = STANDARD_HOME if "otherwise use standard_home" in block else ""
        result = dsl.check_source('ruleset "Docs"\n' + block + fallback)
        assert result.errors == [], result.render()
    (conditions,) = [block for block in blocks if block.startswith("ship with")]
    for line in conditions.splitlines():
        ruleset = dsl.parse(f'ruleset "D"\nstrategy a\n  within 5 km\n  {line}\n')
        assert ruleset.strategies[0].ship_with is not None
        assert dsl.check(ruleset) == []


def test_a_strategy_that_takes_some_lines_does_not_hide_the_strategies_after_it():
    """`never-chosen` once counted an earlier strategy without `when` as taking every
    order, though its `lines where` leaves the other lines to the later ones."""
    text = (
        'ruleset "T"\n'
        'strategy bulky\n  priority 5\n  lines where line.category == "bulky"\n'
        '  source from node.type == "dc"\n'
        "strategy rest\n  source from node.can_ship\n"
    )
    assert dsl.check_source(text).diagnostics == []
    # ...but the same `lines where` (and `when`) tried first still wins every time
    twice = text + '  lines where line.category == "bulky"\n'
    (finding,) = dsl.check_source(twice).diagnostics
    assert finding.code == "never-chosen"
    assert "`bulky` (line 2) is tried first (priority 5), has the same `lines where`" in (
        finding.message
    )
