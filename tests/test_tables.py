"""The table loaders: normalisation, every reject kind with its row, column and
reason, whole-order rejection, time zones, CSV/Parquet/DataFrame sources."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from engine.tables import (
    REJECT_COLUMNS,
    TableError,
    load_inventory,
    load_nodes,
    load_orders,
    load_replenishments,
)

NODES = """\
id,name,type,lat,lon,country,region,tags,can_ship,can_collect,capacity,priority,pick_cost,ship_cost_base,ship_cost_per_km,handling_days
DC-LYON,Lyon DC,dc,45.75,4.85,FR,ARA,,true,false,500,1,0.3,4.5,0.004,1
ST-PARIS,Paris,Store,48.85,2.35,FR,IDF, flagship ; paris ;,YES,1,,5,1,5,0.01,0.5
"""

ORDER_HEADER = (
    "order_id,created_at,channel,delivery,collect_node,tier,dest_lat,dest_lon,sku,qty,unit_price\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def orders_csv(tmp_path: Path, *lines: str) -> Path:
    return write(tmp_path, "orders.csv", ORDER_HEADER + "".join(line + "\n" for line in lines))


def line(
    order_id="O1",
    created="2026-01-05T10:00:00+01:00",
    channel="web",
    delivery="home",
    collect="",
    tier="",
    lat="48.8",
    lon="2.3",
    sku="A",
    qty="1",
    price="9.99",
) -> str:
    """One CSV line of ORDER_HEADER's columns (no line break)."""
    cells = [order_id, created, channel, delivery, collect, tier, lat, lon, sku, qty, price]
    return ",".join(cells)


def reasons(table, column: str | None = None) -> list[tuple[int, str, str]]:
    rejects = table.rejects
    if column is not None:
        rejects = rejects[rejects["column"] == column]
    return list(rejects[["row", "column", "reason"]].itertuples(index=False, name=None))


# --- nodes -----------------------------------------------------------------


def test_nodes_are_normalised(tmp_path):
    table = load_nodes(write(tmp_path, "nodes.csv", NODES))
    assert table.rejects.empty
    frame = table.frame.set_index("id")
    assert frame.loc["ST-PARIS", "type"] == "store"
    assert frame.loc["ST-PARIS", "tags"] == ("flagship", "paris")
    assert frame.loc["DC-LYON", "tags"] == ()
    assert frame["can_ship"].tolist() == [True, True]
    assert frame["can_collect"].tolist() == [False, True]
    assert str(frame["capacity"].dtype) == "Int64"
    assert frame.loc["DC-LYON", "capacity"] == 500
    assert pd.isna(frame.loc["ST-PARIS", "capacity"])
    assert frame["priority"].tolist() == [1, 5]


def test_optional_node_columns_take_documented_defaults(tmp_path):
    path = write(tmp_path, "nodes.csv", "id,type,lat,lon\nDC-1,dc,45,4\nST-1,store,48,2\n")
    frame = load_nodes(path).frame
    assert frame["name"].tolist() == ["DC-1", "ST-1"]
    assert frame["can_ship"].tolist() == [True, True]
    assert frame["can_collect"].tolist() == [False, True]
    assert frame["capacity"].isna().all()
    for column in ("priority", "pick_cost", "ship_cost_base", "ship_cost_per_km"):
        assert (frame[column] == 0).all()
    assert (frame["handling_days"] == 0).all()
    assert frame["tags"].tolist() == [(), ()]
    assert frame["region"].tolist() == ["", ""]


