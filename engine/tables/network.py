"""The nodes table: the fulfilment network (DCs, stores, 3PLs...)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dsl.schema import NODE_TYPES
from engine.columns import NODE_COLUMNS
from engine.tables.cells import ColumnReader, whole_numbers
from engine.tables.reading import Source, read_source
from engine.tables.table import Table

NODE_REQUIRED = ("id", "type", "lat", "lon")
COST_COLUMNS = ("pick_cost", "ship_cost_base", "ship_cost_per_km", "handling_days")


def load_nodes(source: Source) -> Table:
    """Nodes in file order, normalised, with a reject per bad cell; a later row
    repeating an id is rejected (the first one counts)."""
    raw = read_source(source, "nodes", NODE_REQUIRED)
    read = ColumnReader(raw, "nodes")
    for broken in raw.broken:
        read.log.add_row(broken.row, "", broken.reason)

    ids = read.required_text("id")
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
    lat = read.number("lat", "a latitude between -90 and 90", lambda v: np.abs(v) <= 90)
    lon = read.number("lon", "a longitude between -180 and 180", lambda v: np.abs(v) <= 180)
    can_ship = read.flag("can_ship", np.ones(len(ids), dtype=bool))
    can_collect = read.flag("can_collect", (kinds == "store").to_numpy())
    capacity = read.number(
        "capacity",
        "a whole number of orders per day >= 0 (empty = unlimited)",
        lambda v: v >= 0,
        default=np.nan,
        whole=True,
    )
    priority = read.number(
        "priority", "a whole number (lower is preferred)", lambda v: v == v, default=0, whole=True
    )
    costs = {
        column: read.number(column, "a number >= 0", lambda v: v >= 0, default=0.0)
        for column in COST_COLUMNS
    }
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
            "priority": whole_numbers(priority),
            **costs,
        }
    )
    for column, values in read.extras(NODE_COLUMNS).items():
        frame[column] = values
    good = ~read.log.bad(len(frame))
    return Table(frame[good].reset_index(drop=True), read.log.frame())
