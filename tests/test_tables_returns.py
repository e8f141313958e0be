"""The returns table, and the returns columns of nodes (`accepts_returns`,
`return_cost`) and inventory (`target`): good rows normalised, every reject
with its row, column and reason, returns whose lines disagree or hold a bad
line rejected whole, CSV, Parquet and DataFrame sources alike, and tables
without the new columns loading as before."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fuzzing import fuzz_settings, hostile_cell
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_tables import KNOWN_NODES, NETWORK, check_rejects

import engine
from engine.columns import NODE_COLUMNS
from engine.limits import MAX_LINES, MONEY, STOCK
from engine.tables import (
    RETURN_COLUMNS,
    NodeReturns,
    TableError,
    load_inventory,
    load_nodes,
    load_returns,
    stock_targets,
)

HEADER = (
    "return_id,order_id,created_at,method,drop_node,origin_lat,origin_lon,"
    "sku,qty,reason,condition,unit_price,category,colour\n"
)
GOOD = (
    "R2,O9,2026-02-03T10:00:00+01:00,post,,48.85,2.35,C,1,damaged,DAMAGED,,home,\n"
    "R1,O1,2026-02-01T10:00:00,Store,ST-PARIS,,,A,1,wrong_size,new,29.99,apparel,red\n"
    "R1,O1,2026-02-01T10:00:00,Store,ST-PARIS,,,B,2,changed_mind,opened,9.5,apparel,blue\n"
    "R3,,2026-02-03T09:00:00Z,courier,,45.7,4.8,D,3,Not as described,opened,129,,\n"
)
NODE_IDS = ["ST-PARIS", "ST-LYON", "DC-LYON"]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def returns_csv(tmp_path: Path, *lines: str) -> Path:
    return write(tmp_path, "returns.csv", HEADER + "".join(line + "\n" for line in lines))


def line(
    return_id="R1",
    order_id="O1",
    created="2026-02-01T10:00:00+01:00",
    method="store",
    drop="ST-PARIS",
    lat="",
    lon="",
    sku="A",
    qty="1",
    reason="wrong_size",
    condition="new",
    price="29.99",
) -> str:
    """One CSV line of HEADER's columns (no line break)."""
    cells = [return_id, order_id, created, method, drop, lat, lon, sku, qty, reason, condition]
    return ",".join([*cells, price, "apparel", ""])


def reasons(table) -> list[tuple[int, str, str]]:
    return [(r.row, r.column, r.reason) for r in table.reject_rows]


# ------------------------------------------------------------------- good rows


def test_good_returns_are_normalised_and_sorted(tmp_path):
    table = load_returns(
        write(tmp_path, "returns.csv", HEADER + GOOD), node_ids=NODE_IDS, timezone="Europe/Paris"
    )
    assert table.ok, table.reject_rows
    assert table.arrow.column_names == [*RETURN_COLUMNS, "colour"]
    rows = table.arrow.to_pylist()
    assert [(r["return_id"], r["sku"]) for r in rows] == [
        ("R1", "A"),
        ("R1", "B"),
        ("R2", "C"),  # the same instant as R3: by return_id
        ("R3", "D"),
    ]
    first = rows[0]
    assert str(first["created_at"]) == "2026-02-01 09:00:00+00:00"  # read in Paris time
    assert (first["method"], first["drop_node"], first["condition"]) == ("store", "ST-PARIS", "new")
    assert first["origin_lat"] is None and first["origin_lon"] is None
    assert (first["qty"], first["unit_price"], first["category"]) == (1, 29.99, "apparel")
    sent = rows[2]
    assert (sent["method"], sent["drop_node"], sent["condition"]) == ("post", "", "damaged")
    assert (sent["origin_lat"], sent["origin_lon"]) == (48.85, 2.35)
    assert sent["unit_price"] == 0.0  # empty: 0, as an order line's
    gift = rows[3]
    assert gift["order_id"] == "" and gift["category"] == ""
    assert gift["reason"] == "Not as described"  # kept as written
    frame = table.frame
    assert str(frame["created_at"].dtype) == "datetime64[us, UTC]"
    assert frame["qty"].dtype == "int64" and frame["origin_lat"].isna().tolist()[:2] == [True] * 2
    assert frame["colour"].tolist() == ["red", "blue", "", ""]