def test_every_node_reject_has_row_column_and_reason(tmp_path):
    text = (
        "id,type,lat,lon,can_ship,capacity,priority,pick_cost\n"
        "DC-1,dc,45,4,true,10,1,0.5\n"  # row 2: good
        "X-1,warehouse,45,4,true,10,1,0.5\n"  # row 3
        "X-2,dc,95,4,true,10,1,0.5\n"  # row 4
        "X-3,dc,45,-181,true,10,1,0.5\n"  # row 5
        "X-4,dc,45,4,maybe,10,1,0.5\n"  # row 6
        "X-5,dc,45,4,true,-3,1,0.5\n"  # row 7
        "X-6,dc,45,4,true,2.5,1,0.5\n"  # row 8
        "X-7,dc,45,4,true,10,high,0.5\n"  # row 9
        "X-8,dc,45,4,true,10,1,-1\n"  # row 10
        "DC-1,dc,45,4,true,10,1,0.5\n"  # row 11: repeats row 2
        ",dc,45,4,true,10,1,0.5\n"  # row 12
        "X-9,dc,,4,true,10,1,0.5\n"  # row 13
    )
    table = load_nodes(write(tmp_path, "nodes.csv", text))
    assert table.frame["id"].tolist() == ["DC-1"]
    assert reasons(table) == [
        (3, "type", 'type must be one of dc, store, 3pl, dropship, dark_store, got "warehouse"'),
        (4, "lat", "lat must be a latitude from -90 to 90, got 95"),
        (5, "lon", "lon must be a longitude from -180 to 180, got -181"),
        (6, "can_ship", 'can_ship must be true or false (or yes/no, 1/0), got "maybe"'),
        (
            7,
            "capacity",
            "capacity must be a whole number of orders per day from 0 to 1,000,000,000 "
            "(empty = unlimited), got -3",
        ),
        (
            8,
            "capacity",
            "capacity must be a whole number of orders per day from 0 to 1,000,000,000 "
            "(empty = unlimited), got 2.5",
        ),
        (
            9,
            "priority",
            "priority must be a whole number from -1,000,000,000 to 1,000,000,000 "
            '(lower is preferred; empty = ranked last), got "high"',
        ),
        (10, "pick_cost", "pick_cost must be an amount from 0 to 1,000,000,000, got -1"),
        (11, "id", "id 'DC-1' is already used on row 2; only the first row counts"),
        (12, "id", "id is empty"),
        (13, "lat", "lat is empty; it must be a latitude from -90 to 90"),
    ]
    assert list(table.rejects.columns) == list(REJECT_COLUMNS)
    assert (table.rejects["table"] == "nodes").all()
    assert (table.rejects["order_id"] == "").all()


# --- inventory and replenishments --------------------------------------------


def test_inventory_rejects_and_later_duplicates(tmp_path):
    text = (
        "node_id,sku,on_hand\n"
        "DC-1,A,5\n"
        "DC-9,A,5\n"
        "DC-1,B,-1\n"
        "DC-1,C,1.5\n"
        "DC-1,A,7\n"
        "DC-1,,3\n"
        "ST-1,A,0\n"
    )
    table = load_inventory(write(tmp_path, "inventory.csv", text), node_ids=["DC-1", "ST-1"])
    assert table.frame[["node_id", "sku", "on_hand"]].values.tolist() == [
        ["DC-1", "A", 5],
        ["ST-1", "A", 0],
    ]
    assert table.frame["on_hand"].dtype == "int64"
    assert reasons(table) == [
        (3, "node_id", "node_id 'DC-9' is not a known node (did you mean 'DC-1'?)"),
        (
            4,
            "on_hand",
            "on_hand must be a whole number of units from 0 to 1,000,000,000,000, got -1",
        ),
        (
            5,
            "on_hand",
            "on_hand must be a whole number of units from 0 to 1,000,000,000,000, got 1.5",
        ),
        (6, "sku", "node 'DC-1' and sku 'A' already appear on row 2; only the first row counts"),
        (7, "sku", "sku is empty"),
    ]


def test_inventory_without_node_ids_accepts_any_node(tmp_path):
    table = load_inventory(write(tmp_path, "inventory.csv", "node_id,sku,on_hand\nX,A,1\n"))
    assert table.rejects.empty and len(table.frame) == 1


def test_replenishments_are_checked_and_sorted_by_arrival(tmp_path):
    text = (
        "node_id,sku,at,qty\n"
        "DC-1,A,2026-02-02T06:00:00,10\n"
        "DC-1,B,2026-01-05T06:00:00+01:00,4\n"
        "DC-1,C,next monday,4\n"
        "DC-1,D,2026-01-05T06:00:00+01:00,0\n"
    )
    table = load_replenishments(
        write(tmp_path, "replenishments.csv", text), node_ids=["DC-1"], timezone="Europe/Paris"
    )
    assert table.frame["sku"].tolist() == ["B", "A"]
    assert table.frame["at"].tolist() == [
        pd.Timestamp("2026-01-05T05:00:00Z"),
        pd.Timestamp("2026-02-02T05:00:00Z"),
    ]
    assert reasons(table) == [
        (
            4,
            "at",
            'at must be an ISO 8601 date-time such as 2026-11-27T14:05:00+01:00, got "next monday"',
        ),
        (5, "qty", "qty must be a whole number of units from 1 to 1,000,000,000,000, got 0"),
    ]


