"""Which orders lost their next-day promise between two runs with carriers, and why, in
plain words, grouped by cause (docs/simulations.md, "Lost next-day promises").

An order lost its next-day promise when the base promised it within NEXT_DAY days of its
local date and the variant does not (a later date, no promise, or not routed). Its cause
is the first of these that applies, read from the two runs' shipments and the carriers
and cut-offs each run had:

1. the variant order is not routed, or has no promised date;
2. a late variant shipment (promised after NEXT_DAY days) is `capped`: the service its
   strategy preferred was full — *chronopost express full at ST-LYON-02 on 2026-12-04*;
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
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.tables import Carriers
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
    "cause",
]
CAUSE_COLUMNS = ["cause", "orders", "examples"]


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
        table = carriers_on(self.carriers, self.periods, on)
        if table is None:
            return None
        try:
            row = table.index(*service)
        except KeyError:
            return None
        return bool(int(table.delivery_days[row]) >> weekday & 1)


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
    causes = [
        _cause(order_id, a.loc[order_id], b.loc[order_id], mine, base, variant, variant_name)
        for order_id in ids.astype(str)
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
            "base_shipments": [_shipments_text(mine[0].get(o)) for o in ids.astype(str)],
            "variant_shipments": [_shipments_text(mine[1].get(o)) for o in ids.astype(str)],
            "cause": causes,
        }
    )[LOST_COLUMNS]


def next_day_causes(lost: pd.DataFrame) -> pd.DataFrame:
    """The orders of `lost_next_day` grouped by cause, largest group first (ties: the
    cause met first), with the first EXAMPLES order ids of each."""
    if lost.empty:
        return pd.DataFrame(columns=CAUSE_COLUMNS)
    grouped = lost.groupby("cause", sort=False)["order_id"]
    out = grouped.agg(
        orders="size", examples=lambda ids: ", ".join(ids.head(EXAMPLES))
    ).reset_index()
    out["first"] = range(len(out))
    out = out.sort_values(["orders", "first"], ascending=[False, True], kind="stable")
    return out[CAUSE_COLUMNS].reset_index(drop=True)


def _by_order(shipments: pd.DataFrame, ids: pd.Index) -> dict[str, pd.DataFrame]:
    """Each order's shipments, in shipment order."""
    mine = shipments[shipments["order_id"].isin(ids)]
    return {str(key): rows for key, rows in mine.groupby(mine["order_id"].astype(str))}


def _service(row) -> str:
    return f"{row['carrier']} {row['service']}" if pd.notna(row["carrier"]) else "no carrier"


def _shipments_text(rows: pd.DataFrame | None) -> str:
    """`NODE carrier service → promised date` per shipment, `; ` between them."""
    if rows is None or rows.empty:
        return ""
    return "; ".join(
        f"{row['node_id']} {_service(row)} → {_iso(row['promised_date'])}"
        for _, row in rows.iterrows()
    )


def _iso(day) -> str:
    return day.isoformat() if isinstance(day, dt.date) else "no date"


def _cause(order_id, a, b, mine, base: PromiseSide, variant: PromiseSide, name: str) -> str:
    if not b["routed"]:
        return f"the order is {b['status']} in {name}"
    if pd.isna(b["days_promised"]):
        return f"no promised date in {name}"
    day = a["day"]
    before = mine[0].get(order_id, pd.DataFrame())
    after = mine[1].get(order_id, pd.DataFrame())
    late = after[_days(after, day) > NEXT_DAY]
    base_at = {row["node_id"]: row for _, row in before.iterrows()}
    for _, row in late.iterrows():  # 2. a full carrier service
        if bool(row["capped"]):
            node = row["node_id"]
            same = base_at.get(node)
            preferred = _service(same) if same is not None else "the preferred service"
            on = same["ship_date"] if same is not None else row["ship_date"]
            return f"{preferred} full at {node} on {_iso(on)}"
    decider = _latest(before)  # 3. a delivery day taken away
    if decider is not None and pd.notna(decider["carrier"]):
        service = (str(decider["carrier"]), str(decider["service"]))
        weekday = decider["promised_date"].weekday()
        if (
            base.delivers(service, day, weekday)
            and variant.delivers(service, day, weekday) is False
        ):
            return f"no {WEEKDAYS[weekday]} delivery by {service[0]} {service[1]}"
    for _, row in late.iterrows():  # 4. a cut-off moved
        node = row["node_id"]
        picked = row["pick_date"]
        was, now = base.cutoffs.get(node), variant.cutoffs.get(node)
        if isinstance(picked, dt.date) and picked > day and was != now:
            return f"cut-off at {node} moved from {was} to {now}"
    for _, row in late.iterrows():  # 5. another node or another service
        node = row["node_id"]
        same = base_at.get(node)
        if same is None:
            shipped = decider["node_id"] if decider is not None else "no node"
            return f"ships from {node}, not from {shipped}"
        if _service(same) != _service(row):
            return f"{_service(row)} instead of {_service(same)} at {node}"
    was, now = int(a["days_promised"]), int(b["days_promised"])
    return f"promised in {now} days instead of {was}"


def _days(rows: pd.DataFrame, day: dt.date) -> np.ndarray:
    """Days from the order's date to each shipment's promised date (inf: none)."""
    return np.array(
        [(p - day).days if isinstance(p, dt.date) else np.inf for p in rows["promised_date"]],
        dtype="float64",
    )


def _latest(rows: pd.DataFrame):
    """The shipment whose promised date is the order's (the first of the latest)."""
    if rows.empty:
        return None
    dated = [(p, i) for i, p in enumerate(rows["promised_date"]) if isinstance(p, dt.date)]
    if not dated:
        return None
    latest = max(p for p, _ in dated)
    first = next(i for p, i in dated if p == latest)
    return rows.iloc[first]
