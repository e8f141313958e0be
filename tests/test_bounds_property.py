"""With every input within engine.limits, the routing arithmetic cannot wrap:
orders at the largest quantity and the most lines, stock at the largest
position, receipts up to the bound — routed through the public API (the
loaders, `engine.Router`, `engine.reactions.Reactions`, `simulations.run`) —
never ship a negative or invented unit, account for every unit ordered
(allocated + unfilled = ordered) and keep the fill rate within [0, 1]."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import dsl
import engine
import simulations
from engine.events import Event
from engine.limits import LINE_QTY, MAX_LINES, STOCK, OutOfRange
from engine.reactions import Reactions
from engine.tables import load_inventory, load_nodes, load_orders

NODES = pd.DataFrame(
    {
        "id": ["DC", "ST-1", "ST-2"],
        "type": ["dc", "store", "store"],
        "lat": [45.76, 48.86, 50.63],
        "lon": [4.84, 2.35, 3.06],
        "pick_cost": [1e9, 0.5, 0.0],
        "ship_cost_base": [1e9, 3.0, 0.0],
        "ship_cost_per_km": [1e9, 0.01, 0.0],
        "handling_days": [365, 0.5, 0],
    }
)
SKUS = ("A", "B", "C")
RULES = {
    shortage: f"""ruleset "Bounds"
timezone "Europe/Paris"

strategy any "Any node"
  rank by stock desc, cost, distance
  split at most 3
  on shortage {shortage}
