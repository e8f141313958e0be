"""Every number, instant and id bounded where a table enters (engine.limits,
docs/data.md "Limits"): out-of-range cells are row-level rejects naming the row,
the column and the range; nothing wraps, nothing crashes later."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import engine
from engine.events import events_from_frame
from engine.limits import MAX_COLUMNS, MAX_LINES
from engine.tables import (
    TableError,
    load_events,
    load_inventory,
    load_nodes,
    load_orders,
    load_replenishments,
)

ORDER_HEADER = "order_id,created_at,channel,delivery,dest_lat,dest_lon,sku,qty,unit_price\n"
NODES = """\
id,type,lat,lon,capacity,priority,pick_cost,ship_cost_base,ship_cost_per_km,handling_days
DC-LYON,dc,45.76,4.84,,1,0.3,4.0,0.012,1
ST-PARIS,store,48.86,2.35,,,0.5,3.0,0.01,0.5
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def orders(tmp_path: Path, *rows: str, header: str = ORDER_HEADER):
    return load_orders(write(tmp_path, "orders.csv", header + "".join(r + "\n" for r in rows)))


def row(order_id="O1", created="2026-03-02T10:00:00+01:00", sku="A", qty="1", price="1"):
    return f"{order_id},{created},web,home,48.85,2.35,{sku},{qty},{price}"


def reasons(table, column: str) -> list[tuple[int, str]]:
    found = table.rejects[table.rejects["column"] == column]
    return list(found[["row", "reason"]].itertuples(index=False, name=None))


# ------------------------------------------------------------ quantities


def test_quantity_overflow_is_a_reject_not_a_wrapped_number(tmp_path):
    """2^63 − 1 once wrapped to −2^63 units, and 10^19 made the line vanish."""
    table = orders(
        tmp_path,
        row("O1", qty="9223372036854775807"),
        row("O2", qty="4611686018427387904", sku="B"),
        row("O2", qty="4611686018427387904", sku="B"),
        row("O3", qty="10000000000000000000"),
        row("O4", qty="1000000000"),
    )
    assert table.frame["order_id"].tolist() == ["O4"]
    assert table.frame["qty"].tolist() == [10**9]
    rule = "qty must be a whole number of units from 1 to 1,000,000,000"
    assert reasons(table, "qty") == [
        (2, f"{rule}, got 9223372036854775807"),
        (3, f"{rule}, got 4611686018427387904"),
        (4, f"{rule}, got 4611686018427387904"),
        (5, f"{rule}, got 10000000000000000000"),
    ]


@pytest.mark.parametrize(
    ("cell", "shown"), [("nan", '"nan"'), ("inf", "inf"), ("-inf", "-inf"), ("1e400", "1e400")]
)
def test_non_finite_numbers_are_rejects(tmp_path, cell, shown):
    table = orders(tmp_path, row(qty=cell), row("O2", price=cell))
    assert table.frame.empty
    assert reasons(table, "qty") == [
        (2, f"qty must be a whole number of units from 1 to 1,000,000,000, got {shown}")
    ]
    assert reasons(table, "unit_price") == [
        (3, f"unit_price must be an amount from 0 to 1,000,000,000, got {shown}")
    ]


def test_an_order_of_more_than_max_lines_is_rejected_whole(tmp_path):
    many = [row("BIG", sku=f"S{i}") for i in range(MAX_LINES + 1)]
    table = orders(tmp_path, row("SMALL"), *many)
    assert table.frame["order_id"].unique().tolist() == ["SMALL"]
    [(at, reason)] = reasons(table, "order_id")
    assert at == MAX_LINES + 3  # the header, SMALL, then BIG's 1,001st line
    assert reason == "order 'BIG' has 1,001 lines; at most 1,000 make one order"


def test_stock_overflow_is_a_reject_and_negative_zero_is_zero(tmp_path):
    """on_hand of 10^19 once crashed with a traceback."""
    stock = write(
        tmp_path,
        "inventory.csv",
        "node_id,sku,on_hand\nDC,A,10000000000000000000\nDC,B,1000000000000\nDC,C,-0\n",
    )
    table = load_inventory(stock)
    assert table.frame["on_hand"].tolist() == [10**12, 0]
    assert reasons(table, "on_hand") == [
        (
            2,
            "on_hand must be a whole number of units from 0 to 1,000,000,000,000, "
            "got 10000000000000000000",
        )
    ]


