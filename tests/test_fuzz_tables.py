"""Fuzzers for the table loaders: random CSV bytes and cells (huge, negative,
NaN and infinite numbers, odd instants, control characters, BOMs, duplicate
and missing columns, extra columns, malformed records) and random DataFrames.

The only acceptable outcomes: good rows plus row-level rejects, or a
TableError with a message. And what a loader accepts, the engine takes: the
good rows build a network, a stock matrix, orders that route, events that
apply — never a traceback, never a value outside engine.limits."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fuzzing import HOSTILE_TEXTS, fuzz_settings, hostile_cell
from hypothesis import given
from hypothesis import strategies as st
from pyarrow import ArrowException

import engine
from engine.events import events_from_frame
from engine.limits import (
    CAPACITY,
    DAYS,
    EARLIEST,
    LATEST,
    LATITUDE,
    LINE_QTY,
    LONGITUDE,
    MONEY,
    PRIORITY,
    RECEIPT,
    STOCK,
    name_problem,
)
from engine.tables import (
    TableError,
    load_events,
    load_inventory,
    load_nodes,
    load_orders,
    load_replenishments,
    load_returns,
)

pytestmark = pytest.mark.fuzz

KNOWN_NODES = ["DC-LYON", "ST-PARIS"]
NETWORK = engine.Network.from_frame(
    pd.DataFrame(
        {"id": KNOWN_NODES, "type": ["dc", "store"], "lat": [45.76, 48.86], "lon": [4.84, 2.35]}
    )
)
POLICY = engine.policy_of(
    'ruleset "F"\nstrategy s "S"\n  rank by stock desc\n  split at most 2\n',
    extra_fields=["order.category", "line.category"],
)
COLUMNS = {
    "nodes": ["id", "name", "type", "lat", "lon", "country", "region", "tags", "can_ship",
              "can_collect", "capacity", "priority", "pick_cost", "ship_cost_base",
              "ship_cost_per_km", "handling_days"],
    "inventory": ["node_id", "sku", "on_hand"],
    "replenishments": ["node_id", "sku", "at", "qty"],
    "events": ["at", "kind", "node_id", "sku", "qty", "note"],
    "orders": ["order_id", "created_at", "channel", "delivery", "collect_node", "tier",
               "dest_lat", "dest_lon", "country", "region", "postal_code", "promised_days",
               "sku", "qty", "unit_price", "category"],
    "returns": ["return_id", "order_id", "created_at", "method", "drop_node", "origin_lat",
                "origin_lon", "sku", "qty", "reason", "condition", "unit_price", "category"],
}  # fmt: skip
REQUIRED = {
    "nodes": ["id", "type", "lat", "lon"],
    "inventory": ["node_id", "sku", "on_hand"],
    "replenishments": ["node_id", "sku", "at", "qty"],
    "events": ["at", "kind", "node_id"],
    "orders": ["order_id", "created_at", "channel", "delivery", "dest_lat", "dest_lon", "sku",
               "qty"],
    "returns": ["return_id", "created_at", "method", "sku", "qty", "reason", "condition"],
}  # fmt: skip
GOOD = {
    "id": ["DC-LYON", "ST-PARIS", "N3"], "node_id": KNOWN_NODES, "sku": ["A", "B"],
    "type": ["dc", "store", "Store"], "lat": ["45.7", "-90", "90"], "lon": ["4.8", "180"],
    "on_hand": ["0", "5", "1000000000000"], "qty": ["1", "2", "1000000000"],
    "at": ["2026-03-02T10:00:00+01:00", "2026-03-02T11:00:00"],
    "created_at": ["2026-03-02T10:00:00+01:00", "2026-03-02 11:00"],
    "kind": ["node_offline", "node_online", "stock_adjust", "replenish", "capacity_change"],
    "order_id": ["O1", "O2", "O3"], "channel": ["web"], "delivery": ["home", "collect"],
    "collect_node": ["", "ST-PARIS"], "dest_lat": ["48.85"], "dest_lon": ["2.35"],
    "unit_price": ["9.99", ""], "priority": ["", "1", "-1000000000"], "capacity": ["", "0"],
    "return_id": ["R1", "R2"], "method": ["store", "post", "courier"], "drop_node": KNOWN_NODES,
    "origin_lat": ["48.85", ""], "origin_lon": ["2.35", ""], "reason": ["damaged"],
    "condition": ["new", "opened", "damaged"],
}  # fmt: skip
"""Cells that are often fine, so that fuzzed tables also hold good rows."""


@st.composite
def csv_tables(draw, table: str) -> bytes:
    """A CSV file for `table`: mostly its columns (sometimes one missing, twice,
    renamed or extra), rows of good and hostile cells, odd encodings."""
    columns = list(REQUIRED[table])
    optional = [c for c in COLUMNS[table] if c not in columns]
    if optional:
        columns += draw(st.lists(st.sampled_from(optional), unique=True, max_size=len(optional)))
    if draw(st.integers(0, 9)) == 0 and columns:
        columns.remove(draw(st.sampled_from(columns)))
    if draw(st.integers(0, 9)) == 0 and columns:
        columns.append(draw(st.sampled_from(columns)))
    extras = draw(st.lists(st.sampled_from(["note", "Qty", " x ", "value", "é", ""]), max_size=2))
    columns += extras
    columns = draw(st.permutations(columns))
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        cells = [
            draw(st.one_of(st.sampled_from(GOOD.get(column.strip(), ["x"])), hostile_cell))
            for column in columns
        ]
        if draw(st.integers(0, 9)) == 0:  # a record with too few or too many values
            cells = cells[: draw(st.integers(0, len(cells)))] + draw(st.lists(hostile_cell))
        rows.append(cells)
    text = "\n".join([",".join(columns), *(",".join(_quoted(c) for c in row) for row in rows)])
    data = text.encode("utf-8", "surrogatepass")
    prefix = draw(st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\n"]))
    suffix = draw(st.sampled_from([b"", b"\n", b"\r\n", b"\n\n,,,\n", b"\x00", b'"']))
    return prefix + data + suffix


def _quoted(cell: str) -> str:
    if any(mark in cell for mark in ',"\n\r'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def loaded(table: str, data: bytes, suffix: str = ".csv"):
    """The loader's answer for the file's bytes: a Table, or None after a TableError."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{table}{suffix}"
        path.write_bytes(data)
        try:
            if table == "nodes":
                return load_nodes(path)
            if table == "inventory":
                return load_inventory(path, KNOWN_NODES)
            if table == "replenishments":
                return load_replenishments(path, KNOWN_NODES, timezone="Europe/Paris")
            if table == "events":
                return load_events(path, KNOWN_NODES, timezone="Pacific/Kiritimati")
            if table == "returns":
                return load_returns(path, KNOWN_NODES, timezone="Asia/Kathmandu")
            return load_orders(path, KNOWN_NODES, timezone="America/Adak")
        except TableError as error:
            assert str(error), "a TableError says what is wrong"
            return None


