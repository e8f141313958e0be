"""Routing semantics (language.md §1–5): availability and keep, capacity per
local day, single node first then greedy split, the shared split budget of
fallback chains, and each `on shortage` mode."""

from __future__ import annotations

from routing_world import network, node, order, router, ships

HOME = """
ruleset "t"
timezone "Europe/Paris"
strategy home
  {clauses}
"""


def strategy(*clauses: str, tail: str = "") -> str:
    return HOME.format(clauses="\n  ".join(clauses)) + tail


# ------------------------------------------------------------- availability


def test_stock_depletes_across_orders_in_time_order():
    net = network(node("NEAR", "versailles"), node("FAR", "lyon", "dc"))
    route = router(strategy("rank by distance"), net, {("NEAR", "A"): 1, ("FAR", "A"): 5})
    later = order("late", {"A": 1}, "2026-03-02T12:00:00+00:00")
    early = order("early", {"A": 1}, "2026-03-02T09:00:00+00:00")
    decisions = route.route_batch([later, early])  # given out of order
    assert [d.order_id for d in decisions] == ["early", "late"]
    assert [ships(d)[0][0] for d in decisions] == ["NEAR", "FAR"]
    assert route.inventory.free_of("NEAR", "A") == 0
    assert route.inventory.allocated_of("FAR", "A") == 1


def test_ties_in_time_route_by_order_id():
    net = network(node("ONLY", "paris"))
    route = router(strategy(), net, {("ONLY", "A"): 1})
    same = "2026-03-02T09:00:00+00:00"
    decisions = route.route_batch([order("b", {"A": 1}, same), order("a", {"A": 1}, same)])
    assert [(d.order_id, d.status) for d in decisions] == [("a", "routed"), ("b", "rejected")]


def test_keep_is_never_breached_and_the_largest_keep_applies():
    net = network(
        node("ST-3", "paris", tags=("flagship",)),
        node("ST-4", "versailles", tags=("flagship",)),
    )
    text = strategy(
        'keep 1 unit at node.type == "store"',
        'keep 3 units at node.tags has "flagship"',
        "rank by distance",
        "split at most 2",
    )
    route = router(text, net, {("ST-3", "A"): 3, ("ST-4", "A"): 4})
    first = route.route(order("o1", {"A": 2}))
    # ST-3 keeps all 3; ST-4 may promise only 4 − 3 = 1.
    assert first.status == "partial"
    assert ships(first) == [("ST-4", {"A": 1})]
    assert first.unfilled[0].qty == 1 and first.unfilled[0].reason == "no candidate with stock"
    second = route.route(order("o2", {"A": 1}))
    assert second.status == "rejected" and second.shipments == ()
    assert route.inventory.free_of("ST-3", "A") == 3
    assert route.inventory.free_of("ST-4", "A") == 3


def test_unknown_sku_has_no_candidate():
    net = network(node("DC", "lyon", "dc"))
    decision = router(strategy(), net, {("DC", "A"): 1}).route(order("o", {"Z": 1}))
    assert decision.status == "rejected"
    assert [(u.sku, u.qty, u.reason) for u in decision.unfilled] == [
        ("Z", 1, "no candidate with stock")
    ]


def test_lines_of_one_sku_are_routed_together():
    net = network(node("DC", "lyon", "dc"))
    decision = router(strategy(), net, {("DC", "A"): 5}).route(order("o", [("A", 1), ("A", 2)]))
    assert ships(decision) == [("DC", {"A": 3})]


# ----------------------------------------------------------------- capacity


def test_daily_capacity_resets_at_local_midnight():
    net = network(node("NEAR", "versailles", capacity=1), node("FAR", "lyon", "dc"))
    route = router(strategy("rank by distance"), net, {("NEAR", "A"): 9, ("FAR", "A"): 9})
    stamps = [
        "2026-03-02T22:30:00+00:00",  # 23:30 in Paris, 2 March: NEAR's one order
        "2026-03-02T22:50:00+00:00",  # still 2 March in Paris: NEAR is full
        "2026-03-02T23:05:00+00:00",  # 00:05 on 3 March in Paris: a new day
    ]
    decisions = route.route_batch([order(f"o{i}", {"A": 1}, s) for i, s in enumerate(stamps)])
    assert [ships(d)[0][0] for d in decisions] == ["NEAR", "FAR", "NEAR"]


