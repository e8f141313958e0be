"""Business checks (docs/language.md, "Business checks"): each fires on a case built
for it, with the line of the clause and the nodes concerned, and stays quiet on the
case next to it that is fine."""

from __future__ import annotations

import datetime as dt
import math
import statistics

import pytest

from dsl import check_source
from engine.business_checks import business_checks, nodes_text
from engine.geo import distance_km
from engine.model import Network, Order

NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)

# Paris area: a DC and stores (two of which cannot ship, one flagship); Lyon: a DC.
COLUMNS = ["id", "type", "lat", "lon", "tags", "can_ship"]
NODES = [
    ("DC-PARIS", "dc", 48.98, 2.45, "dc", True),
    ("DC-LYON", "dc", 45.70, 4.94, "dc", True),
    ("ST-A", "store", 48.86, 2.35, "flagship", True),
    ("ST-B", "store", 48.90, 2.20, "", False),
    ("ST-C", "store", 48.80, 2.13, "", False),
    ("ST-D", "store", 45.76, 4.84, "", True),
]
NETWORK = Network.from_records(COLUMNS, (dict(zip(COLUMNS, row, strict=True)) for row in NODES))


def findings(text: str, *, network=NETWORK, orders=(), now=NOON, code: str | None = None):
    result = check_source(text)
    assert result.ok, result.render()
    assert result.ruleset is not None
    found = business_checks(result.ruleset, network, orders, now)
    return [d for d in found if code is None or d.code == code]


def strategy(*clauses: str, name: str = "s", header: str = 'ruleset "R"\n') -> str:
    return header + f"strategy {name}\n" + "".join(f"  {c}\n" for c in clauses)


def order(lat: float, lon: float, delivery: str = "home", channel: str = "web") -> Order:
    fields = {"delivery": delivery, "channel": channel, "dest_lat": lat, "dest_lon": lon}
    return Order(id=f"O{lat}{lon}", created_at=NOON, lines=(), fields=fields)


# ------------------------------------------------------------ keep-never-applies


def test_a_keep_on_nodes_that_source_from_excludes_never_applies():
    text = strategy(
        'source from node.type == "dc"', 'keep 2 units at node.tags has "flagship"', name="dcs"
    )
    [found] = findings(text, code="keep-never-applies")
    assert (found.line, found.column, found.severity) == (4, 3, "warning")
    assert "`source from` (line 3) excludes every node it names: ST-A" in found.message


def test_a_keep_that_no_node_matches_never_applies():
    text = strategy('keep 2 units at node.tags has "flagshp"')
    [found] = findings(text, code="keep-never-applies")
    assert found.line == 3 and "no node of the network matches it" in found.message


def test_a_keep_overridden_by_a_broader_larger_keep_never_applies():
    text = strategy(
        'source from node.type == "store"',
        'keep 1 unit at node.tags has "flagship"',
        'keep 3 units at node.type == "store"',
    )
    [found] = findings(text, code="keep-never-applies")
    assert found.line == 4
    assert "another `keep` (line 5) keeps as many units or more" in found.message
    assert "(ST-A)" in found.message


def test_two_equal_keeps_on_the_same_nodes_report_only_the_second():
    text = strategy('keep 2 units at node.type == "store"', 'keep 2 units at node.type == "store"')
    [found] = findings(text, code="keep-never-applies")
    assert found.line == 4 and "(line 3)" in found.message


def test_keeps_that_apply_are_not_reported():
    text = strategy(
        'source from node.type == "store"',
        'keep 3 units at node.tags has "flagship"',
        'keep 1 unit at node.type == "store"',
    )
    assert findings(text, code="keep-never-applies") == []


def test_a_keep_that_reads_the_order_is_not_judged():
    text = strategy(
        'source from node.type == "dc"', "keep 2 units at node.id == order.collect_node"
    )
    assert findings(text, code="keep-never-applies") == []


# ----------------------------------------------------------- source-cannot-ship

HOME = 'when order.delivery == "home"'


def test_a_home_strategy_admitting_stores_that_cannot_ship_is_reported_with_them():
    text = strategy(HOME, 'source from node.type in ["dc", "store"]', name="home")
    [found] = findings(text, code="source-cannot-ship")
    assert (found.line, found.column) == (4, 15)
    assert found.length == len('node.type in ["dc", "store"]')
    assert '`order.delivery == "home"`' in found.message
    assert "ST-B, ST-C (2 nodes)" in found.message


def test_a_home_strategy_that_tests_can_ship_is_not_reported():
    text = strategy(HOME, 'source from node.type in ["dc", "store"] and node.can_ship')
    assert findings(text, code="source-cannot-ship") == []


def test_collect_and_unpinned_strategies_are_not_reported():
    text = strategy('when order.delivery == "collect"', 'source from node.type == "store"')
    text += 'strategy any_order\n  priority 200\n  source from node.type == "store"\n'
    assert findings(text, code="source-cannot-ship") == []


def test_a_fallback_of_a_home_strategy_and_one_without_source_from_are_reported():
    text = strategy(HOME, 'source from node.type == "dc"', "otherwise use rest", name="home")
    text += 'strategy rest\n  when order.channel == "web"\n'
    [found] = findings(text, code="source-cannot-ship")
    assert found.line == 6 and found.length == len("strategy")
    assert "takes over deliveries to an address from `home`" in found.message
    assert "with no `source from` it admits nodes whose `can_ship` is false" in found.message


