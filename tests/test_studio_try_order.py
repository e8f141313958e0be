"""The Try one order page: an order from history or filled in, routed with the chosen
ruleset on the opening stock, shown with its explanation. Here on data without carriers
(routed at the order's own time, the distance ETA); the promise of an order placed at a
clock time is in tests/test_studio_try_order_promise.py."""

from __future__ import annotations

from importlib import resources

import pandas as pd
import pytest
import studio_pages
from studio_pages import chart, page, studio_app, table, texts

import engine
from simulations import load_inputs

demo_folder = studio_pages.demo_folder
plain_folder = studio_pages.plain_folder
plain_env = studio_pages.plain_env
FRANCE = "Example: france.route"
TZ = "Europe/Paris"


def engine_decision(folder, order_id: str) -> engine.Decision:
    """The same order routed by the engine directly, on the opening stock."""
    inputs = load_inputs(
        folder / "nodes.csv", folder / "inventory.csv", folder / "orders.csv", timezone=TZ
    )
    text = (resources.files("rulesets") / "france.route").read_text(encoding="utf-8")
    policy = engine.policy_of(text, filename="france.route")
    network = engine.Network.from_frame(inputs.nodes)
    router = engine.Session(
        policy, network, engine.Inventory.from_frame(inputs.inventory, network)
    ).router
    lines = inputs.orders[inputs.orders["order_id"] == order_id]
    return router.route(engine.orders_from_frame(lines, TZ)[0], explain=True)


def peak_home_order(folder) -> str:
    """A two-line web home-delivery order, routed under peak protection (from 15 Nov)."""
    orders = pd.read_csv(folder / "orders.csv")
    heads = orders.groupby("order_id").agg(
        lines=("sku", "size"), channel=("channel", "first"), delivery=("delivery", "first")
    )
    wanted = heads[(heads["channel"] == "web") & (heads["delivery"] == "home")]
    return str(wanted[wanted["lines"] == 2].index[0])


def test_an_order_from_history_shows_its_decision_and_why(plain_env):
    order_id = peak_home_order(plain_env)
    expected = engine_decision(plain_env, order_id)
    nodes = pd.read_csv(plain_env / "nodes.csv")

    app = page("try_order").run()
    assert app.selectbox(key="try.ruleset").value == FRANCE
    app.text_input(key="try.search").set_value(order_id).run()
    assert not app.exception
    assert app.selectbox(key="try.order_id").value == order_id

    shipments = table(app, "node", "ships", "distance_km")
    assert shipments["node"].tolist() == [s.node_id for s in expected.shipments]
    assert shipments["units"].tolist() == [s.units for s in expected.shipments]
    assert expected.strategies[0] == "peak_store_protection"
    shown = texts(app)
    assert f"under **{' → '.join(expected.strategies)}**" in shown
    for shipment in expected.shipments:
        assert f"**{shipment.node_id}** — {shipment.strategy}: best of" in shown

    excluded = table(app, "clause", "why")
    peak = excluded[excluded["strategy"] == "peak_store_protection"]
    flagships = nodes.loc[nodes["tags"].fillna("").str.contains("flagship"), "id"]
    assert len(flagships)
    for node_id in flagships:
        row = peak[peak["node"] == node_id].iloc[0]
        assert row["clause"].startswith('source from node.type == "dc" or (node.type == "store"')
        assert 'node.tags has "flagship"' in row["why"]
        name = nodes.set_index("id").loc[node_id, "name"]
        assert row["reason"] == (
            "“Peak season store protection” does not ship from it: "
            f"{name} ({node_id}) is not a warehouse and (it is not a store or it is tagged "
            "flagship)"
        )
    ranking = table(app, "outcome", "rank", "detail")
    first = ranking[ranking["strategy"] == "peak_store_protection"]
    # every node appears once per strategy tried: chosen, ranked or excluded
    assert len(first) + len(peak) == len(nodes)
    ranks = first.loc[first["outcome"] == "ranked", "rank"].tolist()
    assert ranks == sorted(ranks)
    assert first["outcome"].iloc[0] == "chosen"

    figure = chart(app, "try.map")
    by_name = {trace.get("name"): trace for trace in figure["data"]}
    assert sorted(by_name["ships"]["text"]) == sorted(
        f"{s.node_id} ({nodes.set_index('id').loc[s.node_id, 'type']}) ships"
        for s in expected.shipments
    )
    assert app.session_state["try.decision"] == expected


