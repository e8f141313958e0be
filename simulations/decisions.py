"""Routing decisions (the data.md JSON) flattened into the tables the KPIs are computed on.

Three frames, all keyed by ``order_id``: one row per decided order, one per shipment and
one per shipment line (allocation). When an order has several decisions (a re-route emits a
new, complete decision with ``rerouted_from``), the last one is the order's final state and
the only one counted. Every shipment figure (distance, cost, ETA) is the one its decision
carries, as the engine computed it, so a decision and its table row never disagree.

A run with carriers adds each shipment's carrier service and promise (PROMISE_COLUMNS,
on shipments and allocations) and each order's promise (ORDER_PROMISE_COLUMNS); a run
with collect orders adds the transfer legs and ready dates (TRANSFER_COLUMNS,
ORDER_TRANSFER_COLUMNS); a run without either has exactly the columns it always had.
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
from simulations.shipment_promises import NO_DAY, dates_of, day_numbers_of
from simulations.shipment_transfers import ShipmentTransfers

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
PROMISE_COLUMNS = {
    "carrier": "string",
    "service": "string",
    "pick_date": "object",
    "ship_date": "object",
    "promised_date": "object",
    "co2_kg": "float64",
    "capped": "bool",
}
"""The shipment's carrier service and promise (a run with carriers), on each shipment
and on each of its allocations (there the shipment's values, `co2_kg` included)."""
ORDER_PROMISE_COLUMNS = {
    "requested_date": "object",
    "promised_date": "object",
    "days_promised": "float64",
    "missed_cutoff": "bool",
    "capped_parcels": "int64",
}
"""The order's promise (a run with carriers): see docs/kpis.md."""
TRANSFER_COLUMNS = {
    "transfer_to": "string",
    "transfer_km": "float64",
    "transfer_cost": "float64",
    "transfer_days": "float64",
    "ready_date": "object",
}
"""A collect order's shipment: the store a transfer leg goes to (empty: not a leg),
the leg's km, cost and days, and the local day it is ready at the store (a run with
collect orders; allocations carry `transfer_to` and `ready_date`)."""
ALLOCATION_TRANSFER_COLUMNS = ("transfer_to", "ready_date")
ORDER_TRANSFER_COLUMNS = {
    "collect": "bool",
    "ready_date": "object",
    "ready_days": "float64",
    "transfers": "int64",
    "transfer_units": "int64",
    "transfer_cost": "float64",
    "ready_on_time": "boolean",
}
"""A collect order's ready date and transfer legs (a run with collect orders): see
docs/kpis.md, "Click & collect"."""
COLLECT_READY_DAYS = 2
"""The days a collect order without promised_days has to be ready in to be on time."""
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

    @property
    def carriers(self) -> bool:
        """Whether the run had carriers (the tables hold the promise columns)."""
        return "carrier" in self.shipments.columns

    @property
    def collect(self) -> bool:
        """Whether the run had collect orders (the tables hold the transfer columns)."""
        return "transfer_to" in self.shipments.columns

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
        frames = {name: pd.read_parquet(folder / file) for name, file in PARQUET_FILES.items()}
        shipments = frames["shipments"].columns
        layouts = _layouts("carrier" in shipments, "transfer_to" in shipments)
        return cls(**{name: _typed(frames[name], layouts[name]) for name in PARQUET_FILES})


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
    *,
    carriers: bool | None = None,
) -> DecisionTables:
    """Flatten decisions into order, shipment and allocation tables (the last decision counts).

    ``decisions`` are engine ``Decision`` objects or their data.md JSON dicts; ``orders`` is
    the order-line table (one row per line) the decisions were made for; ``nodes`` the
    network (for node type, costs and handling days); ``timezone`` the ruleset's zone, in
    which each order's ``day`` is taken. ``carriers`` says whether the run had carriers
    (the promise columns are added); None infers it from the decisions (a shipment names
    a carrier, or a batch names carrier services).
    """
    node_facts = _node_facts(nodes)
    node_index = {node_id: i for i, node_id in enumerate(node_facts.index)}
    if isinstance(decisions, DecisionBatch):
        final_batch, n_decisions = decisions.finals()
        if len(final_batch):
            columns = batch_columns(final_batch, n_decisions, node_index, carriers)
            return _tables(columns, orders, node_facts, timezone)
        final = []
    else:
        order_ids, final, n_decisions = final_decisions(decisions)
    if not final:
        layouts = _layouts(bool(carriers), False)
        return DecisionTables(
            **{
                name: _typed(pd.DataFrame(columns=list(columns)), columns)
                for name, columns in layouts.items()
            }
        )
    columns = read_columns(order_ids, final, n_decisions, node_index, carriers)
    return _tables(columns, orders, node_facts, timezone)