def test_capacity_counts_shipments_not_units():
    net = network(node("NEAR", "versailles", capacity=2), node("FAR", "lyon", "dc"))
    route = router(strategy("rank by distance"), net, {("NEAR", "A"): 9, ("FAR", "A"): 9})
    decisions = route.route_batch([order(f"o{i}", {"A": 3}) for i in range(3)])
    assert [ships(d)[0][0] for d in decisions] == ["NEAR", "NEAR", "FAR"]


# ---------------------------------------------------- single node, then split


def test_one_parcel_is_preferred_to_a_closer_split():
    net = network(
        node("NEAR-A", "paris"), node("NEAR-B", "versailles"), node("FAR", "marseille", "dc")
    )
    stock = {("NEAR-A", "A"): 1, ("NEAR-B", "B"): 1, ("FAR", "A"): 1, ("FAR", "B"): 1}
    decision = router(strategy("rank by distance", "split at most 2"), net, stock).route(
        order("o", {"A": 1, "B": 1})
    )
    assert ships(decision) == [("FAR", {"A": 1, "B": 1})]


def test_greedy_split_with_shipments_first_is_a_set_cover():
    net = network(node("AB", "lyon", "dc"), node("A", "paris"), node("C", "lille"))
    stock = {("AB", "A"): 1, ("AB", "B"): 1, ("A", "A"): 1, ("C", "C"): 1}
    decision = router(strategy("rank by shipments, distance", "split at most 3"), net, stock).route(
        order("o", {"A": 1, "B": 1, "C": 1})
    )
    # AB covers two lines (though farther than A), then C the last one.
    assert ships(decision) == [("AB", {"A": 1, "B": 1}), ("C", {"C": 1})]
    assert decision.status == "routed"


def test_a_line_splits_across_nodes_only_when_the_split_limit_allows():
    net = network(node("X", "paris"), node("Y", "versailles"))
    stock = {("X", "A"): 2, ("Y", "A"): 2}
    split = router(strategy("rank by distance", "split at most 2"), net, stock).route(
        order("o", {"A": 3})
    )
    assert ships(split) == [("X", {"A": 2}), ("Y", {"A": 1})]
    whole = router(strategy("rank by distance", "split none"), net, stock).route(
        order("o", {"A": 3})
    )
    assert whole.shipments == () and whole.status == "rejected"
    assert whole.unfilled[0].reason == "split limit reached"


def test_split_limit_stops_the_greedy_split():
    net = network(node("X", "paris"), node("Y", "versailles"), node("Z", "lille"))
    stock = {("X", "A"): 1, ("Y", "B"): 1, ("Z", "C"): 1}
    decision = router(strategy("rank by distance", "split at most 2"), net, stock).route(
        order("o", {"A": 1, "B": 1, "C": 1})
    )
    assert [n for n, _ in ships(decision)] == ["X", "Y"]
    assert decision.status == "partial"
    assert [(u.sku, u.reason) for u in decision.unfilled] == [("C", "split limit reached")]


# ------------------------------------------------------------------ fallback

CHAIN = """
ruleset "chain"
strategy stores
  priority 1
  when order.channel == "web"
  source from node.type == "store"
  rank by distance
  split at most 2
  otherwise use dcs

strategy dcs
  priority 2
  when order.channel == "never"
  source from node.type == "dc"
  rank by distance
  split at most {dc_split}
  on shortage {shortage}
"""


def chain_world(dc_split: int = 3, shortage: str = "backorder"):
    net = network(
        node("ST-1", "paris"),
        node("ST-2", "versailles"),
        node("DC", "lyon", "dc"),
    )
    stock = {("ST-1", "A"): 1, ("ST-2", "B"): 1, ("DC", "C"): 5, ("DC", "A"): 5}
    return router(CHAIN.format(dc_split=dc_split, shortage=shortage), net, stock)


