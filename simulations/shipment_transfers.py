"""Click & collect in the decision tables: which orders are collect orders, which of
their shipments are transfer legs to the store, and when each is ready there (a run
with collect orders; docs/routing.md, "Click & collect transfers").

The engine's `DecisionBatch` holds them as arrays (`DecisionBatch.collect`), `Decision`
objects as `collect` and each shipment's `transfer` and `ready_date`, the data.md JSON
as the order's `ready_date` key and each shipment's `transfer` and `ready_date`; all
three give the same columns here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from simulations.shipment_promises import NO_DAY, day_numbers_of, json_date

if TYPE_CHECKING:
    from engine import DecisionBatch


@dataclass(frozen=True)
class ShipmentTransfers:
    """Per order whether it is a collect order; per shipment, when it is a transfer leg,
    the store it goes to (None: not a leg) and the leg's km, cost and days (NaN: not a
    leg), and the day it is ready at the store (a day number, NO_DAY: not a collect
    order's shipment)."""

    collect: np.ndarray
    to_node: list[str | None]
    km: np.ndarray
    cost: np.ndarray
    days: np.ndarray
    ready_day: np.ndarray


def batch_transfers(batch: DecisionBatch) -> ShipmentTransfers | None:
    """The collect columns of an engine batch; None when no order of it is a collect
    order."""
    columns = batch.collect
    if columns is None or not (columns.store >= 0).any():
        return None
    leg = columns.leg_to >= 0
    names = [*batch.node_ids, None]
    to = np.where(leg, columns.leg_to, len(batch.node_ids)).tolist()
    return ShipmentTransfers(
        collect=columns.store >= 0,
        to_node=[names[i] for i in to],
        km=np.where(leg, columns.leg_km, np.nan),
        cost=np.where(leg, columns.leg_cost, np.nan),
        days=np.where(leg, columns.leg_days, np.nan),
        ready_day=np.where(columns.ready_day >= 0, columns.ready_day, NO_DAY).astype(np.int64),
    )


def object_transfers(collect: Sequence[bool], shipments: Sequence[Any]) -> ShipmentTransfers | None:
    """The collect columns of decision objects (engine `Decision`s, or JSON decisions
    read by `simulations.decision_columns`): per order `collect`, per shipment its
    `transfer` and `ready_date`. None when no order is a collect order."""
    if not any(collect):
        return None
    legs = [s.transfer for s in shipments]

    def figure(name: str) -> np.ndarray:
        return np.array(
            [np.nan if leg is None else float(getattr(leg, name)) for leg in legs], dtype="float64"
        )

    return ShipmentTransfers(
        collect=np.array(collect, dtype=bool),
        to_node=[None if leg is None else leg.to_node for leg in legs],
        km=figure("distance_km"),
        cost=figure("cost"),
        days=figure("days"),
        ready_day=day_numbers_of(np.array([s.ready_date for s in shipments], dtype=object)),
    )


class JsonTransfer:
    """A data.md JSON shipment's `transfer`, with the names of `engine.decision.Transfer`."""

    __slots__ = ("to_node", "distance_km", "cost", "days")

    def __init__(self, data: dict, order_id: str, node_id: str):
        try:
            self.to_node = str(data["to_node"])
            self.distance_km = float(data["distance_km"])
            self.cost = float(data["cost"])
            self.days = float(data["days"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(
                f"order {order_id}: shipment from {node_id} has a transfer without "
                "to_node, distance_km, cost and days"
            ) from None


def json_collect(
    data: dict, order_id: str, node_id: str
) -> tuple[JsonTransfer | None, dt.date | None]:
    """A JSON shipment's transfer leg and ready date (None, None: neither)."""
    leg = data.get("transfer")
    transfer = None if leg is None else JsonTransfer(leg, order_id, node_id)
    return transfer, json_date(data, "ready_date", order_id, node_id)
