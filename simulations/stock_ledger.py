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
import pyarrow as pa
import pyarrow.compute as pc

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
    """Replay the allocations against the starting stock (and replenishments, if given).

    Vectorised: each (node, SKU) pair the allocations touch gets an integer id; the
    allocations and the replenishments of those pairs are merged in one sort (by pair,
    then position in the routing order) and the running stock is a cumulative sum within
    each pair. Only integers are added, so the figures are exact.
    """
    allocations = tables.allocations
    if not allocations["seq"].is_monotonic_increasing:
        allocations = allocations.sort_values("seq", kind="stable")
    allocations = allocations.reset_index(drop=True)
    if allocations.empty:
        return StockWalk(
            breaches=pd.DataFrame(columns=BREACH_COLUMNS),
            stockouts=pd.DataFrame(columns=STOCKOUT_COLUMNS),
        )
    pairs = _Pairs(allocations["node_id"], allocations["sku"])
    on_hand = pairs.totals(inventory["node_id"], inventory["sku"], inventory["on_hand"])
    pair = pairs.ids
    qty = allocations["qty"].to_numpy(dtype="int64")
    # positions in the merged walk: allocation i at 2i + 1, a replenishment received just
    # before allocation j at 2j (so it counts for allocation j and every later one)
    position = 2 * np.arange(len(allocations), dtype=np.int64) + 1
    delta = -qty
    event_pair = pair
    if replenishments is not None and not replenishments.empty:
        arrived = pairs.find(replenishments["node_id"], replenishments["sku"])
        useful = arrived >= 0  # stock of a pair no allocation touches changes no figure
        clock = _epoch_ns(allocations["created_at"]).cummax().to_numpy()
        at = _epoch_ns(replenishments["at"]).to_numpy()[useful]
        before = np.searchsorted(clock, at, side="left")
        position = np.concatenate([position, 2 * before.astype(np.int64)])
        delta = np.concatenate([delta, replenishments["qty"].to_numpy(dtype="int64")[useful]])
        event_pair = np.concatenate([pair, arrived[useful]])
    order = np.lexsort((position, event_pair))
    running = np.cumsum(delta[order])
    sorted_pair = event_pair[order]
    starts = np.flatnonzero(np.r_[True, sorted_pair[1:] != sorted_pair[:-1]])
    before_pair = np.r_[0, running][starts]  # running total before each pair's first event
    within = running - np.repeat(before_pair, np.diff(np.r_[starts, len(order)]))
    taken = order < len(allocations)  # allocation events (replenishments come after them)
    stock_after = np.empty(len(allocations), dtype=np.int64)
    stock_after[order[taken]] = on_hand[sorted_pair[taken]] + within[taken]
    start = on_hand[pair]

    keep = _keep_levels(allocations, tables.orders, keep_levels)
    breached = np.flatnonzero(stock_after < keep)
    store = np.asarray(allocations["node_type"] == "store", dtype=bool)
    emptied = np.flatnonzero(store & (start > 0) & (stock_after <= 0))
    first = emptied[np.unique(pair[emptied], return_index=True)[1]]
    first.sort()
    breaches = allocations.iloc[breached].assign(
        keep=keep[breached],
        stock_before=stock_after[breached] + qty[breached],
        stock_after=stock_after[breached],
    )
    stockouts = allocations.iloc[first].assign(on_hand=start[first])
    return StockWalk(
        breaches=breaches[BREACH_COLUMNS].reset_index(drop=True),
        stockouts=stockouts[STOCKOUT_COLUMNS].reset_index(drop=True),
    )


class _Pairs:
    """Integer ids of the (node, SKU) pairs of the allocations, and lookups into them."""

    def __init__(self, node_ids: pd.Series, skus: pd.Series):
        node, self.nodes = pd.factorize(node_ids.astype(str))
        sku, self.skus = pd.factorize(skus.astype(str))
        self.ids, self.keys = pd.factorize(node.astype(np.int64) * len(self.skus) + sku)
        self._keys = pd.Index(self.keys)

    def find(self, node_ids: pd.Series, skus: pd.Series) -> np.ndarray:
        """The pair id of each (node, SKU), -1 where no allocation touched it."""
        node = _positions(node_ids, self.nodes)
        sku = _positions(skus, self.skus)
        known = (node >= 0) & (sku >= 0)
        found = np.full(len(node), -1, dtype=np.intp)
        keys = node[known].astype(np.int64) * len(self.skus) + sku[known]
        found[known] = self._keys.get_indexer(keys)
        return found

    def totals(self, node_ids: pd.Series, skus: pd.Series, units: pd.Series) -> np.ndarray:
        """Σ units per pair (0 for a pair with no row)."""
        found = self.find(node_ids, skus)
        known = found >= 0
        out = np.zeros(len(self.keys), dtype=np.int64)
        np.add.at(out, found[known], units.to_numpy(dtype="int64")[known])
        return out


def _positions(values: pd.Series, among) -> np.ndarray:
    """The position of each value (as text) in ``among``, -1 where absent; by Arrow's hash
    lookup, which reads Arrow-backed text columns without making Python strings."""
    text = pa.array(values.astype(str))
    lookup = pc.index_in(text, value_set=pa.array([str(v) for v in among], type=text.type))
    return pc.fill_null(lookup, -1).to_numpy().astype(np.intp)


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
        .unstack(fill_value=np.nan)
    )
    table = levels.to_numpy(dtype="float64")
    table = np.where(np.isnan(table), 0.0, table)  # no keep (or no level) protects 0 units
    strategies = pd.Index(levels.index)
    node = _positions(allocations["node_id"], levels.columns)
    keep = np.zeros(len(allocations), dtype="float64")

    def lowest(rows: np.ndarray, chain: list[str]) -> np.ndarray:
        """The lowest keep of the chain's strategies at each row's node (0 if none has one)."""
        at = node[rows]
        codes = strategies.get_indexer(chain)
        if len(chain) == 0 or (codes < 0).any():
            return np.zeros(len(rows))
        found = at >= 0
        out = np.zeros(len(rows))
        out[found] = table[np.ix_(codes, at[found])].min(axis=0)
        return out

    strategy = allocations["strategy"]
    known = strategy.notna().to_numpy()
    names, groups = _groups(strategy[known].astype(str))
    rows_known = np.flatnonzero(known)
    for name, members in zip(names, groups, strict=True):
        keep[rows_known[members]] = lowest(rows_known[members], [name])
    unknown = np.flatnonzero(~known)
    if len(unknown):
        order_rows = pd.Index(orders["order_id"].astype(str)).get_indexer(
            allocations["order_id"].iloc[unknown].astype(str)
        )
        chains = orders["strategies"].astype(object).to_numpy()
        texts = np.array(
            [chains[r] if r >= 0 and pd.notna(chains[r]) else "" for r in order_rows], dtype=object
        )
        names, groups = _groups(texts)
        for text, members in zip(names, groups, strict=True):
            chain = str(text).split(STRATEGY_SEPARATOR) if text != "" else []
            keep[unknown[members]] = lowest(unknown[members], chain)
    return keep.astype("int64")


def _groups(values) -> tuple[np.ndarray, list[np.ndarray]]:
    """The distinct values and, for each, the positions holding it."""
    codes, uniques = pd.factorize(values)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    return np.asarray(uniques, dtype=object), [
        order[bounds[i] : bounds[i + 1]] for i in range(len(uniques))
    ]
