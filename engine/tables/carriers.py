"""The carriers table: one row per carrier service (promise.md), with where it
goes, what it takes, when it collects and delivers, and what it costs.

`load_carriers` returns a `Carriers`: a `Table` (good rows in `arrow`, rejects
in `reject_rows`) that also holds every column as a typed array, row for row,
for the engine's promise computation: day sets as 7-bit masks, limits as
floats (`inf` = no limit), `daily_parcels` as int64 (`UNLIMITED` = no cap)."""

from __future__ import annotations

from typing import Any

import iso3166
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from dsl.schema import NODE_TYPES
from engine.arrow import Floats, Ints, row_indices, str_list
from engine.arrow import to_numpy as as_numpy
from engine.columns import CARRIER_COLUMNS, DEFAULT_CO2_KG_PER_KM
from engine.limits import CO2_PER_KM, DISTANCE, MONEY, PARCELS, WEIGHT, WHOLE_DAYS, shown
from engine.tables.calendar_cells import code_lists, day_lists, parsed_texts
from engine.tables.calendar_text import MON_FRI, MON_SAT, CalendarTextError, parse_days
from engine.tables.cells import ColumnReader, floats, whole_numbers
from engine.tables.ids import repeated_keys
from engine.tables.raw import FrameLayout
from engine.tables.reading import Source, read_source
from engine.tables.rejects import RejectRow
from engine.tables.table import Table

__all__ = ["CARRIER_COLUMNS", "CARRIER_REQUIRED", "UNLIMITED", "Carriers", "load_carriers"]

CARRIER_REQUIRED = ("carrier", "service", "transit_days")
UNLIMITED = np.iinfo(np.int64).max
"""`Carriers.daily_parcels` of a service with no cap."""
COUNTRIES_RULE = (
    "ISO 3166-1 alpha-2 country codes separated by ';' such as FR;BE (empty = every country)"
)
NODE_TYPES_RULE = f"node types separated by ';' ({', '.join(NODE_TYPES)}; empty = every type)"
NO_LIMIT = "(empty = no limit)"
ALL_NODE_TYPES = (1 << len(NODE_TYPES)) - 1
"""`Carriers.node_types` of a service that collects from every type of node."""


class Carriers(Table):
    """The carriers table: `Table.arrow` and the rejects, and each column as a
    typed array aligned with the rows of `arrow`."""

    def __init__(
        self, arrow: pa.Table, reject_rows: list[RejectRow], layout: FrameLayout | None = None
    ) -> None:
        super().__init__(arrow, reject_rows, layout)
        self.carrier: tuple[str, ...] = tuple(str_list(arrow["carrier"].combine_chunks()))
        self.service: tuple[str, ...] = tuple(str_list(arrow["service"].combine_chunks()))
        self.countries: tuple[frozenset[str], ...] = tuple(
            frozenset(codes or ()) for codes in arrow["countries"].to_pylist()
        )
        """Destination countries served; an empty set: every country."""
        self.node_types: npt.NDArray[np.uint8] = np.array(
            [_type_mask(types) for types in arrow["node_types"].to_pylist()], dtype=np.uint8
        )
        """Bit i set: collects from nodes of type NODE_TYPES[i] (ALL_NODE_TYPES when
        the cell was empty)."""
        self.max_weight_kg: Floats = _limits(arrow["max_weight_kg"])
        self.max_km: Floats = _limits(arrow["max_km"])
        self.transit_days: Ints = _numbers(arrow["transit_days"]).astype(np.int64)
        self.pickup_days = parsed_texts(arrow["pickup_days"], parse_days).astype(np.uint8)
        self.delivery_days = parsed_texts(arrow["delivery_days"], parse_days).astype(np.uint8)
        """Day sets: bit 0 is Monday … bit 6 Sunday (engine.tables.calendar_text)."""
        self.cost_base: Floats = _numbers(arrow["cost_base"])
        self.cost_per_kg: Floats = _numbers(arrow["cost_per_kg"])
        self.cost_per_km: Floats = _numbers(arrow["cost_per_km"])
        self.co2_per_km: Floats = _numbers(arrow["co2_per_km"])
        parcels = arrow["daily_parcels"].combine_chunks()
        self.daily_parcels: Ints = np.where(
            as_numpy(parcels.is_null()), UNLIMITED, as_numpy(parcels.fill_null(0))
        ).astype(np.int64)
        self._index = {key: i for i, key in enumerate(zip(self.carrier, self.service, strict=True))}

    def __len__(self) -> int:
        return len(self.carrier)

    def index(self, carrier: str, service: str) -> int:
        """The row of a carrier service; KeyError when the table has none."""
        return self._index[(carrier, service)]

    def serves(self, row: int, country: str) -> bool:
        """Whether the service at `row` delivers to `country` (an ISO code, any case)."""
        served = self.countries[row]
        return not served or country.upper() in served

    def collects_from(self, row: int, node_type: str) -> bool:
        """Whether the service at `row` collects from a node of `node_type`."""
        if node_type not in NODE_TYPES:
            return False
        return bool(self.node_types[row] >> NODE_TYPES.index(node_type) & 1)