# --- orders ------------------------------------------------------------------


def test_every_order_reject_kind(tmp_path):
    path = orders_csv(
        tmp_path,
        line("O1", qty="-2"),  # 2
        line("O2", delivery="post"),  # 3
        line("O3", delivery="collect"),  # 4
        line("O4", delivery="collect", collect="ST-PARIZ"),  # 5
        line("O5", lat="91"),  # 6
        line("O6", price="-1"),  # 7
        line("O7", created="yesterday"),  # 8
        line("", sku="B"),  # 9
        line("O9", sku=""),  # 10
        line("O10", channel=""),  # 11
        line("O11", qty="1.5"),  # 12
        line("O12", lon="abc"),  # 13
        line("O13"),  # 14: good
    )
    table = load_orders(path, node_ids=["ST-PARIS", "DC-LYON"], timezone="Europe/Paris")
    assert table.frame["order_id"].tolist() == ["O13"]
    assert reasons(table) == [
        (2, "qty", "qty must be a whole number of units from 1 to 1,000,000,000, got -2"),
        (3, "delivery", 'delivery must be one of home, collect, express, got "post"'),
        (
            4,
            "collect_node",
            "collect_node is empty; a collect order must name the store where it is collected",
        ),
        (
            5,
            "collect_node",
            "collect_node 'ST-PARIZ' is not a known node (did you mean 'ST-PARIS'?)",
        ),
        (6, "dest_lat", "dest_lat must be a latitude from -90 to 90, got 91"),
        (7, "unit_price", "unit_price must be an amount from 0 to 1,000,000,000, got -1"),
        (
            8,
            "created_at",
            "created_at must be an ISO 8601 date-time such as 2026-11-27T14:05:00+01:00, "
            'got "yesterday"',
        ),
        (9, "order_id", "order_id is empty"),
        (10, "sku", "sku is empty"),
        (11, "channel", "channel is empty"),
        (12, "qty", "qty must be a whole number of units from 1 to 1,000,000,000, got 1.5"),
        (13, "dest_lon", 'dest_lon must be a longitude from -180 to 180, got "abc"'),
    ]
    assert table.rejects.set_index("row").loc[2, "order_id"] == "O1"


def test_an_order_with_one_bad_line_is_rejected_whole(tmp_path):
    path = orders_csv(
        tmp_path,
        line("O1", sku="A"),  # 2
        line("O2", sku="A"),  # 3
        line("O1", sku="B", qty="0"),  # 4
        line("O1", sku="C"),  # 5
        line("O3", sku="A"),  # 6
    )
    table = load_orders(path)
    assert table.frame["order_id"].tolist() == ["O2", "O3"]
    assert reasons(table) == [
        (2, "", "order rejected: row 4 has an error"),
        (4, "qty", "qty must be a whole number of units from 1 to 1,000,000,000, got 0"),
        (5, "", "order rejected: row 4 has an error"),
    ]
    assert table.rejects["order_id"].tolist() == ["O1", "O1", "O1"]
    assert len(table.frame) + table.rejected_rows == 5


def test_counts_add_up_with_several_bad_lines(tmp_path):
    path = orders_csv(
        tmp_path,
        line("O1", sku="A", qty="x"),  # 2
        line("O1", sku="B", lat="100", qty="0"),  # 3: two problems, one row
        line("O1", sku="C"),  # 4
        line("O2", sku="A"),  # 5
        line("O2", sku="B"),  # 6
    )
    table = load_orders(path)
    assert table.frame["sku"].tolist() == ["A", "B"]
    assert len(table.rejects) == 4
    assert table.rejected_rows == 3
    assert len(table.frame) + table.rejected_rows == 5
    sibling = table.rejects[table.rejects["row"] == 4]
    assert sibling["reason"].tolist() == ["order rejected: rows 2, 3 have errors"]


def test_lines_of_one_order_must_agree_on_the_order(tmp_path):
    path = orders_csv(
        tmp_path,
        line("O1", sku="A"),
        line("O1", sku="B", delivery="express"),
    )
    table = load_orders(path)
    assert table.frame.empty
    assert reasons(table) == [
        (2, "", "order rejected: row 3 has an error"),
        (
            3,
            "delivery",
            'delivery differs between the lines of order \'O1\': "express" here, "home" on row 2',
        ),
    ]


