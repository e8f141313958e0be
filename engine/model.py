"""The engine's domain: nodes and the network, stock positions, orders and lines.

Frames come from `engine.tables` (columns as data.md names them); the classes
here turn them into what the router works on: a network in node-id order with
numpy columns, a stock matrix (SKU × node), and plain `Order` objects.
Decisions live in `engine.decision`.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.errors import DataError
from engine.geo import NodeSphere

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


def dictionary_encoded(column: pa.ChunkedArray[Any]) -> pa.DictionaryArray[Any, Any]:
    """`column` in one dictionary-encoded chunk: its distinct values (`dictionary`)
    and, per row, the index of its value (`indices`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(column).combine_chunks()
    assert isinstance(encoded, pa.DictionaryArray), "dictionary_encode gives a dictionary"
    return encoded


def plain(value: Any) -> Any:
    """A cell as a plain Python value: missing (None/NaN/NA/NaT) becomes None,
    numpy scalars become int/float/bool, timestamps become datetimes, lists tuples.
    (pandas is looked at only when it is loaded: otherwise no cell can be one of its.)"""
    if value is None:
        return None
    if isinstance(value, bool | str):
        return value
    pandas = sys.modules.get("pandas")
    if pandas is not None:
        if value is pandas.NA or value is pandas.NaT:
            return None
        if isinstance(value, pandas.Timestamp):
            return value.to_pydatetime()
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, list | np.ndarray):
        return tuple(plain(item) for item in value)
    return value


def _number(value: Any, default: float = 0.0) -> float:
    value = plain(value)
    return default if value is None else float(value)


# ------------------------------------------------------------------ network


@dataclass(frozen=True, slots=True)
class Node:
    """One fulfilment node (DC, store, 3PL, ...). `fields` holds every column,
    extra ones included, as the language reads them (`node.<column>`)."""

    id: str
    lat: float
    lon: float
    capacity: int | None
    pick_cost: float
    ship_cost_base: float
    ship_cost_per_km: float
    handling_days: float
    fields: dict[str, Any]

    def get(self, name: str) -> Any:
        return self.fields.get(name)


class Network:
    """The nodes in id order (so index order is the final tie-break), with the
    columns the router computes on as numpy arrays."""

    def __init__(self, nodes: list[Node]):
        ordered = sorted(nodes, key=lambda n: n.id)
        ids = [n.id for n in ordered]
        if len(set(ids)) != len(ids):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            raise DataError(f"node ids must be unique; repeated: {', '.join(dupes)}")
        self.nodes: tuple[Node, ...] = tuple(ordered)
        self.ids: tuple[str, ...] = tuple(ids)
        self.index: dict[str, int] = {node_id: i for i, node_id in enumerate(ids)}
        self.sphere = NodeSphere([n.lat for n in ordered], [n.lon for n in ordered])
        self.capacity = np.array(
            [math.inf if n.capacity is None else float(n.capacity) for n in ordered]
        )
        self.pick_cost = np.array([n.pick_cost for n in ordered], dtype=np.float64)
        self.ship_cost_base = np.array([n.ship_cost_base for n in ordered], dtype=np.float64)
        self.ship_cost_per_km = np.array([n.ship_cost_per_km for n in ordered], dtype=np.float64)
        self.handling_days = np.array([n.handling_days for n in ordered], dtype=np.float64)

    def __len__(self) -> int:
        return len(self.nodes)

    def node(self, node_id: str) -> Node:
        return self.nodes[self.index[node_id]]

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Network:
        """Build from a nodes frame (data.md columns; extra columns are kept)."""
        columns = list(frame.columns)
        values = {c: frame[c].tolist() for c in columns}
        return cls.from_records(
            columns, ({c: values[c][i] for c in columns} for i in range(len(frame)))
        )

    @classmethod
    def from_arrow(cls, table: pa.Table) -> Network:
        """Build from the nodes loader's Arrow table (`engine.tables.load_nodes(...).arrow`)."""
        return cls.from_records(table.column_names, table.to_pylist())

    @classmethod
    def from_records(cls, columns: list[str], records: Iterable[dict[str, Any]]) -> Network:
        """Build from node rows (dicts of data.md columns; extra columns are kept)."""
        missing = [c for c in ("id", "lat", "lon") if c not in columns]
        if missing:
            raise DataError(f"the nodes table lacks column(s): {', '.join(missing)}")
        nodes = []
        for record in records:
            fields = {c: plain(record[c]) for c in columns}
            fields["id"] = str(fields["id"])
            fields["tags"] = _tags(fields.get("tags"))
            capacity = fields.get("capacity")
            fields["capacity"] = None if capacity is None else int(capacity)
            nodes.append(
                Node(
                    id=fields["id"],
                    lat=float(fields["lat"]),
                    lon=float(fields["lon"]),
                    capacity=fields["capacity"],
                    pick_cost=_number(fields.get("pick_cost")),
                    ship_cost_base=_number(fields.get("ship_cost_base")),
                    ship_cost_per_km=_number(fields.get("ship_cost_per_km")),
                    handling_days=_number(fields.get("handling_days")),
                    fields=fields,
                )
            )
        return cls(nodes)


