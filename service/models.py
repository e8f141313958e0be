"""Request bodies of the HTTP service, as pydantic models: a bad body is refused
with 422 and the path of the field at fault (`body.orders.0.lines.1.qty`).

Every number, text and list is bounded here with engine.limits' ranges (the
same as the table loaders'), strictly typed (`true` is not a quantity, `"3"`
is not a number) and finite (NaN and ±inf are refused). What needs the
service's state — a known node or SKU, an id already routed, an instant near
the service's clock — is checked by `service.writes` before anything changes.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from engine.builders import new_line, new_order
from engine.events import EVENT_KINDS, QTY_RANGES
from engine.limits import (
    DAYS,
    EXTRA_NUMBER,
    HOLD_TTL,
    LATITUDE,
    LINE_QTY,
    LONGITUDE,
    MAX_EXTRA_FIELDS,
    MAX_EXTRA_NAME,
    MAX_ID_LENGTH,
    MAX_LINES,
    MAX_TEXT_LENGTH,
    MONEY,
    STOCK,
    Range,
    computed_field_problem,
    name_problem,
    shown,
    text_problem,
)
from engine.model import Line, Order
from engine.tables.events import NEEDS_NODE, NEEDS_SKU, ORDER_CHANGES, ORDER_KINDS

MAX_BATCH = 1_000
"""Orders in one POST /route, events in one POST /events."""
MAX_EXPLAINED = 50
"""Orders in one POST /route with `explain`: an explanation lists every node."""
Kind = Literal[EVENT_KINDS]  # the kinds engine.events knows


def _checked_name(value: str) -> str:
    if value.isprintable():  # the common case, fast: its length is checked already
        return value
    problem = name_problem(value)
    if problem is not None:
        raise PydanticCustomError("name", "the id {problem}", {"problem": problem})
    return value


def _checked_text(value: str) -> str:
    if value.isprintable():  # the common case, fast: its length is checked already
        return value
    problem = text_problem(value)
    if problem is not None:
        raise PydanticCustomError("text", "the text {problem}", {"problem": problem})
    return value


Id = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ID_LENGTH),
    AfterValidator(_checked_name),
]
"""A node, SKU or order id: trimmed, 1–256 characters, no control or invisible character."""
Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=MAX_TEXT_LENGTH),
    AfterValidator(_checked_text),
]
"""Free text: trimmed, at most 1,024 characters, no control character."""
RequiredText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_LENGTH),
    AfterValidator(_checked_text),
]
"""Free text that cannot be empty."""


def bounded(limits: Range, description: str) -> Any:
    """A strict number field within `limits` (engine.limits): a JSON integer
    for a whole range, any finite JSON number otherwise; never a boolean. (A strict
    integer is finite already: asking it again would cost a Python call a value.)"""
    finite = {} if limits.whole else {"allow_inf_nan": False}
    return Annotated[
        int if limits.whole else float,
        Field(
            strict=True,
            ge=limits.low,
            le=limits.high,
            description=f"{description}: {limits.rule}",
            **finite,
        ),
    ]


Qty = bounded(LINE_QTY, "units on the line")
Money = bounded(MONEY, "an amount")
Latitude = bounded(LATITUDE, "degrees")
Longitude = bounded(LONGITUDE, "degrees")
Days = bounded(DAYS, "days")


def _iso_text(value: Any) -> Any:
    if not isinstance(value, str | dt.datetime):
        raise PydanticCustomError("instant", "an instant is an ISO 8601 text")
    return value


Instant = Annotated[dt.datetime, BeforeValidator(_iso_text)]
"""An ISO 8601 text (not a number of seconds); its range (1970–2200 UTC) and
distance from the service's clock are checked with the ruleset's time zone
(service.writes)."""


class WithExtras(BaseModel):
    """Extra keys are kept (`order.<key>`, `line.<key>`), within bounds: at most
    32 of them, named like a language field (letters, digits, `_`; at most 64
    characters), never like a computed order field, each holding a text, a
    finite number, true/false or null."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    @model_validator(mode="after")
    def _extras_within_bounds(self):
        extra = self.__pydantic_extra__
        if not extra:  # the common case, fast
            return self
        if len(extra) > MAX_EXTRA_FIELDS:
            raise PydanticCustomError(
                "too_many_extras",
                "{count} extra keys; at most {limit} are kept",
                {"count": len(extra), "limit": MAX_EXTRA_FIELDS},
            )
        for name, value in extra.items():
            problem = _extra_problem(name, value)
            if problem is not None:
                context = {"name": shown(name), "problem": problem}
                raise PydanticCustomError("extra", "extra key {name}: {problem}", context)
        return self


