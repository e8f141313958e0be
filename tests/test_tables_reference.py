"""The loaders of engine.tables give the same frames and the same rejects as the
pandas loaders they replace (kept in tests/legacy_tables as the reference): on
every input of the loader tests, of the bounds tests and of the fuzzers, and on the
demo data as CSV and as Parquet.

The other test modules' functions are run here again with their loaders swapped for
a comparing one: it loads each source with both, checks `frame` and `rejects` with
`pd.testing.assert_frame_equal` (or the same TableError message) and hands the
new table on, so every assertion of those tests holds as well.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import itertools
import re
from zoneinfo import ZoneInfo

import legacy_tables
import pandas as pd
import pyarrow as pa
import pytest
import test_bounds_tables
import test_fuzz_tables
import test_tables
from hypothesis import given, settings
from hypothesis import strategies as st

import engine.tables
from engine.tables import iso8601
from engine.tables.moments import parse_moments

LOADERS = (
    "load_nodes",
    "load_inventory",
    "load_replenishments",
    "load_orders",
    "load_events",
)
MODULES = (test_tables, test_bounds_tables)


def assert_same_tables(new, old) -> None:
    """`frame` and `rejects` equal, column types included. (The events table's order
    columns — `order_id` and what `order_modify` changes — came after the reference: the
    columns it knows are compared.)"""
    frame = new.frame
    if "order_id" in frame.columns and "order_id" not in old.frame.columns:
        frame = frame[[c for c in frame.columns if c in old.frame.columns]]
    pd.testing.assert_frame_equal(frame, old.frame)
    pd.testing.assert_frame_equal(new.rejects, old.rejects)


def compared(name: str):
    """The loader `name` of engine.tables, checked against the reference on each call."""
    new_loader = getattr(engine.tables, name)
    old_loader = getattr(legacy_tables, name)

    @functools.wraps(new_loader)
    def load(source, *args, **kwargs):
        try:
            expected = old_loader(source, *args, **kwargs)
        except legacy_tables.TableError as error:
            if name == "load_events" and "missing required column(s) node_id;" in str(error):
                # node_id is optional since the order events (which name no node)
                return new_loader(source, *args, **kwargs)
            with pytest.raises(engine.tables.TableError) as caught:
                new_loader(source, *args, **kwargs)
            assert same_refusal(str(caught.value), str(error))
            raise caught.value from None
        table = new_loader(source, *args, **kwargs)
        assert_same_tables(table, expected)
        return table

    return load


def same_refusal(new: str, old: str) -> bool:
    """The same whole-table message; or, where the new loaders quote column names
    escaped and cut (docs/data.md, "Whole-table errors"), printable and with the
    same words before the names."""
    if new == old:
        return True
    for marker in ("; columns found:", ": column(s) "):
        if marker in old:
            return new.isprintable() and new.split(marker)[0] == old.split(marker)[0]
    return False


def _cases():
    """(module, test function, arguments) for every test of MODULES, parameters expanded."""
    for module in MODULES:
        for name, function in sorted(vars(module).items()):
            if not name.startswith("test_") or not inspect.isfunction(function):
                continue
            marks = [m for m in getattr(function, "pytestmark", []) if m.name == "parametrize"]
            if not marks:
                yield pytest.param(module, function, {}, id=f"{module.__name__}::{name}")
                continue
            [mark] = marks
            names = (
                [n.strip() for n in mark.args[0].split(",")]
                if isinstance(mark.args[0], str)
                else list(mark.args[0])
            )
            for index, values in enumerate(mark.args[1]):
                values = values if len(names) > 1 else (values,)
                yield pytest.param(
                    module,
                    function,
                    dict(zip(names, values, strict=True)),
                    id=f"{module.__name__}::{name}[{index}]",
                )


@pytest.mark.parametrize(("module", "function", "arguments"), list(_cases()))
def test_every_loader_test_input_loads_as_before(
    module, function, arguments, monkeypatch, tmp_path
):
    for name in LOADERS:
        if hasattr(module, name):
            monkeypatch.setattr(module, name, compared(name))
    if "tmp_path" in inspect.signature(function).parameters:
        arguments = {**arguments, "tmp_path": tmp_path}
    function(**arguments)


@pytest.mark.fuzz
@pytest.mark.parametrize(
    "name", sorted(n for n in vars(test_fuzz_tables) if n.startswith("test_fuzzed"))
)
def test_every_fuzzed_input_loads_as_before(name, monkeypatch):
    for loader in LOADERS:
        monkeypatch.setattr(test_fuzz_tables, loader, compared(loader))
    getattr(test_fuzz_tables, name)()


# ----------------------------------------------------------------- demo data


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from simulations.demo_data import generate

    folder = tmp_path_factory.mktemp("demo")
    return {
        fmt: generate(folder / fmt, orders=2_000, nodes=40, skus=300, seed=5, fmt=fmt)
        for fmt in ("csv", "parquet")
    }


@pytest.mark.parametrize(
    ("fmt", "zone"), list(itertools.product(("csv", "parquet"), ("Europe/Paris", "UTC")))
)
def test_the_demo_data_loads_as_before(demo, fmt, zone):
    paths = demo[fmt]
    nodes = compared("load_nodes")(paths["nodes"])
    ids = nodes.frame["id"].tolist()
    compared("load_inventory")(paths["inventory"], node_ids=ids)
    compared("load_orders")(paths["orders"], node_ids=ids, timezone=zone)
    compared("load_replenishments")(paths["replenishments"], node_ids=ids, timezone=zone)
    frames = {
        name: pd.read_csv(demo["csv"][name], dtype=str, keep_default_na=False) for name in paths
    }
    compared("load_nodes")(frames["nodes"])
    compared("load_orders")(frames["orders"], node_ids=ids[:5], timezone=zone)


# ------------------------------------------------------- date-times, zones


INSTANT_TEXTS = [
    "2026-03-02T10:00:00+01:00", "2026-03-02T10:00:00Z", "2026-03-02 10:00", "2026-03-02",
    "2026-03-02T10", "2026-3-2", "2026/03/02 10:00", "2026.03.02", "20260302", "20260302T1000",
    "20260302T100000Z", "20260302T100000+0100", "2026-03-02T10:00:00.1234567Z",
    "2026-03-02T10:00:00,5+01:00", "2026,03,02", "2026-03-02 10:00 +01:00",
    "2026-03-02T10:00:00+0530", "2026-03-02T10:00:00-03", "2026-03-02T10:00:00+5",
    "2026-03-02T10:00:00+05:3", "2026-02-29", "2024-02-29T12:00", "2026-02-30T10:00:00Z",
    "2026-03-02T24:00:00", "2026-03-02T10:60", "2026-03-02T10:00:60", "-0001-01-01",
    "0000-01-01T00:00:00Z", "2026", "2026-03", "202603", "2026-03-02t10:00:00z",
    "2026-03-02T10:00:00z", "2026-03-02T10:00:00.", "2026-03-02T1000", "2026-03-02T10:0",
    "2026-03-02T10:00:00+24:00", "2026-03-02T10:00:00+01:60", "10000-01-01T00:00:00Z",
    "2026-W10-1", "1e10", "NaT", "nan", "2026-03-02T10:00:00Z extra", "2026-03-02 T10:00",
    "2026-03-29T02:30:00", "2026-10-25T02:30:00", "2026-03-08T02:30:00", "2026-11-01T01:30:00",
    "2026-04-05T02:15:00", "2026-10-04T02:15:00", "2026-03-02T10:00:00.000001",
    "1970-01-01T00:00:00", "2200-12-31T23:59:59", "2200-12-31T23:59:59.999999",
    "1969-12-31T23:00:00-01:00", "2201-01-01T00:30:00+01:00", "0001-01-01", "9999-12-31",
]  # fmt: skip
ZONES = [
    "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe",
    "Pacific/Kiritimati", "America/Adak", "UTC",
]  # fmt: skip


@pytest.mark.parametrize("zone", ZONES)
def test_date_times_in_every_layout_and_zone_read_as_before(tmp_path, zone):
    """Offsets, other layouts, clock changes (Paris, New York, Lord Howe's
    half-hour shift), a half-hour zone (Kolkata) and the calendar's edges."""
    rows = "".join(f"DC,S{i},{text},{i + 1}\n" for i, text in enumerate(INSTANT_TEXTS))
    path = tmp_path / "replenishments.csv"
    path.write_text("node_id,sku,at,qty\n" + rows, encoding="utf-8")
    compared("load_replenishments")(path, timezone=zone)
    events = tmp_path / "events.csv"
    events.write_text(
        "at,kind,node_id\n" + "".join(f'"{t}",node_offline,DC\n' for t in INSTANT_TEXTS),
        encoding="utf-8",
    )
    compared("load_events")(events, timezone=zone)


