"""The strategy form and the syntax tree, both ways (no Streamlit): showing a strategy
in the form never changes it, and every form value lands in the right clause."""

from __future__ import annotations

import datetime as dt
from importlib import resources

import pytest
from hypothesis import HealthCheck, given, settings
from strategies_dsl import clean_ruleset_texts, rulesets, strategies

import dsl
from dsl import syntax as s
from dsl.formatter import format_expr
from studio import forms
from studio.conditions import (
    EXPRESSION,
    HAS_NOT,
    IS_FALSE,
    IS_TRUE,
    Condition,
    ConditionError,
    Group,
    expression_from,
    expression_of,
    group_of,
    literal_items,
    with_row,
    without_row,
)

EXAMPLES = sorted(
    f.name for f in resources.files("rulesets").iterdir() if f.name.endswith(".route")
)


def example(name: str) -> s.Ruleset:
    return dsl.parse((resources.files("rulesets") / name).read_text(encoding="utf-8"), name)


FRANCE = example("france.route")
STORES = Group(rows=(Condition("node.type", "==", "store"),))


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_shipped_strategy_survives_the_form(name):
    ruleset = example(name)
    for strategy in ruleset.strategies:
        form = forms.form_of(strategy)
        assert forms.strategy_of(form, strategy.comments) == strategy
        # and the ruleset's text is unchanged by applying the form as it is shown
        again = forms.update_strategy(ruleset, strategy.id, form)
        assert forms.text_of(again) == dsl.format_ruleset(ruleset)


def test_france_conditions_become_picker_rows():
    peak = forms.form_of(FRANCE.strategy("peak_store_protection"))
    assert peak.when == Group(
        "and",
        (
            Condition("order.channel", "in", "web, marketplace"),
            Condition("order.delivery", "==", "home"),
        ),
    )
    # `a or (b and c)`: two rows joined with `or`, the second a group joined with `and`
    assert peak.source == Group(
        "or",
        (
            Condition("node.type", "==", "dc"),
            Group(
                "and",
                (
                    Condition("node.type", "==", "store"),
                    Condition("node.tags", HAS_NOT, "flagship"),
                ),
            ),
        ),
    )
    assert peak.keep == (
        forms.KeepLevel(3, Group("and", (Condition("node.type", "==", "store"),))),
    )
    home = forms.form_of(FRANCE.strategy("standard_home"))
    assert home.source == Group(
        "and", (Condition("node.type", "in", "dc, store"), Condition("node.can_ship", IS_TRUE, ""))
    )
    collect = forms.form_of(FRANCE.strategy("click_and_collect"))
    assert collect.source == Group()
    assert collect.transfer == Group("and", (Condition("node.type", "==", "dc"),))
    assert collect.rank == (forms.RankRow("distance", None),)


