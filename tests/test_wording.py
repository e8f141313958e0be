"""Rules in plain words (dsl.wording): every construct of the language reads as a
sentence, with business words for fields and values, and no rule code shows through."""

from __future__ import annotations

import re
from importlib import resources

from hypothesis import given, settings
from hypothesis import strategies as st
from strategies_dsl import expressions, strategies

import dsl
from dsl import syntax as s
from dsl.schema import FIELDS
from dsl.wording import (
    FIELD_WORDS,
    condition_words,
    negated_words,
    nodes_words,
    rank_words,
    strategy_words,
)

FRANCE = dsl.parse((resources.files("rulesets") / "france.route").read_text(encoding="utf-8"))
NAMES = {"ST-PARIS-01": "Paris Flagship", "ST-NANTERRE": "Nanterre"}
CODE = re.compile(r"\b(node|order|line)\.[A-Za-z_]|==|!=|>=|<=|\bnot in\b|\bhas\b|\[")
QUOTED = re.compile(r"“[^”]*”")


def code_in(text: str) -> list[str]:
    """Rule code left in a sentence, ignoring values in quotes (they are the user's data)."""
    return CODE.findall(QUOTED.sub("“…”", text))


def expr(text: str) -> s.Expr:
    return dsl.parse_expression(text)


def test_every_schema_field_has_business_words():
    assert set(FIELD_WORDS) == set(FIELDS)


def test_conditions_read_as_sentences():
    cases = {
        'node.type == "store" and node.tags has "flagship"': (
            "the node is a store and it is tagged flagship"
        ),
        'order.channel in ["web", "marketplace"] and order.delivery == "home"': (
            "the sales channel is “web” or “marketplace” and the delivery method is home delivery"
        ),
        'node.type not in ["dc", "store"]': "the node is neither a warehouse nor a store",
        '"flagship" in node.tags': "the node is tagged flagship",
        "node.id == order.collect_node": "the node is the collection store",
        'node.id == "ST-PARIS-01"': "the node is Paris Flagship (ST-PARIS-01)",
        "order.value >= 200": "the order value is at least 200",
        "order.created_at < 2026-12-20": "the order time is before 20 December 2026",
        'not line.category == "furniture"': "a line's product category is not “furniture”",
        "order.gift_wrap": "the order's gift wrap is yes",
        "node.priority < 3": "the node's priority number is below 3",
        'node.type == "dc" or (node.type == "store" and not node.tags has "flagship")': (
            "the node is a warehouse or (it is a store and it is not tagged flagship)"
        ),
    }
    for text, words in cases.items():
        assert condition_words(expr(text), names=NAMES) == words, text


def test_a_failed_condition_names_the_node():
    assert negated_words(expr("node.can_ship"), node="Nanterre") == "Nanterre does not ship parcels"
    assert (
        negated_words(expr('node.type == "store" and not node.tags has "flagship"'), node="Lille")
        == "Lille is not a store or it is tagged flagship"
    )


def test_node_groups_as_noun_phrases():
    assert nodes_words(expr('node.type == "store" and node.tags has "flagship"')) == (
        "stores tagged flagship"
    )
    assert nodes_words(expr('node.type in ["dc", "store"] and node.can_ship')) == (
        "warehouses and stores that ship parcels"
    )
    assert nodes_words(None) == "all nodes"
    assert (
        nodes_words(expr("node.priority < 3"))
        == "nodes where the node's priority number is below 3"
    )


def test_the_france_example_in_words():
    peak = strategy_words(
        FRANCE.strategy("peak_store_protection"), labels={x.id: x.label for x in FRANCE.strategies}
    )
    assert peak == [
        "Priority 10 (strategies with lower numbers are tried first).",
        "In force from 15 November 2026 to 31 December 2026.",
        "Applies when the sales channel is “web” or “marketplace” and the delivery method is "
        "home delivery.",
        "Ships from either warehouses or stores not tagged flagship.",
        "Keeps 3 units of every product at stores.",
        "Prefers nodes that can ship the most of the order in one parcel, then the closest to "
        "the customer; ties go to the lowest node id.",
        "Ships in at most 2 parcels.",
        "What it cannot ship goes to “Warehouses only”.",
        "What nobody can ship is left out; the rest ships.",
    ]
    for strategy in FRANCE.strategies:
        for sentence in strategy_words(strategy, names=NAMES):
            assert not code_in(sentence), sentence


def test_rank_keys_in_words():
    keys = (
        dsl.parse(
            'strategy a\n  rank by stock desc, node.priority, node.tags has "flagship" desc, load\n'
        )
        .strategies[0]
        .rank
    )
    assert rank_words(keys) == (
        "Prefers nodes with the most stock, then with the lowest priority number, then where "
        "the node is tagged flagship first, then with the most capacity left today; ties go "
        "to the lowest node id."
    )


@settings(max_examples=300, deadline=None)
@given(expressions, st.booleans())
def test_any_condition_renders_without_code(condition, holds):
    words = (condition_words if holds else negated_words)(condition, names=NAMES)
    assert isinstance(words, str) and words
    assert not code_in(words), words


@settings(max_examples=200, deadline=None)
@given(strategies())
def test_any_strategy_renders_without_code(strategy):
    for sentence in strategy_words(strategy, names=NAMES):
        assert sentence and not code_in(sentence), sentence


def test_the_promise_clauses_read_as_sentences():
    """`lines where`, `ship with`, `deliver` and `carrier by` each have their sentence, in
    the order the clauses are written."""
    strategy = dsl.parse(
        "strategy peak_express\n"
        '  lines where line.category == "bulky"\n'
        '  ship with carrier.service in ["express", "same_day"]\n'
        "  deliver within 1 day\n"
        "  carrier by eta, cost\n"
        "  rank by eta\n"
    ).strategies[0]
    said = strategy_words(strategy)
    assert "Takes only the lines where a line's product category is “bulky”." in said
    assert "Ships only with carrier services where the service is “express” or “same_day”." in said
    assert "Only nodes that can deliver within 1 day of the order." in said
    assert (
        "Picks the carrier service with the earliest delivery, then the lowest price; ties go "
        "to the carrier, then the service, by name."
    ) in said
    assert "Prefers nodes that can deliver the earliest; ties go to the lowest node id." in said
    by_date = dsl.parse("strategy s\n  deliver by order.requested_date\n").strategies[0]
    assert "Only nodes that can deliver by the requested delivery date." in strategy_words(by_date)
