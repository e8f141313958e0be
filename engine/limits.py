"""Every range a number, an instant or a name may take when it enters the engine,
stated once: the loaders, the events, the command line and the HTTP service check
their input against these (docs/data.md, "Limits").

Why these bounds: the router counts units in int64 (about 9.2 × 10^18). A line
holds at most 10^9 units and an order at most 1,000 lines, so one order asks for
at most 10^12 units of a SKU; a stock position holds at most 10^12 units (a
receipt that would go above is refused). No sum the router, the ledger or a
re-route makes comes near int64's range, and every cost stays a finite float.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np

from dsl import limits
from dsl.limits import NOT_IN_NAMES, NOT_IN_TEXT
from dsl.limits import escaped as escaped
from dsl.limits import shown as shown


class OutOfRange(limits.OutOfRange):
    """A value outside the range the engine accepts; the message says which
    value, the range, and so what to send instead. (Also `dsl.limits.OutOfRange`,
    so a `SourcingError` and a `ValueError`.)"""


@dataclass(frozen=True, slots=True)
class Range:
    """A closed range of numbers; `whole` ranges hold integers only."""

    low: int | float
    high: int | float
    whole: bool = False
    unit: str = ""
    """What the numbers count, for messages (`of units`, `of orders per day`)."""
    noun: str = ""
    """What a value is called instead (`a latitude`)."""

    @property
    def rule(self) -> str:
        """The range in words, as reject reasons and 422s say it."""
        kind = self.noun or ("a whole number" if self.whole else "a number")
        unit = f" {self.unit}" if self.unit else ""
        return f"{kind}{unit} from {_figure(self.low)} to {_figure(self.high)}"

    def holds(self, values: np.ndarray) -> np.ndarray:
        """Which of the floats `values` are in the range (NaN and ±inf never are)."""
        values = np.asarray(values, dtype=np.float64)
        inside: np.ndarray = np.isfinite(values) & (values >= self.low) & (values <= self.high)
        if self.whole:
            inside &= np.mod(np.where(inside, values, 0.0), 1.0) == 0.0
        return inside

    def check(self, value: Any, what: str) -> int | float:
        """`value` if it is a number in the range (booleans are not numbers), else
        OutOfRange naming `what`."""
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise OutOfRange(f"{what} must be {self.rule}, got {shown(value)}")
        number: int | float = value
        if isinstance(number, float) and not math.isfinite(number):
            raise OutOfRange(f"{what} must be {self.rule}, got {shown(number)}")
        if self.whole and isinstance(number, float):
            if number != int(number):
                raise OutOfRange(f"{what} must be {self.rule}, got {shown(number)}")
            number = int(number)
        if not self.low <= number <= self.high:
            raise OutOfRange(f"{what} must be {self.rule}, got {shown(number)}")
        return number


def _figure(number: int | float) -> str:
    """10**9 as `1,000,000,000`, -90 as `-90`, 0.5 as `0.5`."""
    if float(number).is_integer():
        return f"{int(number):,}"
    return f"{number:g}"


# ------------------------------------------------------------------ numbers

LINE_QTY = Range(1, 10**9, whole=True, unit="of units")
"""Units on one order line."""
MAX_LINES = 1_000
"""Lines in one order."""
STOCK = Range(0, 10**12, whole=True, unit="of units")
"""Units on hand at one node for one SKU: opening stock, a count, and the
position a receipt leaves."""
RECEIPT = Range(1, 10**12, whole=True, unit="of units")
"""Units one replenishment brings; the replenishments of one node and SKU in
one table add up to at most STOCK.high as well."""
CAPACITY = Range(0, 10**9, whole=True, unit="of orders per day")
PRIORITY = Range(-(10**9), 10**9, whole=True)
MONEY = Range(0, 10**9, noun="an amount")
"""unit_price, pick_cost, ship_cost_base, ship_cost_per_km."""
DAYS = Range(0, 365, unit="of days")
"""handling_days and promised_days."""
LATITUDE = Range(-90, 90, noun="a latitude")
LONGITUDE = Range(-180, 180, noun="a longitude")
WHOLE_DAYS = Range(0, 365, whole=True, unit="of days")
"""A carrier's transit_days and a node's prep_days."""
WEIGHT = Range(0, 10**6, unit="of kg")
"""A line's weight_kg (per unit) and a carrier's max_weight_kg: a parcel of the
most units an order holds (10^12) at this weight is 10^18 kg, a finite float."""
DISTANCE = Range(0, 40_000, unit="of km")
"""A carrier's max_km (no two places on Earth are more than ~20,015 km apart)."""
CO2_PER_KM = Range(0, 1_000, unit="of kg per km")
PARCELS = Range(0, 10**9, whole=True, unit="of parcels per node per day")
"""A carrier's daily_parcels."""
HOLD_TTL = Range(1, 3_600, whole=True, unit="of seconds")
"""How long stock held for a basket stays held (engine.holds)."""
MAX_HOLDS = 100_000
"""Holds open at once (engine.holds): each holds at least one unit, and the
stock bound alone would let a client open billions of them."""