def load_carriers(source: Source) -> Carriers:
    """Carrier services in file order, normalised, with a reject per bad cell;
    a later row repeating a (carrier, service) pair is rejected (the first one
    counts). See docs/data.md, "carriers"."""
    raw = read_source(source, "carriers", CARRIER_REQUIRED)
    read = ColumnReader(raw, "carriers")
    for broken in raw.broken:
        read.log.add_row(broken.row, "", broken.reason)
    carrier = read.identifier("carrier")
    service = read.identifier("service")
    _, pickup = day_lists(read, "pickup_days", MON_FRI)
    _, delivery = day_lists(read, "delivery_days", MON_SAT)
    columns = {
        "carrier": carrier,
        "service": service,
        "countries": code_lists(read, "countries", _country, COUNTRIES_RULE),
        "node_types": code_lists(read, "node_types", _node_type, NODE_TYPES_RULE),
        "max_weight_kg": floats(
            read.number("max_weight_kg", WEIGHT, default=np.nan, note="(empty = no limit)")
        ),
        "max_km": floats(
            read.number("max_km", DISTANCE, default=np.nan, note="(empty = no limit)")
        ),
        "transit_days": read.whole("transit_days", WHOLE_DAYS),
        "pickup_days": pickup,
        "delivery_days": delivery,
        **{
            column: floats(read.number(column, MONEY, default=0.0))
            for column in ("cost_base", "cost_per_kg", "cost_per_km")
        },
        "co2_per_km": floats(read.number("co2_per_km", CO2_PER_KM, default=DEFAULT_CO2_KG_PER_KM)),
        "daily_parcels": whole_numbers(
            read.number("daily_parcels", PARCELS, default=np.nan, note="(empty = unlimited)"),
            nullable=True,
        ),
    }
    _reject_repeated_services(read)
    extras, kept = read.extras(CARRIER_COLUMNS)
    good = np.flatnonzero(~read.log.bad(raw.size))
    layout = FrameLayout(
        nullable_ints=("daily_parcels",), tuples=("countries", "node_types"), kept=kept,
        originals=raw.originals, positions=good,
    )  # fmt: skip
    table = pa.table({**columns, **extras}).take(row_indices(good))
    return Carriers(table, read.log.rejects(), layout)


def _country(entry: str) -> str:
    code = entry.upper()
    if code not in iso3166.countries_by_alpha2:
        raise CalendarTextError(f"{shown(entry)} is not an ISO 3166-1 alpha-2 code")
    return code


def _node_type(entry: str) -> str:
    kind = entry.lower()
    if kind not in NODE_TYPES:
        raise CalendarTextError(f"{shown(entry)} is not a node type")
    return kind


def _type_mask(types: list[str] | None) -> int:
    if not types:
        return ALL_NODE_TYPES
    return sum(1 << NODE_TYPES.index(kind) for kind in set(types))


def _limits(values: pa.ChunkedArray[Any]) -> Floats:
    """A nullable float column as floats, `inf` where empty (no limit)."""
    return np.where(np.isnan(numbers := _numbers(values)), np.inf, numbers)


def _numbers(values: pa.ChunkedArray[Any]) -> npt.NDArray[Any]:
    return as_numpy(values.combine_chunks())


def _reject_repeated_services(read: ColumnReader) -> None:
    """A later row repeating the (carrier, service) of an earlier good row: the
    first counts. Run after every other check."""
    good = np.flatnonzero(~read.log.bad(read.size))
    if len(good) < 2:
        return
    carriers, services = read.distinct("carrier"), read.distinct("service")
    width = max(len(services.values), 1)
    keys = carriers.codes[good] * width + services.codes[good]
    repeated, first = repeated_keys(keys, max(len(carriers.values), 1) * width)
    if not repeated.any():
        return
    mask = np.zeros(read.size, dtype=bool)
    mask[good[repeated]] = True
    rows = read.raw.rows[good[first[repeated]]].tolist()
    pairs = zip(carriers.texts(mask), services.texts(mask), rows, strict=True)
    read.log.add(
        mask,
        "service",
        [
            f"carrier {c!r} service {s!r} already appears on row {r}; only the first row counts"
            for c, s, r in pairs
        ],
    )