def _clock_change_walls() -> list[pd.Timestamp]:
    """Every quarter hour around each 2026 clock change of the zones, and the hour
    of each change second by second."""
    walls = []
    for day in ("2026-03-08", "2026-03-29", "2026-04-05", "2026-10-04", "2026-10-25", "2026-11-01"):
        start = pd.Timestamp(day)
        walls += list(pd.date_range(start, start + pd.Timedelta(hours=4), freq="15min"))
        walls += list(
            pd.date_range(start + pd.Timedelta(hours=1, minutes=59), periods=90, freq="s")
        )
    return walls


@pytest.mark.parametrize("zone", ZONES)
def test_naive_times_at_clock_changes_read_as_before(tmp_path, zone):
    walls = _clock_change_walls()
    frame = pd.DataFrame({"at": walls, "kind": "node_offline", "node_id": "DC"})
    compared("load_events")(frame, timezone=zone)
    text = frame.assign(at=[w.isoformat() for w in walls])
    compared("load_events")(text, timezone=zone)
    frame.to_parquet(tmp_path / "events.parquet")
    compared("load_events")(tmp_path / "events.parquet", timezone=zone)


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
@pytest.mark.parametrize("zone", [None, "UTC", "Europe/Paris", "America/New_York"])
def test_typed_instants_out_of_range_are_quoted_as_before(tmp_path, unit, zone):
    """A typed timestamp outside 1970–2200 is rejected quoting it as pandas writes
    the column: fractions at the column's finest precision, the zone's offset."""
    moments = ["1969-12-31 23:59:59", "2201-01-01 00:00:00", "2026-03-02 10:00:00"]
    if unit != "s":
        moments.append("2201-06-01 12:00:00.5")
    values = pd.Series(pd.to_datetime(moments, format="ISO8601")).astype(f"datetime64[{unit}]")
    if zone is not None:
        values = values.dt.tz_localize(zone)
    frame = pd.DataFrame({"at": values, "kind": "node_offline", "node_id": "DC"})
    compared("load_events")(frame)
    frame.to_parquet(tmp_path / "events.parquet")
    compared("load_events")(tmp_path / "events.parquet", timezone="Europe/Paris")
    dates = frame.assign(at=pd.Series(pd.to_datetime(["1969-12-31", "2201-01-01"])))
    compared("load_events")(dates.iloc[:2])


