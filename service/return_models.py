"""Request bodies of POST /returns: one return or a batch, each with the columns of
returns.md and its lines nested. The limits are engine.limits', as the returns
loader's (engine.tables.returns): a bad body is refused with 422 and the path of
the field at fault (`body.returns.0.drop_node`). What needs the service's state — a
known drop node or SKU, a return id already routed, an instant near the service's
clock — is checked by `service.returns` before anything changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from engine.limits import MAX_LINES, shown
from engine.returns import RETURN_FIELDS, Return, ReturnLine
from engine.tables.returns import RETURN_CONDITIONS, RETURN_METHODS, SENT
from service.models import (
    MAX_BATCH,
    MAX_EXPLAINED,
    Id,
    Instant,
    Latitude,
    Longitude,
    Money,
    Qty,
    RequiredText,
    Text,
    WithExtras,
)

Method = Literal[RETURN_METHODS]  # store, post, courier
Condition = Literal[RETURN_CONDITIONS]  # new, opened, damaged


class ReturnLineIn(WithExtras):
    """One returned line; extra keys are product attributes (`line.<key>`), within
    the bounds of an order line's."""

    sku: Id
    qty: Qty
    reason: RequiredText
    condition: Condition
    unit_price: Money = 0.0
    category: Text | None = None

    @model_validator(mode="after")
    def _no_return_field(self) -> ReturnLineIn:
        for name in self.model_extra or {}:
            if name in RETURN_FIELDS:
                raise PydanticCustomError(
                    "extra",
                    "extra key {name}: it is a field of the whole return; give it on the "
                    "return, not on a line",
                    {"name": shown(name)},
                )
        return self

    def to_line(self) -> ReturnLine:
        fields: dict[str, Any] = {
            "reason": self.reason,
            "condition": self.condition,
            "unit_price": self.unit_price,
            "category": self.category,
        }
        fields.update(self.model_extra or {})
        fields.update(sku=self.sku, qty=self.qty)
        return ReturnLine(sku=self.sku, qty=self.qty, fields=fields)


class ReturnIn(BaseModel):
    """One return (returns.md's columns, lines nested). Without `created_at` it is
    created now; a `created_at` without an offset is read in the ruleset's time zone.
    A store return names its `drop_node`; a post or courier return the customer's
    address (`origin_lat`, `origin_lon`)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    return_id: Id
    created_at: Instant | None = None
    method: Method
    drop_node: Id | None = Field(None, validate_default=True)
    origin_lat: Latitude | None = Field(None, validate_default=True)
    origin_lon: Longitude | None = Field(None, validate_default=True)
    order_id: Id | None = None
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=MAX_LINES)

    @field_validator("drop_node")
    @classmethod
    def _store_names_its_drop_node(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("method") == "store":
            raise PydanticCustomError(
                "missing", "a store return names the store where it was dropped (drop_node)"
            )
        return value

    @field_validator("origin_lat", "origin_lon")
    @classmethod
    def _sent_gives_its_origin(cls, value: float | None, info: ValidationInfo) -> float | None:
        method = info.data.get("method")
        if value is None and method in SENT:
            raise PydanticCustomError(
                "missing",
                "a {method} return gives the customer's address (origin_lat, origin_lon)",
                {"method": method},
            )
        lat = info.data.get("origin_lat", value)  # origin_lat itself, or refused: no check
        if info.field_name == "origin_lon" and (value is None) != (lat is None):
            raise PydanticCustomError(
                "together", "origin_lat and origin_lon go together: give both or neither"
            )
        return value

    def to_return(self, created_at: dt.datetime) -> Return:
        """The engine's return, created at `created_at` (checked by service.returns)."""
        fields = {
            name: getattr(self, name)
            for name in RETURN_FIELDS
            if name not in ("return_id", "created_at")
        }
        return Return(self.return_id, created_at, tuple(li.to_line() for li in self.lines), fields)


class ReturnsRequest(BaseModel):
    """`return` (one) or `returns` (a batch, routed in created_at order, then return
    id); `explain` gives each decision its explanation."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    one: ReturnIn | None = Field(None, alias="return")
    returns: list[ReturnIn] | None = Field(None, min_length=1, max_length=MAX_BATCH)
    explain: Annotated[bool, Field(strict=True)] = False

    @model_validator(mode="after")
    def _one_or_a_batch(self) -> ReturnsRequest:
        if (self.one is None) == (self.returns is None):
            raise ValueError("give either `return` (one return) or `returns` (a batch)")
        if self.explain and len(self.all_returns) > MAX_EXPLAINED:
            raise ValueError(
                f"explain is given for at most {MAX_EXPLAINED} returns a request; "
                "send the batch without it, or smaller batches"
            )
        return self

    @property
    def all_returns(self) -> list[ReturnIn]:
        return [self.one] if self.one is not None else list(self.returns or ())

    @property
    def field(self) -> str:
        """Where the returns are in the body: `return` or `returns`."""
        return "return" if self.one is not None else "returns"