def test_orders_are_normalised_and_sorted(tmp_path):
    path = orders_csv(
        tmp_path,
        line("O2", created="2026-01-05T10:00:00+01:00", sku="B"),
        line(
            "O3",
            created="2026-01-04T10:00:00+01:00",
            sku="A",
            delivery="COLLECT",
            collect="ST-PARIS",
            tier="vip",
        ),  # fmt: skip
        line("O1", created="2026-01-05T10:00:00+01:00", sku="Z"),
        line("O2", created="2026-01-05T10:00:00+01:00", sku="A"),
        line("O1", created="2026-01-05T10:00:00+01:00", sku="Y", price=""),
    )
    table = load_orders(path, node_ids=["ST-PARIS"])
    assert table.rejects.empty
    frame = table.frame
    assert list(zip(frame["order_id"], frame["sku"], strict=True)) == [
        ("O3", "A"),
        ("O1", "Z"),
        ("O1", "Y"),
        ("O2", "B"),
        ("O2", "A"),
    ]
    assert str(frame["created_at"].dtype).startswith("datetime64") and "UTC" in str(
        frame["created_at"].dtype
    )
    assert frame["qty"].dtype == "int64"
    assert frame["delivery"].tolist()[0] == "collect"
    assert frame["tier"].tolist() == ["vip", "standard", "standard", "standard", "standard"]
    assert frame["unit_price"].tolist()[2] == 0.0
    assert frame["promised_days"].isna().all()
    for column in ("country", "region", "postal_code", "category"):
        assert (frame[column] == "").all()


def test_orders_of_one_instant_sort_by_id_next_to_a_line_without_an_id(tmp_path):
    """A line with an empty order_id (rejected) before them shifted the ids the
    sort compared: O2 came before O1."""
    path = orders_csv(tmp_path, line(""), line("O2"), line("O1"))
    table = load_orders(path)
    assert table.frame["order_id"].tolist() == ["O1", "O2"]
    assert reasons(table) == [(2, "order_id", "order_id is empty")]


def test_extra_columns_are_kept_with_plain_types(tmp_path):
    text = (
        "order_id,created_at,channel,delivery,dest_lat,dest_lon,sku,qty,weight,gift,zip,note\n"
        "O1,2026-01-05T10:00:00Z,web,home,48.8,2.3,A,1,1.5,true,01000,hello\n"
        "O1,2026-01-05T10:00:00Z,web,home,48.8,2.3,B,1,12,false,75001,\n"
    )
    frame = load_orders(write(tmp_path, "orders.csv", text)).frame
    assert frame["weight"].tolist() == [1.5, 12.0]
    assert frame["gift"].tolist() == [True, False]
    assert frame["zip"].tolist() == ["01000", "75001"]
    assert frame["note"].tolist() == ["hello", ""]


# --- time zones ---------------------------------------------------------------


def paris(*args: int) -> pd.Timestamp:
    """What Python's zoneinfo makes of a Paris wall-clock time (fold=0)."""
    return pd.Timestamp(datetime(*args, tzinfo=ZoneInfo("Europe/Paris"))).tz_convert("UTC")


def test_naive_times_are_read_in_the_time_zone_and_offsets_are_kept(tmp_path):
    path = orders_csv(
        tmp_path,
        line("W1", created="2026-01-15T10:00:00"),  # winter, +01:00
        line("S1", created="2026-07-15T10:00:00"),  # summer, +02:00
        line("Z1", created="2026-07-15T10:00:00Z"),  # UTC
        line("F1", created="2026-07-15T10:00:00-04:00"),  # New York summer
        line("C1", created="2026-07-15 10:00:00+0200"),  # space and basic offset
        line("D1", created="2026-07-16"),  # a bare date: midnight
    )
    at = load_orders(path, timezone="Europe/Paris").frame.set_index("order_id")["created_at"]
    assert at["W1"] == pd.Timestamp("2026-01-15T09:00:00Z") == paris(2026, 1, 15, 10)
    assert at["S1"] == pd.Timestamp("2026-07-15T08:00:00Z") == paris(2026, 7, 15, 10)
    assert at["Z1"] == pd.Timestamp("2026-07-15T10:00:00Z")
    assert at["F1"] == pd.Timestamp("2026-07-15T14:00:00Z")
    assert at["C1"] == pd.Timestamp("2026-07-15T08:00:00Z")
    assert at["D1"] == pd.Timestamp("2026-07-15T22:00:00Z")
    utc = load_orders(path).frame.set_index("order_id")["created_at"]
    assert utc["W1"] == pd.Timestamp("2026-01-15T10:00:00Z")
    assert utc["Z1"] == at["Z1"]