# ------------------------------------------------------------ typed sources


def test_typed_dataframe_and_parquet_columns_load_as_before(tmp_path):
    """Ids, numbers, flags and extras given typed: ints, floats with NaN, nullable
    integers, booleans with gaps, categories, mixed objects."""
    frame = pd.DataFrame(
        {
            "id": [101, 102, 103, 104],
            "type": pd.Categorical(["dc", "Store", "store", "3pl"]),
            "lat": [45.0, 48.5, None, 43.25],
            "lon": pd.array([4, 2, 3, None], dtype="Int64"),
            "name": [None, "Paris", " Lyon ", "Lille"],
            "tags": ["a; b ;", None, ";;", "x"],
            "can_ship": pd.array([True, None, False, True], dtype="boolean"),
            "can_collect": [1.0, 0.0, None, 2.0],
            "capacity": [10.0, None, 2.5, 1e10],
            "priority": pd.array([1, None, -3, 7], dtype="Int64"),
            "pick_cost": ["0.5", " 1 ", "", "x"],
            "size": pd.array([1, None, 3, 4], dtype="Int64"),
            "zone": pd.Categorical(["n", "s", "n", None]),
            "flag": [True, False, None, True],
            "mixed": [1, "a", 2.5, None],
            "code": ["007", "12", None, "3"],
            "when": pd.to_datetime(["2026-01-01", None, "2026-01-03", "2026-01-04"]),
        }
    )
    compared("load_nodes")(frame)
    frame.drop(columns=["mixed"]).to_parquet(tmp_path / "nodes.parquet")
    compared("load_nodes")(tmp_path / "nodes.parquet")
    indexed = frame.drop(columns=["mixed"]).set_index("name")
    indexed.to_parquet(tmp_path / "indexed.parquet")
    compared("load_nodes")(tmp_path / "indexed.parquet")


