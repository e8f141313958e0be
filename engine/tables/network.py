"""The nodes table: the fulfilment network (DCs, stores, 3PLs...)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dsl.schema import NODE_TYPES
from engine.arrow import EMPTY, from_numpy, row_indices, scalar
from engine.arrow import to_numpy as as_numpy
from engine.columns import NODE_CALENDAR_COLUMNS, NODE_COLUMNS, NODE_RETURN_COLUMNS
from engine.limits import CAPACITY, DAYS, LATITUDE, LONGITUDE, MONEY, PRIORITY
from engine.tables.cells import ColumnReader, floats
from engine.tables.ids import repeated_keys
from engine.tables.promise_columns import node_calendar_columns
from engine.tables.raw import FrameLayout
from engine.tables.reading import Source, read_source
from engine.tables.return_columns import node_return_columns
from engine.tables.table import Table

__all__ = ["MONEY_COLUMNS", "NODE_COLUMNS", "NODE_REQUIRED", "load_nodes"]

NODE_REQUIRED = ("id", "type", "lat", "lon")
MONEY_COLUMNS = ("pick_cost", "ship_cost_base", "ship_cost_per_km")


def load_nodes(source: Source) -> Table:
    """Nodes in file order, normalised, with a reject per bad cell; a later row
    repeating an id is rejected (the first one counts). The calendar columns
    (`cutoff`, `open_days`, `prep_days`) and the returns columns
    (`accepts_returns`, `return_cost`) are read when the source has them."""
    raw = read_source(source, "nodes", NODE_REQUIRED)
    read = ColumnReader(raw, "nodes")
    for broken in raw.broken:
        read.log.add_row(broken.row, "", broken.reason)

    ids = read.identifier("id")
    _reject_repeated_ids(read)
    names = read.text("name")
    names = pc.if_else(pc.equal(names, EMPTY), ids, names)
    kinds = read.choice("type", NODE_TYPES)
    lat = read.number("lat", LATITUDE)
    lon = read.number("lon", LONGITUDE)
    can_ship = read.flag("can_ship", np.ones(raw.size, dtype=bool))
    can_collect = read.flag("can_collect", as_numpy(pc.equal(kinds, scalar("store"))))
    capacity = read.whole("capacity", CAPACITY, nullable=True, note="(empty = unlimited)")
    priority = read.whole(
        "priority", PRIORITY, nullable=True, note="(lower is preferred; empty = ranked last)"
    )
    costs = {column: floats(read.number(column, MONEY, default=0.0)) for column in MONEY_COLUMNS}
    costs["handling_days"] = floats(read.number("handling_days", DAYS, default=0.0))
    columns = {
        "id": ids,
        "name": names,
        "type": kinds,
        "lat": floats(lat),
        "lon": floats(lon),
        "country": read.text("country"),
        "region": read.text("region"),
        "tags": read.tags("tags"),
        "can_ship": from_numpy(can_ship),
        "can_collect": from_numpy(can_collect),
        "capacity": capacity,
        "priority": priority,
        **costs,
        **node_calendar_columns(read),
        **node_return_columns(read, kinds),
    }
    extras, kept = read.extras((*NODE_COLUMNS, *NODE_CALENDAR_COLUMNS, *NODE_RETURN_COLUMNS))
    good = np.flatnonzero(~read.log.bad(raw.size))
    layout = FrameLayout(
        nullable_ints=("capacity", "priority"), tuples=("tags",), kept=kept,
        originals=raw.originals, positions=good,
    )  # fmt: skip
    table = pa.table({**columns, **extras}).take(row_indices(good))
    return Table(table, read.log.rejects(), layout)


def _reject_repeated_ids(read: ColumnReader) -> None:
    """A later row repeating an id: the first row counts."""
    ids = read.distinct("id")
    filled = ids.rows(as_numpy(pc.not_equal(ids.values, EMPTY)))
    repeated, first = repeated_keys(ids.codes, len(ids.values))
    repeated &= filled
    if repeated.any():
        first_row = read.raw.rows[first[repeated]]
        texts = ids.texts(repeated)
        read.log.add(
            repeated,
            "id",
            [
                f"id {i!r} is already used on row {r}; only the first row counts"
                for i, r in zip(texts, first_row.tolist(), strict=True)
            ],
        )
