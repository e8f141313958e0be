"""The loaders' Arrow side: `Table.arrow` with the schema the engine reads,
`reject_rows`, `ok` and `rejected_rows` without pandas, pandas imported only for
`Table.frame` / `Table.rejects`, and naive times read like zoneinfo at the clock
changes of several zones."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.tables import (
    REJECT_COLUMNS,
    TableError,
    load_events,
    load_inventory,
    load_nodes,
    load_orders,
    load_replenishments,
)
from engine.tables.text import cell_text

ROOT = Path(__file__).resolve().parents[1]

NODES = (
    "id,name,type,lat,lon,tags,can_ship,capacity,priority,floor\n"
    "DC-1,Lyon DC,dc,45.7,4.8,a; b,true,10,1,2\n"
    "ST-1,,store,48.8,2.3,,,,,3\n"
    "ST-1,,store,48.8,2.3,,,,,4\n"
)
INVENTORY = "node_id,sku,on_hand\nDC-1,A,5\nDC-1,B,0\nDC-9,A,1\n"
ORDERS = (
    "order_id,created_at,channel,delivery,collect_node,dest_lat,dest_lon,sku,qty,unit_price,gift\n"
    "O2,2026-03-02T10:00:00+01:00,web,home,,48.8,2.3,A,2,9.5,true\n"
    "O1,2026-03-02T08:00:00,web,Collect,ST-1,48.8,2.3,B,1,,false\n"
    "O3,2026-03-02T08:00:00,web,home,,95,2.3,B,1,,false\n"
)
EVENTS = (
    "at,kind,node_id,sku,qty,note\n"
    "2026-03-02T10:00:00Z,capacity_change,DC-1,,,\n"
    "2026-03-02T09:00:00Z,replenish,DC-1,A,5,truck 12\n"
)
REPLENISHMENTS = "node_id,sku,at,qty\nDC-1,A,2026-03-09T06:00:00,10\nDC-1,B,2026-03-02T06:00:00,4\n"
RETURNS = (
    "return_id,order_id,created_at,method,drop_node,origin_lat,origin_lon,sku,qty,reason,condition\n"
    "R1,O1,2026-03-09T10:00:00,store,ST-1,,,A,1,wrong_size,new\n"
    "R2,,2026-03-09T09:00:00Z,post,,48.8,2.3,B,1,damaged,damaged\n"
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def schema(table) -> dict[str, pa.DataType]:
    return {field.name: field.type for field in table.arrow.schema}


UTC_MICROS = pa.timestamp("us", tz="UTC")


def test_arrow_columns_and_types_of_every_table(tmp_path):
    nodes = load_nodes(write(tmp_path, "nodes.csv", NODES))
    assert schema(nodes) == {
        "id": pa.string(), "name": pa.string(), "type": pa.string(), "lat": pa.float64(),
        "lon": pa.float64(), "country": pa.string(), "region": pa.string(),
        "tags": pa.list_(pa.string()), "can_ship": pa.bool_(), "can_collect": pa.bool_(),
        "capacity": pa.int64(), "priority": pa.int64(), "pick_cost": pa.float64(),
        "ship_cost_base": pa.float64(), "ship_cost_per_km": pa.float64(),
        "handling_days": pa.float64(), "floor": pa.int64(),
    }  # fmt: skip
    assert nodes.arrow.to_pydict()["tags"] == [["a", "b"], []]
    assert nodes.arrow.to_pydict()["capacity"] == [10, None]
    assert nodes.arrow.to_pydict()["name"] == ["Lyon DC", "ST-1"]

    stock = load_inventory(write(tmp_path, "inventory.csv", INVENTORY), node_ids=["DC-1"])
    assert schema(stock) == {"node_id": pa.string(), "sku": pa.string(), "on_hand": pa.int64()}
    assert stock.arrow.to_pydict()["on_hand"] == [5, 0]

    orders = load_orders(write(tmp_path, "orders.csv", ORDERS), node_ids=["ST-1"])
    assert schema(orders) == {
        "order_id": pa.string(), "created_at": UTC_MICROS, "channel": pa.string(),
        "delivery": pa.string(), "collect_node": pa.string(), "tier": pa.string(),
        "dest_lat": pa.float64(), "dest_lon": pa.float64(), "country": pa.string(),
        "region": pa.string(), "postal_code": pa.string(), "promised_days": pa.float64(),
        "sku": pa.string(), "qty": pa.int64(), "unit_price": pa.float64(),
        "category": pa.string(), "gift": pa.bool_(),
    }  # fmt: skip
    rows = orders.arrow.to_pydict()
    assert rows["order_id"] == ["O1", "O2"]
    assert rows["delivery"] == ["collect", "home"]
    assert rows["promised_days"] == [None, None]
    assert rows["tier"] == ["standard", "standard"]
    assert rows["created_at"][0] == datetime(2026, 3, 2, 8, tzinfo=UTC)

    events = load_events(write(tmp_path, "events.csv", EVENTS))
    assert schema(events) == {
        "at": UTC_MICROS, "kind": pa.string(), "node_id": pa.string(), "sku": pa.string(),
        "qty": pa.int64(), "note": pa.string(), "order_id": pa.string(),
        "delivery": pa.string(), "collect_node": pa.string(), "dest_lat": pa.float64(),
        "dest_lon": pa.float64(), "country": pa.string(), "region": pa.string(),
        "postal_code": pa.string(),
    }  # fmt: skip
    assert events.arrow.to_pydict()["qty"] == [5, None]

    arrivals = load_replenishments(
        write(tmp_path, "replenishments.csv", REPLENISHMENTS), timezone="Europe/Paris"
    )
    assert schema(arrivals) == {
        "node_id": pa.string(), "sku": pa.string(), "at": UTC_MICROS, "qty": pa.int64()
    }  # fmt: skip
    assert arrivals.arrow.to_pydict()["sku"] == ["B", "A"]


def test_reject_rows_are_the_rejects_frame_and_count_rows_once(tmp_path):
    orders = load_orders(write(tmp_path, "orders.csv", ORDERS), node_ids=["ST-1"])
    assert not orders.ok
    assert orders.rejected_rows == 1
    [reject] = orders.reject_rows
    assert reject == (
        "orders",
        4,
        "dest_lat",
        "dest_lat must be a latitude from -90 to 90, got 95",
        "O3",
    )
    assert reject.reason.startswith("dest_lat")
    expected = pd.DataFrame([tuple(reject)], columns=list(REJECT_COLUMNS)).astype(
        {"table": "str", "column": "str", "reason": "str", "order_id": "str"}
    )
    pd.testing.assert_frame_equal(orders.rejects, expected)
    nodes = load_nodes(write(tmp_path, "nodes.csv", NODES + "X,,warehouse,95,4,,,,,\n"))
    assert [r.row for r in nodes.reject_rows] == [4, 5, 5]
    assert nodes.rejected_rows == 2
    clean = load_inventory(write(tmp_path, "inventory.csv", INVENTORY))
    assert clean.ok and clean.reject_rows == [] and clean.rejected_rows == 0
    assert list(clean.rejects.columns) == list(REJECT_COLUMNS) and clean.rejects.empty


def test_the_pandas_frame_is_built_once_from_the_arrow_rows(tmp_path):
    stock = load_inventory(write(tmp_path, "inventory.csv", INVENTORY))
    assert stock.frame is stock.frame
    assert stock.frame["sku"].tolist() == stock.arrow.column("sku").to_pylist()
    assert str(stock.frame["node_id"].dtype) == "str"


# ---------------------------------------------------------------- no pandas

_NO_PANDAS = """
import json, pathlib, sys, types

