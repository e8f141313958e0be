"""The demo data generator: deterministic files that load without a reject and
look like a French retailer's year (real cities, seasonality, basket shapes)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cli.main import main
from engine.tables import (
    NodeCalendar,
    load_carriers,
    load_closures,
    load_inventory,
    load_nodes,
    load_orders,
    load_replenishments,
    load_returns,
)
from simulations.demo_data import generate
from simulations.demo_data.calendar import black_friday, sales_start
from simulations.demo_data.network import allocate
from simulations.geography import city, french_cities, haversine_km


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The default demo (20,000 orders, 60 nodes, 2,000 SKUs), loaded."""
    out = tmp_path_factory.mktemp("demo")
    paths = generate(out)
    nodes = load_nodes(paths["nodes"])
    ids = nodes.frame["id"]
    return {
        "paths": paths,
        "nodes": nodes,
        "inventory": load_inventory(paths["inventory"], node_ids=ids),
        "orders": load_orders(paths["orders"], node_ids=ids, timezone="Europe/Paris"),
        "replenishments": load_replenishments(
            paths["replenishments"], node_ids=ids, timezone="Europe/Paris"
        ),
        "carriers": load_carriers(paths["carriers"]),
        "closures": load_closures(paths["closures"], node_ids=ids),
        "returns": load_returns(paths["returns"], node_ids=ids, timezone="Europe/Paris"),
    }


@pytest.fixture(scope="module")
def orders(demo) -> pd.DataFrame:
    """One row per order (the order-level columns of its first line)."""
    frame = demo["orders"].frame
    heads = frame.drop_duplicates("order_id").copy()
    heads["lines"] = frame.groupby("order_id", sort=False).size().to_numpy()
    heads["day"] = heads["created_at"].dt.tz_convert("Europe/Paris").dt.normalize()
    return heads


def test_same_seed_gives_byte_identical_files(demo, tmp_path):
    again = generate(tmp_path / "again")
    assert again.keys() == demo["paths"].keys()
    for name, path in demo["paths"].items():
        assert again[name].read_bytes() == path.read_bytes(), name


def test_parquet_is_deterministic_and_loads_like_csv(tmp_path):
    small = {"orders": 1_500, "nodes": 25, "skus": 200, "seed": 3}
    first = generate(tmp_path / "a", fmt="parquet", **small)
    second = generate(tmp_path / "b", fmt="parquet", **small)
    as_csv = generate(tmp_path / "c", fmt="csv", **small)
    for name in first:
        assert first[name].suffix == ".parquet"
        assert first[name].read_bytes() == second[name].read_bytes(), name
    ids = load_nodes(first["nodes"]).frame["id"]
    from_parquet = load_orders(first["orders"], node_ids=ids, timezone="Europe/Paris")
    from_csv = load_orders(as_csv["orders"], node_ids=ids, timezone="Europe/Paris")
    assert from_parquet.rejects.empty
    pd.testing.assert_frame_equal(from_parquet.frame, from_csv.frame)
    for loader, name in ((load_inventory, "inventory"), (load_replenishments, "replenishments")):
        parquet, csv = loader(first[name], node_ids=ids), loader(as_csv[name], node_ids=ids)
        assert parquet.rejects.empty
        pd.testing.assert_frame_equal(parquet.frame, csv.frame)


def test_another_seed_gives_other_orders(demo, tmp_path):
    other = generate(tmp_path / "other", seed=8, orders=2_000)
    assert other["orders"].read_bytes() != demo["paths"]["orders"].read_bytes()


def test_every_table_loads_without_a_reject(demo):
    for name in (
        "nodes", "inventory", "orders", "replenishments", "carriers", "closures", "returns",
    ):  # fmt: skip
        table = demo[name]
        assert table.rejects.empty, (name, table.rejects.head())
        assert len(table.frame) > 0
    assert len(demo["nodes"].frame) == 60
    assert demo["orders"].frame["order_id"].nunique() == 20_000
    assert demo["inventory"].frame["sku"].nunique() <= 2_000


