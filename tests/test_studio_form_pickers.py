"""The Rules page's form used with pickers only, headless: and/or groups and keep levels
built without typing rule code, a refused number that leaves the rules and the form as
they were, and the checker's findings shown under the form section they concern."""

from __future__ import annotations

import datetime as dt

import pytest
import studio_pages
from streamlit.testing.v1.element_tree import Block
from test_studio_rules import FRANCE, editor_text, run, studio, type_text

import dsl
from studio.components.form_state import key, within_key

demo_folder = studio_pages.demo_folder
studio_env = studio_pages.studio_env


TRANSFER_AS_SOURCE = (
    '  transfer from node.type == "dc"\n  rank by distance\n',
    '  source from node.id == order.collect_node or node.type == "dc"\n'
    "  rank by node.id == order.collect_node desc, distance\n",
)
"""France's click & collect strategy with the store in `source from` instead."""


def pick_row(app, prefix: str, field: str, op: str, *values: str) -> None:
    """Fill a new-condition row with the pickers: field, operator, then values."""
    app.selectbox(key=f"{prefix}.field").set_value(field)
    run(app)
    app.selectbox(key=f"{prefix}.op").set_value(op)
    app.multiselect(key=f"{prefix}.values").set_value(list(values))


def messages_in(app, block_key: str) -> list[str]:
    """Errors and warnings inside the block drawn with that key (a form section such
    as `rules-form-section-effective`, or a keep level's box)."""

    def find(block):
        if not isinstance(block, Block):
            return None
        proto = getattr(block, "proto", None)
        if proto is not None and str(getattr(proto, "id", "")).endswith("-" + block_key):
            return block
        for child in block.children.values():
            found = find(child)
            if found is not None:
                return found
        return None

    block = find(app._tree)
    assert block is not None, block_key
    return [e.value for e in (*block.error, *block.warning)]


def form_messages(app) -> list[str]:
    """Errors and warnings shown inside the Form tab."""
    form = app.tabs[1]
    return [e.value for e in (*form.error, *form.warning)]


@pytest.mark.usefixtures("studio_env")
def test_an_or_group_is_built_with_pickers():
    app = studio()  # standard_home: when order.delivery == "home"
    assert app.multiselect(key=key("when", 0, "values")).options[:3] == [
        "home",
        "collect",
        "express",
    ]
    pick_row(app, key("add", "when"), "order.channel", "==", "web")
    app.button(key=key("add", "when", "button")).click()
    run(app)
    assert '  when order.delivery == "home" and order.channel == "web"\n' in editor_text(app)
    # the channels offered are the orders' own
    assert {"web", "marketplace", "b2b"} <= set(
        app.multiselect(key=key("when", 1, "values")).options
    )
    app.radio(key=key("when", "join")).set_value("or")
    run(app)
    assert '  when order.delivery == "home" or order.channel == "web"\n' in editor_text(app)
    # a row paired with the new condition: a group joined with the other word
    pick_row(app, key("add", "when"), "order.tier", "in", "vip", "b2b")
    app.button(key=key("when", 1, "pair")).click()
    run(app)
    assert (
        '  when order.delivery == "home" or (order.channel == "web" and '
        'order.tier in ["vip", "b2b"])\n'
    ) in editor_text(app)
    assert app.radio(key=key("when", 1, "join")).value == "and"
    assert app.multiselect(key=key("when", 1, 1, "values")).value == ["vip", "b2b"]


@pytest.mark.usefixtures("studio_env")
def test_the_peak_source_is_rows_not_text():
    app = studio()
    app.selectbox(key="rules.strategy").set_value("peak_store_protection")
    run(app)
    assert app.radio(key=key("source", "join")).value == "or"
    assert app.multiselect(key=key("source", 0, "values")).value == ["dc"]
    assert app.radio(key=key("source", 1, "join")).value == "and"
    assert app.selectbox(key=key("source", 1, 1, "field")).value == "node.tags"
    assert app.selectbox(key=key("source", 1, 1, "op")).value == "has not"
    assert app.multiselect(key=key("source", 1, 1, "values")).value == ["flagship"]
    # a tag picked in the inner group: the clause keeps its shape
    app.multiselect(key=key("source", 1, 1, "values")).select("urban")
    run(app)
    assert (
        '  source from node.type == "dc" or (node.type == "store" and '
        'not node.tags has ["flagship", "urban"])\n'
    ) in editor_text(app)