def test_typed_orders_load_as_before(tmp_path):
    frame = pd.DataFrame(
        {
            "order_id": [7, 7, 8, 9, 9],
            "created_at": pd.to_datetime(
                ["2026-03-29 02:30", "2026-03-29 02:30", "2026-10-25 02:30", None, "2026-01-01"],
                format="ISO8601",
            ),
            "channel": ["web", "web", None, "store", "store"],
            "delivery": ["home", "HOME", "collect", "home", "express"],
            "collect_node": [None, None, 5.0, None, None],
            "dest_lat": [48.8, 48.8, 45.0, 1.0, 1.0],
            "dest_lon": ["2.3", "2.3", "4", "1", "1"],
            "postal_code": [75001.0, 75001.0, None, 1000.0, 1000.0],
            "promised_days": [None, None, 2, 1, 1],
            "sku": [1, 2, 3, 4, 4],
            "qty": [1.0, 2.0, 1.5, 1, 1],
            "unit_price": [9.99, None, 1, 1, 1],
            "weight": pd.array([1, 2, None, 4, 5], dtype="Int64"),
        }
    )
    for zone in ("Europe/Paris", "UTC"):
        compared("load_orders")(frame, node_ids=[5, "5.0", None], timezone=zone)
        frame.to_parquet(tmp_path / "orders.parquet")
        compared("load_orders")(tmp_path / "orders.parquet", timezone=zone)


# -------------------------------------------- one date-time text, one parser


_PIECES = [
    "2026", "0001", "-", "-0", "-12", "03", "3", "02", "29", "30", "T", " ", ":", "10", "1",
    "00", "59", "60", "24", ".", ",", "5", "123456", "1234567", "Z", "z", "+", "+01", "+0100",
    "-05:30", "+5", "+24", "/", "\\", "t", "W", "  ", "\t",
]  # fmt: skip
_texts = st.one_of(
    st.lists(st.sampled_from(_PIECES), max_size=9).map("".join),
    st.text(alphabet="0123456789-:.T Z+/,", max_size=26),
    st.sampled_from(INSTANT_TEXTS),
)