def test_network_shape_and_real_coordinates(demo):
    nodes = demo["nodes"].frame.set_index("id")
    kinds = nodes["type"].value_counts()
    assert kinds["dc"] == 6 and kinds["3pl"] == 1 and kinds["store"] == 53
    assert set(nodes.index[nodes["type"] == "dc"]) == {
        "DC-PARIS",
        "DC-LYON",
        "DC-LILLE",
        "DC-MARSEILLE",
        "DC-BORDEAUX",
        "DC-ORLEANS",
    }
    saint_priest = city("Saint-Priest")
    assert nodes.loc["DC-LYON", ["lat", "lon"]].tolist() == pytest.approx(
        [saint_priest["lat"], saint_priest["lon"]]
    )
    assert nodes.loc["DC-LYON", "region"] == "Auvergne-Rhône-Alpes"
    assert not nodes.loc[nodes["type"] == "dc", "can_collect"].any()
    assert nodes.loc[nodes["type"] == "store", "can_collect"].all()
    assert (nodes["country"] == "FR").all()
    # Every store stands within a few km of a real French city of its name.
    stores = nodes[nodes["type"] == "store"]
    paris = city("Paris")
    in_paris = stores[stores.index.str.startswith("ST-PARIS-")]
    distance = haversine_km(in_paris["lat"], in_paris["lon"], paris["lat"], paris["lon"])
    assert len(in_paris) >= 3 and (distance < 15).all()


def test_flagships_are_the_first_stores_of_the_largest_cities(demo):
    nodes = demo["nodes"].frame
    flagships = nodes[nodes["tags"].map(lambda tags: "flagship" in tags)]
    assert set(flagships["type"]) == {"store"}
    assert flagships["id"].tolist() == [
        "ST-PARIS-01",
        "ST-MARSEILLE-01",
        "ST-LYON",
        "ST-TOULOUSE",
        "ST-NICE",
        "ST-NANTES",
    ]
    assert flagships.iloc[0]["tags"] == ("flagship", "paris")
    largest = french_cities()["name"].head(6).tolist()
    assert largest == ["Paris", "Marseille", "Lyon", "Toulouse", "Nice", "Nantes"]


def test_stores_are_allocated_by_population():
    assert allocate(np.array([600.0, 300.0, 100.0]), 10).tolist() == [6, 3, 1]
    assert allocate(np.array([500.0, 380.0, 120.0]), 4).tolist() == [2, 2, 0]
    assert allocate(np.array([5.0, 5.0]), 1).tolist() == [1, 0]


def test_stock_is_deep_at_dcs_and_shallow_in_stores(demo):
    stock = demo["inventory"].frame.merge(
        demo["nodes"].frame[["id", "type"]], left_on="node_id", right_on="id"
    )
    dc = stock[stock["type"] == "dc"]
    store = stock[stock["type"] == "store"]
    assert dc["on_hand"].mean() > 3 * store["on_hand"].mean()
    skus = stock["sku"].nunique()
    assert dc.groupby("node_id").size().min() > 0.9 * skus
    per_store = store.groupby("node_id").size()
    assert per_store.max() < 0.8 * skus
    # Popular SKUs are in more stores than the long tail.
    sold = demo["orders"].frame.groupby("sku")["qty"].sum()
    spread = store.groupby("sku").size().reindex(sold.index, fill_value=0)
    top = sold.sort_values(ascending=False).index
    assert spread[top[:100]].mean() > 2 * spread[top[-500:]].mean()


