"""The clause-level diff (`dsl.diff`) on real edits of the spec's France ruleset:
what a reviewer sees before publishing a version."""

from __future__ import annotations

from pathlib import Path

import dsl
from dsl.diff import ClauseChange, diff_rulesets, line_diff

FRANCE = (Path(__file__).parent.parent / "rulesets" / "france.route").read_text()


def diff(before: str, after: str):
    return diff_rulesets(dsl.parse(before), dsl.parse(after))


def edit(text: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def test_the_same_ruleset_in_another_layout_has_no_changes():
    messy = FRANCE.replace("  priority 100\n", "      priority   100\n").replace(", ", " ,  ")
    assert diff(FRANCE, messy).unchanged
    assert diff(FRANCE, messy).render() == "no changes"


def test_peak_protection_raised_and_flagships_fully_protected():
    after = edit(
        FRANCE,
        ('  keep 3 units at node.type == "store"\n  rank by shipments, distance\n',
         '  keep 5 units at node.type == "store"\n  keep 1000 units at node.tags has "flagship"\n'
         "  rank by shipments, distance\n"),
        ("effective 2026-11-15 to 2026-12-31", "effective 2026-11-08 to 2026-12-31"),
    )  # fmt: skip
    result = diff(FRANCE, after)
    assert [c.strategy for c in result.strategies] == ["peak_store_protection"]
    change = result.strategy("peak_store_protection")
    assert change.change == "changed" and not change.moved
    assert change.clauses == (
        ClauseChange(
            "effective",
            "changed",
            "effective 2026-11-15 to 2026-12-31",
            "effective 2026-11-08 to 2026-12-31",
        ),
        ClauseChange(
            "keep", "changed", 'keep 3 units at node.type == "store"',
            'keep 5 units at node.type == "store"',
        ),
        ClauseChange("keep", "added", None, 'keep 1000 units at node.tags has "flagship"'),
    )  # fmt: skip


def test_clauses_added_and_removed():
    after = edit(
        FRANCE,
        ("  within 400 km\n", ""),
        ("  rank by distance\n  split none\n  otherwise use standard_home\n",
         "  rank by distance\n  split none\n  otherwise use standard_home\n"
         "  on shortage reject\n"),
    )  # fmt: skip
    result = diff(FRANCE, after)
    assert result.strategy("standard_home").clauses == (
        ClauseChange("within", "removed", "within 400 km", None),
    )
    assert result.strategy("vip_express").clauses == (
        ClauseChange("on shortage", "added", None, "on shortage reject"),
    )


def test_the_clauses_of_the_promise_are_named_in_a_diff():
    after = edit(
        FRANCE,
        ("  rank by distance\n  split none\n  otherwise use standard_home\n",
         '  ship with carrier.service == "express"\n  deliver within 1 day\n'
         "  carrier by eta\n  rank by eta, distance\n  split none\n"
         "  otherwise use standard_home\n"),
    )  # fmt: skip
    later = edit(
        after, ('carrier.service == "express"', 'carrier.service in ["express", "same_day"]')
    )
    assert diff(FRANCE, after).strategy("vip_express").clauses == (
        ClauseChange("rank", "changed", "rank by distance", "rank by eta, distance"),
        ClauseChange("ship with", "added", None, 'ship with carrier.service == "express"'),
        ClauseChange("deliver", "added", None, "deliver within 1 day"),
        ClauseChange("carrier by", "added", None, "carrier by eta"),
    )
    assert diff(after, later).strategy("vip_express").clauses == (
        ClauseChange(
            "ship with",
            "changed",
            'ship with carrier.service == "express"',
            'ship with carrier.service in ["express", "same_day"]',
        ),
    )


def test_strategies_added_and_removed():
    b2b = (
        '\nstrategy b2b_pallets "B2B pallets"\n  priority 50\n  when order.channel == "b2b"\n'
        '  source from node.type == "dc"\n  split at most 4\n  on shortage backorder\n'
    )
    start = FRANCE.index('strategy vip_express "VIP express"')
    end = FRANCE.index('strategy dc_backstop "Warehouses only"')
    after = FRANCE[:start] + FRANCE[end:] + b2b
    result = diff(FRANCE, after)
    kinds = {c.strategy: c.change for c in result.strategies}
    assert kinds == {"b2b_pallets": "added", "vip_express": "removed"}
    added = result.strategy("b2b_pallets")
    assert [c.clause for c in added.clauses] == [
        "label", "priority", "when", "source", "split", "on shortage",
    ]  # fmt: skip
    assert all(c.change == "added" for c in added.clauses)
    removed = result.strategy("vip_express")
    assert ("within", "removed", "within 50 km") in [
        (c.clause, c.change, c.before) for c in removed.clauses
    ]


def test_a_rename_is_one_change_and_the_references_follow():
    after = FRANCE.replace("dc_backstop", "warehouses")
    result = diff(FRANCE, after)
    renamed = result.strategy("warehouses")
    assert (renamed.change, renamed.old_id, renamed.clauses) == ("renamed", "dc_backstop", ())
    assert result.strategy("dc_backstop") is None
    for strategy in ["standard_home", "peak_store_protection"]:
        assert result.strategy(strategy).clauses == (
            ClauseChange(
                "otherwise", "changed", "otherwise use dc_backstop", "otherwise use warehouses"
            ),
        )


def test_moving_a_strategy_matters_because_file_order_breaks_priority_ties():
    start = FRANCE.index('strategy click_and_collect "Click and collect"')
    end = FRANCE.index('strategy vip_express "VIP express"')
    block = FRANCE[start:end]
    after = FRANCE[:start] + FRANCE[end:].rstrip("\n") + "\n\n" + block
    result = diff(FRANCE, after)
    assert [(c.strategy, c.change, c.moved) for c in result.strategies] == [
        ("click_and_collect", "moved", True)
    ]


def test_header_changes():
    after = edit(FRANCE, ('timezone "Europe/Paris"', 'timezone "Europe/Brussels"'))
    result = diff(FRANCE, after)
    assert result.header == (
        ClauseChange(
            "timezone", "changed", 'timezone "Europe/Paris"', 'timezone "Europe/Brussels"'
        ),
    )
    assert result.strategies == ()


def test_render_reads_like_a_review():
    after = edit(
        FRANCE,
        ("  priority 20\n", "  priority 15\n"),
        ("  within 50 km\n", "  within 30 km\n"),
    )
    assert diff(FRANCE, after).render() == (
        "~ strategy click_and_collect\n"
        "    ~ priority 20  →  priority 15\n"
        "~ strategy vip_express\n"
        "    ~ within 50 km  →  within 30 km"
    )


def test_line_diff_is_a_unified_diff():
    after = edit(FRANCE, ("  within 50 km\n", "  within 30 km\n"))
    text = line_diff(FRANCE, after, "france v1", "france v2")
    assert text.startswith("--- france v1\n+++ france v2\n")
    assert "-  within 50 km\n+  within 30 km\n" in text
    assert line_diff(FRANCE, FRANCE) == ""