def test_rows_are_typed_by_their_field():
    assert expression_of(Condition("order.value", ">=", "150")) == s.Compare(
        op=">=", left=s.FieldRef(path="order.value"), right=s.Number(value=150)
    )
    assert expression_of(Condition("order.tier", "==", "42")) == s.Compare(
        op="==", left=s.FieldRef(path="order.tier"), right=s.Text(value="42")
    )
    assert expression_of(Condition("node.tags", HAS_NOT, "flagship")) == dsl.parse_expression(
        'not node.tags has "flagship"'
    )
    assert expression_of(Condition("node.can_collect", IS_FALSE)) == dsl.parse_expression(
        "not node.can_collect"
    )
    assert expression_of(
        Condition("order.channel", "not in", "web,  b2b ,")
    ) == dsl.parse_expression('order.channel not in ["web", "b2b"]')
    assert expression_of(Condition("order.created_at", ">=", "2026-11-15T06:00")) == (
        dsl.parse_expression("order.created_at >= 2026-11-15T06:00")
    )
    # a data column the schema does not know: the value's look decides
    assert expression_of(Condition("order.gift_wrap", "==", "true")) == dsl.parse_expression(
        "order.gift_wrap == true"
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (Condition("node.capacity", "==", "lots"), "node.capacity takes a number, not 'lots'"),
        (Condition("node.can_ship", "==", "yes"), "node.can_ship is true or false"),
        (Condition("order.channel", "in", " , "), "list the values for `in`"),
        (Condition(EXPRESSION, "", "order.tier =="), "expected a value or a field"),
        (Condition("order.created_at", ">", "15/11/2026"), "takes a date (2026-11-15)"),
    ],
)
def test_a_row_that_cannot_be_a_condition_says_why(row, message):
    with pytest.raises(ConditionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        expression_of(row)


def test_rows_only_show_as_pickers_when_they_round_trip():
    for text in (
        'order.channel in ["web", "a, b"]',  # a comma inside a value
        'order.tier == " vip"',  # spaces the value box would lose
        '"vip" == order.tier',  # the field on the right
        "order.value > order.units",  # two fields
        'node.tags has ["a", "b"] and order.country == "FR"',
    ):
        expr = dsl.parse_expression(text)
        rows = group_of(expr)
        assert expression_from(rows) == expr, text
    assert group_of(dsl.parse_expression('node.tags has ["a", "b"]')).rows == (
        Condition("node.tags", "has", "a, b"),
    )
    assert group_of(dsl.parse_expression('order.tier == " vip"')).rows[0].field == EXPRESSION


def test_a_form_change_writes_the_clause_and_nothing_else():
    before = dsl.format_ruleset(FRANCE)
    changed = forms.edit_strategy(
        FRANCE,
        "peak_store_protection",
        windows=(forms.Window(dt.date(2026, 11, 8), None, dt.date(2026, 12, 31), None),),
        keep=(forms.KeepLevel(5, STORES),),
        split=None,
    )
    after = forms.text_of(changed)
    removed = [line for line in before.splitlines() if line not in after.splitlines()]
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert removed == [
        "  effective 2026-11-15 to 2026-12-31",
        '  keep 3 units at node.type == "store"',
    ]
    assert added == [
        "  effective 2026-11-08 to 2026-12-31",
        '  keep 5 units at node.type == "store"',
    ]
    assert len(after.splitlines()) == len(before.splitlines()) - 1  # one `split` line less
    assert changed.strategy("peak_store_protection").split is None
    assert dsl.parse(after) == changed


def test_windows_with_times_open_ends_and_mistakes():
    effective = forms.effective_of(forms.Window(None, None, dt.date(2026, 3, 1), dt.time(6, 30)))
    assert dsl.formatter.format_effective(effective) == "effective until 2026-03-01T06:30"
    effective = forms.effective_of(forms.Window(dt.date(2026, 1, 1)))
    assert dsl.formatter.format_effective(effective) == "effective from 2026-01-01"
    with pytest.raises(forms.FormError, match="a start time needs a start date") as caught:
        forms.effective_of(forms.Window(None, dt.time(6), dt.date(2026, 3, 1)), 2)
    assert caught.value.field == "window.2.start"
    with pytest.raises(forms.FormError, match="give a start date, an end date or both"):
        forms.effective_of(forms.Window())


def test_rank_keys_in_order_with_directions():
    home = forms.form_of(FRANCE.strategy("standard_home"))
    rank = forms.moved(home.rank, 2, -2)  # cost first
    changed = forms.edit_strategy(
        FRANCE, "standard_home", rank=(*rank[:2], forms.RankRow("stock", "desc"))
    )
    assert "  rank by cost, shipments, stock desc\n" in forms.text_of(changed)
    cleared = forms.edit_strategy(FRANCE, "standard_home", rank=())
    assert cleared.strategy("standard_home").rank is None  # the default order applies
    with pytest.raises(forms.FormError, match="expected") as caught:
        forms.edit_strategy(FRANCE, "standard_home", rank=(forms.RankRow("node.priority <", None),))
    assert caught.value.field == "rank.0.key"


def test_renaming_a_strategy_follows_its_fallbacks_and_refuses_duplicates():
    form = forms.form_of(FRANCE.strategy("dc_backstop"))
    renamed = forms.update_strategy(FRANCE, "dc_backstop", forms.replace(form, id="warehouses"))
    assert [st.otherwise for st in renamed.strategies] == [
        "warehouses",
        "warehouses",
        None,
        "standard_home",
        None,
    ]
    assert dsl.check(renamed) == dsl.check(FRANCE)
    with pytest.raises(forms.FormError, match="already called vip_express"):
        forms.update_strategy(FRANCE, "dc_backstop", forms.replace(form, id="vip_express"))
    with pytest.raises(forms.FormError, match="letters, digits and _"):
        forms.update_strategy(FRANCE, "dc_backstop", forms.replace(form, id="2nd choice"))


def test_add_and_delete_strategies():
    added, new_id = forms.add_strategy(FRANCE)
    again, other_id = forms.add_strategy(added)
    assert (new_id, other_id) == ("new_strategy", "new_strategy_2")
    assert forms.text_of(again).endswith('strategy new_strategy_2 "New strategy"\n')
    assert dsl.parse(forms.text_of(again)) == again
    removed = forms.delete_strategy(FRANCE, "dc_backstop")
    assert [st.id for st in removed.strategies] == [st.id for st in FRANCE.strategies][:-1]
    # the fallbacks that named it stay, and the checker says so
    messages = [d.message for d in dsl.check(removed) if d.is_error]
    assert any("dc_backstop" in message for message in messages)


def test_a_copied_strategy_follows_its_original_with_a_fresh_id_and_no_comments():
    copied, new_id = forms.copy_strategy(FRANCE, "standard_home")
    again, other_id = forms.copy_strategy(copied, "standard_home")
    assert (new_id, other_id) == ("standard_home_copy", "standard_home_copy_2")
    ids = [strategy.id for strategy in copied.strategies]
    assert ids[:2] == ["standard_home", "standard_home_copy"]
    copy, original = copied.strategy(new_id), FRANCE.strategy("standard_home")
    assert copy.label == "Standard home delivery (copy)" and copy.comments == []
    assert forms.form_of(copy) == forms.replace(
        forms.form_of(original), id=new_id, label="Standard home delivery (copy)"
    )
    assert dsl.parse(forms.text_of(again)) == again
    # same priority, later in the file: the checker says how to make the copy count
    never = [d.message for d in dsl.check(copied) if d.code == "never-chosen"]
    assert never and "give `standard_home_copy` a priority number below 100" in never[0]


def test_other_values_are_checked_before_they_reach_the_tree():
    form = forms.form_of(FRANCE.strategy("standard_home"))
    for changes, field in (
        ({"within_km": -1.0}, "within"),
        ({"split": 0}, "split"),
        ({"keep": (forms.KeepLevel(-1, STORES),)}, "keep.0.units"),
        (
            {
                "keep": (
                    forms.KeepLevel(1, Group(rows=(Condition(EXPRESSION, "", "node.type =="),))),
                )
            },
            "keep.0.at.0",
        ),
        ({"keep": (forms.KeepLevel(1, Group()),)}, "keep.0.at"),
        ({"when": Group(rows=(Condition("order.channel", "==", ""),))}, "when.0"),
        (
            {"when": Group("or", (STORES.rows[0], Group(rows=(Condition("x.y", "?", "1"),))))},
            "when.1.0",
        ),
    ):
        with pytest.raises(forms.FormError) as caught:
            forms.strategy_of(forms.replace(form, **changes))
        assert caught.value.field == field
    assert forms.strategy_of(forms.replace(form, within_km=12.5)).within_km == 12.5
    assert forms.strategy_of(forms.replace(form, within_km=50.0)).within_km == 50


def _rows(group: Group):
    for row in group.rows:
        yield from (row.rows if isinstance(row, Group) else (row,))


def _text_form_text(text: str) -> None:
    """Every strategy of the text, shown in the form and applied as shown: the text is
    unchanged, and each picker row gives back its value as the pickers hold it."""
    tree = dsl.parse(text)
    for strategy in tree.strategies:
        form = forms.form_of(strategy)
        assert forms.text_of(forms.update_strategy(tree, strategy.id, form)) == text
        groups = (form.when, form.source, form.send_to, *(level.at for level in form.keep))
        for row in (row for group in groups for row in _rows(group)):
            if not row.is_expression and row.op not in (IS_TRUE, IS_FALSE):
                assert ", ".join(literal_items(row.value)) == row.value


@pytest.mark.parametrize("name", EXAMPLES)
def test_text_to_form_to_text_is_exact_for_the_shipped_rulesets(name):
    _text_form_text(dsl.format_ruleset(example(name)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rulesets())  # both kinds: order strategies and return strategies
def test_text_to_form_to_text_is_exact_for_any_ruleset(ruleset):
    _text_form_text(dsl.format_ruleset(ruleset))


@settings(max_examples=100, deadline=None)
@given(clean_ruleset_texts())
def test_text_to_form_to_text_is_exact_for_realistic_rulesets(text):
    _text_form_text(dsl.format_ruleset(dsl.parse(text)))


def test_or_groups_and_keep_levels_built_from_rows():
    """Rows joined with or, a row paired into a group, and a keep level: the text."""
    flagship = Condition("node.tags", "has", "flagship")
    store = Condition("node.type", "==", "store")
    group = with_row(Group(rows=(Condition("node.type", "==", "dc"),)), store)
    group = with_row(group, Condition("node.can_ship", IS_TRUE), into=1)
    assert format_expr(expression_from(group)) == (
        'node.type == "dc" and (node.type == "store" or node.can_ship)'
    )
    either = Group("or", group.rows)
    assert format_expr(expression_from(either)) == (
        'node.type == "dc" or (node.type == "store" or node.can_ship)'
    )  # the inner group stays a group
    assert without_row(group, 1, 0).rows[1] == Condition("node.can_ship", IS_TRUE)
    changed = forms.edit_strategy(
        FRANCE,
        "peak_store_protection",
        keep=(forms.KeepLevel(2, Group(rows=(flagship,))),),
    )
    assert '  keep 2 units at node.tags has "flagship"\n' in forms.text_of(changed)


# ------------------------------------------------- clauses written as text

PEAK = """\
strategy peak_express "Peak express"
  effective 2026-11-15 to 2026-12-24
  when order.delivery == "express"
  lines where line.weight_kg <= 30
  source from node.can_ship
  ship with carrier.service in ["express", "same_day"]
  deliver within 1 day
  carrier by eta, cost
  rank by eta, distance
  split none
  otherwise use standard_home
"""


def test_the_promise_clauses_are_form_fields_and_survive_the_form():
    ruleset = dsl.parse(PEAK)
    strategy = ruleset.strategies[0]
    form = forms.form_of(strategy)
    assert form.lines_where == Group(rows=(Condition("line.weight_kg", "<=", "30"),))
    assert form.ship_with == Group(rows=(Condition("carrier.service", "in", "express, same_day"),))
    assert (form.deliver_within, form.deliver_by) == (1, None)
    assert form.carrier_by == ("eta", "cost")
    assert form.as_text == ()
    assert forms.strategy_of(form) == strategy
    assert forms.text_of(forms.update_strategy(ruleset, strategy.id, form)) == PEAK


@given(strategies())
def test_any_promise_clause_comes_back_from_its_fields_exactly(strategy):
    form = forms.form_of(strategy)
    back = forms.strategy_of(form, strategy.comments, saved=form)
    for name in forms.TEXT_CLAUSES:
        assert getattr(back, name) == getattr(strategy, name), name
    keys = [key.name for key in strategy.carrier_by or ()]
    if len(set(keys)) == len(keys):  # a pick list holds each key once
        assert form.carrier_by == tuple(keys) and form.as_text == ()
    else:
        assert form.carrier_by == () and form.as_text == (forms.text_of_keys(keys),)


def _peak_edit(**changes) -> str:
    return forms.text_of(forms.edit_strategy(dsl.parse(PEAK), "peak_express", **changes))


def test_deliver_and_carrier_by_fields_write_their_lines():
    assert "  deliver within 3 days\n" in _peak_edit(deliver_within=3)
    by = _peak_edit(deliver_within=None, deliver_by="order.requested_date")
    assert "  deliver by order.requested_date\n" in by and "within 1 day" not in by
    none = _peak_edit(deliver_within=None, carrier_by=())
    assert "  deliver " not in none and "carrier by" not in none
    assert "  carrier by co2, eta\n" in _peak_edit(carrier_by=("co2", "eta"))
    rows = Group(
        rows=(Condition("carrier.service", "==", "express"), Condition("node.type", "==", "store"))
    )
    assert '  ship with carrier.service == "express" and node.type == "store"\n' in _peak_edit(
        ship_with=rows
    )
    bulky = Group(rows=(Condition("line.category", "==", "bulky"),))
    assert '  lines where line.category == "bulky"\n' in _peak_edit(lines_where=bulky)
    assert "lines where" not in _peak_edit(lines_where=Group())


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"deliver_within": 0}, "deliver", "deliver within 0 days refused: give 1 day or more"),
        ({"deliver_by": "order.requested_date"}, "deliver", "a number of days or a date field"),
        (
            {"deliver_within": None, "deliver_by": "requested date"},
            "deliver",
            "deliver by requested date refused: name a date field of the order",
        ),
        ({"carrier_by": ("fast lane",)}, "carrier_by", "pick cost, eta, co2"),
        (
            {"ship_with": Group(rows=(Condition("carrier.service", "==", ""),))},
            "ship_with.0",
            "type a value for carrier.service",
        ),
        (
            {"lines_where": Group(rows=(Condition(EXPRESSION, "", "line.qty >"),))},
            "lines_where.0",
            "expected a value or a field",
        ),
    ],
)
def test_a_promise_field_the_rules_do_not_take_is_refused_at_its_field(changes, field, message):
    with pytest.raises(forms.FormError, match=message) as caught:
        _peak_edit(**changes)
    assert caught.value.field == field


