"""Routing decisions (the data.md JSON) flattened into the tables the KPIs are computed on.

Three frames, all keyed by ``order_id``: one row per decided order, one per shipment and
one per shipment line (allocation). When an order has several decisions (a re-route emits a
new, complete decision with ``rerouted_from``), the last one is the order's final state and
the only one counted. Every shipment figure (distance, cost, ETA) is the one its decision
carries, as the engine computed it, so a decision and its table row never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from engine.decision_batch import DecisionBatch
from simulations.decision_columns import (
    Coded,
    DecisionColumns,
    batch_columns,
    final_decisions,
    read_columns,
    texts_of,
)

if TYPE_CHECKING:
    from engine import Decision

ROUTED_STATUSES = ("routed", "partial", "backordered")
FAILED_STATUSES = ("unroutable", "rejected")
STRATEGY_SEPARATOR = " > "

ORDER_COLUMNS = {
    "order_id": "string",
    "created_at": "datetime64[ns, UTC]",
    "day": "object",
    "channel": "string",
    "delivery": "string",
    "tier": "string",
    "status": "string",
    "strategy": "string",
    "strategies": "string",
    "n_decisions": "int64",
    "decision_seq": "int64",
    "rerouted_from": "string",
    "reroute_reason": "string",
    "lines": "int64",
    "units_ordered": "int64",
    "units_allocated": "int64",
    "units_unfilled": "int64",
    "units_backordered": "int64",
    "n_shipments": "int64",
    "cost": "float64",
    "eta_days": "float64",
    "promised_days": "float64",
    "routed": "bool",
    "on_time": "boolean",
    "unfilled_reason": "string",
}
SHIPMENT_COLUMNS = {
    "order_id": "string",
    "shipment_no": "int64",
    "node_id": "string",
    "node_type": "string",
    "strategy": "string",
    "lines": "int64",
    "units": "int64",
    "distance_km": "float64",
    "cost": "float64",
    "eta_days": "float64",
    "created_at": "datetime64[ns, UTC]",
    "day": "object",
    "channel": "string",
}
ALLOCATION_COLUMNS = {
    "order_id": "string",
    "shipment_no": "int64",
    "seq": "int64",
    "node_id": "string",
    "node_type": "string",
    "sku": "string",
    "qty": "int64",
    "strategy": "string",
    "created_at": "datetime64[ns, UTC]",
    "day": "object",
    "channel": "string",
}
PARQUET_FILES = {
    "orders": "decisions.parquet",
    "shipments": "shipments.parquet",
    "allocations": "allocations.parquet",
}


@dataclass(frozen=True)
class DecisionTables:
    """The final decision of every replayed order, as orders / shipments / allocations."""

    orders: pd.DataFrame
    shipments: pd.DataFrame
    allocations: pd.DataFrame

    def to_parquet(self, directory: str | Path) -> dict[str, Path]:
        """Write the three tables (decisions, shipments, allocations .parquet) into a folder."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        written = {}
        for name, filename in PARQUET_FILES.items():
            path = folder / filename
            getattr(self, name).to_parquet(path, index=False)
            written[name] = path
        return written

    def between(self, first: dt.date | None, last: dt.date | None) -> DecisionTables:
        """The orders placed from `first` to `last` (local days of the ruleset's zone,
        both included; None leaves that side open), with their shipments and allocations."""
        return DecisionTables(
            orders=in_days(self.orders, first, last),
            shipments=in_days(self.shipments, first, last),
            allocations=in_days(self.allocations, first, last),
        )

    @classmethod
    def from_parquet(cls, directory: str | Path) -> DecisionTables:
        """Read back tables written by :meth:`to_parquet`."""
        folder = Path(directory)
        frames = {}
        for (name, filename), columns in zip(
            PARQUET_FILES.items(),
            (ORDER_COLUMNS, SHIPMENT_COLUMNS, ALLOCATION_COLUMNS),
            strict=True,
        ):
            frames[name] = _typed(pd.read_parquet(folder / filename), columns)
        return cls(**frames)