@pytest.mark.usefixtures("studio_env")
def test_keep_two_units_at_flagship_stores_in_peak_with_pickers_only():
    app = studio()
    app.button(key="rules.add_strategy").click()
    run(app)
    app.date_input(key=key("add", "window", "start")).set_value(dt.date(2026, 11, 15))
    app.date_input(key=key("add", "window", "end")).set_value(dt.date(2026, 12, 31))
    app.button(key=key("add", "window", "button")).click()
    run(app)
    app.number_input(key=key("add", "keep", "units")).set_value(2)
    pick_row(app, key("add", "keep", "at"), "node.tags", "has", "flagship")
    app.button(key=key("add", "keep", "button")).click()
    run(app)
    assert editor_text(app).endswith(
        'strategy new_strategy "New strategy"\n'
        "  effective 2026-11-15 to 2026-12-31\n"
        '  keep 2 units at node.tags has "flagship"\n'
    )
    # the keep level's nodes are a group of rows of their own: add stores to it
    pick_row(app, key("add", "keep.0.at"), "node.type", "==", "store")
    app.button(key=key("add", "keep.0.at", "button")).click()
    run(app)
    assert '  keep 2 units at node.tags has "flagship" and node.type == "store"\n' in (
        editor_text(app)
    )


@pytest.mark.usefixtures("studio_env")
def test_a_strategy_is_copied_for_the_peak_with_pickers_only():
    """Copy a strategy, give the copy its own priority, peak dates and a keep level at
    flagship stores: clicks, picks and one number, no rule code."""
    app = studio()
    assert app.selectbox(key="rules.strategy").value == "standard_home"
    app.button(key="rules.copy_strategy").click()
    run(app)
    assert app.selectbox(key="rules.strategy").value == "standard_home_copy"
    assert any(  # same priority as the original: said under the priority
        "give `standard_home_copy` a priority number below 100" in message
        for message in messages_in(app, "rules-form-section-scalars")
    )
    app.number_input(key=key("priority")).set_value(90)
    run(app)
    app.date_input(key=key("window", 0, "start")).set_value(dt.date(2026, 11, 15))
    app.date_input(key=key("window", 0, "end")).set_value(dt.date(2026, 12, 31))
    run(app)
    app.number_input(key=key("add", "keep", "units")).set_value(2)
    pick_row(app, key("add", "keep", "at"), "node.tags", "has", "flagship")
    app.button(key=key("add", "keep", "button")).click()
    run(app)
    copy = dsl.parse(editor_text(app)).strategy("standard_home_copy")
    assert dsl.format_ruleset(dsl.parse(editor_text(app))) == editor_text(app)
    assert "\n".join(dsl.formatter.strategy_lines(copy)) == (
        'strategy standard_home_copy "Standard home delivery (copy)"\n'
        "  priority 90\n"
        "  effective 2026-11-15 to 2026-12-31\n"
        '  when order.delivery == "home"\n'
        '  source from node.type in ["dc", "store"] and node.can_ship\n'
        "  within 400 km\n"
        '  keep 1 unit at node.type == "store"\n'
        '  keep 2 units at node.tags has "flagship"\n'
        "  rank by shipments, distance, cost\n"
        "  split at most 2\n"
        "  otherwise use dc_backstop"
    )
    assert not [d for d in dsl.check(dsl.parse(editor_text(app))) if d.is_error]


@pytest.mark.usefixtures("studio_env")
def test_invalid_keep_units_are_refused_at_the_field():
    app = studio()
    app.selectbox(key="rules.strategy").set_value("peak_store_protection")
    run(app)
    before = editor_text(app)
    app.number_input(key=key("keep", 0, "units")).set_value(-2)
    run(app)
    assert editor_text(app) == before  # nothing applied
    # the reason sits in the keep level's box, and the box shows what the rules say
    assert messages_in(app, "rules-form-keep-0-box") == [
        "Not applied: keep -2 refused: keep 0 units or more. The form shows what the rules say."
    ]
    assert app.number_input(key=key("keep", 0, "units")).value == 3
    # another change is applied as usual and the reason goes
    app.number_input(key=key("keep", 0, "units")).set_value(4)
    run(app)
    assert '  keep 4 units at node.type == "store"\n' in editor_text(app)
    assert not [e for e in app.tabs[1].error if "Not applied" in e.value]