def test_replenishment_overflow_is_a_reject(tmp_path):
    """One receipt over 10^12, and receipts that add up over it at one position."""
    text = (
        "node_id,sku,at,qty\n"
        "DC,A,2026-03-02T10:00:00Z,10000000000000000000\n"
        "DC,A,2026-03-03T10:00:00Z,600000000000\n"
        "DC,B,2026-03-03T10:00:00Z,600000000000\n"
        "DC,A,2026-03-01T10:00:00Z,400000000000\n"
        "DC,A,2026-03-04T10:00:00Z,1\n"
    )
    table = load_replenishments(write(tmp_path, "replenishments.csv", text))
    # In arrival order DC/A receives 4e11, then 6e11 (10^12 in all), then 1: over.
    assert table.frame[["sku", "qty"]].values.tolist() == [
        ["A", 400_000_000_000],
        ["A", 600_000_000_000],
        ["B", 600_000_000_000],
    ]
    assert [at for at, _ in reasons(table, "qty")] == [2, 6]
    assert "above 1,000,000,000,000 units in all" in reasons(table, "qty")[1][1]


def test_node_numbers_out_of_range_are_rejects(tmp_path):
    """priority and capacity of 2^63 once loaded as −2^63."""
    text = (
        "id,type,lat,lon,capacity,priority,pick_cost,handling_days\n"
        "N1,dc,0,0,9223372036854775808,1,0,0\n"
        "N2,dc,0,0,,9223372036854775808,0,0\n"
        "N3,dc,0,0,,1,1e308,0\n"
        "N4,dc,0,0,,1,0,366\n"
        "N5,dc,1e308,0,,1,0,0\n"
        "N6,dc,0,0,1000000000,-1000000000,1000000000,365\n"
    )
    table = load_nodes(write(tmp_path, "nodes.csv", text))
    assert table.frame["id"].tolist() == ["N6"]
    assert sorted(table.rejects["column"]) == [
        "capacity",
        "handling_days",
        "lat",
        "pick_cost",
        "priority",
    ]
    assert reasons(table, "priority") == [
        (
            3,
            "priority must be a whole number from -1,000,000,000 to 1,000,000,000 "
            "(lower is preferred; empty = ranked last), got 9223372036854775808",
        )
    ]
    assert reasons(table, "handling_days") == [
        (5, "handling_days must be a number of days from 0 to 365, got 366")
    ]


def test_event_quantities_are_bounded(tmp_path):
    text = (
        "at,kind,node_id,sku,qty\n"
        "2026-03-02T10:00:00Z,replenish,DC,A,9223372036854775807\n"
        "2026-03-02T10:00:00Z,stock_adjust,DC,A,1000000000001\n"
        "2026-03-02T10:00:00Z,capacity_change,DC,,1000000001\n"
        "2026-03-02T10:00:00Z,stock_adjust,DC,A,1000000000000\n"
    )
    table = load_events(write(tmp_path, "events.csv", text))
    assert table.frame["kind"].tolist() == ["stock_adjust"]
    assert [at for at, _ in reasons(table, "qty")] == [2, 3, 4]
    assert reasons(table, "qty")[2][1] == (
        "qty must be a whole number of orders per day from 0 to 1,000,000,000 for capacity_change"
    )


# -------------------------------------------------------------- instants

INSTANT_RULE = "a date-time from 1970-01-01T00:00:00Z to 2200-12-31T23:59:59Z (UTC)"


def test_out_of_range_instants_are_rejects_not_a_crash(tmp_path):
    """Year 1 at +14:00 (year 0 in UTC) and 9999-12-31 at −12:00 (year 10000)
    once gave an OverflowError traceback and no decision at all."""
    table = orders(
        tmp_path,
        row("O1", created="0001-01-01T00:00:00+14:00"),
        row("O2", created="9999-12-31T23:59:59-12:00"),
        row("O3", created="1969-12-31T23:59:59Z"),
        row("O4", created="2201-01-01T00:00:00Z"),
        row("O5", created="1970-01-01T00:30:00+01:00"),  # 1969 in UTC
        row("OK", created="2200-12-31T23:59:59Z"),
    )
    assert table.frame["order_id"].tolist() == ["OK"]
    assert [at for at, _ in reasons(table, "created_at")] == [2, 3, 4, 5, 6]
    assert reasons(table, "created_at")[0] == (
        2,
        f'created_at must be {INSTANT_RULE}, got "0001-01-01T00:00:00+14:00"',
    )
    # What is left routes: no instant the router meets can leave the calendar.
    policy = engine.policy_of('ruleset "T"\nstrategy s "S"\n  on shortage backorder\n')
    network = engine.Network.from_frame(load_nodes(write(tmp_path, "n.csv", NODES)).frame)
    stock = pd.DataFrame({"node_id": ["DC-LYON"], "sku": ["A"], "on_hand": [0]})
    router = engine.Session(policy, network, engine.Inventory.from_frame(stock, network)).router
    [decision] = router.route_batch(engine.orders_from_frame(table.frame))
    assert decision.status == "backordered"