def in_days(frame: pd.DataFrame, first: dt.date | None, last: dt.date | None) -> pd.DataFrame:
    """The rows of `frame` whose `day` is from `first` to `last` (both included)."""
    keep = pd.Series(True, index=frame.index)
    days = frame["day"]
    if first is not None:
        keep &= days >= first
    if last is not None:
        keep &= days <= last
    return frame[keep].reset_index(drop=True)


def decision_tables(
    decisions: Iterable[Decision | dict],
    orders: pd.DataFrame,
    nodes: pd.DataFrame,
    timezone: str = "UTC",
) -> DecisionTables:
    """Flatten decisions into order, shipment and allocation tables (the last decision counts).

    ``decisions`` are engine ``Decision`` objects or their data.md JSON dicts; ``orders`` is
    the order-line table (one row per line) the decisions were made for; ``nodes`` the
    network (for node type, costs and handling days); ``timezone`` the ruleset's zone, in
    which each order's ``day`` is taken.
    """
    node_facts = _node_facts(nodes)
    node_index = {node_id: i for i, node_id in enumerate(node_facts.index)}
    if isinstance(decisions, DecisionBatch):
        final_batch, n_decisions = decisions.finals()
        if len(final_batch):
            columns = batch_columns(final_batch, n_decisions, node_index)
            return _tables(columns, orders, node_facts, timezone)
        final = []
    else:
        order_ids, final, n_decisions = final_decisions(decisions)
    if not final:
        return DecisionTables(
            orders=_typed(pd.DataFrame(columns=list(ORDER_COLUMNS)), ORDER_COLUMNS),
            shipments=_typed(pd.DataFrame(columns=list(SHIPMENT_COLUMNS)), SHIPMENT_COLUMNS),
            allocations=_typed(pd.DataFrame(columns=list(ALLOCATION_COLUMNS)), ALLOCATION_COLUMNS),
        )
    columns = read_columns(order_ids, final, n_decisions, node_index)
    return _tables(columns, orders, node_facts, timezone)


def _tables(
    columns: DecisionColumns, orders: pd.DataFrame, node_facts: pd.DataFrame, timezone: str
) -> DecisionTables:
    facts = _order_facts(orders, columns.order_ids, timezone)
    ids = _text(columns.order_ids)
    shipments = _shipment_table(columns, node_facts, ids)
    order_table = _order_table(columns, facts, shipments, ids)
    context = {
        "created_at": order_table["created_at"].array,
        "day": order_table["day"].to_numpy(),
        "channel": order_table["channel"].array,
    }
    shipments = shipments.assign(**_context(context, columns.shipment_order))
    lines = columns.line_shipment
    allocations = pd.DataFrame(
        {
            "order_id": shipments["order_id"].array.take(lines),
            "shipment_no": columns.shipment_no[lines],
            "seq": np.arange(len(lines), dtype="int64"),
            "node_id": shipments["node_id"].array.take(lines),
            "node_type": shipments["node_type"].array.take(lines),
            "sku": _text(columns.sku),
            "qty": columns.qty,
            "strategy": shipments["strategy"].array.take(lines),
            **_context(context, columns.shipment_order[lines]),
        }
    )
    return DecisionTables(
        orders=_typed(order_table, ORDER_COLUMNS),
        shipments=_typed(shipments, SHIPMENT_COLUMNS),
        allocations=_typed(allocations, ALLOCATION_COLUMNS),
    )


