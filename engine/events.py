"""Operational events: what happens to the network and to orders while orders flow.

| kind | order_id | node_id | sku | qty |
|---|---|---|---|---|
| `node_offline` | — | the node that stops shipping | — | — |
| `node_online` | — | the node that ships again | — | — |
| `stock_adjust` | — | where the count was made | the SKU counted | the new on-hand units |
| `replenish` | — | where stock arrived | the SKU received | units received (> 0) |
| `capacity_change` | — | the node | — | new orders per day (None = unlimited) |
| `order_cancel` | the order | — | a SKU (None: all) | units (None: all open) |
| `order_modify` | the order | — | — | — (`changes`: new order fields) |
| `line_reject` | the order | the refusing node | the SKU | the node's count (None: 0) |
| `order_ship` | the order | the node (None: all) | the SKU (None: all) | — |

`engine.tables.load_events` reads them from a file with row-level rejects;
`engine.reactions.Reactions` applies them to a router's open allocations
(docs/reactions.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

from dsl.schema import DELIVERY_METHODS
from engine.errors import DataError
from engine.limits import (
    CAPACITY,
    LATITUDE,
    LONGITUDE,
    RECEIPT,
    STOCK,
    OutOfRange,
    check_instant,
    name_problem,
    shown,
    text_problem,
)
from engine.model import plain
from engine.tables.events import EVENT_KINDS, NEEDS_NODE, NEEDS_SKU, ORDER_CHANGES, ORDER_KINDS

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
    order_id: str | None = None
    changes: tuple[tuple[str, Any], ...] = ()
    """For `order_modify`: the order fields it sets, as (name, value) pairs."""

    @property
    def is_order_event(self) -> bool:
        return self.kind in ORDER_KINDS

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise DataError(
                f"unknown event kind {self.kind!r}; use one of {', '.join(EVENT_KINDS)}"
            )
        if self.at.tzinfo is None:
            raise DataError("an event's `at` needs a UTC offset (e.g. 2026-03-01T10:00:00+01:00)")
        if self.kind in NEEDS_SKU and not self.sku:
            raise DataError(f"a {self.kind} event names a sku")
        if self.kind in NEEDS_SKU and self.qty is None and self.kind != "line_reject":
            raise DataError(f"a {self.kind} event gives a qty")
        if self.kind in NEEDS_NODE and not self.node_id:
            raise DataError(f"a {self.kind} event names the node")
        if self.kind in ORDER_KINDS and not self.order_id:
            raise DataError(f"a {self.kind} event names the order (order_id)")
        if self.kind == "order_cancel" and self.qty is not None and not self.sku:
            raise DataError("an order_cancel event with a qty names the SKU cancelled")
        _check_changes(self)
        check_instant(self.at, dt.UTC, "an event's `at`")
        for name in ("node_id", "sku", "order_id"):
            value = getattr(self, name)
            problem = None if value in (None, "") and name != "node_id" else _name_problem(value)
            if name == "node_id" and value == "" and self.kind not in NEEDS_NODE:
                problem = None
            if problem is not None:
                raise OutOfRange(f"an event's {name} {problem}: {shown(value)}")
        if self.qty is not None:
            QTY_RANGES.get(self.kind, STOCK).check(self.qty, f"the qty of a {self.kind} event")
        problem = text_problem(self.note) if isinstance(self.note, str) else "is not text"
        if problem is not None:
            raise OutOfRange(f"an event's note {problem}")


QTY_RANGES = {
    "replenish": RECEIPT,
    "stock_adjust": STOCK,
    "capacity_change": CAPACITY,
    "order_cancel": RECEIPT,
    "line_reject": STOCK,
}
"""The range of `qty` per kind (engine.limits); other kinds read no qty."""


def _check_changes(event: Event) -> None:
    """An `order_modify` changes at least one known order field, each within its range;
    other kinds change none."""
    if event.kind != "order_modify":
        if event.changes:
            raise DataError(f"a {event.kind} event changes no order field")
        return
    if not event.changes:
        raise DataError(
            "an order_modify event changes nothing; give a new " + ", ".join(ORDER_CHANGES)
        )
    given = dict(event.changes)
    unknown = sorted(set(given) - set(ORDER_CHANGES))
    if unknown:
        raise DataError(
            f"an order_modify event cannot change {', '.join(unknown)}; "
            f"it changes {', '.join(ORDER_CHANGES)}"
        )
    delivery = given.get("delivery")
    if delivery is not None and delivery not in DELIVERY_METHODS:
        raise DataError(f"delivery must be one of {', '.join(DELIVERY_METHODS)}, got {delivery!r}")
    if delivery == "collect" and not given.get("collect_node"):
        raise DataError("a change to collect names the store where it is collected (collect_node)")
    if ("dest_lat" in given) != ("dest_lon" in given):
        raise DataError("dest_lat and dest_lon go together: give both or neither")
    if "dest_lat" in given:
        LATITUDE.check(given["dest_lat"], "dest_lat")
        LONGITUDE.check(given["dest_lon"], "dest_lon")
    for name in ("collect_node", "country", "region", "postal_code"):
        value = given.get(name)
        if value is not None:
            problem = _name_problem(value)
            if problem is not None:
                raise OutOfRange(f"an event's {name} {problem}: {shown(value)}")


def _name_problem(value: object) -> str | None:
    return name_problem(value) if isinstance(value, str) else "is not text"


def events_from_frame(frame: pd.DataFrame) -> list[Event]:
    """Events from a frame `load_events` returned (its good rows, in time order)."""
    names = ("at", "kind", "node_id", "sku", "qty", "note", "order_id", *ORDER_CHANGES)
    columns = {c: frame[c].tolist() if c in frame.columns else [None] * len(frame) for c in names}
    out = []
    for i in range(len(frame)):
        qty = plain(columns["qty"][i])
        at = plain(columns["at"][i])
        changes = tuple(
            (name, value)
            for name in ORDER_CHANGES
            if (value := plain(columns[name][i])) is not None and value != ""
        )
        out.append(
            Event(
                at=at,
                kind=str(columns["kind"][i]),
                node_id=plain(columns["node_id"][i]) or "",
                sku=plain(columns["sku"][i]) or None,
                qty=None if qty is None else int(qty),
                note=plain(columns["note"][i]) or "",
                order_id=plain(columns["order_id"][i]) or None,
                changes=changes,
            )
        )
    return out