def test_out_of_range_instants_in_other_tables(tmp_path):
    replenishments = load_replenishments(
        write(tmp_path, "r.csv", "node_id,sku,at,qty\nDC,A,0001-01-01T00:00:00+14:00,1\n")
    )
    events = load_events(
        write(tmp_path, "e.csv", "at,kind,node_id\n9999-12-31T23:59:59-12:00,node_offline,DC\n"),
        timezone="Pacific/Kiritimati",
    )
    naive = load_events(
        write(tmp_path, "n.csv", "at,kind,node_id\n0001-01-01T00:00:00,node_offline,DC\n"),
        timezone="Pacific/Kiritimati",
    )
    for table in (replenishments, events, naive):
        assert table.frame.empty
        [(_, reason)] = reasons(table, "at")
        assert reason.startswith(f"at must be {INSTANT_RULE}")


# ------------------------------------------------------------------- ids


def test_ids_with_control_characters_or_too_long_are_rejects(tmp_path):
    table = orders(
        tmp_path,
        row("O\x001"),
        row("O2", sku="A\x1b[31m"),
        row("O3", sku="S" * 257),
        row("O4", sku="A\u202eB"),
        row("Ünïcode-ok", sku="Été"),
    )
    assert table.frame["order_id"].tolist() == ["Ünïcode-ok"]
    assert reasons(table, "order_id") == [
        (
            2,
            "order_id holds a control or invisible character (such as NUL, a line break or ESC): "
            '"O\\x001"',
        )
    ]
    assert [at for at, _ in reasons(table, "sku")] == [3, 4, 5]
    assert "\x1b" not in table.rejects["reason"].str.cat()
    assert reasons(table, "sku")[1] == (4, "sku is longer than 256 characters; shorten the id")


def test_a_table_with_too_many_columns_is_refused(tmp_path):
    header = ORDER_HEADER.strip() + "," + ",".join(f"x{i}" for i in range(MAX_COLUMNS))
    with pytest.raises(TableError, match=r"orders.csv: 509 columns; a table has at most 500"):
        orders(tmp_path, row() + "," * MAX_COLUMNS, header=header + "\n")
    frame = pd.DataFrame({f"c{i}": [1] for i in range(MAX_COLUMNS + 1)})
    with pytest.raises(TableError, match=r"nodes \(DataFrame\): 501 columns"):
        load_nodes(frame)


def test_a_csv_value_over_the_csv_modules_limit_is_a_table_error(tmp_path):
    """The slow, exact CSV path (taken for a malformed record) once let csv.Error out."""
    text = ORDER_HEADER + row() + "\n" + "O2,x\n" + row("O3", sku="A" * 200_000) + "\n"
    with pytest.raises(TableError, match=r"orders.csv: line 4 is not a readable CSV record"):
        load_orders(write(tmp_path, "orders.csv", text))


# -------------------------------------------------------- computed fields


@pytest.mark.parametrize("column", ["value", "units", "lines", "id"])
def test_computed_fields_cannot_be_spoofed_by_a_column(tmp_path, column):
    """A `value` column once overrode Σ qty × unit_price (a 1 € order read as 5,000 €)."""
    header = ORDER_HEADER.strip() + f",{column}\n"
    with pytest.raises(TableError) as caught:
        orders(tmp_path, row() + ",5000", header=header)
    message = str(caught.value)
    assert message.startswith(f"orders.csv: column '{column}': order.{column} is ")
    assert f"rename it (e.g. `declared_{column}`)" in message


# -------------------------------------------------------- empty priority