def test_columns_beyond_the_contract_are_product_attributes(tmp_path):
    text = HEADER.replace(",colour\n", ",weight_kg,fragile\n") + "".join(
        line(sku=sku).rsplit(",", 1)[0] + f",{weight},{fragile}\n"
        for sku, weight, fragile in (("A", "0.35", "true"), ("B", "1.2", "false"))
    )
    table = load_returns(write(tmp_path, "returns.csv", text))
    assert table.ok
    assert table.arrow["weight_kg"].to_pylist() == [0.35, 1.2]
    assert table.arrow["fragile"].to_pylist() == [True, False]


def test_a_table_without_the_optional_columns_loads(tmp_path):
    text = (
        "return_id,created_at,method,sku,qty,reason,condition\n"
        "R1,2026-02-01T10:00:00Z,post,A,1,changed_mind,new\n"
    )
    table = load_returns(write(tmp_path, "returns.csv", text))
    assert reasons(table) == [
        (2, "origin_lat", _NO_ORIGIN.format("origin_lat")),
        (2, "origin_lon", _NO_ORIGIN.format("origin_lon")),
    ]
    text = text.replace("post", "store")
    table = load_returns(write(tmp_path, "returns.csv", text))
    assert reasons(table) == [(2, "drop_node", _NO_DROP)]
    text = text.replace("condition\n", "condition,drop_node\n").replace(",new\n", ",new,ST\n")
    table = load_returns(write(tmp_path, "returns.csv", text))
    assert table.ok and table.arrow.column_names == list(RETURN_COLUMNS)
    assert table.arrow["order_id"].to_pylist() == [""]


def test_a_missing_required_column_is_a_table_error(tmp_path):
    path = write(tmp_path, "returns.csv", "return_id,created_at,method,sku,qty,reason\n")
    with pytest.raises(TableError, match="returns.csv: missing required column.s. condition"):
        load_returns(path)
    with pytest.raises(TableError, match="unknown time zone 'Europe/Pariss'"):
        load_returns(returns_csv(tmp_path, line()), timezone="Europe/Pariss")


# --------------------------------------------------------------------- rejects

_NO_ORIGIN = (
    "{} is empty; a post or courier return gives the customer's address (origin_lat, origin_lon)"
)
_NO_DROP = "drop_node is empty; a store return names the store where it was dropped"
_QTY = "qty must be a whole number of units from 1 to 1,000,000,000, got {}"

BAD_ROWS = [
    (line(return_id=""), "return_id", "return_id is empty"),
    (line(created=""), "created_at", "created_at is empty; it must be an ISO 8601 date-time"),
    (
        line(created="01/02/2026"),
        "created_at",
        "created_at must be an ISO 8601 date-time such as 2026-11-27T14:05:00+01:00, "
        'got "01/02/2026"',
    ),
    (line(method=""), "method", "method is empty; use one of store, post, courier"),
    (line(method="mail"), "method", 'method must be one of store, post, courier, got "mail"'),
    (line(drop=""), "drop_node", _NO_DROP),
    (
        line(drop="ST-PARIZ"),
        "drop_node",
        "drop_node 'ST-PARIZ' is not a known node (did you mean 'ST-PARIS'?)",
    ),
    (line(method="post", drop="", lon="2.3"), "origin_lat", _NO_ORIGIN.format("origin_lat")),
    (line(method="courier", drop="", lat="48.8"), "origin_lon", _NO_ORIGIN.format("origin_lon")),
    (
        line(method="post", drop="", lat="91", lon="2.3"),
        "origin_lat",
        "origin_lat must be a latitude from -90 to 90, got 91",
    ),
    (
        line(method="post", drop="", lat="48.8", lon="east"),
        "origin_lon",
        'origin_lon must be a longitude from -180 to 180, got "east"',
    ),
    (line(lat="48.8"), "origin_lat", "origin_lat and origin_lon go together: give both or neither"),
    (line(sku=""), "sku", "sku is empty"),
    (line(qty="0"), "qty", _QTY.format(0)),
    (line(qty="1.5"), "qty", _QTY.format(1.5)),
    (
        line(qty=""),
        "qty",
        "qty is empty; it must be a whole number of units from 1 to 1,000,000,000",
    ),
    (line(qty="10000000000"), "qty", _QTY.format(10000000000)),
    (line(reason=""), "reason", "reason is empty"),
    (
        line(condition="used"),
        "condition",
        'condition must be one of new, opened, damaged, got "used"',
    ),
    (line(condition=""), "condition", "condition is empty; use one of new, opened, damaged"),
    (
        line(price="-1"),
        "unit_price",
        "unit_price must be an amount from 0 to 1,000,000,000, got -1",
    ),
    (
        line(order_id="O\x001"),
        "order_id",
        "order_id holds a control or invisible character (such as NUL, a line break or ESC): "
        '"O\\x001"',
    ),
]