@pytest.mark.usefixtures("studio_env")
def test_invalid_distance_is_refused_and_negative_priority_is_taken():
    app = studio()
    app.number_input(key=within_key("standard_home")).set_value(-5.0)
    run(app)
    assert "  within 400 km\n" in editor_text(app)
    assert app.number_input(key=within_key("standard_home")).value == 400.0
    assert [m for m in messages_in(app, "rules-form-section-within") if "within -5 km refused" in m]
    # a priority below 0 is a valid priority (tried before 0), so it is applied
    app.number_input(key=key("priority")).set_value(-5)
    run(app)
    assert dsl.parse(editor_text(app)).strategy("standard_home").priority == -5


@pytest.mark.usefixtures("studio_env")
def test_a_diagnostic_shows_under_its_form_field():
    app = studio()
    backwards = FRANCE.replace(
        "effective 2026-11-15 to 2026-12-31", "effective 2026-12-31 to 2026-11-15"
    )
    type_text(app, backwards)
    app.selectbox(key="rules.strategy").set_value("peak_store_protection")
    run(app)
    message = (
        "Line 19, column 27: this window ends (2026-11-15) before it starts (2026-12-31): "
        "write the earlier date first"
    )
    assert messages_in(app, "rules-form-section-effective") == [message]
    assert messages_in(app, "rules-form-section-scalars") == []
    # on another strategy's form it is not shown
    app.selectbox(key="rules.strategy").set_value("standard_home")
    run(app)
    assert message not in form_messages(app)


def page_order(app) -> list[str]:
    """The page's elements top to bottom: a widget by its key, a message by its text."""
    out: list[str] = []

    def walk(node) -> None:
        if isinstance(node, Block):
            for child in node.children.values():
                walk(child)
            return
        out.append(str(getattr(node, "key", None) or getattr(node, "value", "")))

    walk(app._tree)
    return out


@pytest.mark.usefixtures("studio_env")
def test_the_save_message_sits_by_the_save_button():
    app = studio()
    app.selectbox(key="rules.pick_ruleset").set_value("New ruleset…")
    run(app)
    app.button(key="rules.open").click()
    run(app)
    app.button(key="rules.save").click()
    run(app)
    order = page_order(app)
    message = next(i for i, text in enumerate(order) if "Give the ruleset a name" in text)
    assert order.index("rules.save") < message  # under the name box and its button
    assert order.index("rules.editor") < order.index("rules.save")
    # and an opened version is announced under the open bar, above the editor
    app.selectbox(key="rules.pick_ruleset").set_value("france")
    run(app)
    app.button(key="rules.open").click()
    run(app)
    order = page_order(app)
    opened = next(i for i, text in enumerate(order) if text.startswith("Opened france v1"))
    assert order.index("rules.open") < opened < order.index("rules.editor")


@pytest.mark.usefixtures("studio_env")
def test_an_expression_row_stays_text_and_the_rest_of_the_form_works():
    app = studio()
    # click & collect as written before `transfer from`: the store named in `source from`
    type_text(app, FRANCE.replace(*TRANSFER_AS_SOURCE))
    app.selectbox(key="rules.strategy").set_value("click_and_collect")
    run(app)
    # `node.id == order.collect_node` compares two fields: typed text in that one row
    assert app.selectbox(key=key("source", 0, "field")).value == "expression…"
    assert app.text_input(key=key("source", 0, "value")).value == "node.id == order.collect_node"
    app.multiselect(key=key("source", 1, "values")).set_value(["store"])
    run(app)
    assert '  source from node.id == order.collect_node or node.type == "store"\n' in (
        editor_text(app)
    )
    app.text_input(key=key("source", 0, "value")).input(
        "node.id == order.collect_node and node.can_collect"
    )
    run(app)
    assert (
        "  source from (node.id == order.collect_node and node.can_collect) or "
        'node.type == "store"\n'
    ) in editor_text(app)
