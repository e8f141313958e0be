"""Expressions as closures and node masks: the comparison rules, `line.*` as
"any line", extra columns, and node-only predicates evaluated once per node."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from routing_world import network, node, order

import dsl
from dsl.comparisons import compare
from engine.expressions import node_mask, order_predicate

UTC = ZoneInfo("UTC")


def when(text: str):
    return order_predicate(dsl.parse_expression(text), UTC)


@pytest.mark.parametrize(
    ("op", "a", "b", "holds"),
    [
        ("==", "web", "web", True),
        ("==", 1, 1.0, True),
        ("==", 1, "1", False),
        ("==", True, 1, False),
        ("==", None, None, False),
        ("!=", None, "x", True),
        ("<", 1, 2, True),
        ("<", "a", 1, False),
        ("<", None, 1, False),
        ("in", "web", ("web", "store"), True),
        ("not in", None, ("web",), True),
        ("has", ("flagship", "paris"), "flagship", True),
        ("has", ("paris",), ("lyon", "paris"), True),
        ("has", "flagship", "flagship", False),
    ],
)
def test_comparison_rules(op, a, b, holds):
    assert compare(op, a, b) is holds


def test_line_fields_in_when_mean_any_line():
    mixed = order("o", [("A", 1), ("B", 5)])
    assert when('line.sku == "B"')(mixed)
    assert when("line.qty > 4")(mixed)
    assert not when("line.qty > 5")(mixed)
    assert not when('not line.sku == "B"')(mixed)  # no line is B: false


def test_order_values_and_extra_columns():
    o = order("o", {"A": 2, "B": 1}, gift_wrap=True, channel="web")
    assert when("order.value == 30")(o)  # 3 units × 10.0
    assert when("order.gift_wrap")(o)
    assert when("order.lines == 2 and order.units == 3")(o)
    assert not when('order.missing_column == "x"')(o)


def test_dates_compare_as_instants_in_the_ruleset_zone():
    paris = ZoneInfo("Europe/Paris")
    predicate = order_predicate(dsl.parse_expression("order.created_at >= 2026-11-15"), paris)
    assert not predicate(order("o", {"A": 1}, "2026-11-14T22:59:00+00:00"))
    assert predicate(order("o", {"A": 1}, "2026-11-14T23:00:00+00:00"))
    assert predicate(order("o", {"A": 1}, dt.datetime(2026, 11, 15, 0, 0)))  # naive: Paris


def test_node_only_predicates_are_static_masks():
    net = network(node("DC", "lyon", "dc"), node("ST", "paris", tags=("flagship",)))
    mask = node_mask(
        dsl.parse_expression('node.type == "dc" or node.tags has "flagship"'), net.nodes, UTC
    )
    assert mask.dynamic is None and mask.static.tolist() == [True, True]


def test_mixed_predicates_are_per_order_and_memoised():
    net = network(node("DC", "lyon", "dc"), node("ST", "paris"))
    expr = dsl.parse_expression('node.id == order.collect_node or node.type == "dc"')
    mask = node_mask(expr, net.nodes, UTC)
    assert mask.dynamic is not None
    first = mask.for_order(order("a", {"A": 1}, collect_node="ST"))
    assert first.tolist() == [True, True]
    assert mask.for_order(order("b", {"A": 1}, collect_node=None)).tolist() == [True, False]
    again = mask.for_order(order("c", {"A": 1}, collect_node="ST"))
    assert again.tolist() == first.tolist()