def test_seasonality_peak_and_black_friday(orders):
    daily = orders.groupby("day").size()
    assert len(daily) == 365
    friday = pd.Timestamp(black_friday(2026), tz="Europe/Paris")
    assert friday == pd.Timestamp("2026-11-27", tz="Europe/Paris")
    assert daily.idxmax() == friday
    assert daily[friday] > 3.5 * daily.median()
    by_month = daily.groupby(daily.index.month).mean()
    rest = by_month.drop([11, 12]).mean()
    assert by_month[11] > 1.4 * rest and by_month[12] > 1.2 * rest
    assert by_month[8] < 0.85 * rest
    assert by_month[8] == by_month.min()
    # Christmas Day is quiet; the winter sales start busy.
    christmas = pd.Timestamp("2026-12-25", tz="Europe/Paris")
    assert daily[christmas] < daily.median()
    sales = pd.Timestamp(sales_start(2026, 1), tz="Europe/Paris")
    assert sales == pd.Timestamp("2026-01-14", tz="Europe/Paris")
    assert daily[sales] > 1.3 * daily.median()


def test_destinations_follow_where_people_live(orders):
    cities = french_cities()
    population_share = cities.groupby("region")["population"].sum() / cities["population"].sum()
    home = orders[orders["delivery"] != "collect"]
    order_share = home["region"].value_counts(normalize=True)
    for region in ("Île-de-France", "Provence-Alpes-Côte d'Azur", "Auvergne-Rhône-Alpes"):
        assert order_share[region] == pytest.approx(population_share[region], abs=0.02)
    # Around Paris: as many orders as people in the cities within 8 km of it.
    paris = city("Paris")
    inner = haversine_km(cities["lat"], cities["lon"], paris["lat"], paris["lon"]) < 8
    expected = cities.loc[inner, "population"].sum() / cities["population"].sum()
    near = haversine_km(home["dest_lat"], home["dest_lon"], paris["lat"], paris["lon"]) < 8
    assert near.mean() == pytest.approx(expected, abs=0.02)
    # Destinations are spread around the city, a few km at most.
    centre_share = (
        (home["dest_lat"] == paris["lat"].round(5)) & (home["dest_lon"] == paris["lon"].round(5))
    ).mean()
    assert centre_share < 0.001


def test_basket_sizes_and_quantities(demo, orders):
    consumer = orders[orders["channel"] != "b2b"]
    shares = consumer["lines"].value_counts(normalize=True)
    assert 0.5 < shares[1] < 0.6
    assert shares[1] + shares[2] > 0.75
    assert consumer["lines"].max() == 5
    assert orders["lines"].max() <= 8
    lines = demo["orders"].frame
    consumer_lines = lines[lines["channel"] != "b2b"]
    assert (consumer_lines["qty"] == 1).mean() > 0.8
    assert lines.groupby("order_id")["sku"].nunique().eq(lines.groupby("order_id").size()).all()


def test_channels_deliveries_and_tiers(demo, orders):
    channel = orders["channel"].value_counts(normalize=True)
    assert set(channel.index) == {"web", "marketplace", "store", "b2b"}
    assert channel["web"] == pytest.approx(0.62, abs=0.02)
    assert ((orders["tier"] == "b2b") == (orders["channel"] == "b2b")).all()
    vip = (orders.loc[orders["channel"] != "b2b", "tier"] == "vip").mean()
    assert vip == pytest.approx(0.05, abs=0.01)
    assert set(orders["delivery"]) == {"home", "collect", "express"}
    assert (orders.loc[orders["channel"] == "b2b", "delivery"] == "home").all()
    promised = orders.groupby("delivery")["promised_days"].max()
    assert promised["express"] == 1.0
    # Collect orders go to a collect store, and their destination is that store.
    nodes = demo["nodes"].frame.set_index("id")
    collect = orders[orders["delivery"] == "collect"]
    where = nodes.loc[collect["collect_node"]]
    assert (where["type"] == "store").all() and where["can_collect"].all()
    assert collect["dest_lat"].to_numpy() == pytest.approx(where["lat"].to_numpy())
    assert (orders.loc[orders["delivery"] != "collect", "collect_node"] == "").all()


def test_orders_come_in_time_order_with_ids_in_that_order(demo):
    frame = demo["orders"].frame
    assert frame["created_at"].is_monotonic_increasing
    ids = frame["order_id"].drop_duplicates()
    assert ids.tolist() == sorted(ids)
    assert frame["unit_price"].min() > 0
    assert set(frame["category"]) >= {"apparel", "toys", "electronics"}