def _layouts(carriers: bool, collect: bool) -> dict[str, dict[str, str]]:
    """The columns of each table, with the promise columns for a run with carriers and
    the transfer columns for a run with collect orders."""
    orders, shipments, allocations = ORDER_COLUMNS, SHIPMENT_COLUMNS, ALLOCATION_COLUMNS
    if carriers:
        orders = {**orders, **ORDER_PROMISE_COLUMNS}
        shipments = {**shipments, **PROMISE_COLUMNS}
        allocations = {**allocations, **PROMISE_COLUMNS}
    if collect:
        orders = {**orders, **ORDER_TRANSFER_COLUMNS}
        shipments = {**shipments, **TRANSFER_COLUMNS}
        allocations = {
            **allocations,
            **{name: TRANSFER_COLUMNS[name] for name in ALLOCATION_TRANSFER_COLUMNS},
        }
    return {"orders": orders, "shipments": shipments, "allocations": allocations}


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
    layouts = _layouts(columns.promises is not None, columns.transfers is not None)
    if columns.promises is not None:
        promised = _promise_frame(columns)
        shipments = pd.concat([shipments, promised], axis=1)
        order_table = _with_order_promise(order_table, columns, facts)
    if columns.transfers is not None:
        shipments = pd.concat([shipments, _transfer_frame(columns.transfers)], axis=1)
        order_table = _with_order_transfers(order_table, columns, columns.transfers)
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
            **{
                name: shipments[name].array.take(lines)
                for name in (*PROMISE_COLUMNS, *ALLOCATION_TRANSFER_COLUMNS)
                if name in shipments
            },
        }
    )
    return DecisionTables(
        orders=_typed(order_table, layouts["orders"]),
        shipments=_typed(shipments, layouts["shipments"]),
        allocations=_typed(allocations, layouts["allocations"]),
    )


def _promise_frame(columns: DecisionColumns) -> pd.DataFrame:
    """The PROMISE_COLUMNS of each shipment."""
    promises = columns.promises
    assert promises is not None
    return pd.DataFrame(
        {
            "carrier": _text(promises.carrier),
            "service": _text(promises.service),
            "pick_date": dates_of(promises.pick_day),
            "ship_date": dates_of(promises.ship_day),
            "promised_date": dates_of(promises.promised_day),
            "co2_kg": promises.co2_kg,
            "capped": promises.capped,
        }
    )


def _with_order_promise(
    table: pd.DataFrame, columns: DecisionColumns, facts: pd.DataFrame
) -> pd.DataFrame:
    """The order table with ORDER_PROMISE_COLUMNS, and `on_time` judged on the promise
    (docs/kpis.md, "The delivery promise")."""
    promises = columns.promises
    assert promises is not None
    n = len(table)
    seq = columns.shipment_order
    day = day_numbers_of(table["day"].to_numpy())
    # the order's promise: the latest of its shipments' (engine Decision.promised_date)
    latest = np.full(n, NO_DAY, dtype=np.int64)
    np.maximum.at(latest, seq, promises.promised_day)
    late_pick = np.zeros(n, dtype=bool)
    picked = promises.pick_day != NO_DAY
    np.logical_or.at(late_pick, seq[picked], promises.pick_day[picked] > day[seq[picked]])
    capped = np.zeros(n, dtype=np.int64)
    np.add.at(capped, seq, promises.capped.astype(np.int64))
    has_promise = latest != NO_DAY
    days_promised = np.where(has_promise, (latest - day).astype("float64"), np.nan)
    requested = facts["requested_date"].to_numpy()
    requested_day = day_numbers_of(requested)
    by_request = requested_day != NO_DAY
    window = table["promised_days"].to_numpy(dtype="float64")
    judged = table["routed"].to_numpy(dtype=bool) & has_promise
    judged &= by_request | ~np.isnan(window)
    in_time = np.where(by_request, latest <= requested_day, days_promised <= window)
    on_time = pd.array(in_time, dtype="boolean")
    on_time[~judged] = pd.NA
    return table.assign(
        on_time=on_time,
        requested_date=requested,
        promised_date=dates_of(latest),
        days_promised=days_promised,
        missed_cutoff=late_pick,
        capped_parcels=capped,
    )


