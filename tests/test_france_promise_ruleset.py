"""rulesets/france_promise.route, the France ruleset with delivery promises, routes
the demo data with its carriers and holidays as its comments say: goods over 30 kg by
freight from a warehouse, express orders next day or sooner with an express or
same-day service (else the earliest any service gives), and without a carriers table
it is refused at each clause that chooses carriers."""

from __future__ import annotations

from pathlib import Path

import pytest

import engine
from engine.tables import load_carriers, load_closures, load_inventory, load_nodes, load_orders
from simulations.demo_data import generate

RULESET = Path(__file__).resolve().parent.parent / "rulesets" / "france_promise.route"


@pytest.fixture(scope="module")
def routed(tmp_path_factory):
    paths = generate(tmp_path_factory.mktemp("demo"), orders=3_000, replenishments=False)
    nodes = load_nodes(paths["nodes"])
    ids = nodes.frame["id"].tolist()
    carriers = load_carriers(paths["carriers"])
    session = engine.Session.open(
        RULESET.read_text(),
        nodes,
        load_inventory(paths["inventory"], node_ids=ids),
        carriers=carriers,
        closures=load_closures(paths["closures"], node_ids=ids, carriers=carriers),
    )
    orders = load_orders(paths["orders"], node_ids=ids, timezone="Europe/Paris")
    weights = dict(zip(orders.frame["sku"], orders.frame["weight_kg"], strict=True))
    return list(session.route(orders)), weights


def test_heavy_goods_go_by_freight_from_a_warehouse(routed):
    decisions, weights = routed
    heavy = [
        shipment
        for decision in decisions
        for shipment in decision.shipments
        if any(weights[line.sku] > 30 for line in shipment.lines)
    ]
    assert heavy, "the demo data has goods over 30 kg"
    assert {(s.strategy, s.service) for s in heavy} == {("bulky_freight", "freight")}
    assert all(s.node_id.startswith("DC-") for s in heavy)


def test_express_is_next_day_or_the_earliest_any_service_gives(routed):
    decisions, _ = routed
    next_day = [d for d in decisions if d.strategies[:1] == ("express_next_day",)]
    assert next_day
    for decision in next_day:
        for shipment in decision.shipments:
            if shipment.strategy == "express_next_day":
                assert shipment.service in ("express", "same_day")
                assert shipment.eta_days <= 1


def test_without_carriers_it_is_refused_at_each_clause_that_chooses_them():
    with pytest.raises(engine.CompileError) as caught:
        engine.Session.open(RULESET.read_text(), load_nodes_stub(), load_stock_stub())
    codes = {d.code for d in caught.value.diagnostics}
    assert codes == {"needs-carriers"}


def load_nodes_stub():
    import pandas as pd

    return load_nodes(pd.DataFrame({"id": ["DC"], "type": ["dc"], "lat": [45.0], "lon": [4.0]}))


def load_stock_stub():
    import pandas as pd

    return load_inventory(pd.DataFrame({"node_id": ["DC"], "sku": ["A"], "on_hand": [1]}))
