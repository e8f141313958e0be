"""What-if changes to the delivery promise: a carrier service's daily parcels capped
(from a day on), delivery days taken away, nodes' cut-off times moved.

Each change makes a new typed carriers table from the loaded one (never the file): the
changes without a `from` day replace the run's carriers; each `from` day starts a
`CarrierPeriod` whose table has every change up to that day (simulations.carrier_schedule
swaps them in during the replay). docs/simulations.md, "Scenario files", describes the
settings.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import BeforeValidator, Field, field_validator, model_validator

from engine.limits import PARCELS
from engine.tables import UNLIMITED, Carriers
from engine.tables.calendar_text import (
    CalendarTextError,
    format_clock,
    format_days,
    parse_clock,
    parse_days,
)
from engine.tables.promise_columns import DEFAULT_CUTOFF
from simulations.inputs import CarrierPeriod
from simulations.override_base import ScenarioError, StrictModel, unknown

ALL = "*"


def _parcels(value):
    """A daily parcel cap: a whole number in engine.limits' range, or "unlimited"."""
    if isinstance(value, str) and value.strip().lower() == "unlimited":
        return UNLIMITED
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f'give a whole number of parcels or "unlimited", got {value!r}')
    if not PARCELS.low <= value <= PARCELS.high:
        raise ValueError(f'give {PARCELS.rule} (or "unlimited"), got {value:,}')
    return value


def _day_list(value):
    """A day list (`Sat`, `Sat;Sun`, `Mon-Fri`) as its 7-bit set."""
    if not isinstance(value, str):
        raise ValueError(f'give days as text such as "Sat" or "Sat;Sun", got {value!r}')
    try:
        return parse_days(value)
    except CalendarTextError as error:
        raise ValueError(f"{value!r} is not a day list: {error}") from None


def _clock(value):
    """A local time `HH:MM` in its canonical form."""
    if not isinstance(value, str):
        raise ValueError(f'give a local time "HH:MM", got {value!r}')
    try:
        return format_clock(parse_clock(value.strip()))
    except CalendarTextError:
        raise ValueError(f'give a local time "HH:MM" from 00:00 to 23:59, got {value!r}') from None


def _cutoffs(value):
    """A cut-off for every node (text) or per node id / node type (a table)."""
    if isinstance(value, str):
        value = {ALL: value}
    if not isinstance(value, dict):
        raise ValueError('give a time "HH:MM" or a table of times by node id or node type')
    return {str(key): _clock(time) for key, time in value.items()}


Parcels = Annotated[int, BeforeValidator(_parcels)]
DaySet = Annotated[int, BeforeValidator(_day_list)]
Cutoffs = Annotated[dict[str, str], BeforeValidator(_cutoffs)]


class CarrierChange(StrictModel):
    """One `[[carriers]]` entry: which services (a carrier, a service name, both, or
    neither for every service), from which local day (none: the whole run) and what
    changes."""

    carrier: str | None = None
    service: str | None = None
    start: dt.date | None = Field(default=None, alias="from")
    daily_parcels: Parcels | None = None
    no_delivery_on: DaySet | None = None

    @field_validator("start", mode="before")
    @classmethod
    def _a_day(cls, value):
        if isinstance(value, dt.datetime):
            raise ValueError("give a date (YYYY-MM-DD): a change starts at the start of that day")
        return value

    @model_validator(mode="after")
    def _changes_something(self) -> CarrierChange:
        if self.daily_parcels is None and self.no_delivery_on is None:
            raise ValueError("the entry changes nothing: give daily_parcels or no_delivery_on")
        return self

    def selection(self) -> str:
        """The services it changes, in words."""
        if self.carrier and self.service:
            return f"{self.carrier} {self.service}"
        if self.carrier:
            return f"every {self.carrier} service"
        if self.service:
            return f"every {self.service} service"
        return "every carrier service"

    def describe(self) -> str:
        """The change in words (reports, the command line)."""
        parts = []
        if self.daily_parcels is not None:
            cap = self.daily_parcels
            parts.append(
                "daily parcels unlimited" if cap == UNLIMITED else f"daily parcels {cap:,}"
            )
        if self.no_delivery_on is not None:
            parts.append(f"no delivery on {format_days(self.no_delivery_on)}")
        when = f" from {self.start.isoformat()}" if self.start else ""
        return f"{self.selection()}: {', '.join(parts)}{when}"


# ------------------------------------------------------------------ applying


