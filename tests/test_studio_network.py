"""The Network and stock page: the map of nodes with their stock, the tables in use,
uploads and the rows the loaders rejected."""

from __future__ import annotations

import pandas as pd
import pytest
import studio_pages
from studio_pages import chart, map_points, page, studio_app, table, texts

demo_folder = studio_pages.demo_folder
studio_env = studio_pages.studio_env


def test_map_shows_every_node_by_type_with_its_stock(studio_env):
    nodes = pd.read_csv(studio_env / "nodes.csv")
    inventory = pd.read_csv(studio_env / "inventory.csv")
    app = page("network").run()
    assert not app.exception

    figure = chart(app, "network.map")
    assert figure["data"][0]["meta"] == "base map"  # France and its neighbours, behind
    assert [trace["name"] for trace in map_points(figure)] == sorted(nodes["type"].unique())
    placed = {}
    for trace in map_points(figure):
        rows = zip(trace["customdata"], trace["lat"], trace["text"], strict=True)
        for node_id, lat, text in rows:
            placed[node_id] = (trace["name"], lat, text)
    assert set(placed) == set(nodes["id"])
    units = inventory[inventory["on_hand"] > 0].groupby("node_id")["on_hand"].sum()
    for row in nodes.itertuples():
        node_type, lat, text = placed[row.id]
        assert node_type == row.type
        assert lat == row.lat
        assert f"{int(units.get(row.id, 0)):,} units on hand" in text
        capacity = "unlimited" if pd.isna(row.capacity) else f"{int(row.capacity):,} orders/day"
        assert f"capacity {capacity}" in text

    listed = app.dataframe[0].value
    assert len(listed) == len(nodes)
    assert dict(zip(listed["id"], listed["units"], strict=True)) == {
        node_id: int(units.get(node_id, 0)) for node_id in nodes["id"]
    }
    shown = texts(app)
    assert f"Nodes: {len(nodes)} no rejects" in shown
    assert f"Stock rows: {len(inventory):,}" in shown
    assert "Every row of every table was loaded." in shown


def test_one_skus_stock_sizes_the_map(studio_env):
    inventory = pd.read_csv(studio_env / "inventory.csv")
    sku = inventory.groupby("sku")["node_id"].size().idxmax()
    app = page("network").run()
    app.selectbox(key="network.sku").set_value(sku).run()
    holding = inventory[(inventory["sku"] == sku) & (inventory["on_hand"] > 0)]
    listed = app.dataframe[0].value
    assert sorted(listed["id"]) == sorted(holding["node_id"])
    assert listed["units"].sum() == holding["on_hand"].sum()
    figure = chart(app, "network.map")
    assert figure["layout"]["title"]["text"].endswith(f"units of {sku} on hand")


def test_uploaded_tables_replace_the_folder_and_every_rejected_row_is_shown(studio_env):
    every = pd.read_csv(studio_env / "orders.csv")
    store = every["collect_node"].value_counts().index[0]  # the busiest collect point
    nodes = (studio_env / "nodes.csv").read_text(encoding="utf-8").splitlines()
    header, good = nodes[0], nodes[1:]
    at = next(i for i, line in enumerate(good) if line.startswith(f"{store},"))
    bad_type = good[at].split(",")
    bad_type[2] = "warehouse"
    broken = [header, *good[:at], ",".join(bad_type), *good[at + 1 :]]
    orders = (studio_env / "orders.csv").read_text(encoding="utf-8").splitlines()
    cells = orders[3].split(",")
    cells[header_index(orders[0], "qty")] = "-2"
    bad_orders = [orders[0], *orders[1:3], ",".join(cells), *orders[4:]]

    app = page("network").run()
    app.file_uploader(key="network.upload.nodes.0").set_value(
        ("my_nodes.csv", ("\n".join(broken) + "\n").encode(), "text/csv")
    )
    app.file_uploader(key="network.upload.orders.0").set_value(
        ("my_orders.csv", ("\n".join(bad_orders) + "\n").encode(), "text/csv")
    )
    app.run()
    assert not app.exception

    shown = texts(app)
    assert "In use for this session: nodes: my_nodes.csv, orders: my_orders.csv" in shown
    assert f"Nodes: {len(good) - 1} 1 row rejected" in shown
    rejects = table(app, "table", "row", "reason")
    node_rows = rejects[rejects["table"] == "nodes"]
    assert node_rows["row"].tolist() == [at + 2]  # the header is row 1
    assert "type must be one of dc, store, 3pl, dropship, dark_store" in node_rows["reason"].iloc[0]
    order_id = cells[0]
    order_rows = rejects[rejects["table"] == "orders"]
    assert 4 in order_rows["row"].tolist()
    assert order_id in set(order_rows["order_id"])
    assert "qty must be a whole number of units from 1 to 1,000,000,000, got -2" in " ".join(
        order_rows["reason"]
    )
    # a collect order at the node whose row was rejected is rejected too, not dropped
    collected_there = set(every.loc[every["collect_node"] == store, "order_id"])
    assert collected_there <= set(order_rows["order_id"])
    assert f"collect_node {store!r} is not a known node" in " ".join(order_rows["reason"])
    # the map only shows the nodes that loaded
    figure = chart(app, "network.map")
    assert sum(len(trace["customdata"]) for trace in map_points(figure)) == len(good) - 1

    app.button[0].click().run()
    assert "In use for this session" not in texts(app)
    assert "Every row of every table was loaded." in texts(app)


def test_an_unusable_upload_says_why(studio_env):
    orders = (studio_env / "orders.csv").read_text(encoding="utf-8").splitlines()
    renamed = orders[0].replace("created_at", "created")
    app = page("network").run()
    app.file_uploader(key="network.upload.orders.0").set_value(
        ("orders_export.csv", "\n".join([renamed, *orders[1:]]).encode(), "text/csv")
    )
    app.run()
    errors = " ".join(e.value for e in app.error)
    assert "orders_export.csv: missing required column(s) created_at" in errors
    assert "did you mean 'created' for 'created_at'?" in errors


@pytest.mark.usefixtures("studio_env")
def test_a_missing_data_folder_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCING_DATA_DIR", str(tmp_path / "nowhere"))
    app = page("network").run()
    assert not app.exception
    assert "sourcing demo-data --out demo-data" in texts(app)


def header_index(header: str, column: str) -> int:
    return header.split(",").index(column)


@pytest.mark.usefixtures("studio_env")
def test_every_data_page_opens_in_the_app():
    app = studio_app().run()
    for name, title in (
        ("network", "Network and stock"),
        ("carriers", "Carriers"),
        ("try_order", "Try one order"),
        ("simulate", "Simulate"),
        ("compare", "Compare scenarios"),
    ):
        app.switch_page(f"views/{name}.py").run()
        assert not app.exception, (name, app.exception)
        assert app.title[0].value == title


@pytest.mark.usefixtures("studio_env")
def test_orders_are_counted_as_orders_not_rows_as_simulate_counts_them(demo_folder):
    """The Orders card said "38,019 rows" where Simulate said "20,000 orders": both count
    orders now; the lines are on hover."""
    orders = pd.read_csv(demo_folder / "orders.csv")
    app = page("network").run()
    card = next(metric for metric in app.metric if metric.label == "Orders")
    assert card.value == f"{orders['order_id'].nunique():,}"
    assert card.proto.help.startswith(f"{len(orders):,} rows kept")
