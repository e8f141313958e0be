"""The promise tables: carriers and closures, and the optional calendar columns
of nodes and promise columns of orders. Every reject reason with its row,
column and reason; defaults; the typed arrays the engine reads; CSV, Parquet
and DataFrame sources; and tables without the new columns loading as before."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from engine.columns import DEFAULT_CO2_KG_PER_KM, NODE_COLUMNS, ORDER_TABLE_COLUMNS
from engine.tables import (
    UNLIMITED,
    NodeCalendar,
    TableError,
    line_weights,
    load_carriers,
    load_closures,
    load_nodes,
    load_orders,
    requested_days,
)
from engine.tables.calendar_cells import NO_DAY
from engine.tables.calendar_text import MON_FRI, MON_SAT, parse_date
from engine.tables.carriers import ALL_NODE_TYPES

CARRIERS = """\
carrier,service,countries,node_types,max_weight_kg,max_km,transit_days,pickup_days,delivery_days,cost_base,cost_per_kg,cost_per_km,co2_per_km,daily_parcels
colissimo,standard,FR,,30,,2,,,5.5,0.3,0,0.08,
chronopost,express, fr ; be ,dc;Store,30,,1,Mon-Fri, mon - sat ,9.9,0.45,0,,150
stuart,same_day,,store;dark_store,15,30,0,Mon;Wed;Fri,Mon-Sun,12.9,0,0.6,0.05,40
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def reasons(table) -> list[tuple[int, str, str]]:
    return [(r.row, r.column, r.reason) for r in table.reject_rows]


# ------------------------------------------------------------------- carriers


def test_carriers_are_normalised_with_their_defaults(tmp_path):
    carriers = load_carriers(write(tmp_path, "carriers.csv", CARRIERS))
    assert carriers.ok and len(carriers) == 3
    rows = carriers.arrow.to_pylist()
    assert rows[0] == {
        "carrier": "colissimo", "service": "standard", "countries": ["FR"], "node_types": [],
        "max_weight_kg": 30.0, "max_km": None, "transit_days": 2, "pickup_days": "Mon-Fri",
        "delivery_days": "Mon-Sat", "cost_base": 5.5, "cost_per_kg": 0.3, "cost_per_km": 0.0,
        "co2_per_km": 0.08, "daily_parcels": None,
    }  # fmt: skip
    assert rows[1]["countries"] == ["FR", "BE"] and rows[1]["node_types"] == ["dc", "store"]
    assert rows[1]["delivery_days"] == "Mon-Sat" and rows[1]["co2_per_km"] == DEFAULT_CO2_KG_PER_KM
    assert rows[2]["pickup_days"] == "Mon;Wed;Fri" and rows[2]["delivery_days"] == "Mon-Sun"
    frame = carriers.frame
    assert frame.loc[1, "countries"] == ("FR", "BE")
    assert str(frame["daily_parcels"].dtype) == "Int64"


def test_carriers_typed_arrays(tmp_path):
    carriers = load_carriers(write(tmp_path, "carriers.csv", CARRIERS))
    assert carriers.carrier == ("colissimo", "chronopost", "stuart")
    assert carriers.index("stuart", "same_day") == 2
    assert carriers.max_weight_kg.tolist() == [30.0, 30.0, 15.0]
    assert carriers.max_km.tolist() == [np.inf, np.inf, 30.0]
    assert carriers.transit_days.tolist() == [2, 1, 0]
    assert carriers.pickup_days.tolist() == [MON_FRI, MON_FRI, 0b0010101]
    assert carriers.delivery_days.tolist() == [MON_SAT, MON_SAT, 0b1111111]
    assert carriers.daily_parcels.tolist() == [UNLIMITED, 150, 40]
    assert carriers.co2_per_km.tolist() == [0.08, DEFAULT_CO2_KG_PER_KM, 0.05]
    assert carriers.node_types[0] == ALL_NODE_TYPES
    assert carriers.collects_from(1, "dc") and carriers.collects_from(1, "store")
    assert not carriers.collects_from(1, "3pl")
    assert carriers.collects_from(0, "3pl") and not carriers.collects_from(2, "dc")
    assert carriers.serves(0, "fr") and not carriers.serves(0, "BE")
    assert carriers.serves(1, "BE") and carriers.serves(2, "DE")


