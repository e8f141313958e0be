"""The service bench's reconciliation (bench/oversell.py): from the answers the
clients saw, the units sold beyond stock — found when they were, and never
made up when the timing leaves the order of two calls open."""

from __future__ import annotations

from bench.oversell import EventCall, OrderCall, latest, reconcile


def decision(order_id: str, shipments: dict[str, dict[str, int]], unfilled=None, **extra) -> dict:
    """A decision as the service answers it: {node: {sku: qty}} shipped."""
    return {
        "order_id": order_id,
        "status": "routed",
        "shipments": [
            {"node_id": node, "lines": [{"sku": s, "qty": q} for s, q in lines.items()]}
            for node, lines in shipments.items()
        ],
        "unfilled": [{"sku": s, "qty": q, "reason": "short"} for s, q in (unfilled or {}).items()],
        **extra,
    }


def routed(order_id: str, sent: float, answered: float, node="N1", sku="A", qty=1) -> OrderCall:
    return OrderCall(order_id, {sku: qty}, sent, answered, decision(order_id, {node: {sku: qty}}))


def event(index, kind, sent, answered, node="N1", sku="A", qty=None, decisions=()) -> EventCall:
    return EventCall(index, kind, node, sku, qty, sent, answered, list(decisions))


def test_two_orders_for_the_last_unit_is_one_oversold():
    orders = [routed("O1", 1.0, 1.1), routed("O2", 2.0, 2.1)]
    result = reconcile({("N1", "A"): 1}, orders, [])
    assert result.oversold == 1
    assert result.worst == [(("N1", "A"), 1)]
    assert result.promised == 2
    assert "NOT met" in result.line()


def test_enough_stock_is_none_oversold_and_the_position_sold_out():
    orders = [routed("O1", 1.0, 1.1), routed("O2", 2.0, 2.1, qty=2)]
    result = reconcile({("N1", "A"): 3}, orders, [])
    assert (result.oversold, result.sold_out, result.uncertain) == (0, 1, 0)
    assert result.line().startswith("oversold units: 0 (met")


def test_an_empty_count_ends_the_stock_before_it_and_a_receipt_brings_more():
    events = [
        event(0, "stock_adjust", 3.0, 3.1, qty=0),
        event(1, "replenish", 5.0, 5.1, qty=1),
    ]
    before_the_count = routed("O1", 1.0, 1.1)
    after_the_receipt = routed("O2", 6.0, 6.1)
    assert reconcile({("N1", "A"): 1}, [before_the_count, after_the_receipt], events).oversold == 0
    # Between the count and the receipt the shelf is empty: that unit was not there.
    between = routed("O3", 4.0, 4.1)
    result = reconcile({("N1", "A"): 1}, [before_the_count, between, after_the_receipt], events)
    assert result.oversold == 1
    # Stock left before a count does not carry over past it.
    result = reconcile({("N1", "A"): 5}, [between], events)
    assert result.oversold == 1


def test_a_receipt_counts_only_for_what_is_promised_after_it():
    events = [event(0, "replenish", 3.0, 3.1, qty=1)]
    before = routed("O1", 1.0, 1.1)
    assert reconcile({}, [before], events).oversold == 1
    assert reconcile({}, [routed("O2", 4.0, 4.1)], events).oversold == 0


def test_a_call_that_overlaps_a_receipt_may_have_come_after_it():
    events = [event(0, "replenish", 3.0, 3.1, qty=1)]
    overlapping = routed("O1", 2.9, 3.2)
    result = reconcile({}, [overlapping], events)
    assert (result.oversold, result.uncertain) == (0, 1)


def test_a_call_that_overlaps_an_empty_count_may_have_come_before_it():
    events = [event(0, "stock_adjust", 3.0, 3.1, qty=0)]
    result = reconcile({("N1", "A"): 1}, [routed("O1", 2.9, 3.2)], events)
    assert (result.oversold, result.uncertain) == (0, 1)
    # ...but one unit cannot serve two orders, whichever came first.
    both = [routed("O1", 2.9, 3.2), routed("O2", 2.95, 3.3)]
    assert reconcile({("N1", "A"): 1}, both, events).oversold == 1