# The engine package's own __init__ loads the engine core; only the loaders and
# what they import are under test here.
package = types.ModuleType("engine")
package.__path__ = [str(pathlib.Path(sys.argv[1]) / "engine")]
sys.modules["engine"] = package
import engine.tables as tables

seen = {"import": "pandas" in sys.modules}
folder = pathlib.Path(sys.argv[2])
for fmt in ("csv", "parquet"):
    nodes = tables.load_nodes(folder / f"nodes.{fmt}")
    ids = nodes.arrow["id"]
    loaded = [
        nodes,
        tables.load_inventory(folder / f"inventory.{fmt}", node_ids=ids),
        tables.load_orders(folder / f"orders.{fmt}", node_ids=ids, timezone="Europe/Paris"),
        tables.load_events(folder / f"events.{fmt}", node_ids=ids, timezone="Europe/Paris"),
        tables.load_replenishments(folder / f"replenishments.{fmt}", timezone="Asia/Kolkata"),
        tables.load_returns(folder / f"returns.{fmt}", node_ids=ids, timezone="Europe/Paris"),
    ]
    seen[fmt] = "pandas" in sys.modules
    seen[fmt + " rejects"] = [(t.ok, t.rejected_rows, len(t.reject_rows)) for t in loaded]
seen["after ok and reject_rows"] = "pandas" in sys.modules
loaded[2].frame
seen["after frame"] = "pandas" in sys.modules
print(json.dumps(seen))
"""


def test_loading_a_file_imports_no_pandas_until_a_frame_is_asked_for(tmp_path):
    """CSV and Parquet, clean rows and rejects (an unknown node, a bad quantity,
    an order whose lines disagree, a clock change, an odd date layout, a return
    dropped at an unknown store)."""
    texts = {
        "nodes": NODES,
        "inventory": INVENTORY + "DC-1,C,x\n",
        "orders": ORDERS + "O4,20260329T023000,web,home,,1,1,A,1,1,true\n",
        "events": EVENTS + "2026-10-25T02:30:00,node_offline,DC-2,,,\n",
        "replenishments": REPLENISHMENTS + "DC-1,C,2026-03-02,0\n",
        "returns": RETURNS + "R3,O3,2026-03-09T10:00:00,store,ST-9,,,A,1,wrong_size,new\n",
    }
    for name, text in texts.items():
        path = write(tmp_path, f"{name}.csv", text)
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame.to_parquet(tmp_path / f"{name}.parquet")
    done = subprocess.run(
        [sys.executable, "-c", _NO_PANDAS, str(ROOT), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert not seen["import"] and not seen["csv"] and not seen["parquet"]
    assert not seen["after ok and reject_rows"]
    assert seen["after frame"]
    assert seen["csv rejects"] == seen["parquet rejects"]
    assert [ok for ok, _, _ in seen["csv rejects"]] == [False] * 6


# ---------------------------------------------------------- pandas metadata


@pytest.mark.parametrize(
    "pandas_metadata",
    [
        {"index_columns": 5},
        {"index_columns": "x"},
        {"columns": [{"name": "x", "numpy_type": ["Int64"]}]},
        {"columns": [{"field_name": ["x"], "numpy_type": "Int64"}]},
        {"columns": 5},
        {"columns": [{"name": "x", "numpy_type": ["x"], "pandas_type": 3}]},
    ],
)
def test_malformed_pandas_metadata_in_parquet_is_ignored(tmp_path, pandas_metadata):
    """The description pandas stores in a Parquet file, when it is not as pandas
    writes it (an index that is not a list of names, a type or a name that is not
    text), is ignored: the file loads as it does without one."""
    columns = {"id": ["A", "B"], "type": ["dc", "store"], "lat": [1.0, 2.0], "lon": [3.0, 4.0]}
    table = pa.table({**columns, "x": pa.array([7, None], pa.int64())})
    pq.write_table(table, tmp_path / "plain.parquet")
    described = {b"pandas": json.dumps(pandas_metadata).encode()}
    pq.write_table(table.replace_schema_metadata(described), tmp_path / "described.parquet")
    plain = load_nodes(tmp_path / "plain.parquet")
    loaded = load_nodes(tmp_path / "described.parquet")
    assert loaded.arrow.equals(plain.arrow)
    assert loaded.reject_rows == plain.reject_rows == []
    assert loaded.arrow["x"].to_pylist() == [7.0, None]
    pd.testing.assert_frame_equal(loaded.frame, plain.frame)  # the pandas view too


# ------------------------------------------------------------- clock changes


@pytest.mark.parametrize(
    ("zone", "wall"),
    [
        ("Europe/Paris", "2026-03-29T02:30:00"),  # spring gap
        ("Europe/Paris", "2026-10-25T02:30:00"),  # autumn repeat
        ("Europe/Paris", "2026-03-29T01:59:59"),
        ("Europe/Paris", "2026-03-29T03:00:00"),
        ("Europe/Paris", "2026-10-25T03:00:00"),
        ("America/New_York", "2026-03-08T02:30:00"),
        ("America/New_York", "2026-11-01T01:30:00"),
        ("America/New_York", "2026-11-01T00:59:59"),
        ("Asia/Kolkata", "2026-03-29T02:30:00"),  # +05:30 all year
        ("Asia/Kathmandu", "2026-03-02T10:00:00"),  # +05:45
        ("Australia/Lord_Howe", "2026-04-05T01:45:00"),  # half-hour repeat
        ("Australia/Lord_Howe", "2026-10-04T02:15:00"),  # half-hour gap
        ("America/St_Johns", "2026-11-01T01:30:00"),  # -02:30 to -03:30
    ],
)
def test_a_naive_time_is_read_like_zoneinfo_fold_0(tmp_path, zone, wall):
    expected = datetime.fromisoformat(wall).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    path = write(tmp_path, "replenishments.csv", f"node_id,sku,at,qty\nDC,A,{wall},1\n")
    [got] = load_replenishments(path, timezone=zone).arrow.column("at").to_pylist()
    assert got == expected
    frame = pd.DataFrame({"at": [pd.Timestamp(wall)], "kind": "node_offline", "node_id": "DC"})
    [typed] = load_events(frame, timezone=zone).arrow.column("at").to_pylist()
    assert typed == expected


@settings(max_examples=300)
@given(
    cells=st.lists(
        st.text(
            alphabet=st.one_of(
                st.characters(codec="utf-8"), st.sampled_from(" \t\x1f\x85\xa0\u2000\u3000é")
            ),
            max_size=6,
        ),
        max_size=8,
    )
)
def test_text_is_trimmed_as_arrow_trims_it(cells):
    """A column is trimmed only when a cell may start or end with a space: the
    first and last bytes decide, and they must never miss one."""
    values = pa.array(cells, pa.string())
    assert cell_text(values).to_pylist() == pc.utf8_trim_whitespace(values).to_pylist()


# ---------------------------------------------------------------- whole-table messages


def test_a_missing_column_message_escapes_and_cuts_the_names_it_found(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("order_id,created_at\x00," + "x" * 5000 + "\n1,2,3\n", encoding="utf-8")
    with pytest.raises(TableError) as caught:
        load_orders(path)
    message = str(caught.value)
    assert "created_at\\x00" in message and "\x00" not in message
    assert "x" * 40 + "…" in message and len(message) < 600


def test_a_record_longer_than_a_block_is_named_not_left_to_arrow(tmp_path):
    path = tmp_path / "orders.csv"
    header = "order_id,created_at,channel,delivery,dest_lat,dest_lon,sku,qty\n"
    path.write_text(header + "x" * (20 * 2**20) + ",2026-01-01,web,home,48,2,A,1\n")
    with pytest.raises(TableError, match="a record is longer than 8 MiB .* never closed"):
        load_orders(path)


def test_a_time_column_with_a_tick_past_a_day_loads_without_a_traceback(tmp_path):
    """A Parquet time-of-day column holding a tick outside 00:00–24:00 (a file no
    clock wrote, but a file) made reading its cells as text raise OverflowError.
    Its cells are now written as Python writes a time, that tick as Arrow does."""
    ticks = [0, 14 * 3600 * 10**6 + 5, 253_402_300_800_000_000]
    table = pa.table(
        {
            "id": pa.array(ticks, pa.time64("us")),
            "type": ["dc"] * 3,
            "lat": [45.0] * 3,
            "lon": [4.0] * 3,
            "floor": pa.array([0, 3600, 90000], pa.time32("s")),
        }
    )
    pq.write_table(table, tmp_path / "nodes.parquet")
    nodes = load_nodes(tmp_path / "nodes.parquet")
    assert nodes.arrow["id"].to_pylist() == [
        "00:00:00",
        "14:00:00.000005",
        "<value out of range: 253402300800000000>",
    ]
    assert cell_text(table["floor"].combine_chunks()).to_pylist() == [
        "00:00:00",
        "01:00:00",
        "<value out of range: 90000>",
    ]
