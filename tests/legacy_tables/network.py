"""The nodes table: the fulfilment network (DCs, stores, 3PLs...)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dsl.schema import NODE_TYPES
from engine.columns import NODE_COLUMNS
from engine.limits import CAPACITY, DAYS, LATITUDE, LONGITUDE, MONEY, PRIORITY
from legacy_tables.cells import ColumnReader, whole_numbers
from legacy_tables.reading import Source, read_source
from legacy_tables.table import Table

NODE_REQUIRED = ("id", "type", "lat", "lon")
MONEY_COLUMNS = ("pick_cost", "ship_cost_base", "ship_cost_per_km")


def load_nodes(source: Source) -> Table:
    """Nodes in file order, normalised, with a reject per bad cell; a later row
    repeating an id is rejected (the first one counts)."""
    raw = read_source(source, "nodes", NODE_REQUIRED)
    read = ColumnReader(raw, "nodes")
    for broken in raw.broken:
        read.log.add_row(broken.row, "", broken.reason)

    ids = read.identifier("id")
    filled = (ids != "").to_numpy()
    repeated = ids.duplicated(keep="first").to_numpy() & filled
    if repeated.any():
        first_row = pd.Series(raw.rows, index=ids.index).groupby(ids).transform("first")
        read.log.add(
            repeated,
            "id",
            [
                f"id {i!r} is already used on row {r}; only the first row counts"
                for i, r in zip(ids[repeated], first_row[repeated], strict=True)
            ],
        )
    names = read.text("name")
    names = names.where(names != "", ids)
    kinds = read.choice("type", NODE_TYPES)
    lat = read.number("lat", LATITUDE)
    lon = read.number("lon", LONGITUDE)
    can_ship = read.flag("can_ship", np.ones(len(ids), dtype=bool))
    can_collect = read.flag("can_collect", (kinds == "store").to_numpy())
    capacity = read.number("capacity", CAPACITY, default=np.nan, note="(empty = unlimited)")
    priority = read.number(
        "priority", PRIORITY, default=np.nan, note="(lower is preferred; empty = ranked last)"
    )
    costs = {column: read.number(column, MONEY, default=0.0) for column in MONEY_COLUMNS}
    costs["handling_days"] = read.number("handling_days", DAYS, default=0.0)
    frame = pd.DataFrame(
        {
            "id": ids,
            "name": names,
            "type": kinds,
            "lat": lat,
            "lon": lon,
            "country": read.text("country"),
            "region": read.text("region"),
            "tags": read.tags("tags"),
            "can_ship": can_ship,
            "can_collect": can_collect,
            "capacity": whole_numbers(capacity, nullable=True),
            "priority": whole_numbers(priority, nullable=True),
            **costs,
        }
    )
    for column, values in read.extras(NODE_COLUMNS).items():
        frame[column] = values
    good = ~read.log.bad(len(frame))
    return Table(frame[good].reset_index(drop=True), read.log.frame())