def test_an_empty_node_priority_ranks_last(tmp_path):
    """An empty priority once loaded as 0 and ranked first, against docs/routing.md."""
    nodes = load_nodes(write(tmp_path, "nodes.csv", NODES))
    assert nodes.frame["priority"].tolist() == [1, pd.NA]
    network = engine.Network.from_frame(nodes.frame)
    assert network.node("ST-PARIS").get("priority") is None
    stock = engine.Inventory.from_frame(
        pd.DataFrame({"node_id": ["DC-LYON", "ST-PARIS"], "sku": ["A", "A"], "on_hand": [5, 5]}),
        network,
    )
    for direction in ("", " desc"):
        text = f'ruleset "T"\nstrategy s "S"\n  rank by node.priority{direction}\n'
        router = engine.Session(engine.policy_of(text), network, stock).router
        order = engine.Order(
            f"O{direction}",
            pd.Timestamp("2026-03-02T10:00:00Z").to_pydatetime(),
            (engine.Line("A", 1),),
            {"dest_lat": 48.85, "dest_lon": 2.35},
        )
        for explain in (False, True):
            decision = router.route(order, explain=explain)
            assert decision.shipments[0].node_id == "DC-LYON", (direction, explain)


# ------------------------------------------------ found by the fuzzers


def test_compact_instants_with_an_offset_among_naive_ones(tmp_path):
    """`20260302T100000Z` (an offset in a layout the offset pattern misses) next to
    a naive time once raised pandas' "Mixed timezones detected"; alone, it was read
    as a wall-clock time in the table's zone, an hour off in Paris."""
    text = (
        "node_id,sku,at,qty\n"
        "DC,A,2026-03-02T11:00:00,1\n"
        "DC,A,20260302T100000Z,1\n"
        "DC,A,20260302T100000+0100,1\n"
    )
    table = load_replenishments(write(tmp_path, "r.csv", text), timezone="Europe/Paris")
    assert table.rejects.empty
    assert [t.isoformat() for t in table.frame["at"]] == [
        "2026-03-02T09:00:00+00:00",
        "2026-03-02T10:00:00+00:00",
        "2026-03-02T10:00:00+00:00",
    ]
    alone = load_replenishments(
        write(tmp_path, "a.csv", "node_id,sku,at,qty\nDC,A,20260302T100000Z,1\n"),
        timezone="Europe/Paris",
    )
    assert alone.frame["at"].iloc[0].isoformat() == "2026-03-02T10:00:00+00:00"


def test_a_parquet_timestamp_outside_pythons_calendar_is_a_reject(tmp_path):
    """A Parquet timestamp in year 0 once crashed the reject's own message."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    micros = [-62_135_596_800_000_001, 1_772_445_600_000_000]  # year 0; 2026-03-02T10:00Z
    table = pa.table(
        {
            "at": pa.array(micros, type=pa.timestamp("us", tz="UTC")),
            "kind": ["node_offline"] * 2,
            "node_id": ["DC"] * 2,
        }
    )
    pq.write_table(table, tmp_path / "events.parquet")
    events = load_events(tmp_path / "events.parquet")
    assert len(events.frame) == 1
    [(at, reason)] = reasons(events, "at")
    assert at == 2
    assert reason.endswith('got "0000-12-31T23:59:59.999999"')


def test_did_you_mean_is_searched_for_the_first_200_unknown_names_only():
    """Each "did you mean" scans every known name (11 ms a value among 4,000
    nodes): a table of 20,000 unknown node ids once took minutes to reject."""
    names = [f"NODE-{i:04d}" for i in range(10)]
    frame = pd.DataFrame({"node_id": [f"NODE-{i:04d}x" for i in range(250)], "sku": "A"})
    table = load_inventory(frame.assign(on_hand=1), names)
    hinted = table.rejects["reason"].str.contains("did you mean").to_numpy()
    assert len(hinted) == 250
    assert hinted[:200].all()
    assert not hinted[200:].any()
    assert table.rejects["reason"].iloc[249] == "node_id 'NODE-0249x' is not a known node"


def test_an_event_note_the_engine_would_refuse_is_a_reject(tmp_path):
    """A note holding NUL was loaded, then refused by engine.events.Event: a traceback."""
    text = (
        "at,kind,node_id,note\n"
        "2026-03-02T10:00:00Z,node_offline,DC,a\x00b\n"
        f"2026-03-02T10:00:00Z,node_offline,DC,{'n' * 1025}\n"
        "2026-03-02T10:00:00Z,node_offline,DC,power cut\n"
    )
    table = load_events(write(tmp_path, "e.csv", text))
    assert reasons(table, "note") == [
        (2, "note holds a control character (such as NUL, a line break or ESC)"),
        (3, "note is 1,025 characters long; at most 1,024 are allowed"),
    ]
    [event] = events_from_frame(table.frame)
    assert event.note == "power cut"