def carrier_periods(
    carriers: Carriers | None, changes: tuple[CarrierChange, ...]
) -> tuple[Carriers | None, tuple[CarrierPeriod, ...]]:
    """The run's carriers with the undated changes, and one period per `from` day with
    every change up to that day (changes of one day in file order). Entries are named
    `carriers[n]` (from 1, in file order) in errors."""
    if not changes:
        return carriers, ()
    if carriers is None:
        raise ScenarioError(
            "the scenario changes carriers, but the run has no carriers table: give one "
            "(--carriers) or remove the [[carriers]] entries"
        )
    entries = [
        (number, change, _rows(carriers, change, number))
        for number, change in enumerate(changes, 1)
    ]
    base = _changed(carriers, [entry for entry in entries if entry[1].start is None])
    dated = sorted(
        (entry for entry in entries if entry[1].start is not None),
        key=lambda entry: (entry[1].start, entry[0]),
    )
    periods = []
    for day in sorted({entry[1].start for entry in dated}):
        upto = [entry for entry in dated if entry[1].start <= day]
        periods.append(CarrierPeriod(day, _changed(base, upto)))
    return base, tuple(periods)


def _rows(carriers: Carriers, change: CarrierChange, number: int) -> np.ndarray:
    """The rows of the carriers table an entry selects; an unknown name is refused."""
    names = np.array(carriers.carrier, dtype=object)
    services = np.array(carriers.service, dtype=object)
    where = f"carriers[{number}]"
    chosen = np.ones(len(names), dtype=bool)
    if change.carrier is not None:
        if change.carrier not in set(carriers.carrier):
            known = sorted(set(carriers.carrier))
            raise ScenarioError(f"{where}: {unknown('carrier', change.carrier, known)}")
        chosen &= names == change.carrier
    if change.service is not None:
        offered = sorted(set(services[chosen].tolist()))
        if change.service not in offered:
            owner = f" of {change.carrier}" if change.carrier else ""
            raise ScenarioError(f"{where}: {unknown('service' + owner, change.service, offered)}")
        chosen &= services == change.service
    return np.flatnonzero(chosen)


def _changed(carriers: Carriers, changes: list[tuple[int, CarrierChange, np.ndarray]]) -> Carriers:
    """A new carriers table with the changes applied in order."""
    if not changes:
        return carriers
    parcels = carriers.daily_parcels.copy()
    delivery = carriers.delivery_days.astype(np.int64).copy()
    for number, change, rows in changes:
        if change.daily_parcels is not None:
            parcels[rows] = change.daily_parcels
        if change.no_delivery_on is not None:
            delivery[rows] &= ~change.no_delivery_on
            empty = rows[delivery[rows] == 0]
            if len(empty):
                row = int(empty[0])
                raise ScenarioError(
                    f"carriers[{number}]: {carriers.carrier[row]} {carriers.service[row]} "
                    f"would deliver on no day once {format_days(change.no_delivery_on)} is "
                    "taken away; keep at least one delivery day"
                )
    arrow = carriers.arrow
    capped = pa.array(
        [None if value == UNLIMITED else int(value) for value in parcels.tolist()], pa.int64()
    )
    days = pa.array([format_days(int(mask)) for mask in delivery.tolist()], pa.string())
    arrow = arrow.set_column(arrow.schema.get_field_index("daily_parcels"), "daily_parcels", capped)
    arrow = arrow.set_column(arrow.schema.get_field_index("delivery_days"), "delivery_days", days)
    return Carriers(arrow, list(carriers.reject_rows))


def carriers_on(base: Carriers | None, periods: tuple[CarrierPeriod, ...], day: dt.date):
    """The carriers table in force on a local day."""
    found = base
    for period in periods:
        if period.start <= day:
            found = period.carriers
    return found


def apply_cutoffs(nodes: pd.DataFrame, cutoffs: dict[str, str]) -> pd.DataFrame:
    """The nodes with their `cutoff` set: by node id, else node type, else `*`, else
    as it was (23:59 for a node without one). An unknown id or type is refused."""
    if not cutoffs:
        return nodes
    known = nodes["id"].astype(str).tolist()
    types = sorted(set(nodes["type"].astype(str)))
    for key in cutoffs:
        if key != ALL and key not in known and key not in types:
            raise ScenarioError(
                "nodes.cutoff: "
                + unknown("node id or node type", key, [*types, *known], extra=f"or {ALL!r}")
            )
    default = format_clock(DEFAULT_CUTOFF)
    before = nodes["cutoff"] if "cutoff" in nodes else pd.Series(default, index=nodes.index)
    before = before.astype(object).where(before.notna() & (before.astype(str) != ""), default)
    moved = [
        cutoffs.get(node_id, cutoffs.get(kind, cutoffs.get(ALL, was)))
        for node_id, kind, was in zip(
            known, nodes["type"].astype(str), before.astype(str), strict=True
        )
    ]
    return nodes.assign(cutoff=pd.array(moved, dtype="str"))