def test_clock_changes_are_read_like_zoneinfo_fold_0(tmp_path):
    path = orders_csv(
        tmp_path,
        # 2026-03-29 02:30 never happens in Paris (clocks jump 02:00 -> 03:00)
        line("GAP", created="2026-03-29T02:30:00"),
        # 2026-10-25 02:30 happens twice (03:00 -> 02:00): the first one counts
        line("TWICE", created="2026-10-25T02:30:00"),
    )
    at = load_orders(path, timezone="Europe/Paris").frame.set_index("order_id")["created_at"]
    assert at["GAP"] == paris(2026, 3, 29, 2, 30) == pd.Timestamp("2026-03-29T01:30:00Z")
    assert at["TWICE"] == paris(2026, 10, 25, 2, 30) == pd.Timestamp("2026-10-25T00:30:00Z")


def test_unknown_time_zone_is_a_table_error(tmp_path):
    with pytest.raises(TableError, match="unknown time zone 'Europe/Pariss'"):
        load_orders(orders_csv(tmp_path, line()), timezone="Europe/Pariss")


# --- sources -----------------------------------------------------------------


def test_csv_and_parquet_load_the_same(tmp_path):
    csv_path = orders_csv(
        tmp_path,
        line("O1", sku="A"),
        line("O1", sku="B", qty="3"),
        line("O2", sku="A", qty="0"),
        line("O3", created="2026-01-04T08:00:00", delivery="collect", collect="ST-PARIS"),
    )
    raw = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    raw["qty"] = raw["qty"].astype(int)
    raw["dest_lat"] = raw["dest_lat"].astype(float)
    parquet_path = tmp_path / "orders.parquet"
    raw.to_parquet(parquet_path)
    from_csv = load_orders(csv_path, node_ids=["ST-PARIS"], timezone="Europe/Paris")
    from_parquet = load_orders(parquet_path, node_ids=["ST-PARIS"], timezone="Europe/Paris")
    pd.testing.assert_frame_equal(from_csv.frame, from_parquet.frame)
    pd.testing.assert_frame_equal(from_csv.rejects, from_parquet.rejects)
    assert from_parquet.rejects["row"].tolist() == [4]


def test_parquet_timestamps_typed_naive_and_aware(tmp_path):
    frame = pd.DataFrame(
        {
            "node_id": ["DC-1", "DC-1"],
            "sku": ["A", "B"],
            "at": pd.to_datetime(["2026-07-01 06:00", "2026-01-01 06:00"]),
            "qty": [1, 2],
        }
    )
    frame.to_parquet(tmp_path / "naive.parquet")
    naive = load_replenishments(tmp_path / "naive.parquet", timezone="Europe/Paris").frame
    assert naive["at"].tolist() == [paris(2026, 1, 1, 6), paris(2026, 7, 1, 6)]
    frame["at"] = frame["at"].dt.tz_localize("Europe/Paris")
    frame.to_parquet(tmp_path / "aware.parquet")
    aware = load_replenishments(tmp_path / "aware.parquet").frame
    assert aware["at"].tolist() == naive["at"].tolist()


def test_dataframe_source_rows_are_position_plus_two():
    frame = pd.DataFrame(
        {
            "node_id": ["DC-1", "DC-1", "DC-1"],
            "sku": ["A", "B", "C"],
            "on_hand": [1, -4, None],
        },
        index=[10, 20, 30],
    )
    table = load_inventory(frame)
    assert reasons(table) == [
        (
            3,
            "on_hand",
            "on_hand must be a whole number of units from 0 to 1,000,000,000,000, got -4",
        ),
        (
            4,
            "on_hand",
            "on_hand is empty; it must be a whole number of units from 0 to 1,000,000,000,000",
        ),
    ]
    assert table.frame["sku"].tolist() == ["A"]