def test_only_the_required_carrier_columns(tmp_path):
    carriers = load_carriers(write(tmp_path, "c.csv", "carrier,service,transit_days\nx,y,3\n"))
    row = carriers.arrow.to_pylist()[0]
    assert row["countries"] == [] and row["node_types"] == []
    assert row["max_weight_kg"] is None and row["max_km"] is None
    assert (row["pickup_days"], row["delivery_days"]) == ("Mon-Fri", "Mon-Sat")
    assert (row["cost_base"], row["cost_per_kg"], row["cost_per_km"]) == (0.0, 0.0, 0.0)
    assert row["co2_per_km"] == DEFAULT_CO2_KG_PER_KM and row["daily_parcels"] is None
    with pytest.raises(TableError, match="missing required column.*transit_days"):
        load_carriers(write(tmp_path, "d.csv", "carrier,service\nx,y\n"))


def test_every_carrier_reject_has_row_column_and_reason(tmp_path):
    header = CARRIERS.splitlines()[0]
    rows = [
        ",standard,,,,,2,,,,,,,",  # 2
        "colissimo,,,,,,2,,,,,,,",  # 3
        "a,b,UK;FR,,,,2,,,,,,,",  # 4
        "a,c,FR;;BE,,,,2,,,,,,,",  # 5
        "a,d,,warehouse,,,2,,,,,,,",  # 6
        "a,e,,,-1,,2,,,,,,,",  # 7
        "a,f,,,,40001,2,,,,,,,",  # 8
        "a,g,,,,,,,,,,,,",  # 9
        "a,h,,,,,1.5,,,,,,,",  # 10
        "a,i,,,,,366,,,,,,,",  # 11
        "a,j,,,,,2,Fri-Mon,,,,,,",  # 12
        "a,k,,,,,2,,Thurs,,,,,",  # 13
        "a,l,,,,,2,,,-5,,,,",  # 14
        "a,m,,,,,2,,,,1e10,,,",  # 15
        "a,n,,,,,2,,,,,x,,",  # 16
        "a,o,,,,,2,,,,,,1001,",  # 17
        "a,p,,,,,2,,,,,,,1.5",  # 18
        "a,q,,,,,2,,,,,,,-1",  # 19
        "a,b,,,,,3,,,,,,,",  # 20: repeats row 4? row 4 is rejected: this one counts
        "a,r,,,,,2,,,,,,,",  # 21
        "a,r,,,,,2,,,,,,,",  # 22: repeats row 21
    ]
    table = load_carriers(write(tmp_path, "carriers.csv", "\n".join([header, *rows]) + "\n"))
    assert reasons(table) == [
        (2, "carrier", "carrier is empty"),
        (3, "service", "service is empty"),
        (4, "countries", "countries must be ISO 3166-1 alpha-2 country codes separated by ';' "
         "such as FR;BE (empty = every country), got \"UK;FR\": 'UK' is not an ISO 3166-1 "
         "alpha-2 code"),
        (5, "countries", "countries must be ISO 3166-1 alpha-2 country codes separated by ';' "
         "such as FR;BE (empty = every country), got \"FR;;BE\": an entry is empty (two ';' in "
         "a row, or one at an end)"),
        (6, "node_types", "node_types must be node types separated by ';' (dc, store, 3pl, "
         "dropship, dark_store; empty = every type), got \"warehouse\": 'warehouse' is not a "
         "node type"),
        (7, "max_weight_kg", "max_weight_kg must be a number of kg from 0 to 1,000,000 "
         "(empty = no limit), got -1"),
        (8, "max_km", "max_km must be a number of km from 0 to 40,000 (empty = no limit), "
         "got 40001"),
        (9, "transit_days", "transit_days is empty; it must be a whole number of days from 0 "
         "to 365"),
        (10, "transit_days", "transit_days must be a whole number of days from 0 to 365, got 1.5"),
        (11, "transit_days", "transit_days must be a whole number of days from 0 to 365, got 366"),
        (12, "pickup_days", "pickup_days must be days Mon…Sun separated by ';' or ranges such as "
         "Mon-Fri (empty = Mon-Fri), got \"Fri-Mon\": the range Fri-Mon runs backwards; a range "
         "runs from Mon towards Sun: write Mon;Fri-Sun"),
        (13, "delivery_days", "delivery_days must be days Mon…Sun separated by ';' or ranges "
         "such as Mon-Fri (empty = Mon-Sat), got \"Thurs\": unknown day 'Thurs' (did you mean "
         "Thu?)"),
        (14, "cost_base", "cost_base must be an amount from 0 to 1,000,000,000, got -5"),
        (15, "cost_per_kg", "cost_per_kg must be an amount from 0 to 1,000,000,000, got 1e10"),
        (16, "cost_per_km", "cost_per_km must be an amount from 0 to 1,000,000,000, got \"x\""),
        (17, "co2_per_km", "co2_per_km must be a number of kg per km from 0 to 1,000, got 1001"),
        (18, "daily_parcels", "daily_parcels must be a whole number of parcels per node per day "
         "from 0 to 1,000,000,000 (empty = unlimited), got 1.5"),
        (19, "daily_parcels", "daily_parcels must be a whole number of parcels per node per day "
         "from 0 to 1,000,000,000 (empty = unlimited), got -1"),
        (22, "service", "carrier 'a' service 'r' already appears on row 21; only the first row "
         "counts"),
    ]  # fmt: skip
    assert [(r["carrier"], r["service"]) for r in table.arrow.to_pylist()] == [
        ("a", "b"),
        ("a", "r"),
    ]
    assert table.rejected_rows == 19


