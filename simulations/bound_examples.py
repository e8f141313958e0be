"""Example orders the bound routes otherwise, with what stood in the ruleset's way
(docs/kpis.md, "Example orders"): the orders with the largest gap that the bound ships
from a nearer node than the ruleset did."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from engine.model import Network
from simulations.bound_reach import day_numbers, local_day_numbers

if TYPE_CHECKING:
    from simulations.replay import Simulation

EXAMPLES = 5
"""Example orders kept per run."""
NAMED = 3
"""Earlier orders named in a reason at most."""
EXAMPLE_COLUMNS = [
    "order_id", "day", "strategy", "ruleset_node", "ruleset_km", "bound_node", "bound_km",
    "gap", "reason", "text",
]  # fmt: skip


def examples(orders: pd.DataFrame, simulation: Simulation, network: Network) -> pd.DataFrame:
    """Up to EXAMPLES orders, largest gap first (ties by order id), that the bound ships
    mostly from a node nearer than the ruleset's (or ships where the ruleset shipped
    nothing), each with its reason and a sentence."""
    nearer = orders["bound_km"] < orders["ruleset_km"]
    differ = orders["bound_node"].notna() & (
        orders["ruleset_node"].isna() | ((orders["ruleset_node"] != orders["bound_node"]) & nearer)
    )
    picked = (
        orders[differ & (orders["gap"] > 0.005)]
        .sort_values(["gap", "order_id"], ascending=[False, True], kind="stable")
        .head(EXAMPLES)
    )
    rows = []
    seen = _Narrowed.of(simulation, picked) if len(picked) else None
    for row in picked.itertuples(index=False):
        assert seen is not None
        reason = _reason(row, simulation, network, seen)
        rows.append(
            {
                "order_id": row.order_id,
                "day": row.day,
                "strategy": row.strategy,
                "ruleset_node": row.ruleset_node,
                "ruleset_km": row.ruleset_km,
                "bound_node": row.bound_node,
                "bound_km": row.bound_km,
                "gap": row.gap,
                "reason": reason,
                "text": _sentence(row, reason),
            }
        )
    return pd.DataFrame(rows, columns=EXAMPLE_COLUMNS)


def _sentence(row, reason: str) -> str:
    shipped = (
        "ruleset shipped nothing"
        if row.ruleset_node is None
        else f"ruleset shipped from {row.ruleset_node}, {_km(row.ruleset_km)}"
    )
    return (
        f"order {row.order_id}: {shipped}, bound ships from {row.bound_node}, "
        f"{_km(row.bound_km)}: {reason}"
    )


def _km(value: float) -> str:
    return "? km" if value is None or math.isnan(value) else f"{value:,.0f} km"


@dataclass(frozen=True)
class _Narrowed:
    """The rows the reasons read, narrowed once to the examples' orders and days and
    read into arrays (text as str, instants as UTC nanoseconds, −1 where missing):
    each reason is then a few array comparisons."""

    line_order: np.ndarray
    line_sku: np.ndarray
    allocation: dict[str, np.ndarray]
    shipment: dict[str, np.ndarray]
    arrival: dict[str, np.ndarray]

    @classmethod
    def of(cls, simulation: Simulation, picked: pd.DataFrame) -> _Narrowed:
        tables, inputs = simulation.tables, simulation.inputs
        days, ids = set(picked["day"]), set(picked["order_id"])
        lines = inputs.orders[inputs.orders["order_id"].astype(str).isin(ids)]
        allocations = tables.allocations[tables.allocations["day"].isin(days)]
        shipments = tables.shipments
        shipments = shipments[
            shipments["day"].isin(days) | shipments["order_id"].astype(str).isin(ids)
        ]
        arrivals = inputs.replenishments
        if arrivals is None or not len(arrivals):
            arrivals = pd.DataFrame({"node_id": [], "sku": [], "at": []})
        local = local_day_numbers(arrivals["at"], simulation.policy.tz)
        on_day = np.isin(local, day_numbers(sorted(days)))
        arrival = {
            "node_id": _text(arrivals["node_id"][on_day]),
            "sku": _text(arrivals["sku"][on_day]),
            "day": local[on_day],
            "at": _ns(arrivals["at"][on_day], simulation.policy.tz),
        }
        return cls(
            line_order=_text(lines["order_id"]),
            line_sku=_text(lines["sku"]),
            allocation=_columns(allocations, ["order_id", "node_id", "sku"]),
            shipment={
                **_columns(shipments, ["order_id", "node_id"]),
                "strategy": shipments["strategy"].to_numpy(dtype=object),
            },
            arrival=arrival,
        )


def _text(values) -> np.ndarray:
    return np.asarray(pd.Series(values, dtype=object).astype(str), dtype=object)


def _ns(values, tz="UTC") -> np.ndarray:
    """Instants as UTC nanoseconds (−1: missing); one without an offset is read in `tz`."""
    moments = pd.to_datetime(pd.Series(values))
    if moments.dt.tz is None:
        moments = moments.dt.tz_localize(tz)
    moments = moments.dt.tz_convert("UTC").dt.tz_localize(None)
    return np.where(moments.isna(), -1, moments.to_numpy("datetime64[ns]").view(np.int64))


def _columns(frame: pd.DataFrame, texts: list[str]) -> dict[str, np.ndarray]:
    """`texts` as str, `day` as it is, `created_at` as UTC nanoseconds."""
    return {
        **{name: _text(frame[name]) for name in texts},
        "day": frame["day"].to_numpy(dtype=object),
        "created_at": _ns(frame["created_at"]),
    }


def _before(created: np.ndarray, at: int) -> np.ndarray:
    return (created >= 0) & (created < at)


def _reason(row, simulation: Simulation, network: Network, seen: _Narrowed) -> str:
    """Why the ruleset did not use the bound's node: its stock taken by earlier orders
    of the day, its capacity used up that day, else the ruleset's own choice."""
    node, day, at = row.bound_node, row.day, int(_ns([row.created_at])[0])
    skus = set(seen.line_sku[seen.line_order == row.order_id].tolist())
    allocation = seen.allocation
    earlier = (
        (allocation["node_id"] == node)
        & (allocation["day"] == day)
        & _before(allocation["created_at"], at)
        & np.isin(allocation["sku"], list(skus))
    )
    if earlier.any():
        ids = list(dict.fromkeys(allocation["order_id"][earlier].tolist()))
        named = ", ".join(ids[:NAMED]) + (
            f" and {len(ids) - NAMED} more" if len(ids) > NAMED else ""
        )
        taken = ", ".join(sorted(set(allocation["sku"][earlier].tolist())))
        return f"{node}'s stock of {taken} was reserved by {named} earlier that day"
    capacity = network.capacity[network.index[node]]
    shipment = seen.shipment
    before = int(
        ((shipment["node_id"] == node) & (shipment["day"] == day)
         & _before(shipment["created_at"], at)).sum()
    )  # fmt: skip
    if np.isfinite(capacity) and before >= capacity:
        return f"{node} had already shipped its {int(capacity)} parcels of the day (its capacity)"
    arrival = seen.arrival
    later = (
        (arrival["node_id"] == node) & np.isin(arrival["sku"], list(skus))
        & (arrival["day"] == day_numbers([day])[0]) & (arrival["at"] > at)
    )  # fmt: skip
    if later.any():
        arrived = ", ".join(sorted(set(arrival["sku"][later].tolist())))
        return f"{node} received {arrived} later that day, after the order was routed"
    if row.ruleset_node is None:
        return "the ruleset found no node it could use for the whole order"
    chose = shipment["strategy"][
        (shipment["order_id"] == row.order_id) & (shipment["node_id"] == row.ruleset_node)
    ]
    name = chose[0] if len(chose) and isinstance(chose[0], str) else ""
    strategy = simulation.policy.by_id.get(name or str(row.strategy))
    if strategy is None:
        return "no strategy applied"
    return f"{strategy.id} ranks its candidates by {strategy.rank_text.removeprefix('rank by ')}"
