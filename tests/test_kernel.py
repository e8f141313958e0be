"""The compiled kernel (engine.kernel) decides as the numpy steps that explain
decisions (engine.allocation) do, on the demo network with every shipped
ruleset, and computes distances to the bit as engine.geo does."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from importlib import resources

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dsl
import engine
from engine import kernel
from engine.geo import NodeSphere, chord_km, unit_vector
from engine.tables import load_inventory, load_nodes, load_orders
from engine.windows import as_instant
from simulations.demo_data import generate

RULESETS = ["france.route", "b2b_wholesale.route", "marketplace.route", "bulky_dropship.route"]
LATITUDES = st.floats(-89.9, 89.9, allow_nan=False)
LONGITUDES = st.floats(-180.0, 180.0, allow_nan=False)


@given(st.lists(st.tuples(LATITUDES, LONGITUDES), min_size=1, max_size=20), LATITUDES, LONGITUDES)
def test_half_chords_and_km_are_those_of_engine_geo_to_the_bit(points, lat, lon):
    sphere = NodeSphere([p[0] for p in points], [p[1] for p in points])
    dest = unit_vector(lat, lon)
    got = np.empty(len(points))
    kernel._half_chords(sphere.x, sphere.y, sphere.z, np.array(dest), got)
    want = sphere.half_chords(dest)
    assert got.tobytes() == want.tobytes()
    assert [kernel._km(h) for h in got.tolist()] == [chord_km(h) for h in want.tolist()]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """60 nodes, 600 SKUs, 1,500 orders over 45 days: some orders split, go
    down their chains and end short."""
    folder = tmp_path_factory.mktemp("demo")
    paths = generate(folder, orders=1_500, skus=600, days=45, replenishments=False)
    nodes = load_nodes(paths["nodes"]).frame
    stock = load_inventory(paths["inventory"], node_ids=nodes["id"].tolist()).frame
    return nodes, stock, paths["orders"]


@pytest.mark.parametrize("name", RULESETS)
def test_kernel_decides_as_the_explaining_steps_on_the_demo_network(demo, name):
    nodes, stock, orders_path = demo
    text = resources.files("rulesets").joinpath(name).read_text(encoding="utf-8")
    ruleset = dsl.parse(text, name)
    table = load_orders(orders_path, node_ids=nodes["id"].tolist(), timezone=ruleset.timezone)
    network = engine.Network.from_frame(nodes)
    policy = engine.compile(ruleset, text, name, extra_fields=table.frame.columns)
    orders = engine.orders_from_frame(table.frame)

    def router() -> engine.Router:
        return engine.Router(policy, network, engine.Inventory.from_frame(stock, network))

    fast = router().route_batch(orders)
    explained = router().route_batch(orders, explain=True)
    assert all(d.explain for d in explained if d.status != "unroutable")
    assert [d.to_json() for d in fast] == [replace(d, explain=()).to_json() for d in explained]
    assert any(len(d.strategies) > 1 for d in fast), "some orders go down a chain"
    assert {d.status for d in fast} - {"routed"}, "some orders end short"


def test_a_busy_day_in_several_blocks_decides_as_one_order_at_a_time(tmp_path):
    """1,200 orders on two days: blocks of at most 512 orders, routed on a worker
    thread while the next one is packed, leave each block the stock the one
    before left, as routing the orders one by one does."""
    paths = generate(tmp_path, orders=1_200, skus=300, days=2, replenishments=False)
    nodes = load_nodes(paths["nodes"]).frame
    stock = load_inventory(paths["inventory"], node_ids=nodes["id"].tolist()).frame
    text = resources.files("rulesets").joinpath("france.route").read_text(encoding="utf-8")
    ruleset = dsl.parse(text)
    table = load_orders(paths["orders"], node_ids=nodes["id"].tolist(), timezone=ruleset.timezone)
    network = engine.Network.from_frame(nodes)
    policy = engine.compile(ruleset, text)
    orders = engine.orders_from_frame(table.frame)

    def router() -> engine.Router:
        return engine.Router(policy, network, engine.Inventory.from_frame(stock, network))

    batch = router().route_batch(orders)
    alone = router()
    one_by_one = [
        alone.route(order) for order in sorted(orders, key=lambda o: (o.created_at, o.id))
    ]
    assert [d.to_json() for d in batch] == [d.to_json() for d in one_by_one]
    days = Counter(as_instant(o.created_at, policy.tz).astimezone(policy.tz).date() for o in orders)
    assert max(days.values()) > 512, "a day fills more than one block"
