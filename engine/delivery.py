"""Carriers while routing (docs/routing.md, "Carriers while routing"): the carriers
table, the closures and the nodes' calendars as the kernel's arrays.

`Delivery` holds the tables (made once per data set); `BoundDelivery` binds them to a
network and a policy (made once per router): which node types each service collects
from, each strategy's `ship with`, `deliver` and `carrier by`, and the parcels counted
per node, service and ship day (`daily_parcels`). Per block of orders of one local day
it packs the day's calendar (every node's pick, ship and delivery day per service,
before and from its cut-off, from `engine.promise_days`) and what each order reads:
its local time, its country, its `deliver` deadline, the weight of its lines.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa

from dsl import syntax as s
from dsl.schema import NODE_TYPES, WEEKDAYS
from engine.expressions import plain_order_fields, predicate_getter, roots
from engine.promise import (
    LocalMoment,
    NoPromise,
    Parcel,
    PromiseCalendars,
    Refusal,
    offer,
)
from engine.promise_days import DayTables
from engine.tables.calendar_text import date_of, day_number
from engine.tables.carriers import CARRIER_REQUIRED, UNLIMITED, Carriers, load_carriers
from engine.tables.closures import Closures
from engine.tables.promise_columns import DEFAULT_CUTOFF, DEFAULT_OPEN_DAYS, NodeCalendar
from engine.tables.table import Table

if TYPE_CHECKING:
    from engine.compiler import Policy
    from engine.model import Network
    from engine.order_batch import OrderBatch

NO_DEADLINE = 1 << 40
"""A `deliver` deadline that never binds (days after the order's local date)."""
RING_DAYS = 512
"""Ship days whose parcels are counted at once: a day's count is kept until a day
RING_DAYS later is counted (orders are routed in time order, within a year or two)."""
CARRIER_KEYS = {"cost": 0, "eta": 1, "co2": 2}
"""`carrier by` keys as the kernel's codes (engine.kernel.CARRIER_*)."""
DEFAULT_CARRIER_BY = ("cost",)
_MEMO_LIMIT = 4096
"""`ship with` rows remembered per values of the order fields it reads, at most."""


@dataclass(frozen=True)
class Delivery:
    """What the delivery promise reads: the nodes' calendars (cut-off, open days, prep
    days), the carrier services and the closures (promise.md)."""

    calendars: PromiseCalendars
    carried: bool = True
    """A carriers table was given (it may have no row: then nothing can be carried);
    False: `deliver` and `eta` read the distance eta (`without_carriers`)."""

    @classmethod
    def of(
        cls, nodes: Table | pa.Table, carriers: Carriers, closures: Closures | None = None
    ) -> Delivery:
        """The delivery of a nodes table (its calendar columns, defaults where it has
        none), a loaded carriers table and, optionally, the closures."""
        return cls(PromiseCalendars(NodeCalendar.of(nodes), carriers, closures))

    @classmethod
    def without_carriers(cls, node_ids: Sequence[str]) -> Delivery:
        """No carriers table: `deliver` and the rank key `eta` read the distance eta of
        kpis.md (docs/language.md, "Without a carriers table")."""
        import pandas as pd

        calendar = NodeCalendar(
            tuple(node_ids),
            np.full(len(node_ids), DEFAULT_CUTOFF, dtype=np.int16),
            np.full(len(node_ids), DEFAULT_OPEN_DAYS, dtype=np.uint8),
            np.zeros(len(node_ids), dtype=np.int64),
        )
        empty = pd.DataFrame({name: [] for name in CARRIER_REQUIRED}, dtype=object)
        return cls(PromiseCalendars(calendar, load_carriers(empty)), carried=False)

    @property
    def carriers(self) -> Carriers:
        return self.calendars.carriers

    @property
    def service_names(self) -> list[tuple[str, str]]:
        """(carrier, service) per row of the carriers table (none without carriers)."""
        carriers = self.carriers
        return list(zip(carriers.carrier, carriers.service, strict=True))


class _ShipWith:
    """One strategy's `ship with` as rows of (node × service) flags: one row when it
    reads only carrier and node fields, else one per order (remembered per values of
    the plain order fields it reads)."""

    def __init__(self, expr: s.Expr | None, bound: BoundDelivery, tz: ZoneInfo):
        self.bound = bound
        self.fields: tuple[str, ...] | None = ()
        self.static: np.ndarray | None = None
        self.index = 0
        """Its row of `BoundDelivery.ship_table` when static."""
        self._memo: dict[tuple[object, ...], np.ndarray] = {}
        if expr is None:
            self.static = np.ones(bound.cells, dtype=np.uint8)
            return
        self.holds = predicate_getter(expr, tz)
        self.reads_nodes = "node" in roots(expr)
        if "order" in roots(expr) or "line" in roots(expr):
            self.fields = plain_order_fields(expr)
        else:
            self.static = self._row(None)

    def row(self, batch: OrderBatch, i: int) -> np.ndarray:
        if self.static is not None:
            return self.static
        if self.fields is None:
            return self._row(batch.order(i))
        key = tuple(batch.value(name)[i] for name in self.fields)
        try:
            return self._memo[key]
        except KeyError:
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            row = self._memo[key] = self._row(batch.row(i))
            return row
        except TypeError:  # a list value cannot be a key
            return self._row(batch.order(i))

    def _row(self, order: Any) -> np.ndarray:
        bound = self.bound
        services = bound.service_rows
        if not services:
            return np.zeros(bound.cells, dtype=np.uint8)
        if not self.reads_nodes:
            per_service = [self.holds(order, None, _Carried(None, row)) for row in services]
            return np.tile(np.array(per_service, dtype=np.uint8), bound.nodes)
        flags = [
            self.holds(order, None, _Carried(node, row))
            for node in bound.network.nodes
            for row in services
        ]
        return np.array(flags, dtype=np.uint8)


class _Carried:
    """A node with one carrier service, as `ship with` reads them (`node.*`,
    `carrier.*`)."""

    __slots__ = ("_node", "carrier")

    def __init__(self, node: Any, carrier: dict[str, Any]):
        self._node = node
        self.carrier = carrier

    @property
    def id(self) -> str | None:
        return None if self._node is None else self._node.id

    @property
    def fields(self) -> dict[str, Any]:
        return {} if self._node is None else self._node.fields


class BoundDelivery:
    """A `Delivery` bound to a network and a policy: the kernel's promise arrays."""

    def __init__(self, delivery: Delivery, network: Network, policy: Policy):
        self.delivery = delivery
        self.network = network
        calendars = delivery.calendars
        carriers = calendars.carriers
        self.nodes, self.services = len(network), len(carriers)
        self.cells = max(self.nodes * self.services, 1)
        rows = [calendars.node_row(node_id) for node_id in network.ids]
        self.node_rows = np.array(rows, dtype=np.int64)
        """The calendar row of each network node."""
        self.days = DayTables(calendars, self.node_rows)
        self.cutoff = calendars.nodes.cutoff[self.node_rows].astype(np.int64)
        types = [network.node(node_id).fields.get("type") for node_id in network.ids]
        type_bits = np.array(
            [1 << NODE_TYPES.index(t) if t in NODE_TYPES else 0 for t in types], dtype=np.int64
        )
        self.type_ok = (type_bits[:, None] & carriers.node_types[None, :].astype(np.int64)) > 0
        if not self.services:
            self.type_ok = np.zeros((self.nodes, 1), dtype=bool)
        self.type_ok = np.ascontiguousarray(self.type_ok.astype(np.uint8))
        cap = np.where(carriers.daily_parcels == UNLIMITED, -1, carriers.daily_parcels)
        names = sorted(
            range(self.services), key=lambda r: (carriers.carrier[r], carriers.service[r])
        )
        name_rank = np.zeros(max(self.services, 1), dtype=np.int64)
        name_rank[names] = np.arange(self.services)

        def column(values: np.ndarray, dtype: type) -> np.ndarray:
            """A service column, never empty (the kernel takes its first address)."""
            return np.ascontiguousarray(values if len(values) else np.zeros(1), dtype=dtype)

        self.service_columns = (
            column(carriers.max_weight_kg, np.float64),
            column(carriers.max_km, np.float64),
            column(carriers.cost_base, np.float64),
            column(carriers.cost_per_kg, np.float64),
            column(carriers.cost_per_km, np.float64),
            column(carriers.co2_per_km, np.float64),
            column(cap, np.int64),
            name_rank,
        )
        capped = np.flatnonzero(cap >= 0)
        self.counted = np.full(max(self.services, 1), -1, dtype=np.int64)
        self.counted[capped] = np.arange(len(capped))
        """Per service, its row of `counts` (-1: it has no `daily_parcels`)."""
        self.counts = np.zeros((max(self.nodes, 1), max(len(capped), 1), RING_DAYS), np.int32)
        self.slot_day = np.full(RING_DAYS, -1, dtype=np.int64)
        """Parcels collected per node, capped service and ship day (a ring of days): 500
        nodes and 2 capped services take 4 MB."""
        self.service_rows = [_carrier_row(carriers, r) for r in range(self.services)]
        strategies = policy.strategies
        self.by = np.full((max(len(strategies), 1), 3), -1, dtype=np.int64)
        for k, st in enumerate(strategies):
            keys = st.carrier_by or DEFAULT_CARRIER_BY
            self.by[k, : len(keys)] = [CARRIER_KEYS[key] for key in keys]
        self.ship_with = [_ShipWith(st.ship_with, self, policy.tz) for st in strategies]
        self.deliver = [st.deliver for st in strategies]
        self.tz = policy.tz
        self._served: dict[Any, int] = {}
        self._served_table = np.zeros((1, max(self.services, 1)), dtype=np.uint8)
        """Per destination country met so far, a row of flags: the service serves it."""
        statics = [sw for sw in self.ship_with if sw.static is not None]
        for index, ship_with in enumerate(statics):
            ship_with.index = index
        self.ship_table = (
            np.vstack([sw.static for sw in statics if sw.static is not None])
            if statics
            else np.ones((1, self.cells), dtype=np.uint8)
        )
        """The `ship with` rows of the strategies whose clause reads no order field."""

    def count_as(self, before: BoundDelivery) -> None:
        """Take over the parcels `before` counted, for capped services of the same name
        (a service capped only from now on starts its count now)."""
        rows = {name: k for k, name in enumerate(before.delivery.service_names)}
        self.slot_day[:] = before.slot_day
        for k, name in enumerate(self.delivery.service_names):
            j = rows.get(name)
            mine, theirs = self.counted[k], before.counted[j] if j is not None else -1
            if mine >= 0 and theirs >= 0:
                self.counts[:, mine, :] = before.counts[:, theirs, :]

    def parcels(self, node: int, service: int, day: int) -> int:
        """Parcels a capped service collects from the node (network index) on `day`
        (0 for a service without `daily_parcels`: they are not counted)."""
        slot, row = day % RING_DAYS, int(self.counted[service])
        return int(self.counts[node, row, slot]) if row >= 0 and self.slot_day[slot] == day else 0

    # ------------------------------------------------------------ per block
    def arrays(
        self,
        batch: OrderBatch,
        positions: np.ndarray,
        first: np.ndarray,
        chains: Sequence[Sequence[int]],
        day: dt.date,
        line_weight: np.ndarray,
        most: int,
        depth: int,
    ) -> tuple[Any, ...]:
        """The kernel's `promise` argument for the orders at `positions` (one local
        `day`), whose chains start at strategy `first` (`chains[s]`: the strategy
        indices of the chain that starts at `s`, at most `depth`) and whose merged
        lines weigh `line_weight` kg per unit, with room for `most` shipments. Orders
        with the same first strategy are packed together, column by column."""
        count = len(positions)
        day0 = day_number(day)
        pick, ship, deliver = self.days.for_day(day0)
        distance = not self.delivery.carried
        calendar = (day0, self.services, distance, pick, ship, deliver, self.cutoff, self.type_ok)
        minute = local_minutes(batch.instants[positions], self.tz)
        countries = batch.value("country")
        served, row_of = self._served, self._served_row
        served_of = np.array(
            [served.get(country) if country in served else row_of(country)
             for country in (countries[p] for p in positions.tolist())],
            dtype=np.int64,
        )  # fmt: skip
        ship_ok_of = np.zeros((count, depth), dtype=np.int64)
        deadline = np.full((count, depth), NO_DEADLINE, dtype=np.int64)
        ship_table = self.ship_table
        extra: list[np.ndarray] = []
        for primary in np.unique(first).tolist():
            where = np.flatnonzero(first == primary)
            for j, strategy in enumerate(chains[primary]):
                ship_with = self.ship_with[strategy]
                if ship_with.static is not None:
                    ship_ok_of[where, j] = ship_with.index
                else:
                    for i in where.tolist():
                        ship_ok_of[i, j] = len(ship_table) + len(extra)
                        extra.append(ship_with.row(batch, int(positions[i])))
                deliver = self.deliver[strategy]
                if deliver is not None:
                    deadline[where, j] = [
                        _deadline(deliver, batch, int(positions[i]), day0) for i in where.tolist()
                    ]
        per_order = (
            minute,
            served_of,
            self._served_table,
            ship_ok_of,
            np.vstack([ship_table, *extra]) if extra else ship_table,
            deadline,
            self.by,
            np.ascontiguousarray(line_weight, dtype=np.float64),
        )
        out = (
            np.full((count, most), -1, dtype=np.int64),
            np.full((count, most, 3), -1, dtype=np.int64),
            np.zeros((count, most), dtype=np.float64),
            np.zeros((count, most), dtype=np.uint8),
        )
        counting = (self.counts, self.counted, self.slot_day)
        return (calendar, self.service_columns, counting, per_order, out)

    def refusals(self, promise: Any, j: int, node: int, country: Any, km: float,
                 need: np.ndarray) -> list[str]:  # fmt: skip
        """Why no carrier service may carry what chain position `j` of a one-order block
        (its `promise` arrays, from `arrays`) still had to place (`need`, units per
        line) from `node` (network index): one reason per service, in table order
        (docs/routing.md, "Carriers while routing")."""
        calendar, _, _, per_order, _ = promise
        day0, minute = int(calendar[0]), int(per_order[0][0])
        deadline = int(per_order[5][0, j])
        flags = per_order[4][per_order[3][0, j]]
        weight = sum((float(n) * float(w) for n, w in zip(need, per_order[7], strict=False)), 0.0)
        calendars = self.delivery.calendars
        row = int(self.node_rows[node])
        node_type = str(self.network.nodes[node].fields.get("type") or "")
        code = "" if country is None else str(country)
        parcel = Parcel(row, node_type, code, km, weight, 0, 0.0)
        moment = LocalMoment(day0, minute)
        reasons = []
        for service, (carrier, name) in enumerate(self.delivery.service_names):
            dates = calendars.dates(row, service, moment)
            taken = (
                0 if isinstance(dates, NoPromise) else self.parcels(node, service, dates.ship_day)
            )
            offered = offer(calendars, service, parcel, moment, parcels_taken=taken)
            if isinstance(offered, Refusal):
                reasons.append(offered.reason)
            elif not flags[node * self.services + service]:
                reasons.append(f"{carrier} {name}: `ship with` does not hold")
            elif offered.dates.delivery_day - day0 > deadline:
                latest = date_of(day0 + deadline)
                reasons.append(
                    f"{carrier} {name}: delivers on {offered.dates.promised_date.isoformat()}, "
                    f"after {latest.isoformat()}"
                )
        return reasons or ["the carriers table has no service"]

    def _served_row(self, country: Any) -> int:
        """The row of the served table for a destination country (every service that
        lists no country serves it; a missing country only those)."""
        code = "" if country is None else str(country)
        row = self._served.get(code)
        if row is None:
            carriers = self.delivery.carriers
            flags = [int(carriers.serves(r, code)) for r in range(self.services)]
            row = len(self._served_table) if self._served else 0
            table = np.array([flags or [0]], dtype=np.uint8)
            self._served_table = np.vstack([self._served_table, table]) if self._served else table
            self._served[country] = self._served[code] = row
        return row


def _deadline(deliver: s.Deliver, batch: OrderBatch, position: int, day0: int) -> int:
    """Days after the order's local date by which `deliver` wants the parcel: `within
    N days`, or the local date in the order field `by` names (empty: no limit)."""
    if deliver.within_days is not None:
        return int(deliver.within_days)
    assert deliver.by is not None
    day = requested_day(batch.value(deliver.by.name)[position])
    return NO_DEADLINE if day is None else day - day0


def requested_day(value: Any) -> int | None:
    """A date field's value (text `YYYY-MM-DD`, a date, an instant) as a day number
    (None when it has none)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return day_number(value.date())
    if isinstance(value, dt.date):
        return day_number(value)
    return day_number(dt.date.fromisoformat(str(value)[:10]))


def local_minutes(instants: np.ndarray, tz: ZoneInfo) -> np.ndarray:
    """Each instant's local time in the zone, in whole minutes after midnight (the
    offset in force at that instant: exact on the days clocks change)."""
    if not len(instants):
        return np.zeros(0, dtype=np.int64)
    seconds = instants // 1_000_000_000
    first, last = int(seconds.min()), int(seconds.max())
    offsets = {_offset(first, tz), _offset(last, tz)}
    if len(offsets) == 1 and last - first < 86_400:
        offset = offsets.pop()
        return ((seconds + offset) // 60 % 1440).astype(np.int64)
    return np.array(
        [(second + _offset(second, tz)) // 60 % 1440 for second in seconds.tolist()],
        dtype=np.int64,
    )


def _offset(second: int, tz: ZoneInfo) -> int:
    offset = dt.datetime.fromtimestamp(second, dt.UTC).astimezone(tz).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _carrier_row(carriers: Carriers, row: int) -> dict[str, Any]:
    """One carrier service as `carrier.*` fields read it."""
    values = carriers.arrow.slice(row, 1).to_pylist()[0]
    fields: dict[str, Any] = {}
    for column, value in values.items():
        fields[column] = tuple(value) if isinstance(value, list) else value
    for column in ("pickup_days", "delivery_days"):
        mask = int(getattr(carriers, column)[row])
        fields[column] = tuple(name for bit, name in enumerate(WEEKDAYS) if mask >> bit & 1)
    fields["max_weight_kg"] = _limit(carriers.max_weight_kg[row])
    fields["max_km"] = _limit(carriers.max_km[row])
    parcels = int(carriers.daily_parcels[row])
    fields["daily_parcels"] = None if parcels == UNLIMITED else parcels
    return fields


def _limit(value: float) -> float | None:
    return None if math.isinf(value) else float(value)


__all__ = ["BoundDelivery", "Delivery", "local_minutes"]
