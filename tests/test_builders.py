"""engine.builders makes the same objects as the classes' own __init__."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import pytest

from engine.builders import (
    _setters,
    new_decision,
    new_line,
    new_order,
    new_shipment,
    new_shipment_line,
    new_unfilled,
)
from engine.decision import Decision, Shipment, ShipmentLine, Transfer, Unfilled
from engine.model import Line, Order


def same(made, expected) -> None:
    assert type(made) is type(expected)
    assert made == expected
    for field in fields(expected):  # every slot set, to the same value
        assert getattr(made, field.name) == getattr(expected, field.name)


def test_an_order_and_its_lines_are_what_the_classes_make():
    fields = {"sku": "A", "qty": 2, "unit_price": 9.5, "colour": "red"}
    line = new_line("A", 2, fields)
    same(line, Line("A", 2, fields))
    at = dt.datetime(2026, 12, 5, 9, tzinfo=dt.UTC)
    header = {"channel": "web", "tier": "vip"}
    same(new_order("O1", at, (line,), header), Order("O1", at, (Line("A", 2, fields),), header))


def test_each_builder_makes_what_the_class_makes():
    lines = (ShipmentLine("A", 2), ShipmentLine("B", 1))
    same(new_shipment_line("A", 2), lines[0])
    same(new_unfilled("C", 3, "no stock"), Unfilled("C", 3, "no stock"))
    leg = Transfer("ST-1", 12.5, 3.0, 1.0)
    args = ("DC-1", lines, 41.2, 7.5, 1.0, "home", None, leg, dt.date(2026, 12, 5))
    parcel = new_shipment(*args)
    same(parcel, Shipment(*args))
    short = (Unfilled("C", 3, "no stock"),)
    same(
        new_decision("O1", "partial", ("home",), (parcel,), short, (), None, None, False, True),
        Decision("O1", "partial", ("home",), (Shipment(*args),), short, collect=True),
    )


def test_a_builder_that_does_not_name_every_field_in_order_fails_at_once():
    @dataclass(frozen=True, slots=True)
    class Grown:
        sku: str
        qty: int
        note: str = ""

    assert len(_setters(Grown, "sku", "qty", "note")) == 3
    with pytest.raises(TypeError, match="has the fields"):
        _setters(Grown, "sku", "qty")
    with pytest.raises(TypeError, match="has the fields"):
        _setters(Grown, "qty", "sku", "note")


def test_a_built_decision_is_frozen_like_any_other():
    made = new_decision("O1", "routed", (), (), (), (), None, None, False, False)
    with pytest.raises(AttributeError):
        made.status = "unroutable"  # type: ignore[misc]