"""
    for shortage in ("backorder", "partial", "reject")
}
POLICIES = {shortage: engine.policy_of(text) for shortage, text in RULES.items()}
T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)

quantities = st.one_of(
    st.sampled_from([LINE_QTY.low, LINE_QTY.high, LINE_QTY.high - 1]),
    st.integers(LINE_QTY.low, LINE_QTY.high),
)
stock_levels = st.one_of(
    st.sampled_from([0, 1, STOCK.high, STOCK.high - 1, LINE_QTY.high]),
    st.integers(0, STOCK.high),
)


@st.composite
def orders(draw, count: int) -> list[list[tuple[str, int]]]:
    """Orders as lists of (sku, qty): a few lines, or MAX_LINES of them."""
    out = []
    for _ in range(count):
        size = draw(st.sampled_from([1, 2, 3, MAX_LINES]))
        if size == MAX_LINES:  # the largest order: every line at the largest quantity
            sku = draw(st.sampled_from(SKUS))
            out.append([(sku, LINE_QTY.high)] * MAX_LINES)
        else:
            out.append([(draw(st.sampled_from(SKUS)), draw(quantities)) for _ in range(size)])
    return out


def stock_frame(levels: list[int]) -> pd.DataFrame:
    pairs = [(node, sku) for node in NODES["id"] for sku in SKUS]
    return pd.DataFrame(
        [(node, sku, level) for (node, sku), level in zip(pairs, levels, strict=False)],
        columns=["node_id", "sku", "on_hand"],
    )


def order_lines(batch: list[list[tuple[str, int]]]) -> pd.DataFrame:
    rows = []
    for number, lines in enumerate(batch):
        created = (T0 + dt.timedelta(hours=number)).isoformat()
        for sku, qty in lines:
            rows.append((f"O{number}", created, "web", "home", 48.85, 2.35, sku, qty, 1e9))
    columns = ["order_id", "created_at", "channel", "delivery", "dest_lat", "dest_lon"]
    return pd.DataFrame(rows, columns=[*columns, "sku", "qty", "unit_price"])


def check(decisions, batch, available: Counter) -> None:
    """Every unit accounted, none negative, none beyond the stock there was."""
    allocated: Counter = Counter()
    ordered_all = shipped_all = 0
    for decision in decisions:
        number = int(decision.order_id.removeprefix("O"))
        ordered = Counter()
        for sku, qty in batch[number]:
            ordered[sku] += qty
        shipped, unfilled = Counter(), Counter()
        for shipment in decision.shipments:
            for line in shipment.lines:
                assert line.qty > 0, decision
                shipped[line.sku] += line.qty
            assert shipment.cost >= 0 and shipment.cost == shipment.cost  # finite, not NaN
        for item in decision.unfilled:
            assert item.qty > 0, decision
            unfilled[item.sku] += item.qty
        assert shipped + unfilled == ordered, decision
        allocated += shipped
        ordered_all += sum(ordered.values())
        shipped_all += sum(shipped.values())
    for sku, units in allocated.items():
        assert units <= available[sku], (sku, units, available[sku])
    assert 0.0 <= shipped_all / ordered_all <= 1.0


@settings(max_examples=60)
@given(
    levels=st.lists(stock_levels, min_size=9, max_size=9),
    batch=st.integers(1, 4).flatmap(orders),
    shortage=st.sampled_from(sorted(RULES)),
    explain=st.booleans(),
)
def test_routing_at_the_bounds_never_wraps(levels, batch, shortage, explain):
    nodes = load_nodes(NODES)
    stock = load_inventory(stock_frame(levels), nodes.frame["id"])
    lines = load_orders(order_lines(batch), nodes.frame["id"], timezone="Europe/Paris")
    assert nodes.ok and stock.ok and lines.ok, (stock.rejects, lines.rejects)
    network = engine.Network.from_frame(nodes.frame)
    inventory = engine.Inventory.from_frame(stock.frame, network)
    router = engine.Session(POLICIES[shortage], network, inventory).router
    decisions = router.route_batch(engine.orders_from_frame(lines.frame), explain=explain)
    available = Counter()
    for row in stock.frame.itertuples():
        available[row.sku] += row.on_hand
    check(decisions, batch, available)
    assert (inventory.free >= 0).all() and (inventory.free <= inventory.on_hand).all()


@settings(max_examples=40)
@given(
    levels=st.lists(stock_levels, min_size=9, max_size=9),
    batch=st.integers(1, 3).flatmap(orders),
    receipts=st.lists(st.tuples(st.sampled_from(["DC", "ST-1"]), st.sampled_from(SKUS))),
)
def test_receipts_up_to_the_bound_never_wrap(levels, batch, receipts):
    network = engine.Network.from_frame(load_nodes(NODES).frame)
    inventory = engine.Inventory.from_frame(stock_frame(levels), network)
    available = Counter()
    for row in stock_frame(levels).itertuples():
        available[row.sku] += row.on_hand
    with Reactions(engine.Session(POLICIES["backorder"], network, inventory).router) as reactions:
        decisions = []
        for number, (node, sku) in enumerate(receipts):
            room = STOCK.high - inventory.on_hand_of(node, sku)
            at = T0 + dt.timedelta(minutes=number)
            if room > 0:  # a receipt that fills the position to the bound is taken...
                reactions.apply(Event(at, "replenish", node, sku, room))
                available[sku] += room
            try:  # ... one unit more is refused, and nothing changes
                reactions.apply(Event(at, "replenish", node, sku, 1))
                raise AssertionError("a receipt above the bound was taken")
            except OutOfRange:
                assert inventory.on_hand_of(node, sku) == STOCK.high
        orders = engine.orders_from_frame(load_orders(order_lines(batch)).frame)
        decisions = reactions.route_batch(orders)
        check(decisions, batch, available)
        assert reactions.problems() == []


def test_a_simulation_at_the_bounds_keeps_its_figures():
    """The largest orders against the largest positions, through simulations.run."""
    batch = [[("A", LINE_QTY.high)] * MAX_LINES, [("B", LINE_QTY.high)] * MAX_LINES]
    batch += [[("A", LINE_QTY.high), ("B", LINE_QTY.high), ("C", 1)]] * 3
    stock = stock_frame([STOCK.high] * 9)
    result = simulations.run(dsl.parse(RULES["partial"]), NODES, stock, order_lines(batch))
    assert result.rejects.empty
    overall = result.kpis.overall
    assert overall["orders"] == 5
    assert overall["units"] == 2 * MAX_LINES * LINE_QTY.high + 3 * (2 * LINE_QTY.high + 1)
    assert overall["fill_rate"] == 1.0
    assert overall["cost_per_order"] >= 0
