"""What-if overrides and how they change what a simulation reads.

Overrides change a copy, never the files: strategies switched off or given new
effective dates (on the syntax tree), nodes closed, capacity multiplied and cut-offs
moved (the network), stock multiplied (opening stock and arrivals), demand scaled
(orders resampled, the same way for the same seed), and carrier services capped or
given fewer delivery days (simulations.carrier_overrides). `simulations.scenarios`
reads them from a scenario file; docs/simulations.md describes each one.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import BeforeValidator, Field, field_validator

from dsl import syntax as s
from engine.limits import CAPACITY, STOCK
from simulations.carrier_overrides import (
    CarrierChange,
    Cutoffs,
    apply_cutoffs,
    carrier_periods,
)
from simulations.inputs import Inputs
from simulations.override_base import ScenarioError as ScenarioError
from simulations.override_base import StrictModel as StrictModel
from simulations.override_base import unknown

ALL_NODES = "*"
COPY_MARK = "~"
"""Demand copies of an order are named `<order_id>~2`, `~3`..."""


class EffectiveDates(StrictModel):
    """A strategy's new effective window (both ends inclusive, in the ruleset's time zone;
    a missing end is open). Dates (`2026-11-10`) or local date-times (`2026-11-10T06:00`)."""

    start: dt.datetime | dt.date | None = Field(default=None, alias="from")
    end: dt.datetime | dt.date | None = Field(default=None, alias="to")

    @field_validator("start", "end")
    @classmethod
    def _local(cls, value):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            raise ValueError("give a local date-time without offset: the ruleset's zone applies")
        return value

    def effective(self) -> list[s.Effective]:
        if self.start is None and self.end is None:
            return []  # always in force
        return [s.Effective(start=_moment(self.start), end=_moment(self.end))]

    def text(self) -> str:
        start = _moment(self.start).text() if self.start is not None else None
        end = _moment(self.end).text() if self.end is not None else None
        if start and end:
            return f"{start} to {end}"
        if start:
            return f"from {start}"
        return f"until {end}" if end else "always"


MAX_FACTOR = 1_000
"""The largest capacity or stock multiplier a scenario may give."""
MAX_DEMAND_SCALE = 10
"""The largest demand scale: ten times the orders replayed (memory grows with them)."""


def _multipliers(value):
    """A multiplier for every node (a number) or per node id / node type (a table)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = {ALL_NODES: value}
    if not isinstance(value, dict):
        raise ValueError("give a number or a table of multipliers by node id or node type")
    for key, factor in value.items():
        if not isinstance(factor, int | float) or isinstance(factor, bool):
            raise ValueError(f"{key!r}: the multiplier must be a number")
        if not math.isfinite(factor) or not 0 <= factor <= MAX_FACTOR:
            raise ValueError(
                f"{key!r}: the multiplier must be a number from 0 to {MAX_FACTOR:,}, got {factor}"
            )
    return value


Factors = Annotated[dict[str, float], BeforeValidator(_multipliers)]


class Overrides(StrictModel):
    """What a scenario changes. Factors map `*` (every node), a node type or a node id
    to a multiplier; the most specific one applies (id, then type, then `*`)."""

    strategies_off: tuple[str, ...] = ()
    effective: dict[str, EffectiveDates] = {}
    close_nodes: tuple[str, ...] = ()
    capacity: Factors = {}
    stock: Factors = {}
    demand_scale: float = Field(default=1.0, gt=0, le=MAX_DEMAND_SCALE)
    demand_seed: int = 0
    cutoff: Cutoffs = {}
    """Nodes' cut-off times (`HH:MM`) by `*`, node type or node id (the most specific)."""
    carriers: tuple[CarrierChange, ...] = ()
    """Carrier changes, in file order (`carriers[n]` in errors, from 1)."""

    def describe(self) -> list[str]:
        """One line per change, in words (for reports and the CLI)."""
        out = [f"strategy {sid} switched off" for sid in self.strategies_off]
        out += [f"strategy {sid} effective {d.text()}" for sid, d in self.effective.items()]
        out += [f"node {node_id} closed" for node_id in self.close_nodes]
        out += [f"capacity × {f:g} at {_selector(k)}" for k, f in self.capacity.items()]
        out += [f"stock × {f:g} at {_selector(k)}" for k, f in self.stock.items()]
        if self.demand_scale != 1:
            out.append(f"demand × {self.demand_scale:g} (seed {self.demand_seed})")
        out += [f"cut-off {time} at {_selector(k)}" for k, time in self.cutoff.items()]
        out += [change.describe() for change in self.carriers]
        return out