def _shipment_table(columns: DecisionColumns, node_facts: pd.DataFrame, ids) -> pd.DataFrame:
    """One row per shipment with its node type and the figures its decision gives
    (distance, kpis.md cost and ETA, as the engine computed them)."""
    node = columns.shipment_node
    node_ids = pd.array(list(node_facts.index), dtype="string")
    node_types = pd.array(node_facts["type"].astype(object).tolist(), dtype="string")
    return pd.DataFrame(
        {
            "order_id": ids.take(columns.shipment_order),
            "shipment_no": columns.shipment_no,
            "node_id": node_ids.take(node),
            "node_type": node_types.take(node),
            "strategy": _text(columns.shipment_strategy),
            "lines": columns.shipment_lines,
            "units": columns.shipment_units,
            "distance_km": columns.distance_km,
            "cost": columns.cost,
            "eta_days": columns.eta_days,
        }
    )


def _order_table(
    columns: DecisionColumns, facts: pd.DataFrame, shipments: pd.DataFrame, ids
) -> pd.DataFrame:
    """One row per final decision, with the order's facts and its shipments' totals."""
    n = len(columns.order_ids)
    seq = columns.shipment_order
    statuses = texts_of(columns.status)
    backordered = statuses == "backordered"
    table = pd.DataFrame(
        {
            "order_id": ids,
            "created_at": facts["created_at"].array,
            "day": facts["day"].to_numpy(),
            "channel": facts["channel"].array,
            "delivery": facts["delivery"].array,
            "tier": facts["tier"].array,
            "status": _text(columns.status),
            "strategy": _text(columns.strategy),
            "strategies": _text(_joined(columns.chains)),
            "n_decisions": columns.n_decisions,
            "decision_seq": np.arange(n, dtype="int64"),
            "rerouted_from": _text(columns.rerouted_from),
            "reroute_reason": _text(columns.reroute_reason),
            "lines": facts["lines"].to_numpy(dtype="int64"),
            "units_ordered": facts["units_ordered"].to_numpy(dtype="int64"),
            "units_allocated": columns.units_allocated,
            "units_unfilled": columns.units_unfilled,
            "units_backordered": np.where(backordered, columns.units_unfilled, 0),
            "n_shipments": columns.n_shipments,
            "cost": np.nan_to_num(_per_order(shipments["cost"], seq, n, "sum"), nan=0.0),
            "eta_days": _per_order(shipments["eta_days"], seq, n, "max"),
            "promised_days": facts["promised_days"].to_numpy(dtype="float64"),
            "unfilled_reason": _text(columns.unfilled_reason),
        }
    )
    routed = np.isin(statuses, ROUTED_STATUSES)
    routed &= columns.n_shipments >= 1
    table["routed"] = routed
    on_time = pd.array(table["eta_days"] <= table["promised_days"], dtype="boolean")
    on_time[~(routed & table["promised_days"].notna().to_numpy())] = pd.NA
    table["on_time"] = on_time
    return table


def _order_facts(orders: pd.DataFrame, order_ids: list[str], timezone: str) -> pd.DataFrame:
    """Order-level facts (time, channel, units...) of each decided order, in that order.

    Order-level columns take their first non-empty value among the order's lines.
    """
    ids = orders["order_id"].astype(str)
    codes, uniques = pd.factorize(ids)
    rows = pd.Index(uniques).get_indexer(pd.Index(order_ids))
    missing = [order_ids[i] for i in np.flatnonzero(rows < 0)[:6]]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise ValueError(f"decisions for orders absent from the orders table: {shown}")
    facts = {}
    for column in ("created_at", "channel", "delivery", "tier", "promised_days"):
        if column in orders:
            facts[column] = _first_valid(orders[column], codes, rows)
        else:
            facts[column] = pd.array(
                [None] * len(rows), dtype="string" if column != "promised_days" else "Float64"
            )
    created = pd.to_datetime(pd.Series(facts["created_at"]))
    if created.dt.tz is None:
        created = created.dt.tz_localize(timezone)
    facts["created_at"] = created.dt.tz_convert("UTC").dt.as_unit("ns")
    facts["promised_days"] = pd.to_numeric(pd.Series(facts["promised_days"])).astype("float64")
    facts["lines"] = np.bincount(codes, minlength=len(uniques))[rows]
    quantities = orders["qty"].to_numpy(dtype="int64")
    facts["units_ordered"] = np.bincount(codes, weights=quantities, minlength=len(uniques))[rows]
    frame = pd.DataFrame({k: v.array if isinstance(v, pd.Series) else v for k, v in facts.items()})
    frame["day"] = _local_days(frame["created_at"], timezone)
    return frame