def test_fallback_adds_shipments_while_below_its_own_split_limit():
    decision = chain_world(dc_split=3).route(order("o", {"A": 1, "B": 1, "C": 1}))
    assert decision.strategies == ("stores", "dcs")  # `when` of dcs is not re-checked
    assert ships(decision) == [("ST-1", {"A": 1}), ("ST-2", {"B": 1}), ("DC", {"C": 1})]
    assert decision.status == "routed"


def test_fallback_shares_the_orders_split_budget():
    decision = chain_world(dc_split=2).route(order("o", {"A": 1, "B": 1, "C": 1}))
    assert decision.strategies == ("stores", "dcs")
    assert [n for n, _ in ships(decision)] == ["ST-1", "ST-2"]
    assert decision.status == "backordered"  # the last strategy's `on shortage`
    assert [(u.sku, u.qty, u.reason) for u in decision.unfilled] == [
        ("C", 1, "split limit reached")
    ]


def test_chain_stops_once_everything_is_placed():
    decision = chain_world().route(order("o", {"A": 1}))
    assert decision.strategies == ("stores",)


# ------------------------------------------------------------------ shortage


def shortage_world(mode: str):
    text = strategy("rank by distance", "split at most 2", f"on shortage {mode}")
    net = network(node("X", "paris"))
    return router(text, net, {("X", "A"): 1})


def test_on_shortage_partial_ships_what_it_can():
    decision = shortage_world("partial").route(order("o", {"A": 1, "B": 2}))
    assert decision.status == "partial"
    assert ships(decision) == [("X", {"A": 1})]
    assert [(u.sku, u.qty) for u in decision.unfilled] == [("B", 2)]


def test_on_shortage_partial_with_nothing_allocated_is_rejected():
    decision = shortage_world("partial").route(order("o", {"B": 2}))
    assert decision.status == "rejected"


def test_on_shortage_backorder_records_the_rest():
    route = shortage_world("backorder")
    decision = route.route(order("o", {"A": 1, "B": 2}))
    assert decision.status == "backordered"
    assert ships(decision) == [("X", {"A": 1})]
    assert [(u.sku, u.qty) for u in decision.unfilled] == [("B", 2)]
    nothing = route.route(order("o2", {"B": 1}))
    assert nothing.status == "backordered" and nothing.shipments == ()


def test_on_shortage_reject_allocates_nothing():
    route = shortage_world("reject")
    decision = route.route(order("o", {"A": 1, "B": 2}))
    assert decision.status == "rejected"
    assert decision.shipments == ()
    assert [(u.sku, u.qty, u.reason) for u in decision.unfilled] == [
        ("A", 1, "order rejected: other lines are short"),
        ("B", 2, "no candidate with stock"),
    ]
    assert route.inventory.free_of("X", "A") == 1  # nothing was taken


def test_the_last_strategy_of_the_chain_decides_the_shortage():
    decision = chain_world(shortage="reject").route(order("o", {"A": 1, "Z": 1}))
    assert decision.strategies == ("stores", "dcs")
    assert decision.status == "rejected"


# ---------------------------------------------------------------- unroutable


def test_no_applicable_strategy_is_unroutable():
    text = strategy('when order.delivery == "collect"')
    decision = router(text, network(node("X", "paris")), {("X", "A"): 1}).route(
        order("o", {"A": 1})
    )
    assert decision.status == "unroutable"
    assert decision.strategies == ()
    assert decision.reason == "no strategy applies"
    assert [(u.sku, u.qty, u.reason) for u in decision.unfilled] == [
        ("A", 1, "no strategy applies")
    ]


# ------------------------------------------------------------------- within


def test_within_is_inclusive_and_excludes_farther_nodes():
    net = network(node("PARIS", "paris"), node("LYON", "lyon", "dc"))
    stock = {("PARIS", "A"): 1, ("LYON", "A"): 5}
    text = strategy("within 400 km", "rank by distance desc")
    decision = router(text, net, stock).route(order("o", {"A": 1}, place="paris"))
    assert ships(decision) == [("LYON", {"A": 1})]  # 392 km is within 400
    far = router(strategy("within 390 km", "rank by distance desc"), net, stock).route(
        order("o", {"A": 1}, place="paris")
    )
    assert ships(far) == [("PARIS", {"A": 1})]
