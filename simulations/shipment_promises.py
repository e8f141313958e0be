"""Each shipment's carrier service and promise, read into columns (a run with carriers).

A decision made with a carriers table says, per shipment, which carrier service takes
it, the local days it is picked, handed to the carrier and delivered, its CO2 and
whether the service its strategy preferred was full that day (`capped`). The engine's
`DecisionBatch` holds them as arrays (`DecisionBatch.carriers`: day numbers, -1 for
none), `Decision` objects in each shipment's `carried` (dates) and the data.md JSON as
ISO text; all three give the same columns here: days as int64 day numbers since
1970-01-01 (`NO_DAY` for none).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from engine.carrier_columns import CarrierColumns

if TYPE_CHECKING:
    from engine import DecisionBatch

NO_DAY = -1
"""The day number of a date that is not there (the engine's convention)."""
EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class ShipmentPromises:
    """Per shipment, in shipment order: carrier and service (None: none), pick, ship and
    promised days (day numbers, NO_DAY: none), CO2 in kg (NaN: not given) and capped."""

    carrier: list[str | None]
    service: list[str | None]
    pick_day: np.ndarray
    ship_day: np.ndarray
    promised_day: np.ndarray
    co2_kg: np.ndarray
    capped: np.ndarray

    def take(self, rows: np.ndarray) -> ShipmentPromises:
        """The promises of the shipments at `rows`, in that order."""
        picked = rows.tolist()
        return ShipmentPromises(
            carrier=[self.carrier[i] for i in picked],
            service=[self.service[i] for i in picked],
            pick_day=self.pick_day[rows],
            ship_day=self.ship_day[rows],
            promised_day=self.promised_day[rows],
            co2_kg=self.co2_kg[rows],
            capped=self.capped[rows],
        )


def batch_promises(batch: DecisionBatch, carriers: bool | None = None) -> ShipmentPromises | None:
    """The shipments' promises of an engine batch (its `carriers` columns); None for a
    run without carriers (`carriers` False, or None and the batch has no such columns).
    With `carriers` True and a batch without them, every shipment has none."""
    columns = batch.carriers
    if carriers is False or (carriers is None and columns is None):
        return None
    if columns is None:
        columns = CarrierColumns.empty(len(batch.ship_node), [])
    names = list(columns.service_names)
    rows = np.asarray(columns.service, dtype=np.int64)
    carrier_of = [*(carrier for carrier, _ in names), None]
    service_of = [*(service for _, service in names), None]
    index = np.where(rows < 0, len(names), rows).tolist()
    return ShipmentPromises(
        carrier=[carrier_of[i] for i in index],
        service=[service_of[i] for i in index],
        pick_day=_days(columns.pick_day),
        ship_day=_days(columns.ship_day),
        promised_day=_days(columns.promised_day),
        co2_kg=np.where(rows < 0, np.nan, np.asarray(columns.co2, dtype="float64")),
        capped=np.asarray(columns.capped, dtype=bool),
    )


def object_promises(shipments: Sequence[Any]) -> ShipmentPromises:
    """The promises of engine `Shipment`s, or of JSON shipments read by
    `simulations.decision_columns`: their `carried` (None: not carried)."""
    carried = [s.carried for s in shipments]
    return ShipmentPromises(
        carrier=[None if c is None else c.carrier for c in carried],
        service=[None if c is None else c.service for c in carried],
        pick_day=_day_numbers([None if c is None else c.pick_date for c in carried]),
        ship_day=_day_numbers([None if c is None else c.ship_date for c in carried]),
        promised_day=_day_numbers([None if c is None else c.promised_date for c in carried]),
        co2_kg=np.array(
            [np.nan if c is None or c.co2_kg is None else float(c.co2_kg) for c in carried],
            dtype="float64",
        ),
        capped=np.array([c is not None and bool(c.capped) for c in carried], dtype=bool),
    )


class JsonCarried:
    """How a data.md JSON shipment travels, with the names of `engine.decision.Carried`:
    `carrier`, `service`, `ship_date`, `promised_date` (ISO dates), and `pick_date`,
    `co2_kg`, `capped` where the JSON carries them (the engine's JSON does not)."""

    __slots__ = ("carrier", "service", "pick_date", "ship_date", "promised_date", "co2_kg")
    __slots__ += ("capped",)

    def __init__(self, data: dict, order_id: str, node_id: str):
        def date(key: str) -> dt.date | None:
            return json_date(data, key, order_id, node_id)

        co2 = data.get("co2_kg")
        self.carrier = str(data["carrier"])
        self.service = None if data.get("service") is None else str(data["service"])
        self.pick_date = date("pick_date")
        self.ship_date = date("ship_date")
        self.promised_date = date("promised_date")
        self.co2_kg = None if co2 is None else float(co2)
        self.capped = bool(data.get("capped", False))


def json_date(data: dict, key: str, order_id: str, node_id: str) -> dt.date | None:
    """A JSON shipment's ISO date `key` (None: absent); other text is refused with the
    order and the node."""
    text = data.get(key)
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise ValueError(
            f"order {order_id}: shipment from {node_id} has {key} {text!r}, not YYYY-MM-DD"
        ) from None


def _days(values) -> np.ndarray:
    days = np.asarray(values, dtype=np.int64)
    return np.where(days < 0, NO_DAY, days)


def _day_numbers(dates: list[dt.date | None]) -> np.ndarray:
    return np.array([NO_DAY if d is None else _day_number(d) for d in dates], dtype=np.int64)


def dates_of(days: np.ndarray) -> np.ndarray:
    """Day numbers as an object array of `datetime.date` (None for NO_DAY), one
    conversion per distinct day."""
    days = np.asarray(days, dtype=np.int64)
    out = np.full(len(days), None, dtype=object)
    known = days != NO_DAY
    if known.any():
        distinct, inverse = np.unique(days[known], return_inverse=True)
        as_dates = np.array(
            [EPOCH + dt.timedelta(days=int(d)) for d in distinct.tolist()], dtype=object
        )
        out[known] = as_dates[inverse.reshape(-1)]
    return out


def day_numbers_of(dates: pd.Series | np.ndarray) -> np.ndarray:
    """Dates (`datetime.date`, None for none) as day numbers (NO_DAY for none), one
    conversion per distinct date."""
    codes, distinct = pd.factorize(pd.Series(np.asarray(dates, dtype=object)))
    numbers = np.array([_day_number(d) for d in distinct], dtype=np.int64)
    out = np.full(len(codes), NO_DAY, dtype=np.int64)
    known = codes >= 0
    out[known] = numbers[codes[known]]
    return out


def _day_number(day: dt.date) -> int:
    if isinstance(day, dt.datetime):  # a Timestamp read back from a file
        day = day.date()
    return (day - EPOCH).days
