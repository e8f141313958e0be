"""Operational events: what happens to the network while orders flow.

| kind | node_id | sku | qty |
|---|---|---|---|
| `node_offline` | the node that stops shipping | — | — |
| `node_online` | the node that ships again | — | — |
| `stock_adjust` | where the count was made | the SKU counted | the new on-hand units |
| `replenish` | where stock arrived | the SKU received | units received (> 0) |
| `capacity_change` | the node | — | new orders per day (None = unlimited) |

`engine.tables.load_events` reads them from a file with row-level rejects;
`engine.reactions.Reactions` applies them to a router's open allocations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

from engine.errors import DataError
from engine.limits import (
    CAPACITY,
    RECEIPT,
    STOCK,
    OutOfRange,
    check_instant,
    name_problem,
    shown,
    text_problem,
)
from engine.model import plain
from engine.tables.events import EVENT_KINDS, NEEDS_SKU

__all__ = ["EVENT_KINDS", "Event", "events_from_frame"]


@dataclass(frozen=True, slots=True)
class Event:
    """One operational event at an aware instant `at`. Every field is checked
    against engine.limits when the event is made: `OutOfRange` (a ValueError)
    names the field and the range."""

    at: dt.datetime
    kind: str
    node_id: str
    sku: str | None = None
    qty: int | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise DataError(
                f"unknown event kind {self.kind!r}; use one of {', '.join(EVENT_KINDS)}"
            )
        if self.at.tzinfo is None:
            raise DataError("an event's `at` needs a UTC offset (e.g. 2026-03-01T10:00:00+01:00)")
        if self.kind in NEEDS_SKU and not self.sku:
            raise DataError(f"a {self.kind} event names a sku")
        if self.kind in NEEDS_SKU and self.qty is None:
            raise DataError(f"a {self.kind} event gives a qty")
        check_instant(self.at, dt.UTC, "an event's `at`")
        for name in ("node_id", "sku"):
            value = getattr(self, name)
            problem = None if value is None and name == "sku" else _name_problem(value)
            if problem is not None:
                raise OutOfRange(f"an event's {name} {problem}: {shown(value)}")
        if self.qty is not None:
            QTY_RANGES.get(self.kind, STOCK).check(self.qty, f"the qty of a {self.kind} event")
        problem = text_problem(self.note) if isinstance(self.note, str) else "is not text"
        if problem is not None:
            raise OutOfRange(f"an event's note {problem}")


QTY_RANGES = {"replenish": RECEIPT, "stock_adjust": STOCK, "capacity_change": CAPACITY}
"""The range of `qty` per kind (engine.limits); other kinds read no qty."""


def _name_problem(value: object) -> str | None:
    return name_problem(value) if isinstance(value, str) else "is not text"


def events_from_frame(frame: pd.DataFrame) -> list[Event]:
    """Events from a frame `load_events` returned (its good rows, in time order)."""
    columns = {c: frame[c].tolist() for c in ("at", "kind", "node_id", "sku", "qty", "note")}
    out = []
    for i in range(len(frame)):
        qty = plain(columns["qty"][i])
        at = plain(columns["at"][i])
        out.append(
            Event(
                at=at,
                kind=str(columns["kind"][i]),
                node_id=str(columns["node_id"][i]),
                sku=plain(columns["sku"][i]) or None,
                qty=None if qty is None else int(qty),
                note=plain(columns["note"][i]) or "",
            )
        )
    return out