def test_carriers_from_parquet_and_a_dataframe_load_like_csv(tmp_path):
    from_csv = load_carriers(write(tmp_path, "carriers.csv", CARRIERS))
    frame = pd.read_csv(tmp_path / "carriers.csv", dtype=str, keep_default_na=False)
    typed = pd.read_csv(tmp_path / "carriers.csv")  # numbers typed, gaps as NaN
    typed.to_parquet(tmp_path / "carriers.parquet")
    for source in (frame, typed, tmp_path / "carriers.parquet"):
        loaded = load_carriers(source)
        assert loaded.ok, loaded.reject_rows
        pd.testing.assert_frame_equal(loaded.frame, from_csv.frame)
        assert loaded.daily_parcels.tolist() == from_csv.daily_parcels.tolist()


def test_carrier_extra_columns_are_kept(tmp_path):
    text = CARRIERS.replace("daily_parcels\n", "daily_parcels,tracking\n", 1)
    text = "\n".join(line + (",true" if i else "") for i, line in enumerate(text.splitlines()))
    carriers = load_carriers(write(tmp_path, "carriers.csv", text + "\n"))
    assert carriers.arrow.column_names[-1] == "tracking"
    assert carriers.arrow["tracking"].to_pylist() == [True, True, True]


# ------------------------------------------------------------------- closures

CLOSURES = """\
date,scope,id,reason
2026-12-25,all,,Noël
2026-05-01, Node ,DC-LYON,stock count
2026-08-15,carrier,colissimo,strike
"""


