"""How far from the best possible: a replay's cost against a lower bound of what the same
stock, capacity and protection could have achieved, day by day (docs/kpis.md, "How far
from the best possible").

For each local day, the orders of that day are allocated again by a linear program
(`simulations.bound_program`) that has every choice the ruleset had and more: it minimises
the shipment cost of kpis.md plus a penalty per unit left unfilled. Its optimum is never
above the ruleset's own cost plus penalty, so the gap between them is how much the
ruleset leaves on the table at most.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from engine.model import Network
from engine.order_batch import OrderBatch
from simulations.bound_examples import examples
from simulations.bound_figures import BOUND_KEYS, Bound, summarise
from simulations.bound_program import Costs, solve_by_days
from simulations.bound_reach import (
    StockByDay,
    bound_strategies,
    day_numbers,
    local_day_numbers,
    order_reach,
)
from simulations.bound_rows import Arcs, Lines

if TYPE_CHECKING:
    from simulations.replay import Simulation

DEFAULT_PENALTY = 50.0
"""Cost of one unit left unfilled (currency units), unless told otherwise."""
CHUNK_ORDERS = 400
"""Orders per linear program at most (whole days are kept together): HiGHS solves a
few days at a time faster than a year at once."""
BLOCK_ORDERS = 10_000
"""Orders whose reach (one row per node each) is worked out at once."""

__all__ = ["BOUND_KEYS", "DEFAULT_PENALTY", "Bound", "compute_bound", "with_bound"]


def with_bound(simulation: Simulation, penalty: float = DEFAULT_PENALTY) -> Simulation:
    """The simulation with its bound (`Simulation.bound`) and the bound figures among
    its KPIs."""
    bound = compute_bound(simulation, penalty)
    kpis = replace(
        simulation.kpis, bound=bound, overall={**simulation.kpis.overall, **bound.overall}
    )
    return replace(simulation, bound=bound, kpis=kpis)


def compute_bound(
    simulation: Simulation, penalty: float = DEFAULT_PENALTY, chunk_orders: int = CHUNK_ORDERS
) -> Bound:
    """The bound of every local day of a replay, and the figures comparing it with the
    ruleset's allocation (see the module doc)."""
    if not penalty >= 0:
        raise ValueError(f"the penalty per unfilled unit must be 0 or more, not {penalty}")
    started = time.perf_counter()
    world = _World(simulation)
    decided = simulation.tables.orders
    per_order = {
        name: np.zeros(len(decided), dtype=dtype)
        for name, dtype in (
            ("bound_value", np.float64), ("bound_unfilled", np.float64),
            ("bound_node", np.int64), ("ruleset_cost", np.float64),
            ("ruleset_node", np.int64), ("ruleset_km", np.float64), ("bound_km", np.float64),
        )
    }  # fmt: skip
    for rows in _chunks(world.day, BLOCK_ORDERS):
        world.solve(rows, penalty, per_order, chunk_orders)
    orders = world.order_frame(per_order, penalty)
    return summarise(
        orders,
        penalty,
        examples(orders, simulation, world.network),
        seconds=time.perf_counter() - started,
    )


def _chunks(day: np.ndarray, most: int):
    """Row sets of whole local days, about `most` orders each (a bigger day alone)."""
    order = np.argsort(day, kind="stable")
    days, starts = np.unique(day[order], return_index=True)
    bounds = [*starts.tolist(), len(order)]
    first = 0
    for k in range(1, len(days) + 1):
        if k == len(days) or bounds[k + 1] - bounds[first] > most:
            yield order[bounds[first] : bounds[k]]
            first = k


def _codes(*columns: pd.Series) -> tuple[pd.Index, list[np.ndarray]]:
    """The distinct values of `columns` read as text (in order of first appearance),
    and each column's values as positions among them: one factorize for all the
    columns (the loaders refuse a row without an id or SKU, so none is missing)."""
    codes, distinct = pd.factorize(pd.concat([c.astype(str) for c in columns], ignore_index=True))
    ends = np.cumsum([0, *map(len, columns)]).tolist()
    parts = zip(ends[:-1], ends[1:], strict=True)
    return pd.Index(distinct), [codes[a:b].astype(np.int64) for a, b in parts]


def _positions(known: pd.Series, *columns: pd.Series) -> list[np.ndarray]:
    """The position among `known` (distinct values) of each value of each column, read
    as text (−1: not there)."""
    _, (_, *codes) = _codes(known, *columns)
    return [np.where(code < len(known), code, -1) for code in codes]