def test_toys_sell_at_christmas(demo):
    lines = demo["orders"].frame
    month = lines["created_at"].dt.tz_convert("Europe/Paris").dt.month
    toys = lines["category"] == "toys"
    assert toys[month == 12].mean() > 2 * toys[month.isin([3, 4, 5])].mean()


def test_replenishments_arrive_at_dcs_on_monday_mornings(demo):
    frame = demo["replenishments"].frame
    assert frame["node_id"].str.startswith("DC-").all()
    local = frame["at"].dt.tz_convert("Europe/Paris")
    assert (local.dt.day_of_week == 0).all() and (local.dt.hour == 6).all()
    assert (frame["qty"] > 0).all()


def test_carriers_are_a_french_table_of_four_services(demo):
    carriers = demo["carriers"]
    services = list(zip(carriers.carrier, carriers.service, strict=True))
    assert services == [
        ("colissimo", "standard"),
        ("chronopost", "express"),
        ("stuart", "same_day"),
        ("geodis", "freight"),
    ]
    standard, express, same_day, freight = range(4)
    assert all(served == {"FR"} for served in carriers.countries)
    # Postal standard: 2 days, delivered Monday to Saturday, parcels up to 30 kg.
    assert carriers.transit_days[standard] == 2 and carriers.max_weight_kg[standard] == 30
    assert demo["carriers"].frame.loc[standard, "delivery_days"] == "Mon-Sat"
    # 24 h express, capped per node and day.
    assert carriers.transit_days[express] == 1 and carriers.daily_parcels[express] == 120
    # Same-day courier: from stores within 30 km, delivered the day it is collected.
    assert carriers.transit_days[same_day] == 0 and carriers.max_km[same_day] == 30
    assert carriers.collects_from(same_day, "store") and not carriers.collects_from(same_day, "dc")
    # Freight: bulky goods from the DCs.
    assert carriers.max_weight_kg[freight] >= 500 and carriers.transit_days[freight] == 3
    assert carriers.collects_from(freight, "dc") and not carriers.collects_from(freight, "store")
    assert (carriers.cost_base > 0).all() and (carriers.cost_base < 60).all()
    assert carriers.cost_base[express] > carriers.cost_base[standard]