def test_closures_are_normalised_and_looked_up(tmp_path):
    closures = load_closures(
        write(tmp_path, "closures.csv", CLOSURES),
        node_ids=["DC-LYON", "ST-PARIS"],
        carriers=["colissimo", "chronopost"],
    )
    assert closures.ok
    assert closures.arrow.schema.field("date").type == pa.date32()
    assert closures.arrow.to_pylist()[1] == {
        "date": dt.date(2026, 5, 1), "scope": "node", "id": "DC-LYON", "reason": "stock count",
    }  # fmt: skip
    christmas, may_day, assumption = (
        dt.date(2026, 12, 25),
        dt.date(2026, 5, 1),
        dt.date(2026, 8, 15),
    )
    assert closures.closed("all", "", christmas) and not closures.closed(
        "node", "DC-LYON", christmas
    )
    assert closures.node_closed("DC-LYON", christmas) and closures.node_closed(
        "ST-PARIS", christmas
    )
    assert closures.node_closed("DC-LYON", may_day) and not closures.node_closed(
        "ST-PARIS", may_day
    )
    assert closures.carrier_closed("colissimo", christmas)
    assert closures.carrier_closed("colissimo", assumption)
    assert not closures.carrier_closed("chronopost", assumption)
    assert not closures.node_closed("DC-LYON", assumption)
    assert closures.days("all") == {parse_date("2026-12-25")}
    assert closures.node_closed("DC-LYON", parse_date("2026-05-01"))  # a day number works too
    assert closures.dates("carrier", "colissimo") == [assumption]


def test_every_closure_reject_has_row_column_and_reason(tmp_path):
    rows = [
        "2026-12-25,all,,Noël",  # 2
        "2026-12-25,ALL,,again",  # 3: repeats row 2
        "2026-05-01,node,DC-LYOM,typo",  # 4
        "2026-05-01,carrier,colisimo,typo",  # 5
        "2026-05-01,node,,no id",  # 6
        "2026-05-01,carrier,,no id",  # 7
        "2026-05-01,all,DC-LYON,an id",  # 8
        "2026-02-30,all,,",  # 9
        "2201-01-01,all,,",  # 10
        ",all,,",  # 11
        "26/12/2026,all,,",  # 12
        "2026-05-01,shop,,",  # 13
        "2026-05-01,,,",  # 14
        '2026-05-02,all,,"a\x00b"',  # 15
        "2026-05-01,node,DC-LYON,",  # 16
        "2026-05-01,node,DC-LYON,",  # 17: repeats row 16
    ]
    table = load_closures(
        write(tmp_path, "closures.csv", "date,scope,id,reason\n" + "\n".join(rows) + "\n"),
        node_ids=["DC-LYON"],
        carriers=["colissimo"],
    )
    assert reasons(table) == [
        (3, "date", "a closure of every node and carrier on 2026-12-25 already appears on row 2; "
         "only the first row counts"),
        (4, "id", "id 'DC-LYOM' is not a known node (did you mean 'DC-LYON'?)"),
        (5, "id", "id 'colisimo' is not a known carrier (did you mean 'colissimo'?)"),
        (6, "id", "id is empty; a node closure names the node it closes"),
        (7, "id", "id is empty; a carrier closure names the carrier it closes"),
        (8, "id", "id must be empty for scope all (it closes every node and carrier), "
         "got \"DC-LYON\""),
        (9, "date", "date must be a date YYYY-MM-DD such as 2026-12-25, got \"2026-02-30\" "
         "(February 2026 has 28 days)"),
        (10, "date", "date must be a day from 1970-01-01 to 2200-12-31, got \"2201-01-01\""),
        (11, "date", "date is empty; it must be a date YYYY-MM-DD such as 2026-12-25"),
        (12, "date", "date must be a date YYYY-MM-DD such as 2026-12-25, got \"26/12/2026\""),
        (13, "scope", "scope must be one of node, carrier, all, got \"shop\""),
        (14, "scope", "scope is empty; use one of node, carrier, all"),
        (15, "reason", "reason holds a control character (such as NUL, a line break or ESC)"),
        (17, "date", "a closure of node 'DC-LYON' on 2026-05-01 already appears on row 16; "
         "only the first row counts"),
    ]  # fmt: skip
    assert len(table.arrow) == 2


def test_closures_without_names_to_check_accept_any_id(tmp_path):
    closures = load_closures(write(tmp_path, "closures.csv", CLOSURES.replace("DC-LYON", "X")))
    assert closures.ok and closures.node_closed("X", dt.date(2026, 5, 1))


