"""Explanations on demand: each node considered, excluded with the clause and
the figure, ranked with its keys, or chosen with what it ships."""

from __future__ import annotations

from importlib import resources

from routing_world import network, node, order, router

FRANCE = resources.files("rulesets").joinpath("france.route").read_text(encoding="utf-8")
IN_PEAK = "2026-12-01T10:00:00+00:00"


def by_node(decision, strategy):
    return {e.node_id: e for e in decision.explain if e.strategy == strategy}


def test_each_exclusion_names_its_clause_and_figure():
    net = network(
        node("DC-MARSEILLE", "marseille", "dc"),
        node("ST-PARIS", "paris", tags=("flagship",)),
        node("ST-VERSAILLES", "versailles"),
        node("ST-LILLE", "lille", capacity=0),
        node("DC-LYON", "lyon", "dc"),
    )
    stock = {
        ("DC-MARSEILLE", "A"): 5,
        ("ST-VERSAILLES", "A"): 3,
        ("ST-LILLE", "A"): 9,
        ("DC-LYON", "A"): 5,
    }
    route = router(FRANCE, net, stock)
    decision = route.route(order("o", {"A": 1}, "2026-03-02T10:00:00+00:00"), explain=True)
    entries = by_node(decision, "standard_home")
    marseille = entries["DC-MARSEILLE"]
    assert (marseille.outcome, marseille.clause) == ("excluded", "within 400 km")
    assert marseille.detail.endswith("km > 400 km") and marseille.detail.startswith("66")
    lille = entries["ST-LILLE"]
    assert (lille.clause, lille.detail) == ("capacity", "capacity 0/0 used today")
    assert entries["ST-PARIS"].clause == "stock"
    assert entries["ST-PARIS"].detail == "no stock of A"
    assert entries["ST-VERSAILLES"].outcome == "chosen"
    assert "ships A×1" in entries["ST-VERSAILLES"].detail
    assert entries["DC-LYON"].outcome == "ranked"
    assert entries["DC-LYON"].detail.startswith("rank 2 of 2 (fills 1/1 lines, 391.5 km")


def test_source_and_keep_exclusions_in_peak():
    net = network(
        node("ST-PARIS", "paris", tags=("flagship",)),
        node("ST-VERSAILLES", "versailles"),
        node("DC-LYON", "lyon", "dc"),
    )
    stock = {("ST-PARIS", "A"): 9, ("ST-VERSAILLES", "A"): 3, ("DC-LYON", "A"): 5}
    decision = router(FRANCE, net, stock).route(order("o", {"A": 1}, IN_PEAK), explain=True)
    entries = by_node(decision, "peak_store_protection")
    paris = entries["ST-PARIS"]
    assert paris.outcome == "excluded"
    assert paris.clause.startswith('source from node.type == "dc" or')
    assert "is false" in paris.detail and 'node.type is "store"' in paris.detail
    keep = entries["ST-VERSAILLES"]
    assert keep.clause == 'keep 3 units at node.type == "store"'
    assert keep.detail == "available 0 after keeping 3 (A: 3 free)"
    assert entries["DC-LYON"].outcome == "chosen"


def test_budget_spent_is_explained_once_for_the_strategy():
    text = """strategy first
  priority 1
  source from node.id == "X"
  split at most 2
  otherwise use second
strategy second
  priority 2
  split at most 1
"""
    net = network(node("X", "paris"), node("Y", "lyon", "dc"))
    decision = router(text, net, {("X", "A"): 1, ("Y", "B"): 1}).route(
        order("o", {"A": 1, "B": 1}), explain=True
    )
    remark = [e for e in decision.explain if e.strategy == "second"]
    assert len(remark) == 1 and remark[0].node_id is None
    assert remark[0].clause == "split none"
    assert remark[0].detail.startswith("the order already has 1 shipment")


def test_without_explain_nothing_is_built_and_the_decision_is_the_same():
    net = network(node("X", "paris"), node("Y", "lyon", "dc"))
    stock = {("X", "A"): 5, ("Y", "A"): 5}
    plain = router(FRANCE, net, stock).route(order("o", {"A": 1}))
    explained = router(FRANCE, net, stock).route(order("o", {"A": 1}), explain=True)
    assert plain.explain == ()
    assert explained.explain
    assert plain.shipments == explained.shipments and plain.status == explained.status


def test_entries_carry_the_check_the_condition_and_the_figures_as_data():
    """Readers that word explanations themselves (the studio) get the check, the part of
    the condition concerned as a syntax tree and the figures, besides the JSON text."""
    from dsl import parse_expression

    net = network(
        node("ST-PARIS", "paris", tags=("flagship",)),
        node("ST-VERSAILLES", "versailles"),
        node("ST-NOSHIP", "paris", can_ship=False),
        node("DC-LYON", "lyon", "dc"),
    )
    stock = {("ST-PARIS", "A"): 9, ("ST-VERSAILLES", "A"): 3, ("DC-LYON", "A"): 5}
    peak = router(FRANCE, net, stock).route(order("o", {"A": 1}, IN_PEAK), explain=True)
    entries = by_node(peak, "peak_store_protection")
    paris = entries["ST-PARIS"]
    assert paris.kind == "source"
    assert paris.condition == parse_expression(
        'node.type == "dc" or (node.type == "store" and not node.tags has "flagship")'
    )
    keep = entries["ST-VERSAILLES"]
    assert (keep.kind, keep.facts) == ("keep", {"units": 3})
    assert keep.condition == parse_expression('node.type == "store"')
    assert entries["DC-LYON"].kind == "rank"

    everyday = router(FRANCE, net, stock).route(
        order("o", {"A": 1}, "2026-03-02T10:00:00+00:00"), explain=True
    )
    noship = by_node(everyday, "standard_home")["ST-NOSHIP"]
    assert noship.kind == "source"
    assert noship.condition == parse_expression("node.can_ship")  # the part of `and` that fails
    assert noship.to_dict().keys() == {"strategy", "node_id", "outcome", "clause", "detail"}
