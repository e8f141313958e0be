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
    """The rows the reasons read, narrowed once to the examples' orders and days."""

    lines: pd.DataFrame
    allocations: pd.DataFrame
    shipments: pd.DataFrame
    arrivals: pd.DataFrame | None
    arrived_at: pd.Series | None

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
        arrivals, moments = inputs.replenishments, None
        if arrivals is not None and len(arrivals):
            tz = simulation.policy.tz
            moments = pd.to_datetime(arrivals["at"])
            if moments.dt.tz is None:
                moments = moments.dt.tz_localize(tz)
            on_day = moments.dt.tz_convert(tz).dt.date.isin(days).to_numpy()
            arrivals, moments = arrivals[on_day], moments[on_day]
        return cls(lines, allocations, shipments, arrivals, moments)


def _reason(row, simulation: Simulation, network: Network, seen: _Narrowed) -> str:
    """Why the ruleset did not use the bound's node: its stock taken by earlier orders
    of the day, its capacity used up that day, else the ruleset's own choice."""
    node, day, at = row.bound_node, row.day, row.created_at
    skus = set(
        seen.lines.loc[seen.lines["order_id"].astype(str) == row.order_id, "sku"].astype(str)
    )
    allocations = seen.allocations
    earlier = allocations[
        (allocations["node_id"] == node)
        & (allocations["day"] == day)
        & (allocations["created_at"] < at)
        & allocations["sku"].astype(str).isin(skus)
    ]
    if len(earlier):
        ids = list(dict.fromkeys(earlier["order_id"].astype(str)))
        named = ", ".join(ids[:NAMED]) + (
            f" and {len(ids) - NAMED} more" if len(ids) > NAMED else ""
        )
        skus = ", ".join(sorted(set(earlier["sku"].astype(str))))
        return f"{node}'s stock of {skus} was reserved by {named} earlier that day"
    capacity = network.capacity[network.index[node]]
    shipments = seen.shipments
    before = int(
        ((shipments["node_id"] == node) & (shipments["day"] == day)
         & (shipments["created_at"] < at)).sum()
    )  # fmt: skip
    if np.isfinite(capacity) and before >= capacity:
        return f"{node} had already shipped its {int(capacity)} parcels of the day (its capacity)"
    arrived = _arrived_later(seen, simulation.policy.tz, node, skus, day, at)
    if arrived:
        return f"{node} received {arrived} later that day, after the order was routed"
    if row.ruleset_node is None:
        return "the ruleset found no node it could use for the whole order"
    chose = shipments.loc[
        (shipments["order_id"].astype(str) == row.order_id)
        & (shipments["node_id"] == row.ruleset_node),
        "strategy",
    ]
    name = str(chose.iloc[0]) if len(chose) and isinstance(chose.iloc[0], str) else ""
    strategy = simulation.policy.by_id.get(name or str(row.strategy))
    if strategy is None:
        return "no strategy applied"
    return f"{strategy.id} ranks its candidates by {strategy.rank_text.removeprefix('rank by ')}"


def _arrived_later(seen: _Narrowed, tz, node: str, skus: set[str], day, at) -> str:
    """The SKUs of the order that reached `node` on local `day` after instant `at`."""
    arrivals, moments = seen.arrivals, seen.arrived_at
    if arrivals is None or moments is None or not len(arrivals):
        return ""
    local = moments.dt.tz_convert(tz)
    later = (
        (arrivals["node_id"].astype(str) == node).to_numpy()
        & arrivals["sku"].astype(str).isin(skus).to_numpy()
        & (local.dt.date == day).to_numpy()
        & (moments > pd.Timestamp(at)).to_numpy()
    )
    return ", ".join(sorted(set(arrivals["sku"].astype(str)[later])))
