"""The language of carriers and the delivery promise: `lines where`, `ship with`,
`deliver within` / `deliver by`, `carrier by` and the rank key `eta`, parsed and
formatted."""

from __future__ import annotations

import itertools

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
