"""Returns (returns.md): a returned line, what the expressions of a return strategy read
of it, and the decision that says where each returned unit goes.

A return is one or more returned lines sharing a `return_id`. Each line is routed on
its own (`engine.return_router`): `return.<col>` reads the line's columns and then the
return's (`return.condition`, `return.method`, `return.drop_node`, ...), `line.<col>`
the line's product attributes (`line.category`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from engine.decision import Explanation
from engine.tables.return_columns import ACCEPTING_TYPES

ReturnStatus = Literal["routed", "partial", "unroutable"]
NODE_RETURN_FIELDS = frozenset({"accepts_returns", "return_cost"})
"""Node columns of returns (returns.md) that have a default where a node has none."""

RETURN_FIELDS = ("return_id", "order_id", "created_at", "method", "drop_node", "origin_lat",
                 "origin_lon")  # fmt: skip
"""The columns that belong to the whole return (equal on each of its rows)."""


def node_return_value(name: str, fields: dict[str, Any]) -> Any:
    """`node.accepts_returns` (not given: true for a dc or a store) or
    `node.return_cost` (not given: 0), as conditions and ranking read them."""
    value = fields.get(name)
    if value is None or value != value:  # None, or NaN from a frame
        return fields.get("type") in ACCEPTING_TYPES if name == "accepts_returns" else 0.0
    return bool(value) if name == "accepts_returns" else float(value)


@dataclass(frozen=True)
class ReturnLine:
    """One returned line: its SKU, units and every other column of its row (reason,
    condition, unit_price, product attributes such as category)."""

    sku: str
    qty: int
    fields: dict[str, Any]

    def get(self, name: str) -> Any:
        return self.fields.get(name)


@dataclass(frozen=True)
class Return:
    """A return: its id, when it was created (an aware instant), how the customer
    returns it (`method`: store, post or courier), where (`drop_node`, or the
    customer's address `origin_lat`/`origin_lon`) and its lines."""

    id: str
    created_at: dt.datetime
    lines: tuple[ReturnLine, ...]
    fields: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        if name == "return_id":
            return self.id
        if name == "created_at":
            return self.created_at
        return self.fields.get(name)

    def unit(self, position: int) -> ReturnUnit:
        """What the conditions of a return strategy read when line `position` is routed."""
        return ReturnUnit(self, self.lines[position])


class ReturnUnit:
    """One returned line as a return strategy's conditions see it: `return.<col>` is
    the line's column, else the return's; `line.<col>` the line's (its only line)."""

    __slots__ = ("ret", "line", "lines")

    def __init__(self, ret: Return, line: ReturnLine):
        self.ret = ret
        self.line = line
        self.lines = (line.fields,)

    def get(self, name: str) -> Any:
        if name in self.line.fields:
            return self.line.fields[name]
        return self.ret.get(name)


@dataclass(frozen=True, slots=True)
class ReturnedLine:
    """Where one returned line goes: the receiving node, the disposition, the local
    date its units become stock (restock only), the leg's km and cost and the
    strategy that took it. A line no strategy takes has no node and says why."""

    sku: str
    qty: int
    node_id: str | None
    disposition: str | None
    restock_date: dt.date | None
    distance_km: float | None
    cost: float | None
    strategy: str | None
    reason: str | None = None
    restock_at: dt.datetime | None = None
    """The instant the units become stock at `node_id` (restock only; not in the JSON)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "sku": self.sku,
            "qty": self.qty,
            "node_id": self.node_id,
            "disposition": self.disposition,
            "restock_date": None if self.restock_date is None else self.restock_date.isoformat(),
            "distance_km": None if self.distance_km is None else round(self.distance_km, 2),
            "cost": None if self.cost is None else round(self.cost, 2),
            "strategy": self.strategy,
        }
        if self.reason is not None:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True, slots=True)
class ReturnDecision:
    """Where a return's lines go (returns.md, "Decisions"): `routed` when every line
    has a node, `partial` when some have, `unroutable` (with its reason) when none."""

    return_id: str
    status: ReturnStatus
    strategies: tuple[str, ...]
    lines: tuple[ReturnedLine, ...]
    created_at: dt.datetime
    reason: str | None = None
    explain: tuple[Explanation, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "return_id": self.return_id,
            "status": self.status,
            "strategies": list(self.strategies),
            "lines": [line.to_dict() for line in self.lines],
        }
        if self.reason is not None:
            out["reason"] = self.reason
        out["explain"] = [entry.to_dict() for entry in self.explain]
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


def returns_from_records(records: Iterable[dict[str, Any]]) -> list[Return]:
    """Returns from loaded rows (one per returned line, `created_at` aware), grouped
    by `return_id` in order of first appearance; the return-level columns are taken
    from a return's first row (the loader refuses rows of one return that disagree)."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        grouped.setdefault(str(record["return_id"]), []).append(record)
    out = []
    for return_id, rows in grouped.items():
        first = rows[0]
        lines = tuple(
            ReturnLine(
                str(row["sku"]),
                int(row["qty"]),
                {k: v for k, v in row.items() if k not in RETURN_FIELDS},
            )
            for row in rows
        )
        fields = {k: first.get(k) for k in RETURN_FIELDS if k not in ("return_id", "created_at")}
        out.append(Return(return_id, first["created_at"], lines, fields))
    return out


def returns_from_frame(frame: Any) -> list[Return]:
    """The returns of a loaded returns table (`engine.tables.load_returns(...).frame`,
    or any frame with its columns); an empty cell reads as None."""
    import pandas as pd

    if frame is None or len(frame) == 0:
        return []
    records = frame.to_dict("records")
    for record in records:
        record["created_at"] = pd.Timestamp(record["created_at"]).to_pydatetime()
        for name, value in record.items():
            if not isinstance(value, str | dt.datetime | tuple) and pd.isna(value):
                record[name] = None
    return returns_from_records(records)