def pandas_reading(text: str):
    """What pandas' ISO 8601 parser makes of `text`: (microseconds of the wall-clock
    time, offset in minutes or None), or None."""
    text = re.sub(r"([.,][0-9]{6})[0-9]+", r"\1", text).replace(",", ".")
    if text in ("now", "today"):
        return None
    try:
        moment = pd.to_datetime(text, format="ISO8601")
    except (ValueError, OverflowError):
        return None
    if moment is pd.NaT:
        return None
    offset = moment.utcoffset()
    wall = moment.tz_localize(None) if moment.tzinfo is not None else moment
    micros = int(wall.as_unit("us").asm8.view("i8"))
    return micros, None if offset is None else int(offset.total_seconds() // 60)


@settings(max_examples=3000)
@given(text=_texts)
def test_a_date_time_text_is_read_as_pandas_reads_it(text):
    """engine.tables.iso8601 (the one-by-one path) against pandas' own parser."""
    reading = iso8601.parse(text.replace(",", "."))
    got = None if reading is None else (reading.wall, reading.offset)
    assert got == pandas_reading(text), text


@st.composite
def _plain_texts(draw) -> str:
    """Date-times in the layouts the vectorised path reads, now and then a day
    past its month's end."""
    moment = draw(
        st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2300, 1, 1))
    )
    spec = draw(st.sampled_from(["hours", "minutes", "seconds", "milliseconds", "microseconds"]))
    text = moment.isoformat(sep=draw(st.sampled_from("T ")), timespec=spec)
    if draw(st.integers(0, 9)) == 0:
        text = text[:8] + "31" + text[10:]
    zone = draw(st.sampled_from(["", "", "Z", "+01:00", "-0530", "+14", "-12:00", "+00:00"]))
    return text if draw(st.booleans()) else text[:10] if not zone else text + zone


@settings(max_examples=300)
@given(
    texts=st.lists(st.one_of(_plain_texts(), _texts), min_size=1, max_size=30),
    zone=st.sampled_from(ZONES),
)
def test_the_vectorised_reading_agrees_with_one_by_one(texts, zone):
    """parse_moments (Arrow for the common layouts, the parser for the rest, the
    zone's offsets day by day) gives what each text read alone gives."""
    texts = [t.strip() for t in texts]
    instants, empty, wrong = parse_moments(pa.array(texts, pa.string()), zone)
    tz = ZoneInfo(zone)
    for text, instant, is_empty, is_wrong in zip(texts, instants, empty, wrong, strict=True):
        reading = iso8601.parse(text.replace(",", ".")) if text else None
        assert is_empty == (text == ""), text
        assert is_wrong == (text != "" and reading is None), text
        if reading is None:
            continue
        if reading.offset is not None:
            expected = reading.wall - reading.offset * 60_000_000
        else:
            try:
                wall = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=reading.wall)
                offset = wall.replace(tzinfo=tz).utcoffset() // dt.timedelta(microseconds=1)
            except OverflowError:  # outside Python's calendar: far outside every range
                offset = 0
            expected = reading.wall - offset
        assert instant == expected, (text, zone)


def test_lines_that_change_and_change_back_load_as_before(tmp_path):
    """Order-level columns compared line by line: runs of lines of one order,
    lines of an order spread among others', a value that changes and comes back."""
    header = "order_id,created_at,channel,delivery,dest_lat,dest_lon,sku,qty,region\n"
    lines = [
        ("O1", "home", "48.8", "A"), ("O1", "express", "48.8", "A"), ("O1", "home", "48.8", "A"),
        ("O2", "home", "48.8", "A"), ("O1", "home", "48.8", "A"), ("O3", "home", "", "B"),
        ("O3", "home", "", "B"), ("O2", "home", "48.9", "A"), ("O2", "home", "48.8", "A"),
        ("O4", "home", "nan", ""), ("O4", "home", "nan", ""), ("O5", "home", "1", "A"),
        ("O6", "home", "1", "A"), ("O5", "home", "1", "A"), ("O6", "home", "1", "B"),
    ]  # fmt: skip
    text = header + "".join(
        f"{order},2026-03-02T10:00:00Z,web,{delivery},{lat},2.3,S{i},1,{region}\n"
        for i, (order, delivery, lat, region) in enumerate(lines)
    )
    path = tmp_path / "orders.csv"
    path.write_text(text, encoding="utf-8")
    table = compared("load_orders")(path)
    assert table.arrow.column("order_id").to_pylist() == ["O5", "O5"]
