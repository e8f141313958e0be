"""The language of carriers and the delivery promise: `lines where`, `ship with`,
`deliver within` / `deliver by`, `carrier by`, the rank key `eta` and the new fields
— parsed, formatted and checked, with and without a carriers table."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

import dsl
from dsl import syntax as s
from dsl.checks.carriers import UNKNOWN, holds
from dsl.days import read_days
from dsl.parser import parse_expression

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


def test_carrier_name_is_the_carrier_column_under_either_spelling():
    rows = [{"carrier": "colissimo", "service": "standard"}]
    for field in ("carrier.name", "carrier.carrier"):
        expr = parse_expression(f'{field} == "colissimo"')
        assert holds(expr, rows[0]) is True
        text = (
            f'ruleset "T"\nstrategy a\n  source from node.can_ship\n  ship with {field} == "dhl"\n'
        )
        (finding,) = dsl.check_source(text, carriers=rows).diagnostics
        assert finding.code == "ship-with-unsatisfiable"


# ------------------------------------------------------------ carriers table

CARRIERS = [
    {
        "carrier": "colissimo",
        "service": "standard",
        "countries": "FR;BE",
        "node_types": "",
        "max_weight_kg": "30",
        "transit_days": "2",
        "pickup_days": "Mon-Fri",
        "delivery_days": "",
        "co2_per_km": "",
    },
    {
        "carrier": "chronopost",
        "service": "express",
        "countries": ["FR"],
        "node_types": ["dc", "store"],
        "max_weight_kg": 30,
        "transit_days": 1,
        "pickup_days": "Mon-Sat",
        "zone": "north",
    },
    {
        "carrier": "geodis",
        "service": "freight",
        "countries": "FR",
        "max_weight_kg": None,
        "transit_days": 3,
        "daily_parcels": "",
    },
]
"""Rows as a carriers file holds them: texts straight from a CSV, typed values, lists."""


def checked(ship_with: str, carriers=CARRIERS) -> list[dsl.Diagnostic]:
    text = f'ruleset "T"\nstrategy a\n  source from node.can_ship\n  ship with {ship_with}\n'
    return dsl.check_source(text, "t.route", carriers=carriers).diagnostics


@pytest.mark.parametrize(
    "ship_with",
    [
        'carrier.service in ["express", "same_day"]',
        "carrier.transit_days <= 1",
        "carrier.max_weight_kg >= 30",
        'carrier.countries has "BE"',
        'carrier.node_types has "store"',
        'carrier.pickup_days has "Sat"',
        'carrier.zone == "north"',
        "not carrier.max_weight_kg < 1000",  # missing (no limit): `<` is false
        # what an order or a node says is not known before routing: it may hold
        "carrier.max_weight_kg >= order.weight_kg",
        'carrier.service == order.delivery or carrier.name == "dhl"',
        "carrier.transit_days == node.prep_days",
        # an empty cell with a default (co2_per_km, delivery_days) may hold too
        "carrier.co2_per_km < 0.05",
        'carrier.delivery_days has "Sun"',
    ],
)
def test_a_ship_with_some_service_may_satisfy_is_accepted(ship_with):
    assert checked(ship_with) == []


@pytest.mark.parametrize(
    ("ship_with", "hint"),
    [
        ('carrier.service == "same_day"', '"same_day" is not a `carrier.service` of the table'),
        ("carrier.transit_days == 0", ""),
        ("carrier.max_weight_kg > 30", ""),  # the freight service has no limit: missing
        ('carrier.countries has "DE"', ""),
        ('carrier.pickup_days has "Sun" and carrier.transit_days < 3', ""),
        ('carrier.daily_parcels > 0 and carrier.service == "freight"', ""),
        ('carrier.zone == "south"', ""),
        (  # the order's weight is unknown, but no service passes the other half
            'carrier.max_weight_kg >= order.weight_kg and carrier.service == "courier"',
            '"courier" is not a `carrier.service` of the table',
        ),
        ('carrier.name == "chronopots"', 'did you mean "chronopost"?'),
    ],
)
def test_a_ship_with_no_service_satisfies_is_an_error_at_the_clause(ship_with, hint):
    (finding,) = checked(ship_with)
    assert (finding.code, finding.severity, finding.line, finding.column) == (
        "ship-with-unsatisfiable",
        "error",
        4,
        13,
    )
    assert finding.message.startswith(
        f"no carrier service of the carriers table satisfies `ship with {ship_with}` (it has "
        "colissimo standard, chronopost express, geodis freight)"
    )
    assert hint in finding.message
    assert finding.message.endswith(
        ": every parcel of this strategy would be left without a carrier"
    )


def test_the_unsatisfiable_clause_renders_with_its_caret():
    text = (
        'ruleset "T"\nstrategy a\n  source from node.can_ship\n'
        '  ship with carrier.service == "expres"\n'
    )
    result = dsl.check_source(text, "peak.route", carriers=CARRIERS)
    assert result.render() == (
        "peak.route:4:13: error: no carrier service of the carriers table satisfies "
        '`ship with carrier.service == "expres"` (it has colissimo standard, chronopost '
        'express, geodis freight); "expres" is not a `carrier.service` of the table (did you '
        'mean "express"?): every parcel of this strategy would be left without a carrier\n'
        '      ship with carrier.service == "expres"\n'
        "                ^~~~~~~~~~~~~~~~~~~~~~~~~~~"
    )


def test_an_empty_table_satisfies_no_ship_with_and_a_long_one_is_named_in_part():
    (finding,) = checked('carrier.service == "express"', carriers=[])
    assert "(the carriers table has no service)" in finding.message
    many = [{"carrier": f"c{i}", "service": "standard"} for i in range(8)]
    (finding,) = checked('carrier.service == "express"', carriers=many)
    assert (
        "(it has c0 standard, c1 standard, c2 standard, c3 standard, c4 standard and 3 more)"
        in (finding.message)
    )


def test_without_a_table_nothing_is_said_about_satisfying_ship_with():
    assert checked('carrier.service == "teleport"', carriers=None) == []


def test_the_table_s_own_columns_become_carrier_fields():
    assert checked('carrier.zone == "north"') == []
    (finding,) = checked('carrier.zone == "north"', carriers=[{"carrier": "x", "service": "y"}])
    assert finding.code == "unknown-field"  # a table without that column


def test_a_clause_with_an_error_is_not_tried_against_the_table():
    found = checked("carrier.service == 3")
    assert [d.code for d in found] == ["type-mismatch"]


def test_unreadable_cells_are_unknown_not_false():
    """A bad cell is the table loader's to report: the checker never calls a clause
    unsatisfiable because of one."""
    row = {"carrier": "x", "service": "y", "max_weight_kg": "heavy", "pickup_days": "Mon-Zed"}
    assert holds(parse_expression("carrier.max_weight_kg > 10"), row) is UNKNOWN
    assert holds(parse_expression('carrier.pickup_days has "Mon"'), row) is UNKNOWN
    assert checked("carrier.max_weight_kg > 10", carriers=[row]) == []


def test_a_day_list_the_tables_refuse_is_unknown_to_the_checker():
    """One grammar: `Mon;;Fri`, which the carriers loader rejects, is no Mon-and-Fri
    list to the checker either (it once skipped the empty entry)."""
    row = {"carrier": "x", "service": "y", "pickup_days": "Mon;;Fri"}
    assert holds(parse_expression('carrier.pickup_days has "Sun"'), row) is UNKNOWN
    assert checked('carrier.pickup_days has "Sun"', carriers=[row]) == []


def test_three_valued_logic_for_what_only_the_order_knows():
    row = CARRIERS[0]
    assert holds(parse_expression('carrier.service == "standard" or order.x == 1'), row) is True
    assert holds(parse_expression('carrier.service == "express" and order.x == 1'), row) is False
    assert holds(parse_expression('carrier.service == "standard" and order.x == 1'), row) is UNKNOWN
    assert holds(parse_expression('not (carrier.service == "standard" and order.x == 1)'), row) is (
        UNKNOWN
    )


# ------------------------------------------------------------------ day lists


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("Mon-Fri", ("Mon", "Tue", "Wed", "Thu", "Fri")),
        ("Mon-Sat", ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat")),
        ("Mon;Wed;Fri", ("Mon", "Wed", "Fri")),
        ("sat;SUN; mon", ("Mon", "Sat", "Sun")),
        ("Mon-Wed;Tue-Thu", ("Mon", "Tue", "Wed", "Thu")),
        ("Sun", ("Sun",)),
        ("", ()),
    ],
)
def test_day_lists_read_ranges_and_lists_in_week_order(text, days):
    assert read_days(text) == days


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Mon-Fry", "unknown day 'Fry' (did you mean Fri?)"),
        (
            "Sat-Mon",
            "the range Sat-Mon runs backwards; a range runs from Mon towards Sun: "
            "write Mon;Sat;Sun",
        ),
        ("Monday", "unknown day 'Monday' (did you mean Mon?)"),
        ("Mon-", "'Mon-' is not a day or a range of two days"),
        ("Mon;;Fri", "an entry is empty"),
    ],
)
def test_a_bad_day_list_says_what_is_wrong(text, message):
    """The language reads day lists with the tables' grammar and its reasons."""
    with pytest.raises(ValueError) as caught:
        read_days(text)
    assert message in str(caught.value)


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