def test_a_carriers_table_names_the_known_carriers(tmp_path):
    carriers = load_carriers(write(tmp_path, "carriers.csv", CARRIERS))
    text = CLOSURES + "2026-08-15,carrier,stuart,\n2026-08-15,carrier,dhl,\n"
    closures = load_closures(write(tmp_path, "closures.csv", text), carriers=carriers)
    assert reasons(closures) == [(6, "id", "id 'dhl' is not a known carrier")]


def test_closure_dates_typed_in_parquet_and_a_dataframe(tmp_path):
    frame = pd.DataFrame(
        {
            "date": [dt.date(2026, 12, 25), dt.date(2027, 1, 1)],
            "scope": ["all", "all"],
            "id": [None, None],
            "reason": ["Noël", "Jour de l'an"],
        }
    )
    frame.to_parquet(tmp_path / "closures.parquet")
    for source in (frame, tmp_path / "closures.parquet"):
        closures = load_closures(source)
        assert closures.ok, closures.reject_rows
        assert closures.dates("all") == [dt.date(2026, 12, 25), dt.date(2027, 1, 1)]
    midnights = frame.assign(date=pd.to_datetime(["2026-12-25", "2027-01-01"]))
    assert load_closures(midnights).dates("all") == [dt.date(2026, 12, 25), dt.date(2027, 1, 1)]
    # A date-time column with a time of day is written with its times (docs/data.md): no dates.
    stamps = frame.assign(date=pd.to_datetime(["2026-12-25", "2027-01-01 10:00"], format="ISO8601"))
    assert reasons(load_closures(stamps)) == [
        (2, "date", 'date must be a date YYYY-MM-DD such as 2026-12-25, got "2026-12-25 00:00:00"'),
        (3, "date", 'date must be a date YYYY-MM-DD such as 2026-12-25, got "2027-01-01 10:00:00"'),
    ]


# ------------------------------------------------- nodes: calendar columns

NODES = """\
id,type,lat,lon,cutoff,open_days,prep_days
DC-LYON,dc,45.7,4.8,18:00,Mon-Sat,0
ST-PARIS,store,48.8,2.3,9:30,mon;wed;fri,
ST-LILLE,store,50.6,3.0,,,1
"""


def test_node_calendar_columns_are_normalised(tmp_path):
    nodes = load_nodes(write(tmp_path, "nodes.csv", NODES))
    assert nodes.ok
    assert nodes.arrow.column_names == [*NODE_COLUMNS, "cutoff", "open_days", "prep_days"]
    assert nodes.arrow["cutoff"].to_pylist() == ["18:00", "09:30", "23:59"]
    assert nodes.arrow["open_days"].to_pylist() == ["Mon-Sat", "Mon;Wed;Fri", "Mon-Sat"]
    assert nodes.arrow["prep_days"].to_pylist() == [0, 0, 1]
    calendar = NodeCalendar.of(nodes)
    assert calendar.ids == ("DC-LYON", "ST-PARIS", "ST-LILLE")
    assert calendar.cutoff.tolist() == [18 * 60, 9 * 60 + 30, 23 * 60 + 59]
    assert calendar.open_days.tolist() == [MON_SAT, 0b0010101, MON_SAT]
    assert calendar.prep_days.tolist() == [0, 0, 1]


def test_nodes_without_calendar_columns_load_as_before(tmp_path):
    nodes = load_nodes(write(tmp_path, "nodes.csv", "id,type,lat,lon\nDC,dc,45,4\nST,store,48,2\n"))
    assert nodes.arrow.column_names == list(NODE_COLUMNS)
    calendar = NodeCalendar.of(nodes)
    assert calendar.cutoff.tolist() == [23 * 60 + 59] * 2
    assert calendar.open_days.tolist() == [MON_SAT] * 2 and calendar.prep_days.tolist() == [0, 0]