def _tags(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(tag.strip() for tag in value.split(";") if tag.strip())
    return tuple(str(tag) for tag in value)


# ---------------------------------------------------------------- inventory


class Inventory:
    """Stock positions: `on_hand` and what is still free (`on_hand − allocated`)
    per SKU and node, as dense int matrices (one row per SKU, one column per
    node in network order). The last row is an all-zero row that stands for
    SKUs nobody stocks."""

    def __init__(self, network: Network, skus: list[str], on_hand: np.ndarray):
        matrix = np.zeros((len(skus) + 1, len(network)), dtype=np.int64)
        matrix[: len(skus)] = on_hand
        self._made(network, list(skus), matrix)

    def _made(self, network: Network, skus: list[str], matrix: np.ndarray) -> None:
        """`matrix`: on hand per SKU row and node, its last row the all-zero one."""
        self.network = network
        self.sku_index: dict[str, int] = {sku: i for i, sku in enumerate(skus)}
        self.skus: list[str] = skus
        self.on_hand = matrix
        self.free = matrix.copy()

    def copy(self) -> Inventory:
        """Another inventory with the same positions (on hand and allocated)."""
        twin = Inventory(self.network, self.skus, self.on_hand[: len(self.skus)])
        twin.free[:] = self.free
        return twin

    def row(self, sku: str) -> int:
        return self.sku_index.get(sku, len(self.skus))

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, network: Network) -> Inventory:
        """Build from `node_id, sku, on_hand` rows; repeated (node, sku) rows add up."""
        import pyarrow as pa

        columns: dict[str, pa.Array[Any]] = {
            "node_id": pa.array(frame["node_id"].astype(str), pa.string()),
            "sku": pa.array(frame["sku"].astype(str), pa.string()),
            "on_hand": pa.array(np.asarray(frame["on_hand"], dtype=np.int64)),
        }
        return cls.from_arrow(pa.table(columns), network)

    @classmethod
    def from_arrow(cls, table: pa.Table, network: Network) -> Inventory:
        """Build from the inventory loader's Arrow table (`node_id, sku, on_hand`);
        repeated (node, sku) rows add up. SKUs get rows in sorted order."""
        import pyarrow.compute as pc

        from engine.arrow import row_indices, to_numpy

        nodes = dictionary_encoded(table["node_id"])
        node_names = [str(name) for name in nodes.dictionary.to_pylist()]
        known = [network.index.get(name, -1) for name in node_names]
        if -1 in known:
            unknown = sorted(n for n, k in zip(node_names, known, strict=True) if k < 0)
            raise DataError(f"inventory names node(s) not in the network: {', '.join(unknown)}")
        cols = np.array(known, dtype=np.int64)[to_numpy(nodes.indices)]
        skus = dictionary_encoded(table["sku"])
        names = skus.dictionary
        order = to_numpy(pc.sort_indices(names))
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        rows = rank[to_numpy(skus.indices)]
        quantities = to_numpy(table["on_hand"]).astype(np.int64)
        if (quantities < 0).any():
            raise DataError("on_hand must be ≥ 0")
        width = len(network)
        matrix = np.zeros((len(order) + 1, width), dtype=np.int64)
        flat = rows * width + cols
        seen = np.zeros(matrix.size, dtype=bool)
        seen[flat] = True
        if np.count_nonzero(seen) < len(flat):  # a (node, sku) pair given twice
            np.add.at(matrix.reshape(-1), flat, quantities)
        else:
            matrix.reshape(-1)[flat] = quantities
        inventory = cls.__new__(cls)
        sku_names = [str(name) for name in names.take(row_indices(order)).to_pylist()]
        inventory._made(network, sku_names, matrix)
        return inventory

    def _ensure(self, sku: str) -> int:
        if sku not in self.sku_index:
            self.ensure([sku])
        return self.sku_index[sku]

    def ensure(self, skus: Iterable[str]) -> None:
        """Give every SKU not stocked yet its (empty) row, in one go; the all-zero row
        for SKUs nobody stocks stays last."""
        new = [sku for sku in dict.fromkeys(skus) if sku not in self.sku_index]
        if not new:
            return
        for sku in new:
            self.sku_index[sku] = len(self.skus)
            self.skus.append(sku)
        zero = np.zeros((len(new), len(self.network)), dtype=np.int64)
        self.on_hand = np.vstack([self.on_hand, zero])
        self.free = np.vstack([self.free, zero])

    def on_hand_of(self, node_id: str, sku: str) -> int:
        return int(self.on_hand[self.row(sku), self.network.index[node_id]])

    def free_of(self, node_id: str, sku: str) -> int:
        """Units neither allocated nor missing: `on_hand − allocated`."""
        return int(self.free[self.row(sku), self.network.index[node_id]])

    def allocated_of(self, node_id: str, sku: str) -> int:
        return self.on_hand_of(node_id, sku) - self.free_of(node_id, sku)

    def receive(self, node_id: str, sku: str, qty: int) -> None:
        """A replenishment: `qty` more units on hand (and free) at a node."""
        row, col = self._ensure(sku), self.network.index[node_id]
        self.on_hand[row, col] += qty
        self.free[row, col] += qty

    def release(self, node_id: str, sku: str, qty: int) -> None:
        """Give back units of an allocation that will not ship (a re-route)."""
        row, col = self._ensure(sku), self.network.index[node_id]
        self.free[row, col] += qty

    def positions(self) -> pd.DataFrame:
        """Every non-zero position: node_id, sku, on_hand, allocated."""
        import pandas as pd

        rows, cols = np.nonzero(self.on_hand[: len(self.skus)] | self.free[: len(self.skus)])
        return pd.DataFrame(
            {
                "node_id": [self.network.ids[c] for c in cols],
                "sku": [self.skus[r] for r in rows],
                "on_hand": self.on_hand[rows, cols],
                "allocated": self.on_hand[rows, cols] - self.free[rows, cols],
            }
        )