def _at(position: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """`position[rows]`, −1 where a row is −1 (an order that was not decided)."""
    return np.where(rows >= 0, position[np.maximum(rows, 0)], -1)


class _World:
    """A replay as the bound reads it: network, SKUs, stock by day, decisions."""

    def __init__(self, simulation: Simulation):
        self.simulation = simulation
        inputs, tables = simulation.inputs, simulation.tables
        self.policy = simulation.policy
        self.network = Network.from_frame(inputs.nodes)
        decided = tables.orders
        self.ids = decided["order_id"].astype(str).to_numpy()
        self.day = day_numbers(decided["day"])
        inventory, replenished = inputs.inventory, inputs.replenishments
        allocations, shipments = tables.allocations, tables.shipments
        arriving = [replenished] if replenished is not None and len(replenished) else []
        line_row, self.allocation_row, self.shipment_row = _positions(
            decided["order_id"], inputs.orders["order_id"], allocations["order_id"],
            shipments["order_id"],
        )  # fmt: skip
        self.lines = inputs.orders[line_row >= 0]
        self.line_row = line_row[line_row >= 0]
        """The decided row of each order line."""
        self.skus, (stock_sku, _, allocated_sku, *arrival_sku) = _codes(
            inventory["sku"], self.lines["sku"], allocations["sku"], *(f["sku"] for f in arriving)
        )
        stock_node, shipped_node, allocated_node, *arrival_node = _positions(
            pd.Series(self.network.ids), inventory["node_id"], shipments["node_id"],
            allocations["node_id"], *(f["node_id"] for f in arriving),
        )  # fmt: skip
        opening = (stock_node, stock_sku, inventory["on_hand"].to_numpy(dtype=np.int64))
        arrivals = tuple(np.zeros(0, dtype=np.int64) for _ in range(4))
        if arriving:
            at = local_day_numbers(arriving[0]["at"], self.policy.tz)
            qty = arriving[0]["qty"].to_numpy(dtype=np.int64)
            arrivals = (arrival_node[0], arrival_sku[0], at, qty)
        self.allocated = (
            allocated_node,
            allocated_sku,
            allocations["qty"].to_numpy(dtype=np.int64),
        )
        """(node, SKU, units) of every allocation, read once for every block."""
        self.shipped = (shipped_node, shipments["units"].to_numpy(dtype=np.int64))
        """(node, units) of every shipment."""
        chain, chains = pd.factorize(decided["strategies"])  # each distinct chain split once
        self.chain = np.where(chain >= 0, chain, len(chains))  # none: the last, empty
        self.chains = [*(tuple(str(text).split(" > ")) if text else () for text in chains), ()]
        taken = (
            self.allocated[0], self.allocated[1], day_numbers(allocations["day"]),
            self.allocated[2],
        )  # fmt: skip
        self.bound = bound_strategies(self.policy, self.network)
        self.stock = StockByDay((len(self.network), len(self.skus)), opening, arrivals, taken)
        net = self.network
        self.pick_cost = net.pick_cost
        self.capacity = net.capacity

    def pair(self, node: np.ndarray, sku: np.ndarray) -> np.ndarray:
        return np.asarray(node, dtype=np.int64) * len(self.skus) + np.asarray(sku, np.int64)

    def solve(
        self, rows: np.ndarray, penalty: float, out: dict[str, np.ndarray], most: int
    ) -> None:
        """Solve the days of decided `rows` (whole days, in day order) and write each
        order's figures into `out`."""
        position = np.full(len(self.ids), -1, dtype=np.int64)
        position[rows] = np.arange(len(rows))
        where = position[self.line_row]
        mine = np.flatnonzero(where >= 0)
        lines = self.lines.iloc[mine[np.argsort(where[mine], kind="stable")]]
        batch = OrderBatch.from_frame(lines, self.policy.tz)  # orders in the order of `rows`
        chains = [self.chains[k] for k in self.chain[rows].tolist()]
        reach = order_reach(self.policy, self.network, batch, chains, self.bound)
        ship_cost = np.fmax(reach.km, 0.0)  # base + per km × km, in one array; NaN: 0 km
        ship_cost *= self.network.ship_cost_per_km
        ship_cost += self.network.ship_cost_base[None, :]
        merged = self._merged(batch)
        day = self.day[rows]
        allocated = self._allocated(position, merged)
        arcs = self._arcs(merged, reach, day, allocated)
        shipments = self._shipments(position)
        costs = Costs(ship_cost, self.pick_cost, self.capacity)
        solved = solve_by_days(
            merged, arcs, day, reach.split, costs, penalty, shipments[:, :2], most
        )
        order, node, units = shipments[:, 0], shipments[:, 1], shipments[:, 2]
        cost = self.pick_cost[node] * units + ship_cost[order, node]
        out["ruleset_cost"][rows] = np.bincount(order, cost, minlength=len(rows))
        out["bound_value"][rows] = solved.value
        out["bound_unfilled"][rows] = solved.unfilled
        out["bound_node"][rows] = solved.node
        main = np.full(len(rows), -1, dtype=np.int64)
        biggest = np.lexsort((-units, order))
        first = np.r_[True, order[biggest][1:] != order[biggest][:-1]] if len(order) else []
        main[order[biggest][first]] = node[biggest][first]
        out["ruleset_node"][rows] = main
        local = np.arange(len(rows))
        out["ruleset_km"][rows] = np.where(main >= 0, reach.km[local, main], np.nan)
        out["bound_km"][rows] = np.where(solved.node >= 0, reach.km[local, solved.node], np.nan)

    def _merged(self, batch: OrderBatch) -> Lines:
        """The batch's lines, those of one SKU in an order merged (as routing merges them)."""
        owner = np.repeat(np.arange(len(batch)), np.diff(batch.line_start))
        sku = self.skus.get_indexer(batch.sku_names)[batch.sku_codes]
        keys, where = np.unique(owner * len(self.skus) + sku, return_inverse=True)
        qty = np.bincount(where, batch.qty, minlength=len(keys)).astype(np.int64)
        return Lines(order=keys // len(self.skus), sku=keys % len(self.skus), qty=qty)

    def _allocated(
        self, position: np.ndarray, merged: Lines
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The ruleset's units per (merged line, node) for the block's orders
        (`position`: each decided row's order in the block, −1 outside it): line, node
        and units, by line then node."""
        node, sku, qty = self.allocated
        order = _at(position, self.allocation_row)
        mine = order >= 0
        key = order[mine] * len(self.skus) + sku[mine]
        line = np.searchsorted(merged.order * len(self.skus) + merged.sku, key)
        width = len(self.network)
        pairs, which = np.unique(line * width + node[mine], return_inverse=True)
        units = np.bincount(which, qty[mine], minlength=len(pairs)).astype(np.int64)
        return pairs // width, pairs % width, units

    def _arcs(
        self, merged: Lines, reach, day: np.ndarray, allocated: tuple[np.ndarray, ...]
    ) -> Arcs:
        """Every (line, node) the bound may use: a candidate node with stock above the
        keep that day, and every pair the ruleset used (lines in day order). Stock and
        keep are compared on whole (line, node) tables, so only the pairs kept are
        gathered."""
        order, width = merged.order, len(self.network)
        used_line, used_node, used_qty = allocated
        positive = used_qty > 0
        used_flat = used_line[positive] * width + used_node[positive]
        stock = self.stock.rows(merged.sku, day[order])
        keep = reach.keep[order]
        usable = reach.candidate[order]
        usable &= stock > keep
        usable &= (merged.qty > 0)[:, None]
        usable.ravel()[used_flat] = True
        flat = np.flatnonzero(usable)  # by line, then node
        line, node = np.divmod(flat, width)
        used = np.zeros(len(flat), dtype=np.int64)
        used[np.searchsorted(flat, used_flat)] = used_qty[positive]
        stock, keep = stock.ravel()[flat], keep.ravel()[flat]
        return Arcs(
            line=line, node=node, cap=np.maximum(np.minimum(merged.qty[line], stock - keep), used),
            keep=keep, stock=stock, pair=self.pair(node, merged.sku[line]), used=used,
        )  # fmt: skip

    def _shipments(self, position: np.ndarray) -> np.ndarray:
        """The ruleset's shipments of the block's orders: (order, node, units) rows, in
        order order."""
        order = _at(position, self.shipment_row)
        mine = order >= 0
        node, units = self.shipped
        rows = np.column_stack([order[mine], node[mine], units[mine]]).astype(np.int64)
        return rows[np.argsort(rows[:, 0], kind="stable")]

    def order_frame(self, per_order: dict[str, np.ndarray], penalty: float) -> pd.DataFrame:
        """One row per decided order: the ruleset's and the bound's figures."""
        decided = self.simulation.tables.orders
        ids = np.asarray(self.network.ids, dtype=object)
        ruleset_unfilled = (decided["units_ordered"] - decided["units_allocated"]).to_numpy()
        ruleset_value = per_order["ruleset_cost"] + penalty * ruleset_unfilled
        bound_value = per_order["bound_value"]
        return pd.DataFrame(
            {
                "order_id": self.ids,
                "day": decided["day"].to_numpy(),
                "created_at": decided["created_at"].array,  # no Timestamp per row
                "strategy": decided["strategy"].astype(object).to_numpy(),
                "units": decided["units_ordered"].to_numpy(dtype=np.int64),
                "ruleset_cost": per_order["ruleset_cost"],
                "ruleset_unfilled": ruleset_unfilled.astype(np.int64),
                "ruleset_value": ruleset_value,
                "bound_cost": bound_value - penalty * per_order["bound_unfilled"],
                "bound_unfilled": per_order["bound_unfilled"],
                "bound_value": bound_value,
                "gap": ruleset_value - bound_value,
                "ruleset_node": np.where(
                    per_order["ruleset_node"] >= 0, ids[per_order["ruleset_node"]], None
                ),
                "ruleset_km": per_order["ruleset_km"],
                "bound_node": np.where(
                    per_order["bound_node"] >= 0, ids[per_order["bound_node"]], None
                ),
                "bound_km": per_order["bound_km"],
            }
        )