def test_one_calendar_column_alone_comes_alone(tmp_path):
    nodes = load_nodes(write(tmp_path, "nodes.csv", "id,type,lat,lon,prep_days\nDC,dc,45,4,2\n"))
    assert nodes.arrow.column_names == [*NODE_COLUMNS, "prep_days"]
    calendar = NodeCalendar.of(nodes)
    assert (calendar.cutoff[0], calendar.open_days[0], calendar.prep_days[0]) == (1439, MON_SAT, 2)


def test_every_node_calendar_reject_has_row_column_and_reason(tmp_path):
    rows = [
        "A,dc,45,4,24:00,,",  # 2
        "B,dc,45,4,14h00,,",  # 3
        "C,dc,45,4,,Sun-Sat,",  # 4
        "D,dc,45,4,,Mon-Fri;Sam,",  # 5
        "E,dc,45,4,,,-1",  # 6
        "F,dc,45,4,,,0.5",  # 7
        "G,dc,45,4,,,366",  # 8
        "H,dc,45,4,7:05,Sat;Sun,365",  # 9: good
    ]
    text = "id,type,lat,lon,cutoff,open_days,prep_days\n" + "\n".join(rows) + "\n"
    nodes = load_nodes(write(tmp_path, "nodes.csv", text))
    assert reasons(nodes) == [
        (2, "cutoff", "cutoff must be a local time HH:MM from 00:00 to 23:59 (empty = 23:59), "
         "got \"24:00\""),
        (3, "cutoff", "cutoff must be a local time HH:MM from 00:00 to 23:59 (empty = 23:59), "
         "got \"14h00\""),
        (4, "open_days", "open_days must be days Mon…Sun separated by ';' or ranges such as "
         "Mon-Fri (empty = Mon-Sat), got \"Sun-Sat\": the range Sun-Sat runs backwards; a range "
         "runs from Mon towards Sun: write Mon-Sun"),
        (5, "open_days", "open_days must be days Mon…Sun separated by ';' or ranges such as "
         "Mon-Fri (empty = Mon-Sat), got \"Mon-Fri;Sam\": unknown day 'Sam' (days are written "
         "in English: did you mean Sat?)"),
        (6, "prep_days", "prep_days must be a whole number of days from 0 to 365 (empty = 0), "
         "got -1"),
        (7, "prep_days", "prep_days must be a whole number of days from 0 to 365 (empty = 0), "
         "got 0.5"),
        (8, "prep_days", "prep_days must be a whole number of days from 0 to 365 (empty = 0), "
         "got 366"),
    ]  # fmt: skip
    assert nodes.arrow.to_pylist()[0]["cutoff"] == "07:05"
    assert nodes.arrow.to_pylist()[0]["open_days"] == "Sat;Sun"


def test_calendar_columns_from_parquet_load_like_csv(tmp_path):
    from_csv = load_nodes(write(tmp_path, "nodes.csv", NODES))
    typed = pd.read_csv(tmp_path / "nodes.csv")
    typed["cutoff"] = [dt.time(18, 0), dt.time(9, 30), None]  # a time-of-day column
    typed.to_parquet(tmp_path / "nodes.parquet")
    from_parquet = load_nodes(tmp_path / "nodes.parquet")
    assert from_parquet.ok, from_parquet.reject_rows
    pd.testing.assert_frame_equal(from_parquet.frame, from_csv.frame)


# ------------------------------------------------- orders: weights and dates

ORDERS = """\
order_id,created_at,channel,delivery,dest_lat,dest_lon,sku,qty,weight_kg,requested_date
O1,2026-03-02T10:00:00+01:00,web,home,48.8,2.3,A,1,0.5,2026-03-06
O1,2026-03-02T10:00:00+01:00,web,home,48.8,2.3,B,2,,2026-03-06
O2,2026-03-02T11:00:00+01:00,web,home,48.8,2.3,C,1,32,
"""