def check_rejects(result) -> None:
    rejects = result.rejects
    assert list(rejects.columns) == ["table", "row", "column", "reason", "order_id"]
    assert (rejects["row"] >= 2).all()
    assert rejects["reason"].str.len().gt(0).all()
    assert not rejects["reason"].str.contains("\x00|\x1b", regex=True).any()


def ids_are_clean(values) -> None:
    for value in values:
        assert name_problem(str(value)) is None, repr(value)


def within(values, limits, *, nullable: bool = False) -> None:
    array = pd.to_numeric(pd.Series(values), errors="raise").astype("Float64")
    if nullable:
        array = array.dropna()
    assert array.notna().all()
    assert array.between(limits.low, limits.high).all(), array.tolist()


def instants_within(values) -> None:
    series = pd.Series(values)
    assert series.notna().all()
    assert ((series >= EARLIEST) & (series <= LATEST)).all()


@fuzz_settings()
@given(data=csv_tables("nodes"))
def test_fuzzed_nodes(data):
    result = loaded("nodes", data)
    if result is None:
        return
    check_rejects(result)
    frame = result.frame
    ids_are_clean(frame["id"])
    within(frame["capacity"], CAPACITY, nullable=True)
    within(frame["priority"], PRIORITY, nullable=True)
    for column in ("pick_cost", "ship_cost_base", "ship_cost_per_km"):
        within(frame[column], MONEY)
    within(frame["handling_days"], DAYS)
    network = engine.Network.from_frame(frame)
    assert len(network) == len(frame)


@fuzz_settings()
@given(data=csv_tables("inventory"))
def test_fuzzed_inventory(data):
    result = loaded("inventory", data)
    if result is None:
        return
    check_rejects(result)
    ids_are_clean(result.frame["sku"])
    within(result.frame["on_hand"], STOCK)
    stock = engine.Inventory.from_frame(result.frame, NETWORK)
    assert (stock.on_hand >= 0).all() and (stock.on_hand <= STOCK.high).all()


@fuzz_settings()
@given(data=csv_tables("replenishments"))
def test_fuzzed_replenishments(data):
    result = loaded("replenishments", data)
    if result is None:
        return
    check_rejects(result)
    frame = result.frame
    within(frame["qty"], RECEIPT)
    instants_within(frame["at"])
    received = frame.groupby(["node_id", "sku"])["qty"].sum()
    assert (received <= STOCK.high).all()


@fuzz_settings()
@given(data=csv_tables("events"))
def test_fuzzed_events(data):
    result = loaded("events", data)
    if result is None:
        return
    check_rejects(result)
    instants_within(result.frame["at"])
    events = events_from_frame(result.frame)  # every good row is an Event the engine takes
    assert len(events) == len(result.frame)