def _first_valid(values: pd.Series, codes: np.ndarray, rows: np.ndarray):
    """For each order (group code ``rows``), the first non-empty value among its lines
    (what pandas' groupby ``first`` gives), missing when every line is empty."""
    valid = np.flatnonzero(values.notna().to_numpy())
    found, first = np.unique(codes[valid], return_index=True)
    line = np.full(int(codes.max()) + 1 if len(codes) else 0, -1, dtype=np.intp)
    line[found] = valid[first]
    return values.array.take(line[rows], allow_fill=True)


def _local_days(created: pd.Series, timezone: str) -> np.ndarray:
    """The local calendar date of each instant, as ``datetime.date`` objects."""
    local = created.dt.tz_convert(timezone).dt.tz_localize(None).to_numpy()
    days, inverse = np.unique(local.astype("datetime64[D]"), return_inverse=True)
    return days.astype(object)[inverse.reshape(-1)]


def _node_facts(nodes: pd.DataFrame) -> pd.DataFrame:
    """Node attributes the KPIs need, indexed by node id."""
    facts = nodes.assign(id=nodes["id"].astype(str)).set_index("id")
    return facts[["type", "pick_cost", "ship_cost_base", "ship_cost_per_km", "handling_days"]]


def _per_order(values: pd.Series, seq: np.ndarray, n: int, how: str) -> np.ndarray:
    """``how`` ("sum" or "max") of the shipments' values for each of the n orders (NaN for
    an order without shipments). pandas' groupby does the arithmetic, as it always did, so
    float totals keep their last bit; grouping by the integer order position is cheap."""
    per_order = pd.Series(values.to_numpy()).groupby(seq, sort=True).agg(how)
    return per_order.reindex(pd.RangeIndex(n)).to_numpy(dtype="float64")


def _context(context: dict, rows: np.ndarray) -> dict:
    """The order's creation time, local day and channel for rows of its shipments/lines."""
    return {
        "created_at": context["created_at"].take(rows),
        "day": context["day"][rows],
        "channel": context["channel"].take(rows),
    }


def _joined(chains: list | Coded) -> list[str] | Coded:
    """Each decision's chain as one text (`primary > fallback`)."""
    if isinstance(chains, Coded):
        return chains.map(STRATEGY_SEPARATOR.join)
    return [STRATEGY_SEPARATOR.join(chain) for chain in chains]


def _text(values: list | Coded) -> pd.api.extensions.ExtensionArray:
    """A "string" column from Python text and None, or from codes into distinct texts
    (through Arrow: several times faster than pandas' own conversion of a list)."""
    if isinstance(values, Coded):
        table = pa.array(values.names, type=pa.large_string())
        picked = table.take(pa.array(values.codes, mask=values.codes < 0))
        return pd.array(picked, dtype="string")
    return pd.array(pa.array(values, type=pa.large_string()), dtype="string")


def _typed(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Order and type the columns so empty and full tables look alike (and write to Parquet)."""
    frame = frame.reindex(columns=list(columns))
    out = {}
    for column, dtype in columns.items():
        values = frame[column]
        if str(values.dtype) == dtype:
            out[column] = values
        elif dtype.startswith("datetime64"):
            out[column] = pd.to_datetime(values, utc=True).astype(dtype)
        elif dtype == "object":
            out[column] = values.astype("object")
        else:
            out[column] = values.astype(dtype)
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))
