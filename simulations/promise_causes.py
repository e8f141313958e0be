"""Which orders lost their next-day promise between two runs with carriers, and why, in
plain words, grouped by cause (docs/simulations.md, "Lost next-day promises").

An order lost its next-day promise when the base promised it within NEXT_DAY days of its
local date and the variant does not (a later date, no promise, or not routed). Its cause
is the first of these that applies, read from the two runs' shipments and the carriers
and cut-offs each run had:

1. the variant order is not routed, or has no promised date;
2. a late variant shipment (promised after NEXT_DAY days) is `capped`, or a service a
   base shipment used was full at its node on its ship day when the variant routed the
   order (counted from the variant's shipments) — *chronopost express full at
   ST-LYON-02 on 2026-12-04*;
3. the service of the base's latest shipment does not deliver, in the variant, on the
   weekday the base promised — *no Saturday delivery by colissimo standard*;
4. a late variant shipment is picked after the order's day at a node whose cut-off the
   variant moved — *cut-off at ST-LYON-02 moved from 16:00 to 13:00*;
5. a late variant shipment comes from a node the base did not ship from, or with another
   carrier service at the same node;
6. otherwise the number of days promised.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd

from engine.tables import UNLIMITED, Carriers
from engine.tables.calendar_text import format_clock
from engine.tables.promise_columns import DEFAULT_CUTOFF
from simulations.carrier_overrides import carriers_on
from simulations.decisions import DecisionTables
from simulations.inputs import CarrierPeriod, Inputs
from simulations.promise_kpis import NEXT_DAY

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EXAMPLES = 3
"""Example orders shown per cause."""
LOST_COLUMNS = [
    "order_id",
    "created_at",
    "day",
    "channel",
    "base_promised_date",
    "variant_promised_date",
    "base_days_promised",
    "variant_days_promised",
    "base_shipments",
    "variant_shipments",
    "kind",
    "cause",
]
CAUSE_COLUMNS = ["kind", "cause", "orders", "examples"]
KINDS = (
    "not routed",
    "no promise",
    "carrier full",
    "delivery day",
    "cut-off",
    "other node",
    "other service",
    "later",
)
"""The kinds of cause, in the order they are tried (the module doc's list)."""


@dataclass(frozen=True)
class PromiseSide:
    """What one run's promises are read from: its decision tables, the carriers it had
    (with their dated periods) and its nodes' cut-offs."""

    tables: DecisionTables
    carriers: Carriers | None
    periods: tuple[CarrierPeriod, ...]
    cutoffs: dict[str, str]

    @classmethod
    def of(cls, tables: DecisionTables, inputs: Inputs) -> PromiseSide:
        nodes = inputs.nodes
        default = format_clock(DEFAULT_CUTOFF)
        times = nodes["cutoff"] if "cutoff" in nodes else pd.Series(default, index=nodes.index)
        times = times.astype(object).where(times.notna() & (times.astype(str) != ""), default)
        cutoffs = dict(zip(nodes["id"].astype(str), times.astype(str), strict=True))
        return cls(tables, inputs.carriers, inputs.carrier_periods, cutoffs)

    def delivers(self, service: tuple[str, str], on: dt.date, weekday: int) -> bool | None:
        """Whether a carrier service delivers on a weekday with the table in force on
        `on` (None: the table has no such service)."""
        found = self._row(service, on)
        if found is None:
            return None
        table, row = found
        return bool(int(table.delivery_days[row]) >> weekday & 1)

    def cap(self, service: tuple[str, str], on: dt.date) -> int | None:
        """A carrier service's daily_parcels with the table in force on `on` (None:
        unlimited, or no such service)."""
        found = self._row(service, on)
        if found is None:
            return None
        table, row = found
        parcels = int(table.daily_parcels[row])
        return None if parcels == UNLIMITED else parcels

    def _row(self, service: tuple[str, str], on: dt.date) -> tuple[Carriers, int] | None:
        table = carriers_on(self.carriers, self.periods, on)
        if table is None:
            return None
        try:
            return table, table.index(*service)
        except KeyError:
            return None


def lost_next_day(base: PromiseSide, variant: PromiseSide, variant_name: str) -> pd.DataFrame:
    """The orders of both runs that the base promised next day and the variant does not,
    in the base's routing order, each with both promises and its cause (LOST_COLUMNS)."""
    a = base.tables.orders.set_index("order_id")
    b = variant.tables.orders.set_index("order_id")
    if "days_promised" not in a or "days_promised" not in b:
        return pd.DataFrame(columns=LOST_COLUMNS)
    common = a.index.intersection(b.index, sort=False)
    a, b = a.loc[common], b.loc[common]
    before = a["routed"].to_numpy(dtype=bool) & (a["days_promised"] <= NEXT_DAY).to_numpy()
    after = b["routed"].to_numpy(dtype=bool) & (b["days_promised"] <= NEXT_DAY).to_numpy()
    a = a[before & ~after].sort_values("decision_seq", kind="stable")
    if a.empty:
        return pd.DataFrame(columns=LOST_COLUMNS)
    ids = a.index
    b = b.loc[ids]
    mine = [_by_order(side.tables.shipments, ids) for side in (base, variant)]
    collected = _collected(variant.tables, mine[0])
    facts = zip(
        ids.astype(str),
        a["day"],
        a["days_promised"].tolist(),
        b["routed"].tolist(),
        b["status"].astype(object),
        b["days_promised"].tolist(),
        b["decision_seq"].tolist(),
        strict=True,
    )
    causes = [
        _cause(
            _Order(day, was, routed, status, now, seq),
            (mine[0].get(order_id, []), mine[1].get(order_id, [])),
            (base, variant, collected),
            variant_name,
        )
        for order_id, day, was, routed, status, now, seq in facts
    ]
    return pd.DataFrame(
        {
            "order_id": ids.astype(str),
            "created_at": a["created_at"].to_numpy(),
            "day": a["day"].to_numpy(),
            "channel": a["channel"].to_numpy(),
            "base_promised_date": a["promised_date"].to_numpy(),
            "variant_promised_date": b["promised_date"].to_numpy(),
            "base_days_promised": a["days_promised"].to_numpy(dtype="float64"),
            "variant_days_promised": b["days_promised"].to_numpy(dtype="float64"),
            "base_shipments": [_shipments_text(mine[0].get(o, [])) for o in ids.astype(str)],
            "variant_shipments": [_shipments_text(mine[1].get(o, [])) for o in ids.astype(str)],
            "kind": [cause.kind for cause in causes],
            "cause": [cause.words for cause in causes],
        }
    )[LOST_COLUMNS]


def next_day_causes(lost: pd.DataFrame) -> pd.DataFrame:
    """The orders of `lost_next_day` grouped by cause, largest group first (ties: the
    cause met first), with the first EXAMPLES order ids of each and the cause's kind."""
    if lost.empty:
        return pd.DataFrame(columns=CAUSE_COLUMNS)
    grouped = lost.groupby(["kind", "cause"], sort=False)["order_id"]
    out = grouped.agg(
        orders="size", examples=lambda ids: ", ".join(ids.head(EXAMPLES))
    ).reset_index()
    out["first"] = range(len(out))
    out = out.sort_values(["orders", "first"], ascending=[False, True], kind="stable")
    return out[CAUSE_COLUMNS].reset_index(drop=True)


class _Parcel(NamedTuple):
    """One shipment as the causes read it."""

    node: str
    carrier: str | None
    service: str | None
    pick: dt.date | None
    ship: dt.date | None
    promised: dt.date | None
    capped: bool

    @property
    def by(self) -> str:
        return f"{self.carrier} {self.service}" if self.carrier is not None else "no carrier"


class _Order(NamedTuple):
    """The order's local date, its days promised in the base, and the variant's
    routing of it (`seq`: its place in the variant's routing order)."""

    day: dt.date
    was: float
    routed: bool
    status: str
    now: float
    seq: int


Slot = tuple[str, str, str, dt.date]
"""(node, carrier, service, ship day): where daily_parcels are counted."""


def _collected(variant: DecisionTables, base: dict[str, list[_Parcel]]) -> dict[Slot, list[int]]:
    """For each (node, carrier service, ship day) a base shipment of a lost order used:
    the routing positions (decision_seq) of the variant's orders with a parcel there,
    in order."""
    wanted = {
        (p.node, p.carrier, p.service, p.ship)
        for parcels in base.values()
        for p in parcels
        if p.carrier is not None and p.ship is not None
    }
    if not wanted:
        return {}
    shipments = variant.shipments
    seq = variant.orders.set_index("order_id")["decision_seq"]
    keys = zip(
        shipments["node_id"].astype(str),
        shipments["carrier"].astype(object),
        shipments["service"].astype(object),
        shipments["ship_date"],
        shipments["order_id"].map(seq).tolist(),
        strict=True,
    )
    out: dict[Slot, list[int]] = {}
    for node, carrier, service, ship, at in keys:
        slot = (node, carrier, service, ship)
        if slot in wanted:
            out.setdefault(slot, []).append(int(at))
    return {slot: sorted(found) for slot, found in out.items()}


def _by_order(shipments: pd.DataFrame, ids: pd.Index) -> dict[str, list[_Parcel]]:
    """Each order's shipments, in shipment order (plain tuples: the causes of a
    hundred thousand orders are read in a second)."""
    mine = shipments[shipments["order_id"].isin(ids)]
    out: dict[str, list[_Parcel]] = {}

    def text(values: pd.Series) -> list[str | None]:
        return [None if pd.isna(v) else str(v) for v in values.astype(object)]

    rows = zip(
        mine["order_id"].astype(str),
        mine["node_id"].astype(str),
        text(mine["carrier"]),
        text(mine["service"]),
        mine["pick_date"].map(_day),
        mine["ship_date"].map(_day),
        mine["promised_date"].map(_day),
        mine["capped"].astype(bool),
        strict=True,
    )
    for order_id, *parcel in rows:
        out.setdefault(order_id, []).append(_Parcel(*parcel))
    return out


def _day(value) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


def _shipments_text(parcels: list[_Parcel]) -> str:
    """`NODE carrier service → promised date` per shipment, `; ` between them."""
    return "; ".join(f"{p.node} {p.by} → {_iso(p.promised)}" for p in parcels)


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day is not None else "no date"


class _Cause(NamedTuple):
    """A lost promise's cause: its kind (KINDS) and its words."""

    kind: str
    words: str


def _cause(
    order: _Order,
    parcels: tuple[list[_Parcel], list[_Parcel]],
    sides: tuple[PromiseSide, PromiseSide, dict[Slot, list[int]]],
    name: str,
) -> _Cause:
    if not order.routed:
        return _Cause("not routed", f"the order is {order.status} in {name}")
    if pd.isna(order.now):
        return _Cause("no promise", f"no promised date in {name}")
    before, after = parcels
    late = [p for p in after if p.promised is None or (p.promised - order.day).days > NEXT_DAY]
    base_at: dict[str, _Parcel] = {}
    for parcel in before:
        base_at.setdefault(parcel.node, parcel)
    return (
        _full(order, before, late, base_at, sides)
        or _delivery_day(order, before, sides)
        or _cutoff(order, late, sides)
        or _elsewhere(before, late, base_at)
        or _Cause("later", f"promised in {int(order.now)} days instead of {int(order.was)}")
    )


def _full(order: _Order, before, late, base_at, sides) -> _Cause | None:
    """2. A late shipment is capped, or a service the base used was full at its node on
    its ship day when the variant routed the order."""
    _, variant, collected = sides
    for parcel in late:
        if parcel.capped:
            same = base_at.get(parcel.node)
            preferred = same.by if same is not None else "the preferred service"
            on = same.ship if same is not None else parcel.ship
            return _Cause("carrier full", f"{preferred} full at {parcel.node} on {_iso(on)}")
    for parcel in before:
        if parcel.carrier is None or parcel.ship is None:
            continue
        cap = variant.cap((parcel.carrier, str(parcel.service)), order.day)
        slot = (parcel.node, parcel.carrier, str(parcel.service), parcel.ship)
        if cap is not None and bisect_left(collected.get(slot, []), order.seq) >= cap:
            words = f"{parcel.by} full at {parcel.node} on {_iso(parcel.ship)}"
            return _Cause("carrier full", words)
    return None


def _delivery_day(order: _Order, before, sides) -> _Cause | None:
    """3. The base promised on a weekday its service no longer delivers in the variant."""
    base, variant, _ = sides
    decider = _latest(before)
    if decider is None or decider.carrier is None or decider.promised is None:
        return None
    service = (decider.carrier, str(decider.service))
    weekday = decider.promised.weekday()
    if base.delivers(service, order.day, weekday) and (
        variant.delivers(service, order.day, weekday) is False
    ):
        words = f"no {WEEKDAYS[weekday]} delivery by {service[0]} {service[1]}"
        return _Cause("delivery day", words)
    return None


def _cutoff(order: _Order, late, sides) -> _Cause | None:
    """4. A late shipment picked after the order's day at a node whose cut-off moved."""
    base, variant, _ = sides
    for parcel in late:
        was, now = base.cutoffs.get(parcel.node), variant.cutoffs.get(parcel.node)
        if parcel.pick is not None and parcel.pick > order.day and was != now:
            return _Cause("cut-off", f"cut-off at {parcel.node} moved from {was} to {now}")
    return None


def _elsewhere(before, late, base_at) -> _Cause | None:
    """5. A late shipment from another node, or by another service at the same node."""
    decider = _latest(before)
    for parcel in late:
        same = base_at.get(parcel.node)
        if same is None:
            shipped = decider.node if decider is not None else "no node"
            return _Cause("other node", f"ships from {parcel.node}, not from {shipped}")
        if same.by != parcel.by:
            return _Cause("other service", f"{parcel.by} instead of {same.by} at {parcel.node}")
    return None


def _latest(parcels: list[_Parcel]) -> _Parcel | None:
    """The shipment whose promised date is the order's (the first of the latest)."""
    dated = [p for p in parcels if p.promised is not None]
    if not dated:
        return None
    latest = max(p.promised for p in dated if p.promised is not None)
    return next(p for p in dated if p.promised == latest)