# ----------------------------------------------------------------- instants

EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2200, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)
INSTANT_RULE = "a date-time from 1970-01-01T00:00:00Z to 2200-12-31T23:59:59Z (UTC)"
FIRST_DAY, LAST_DAY = EARLIEST.date(), LATEST.date()


def check_instant(value: dt.datetime, zone: dt.tzinfo, what: str) -> dt.datetime:
    """`value` as an aware UTC instant (a naive value is a wall-clock time in
    `zone`, read with fold=0), or OutOfRange when it falls outside years
    1970–2200 in UTC — also when the conversion itself would leave Python's
    calendar (year 1 at +14:00, year 9999 at −12:00)."""
    try:
        aware = value if value.tzinfo is not None else value.replace(tzinfo=zone)
        instant = aware.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        instant = None
    if instant is None or not EARLIEST <= instant <= LATEST:
        raise OutOfRange(f"{what} must be {INSTANT_RULE}, got {value.isoformat()}")
    return instant


def check_day(value: dt.date, what: str) -> dt.date:
    """A calendar day within years 1970–2200."""
    if not FIRST_DAY <= value <= LAST_DAY:
        raise OutOfRange(
            f"{what} must be a day from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}, "
            f"got {value.isoformat()}"
        )
    return value


# -------------------------------------------------------------------- names

MAX_ID_LENGTH = 256
"""Characters in an id: order, node, SKU, a collect node, a key name."""
MAX_TEXT_LENGTH = 1_024
"""Characters in any other text the service accepts (channel, an extra field)."""
MAX_COLUMNS = 500
"""Columns in one data table (contract columns and extra ones)."""
MAX_EXTRA_FIELDS = 32
"""Extra keys on one order or one line in a service request."""
MAX_EXTRA_NAME = 64
"""Characters in the name of an extra key in a service request."""
EXTRA_NUMBER = Range(-(10**15), 10**15)
"""Numbers in extra fields of a service request."""

COMPUTED_ORDER_FIELDS = {
    "value": "order.value is computed: Σ qty × unit_price over the order's lines",
    "units": "order.units is computed: Σ qty over the order's lines",
    "lines": "order.lines is computed: the number of the order's lines",
    "id": "order.id is the order's order_id",
}
"""Order fields the engine works out itself: no data column or request key may
carry them (it would override the engine's value)."""


def computed_field_problem(name: str) -> str | None:
    """Why a column or key named `name` is refused on an order, or None."""
    reason = COMPUTED_ORDER_FIELDS.get(name)
    if reason is None:
        return None
    return f"{reason}, so `{name}` cannot be given; rename it (e.g. `declared_{name}`)"


def name_problem(text: str, limit: int = MAX_ID_LENGTH) -> str | None:
    """Why `text` cannot be an id or a name, or None: empty, too long, or holding
    control or invisible format characters."""
    if not text:
        return "is empty"
    if len(text) > limit:
        return f"is {len(text):,} characters long; at most {limit:,} are allowed"
    if not _clean(text, NOT_IN_NAMES):
        return "holds a control or invisible character (such as NUL, a line break or ESC)"
    return None


def text_problem(text: str, limit: int = MAX_TEXT_LENGTH) -> str | None:
    """Why free text (a channel, an extra value) cannot be taken, or None."""
    if len(text) > limit:
        return f"is {len(text):,} characters long; at most {limit:,} are allowed"
    if not _clean(text, NOT_IN_TEXT):
        return "holds a control character (such as NUL, a line break or ESC)"
    return None


def _clean(text: str, refused: frozenset[str]) -> bool:
    if text.isprintable():  # the common case, fast: no Cc, Cf, Cs, Z* but space
        return True
    return not any(unicodedata.category(c) in refused for c in text)