def _transfer_frame(transfers: ShipmentTransfers) -> pd.DataFrame:
    """The TRANSFER_COLUMNS of each shipment."""
    return pd.DataFrame(
        {
            "transfer_to": _text(transfers.to_node),
            "transfer_km": transfers.km,
            "transfer_cost": transfers.cost,
            "transfer_days": transfers.days,
            "ready_date": dates_of(transfers.ready_day),
        }
    )


def _with_order_transfers(
    table: pd.DataFrame, columns: DecisionColumns, transfers: ShipmentTransfers
) -> pd.DataFrame:
    """The order table with ORDER_TRANSFER_COLUMNS (docs/kpis.md, "Click & collect"): a
    collect order's ready date is the latest of its shipments'; it is ready on time when
    routed and ready within its promised_days (COLLECT_READY_DAYS without)."""
    n, seq = len(table), columns.shipment_order
    leg = ~np.isnan(transfers.cost)
    legs = np.zeros(n, dtype=np.int64)
    np.add.at(legs, seq[leg], 1)
    leg_units = np.zeros(n, dtype=np.int64)
    np.add.at(leg_units, seq[leg], columns.shipment_units[leg])
    leg_cost = np.zeros(n, dtype=np.float64)
    np.add.at(leg_cost, seq[leg], transfers.cost[leg])
    ready = np.full(n, NO_DAY, dtype=np.int64)
    np.maximum.at(ready, seq, transfers.ready_day)
    day = day_numbers_of(table["day"].to_numpy())
    has_ready = ready != NO_DAY
    ready_days = np.where(has_ready, (ready - day).astype("float64"), np.nan)
    window = table["promised_days"].to_numpy(dtype="float64")
    window = np.where(np.isnan(window), float(COLLECT_READY_DAYS), window)
    collect = transfers.collect
    judged = collect & table["routed"].to_numpy(dtype=bool) & has_ready
    on_time = pd.array(ready_days <= window, dtype="boolean")
    on_time[~judged] = pd.NA
    return table.assign(
        collect=collect,
        ready_date=dates_of(ready),
        ready_days=ready_days,
        transfers=legs,
        transfer_units=leg_units,
        transfer_cost=leg_cost,
        ready_on_time=on_time,
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
    facts["requested_date"] = _requested_dates(orders, codes, rows)
    facts["lines"] = np.bincount(codes, minlength=len(uniques))[rows]
    quantities = orders["qty"].to_numpy(dtype="int64")
    facts["units_ordered"] = np.bincount(codes, weights=quantities, minlength=len(uniques))[rows]
    frame = pd.DataFrame({k: v.array if isinstance(v, pd.Series) else v for k, v in facts.items()})
    frame["day"] = _local_days(frame["created_at"], timezone)
    return frame


def _requested_dates(orders: pd.DataFrame, codes: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Each order's `requested_date` (its first non-empty one among its lines) as a
    `datetime.date`, None where it has none (or the table no such column)."""
    if "requested_date" not in orders:
        return np.full(len(rows), None, dtype=object)
    given = orders["requested_date"].astype(object)
    given = given.where(given.notna() & (given.astype(str).str.strip() != ""), None)
    first = pd.Series(_first_valid(given, codes, rows), dtype=object)
    found, distinct = pd.factorize(first)
    dates = np.array([_date(value) for value in distinct], dtype=object)
    out = np.full(len(rows), None, dtype=object)
    out[found >= 0] = dates[found[found >= 0]]
    return out


def _date(value) -> dt.date:
    """A requested date given as a date or as `YYYY-MM-DD` text."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"requested_date {value!r} is not a date YYYY-MM-DD") from None


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