def test_dataframe_source_with_typed_columns():
    frame = pd.DataFrame(
        {
            "id": ["DC-1", "ST-1"],
            "type": ["dc", "store"],
            "lat": [45.0, 48.0],
            "lon": [4.0, 2.0],
            "can_ship": [True, False],
            "capacity": pd.array([100, None], dtype="Int64"),
            "zones": [["north"], ["south", "east"]],
            "code": ["007", "12"],
        }
    )
    table = load_nodes(frame)
    assert table.rejects.empty
    assert table.frame["zones"].tolist() == [["north"], ["south", "east"]]
    assert table.frame["code"].tolist() == ["007", "12"]
    assert table.frame["can_ship"].tolist() == [True, False]
    assert table.frame["capacity"].tolist()[0] == 100 and pd.isna(table.frame["capacity"][1])


def test_missing_columns_raise_a_table_error(tmp_path):
    path = write(tmp_path, "orders.csv", "order_id,created,channel,delivery,sku,quantity\n")
    with pytest.raises(TableError) as caught:
        load_orders(path)
    message = str(caught.value)
    assert message.startswith("orders.csv: missing required column(s) ")
    assert "created_at, dest_lat, dest_lon, qty" in message
    assert "columns found: order_id, created, channel, delivery, sku, quantity" in message


def test_missing_column_in_a_dataframe_names_the_table():
    with pytest.raises(TableError, match=r"inventory \(DataFrame\): missing required column"):
        load_inventory(pd.DataFrame({"node_id": ["A"], "sku": ["B"]}))


def test_unreadable_files_raise_table_errors(tmp_path):
    with pytest.raises(TableError, match="no such file"):
        load_nodes(tmp_path / "absent.csv")
    with pytest.raises(TableError, match="unsupported file type '.xlsx'"):
        load_nodes(write(tmp_path, "nodes.xlsx", "x"))
    with pytest.raises(TableError, match="empty"):
        load_nodes(write(tmp_path, "empty.csv", ""))
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,type,lat,lon\nCAFÉ,dc,1,2\n".encode("latin-1"))
    with pytest.raises(TableError, match="UTF-8"):
        load_nodes(latin)


def test_csv_row_numbers_are_file_lines(tmp_path):
    text = (
        ORDER_HEADER
        + line("O1", sku="A")  # line 2
        + "\n\n"  # lines 3-4 blank
        + line("O2", channel='"two\nlines"')
        + "\n"
        + line("O3", qty="0")
        + "\n"
    )
    # line 2: O1; line 3: blank; line 4: O2 starts, its quoted channel ends on line 5; line 6: O3
    table = load_orders(write(tmp_path, "orders.csv", text))
    assert reasons(table) == [
        (6, "qty", "qty must be a whole number of units from 1 to 1,000,000,000, got 0")
    ]
    assert table.frame["channel"].tolist() == ["web", "two\nlines"]


def test_malformed_csv_records_are_rejected_with_their_line(tmp_path):
    text = (
        ORDER_HEADER
        + line("O1", sku="A")  # 2
        + "\n"
        + "O1,2026-01-05T10:00:00+01:00,web,home\n"  # 3: too few values
        + line("O2", sku="A")  # 4
        + "\n"
        + line("O3", sku="A")
        + ",extra\n"  # 5: too many values
    )
    table = load_orders(write(tmp_path, "orders.csv", text))
    assert table.frame["order_id"].tolist() == ["O2"]
    assert reasons(table) == [
        (2, "", "order rejected: row 3 has an error"),
        (3, "", "has 4 values but the header has 11 columns"),
        (5, "", "has 12 values but the header has 11 columns"),
    ]
    assert table.rejects["order_id"].tolist() == ["O1", "O1", "O3"]


def test_an_empty_table_loads_empty(tmp_path):
    table = load_orders(write(tmp_path, "orders.csv", ORDER_HEADER))
    assert table.frame.empty and table.rejects.empty
    assert "created_at" in table.frame.columns


# --- found while porting the loaders to Arrow ----------------------------------


