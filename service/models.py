"""Request bodies of the HTTP service, as pydantic models: a bad body is
refused with 422 and the path of the field at fault (`body.orders.0.lines.1.qty`)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from engine.events import EVENT_KINDS, Event
from engine.model import Line, Order

MAX_BATCH = 1_000
Kind = Literal[EVENT_KINDS]  # the kinds engine.events knows


class LineIn(BaseModel):
    """One order line; extra keys are product attributes (`line.<key>`)."""

    model_config = ConfigDict(extra="allow")

    sku: str = Field(min_length=1)
    qty: int = Field(gt=0)
    unit_price: float = Field(0.0, ge=0)
    category: str | None = None

    def to_line(self) -> Line:
        fields = {"unit_price": self.unit_price, "category": self.category}
        fields.update(self.model_extra or {})
        fields.update(sku=self.sku, qty=self.qty)
        return Line(sku=self.sku, qty=self.qty, fields=fields)


class OrderIn(BaseModel):
    """One order (data.md's order columns, lines nested); extra keys are
    reachable as `order.<key>`. Without `created_at` the order is routed now;
    a `created_at` without an offset is read in the ruleset's time zone."""

    model_config = ConfigDict(extra="allow")

    order_id: str = Field(min_length=1)
    created_at: dt.datetime | None = None
    channel: str = Field(min_length=1)
    delivery: Literal["home", "collect", "express"]
    collect_node: str | None = None
    tier: str = "standard"
    dest_lat: float | None = Field(None, ge=-90, le=90)
    dest_lon: float | None = Field(None, ge=-180, le=180)
    country: str | None = None
    region: str | None = None
    postal_code: str | None = None
    promised_days: float | None = Field(None, ge=0)
    lines: list[LineIn] = Field(min_length=1)

    @model_validator(mode="after")
    def _collect_names_its_store(self) -> OrderIn:
        if self.delivery == "collect" and not self.collect_node:
            raise ValueError("a collect order names its collect_node")
        return self

    def to_order(self, now: dt.datetime) -> Order:
        header: dict[str, Any] = {
            name: getattr(self, name)
            for name in (
                "channel", "delivery", "collect_node", "tier", "dest_lat", "dest_lon",
                "country", "region", "postal_code", "promised_days",
            )
        }  # fmt: skip
        header.update(self.model_extra or {})
        return Order(
            id=self.order_id,
            created_at=self.created_at or now,
            lines=tuple(line.to_line() for line in self.lines),
            fields=header,
        )


class RouteRequest(BaseModel):
    """`order` (one) or `orders` (a batch, routed in created_at order)."""

    model_config = ConfigDict(extra="forbid")

    order: OrderIn | None = None
    orders: list[OrderIn] | None = Field(None, min_length=1, max_length=MAX_BATCH)
    explain: bool = False

    @model_validator(mode="after")
    def _one_or_a_batch(self) -> RouteRequest:
        if (self.order is None) == (self.orders is None):
            raise ValueError("give either `order` (one order) or `orders` (a batch)")
        return self

    @property
    def all_orders(self) -> list[OrderIn]:
        return [self.order] if self.order is not None else list(self.orders or ())


class EventIn(BaseModel):
    """One operational event (see engine.events); without `at` it happens now."""

    model_config = ConfigDict(extra="forbid")

    at: AwareDatetime | None = None
    kind: Kind
    node_id: str = Field(min_length=1)
    sku: str | None = None
    qty: int | None = Field(None, ge=0)
    note: str = ""

    @model_validator(mode="after")
    def _fields_the_kind_needs(self) -> EventIn:
        if self.kind in ("stock_adjust", "replenish"):
            if not self.sku:
                raise ValueError(f"a {self.kind} event names a sku")
            if self.qty is None:
                raise ValueError(f"a {self.kind} event gives a qty")
        if self.kind == "replenish" and self.qty == 0:
            raise ValueError("a replenish event receives at least 1 unit")
        return self

    def to_event(self, now: dt.datetime) -> Event:
        return Event(self.at or now, self.kind, self.node_id, self.sku, self.qty, self.note)


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
