"""Fuzzers for the promise tables (carriers, closures) and the promise columns of
nodes and orders: random CSV cells (hostile numbers, day lists, times, dates,
control characters, malformed records) and random typed DataFrames.

The only acceptable outcomes: good rows plus row-level rejects, or a TableError
with a message. And what a loader accepts, the engine can read: the typed
arrays are built, every value within its documented range."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fuzzing import HOSTILE_TEXTS, fuzz_settings, hostile_cell
from hypothesis import given
from hypothesis import strategies as st
from pyarrow import ArrowException
from test_fuzz_tables import check_rejects

import engine
from engine.columns import CARRIER_COLUMNS, CLOSURE_COLUMNS
from engine.limits import CO2_PER_KM, DISTANCE, MONEY, PARCELS, WEIGHT, WHOLE_DAYS
from engine.tables import (
    UNLIMITED,
    NodeCalendar,
    TableError,
    format_days,
    line_weights,
    load_carriers,
    load_closures,
    load_nodes,
    load_orders,
    parse_clock,
    parse_date,
    parse_days,
    requested_days,
)
from engine.tables.calendar_cells import NO_DAY

pytestmark = pytest.mark.fuzz

HOSTILE_CALENDAR = [
    "Mon-Fri", "Mon-Sat", "Mon;Wed;Fri", "Fri-Mon", "mon - sun", "Mon;;Fri", "Mon,Fri", "Lun",
    "Mon–Fri", "Mon-Tue-Wed", "-", ";", "00:00", "23:59", "24:00", "9:30", "14:00:00", "14h",
    "2026-12-25", "2026-02-30", "1969-12-31", "2201-01-01", "0000-01-01", "25/12/2026",
    "FR", "fr;be", "UK", "FR;;BE", "dc;store", "Store", "warehouse", "all", "node", "carrier",
    "ALL", "colissimo", "DC-LYON",
]  # fmt: skip
TABLES = {
    "carriers": (list(CARRIER_COLUMNS), ["carrier", "service", "transit_days"]),
    "closures": (list(CLOSURE_COLUMNS), ["date", "scope"]),
    "nodes": (["id", "type", "lat", "lon", "cutoff", "open_days", "prep_days"],
              ["id", "type", "lat", "lon"]),
    "orders": (["order_id", "created_at", "channel", "delivery", "dest_lat", "dest_lon", "sku",
                "qty", "weight_kg", "requested_date"],
               ["order_id", "created_at", "channel", "delivery", "dest_lat", "dest_lon", "sku",
                "qty"]),
}  # fmt: skip
GOOD = {
    "carrier": ["colissimo", "chronopost"], "service": ["standard", "express"],
    "transit_days": ["0", "2"], "countries": ["", "FR"], "node_types": ["", "dc;store"],
    "pickup_days": ["", "Mon-Fri"], "delivery_days": ["", "Mon-Sat"], "date": ["2026-12-25"],
    "scope": ["all", "node", "carrier"], "id": ["DC-LYON", ""], "cutoff": ["", "14:00"],
    "open_days": ["", "Mon-Sat"], "prep_days": ["", "1"], "weight_kg": ["", "0.5"],
    "requested_date": ["", "2026-03-06"], "type": ["dc", "store"], "lat": ["45.7"],
    "lon": ["4.8"], "order_id": ["O1", "O2"], "created_at": ["2026-03-02T10:00:00+01:00"],
    "channel": ["web"], "delivery": ["home"], "dest_lat": ["48.85"], "dest_lon": ["2.35"],
    "sku": ["A", "B"], "qty": ["1", "2"],
}  # fmt: skip
cell = st.one_of(hostile_cell, st.sampled_from(HOSTILE_CALENDAR))


@st.composite
def csv_files(draw, table: str) -> bytes:
    columns, required = TABLES[table]
    chosen = list(required) + draw(
        st.lists(st.sampled_from([c for c in columns if c not in required]), unique=True)
    )
    if draw(st.integers(0, 9)) == 0:
        chosen.remove(draw(st.sampled_from(chosen)))
    chosen = draw(st.permutations(chosen))
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        cells = [draw(st.one_of(st.sampled_from(GOOD.get(c, ["x"])), cell)) for c in chosen]
        if draw(st.integers(0, 9)) == 0:
            cells = cells[: draw(st.integers(0, len(cells)))]
        rows.append(",".join(_quoted(c) for c in cells))
    return "\n".join([",".join(chosen), *rows]).encode("utf-8", "surrogatepass")


def _quoted(text: str) -> str:
    if any(mark in text for mark in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def loaded(table: str, source):
    """The loader's answer: a table, or None after a TableError with a message."""
    try:
        if table == "carriers":
            return load_carriers(source)
        if table == "closures":
            return load_closures(source, node_ids=["DC-LYON"], carriers=["colissimo"])
        if table == "nodes":
            return load_nodes(source)
        return load_orders(source, timezone="Europe/Paris")
    except TableError as error:
        assert str(error)
        return None