def test_a_filled_in_collect_order_goes_to_its_store(plain_env):
    inventory = pd.read_csv(plain_env / "inventory.csv")
    nodes = pd.read_csv(plain_env / "nodes.csv").set_index("id")
    stores = nodes[(nodes["type"] == "store") & ~nodes["tags"].str.contains("flagship")].index
    stocked = inventory[inventory["node_id"].isin(stores) & (inventory["on_hand"] >= 2)]
    store, sku = stocked.iloc[0][["node_id", "sku"]]

    app = page("try_order").run()
    app.segmented_control(key="try.mode").set_value("Fill in an order").run()
    app.selectbox(key="try.form.delivery").set_value("collect").run()
    app.selectbox(key="try.form.collect_node").set_value(store)
    app.session_state["try.form.lines.0"] = {
        "edited_rows": {0: {"sku": sku, "qty": 2}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    assert not app.exception
    shipments = table(app, "node", "ships")
    assert shipments["node"].tolist() == [store]
    assert shipments["ships"].tolist() == [f"{sku} × 2"]
    assert "under **click_and_collect**" in texts(app)
    ranking = table(app, "outcome", "rank", "detail")
    assert ranking.iloc[0]["node"] == store
    detail = ranking.iloc[0]["detail"]  # `transfer from` ranks the store first
    assert 'order.delivery == "collect" and node.id == order.collect_node true' in detail
    excluded = table(app, "clause", "why")
    assert set(excluded["node"]) == set(nodes.index) - set(ranking["node"])
    assert set(excluded["clause"]) <= {
        'transfer from node.type == "dc"',
        "stock",
    }


@pytest.mark.usefixtures("plain_env")
def test_a_bad_line_is_reported_not_routed():
    app = page("try_order").run()
    app.segmented_control(key="try.mode").set_value("Fill in an order").run()
    app.session_state["try.form.lines.0"] = {
        "edited_rows": {0: {"qty": 0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    assert not app.exception
    assert "This order cannot be routed as it is:" in texts(app)
    problems = table(app, "line", "column", "reason")
    assert problems.to_dict("records") == [
        {
            "line": 1,
            "column": "qty",
            "reason": "qty must be a whole number of units from 1 to 1,000,000,000, got 0",
        }
    ]
    assert not [frame for frame in app.dataframe if "ships" in frame.value.columns]


def test_a_copy_of_a_history_order_routes_the_same_way(plain_env):
    order_id = peak_home_order(plain_env)
    expected = engine_decision(plain_env, order_id)
    app = studio_app().run()  # the whole studio: other pages can be visited
    app.switch_page("views/try_order.py").run()
    app.text_input(key="try.search").set_value(order_id).run()
    app.button(key="try.edit_copy").click().run()
    assert app.segmented_control(key="try.mode").value == "Fill in an order"
    assert not app.exception
    decision = app.session_state["try.decision"]
    assert decision.order_id == "TRY-1"
    assert decision.shipments == expected.shipments
    assert decision.strategies == expected.strategies

    # the order survives a visit to another page and back (its decision is made again)
    del app.session_state["try.decision"]
    app.switch_page("views/network.py").run()
    assert app.title[0].value == "Network and stock"
    app.switch_page("views/try_order.py").run()
    assert app.segmented_control(key="try.mode").value == "Fill in an order"
    assert app.session_state["try.decision"].shipments == expected.shipments


def collect_order_with_a_transfer(folder) -> tuple[str, engine.Decision]:
    """A demo click & collect order whose store lacks an item, and its decision as
    the engine routes it on the opening stock: it has a transfer leg."""
    orders = pd.read_csv(folder / "orders.csv")
    collect = orders[orders["delivery"] == "collect"]
    stock = pd.read_csv(folder / "inventory.csv").set_index(["node_id", "sku"])["on_hand"]
    for order_id, lines in collect.groupby("order_id", sort=True):
        store = lines["collect_node"].iloc[0]
        lacking = [
            sku for sku, qty in zip(lines["sku"], lines["qty"], strict=True)
            if stock.get((store, sku), 0) < qty
        ]  # fmt: skip
        if len(lacking) == 1:
            decision = engine_decision(folder, str(order_id))
            if decision.transfers:
                return str(order_id), decision
    raise AssertionError("no demo collect order whose store lacks one item")


def test_a_collect_order_whose_store_lacks_an_item_shows_its_transfer_and_ready_date(plain_env):
    order_id, expected = collect_order_with_a_transfer(plain_env)
    app = page("try_order").run()
    app.text_input(key="try.search").set_value(order_id).run()
    assert not app.exception
    legs = table(app, "from", "to store", "days", "ready_date")
    assert legs["from"].tolist() == [s.node_id for s in expected.transfers]
    assert legs["to store"].tolist() == [s.transfer.to_node for s in expected.transfers]
    assert legs["distance_km"].tolist() == [
        round(s.transfer.distance_km, 1) for s in expected.transfers
    ]
    assert legs["ready_date"].tolist() == [s.ready_date.isoformat() for s in expected.transfers]
    shown = texts(app)
    assert f"Ready for collection on {expected.ready_date.isoformat()}" in shown
    leg = expected.transfers[0]
    assert f"transfer from {leg.node_id} to {leg.transfer.to_node}: " in shown
    assert f"ready for collection {expected.ready_date.isoformat()}" in shown