@pytest.mark.parametrize(("text", "column", "reason"), BAD_ROWS)
def test_every_bad_row_is_rejected_with_row_column_and_reason(tmp_path, text, column, reason):
    good = line(return_id="R0", sku="Z")
    table = load_returns(returns_csv(tmp_path, good, text), node_ids=NODE_IDS)
    assert reasons(table) == [(3, column, reason)]
    assert table.arrow["return_id"].to_pylist() == ["R0"]
    assert len(table.arrow) + table.rejected_rows == 2


def test_a_reason_with_a_control_character_is_rejected(tmp_path):
    frame = pd.read_csv(returns_csv(tmp_path, line()), dtype=str, keep_default_na=False)
    frame.loc[0, "reason"] = "wrong\x1bsize"
    table = load_returns(frame)
    assert reasons(table) == [
        (2, "reason", "reason holds a control character (such as NUL, a line break or ESC)")
    ]


def test_drop_node_is_checked_only_on_store_returns(tmp_path):
    sent = line(method="post", drop="NOWHERE", lat="48.8", lon="2.3")
    table = load_returns(returns_csv(tmp_path, sent), node_ids=NODE_IDS)
    assert table.ok and table.arrow["drop_node"].to_pylist() == ["NOWHERE"]
    anywhere = load_returns(returns_csv(tmp_path, line(drop="NOWHERE")))  # no node_ids
    assert anywhere.ok


@pytest.mark.parametrize(
    ("changed", "column", "here", "there"),
    [
        ({"created": "2026-02-01T11:00:00+01:00"}, "created_at",
         '"2026-02-01T11:00:00+01:00"', '"2026-02-01T10:00:00+01:00"'),
        ({"method": "post", "lat": "48.8", "lon": "2.3"}, "method", '"post"', '"store"'),
        ({"drop": "ST-LYON"}, "drop_node", '"ST-LYON"', '"ST-PARIS"'),
        ({"lat": "48.8", "lon": "2.3"}, "origin_lat", "48.8", '""'),
        ({"order_id": "O2"}, "order_id", '"O2"', '"O1"'),
    ],
)  # fmt: skip
def test_lines_of_one_return_must_agree_on_the_return(tmp_path, changed, column, here, there):
    path = returns_csv(tmp_path, line(), line(sku="B"), line(sku="C", **changed))
    table = load_returns(path, node_ids=NODE_IDS)
    found = reasons(table)
    assert (
        4,
        column,
        f"{column} differs between the lines of return 'R1': {here} here, {there} on row 2",
    ) in found
    assert {row for row, _, _ in found[2:]} == {4}
    assert found[:2] == [(2, "", "return 'R1' rejected: row 4 has an error")] + [
        (3, "", "return 'R1' rejected: row 4 has an error")
    ]
    assert len(table.arrow) == 0


def test_a_return_with_one_bad_line_is_rejected_whole(tmp_path):
    path = returns_csv(tmp_path, line(), line(sku="B", qty="0"), line("R2"), line(sku="C", qty="x"))
    table = load_returns(path)
    assert reasons(table) == [
        (2, "", "return 'R1' rejected: rows 3, 5 have errors"),
        (3, "qty", _QTY.format(0)),
        (5, "qty", _QTY.format('"x"')),
    ]
    assert table.arrow["return_id"].to_pylist() == ["R2"]
    assert [r.order_id for r in table.reject_rows] == ["O1"] * 3  # the order, as written