@fuzz_settings()
@given(data=csv_tables("returns"))
def test_fuzzed_returns(data):
    result = loaded("returns", data)
    if result is None:
        return
    check_rejects(result)
    frame = result.frame
    ids_are_clean(frame["return_id"])
    ids_are_clean(frame["sku"])
    within(frame["qty"], LINE_QTY)
    within(frame["unit_price"], MONEY)
    instants_within(frame["created_at"])
    assert set(frame["method"]) <= {"store", "post", "courier"}
    assert set(frame["condition"]) <= {"new", "opened", "damaged"}
    assert frame["reason"].str.len().gt(0).all()
    assert frame.loc[frame["method"] == "store", "drop_node"].isin(KNOWN_NODES).all()
    sent = frame[frame["method"] != "store"]
    within(sent["origin_lat"], LATITUDE)
    within(sent["origin_lon"], LONGITUDE)
    for _, lines in frame.groupby("return_id"):  # a return agrees on its return-level columns
        assert len(lines[["created_at", "method", "drop_node"]].drop_duplicates()) == 1


@fuzz_settings()
@given(data=csv_tables("orders"))
def test_fuzzed_orders_route(data):
    result = loaded("orders", data)
    if result is None:
        return
    check_rejects(result)
    frame = result.frame
    if frame.empty:
        return
    ids_are_clean(frame["order_id"])
    ids_are_clean(frame["sku"])
    within(frame["qty"], LINE_QTY)
    within(frame["unit_price"], MONEY)
    instants_within(frame["created_at"])
    orders = engine.orders_from_frame(frame)
    stock = engine.Inventory.from_frame(
        pd.DataFrame({"node_id": KNOWN_NODES, "sku": ["A", "A"], "on_hand": [3, 10**12]}),
        NETWORK,
    )
    decisions = engine.Session(POLICY, NETWORK, stock).router.route_batch(orders)
    for order, decision in zip(sorted(orders, key=_key), decisions, strict=True):
        ordered = Counter()
        for line in order.lines:
            ordered[line.sku] += line.qty
        placed = Counter()
        for shipment in decision.shipments:
            for line in shipment.lines:
                placed[line.sku] += line.qty
        for item in decision.unfilled:
            placed[item.sku] += item.qty
        assert placed == ordered
    assert (stock.free >= 0).all()


def _key(order):
    return order.created_at.astimezone(dt.UTC), order.id


@fuzz_settings()
@given(table=st.sampled_from(sorted(COLUMNS)), data=st.binary(max_size=300))
def test_fuzzed_bytes(table, data):
    """Any bytes at all: a table with rejects, or a TableError."""
    for suffix in (".csv", ".parquet"):
        result = loaded(table, data, suffix)
        if result is not None:
            check_rejects(result)


@fuzz_settings()
@given(
    table=st.sampled_from(sorted(COLUMNS)),
    cells=st.lists(
        st.one_of(
            st.none(),
            st.integers(),
            st.floats(),
            st.booleans(),
            st.sampled_from(HOSTILE_TEXTS),
            st.datetimes(timezones=st.just(dt.UTC)),
            st.just(np.nan),
            st.just(pd.NaT),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_fuzzed_dataframes(table, cells):
    """DataFrame sources (the studio's uploads) and Parquet files: typed, mixed
    and missing cells."""
    frame = pd.DataFrame({column: pd.Series(cells, dtype=object) for column in COLUMNS[table]})
    sources = [frame]
    with tempfile.TemporaryDirectory() as folder:
        typed = frame.infer_objects()
        try:
            typed.to_parquet(Path(folder) / f"{table}.parquet")
            sources.append(Path(folder) / f"{table}.parquet")
        except (ValueError, TypeError, OverflowError, ArrowException):
            pass  # a frame Parquet cannot hold
        for source in sources:
            try:
                result = LOADERS[table](source)
            except TableError:
                continue
            check_rejects(result)
            if table == "orders" and not result.frame.empty:
                instants_within(result.frame["created_at"])
                engine.orders_from_frame(result.frame)
            if table == "events":
                events_from_frame(result.frame)
            if table == "nodes":
                engine.Network.from_frame(result.frame)
            if table == "inventory":
                engine.Inventory.from_frame(result.frame, NETWORK)


LOADERS = {
    "nodes": load_nodes,
    "inventory": lambda source: load_inventory(source, KNOWN_NODES),
    "replenishments": lambda source: load_replenishments(source, KNOWN_NODES),
    "events": lambda source: load_events(source, KNOWN_NODES),
    "orders": lambda source: load_orders(source, KNOWN_NODES),
    "returns": lambda source: load_returns(source, KNOWN_NODES),
}
