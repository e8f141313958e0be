"""Stock walked allocation by allocation: protection breaches and store stock-outs.

Each (node, SKU) starts at its inventory ``on_hand``; allocations are taken in routing order
(``seq``) and replenishments are added just before the first allocation made at or after
their time. An allocation that leaves less unallocated stock than the ``keep`` level of the
strategy that made it is a protection breach; a store SKU that started above 0 and is
brought down to 0 is a stock-out (counted once per pair, attributed to the emptying order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulations.decisions import STRATEGY_SEPARATOR, DecisionTables

BREACH_COLUMNS = [
    "order_id",
    "seq",
    "node_id",
    "node_type",
    "sku",
    "qty",
    "strategy",
    "keep",
    "stock_before",
    "stock_after",
    "day",
    "channel",
]
STOCKOUT_COLUMNS = [
    "node_id",
    "node_type",
    "sku",
    "on_hand",
    "order_id",
    "seq",
    "day",
    "channel",
]


@dataclass(frozen=True)
class StockWalk:
    """Allocations that breached a keep level, and the store SKUs emptied during the run."""

    breaches: pd.DataFrame
    stockouts: pd.DataFrame


def walk_stock(
    tables: DecisionTables,
    inventory: pd.DataFrame,
    keep_levels: pd.DataFrame | None = None,
    replenishments: pd.DataFrame | None = None,
) -> StockWalk:
    """Replay the allocations against the starting stock (and replenishments, if given)."""
    allocations = tables.allocations.sort_values("seq", kind="stable").reset_index(drop=True)
    if allocations.empty:
        return StockWalk(
            breaches=pd.DataFrame(columns=BREACH_COLUMNS),
            stockouts=pd.DataFrame(columns=STOCKOUT_COLUMNS),
        )
    start = (
        inventory.assign(node_id=inventory["node_id"].astype(str), sku=inventory["sku"].astype(str))
        .groupby(["node_id", "sku"])["on_hand"]
        .sum()
    )
    taken = pd.DataFrame(
        {
            "node_id": allocations["node_id"].astype(str),
            "sku": allocations["sku"].astype(str),
            "position": allocations.index.to_numpy(dtype="float64"),
            "delta": -allocations["qty"].to_numpy(dtype="int64"),
            "allocation": allocations.index.to_numpy(),
        }
    )
    events = pd.concat([taken, _replenishment_events(allocations, replenishments)])
    events = events.sort_values(["node_id", "sku", "position"], kind="stable")
    pairs = pd.MultiIndex.from_arrays([events["node_id"], events["sku"]])
    events["on_hand"] = start.reindex(pairs).fillna(0).to_numpy(dtype="int64")
    events["stock_after"] = events["on_hand"] + events.groupby(["node_id", "sku"])["delta"].cumsum()
    walked = events[events["allocation"] >= 0].set_index("allocation").sort_index()

    ledger = allocations.assign(
        keep=_keep_levels(allocations, tables.orders, keep_levels),
        on_hand=walked["on_hand"].to_numpy(),
        stock_after=walked["stock_after"].to_numpy(),
    )
    ledger["stock_before"] = ledger["stock_after"] + ledger["qty"]
    breaches = ledger[ledger["stock_after"] < ledger["keep"]]

    emptied = ledger[
        (ledger["node_type"] == "store") & (ledger["on_hand"] > 0) & (ledger["stock_after"] <= 0)
    ]
    stockouts = emptied.drop_duplicates(["node_id", "sku"], keep="first")
    return StockWalk(
        breaches=breaches[BREACH_COLUMNS].reset_index(drop=True),
        stockouts=stockouts[STOCKOUT_COLUMNS].reset_index(drop=True),
    )


def _replenishment_events(
    allocations: pd.DataFrame, replenishments: pd.DataFrame | None
) -> pd.DataFrame:
    """Replenishments as stock events placed before the first allocation at or after ``at``."""
    columns = ["node_id", "sku", "position", "delta", "allocation"]
    if replenishments is None or replenishments.empty:
        return pd.DataFrame(columns=columns).astype(
            {"position": "float64", "delta": "int64", "allocation": "int64"}
        )
    clock = _epoch_ns(allocations["created_at"]).cummax().to_numpy()
    arrived = _epoch_ns(replenishments["at"]).to_numpy()
    before = np.searchsorted(clock, arrived, side="left") - 0.5
    return pd.DataFrame(
        {
            "node_id": replenishments["node_id"].astype(str).to_numpy(),
            "sku": replenishments["sku"].astype(str).to_numpy(),
            "position": before,
            "delta": replenishments["qty"].to_numpy(dtype="int64"),
            "allocation": -1,
        }
    )


def _epoch_ns(times: pd.Series) -> pd.Series:
    """Instants as integer nanoseconds since the epoch (naive times are read as UTC)."""
    instants = pd.to_datetime(times)
    if instants.dt.tz is None:
        instants = instants.dt.tz_localize("UTC")
    return instants.dt.tz_convert("UTC").dt.as_unit("ns").astype("int64")


def _keep_levels(
    allocations: pd.DataFrame, orders: pd.DataFrame, keep_levels: pd.DataFrame | None
) -> np.ndarray:
    """The keep level protecting each allocation's node under the strategy that made it.

    An allocation whose strategy is unknown (a chain of several strategies and a decision
    without per-shipment ``strategy``) gets the lowest keep of the chain's strategies at
    that node, so a breach is only reported when every possible strategy was breached.
    """
    if keep_levels is None or keep_levels.empty:
        return np.zeros(len(allocations), dtype="int64")
    levels = (
        keep_levels.assign(
            strategy=keep_levels["strategy"].astype(str), node_id=keep_levels["node_id"].astype(str)
        )
        .groupby(["strategy", "node_id"])["keep"]
        .max()
    )
    strategy = allocations["strategy"].astype("object")
    chains = orders.set_index("order_id")["strategies"].reindex(allocations["order_id"])
    candidates = pd.DataFrame(
        {
            "allocation": np.arange(len(allocations)),
            "node_id": allocations["node_id"].astype(str).to_numpy(),
            "strategy": [
                [s] if pd.notna(s) else (str(c).split(STRATEGY_SEPARATOR) if pd.notna(c) else [])
                for s, c in zip(strategy, chains.to_numpy(), strict=True)
            ],
        }
    ).explode("strategy")
    key = pd.MultiIndex.from_arrays([candidates["strategy"], candidates["node_id"]])
    candidates["keep"] = levels.reindex(key).fillna(0).to_numpy()
    lowest = candidates.groupby("allocation")["keep"].min()
    return lowest.reindex(range(len(allocations))).fillna(0).to_numpy(dtype="int64")