# ------------------------------------------------------------------- orders


@dataclass(frozen=True, slots=True)
class Line:
    """One order line; `fields` holds sku, qty, unit_price and product attributes."""

    sku: str
    qty: int
    fields: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        return self.fields.get(name)


@dataclass(frozen=True, slots=True)
class Order:
    """An order: its header fields (`order.<field>`) and its lines.

    `created_at` is an aware instant, or naive when it carries no offset: the
    router then reads it in the ruleset's time zone.
    """

    id: str
    created_at: dt.datetime
    lines: tuple[Line, ...]
    fields: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def get_each(orders: Iterable[Order], name: str) -> list[Any]:
        """`get(name)` of every order; a header field is read from the fields directly
        (a batch reads a few fields of each of its orders)."""
        if name in ("id", "created_at"):
            return [order.get(name) for order in orders]
        return [
            fields[name] if name in (fields := order.fields) else order.get(name)
            for order in orders
        ]

    def get(self, name: str) -> Any:
        if name == "id":
            return self.id
        if name == "created_at":
            return self.created_at
        if name in self.fields:
            return self.fields[name]
        if name == "value":
            return sum(line.qty * (line.get("unit_price") or 0.0) for line in self.lines)
        if name == "lines":
            return len(self.lines)
        if name == "units":
            return sum(line.qty for line in self.lines)
        # Extra line columns read from the order take the first line's value.
        return self.lines[0].get(name) if self.lines else None

    @property
    def destination(self) -> tuple[float, float] | None:
        lat, lon = self.fields.get("dest_lat"), self.fields.get("dest_lon")
        if lat is None or lon is None:
            return None
        return float(lat), float(lon)