def test_order_weights_and_requested_dates(tmp_path):
    orders = load_orders(write(tmp_path, "orders.csv", ORDERS), timezone="Europe/Paris")
    assert orders.ok
    assert orders.arrow.column_names == [*ORDER_TABLE_COLUMNS, "weight_kg", "requested_date"]
    assert orders.arrow["weight_kg"].to_pylist() == [0.5, 0.0, 32.0]
    assert orders.arrow["requested_date"].to_pylist() == ["2026-03-06", "2026-03-06", ""]
    assert line_weights(orders).tolist() == [0.5, 0.0, 32.0]
    assert requested_days(orders).tolist() == [parse_date("2026-03-06")] * 2 + [NO_DAY]


def test_orders_without_the_new_columns_load_as_before(tmp_path):
    text = "\n".join(",".join(line.split(",")[:8]) for line in ORDERS.splitlines()) + "\n"
    orders = load_orders(write(tmp_path, "orders.csv", text))
    assert orders.arrow.column_names == list(ORDER_TABLE_COLUMNS)
    assert line_weights(orders).tolist() == [0.0, 0.0, 0.0]
    assert requested_days(orders).tolist() == [NO_DAY] * 3


def test_every_order_promise_reject_has_row_column_and_reason(tmp_path):
    lines = [
        "O1,2026-03-02T10:00:00Z,web,home,48,2,A,1,-1,",  # 2
        "O2,2026-03-02T10:00:00Z,web,home,48,2,A,1,1000001,",  # 3
        "O3,2026-03-02T10:00:00Z,web,home,48,2,A,1,heavy,",  # 4
        "O4,2026-03-02T10:00:00Z,web,home,48,2,A,1,1,2026-03-06",  # 5
        "O4,2026-03-02T10:00:00Z,web,home,48,2,B,1,1,2026-03-07",  # 6
        "O5,2026-03-02T10:00:00Z,web,home,48,2,A,1,1,06/03/2026",  # 7
        "O6,2026-03-02T10:00:00Z,web,home,48,2,A,1,1,1969-12-31",  # 8
        "O7,2026-03-02T10:00:00Z,web,home,48,2,A,1,1,2026-03-06",  # 9
        "O7,2026-03-02T10:00:00Z,web,home,48,2,B,1,1,",  # 10
    ]
    header = ORDERS.splitlines()[0]
    orders = load_orders(write(tmp_path, "orders.csv", "\n".join([header, *lines]) + "\n"))
    assert reasons(orders) == [
        (2, "weight_kg", "weight_kg must be a number of kg from 0 to 1,000,000 (empty = 0), "
         "got -1"),
        (3, "weight_kg", "weight_kg must be a number of kg from 0 to 1,000,000 (empty = 0), "
         "got 1000001"),
        (4, "weight_kg", "weight_kg must be a number of kg from 0 to 1,000,000 (empty = 0), "
         "got \"heavy\""),
        (5, "", "order rejected: row 6 has an error"),
        (6, "requested_date", "requested_date differs between the lines of order 'O4': "
         "\"2026-03-07\" here, \"2026-03-06\" on row 5"),
        (7, "requested_date", "requested_date must be a date YYYY-MM-DD such as 2026-12-25, "
         "got \"06/03/2026\""),
        (8, "requested_date", "requested_date must be a day from 1970-01-01 to 2200-12-31, "
         "got \"1969-12-31\""),
        (9, "", "order rejected: row 10 has an error"),
        (10, "requested_date", "requested_date differs between the lines of order 'O7': "
         "\"\" here, \"2026-03-06\" on row 9"),
    ]  # fmt: skip
    assert orders.arrow.num_rows == 0


def test_requested_dates_typed_in_parquet(tmp_path):
    frame = pd.read_csv(write(tmp_path, "orders.csv", ORDERS), keep_default_na=False)
    frame["requested_date"] = [dt.date(2026, 3, 6), dt.date(2026, 3, 6), None]
    frame.to_parquet(tmp_path / "orders.parquet")
    orders = load_orders(tmp_path / "orders.parquet")
    assert orders.ok, orders.reject_rows
    assert orders.arrow["requested_date"].to_pylist() == ["2026-03-06", "2026-03-06", ""]