def within(values, limits) -> None:
    values = np.asarray(values, dtype=float)
    assert ((values >= limits.low) & (values <= limits.high)).all(), values


def check_readable(table: str, result) -> None:
    """What the engine reads of the good rows exists and is within its ranges."""
    check_rejects(result)
    arrow = result.arrow
    if table == "carriers":
        assert len(result) == arrow.num_rows
        assert len(set(zip(result.carrier, result.service, strict=True))) == len(result)
        within(result.max_weight_kg[np.isfinite(result.max_weight_kg)], WEIGHT)
        within(result.max_km[np.isfinite(result.max_km)], DISTANCE)
        within(result.transit_days, WHOLE_DAYS)
        for column in ("cost_base", "cost_per_kg", "cost_per_km"):
            within(getattr(result, column), MONEY)
        within(result.co2_per_km, CO2_PER_KM)
        within(result.daily_parcels[result.daily_parcels != UNLIMITED], PARCELS)
        for column in ("pickup_days", "delivery_days"):
            masks = getattr(result, column)
            assert ((masks > 0) & (masks < 128)).all()
            assert [format_days(int(m)) for m in masks] == arrow[column].to_pylist()
    elif table == "closures":
        for row in arrow.to_pylist():
            assert (row["scope"] == "all") == (row["id"] == "")
            assert result.closed(row["scope"], row["id"], row["date"])
            assert dt.date(1970, 1, 1) <= row["date"] <= dt.date(2200, 12, 31)
    elif table == "nodes":
        calendar = NodeCalendar.of(result)
        for name, parse in (("cutoff", parse_clock), ("open_days", parse_days)):
            if name in arrow.column_names:
                assert all(parse(text) is not None for text in arrow[name].to_pylist())
        within(calendar.prep_days, WHOLE_DAYS)
        assert ((calendar.cutoff >= 0) & (calendar.cutoff < 1440)).all()
        engine.Network.from_frame(result.frame)
    else:
        within(line_weights(result), WEIGHT)
        days = requested_days(result)
        assert ((days == NO_DAY) | ((days >= 0) & (days <= parse_date("2200-12-31")))).all()
        if arrow.num_rows:
            engine.orders_from_frame(result.frame)


@pytest.mark.parametrize("table", sorted(TABLES))
def test_fuzzed_promise_tables(table):
    @fuzz_settings()
    @given(data=csv_files(table))
    def fuzzed(data):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"{table}.csv"
            path.write_bytes(data)
            result = loaded(table, path)
            if result is not None:
                check_readable(table, result)

    fuzzed()


@pytest.mark.parametrize("table", sorted(TABLES))
def test_fuzzed_promise_dataframes(table):
    """DataFrame sources and Parquet files: typed, mixed and missing cells."""

    @fuzz_settings()
    @given(
        cells=st.lists(
            st.one_of(
                st.none(),
                st.integers(),
                st.floats(),
                st.booleans(),
                st.sampled_from(HOSTILE_TEXTS + HOSTILE_CALENDAR),
                st.dates(),
                st.times(),
                st.datetimes(timezones=st.just(dt.UTC)),
            ),
            min_size=1,
            max_size=4,
        )
    )
    def fuzzed(cells):
        frame = pd.DataFrame({c: pd.Series(cells, dtype=object) for c in TABLES[table][0]})
        sources = [frame]
        with tempfile.TemporaryDirectory() as folder:
            try:
                frame.infer_objects().to_parquet(Path(folder) / f"{table}.parquet")
                sources.append(Path(folder) / f"{table}.parquet")
            except (ValueError, TypeError, OverflowError, ArrowException):
                pass  # a frame Parquet cannot hold
            for source in sources:
                result = loaded(table, source)
                if result is not None:
                    check_readable(table, result)

    fuzzed()