def test_a_broken_csv_record_rejects_its_return(tmp_path):
    path = returns_csv(tmp_path, line(), line(sku="B") + ",extra", line("R2"))
    table = load_returns(path)
    assert reasons(table) == [
        (2, "", "return 'R1' rejected: row 3 has an error"),
        (3, "", "has 15 values but the header has 14 columns"),
    ]
    assert table.arrow["return_id"].to_pylist() == ["R2"]


def test_a_return_of_too_many_lines_is_rejected(tmp_path):
    lines = [line(sku=f"S{i}") for i in range(MAX_LINES + 1)]
    table = load_returns(returns_csv(tmp_path, *lines, line("R2")))
    found = reasons(table)
    assert (
        MAX_LINES + 2,
        "return_id",
        "return 'R1' has 1,001 lines; at most 1,000 make one return",
    ) in found
    assert table.rejected_rows == MAX_LINES + 1
    assert table.arrow["return_id"].to_pylist() == ["R2"]


# ------------------------------------------------------------------- sources


def test_csv_parquet_and_dataframe_sources_agree(tmp_path):
    bad = line("R9", qty="0")
    csv_path = returns_csv(tmp_path, *GOOD.splitlines(), bad)
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    frame["qty"] = frame["qty"].astype(int)
    typed = frame.assign(
        origin_lat=pd.to_numeric(frame["origin_lat"]), origin_lon=pd.to_numeric(frame["origin_lon"])
    )
    typed.to_parquet(tmp_path / "returns.parquet")
    loads = [
        load_returns(source, node_ids=NODE_IDS, timezone="Europe/Paris")
        for source in (csv_path, tmp_path / "returns.parquet", frame, typed)
    ]
    first = loads[0]
    assert len(first.arrow) == 4 and reasons(first) == [(6, "qty", _QTY.format(0))]
    for other in loads[1:]:
        pd.testing.assert_frame_equal(first.frame, other.frame)
        pd.testing.assert_frame_equal(first.rejects, other.rejects)


# ------------------------------------------------------- nodes: returns columns

NODES = """\
id,type,lat,lon,accepts_returns,return_cost
DC-LYON,dc,45.7,4.8,,0.8
ST-PARIS,store,48.8,2.3,no,
3PL,3pl,49.5,0.1,,1.5
DS-LILLE,dark_store,50.6,3.0,yes,0
"""


def test_node_returns_columns_take_their_defaults(tmp_path):
    nodes = load_nodes(write(tmp_path, "nodes.csv", NODES))
    assert nodes.ok
    assert nodes.arrow.column_names == [*NODE_COLUMNS, "accepts_returns", "return_cost"]
    assert nodes.arrow["accepts_returns"].to_pylist() == [True, False, False, True]
    assert nodes.arrow["return_cost"].to_pylist() == [0.8, 0.0, 1.5, 0.0]
    returns = NodeReturns.of(nodes)
    assert returns.ids == ("DC-LYON", "ST-PARIS", "3PL", "DS-LILLE")
    assert returns.accepts.tolist() == [True, False, False, True]
    assert returns.cost.tolist() == [0.8, 0.0, 1.5, 0.0]


def test_nodes_without_returns_columns_load_as_before(tmp_path):
    text = "id,type,lat,lon\nDC,dc,45,4\nST,store,48,2\nTP,3pl,49,0\nDS,dark_store,50,3\n"
    nodes = load_nodes(write(tmp_path, "nodes.csv", text))
    assert nodes.arrow.column_names == list(NODE_COLUMNS)
    returns = NodeReturns.of(nodes)
    assert returns.accepts.tolist() == [True, True, False, False]
    assert returns.cost.tolist() == [0.0] * 4
    alone = load_nodes(write(tmp_path, "nodes.csv", "id,type,lat,lon,return_cost\nDC,dc,45,4,2\n"))
    assert alone.arrow.column_names == [*NODE_COLUMNS, "return_cost"]
    assert NodeReturns.of(alone.arrow).accepts.tolist() == [True]


