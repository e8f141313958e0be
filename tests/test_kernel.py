"""The compiled kernel (engine.kernel) against the plain reference router, on the demo
network with every shipped ruleset: in batches, with explanations (the kernel's trace)
and order by order, it decides exactly as the reference does; and it computes distances
to the bit as engine.geo (and Python's math) do."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from importlib import resources

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference_router import route_all

import dsl
import engine
from engine import kernel
from engine.geo import NodeSphere, chord_km, unit_vector
from engine.model import plain
from engine.tables import load_inventory, load_nodes, load_orders
from engine.windows import as_instant
from simulations.demo_data import generate

RULESETS = ["france.route", "b2b_wholesale.route", "marketplace.route", "bulky_dropship.route"]
LATITUDES = st.floats(-89.9, 89.9, allow_nan=False)
LONGITUDES = st.floats(-180.0, 180.0, allow_nan=False)


@given(st.lists(st.tuples(LATITUDES, LONGITUDES), min_size=1, max_size=20), LATITUDES, LONGITUDES)
def test_half_chords_km_and_unit_vectors_are_those_of_engine_geo_to_the_bit(points, lat, lon):
    sphere = NodeSphere([p[0] for p in points], [p[1] for p in points])
    dest = unit_vector(lat, lon)
    vectors = np.empty((1, 3))
    kernel.unit_vectors(np.array([lat]), np.array([lon]), vectors)
    assert vectors[0].tobytes() == np.array(dest).tobytes()
    got = np.empty(len(points))
    kernel.half_chords(sphere.x, sphere.y, sphere.z, np.array(dest), got)
    want = sphere.half_chords(dest)
    assert got.tobytes() == want.tobytes()
    assert [kernel.distance_km(h) for h in got.tolist()] == [chord_km(h) for h in want.tolist()]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """60 nodes, 600 SKUs, 1,500 orders over 45 days: some orders split, go down their
    chains and end short."""
    folder = tmp_path_factory.mktemp("demo")
    paths = generate(folder, orders=1_500, skus=600, days=45, replenishments=False)
    nodes = load_nodes(paths["nodes"]).frame
    stock = load_inventory(paths["inventory"], node_ids=nodes["id"].tolist()).frame
    return nodes, stock, paths["orders"]


@pytest.mark.parametrize("name", RULESETS)
def test_kernel_decides_as_the_reference_on_the_demo_network(demo, name):
    nodes, stock, orders_path = demo
    text = resources.files("rulesets").joinpath(name).read_text(encoding="utf-8")
    ruleset = dsl.parse(text, name)
    table = load_orders(orders_path, node_ids=nodes["id"].tolist(), timezone=ruleset.timezone)
    extra = engine.tables.data_fields(nodes.columns, table.frame.columns)
    orders = engine.orders_from_frame(table.frame)

    def session() -> engine.Session:
        return engine.Session.open(text, nodes, stock, filename=name, extra_fields=extra)

    node_rows = [{k: plain(v) for k, v in row.items()} for row in nodes.to_dict("records")]
    positions = {
        (str(r.node_id), str(r.sku)): int(r.on_hand) for r in stock.itertuples(index=False)
    }
    want = [d.to_json() for d in route_all(ruleset, node_rows, positions, orders)]
    assert [d.to_json() for d in session().route(table.frame)] == want
    explained = session().route(orders, explain=True)
    assert all(d.explain for d in explained if d.status != "unroutable")
    assert [replace(d, explain=()).to_json() for d in explained] == want
    assert sum(len(d.strategies) > 1 for d in explained) >= 5, "orders go down a chain"
    assert sum(d.status != "routed" for d in explained) >= 5, "orders end short"


def test_a_busy_day_in_several_blocks_decides_as_one_order_at_a_time(tmp_path):
    """1,200 orders on two days: blocks of at most 512 orders, routed on a worker thread
    while the next one is packed, leave each block the stock the one before left, as
    routing the orders one by one does."""
    paths = generate(tmp_path, orders=1_200, skus=300, days=2, replenishments=False)
    nodes = load_nodes(paths["nodes"]).frame
    stock = load_inventory(paths["inventory"], node_ids=nodes["id"].tolist()).frame
    text = resources.files("rulesets").joinpath("france.route").read_text(encoding="utf-8")
    table = load_orders(paths["orders"], node_ids=nodes["id"].tolist(), timezone="Europe/Paris")
    orders = engine.orders_from_frame(table.frame)
    batch = engine.Session.open(text, nodes, stock).route(table.frame)
    alone = engine.Session.open(text, nodes, stock)
    policy = alone.policy
    ordered = sorted(orders, key=lambda o: (as_instant(o.created_at, policy.tz), o.id))
    one_by_one = [alone.route_one(order) for order in ordered]
    assert [d.to_json() for d in batch] == [d.to_json() for d in one_by_one]
    days = Counter(as_instant(o.created_at, policy.tz).astimezone(policy.tz).date() for o in orders)
    assert max(days.values()) > 512, "a day fills more than one block"
