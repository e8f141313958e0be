"""The values of the fields the delivery promise defines (docs/language.md, "Fields of
the promise"), as conditions read them: worked out from the order (`order.local_time`,
`order.weekday`, `order.weight_kg`), or read from the promise columns with their own
rules and defaults (`order.requested_date`, `line.weight_kg`, `node.cutoff`,
`node.open_days`, `node.prep_days`).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any
from zoneinfo import ZoneInfo

from dsl.schema import WEEKDAYS
from engine.tables.calendar_text import parse_days

ORDER_FIELDS = frozenset({"local_time", "weekday", "weight_kg", "requested_date"})
WORKED_OUT = frozenset({"local_time", "weekday", "weight_kg"})
"""Order fields worked out from the order (not plain columns)."""
NODE_FIELDS = frozenset({"cutoff", "open_days", "prep_days"})
DEFAULT_CUTOFF = "23:59"
DEFAULT_OPEN_DAYS = "Mon-Sat"


def order_value(name: str, order: Any, tz: ZoneInfo) -> Any:
    """`order.<name>` for a promise field: the local time `HH:MM` and weekday the order
    was created (in the ruleset's zone), its weight (Σ qty × weight_kg; a line without
    a weight weighs 0), its requested date as the first instant of that local day."""
    if name == "weight_kg":
        return float(sum(line.qty * (line.get("weight_kg") or 0.0) for line in order.lines))
    if name == "requested_date":
        return requested_instant(order.get("requested_date"), tz)
    created = order.get("created_at")
    if not isinstance(created, dt.datetime):
        return None
    local = (created if created.tzinfo else created.replace(tzinfo=tz)).astimezone(tz)
    if name == "local_time":
        return f"{local.hour:02d}:{local.minute:02d}"
    return WEEKDAYS[local.weekday()]


def requested_instant(value: Any, tz: ZoneInfo) -> dt.datetime | None:
    """A requested date (text `YYYY-MM-DD`, a date or an instant) as the first instant
    of that local day; None when there is none."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)


def node_value(name: str, fields: dict[str, Any]) -> Any:
    """`node.<name>` for a calendar column, its default where the node has none."""
    value = fields.get(name)
    if name == "cutoff":
        return DEFAULT_CUTOFF if value in (None, "") else str(value)
    if name == "prep_days":
        return 0 if value in (None, "") else value
    return _day_names(DEFAULT_OPEN_DAYS if value in (None, "") else str(value))


@functools.lru_cache(maxsize=256)
def _day_names(text: str) -> tuple[str, ...]:
    mask = parse_days(text)
    return tuple(name for bit, name in enumerate(WEEKDAYS) if mask >> bit & 1)