def test_a_days_number_already_in_the_text_stays_until_it_is_changed():
    text = PEAK.replace("deliver within 1 day", "deliver within 0 days")
    ruleset = dsl.parse(text)
    form = forms.form_of(ruleset.strategies[0])
    assert form.deliver_within == 0
    assert forms.text_of(forms.update_strategy(ruleset, "peak_express", form)) == text


def test_a_carrier_key_named_twice_is_a_text_row_and_survives_the_form():
    text = PEAK.replace("carrier by eta, cost", "carrier by cost, cost")
    ruleset = dsl.parse(text)
    form = forms.form_of(ruleset.strategies[0])
    assert (form.carrier_by, form.as_text) == ((), ("carrier by cost, cost",))
    assert forms.text_of(forms.update_strategy(ruleset, "peak_express", form)) == text
    with pytest.raises(forms.FormError, match="`carrier by ...` is already given above") as caught:
        forms.update_strategy(ruleset, "peak_express", forms.replace(form, carrier_by=("eta",)))
    assert caught.value.field == "as_text.0"
    fixed = forms.update_strategy(
        ruleset, "peak_express", forms.replace(form, carrier_by=("cost",), as_text=())
    )
    assert "  carrier by cost\n" in forms.text_of(fixed)


def test_a_text_row_takes_exactly_one_promise_clause():
    ruleset = FRANCE
    edited = forms.edit_strategy(
        ruleset,
        "standard_home",
        as_text=("deliver by order.requested_date", "", "carrier by co2"),
    )
    strategy = edited.strategy("standard_home")
    assert (strategy.lines_where, strategy.ship_with) == (None, None)
    assert strategy.deliver == s.Deliver(by=s.FieldRef(path="order.requested_date"))
    assert strategy.carrier_by == [s.Name(name="co2")]
    assert "  deliver by order.requested_date\n  carrier by co2\n" in forms.text_of(edited)
    for rows, index, message in (
        (("ship with carrier.service ==",), 0, "expected a value or a field"),
        (("carrier by eta", "priority 3"), 1, "write one clause here: `lines where`"),
        (("deliver within 2 days", "deliver within 3 days"), 1, "`deliver ...` is already given"),
        (('ship with carrier.name == "x"  # why',), 0, "write one clause here"),
    ):
        with pytest.raises(forms.FormError) as caught:
            forms.edit_strategy(ruleset, "standard_home", as_text=rows)
        assert caught.value.field == f"as_text.{index}"
        assert message in str(caught.value)