def apply_to_ruleset(ruleset: s.Ruleset, overrides: Overrides) -> s.Ruleset:
    """A copy of the ruleset with strategies switched off and effective dates moved.

    A strategy that fell back (`otherwise use`) on one switched off now falls back on
    the first step after it that is still on, or on nothing."""
    ids = [strategy.id for strategy in ruleset.strategies]
    for strategy_id in [*overrides.strategies_off, *overrides.effective]:
        if strategy_id not in ids:
            raise ScenarioError(unknown("strategy", strategy_id, ids))
    off = set(overrides.strategies_off)
    by_id = {strategy.id: strategy for strategy in ruleset.strategies}

    def next_on(strategy_id: str | None) -> str | None:
        seen = set()
        while strategy_id is not None and strategy_id in off and strategy_id not in seen:
            seen.add(strategy_id)
            strategy_id = by_id[strategy_id].otherwise
        return None if strategy_id in off else strategy_id

    kept = []
    for strategy in ruleset.strategies:
        if strategy.id in off:
            continue
        update: dict[str, Any] = {}
        if strategy.otherwise in off:
            update["otherwise"] = next_on(strategy.otherwise)
        if strategy.id in overrides.effective:
            update["effective"] = overrides.effective[strategy.id].effective()
        kept.append(strategy.model_copy(update=update) if update else strategy)
    return ruleset.model_copy(update={"strategies": kept})


def apply_to_inputs(inputs: Inputs, overrides: Overrides) -> Inputs:
    """The tables with nodes closed, capacity and stock multiplied, cut-offs moved,
    demand scaled and the carriers changed (with their dated periods)."""
    nodes = inputs.nodes
    known = nodes["id"].astype(str).tolist()
    for node_id in overrides.close_nodes:
        if node_id not in known:
            raise ScenarioError(unknown("node", node_id, known))
    closed = set(overrides.close_nodes)
    types = sorted(set(nodes["type"].astype(str)))
    for key in [*overrides.capacity, *overrides.stock]:
        if key != ALL_NODES and key not in known and key not in types:
            raise ScenarioError(
                unknown("node id or node type", key, [*types, *known], extra=f"or {ALL_NODES!r}")
            )
    open_nodes = nodes[~nodes["id"].astype(str).isin(closed)].reset_index(drop=True)
    changes: dict[str, pd.DataFrame | None] = {"nodes": open_nodes}
    if overrides.capacity:
        factor = _node_factors(open_nodes, open_nodes["id"], overrides.capacity)
        capacity = pd.array(open_nodes["capacity"], dtype="Int64")
        scaled = np.floor(capacity.to_numpy(dtype="float64", na_value=np.nan) * factor + 0.5)
        _within(scaled, CAPACITY, "capacity", "orders a day")
        changes["nodes"] = open_nodes.assign(capacity=pd.array(scaled, dtype="Int64"))
    changes["nodes"] = apply_cutoffs(changes["nodes"], overrides.cutoff)
    if overrides.carriers:
        carriers, periods = carrier_periods(inputs.carriers, overrides.carriers)
        changes.update(carriers=carriers, carrier_periods=periods)
    changes["inventory"] = _stock(inputs.inventory, "on_hand", nodes, closed, overrides.stock)
    if inputs.replenishments is not None:
        changes["replenishments"] = _stock(
            inputs.replenishments, "qty", nodes, closed, overrides.stock
        )
        changes["replenishments"] = changes["replenishments"][changes["replenishments"]["qty"] > 0]
    if inputs.events is not None:
        events = inputs.events
        changes["events"] = events[~events["node_id"].astype(str).isin(closed)]
    if overrides.demand_scale != 1:
        changes["orders"] = scale_demand(
            inputs.orders, overrides.demand_scale, overrides.demand_seed
        )
    return inputs.with_tables(**changes)