def _extra_problem(name: str, value: Any) -> str | None:
    if not (
        len(name) <= MAX_EXTRA_NAME
        and name.isascii()
        and name.replace("_", "a").isalnum()
        and not name[0].isdigit()
    ):
        return (
            f"a key is a name of letters, digits and _ (not first a digit), "
            f"at most {MAX_EXTRA_NAME} characters"
        )
    computed = computed_field_problem(name)
    if computed is not None:
        return computed
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        problem = text_problem(value)
        return None if problem is None else f"the text {problem}"
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return "a number must be finite"
        if not EXTRA_NUMBER.low <= value <= EXTRA_NUMBER.high:
            return f"a number must be {EXTRA_NUMBER.rule}"
        return None
    return "an extra value is a text, a number, true, false or null"


class LineIn(WithExtras):
    """One order line; extra keys are product attributes (`line.<key>`)."""

    sku: Id
    qty: Qty
    unit_price: Money = 0.0
    category: Text | None = None

    def to_line(self) -> Line:
        extra = self.__pydantic_extra__ or {}  # never a field's name: pydantic keeps those
        sku, qty = self.sku, self.qty
        fields = {"unit_price": self.unit_price, "category": self.category, **extra}
        fields["sku"], fields["qty"] = sku, qty
        return new_line(sku, qty, fields)


HEADER_FIELDS = (
    "channel", "delivery", "collect_node", "tier", "dest_lat", "dest_lon",
    "country", "region", "postal_code", "promised_days",
)  # fmt: skip


class _Destination(WithExtras):
    """Where an order or a basket goes, and for whom (data.md's order columns)."""

    collect_node: Id | None = None
    tier: Text = "standard"
    dest_lat: Latitude | None = None
    dest_lon: Longitude | None = None
    country: Text | None = None
    region: Text | None = None
    postal_code: Text | None = None
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_LINES)


class OrderIn(_Destination):
    """One order (data.md's order columns, lines nested); extra keys are
    reachable as `order.<key>`. Without `created_at` the order is routed now;
    a `created_at` without an offset is read in the ruleset's time zone."""

    order_id: Id
    created_at: Instant | None = None
    channel: RequiredText
    delivery: Literal["home", "collect", "express"]
    promised_days: Days | None = None

    @model_validator(mode="after")
    def _collect_names_its_store(self) -> OrderIn:
        if self.delivery == "collect" and not self.collect_node:
            raise ValueError("a collect order names its collect_node")
        return self

    def to_order(self, created_at: dt.datetime) -> Order:
        """The engine's order, created at `created_at` (checked by service.writes)."""
        values = self.__dict__
        header: dict[str, Any] = {name: values[name] for name in HEADER_FIELDS}
        if self.__pydantic_extra__:
            header.update(self.__pydantic_extra__)
        lines = tuple([line.to_line() for line in self.lines])
        return new_order(self.order_id, created_at, lines, header)


HoldId = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{32}$"),
    Field(description="a hold id as POST /holds gave it: 32 lower-case hex digits"),
]


class RouteRequest(BaseModel):
    """`order` (one) or `orders` (a batch, routed in created_at order); with
    `hold_id`, one order that consumes that hold."""

    model_config = ConfigDict(extra="forbid")

    order: OrderIn | None = None
    orders: list[OrderIn] | None = Field(None, min_length=1, max_length=MAX_BATCH)
    explain: Annotated[bool, Field(strict=True)] = False
    hold_id: HoldId | None = None

    @model_validator(mode="after")
    def _one_or_a_batch(self) -> RouteRequest:
        if (self.order is None) == (self.orders is None):
            raise ValueError("give either `order` (one order) or `orders` (a batch)")
        if self.hold_id is not None and self.order is None:
            raise ValueError("a `hold_id` goes with one order (`order`), not a batch")
        if self.explain and len(self.all_orders) > MAX_EXPLAINED:
            raise ValueError(
                f"explain is given for at most {MAX_EXPLAINED} orders a request; "
                "send the batch without it, or smaller batches"
            )
        return self

    @property
    def all_orders(self) -> list[OrderIn]:
        return [self.order] if self.order is not None else list(self.orders or ())

    @property
    def field(self) -> str:
        """Where the orders are in the body: `order` or `orders`."""
        return "order" if self.order is not None else "orders"