def _easter(year: int) -> dt.date:
    """Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    day_l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * day_l) // 451
    month, day = divmod(h + day_l - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def test_closures_are_the_french_public_holidays_of_2026_and_2027(demo):
    closures = demo["closures"]
    assert set(closures.frame["scope"]) == {"all"} and set(closures.frame["id"]) == {""}
    expected = set()
    for year in (2026, 2027):
        easter = _easter(year)
        expected |= {
            dt.date(year, month, day)
            for month, day in (
                (1, 1),
                (5, 1),
                (5, 8),
                (7, 14),
                (8, 15),
                (11, 1),
                (11, 11),
                (12, 25),
            )
        }
        expected |= {easter + dt.timedelta(days=n) for n in (1, 39, 50)}  # fmt: skip
    assert set(closures.dates("all")) == expected
    assert _easter(2026) == dt.date(2026, 4, 5) and _easter(2027) == dt.date(2027, 3, 28)
    reasons = dict(zip(closures.frame["date"], closures.frame["reason"], strict=True))
    assert reasons[dt.date(2026, 12, 25)] == "Noël"
    assert reasons[dt.date(2026, 4, 6)] == "Lundi de Pâques"


def test_nodes_have_cutoffs_open_days_and_preparation_days(demo):
    nodes = demo["nodes"].frame.set_index("id")
    kind = nodes["type"]
    assert set(nodes.loc[kind == "store", "cutoff"]) == {"14:00", "15:00", "16:00"}
    assert set(nodes.loc[kind == "dc", "cutoff"]) <= {"18:00", "19:00", "20:00"}
    assert nodes.loc["DC-PARIS", "cutoff"] == nodes.loc["DC-LYON", "cutoff"] == "20:00"
    assert nodes.loc["ST-PARIS-01", "cutoff"] == "16:00"  # a flagship
    assert set(nodes.loc[kind.isin(["dc", "store"]), "open_days"]) == {"Mon-Sat"}
    assert nodes.loc["3PL-LE-HAVRE", "open_days"] == "Mon-Fri"
    assert nodes.loc["3PL-LE-HAVRE", "prep_days"] == 1
    assert (nodes.loc[kind != "3pl", "prep_days"] == 0).all()
    calendar = NodeCalendar.of(demo["nodes"])
    assert calendar.cutoff.min() == 14 * 60 and calendar.cutoff.max() == 20 * 60


def test_every_line_carries_its_products_weight(demo):
    lines = demo["orders"].frame
    assert lines["weight_kg"].gt(0).all()
    assert lines.groupby("sku")["weight_kg"].nunique().eq(1).all()  # one weight per product
    median = lines.drop_duplicates("sku").groupby("category")["weight_kg"].median()
    assert median["beauty"] < median["apparel"] < median["shoes"] < 2
    bulky = lines.drop_duplicates("sku").query("weight_kg > 30")
    assert len(bulky) >= 3
    assert set(bulky["category"]) <= {"home", "sports", "electronics"}
    assert bulky["weight_kg"].max() <= 80


def test_the_promise_columns_come_after_the_others(tmp_path):
    """The calendar and weight columns follow the columns the demo always wrote
    (they draw from random streams of their own, so those columns keep their
    values), and the nodes' returns columns follow them; the node calendars do
    not depend on the product range."""
    small = generate(tmp_path / "a", orders=300, nodes=25, skus=200, seed=3)
    more = generate(tmp_path / "b", orders=300, nodes=25, skus=400, seed=3)
    assert small["nodes"].read_bytes() == more["nodes"].read_bytes()
    assert small["carriers"].read_bytes() == more["carriers"].read_bytes()
    header = small["nodes"].read_text().splitlines()[0].split(",")
    assert header[-5:] == ["cutoff", "open_days", "prep_days", "accepts_returns", "return_cost"]
    assert small["orders"].read_text().splitlines()[0].endswith(",category,weight_kg")


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="format must be one of csv, parquet"):
        generate(tmp_path, fmt="xlsx")
    with pytest.raises(ValueError, match="at least 3 nodes"):
        generate(tmp_path, nodes=2)


def test_command_line_writes_and_reports(tmp_path, capsys):
    out = tmp_path / "cli"
    code = main(["demo-data", "--out", str(out), "--orders", "300", "--nodes", "12",
                 "--skus", "80", "--format", "parquet", "--no-replenishments"])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == [
        "carriers.parquet",
        "closures.parquet",
        "inventory.parquet",
        "nodes.parquet",
        "orders.parquet",
        "returns.parquet",
    ]
    assert "nodes                   12 rows" in printed
    assert "carriers                 4 rows" in printed
    assert f"wrote 6 tables to {out}" in printed


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--orders", "99999999999", "must be from 1 to 10,000,000"),
        ("--orders", "²", "must be a whole number"),
        ("--skus", "0", "must be from 1 to 1,000,000"),
        ("--days", "1" * 5000, "must be a whole number"),
    ],
)
def test_command_line_sizes_are_bounded(tmp_path, capsys, option, value, said):
    """`--orders` had no upper bound: a typo could fill the disk and the memory."""
    with pytest.raises(SystemExit) as stopped:
        main(["demo-data", "--out", str(tmp_path), option, value])
    assert stopped.value.code == 2
    assert said in capsys.readouterr().err


def test_command_line_out_onto_a_file_is_refused_with_a_message(tmp_path, capsys):
    """`--out` naming a file ended in a FileExistsError traceback."""
    taken = tmp_path / "taken"
    taken.write_text("keep me")
    assert main(["demo-data", "--out", str(taken), "--orders", "10"]) == 2
    assert f"cannot write into {taken}: File exists" in capsys.readouterr().err
    assert taken.read_text() == "keep me"