def test_a_reroute_moves_the_promise_to_the_event_that_placed_it():
    first = routed("O1", 1.0, 1.1, node="N1")
    moved = decision("O1", {"N2": {"A": 1}}, rerouted_from="O1#1")
    offline = event(0, "node_offline", 2.0, 2.1, node="N1", sku=None, decisions=[moved])
    receipt = event(1, "replenish", 3.0, 3.1, node="N2", qty=1)
    # N1 gave its unit back; N2's unit was promised at the outage, before its receipt.
    result = reconcile({("N1", "A"): 1}, [first], [offline, receipt])
    assert (result.oversold, result.reroutes, result.promised) == (1, 1, 1)
    assert result.worst == [(("N2", "A"), 1)]
    assert reconcile({("N2", "A"): 1}, [first], [offline, receipt]).oversold == 0


def test_a_kept_shipment_keeps_the_call_that_placed_it():
    # O1 took N1's only A (and a B at N2); A shipped, then a count emptied N1's shelf,
    # a receipt brought one A, N2 went offline (O1's B moved to N3, A kept), O2 took
    # the received A. Each A came from its own supply.
    first = OrderCall(
        "O1", {"A": 1, "B": 1}, 1.0, 1.1, decision("O1", {"N1": {"A": 1}, "N2": {"B": 1}})
    )
    moved = decision("O1", {"N1": {"A": 1}, "N3": {"B": 1}}, rerouted_from="O1#1")
    events = [
        event(0, "stock_adjust", 2.0, 2.1, qty=0),
        event(1, "replenish", 2.5, 2.6, qty=1),
        event(2, "node_offline", 3.0, 3.1, node="N2", sku=None, decisions=[moved]),
    ]
    stock = {("N1", "A"): 1, ("N2", "B"): 1, ("N3", "B"): 1}
    result = reconcile(stock, [first, routed("O2", 4.0, 4.1)], events)
    assert (result.oversold, result.promised, result.unaccounted) == (0, 3, 0)


def test_units_neither_shipped_nor_unfilled_are_unaccounted():
    lost = OrderCall("O1", {"A": 3}, 1.0, 1.1, decision("O1", {"N1": {"A": 1}}, {"A": 1}))
    result = reconcile({("N1", "A"): 5}, [lost], [])
    assert result.unaccounted == 1
    assert "NOT met" in result.line()


def test_an_order_whose_reroute_answer_was_lost_is_reported():
    first = routed("O1", 1.0, 1.1)
    third = decision("O1", {"N2": {"A": 1}}, rerouted_from="O1#2")
    outage = event(0, "node_offline", 2.0, 2.1, node="N1", sku=None, decisions=[third])
    result = reconcile({("N1", "A"): 1, ("N2", "A"): 1}, [first], [outage])
    assert result.missing == ["O1"]
    assert "could not be replayed" in result.line()
    assert "NOT met" in result.line()


def test_only_empty_counts_can_be_reconciled():
    import pytest

    with pytest.raises(ValueError, match="empty"):
        reconcile({}, [], [event(0, "stock_adjust", 1.0, 1.1, qty=2)])


def test_the_latest_decision_is_the_last_reroute_received_in_whatever_order():
    first, second = routed("O1", 1.0, 1.1), routed("O2", 1.2, 1.3)
    moved = decision("O1", {"N2": {"A": 1}}, rerouted_from="O1#1")
    again = decision("O1", {"N3": {"A": 1}}, rerouted_from="O1#2")
    events = [
        event(1, "node_offline", 3.0, 3.1, node="N2", sku=None, decisions=[again]),
        event(0, "node_offline", 2.0, 2.1, node="N1", sku=None, decisions=[moved]),
    ]
    assert latest([first, second], events) == {"O1": again, "O2": second.decision}