def test_every_node_returns_reject_has_row_column_and_reason(tmp_path):
    text = (
        "id,type,lat,lon,accepts_returns,return_cost\n"
        "A,dc,45,4,maybe,\n"
        "B,dc,45,4,,-0.5\n"
        "C,dc,45,4,,1e10\n"
        "D,dc,45,4,true,2\n"
    )
    nodes = load_nodes(write(tmp_path, "nodes.csv", text))
    assert reasons(nodes) == [
        (
            2,
            "accepts_returns",
            'accepts_returns must be true or false (or yes/no, 1/0), got "maybe"',
        ),
        (3, "return_cost", "return_cost must be an amount from 0 to 1,000,000,000, got -0.5"),
        (4, "return_cost", "return_cost must be an amount from 0 to 1,000,000,000, got 1e10"),
    ]
    assert nodes.arrow["id"].to_pylist() == ["D"]


# ------------------------------------------------------ inventory: target


def test_inventory_target_is_a_whole_number_of_units_empty_zero(tmp_path):
    text = (
        "node_id,sku,on_hand,target\n"
        "ST,A,2,4\n"  # 2
        "ST,B,1,\n"  # 3
        "ST,C,1,-1\n"  # 4
        "ST,D,1,1.5\n"  # 5
        "ST,E,1,2000000000000\n"  # 6
        "ST,F,1,x\n"  # 7
    )
    stock = load_inventory(write(tmp_path, "inventory.csv", text))
    rule = "target must be a whole number of units from 0 to 1,000,000,000,000 (empty = 0), got "
    assert reasons(stock) == [
        (4, "target", rule + "-1"),
        (5, "target", rule + "1.5"),
        (6, "target", rule + "2000000000000"),
        (7, "target", rule + '"x"'),
    ]
    assert stock.arrow.column_names == ["node_id", "sku", "on_hand", "target"]
    assert stock.arrow["target"].to_pylist() == [4, 0]
    assert stock_targets(stock).tolist() == [4, 0]
    assert stock.frame["target"].dtype == "int64"


def test_inventory_without_target_loads_as_before(tmp_path):
    stock = load_inventory(write(tmp_path, "inventory.csv", "node_id,sku,on_hand\nST,A,2\n"))
    assert stock.arrow.column_names == ["node_id", "sku", "on_hand"]
    assert stock_targets(stock).tolist() == [0]
    assert stock_targets(stock.arrow).dtype == np.int64


@pytest.mark.fuzz
@fuzz_settings()
@given(
    rows=st.lists(
        st.tuples(
            st.one_of(st.sampled_from(["", "true", "no"]), hostile_cell),
            st.one_of(st.sampled_from(["", "0.8"]), hostile_cell),
            st.one_of(st.sampled_from(["", "4"]), hostile_cell),
        ),
        max_size=6,
    )
)
def test_fuzzed_returns_columns_of_nodes_and_inventory(rows):
    """Hostile cells in the new columns: good rows plus rejects, and what is kept is
    within its range and builds a network and a stock."""
    quoted = [[f'"{c.replace(chr(34), chr(34) * 2)}"' for c in row] for row in rows]
    nodes_text = "id,type,lat,lon,accepts_returns,return_cost\n" + "".join(
        f"N{i},{'dc' if i % 2 else 'store'},45,4,{a},{c}\n" for i, (a, c, _) in enumerate(quoted)
    )
    stock_text = "node_id,sku,on_hand,target\n" + "".join(
        f"{KNOWN_NODES[i % 2]},S{i},1,{t}\n" for i, (_, _, t) in enumerate(quoted)
    )
    with tempfile.TemporaryDirectory() as folder:
        nodes = load_nodes(write(Path(folder), "nodes.csv", nodes_text))
        stock = load_inventory(write(Path(folder), "inventory.csv", stock_text), KNOWN_NODES)
    for table in (nodes, stock):
        check_rejects(table)
        assert len(table.arrow) + table.rejected_rows == len(rows)
    returns = NodeReturns.of(nodes)
    assert returns.accepts.dtype == bool and len(returns.ids) == len(nodes.arrow)
    assert ((returns.cost >= MONEY.low) & (returns.cost <= MONEY.high)).all()
    targets = stock_targets(stock)
    assert ((targets >= STOCK.low) & (targets <= STOCK.high)).all()
    engine.Network.from_frame(nodes.frame)
    engine.Inventory.from_frame(stock.frame, NETWORK)