def test_now_and_today_are_not_date_times(tmp_path):
    """`now` and `today` were read as the moment the file was loaded: the same file
    gave other instants on every run (docs/data.md: same input, same instant)."""
    path = orders_csv(tmp_path, line("O1", created="now"), line("O2", created="today"), line("O3"))
    table = load_orders(path, timezone="Europe/Paris")
    assert table.frame["order_id"].tolist() == ["O3"]
    rule = "created_at must be an ISO 8601 date-time such as 2026-11-27T14:05:00+01:00, got "
    assert reasons(table) == [
        (2, "created_at", rule + '"now"'),
        (3, "created_at", rule + '"today"'),
    ]


def test_an_extra_column_of_other_digits_stays_text(tmp_path):
    """Arabic-Indic digits (`١٢`) passed for a number and were then lost as NaN."""
    text = (
        "order_id,created_at,channel,delivery,dest_lat,dest_lon,sku,qty,aisle\n"
        "O1,2026-01-05T10:00:00Z,web,home,48.8,2.3,A,1,١٢\n"
        "O1,2026-01-05T10:00:00Z,web,home,48.8,2.3,B,1,٣\n"
    )
    frame = load_orders(write(tmp_path, "orders.csv", text)).frame
    assert frame["aisle"].tolist() == ["١٢", "٣"]


def test_an_extra_column_of_huge_whole_numbers_does_not_wrap(tmp_path):
    """Whole numbers past int64 (2^63, 10^20) were cast to int64 and wrapped to -2^63."""
    text = (
        "order_id,created_at,channel,delivery,dest_lat,dest_lon,sku,qty,serial,small\n"
        "O1,2026-01-05T10:00:00Z,web,home,48.8,2.3,A,1,9223372036854775808,-9223372036854775808\n"
        "O1,2026-01-05T10:00:00Z,web,home,48.8,2.3,B,1,100000000000000000000,7\n"
    )
    frame = load_orders(write(tmp_path, "orders.csv", text)).frame
    assert frame["serial"].dtype == "float64"
    assert frame["serial"].tolist() == [9223372036854775808.0, 1e20]
    assert frame["small"].dtype == "int64"
    assert frame["small"].tolist() == [-9223372036854775808, 7]


def test_a_far_date_is_out_of_range_whatever_else_the_column_holds(tmp_path):
    """Next to a time with an offset in a compact layout, `0001-01-01` was read as
    1972-12-31 (a year-1 instant wrapped around nanoseconds) and loaded."""
    text = "node_id,sku,at,qty\nDC,A,0001-01-01,1\nDC,B,20260302T100000Z,1\n"
    table = load_replenishments(write(tmp_path, "r.csv", text), timezone="Europe/Paris")
    assert table.frame["sku"].tolist() == ["B"]
    assert reasons(table) == [
        (
            2,
            "at",
            "at must be a date-time from 1970-01-01T00:00:00Z to 2200-12-31T23:59:59Z (UTC), "
            'got "0001-01-01"',
        )
    ]


def test_a_far_instant_is_out_of_range_next_to_seven_digits_of_fraction(tmp_path):
    """A fraction of seven digits made the whole column nanoseconds, and then
    `0000-01-01T00:00:00Z` (outside them) was called unreadable."""
    text = "node_id,sku,at,qty\nDC,A,0000-01-01T00:00:00Z,1\nDC,B,2026-03-02T10:00:00.1234567Z,1\n"
    table = load_replenishments(write(tmp_path, "r.csv", text))
    assert table.frame["at"].tolist() == [pd.Timestamp("2026-03-02T10:00:00.123456Z")]
    assert reasons(table) == [
        (
            2,
            "at",
            "at must be a date-time from 1970-01-01T00:00:00Z to 2200-12-31T23:59:59Z (UTC), "
            'got "0000-01-01T00:00:00Z"',
        )
    ]


def test_a_date_time_with_a_nul_is_unreadable_whatever_else_the_column_holds(tmp_path):
    """Next to a time with an offset in a compact layout, a time ending in a NUL
    was read as if the NUL were not there; alone, it was refused."""
    text = 'node_id,sku,at,qty\nDC,A,20260302T100000Z,1\nDC,B,"2026-03-02T10:00:00+01:00\x00",1\n'
    table = load_replenishments(write(tmp_path, "r.csv", text), timezone="Europe/Paris")
    assert table.frame["sku"].tolist() == ["A"]
    assert reasons(table) == [
        (
            3,
            "at",
            "at must be an ISO 8601 date-time such as 2026-11-27T14:05:00+01:00, "
            'got "2026-03-02T10:00:00+01:00\\x00"',
        )
    ]