class EventIn(BaseModel):
    """One event (see engine.events, docs/reactions.md); without `at` it happens now.
    `qty` is a count (0 … 10^12) for stock_adjust and line_reject, a receipt
    (1 … 10^12) for replenish, units (≥ 1) for order_cancel, a capacity (0 … 10^9,
    null = unlimited) for capacity_change. Order events name the `order_id`; an
    order_modify gives the order fields it changes."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    at: Annotated[AwareDatetime, BeforeValidator(_iso_text)] | None = None
    kind: Kind
    node_id: Id | None = None
    sku: Id | None = None
    qty: bounded(STOCK, "units, or orders per day for capacity_change") | None = None
    note: Text = ""
    order_id: Id | None = None
    delivery: Literal["home", "collect", "express"] | None = None
    collect_node: Id | None = None
    dest_lat: Latitude | None = None
    dest_lon: Longitude | None = None
    country: Id | None = None
    region: Id | None = None
    postal_code: Id | None = None

    @model_validator(mode="after")
    def _fields_the_kind_needs(self) -> EventIn:
        if self.kind in NEEDS_NODE and not self.node_id:
            raise ValueError(f"a {self.kind} event names the node (node_id)")
        if self.kind in NEEDS_SKU and not self.sku:
            raise ValueError(f"a {self.kind} event names a sku")
        if self.kind in ("stock_adjust", "replenish") and self.qty is None:
            raise ValueError(f"a {self.kind} event gives a qty")
        if self.kind in ORDER_KINDS and not self.order_id:
            raise ValueError(f"a {self.kind} event names the order (order_id)")
        if self.kind == "order_cancel" and self.qty is not None and not self.sku:
            raise ValueError("an order_cancel event with a qty names the SKU cancelled")
        if self.changes and self.kind != "order_modify":
            raise ValueError(f"a {self.kind} event changes no order field")
        if self.kind == "order_modify":
            if not self.changes:
                raise ValueError(
                    "an order_modify event changes nothing; give " + ", ".join(ORDER_CHANGES)
                )
            if (self.dest_lat is None) != (self.dest_lon is None):
                raise ValueError("dest_lat and dest_lon go together: give both or neither")
            if self.delivery == "collect" and not self.collect_node:
                raise ValueError("a change to collect names the store (collect_node)")
        limits = QTY_RANGES.get(self.kind)
        if limits is not None and self.qty is not None:
            limits.check(self.qty, f"the qty of a {self.kind} event")
        return self

    @property
    def changes(self) -> tuple[tuple[str, Any], ...]:
        """The order fields an order_modify sets."""
        return tuple(
            (name, value) for name in ORDER_CHANGES if (value := getattr(self, name)) is not None
        )


class EventsRequest(BaseModel):
    """`event` (one) or `events` (applied in time order, file order on ties)."""

    model_config = ConfigDict(extra="forbid")

    event: EventIn | None = None
    events: list[EventIn] | None = Field(None, min_length=1, max_length=MAX_BATCH)

    @model_validator(mode="after")
    def _one_or_a_batch(self) -> EventsRequest:
        if (self.event is None) == (self.events is None):
            raise ValueError("give either `event` (one event) or `events` (a batch)")
        return self

    @property
    def all_events(self) -> list[EventIn]:
        return [self.event] if self.event is not None else list(self.events or ())

    @property
    def field(self) -> str:
        return "event" if self.event is not None else "events"


class PromiseRequest(_Destination):
    """A basket before checkout (POST /promise): its lines, where it goes and, when
    given, the instant it is asked at (`at`; default the service's clock) and the one
    delivery method to promise (default every method: home, express, and collect with
    a `collect_node`). Extra keys are order fields (`order.<key>`)."""

    at: Instant | None = None
    delivery: Literal["home", "collect", "express"] | None = None
    channel: RequiredText = "web"
    requested_date: Text | None = None

    def basket(self) -> dict[str, Any]:
        """The basket as `engine.promise_options.basket_order` reads it."""
        data = self.model_dump(mode="json", exclude_none=True, exclude={"lines"})
        data["lines"] = [dict(line.to_line().fields) for line in self.lines]
        return data


class HoldRequest(BaseModel):
    """Hold stock for a basket (POST /holds): the basket is an order as POST /route
    takes it; its units stay held `ttl_seconds` (1 … 3,600)."""

    model_config = ConfigDict(extra="forbid")

    basket: OrderIn
    ttl_seconds: bounded(HOLD_TTL, "how long the units stay held")
