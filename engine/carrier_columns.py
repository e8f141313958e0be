"""Per shipment, how it travels (carrier service, pick, ship and promised days, CO2,
capped): the carrier part of a batch's decision columns (engine.decision_batch)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from engine.decision import Carried
from engine.tables.calendar_text import date_of, day_number


@dataclass
class CarrierColumns:
    """Per shipment, how it travels when routing has a carriers table: the service (a
    row of `service_names`, -1: none), the local pick, ship and promised days (day
    numbers, -1: none), the CO2 in kg and whether the preferred service was full."""

    service: np.ndarray
    pick_day: np.ndarray
    ship_day: np.ndarray
    promised_day: np.ndarray
    co2: np.ndarray
    capped: np.ndarray
    service_names: list[tuple[str, str]]

    @classmethod
    def empty(cls, size: int, service_names: list[tuple[str, str]]) -> CarrierColumns:
        none = np.full(size, -1, dtype=np.int64)
        return cls(none, none.copy(), none.copy(), none.copy(), np.zeros(size),
                   np.zeros(size, dtype=bool), service_names)  # fmt: skip

    def carried(self, s: int) -> Carried | None:
        service = int(self.service[s])
        if service < 0:
            return None
        carrier, name = self.service_names[service]
        return Carried(
            carrier,
            name,
            date_of(int(self.pick_day[s])),
            date_of(int(self.ship_day[s])),
            date_of(int(self.promised_day[s])),
            float(self.co2[s]),
            bool(self.capped[s]),
        )

    def take(self, ships: np.ndarray) -> CarrierColumns:
        return CarrierColumns(
            self.service[ships], self.pick_day[ships], self.ship_day[ships],
            self.promised_day[ships], self.co2[ships], self.capped[ships], self.service_names,
        )  # fmt: skip

    @classmethod
    def concat(cls, parts: list[CarrierColumns | None], sizes: list[int]) -> CarrierColumns:
        """Parts joined; a part without carriers (no shipment carried) gives none."""
        index: dict[tuple[str, str], int] = {}
        given = []
        for part, size in zip(parts, sizes, strict=True):
            if part is None:
                given.append(cls.empty(size, []))
                continue
            codes = np.array(
                [index.setdefault(name, len(index)) for name in part.service_names] + [-1],
                dtype=np.int64,
            )  # a service of -1 stays -1
            given.append(replace(part, service=codes[part.service]))
        service, pick, ship, promised, co2, capped = (
            np.concatenate([getattr(p, f) for p in given]) for f in _CARRIER_FIELDS
        )
        return cls(service, pick, ship, promised, co2, capped, list(index))

    @classmethod
    def of(cls, carried: list[Carried | None]) -> CarrierColumns:
        """The carrier columns of shipment objects (None: not carried)."""
        names: dict[tuple[str, str], int] = {}
        columns = cls.empty(len(carried), [])
        for s, item in enumerate(carried):
            if item is None:
                continue
            columns.service[s] = names.setdefault((item.carrier, item.service), len(names))
            columns.pick_day[s] = day_number(item.pick_date)
            columns.ship_day[s] = day_number(item.ship_date)
            columns.promised_day[s] = day_number(item.promised_date)
            columns.co2[s] = item.co2_kg
            columns.capped[s] = item.capped
        columns.service_names = list(names)
        return columns


_CARRIER_FIELDS = ("service", "pick_day", "ship_day", "promised_day", "co2", "capped")