def scale_demand(lines: pd.DataFrame, scale: float, seed: int = 0) -> pd.DataFrame:
    """Resample whole orders so there are round(scale × orders) of them: each order is
    kept ⌊scale⌋ times, and a seeded random choice of the others once more. Copies keep
    the order's time and lines; the n-th copy's id is `<order_id>~n` (n ≥ 2)."""
    if scale <= 0:
        raise ScenarioError(f"demand scale must be > 0, got {scale}")
    codes, ids = pd.factorize(lines["order_id"].astype(str))
    count = len(ids)
    whole = math.floor(scale)
    extra = round((scale - whole) * count)
    copies = np.full(count, whole, dtype=np.int64)
    if extra:
        chosen = np.random.default_rng(seed).choice(count, size=extra, replace=False)
        copies[chosen] += 1
    per_row = copies[codes]
    rows = np.repeat(np.arange(len(lines)), per_row)
    first = np.repeat(np.cumsum(per_row) - per_row, per_row)
    number = np.arange(len(rows)) - first + 1
    whole_orders = np.lexsort((rows, number, codes[rows]))  # each copy's lines together
    rows, number = rows[whole_orders], number[whole_orders]
    out = lines.iloc[rows].reset_index(drop=True)
    base = out["order_id"].astype(str).to_numpy(dtype=object)
    marks = np.where(number > 1, np.char.add(COPY_MARK, number.astype(str)), "")
    out["order_id"] = pd.array(base + marks.astype(object), dtype="str")
    return out


def _stock(
    frame: pd.DataFrame, column: str, nodes: pd.DataFrame, closed: set, factors: dict
) -> pd.DataFrame:
    """Rows of a stock table at open nodes, `column` multiplied (rounded half up)."""
    frame = frame[~frame["node_id"].astype(str).isin(closed)].reset_index(drop=True)
    if not factors:
        return frame
    factor = _node_factors(nodes, frame["node_id"], factors)
    values = frame[column].to_numpy(dtype="float64")
    scaled = np.floor(values * factor + 0.5)
    _within(scaled, STOCK, "stock", "units")
    return frame.assign(**{column: scaled.astype("int64")})


def _within(values: np.ndarray, bound, what: str, unit: str) -> None:
    """Refuse multiplied figures beyond what the engine accepts (engine.limits)."""
    largest = np.nanmax(values) if len(values) and not np.isnan(values).all() else 0
    if largest > bound.high:
        raise ScenarioError(
            f"the {what} multiplier takes a figure to {largest:,.0f} {unit}, above the "
            f"{bound.high:,} the engine accepts; use a smaller multiplier"
        )


def _node_factors(
    nodes: pd.DataFrame, node_ids: pd.Series, factors: dict[str, float]
) -> np.ndarray:
    """The multiplier for each node id: by id, else by its type, else `*`, else 1."""
    kind = dict(zip(nodes["id"].astype(str), nodes["type"].astype(str), strict=True))
    default = factors.get(ALL_NODES, 1.0)
    return np.array(
        [
            factors.get(node_id, factors.get(kind.get(node_id, ""), default))
            for node_id in node_ids.astype(str).tolist()
        ],
        dtype="float64",
    )


def _moment(value: dt.date | dt.datetime | None) -> s.Moment | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return s.Moment(day=value.date(), minute=value.time().replace(second=0, microsecond=0))
    return s.Moment(day=value)


def _selector(key: str) -> str:
    return "every node" if key == ALL_NODES else key