def test_express_counts_as_delivery_to_an_address():
    text = strategy('when order.delivery in ["home", "express"]', 'source from node.id == "ST-B"')
    [found] = findings(text, code="source-cannot-ship")
    assert '`order.delivery in ["express", "home"]`' in found.message
    assert "ST-B;" in found.message


# ---------------------------------------------------------- within-out-of-reach


def test_a_within_that_leaves_most_stores_without_a_node_is_reported():
    text = strategy('source from node.id == "DC-LYON"', "within 50 km")
    [found] = findings(text, code="within-out-of-reach")
    assert (found.line, found.column) == (4, 3)
    assert "75% of the destinations (3 of 4 store locations)" in found.message
    lyon = NETWORK.node("DC-LYON")
    km = [distance_km(lyon.lat, lyon.lon, n.lat, n.lon) for n in NETWORK.nodes if n.id[:2] == "ST"]
    assert f"a median {statistics.median(km):,.0f} km away" in found.message


def test_a_within_that_reaches_most_stores_is_not_reported():
    text = strategy('source from node.type == "dc"', "within 50 km")
    assert findings(text, code="within-out-of-reach") == []


def test_within_is_measured_to_the_addresses_of_the_orders_its_when_takes():
    text = strategy(HOME, 'source from node.type == "dc"', "within 50 km")
    far = [order(43.30, 5.37), order(43.60, 1.44), order(48.85, 2.35)]
    collect_far = [order(43.30, 5.37, "collect")] * 5
    [found] = findings(text, orders=far + collect_far, code="within-out-of-reach")
    assert "(2 of 3 orders' addresses)" in found.message
    near = [order(48.85, 2.35), order(45.75, 4.85)]
    assert findings(text, orders=near + collect_far, code="within-out-of-reach") == []


def test_within_says_nothing_when_source_from_admits_no_node():
    text = strategy('source from node.type == "dropship"', "within 5 km")
    assert findings(text, code="within-out-of-reach") == []


# ---------------------------------------------------------------- window-in-past

DATED = 'ruleset "R"\ntimezone "Europe/Paris"\n'


def test_a_strategy_whose_windows_have_all_ended_is_reported_at_the_last_one():
    text = strategy(
        "effective 2025-11-15 to 2025-12-31", "effective until 2026-06-30", header=DATED
    )
    end = dt.datetime(2026, 6, 30, 22, 0, tzinfo=dt.UTC)  # midnight in Paris
    assert findings(text, now=end - dt.timedelta(minutes=1), code="window-in-past") == []
    [found] = findings(text, now=end, code="window-in-past")
    assert (found.line, found.column) == (5, 3)
    assert "ended on 2026-06-30 (it is now 2026-07-01 00:00 in Europe/Paris)" in found.message


def test_open_undated_and_fallback_strategies_are_not_reported_as_past():
    text = strategy("effective from 2020-01-01", header=DATED)
    text += "strategy old\n  effective until 2020-01-01\n  otherwise use kept\n"
    text += "strategy kept\n  effective until 2020-01-01\nstrategy plain\n"
    [found] = findings(text, network=None, code="window-in-past")
    assert "`old`" in found.message


def test_the_window_check_runs_without_a_network():
    text = strategy("effective until 2020-01-01", header=DATED)
    assert [d.code for d in findings(text, network=None)] == ["window-in-past"]


# ------------------------------------------------------------------------ shape


@pytest.mark.parametrize(
    ("ids", "text"),
    [
        (["A"], "A"),
        (["A", "B"], "A, B (2 nodes)"),
        ([f"N{i}" for i in range(8)], "N0, N1, N2, N3, N4 and 3 more (8 nodes)"),
    ],
)
def test_nodes_are_named_first_few_then_counted(ids, text):
    assert nodes_text(ids) == text


def test_a_condition_reading_the_order_counts_only_what_holds_for_every_order():
    collect_or_store = 'source from node.id == order.collect_node or node.type == "store"'
    [found] = findings(strategy(HOME, collect_or_store), code="source-cannot-ship")
    assert "ST-B, ST-C (2 nodes)" in found.message
    only_collect = strategy(HOME, "source from node.id == order.collect_node")
    assert findings(only_collect, code="source-cannot-ship") == []
    dcs_at_most = strategy(
        'source from node.type == "dc"',
        'keep 2 units at node.type == "store" and node.id == order.collect_node',
    )
    [found] = findings(dcs_at_most, code="keep-never-applies")
    assert "excludes every node it names: ST-A, ST-B, ST-C, ST-D (4 nodes)" in found.message


def test_within_is_judged_to_the_last_bit_as_routing_judges_it():
    """At exactly the distance routing measures, a node is in reach; a hair less, not."""
    lyon = NETWORK.node("DC-LYON")
    here = order(48.85, 2.35)
    exact = distance_km(lyon.lat, lyon.lon, 48.85, 2.35)
    below = math.nextafter(exact, 0.0)
    for km, reported in ((exact, False), (below, True)):
        text = strategy('source from node.id == "DC-LYON"', f"within {km!r} km")
        found = findings(text, orders=[here], code="within-out-of-reach")
        assert bool(found) is reported, km
