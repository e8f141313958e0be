"""Routing decisions (the data.md JSON) flattened into the tables the KPIs are computed on.

Three frames, all keyed by ``order_id``: one row per decided order, one per shipment and
one per shipment line (allocation). When an order has several decisions (a re-route emits a
new, complete decision with ``rerouted_from``), the last one is the order's final state and
the only one counted. Shipment cost and ETA are recomputed from the node table with the
kpis.md formulas, so every figure can be re-derived by hand from the nodes and distances.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

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
_DECISION_FIELDS = [
    "order_id",
    "status",
    "strategy",
    "strategies",
    "n_decisions",
    "decision_seq",
    "rerouted_from",
    "reroute_reason",
    "units_unfilled",
    "units_backordered",
    "unfilled_reason",
]
_SHIPMENT_FIELDS = [
    "order_id",
    "shipment_no",
    "node_id",
    "strategy",
    "lines",
    "units",
    "distance_km",
    "decision_seq",
]
_ALLOCATION_FIELDS = [
    "order_id",
    "shipment_no",
    "seq",
    "node_id",
    "sku",
    "qty",
    "strategy",
    "decision_seq",
]
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


def decision_tables(
    decisions: Iterable[dict],
    orders: pd.DataFrame,
    nodes: pd.DataFrame,
    timezone: str = "UTC",
) -> DecisionTables:
    """Flatten decisions into order, shipment and allocation tables (the last decision counts).

    ``orders`` is the order-line table (one row per line) the decisions were made for;
    ``nodes`` the network (for node type, costs and handling days); ``timezone`` the
    ruleset's zone, in which each order's ``day`` is taken.
    """
    final: dict[str, dict] = {}
    counts: dict[str, int] = {}
    for decision in decisions:
        if not isinstance(decision, dict):
            decision = decision.to_dict()  # an engine Decision object
        order_id = str(decision["order_id"])
        final.pop(order_id, None)  # re-inserted last: dict order = final decision order
        final[order_id] = decision
        counts[order_id] = counts.get(order_id, 0) + 1

    order_facts = _order_facts(orders, timezone)
    node_facts = _node_facts(nodes)
    known_nodes = set(node_facts.index)

    order_rows, shipment_rows, allocation_rows = [], [], []
    for decision_seq, (order_id, decision) in enumerate(final.items()):
        chain = [str(s) for s in decision.get("strategies") or []]
        primary = chain[0] if chain else None
        unfilled = decision.get("unfilled") or []
        status = str(decision["status"])
        units_unfilled = sum(int(u["qty"]) for u in unfilled)
        for shipment_no, shipment in enumerate(decision.get("shipments") or []):
            node_id = str(shipment["node_id"])
            if node_id not in known_nodes:
                raise ValueError(f"order {order_id}: shipment from unknown node {node_id!r}")
            if shipment.get("distance_km") is None:
                raise ValueError(f"order {order_id}: shipment from {node_id} has no distance_km")
            strategy = shipment.get("strategy") or (primary if len(chain) == 1 else None)
            lines = shipment.get("lines") or []
            units = 0
            for line in lines:
                qty = int(line["qty"])
                units += qty
                allocation_rows.append(
                    (order_id, shipment_no, len(allocation_rows), node_id, str(line["sku"]), qty)
                    + (strategy, decision_seq)
                )
            shipment_rows.append(
                (order_id, shipment_no, node_id, strategy, len(lines), units)
                + (float(shipment["distance_km"]), decision_seq)
            )
        reasons = "; ".join(f"{u['sku']} x{u['qty']}: {u.get('reason', '')}" for u in unfilled)
        order_rows.append(
            (order_id, status, primary, STRATEGY_SEPARATOR.join(chain), counts[order_id])
            + (decision_seq, _text_or_none(decision.get("rerouted_from")))
            + (_text_or_none(decision.get("reason")), units_unfilled)
            + (units_unfilled if status == "backordered" else 0, reasons or None)
        )

    order_rows = pd.DataFrame.from_records(order_rows, columns=_DECISION_FIELDS)
    shipment_rows = pd.DataFrame.from_records(shipment_rows, columns=_SHIPMENT_FIELDS)
    allocations = pd.DataFrame.from_records(allocation_rows, columns=_ALLOCATION_FIELDS)
    shipments = _price_shipments(shipment_rows, node_facts)
    order_table = _order_table(order_rows, shipments, order_facts)
    shipments = _with_order_context(shipments, order_table)
    allocations["node_type"] = allocations["node_id"].map(node_facts["type"])
    allocations = _with_order_context(allocations, order_table)
    return DecisionTables(
        orders=_typed(order_table, ORDER_COLUMNS),
        shipments=_typed(shipments, SHIPMENT_COLUMNS),
        allocations=_typed(allocations, ALLOCATION_COLUMNS),
    )


def _order_facts(orders: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """Order-level facts (time, channel, units...) from the order-line table, indexed by id."""
    lines = orders.assign(order_id=orders["order_id"].astype(str))
    created = pd.to_datetime(lines["created_at"])
    if created.dt.tz is None:
        created = created.dt.tz_localize(timezone)
    lines = lines.assign(created_at=created.dt.tz_convert("UTC"))
    if "promised_days" not in lines:
        lines = lines.assign(promised_days=np.nan)
    for column in ("channel", "delivery", "tier"):
        if column not in lines:
            lines = lines.assign(**{column: None})
    facts = lines.groupby("order_id", sort=False).agg(
        created_at=("created_at", "first"),
        channel=("channel", "first"),
        delivery=("delivery", "first"),
        tier=("tier", "first"),
        promised_days=("promised_days", "first"),
        lines=("sku", "size"),
        units_ordered=("qty", "sum"),
    )
    facts["promised_days"] = pd.to_numeric(facts["promised_days"]).astype("float64")
    facts["day"] = facts["created_at"].dt.tz_convert(timezone).dt.date
    return facts


def _node_facts(nodes: pd.DataFrame) -> pd.DataFrame:
    """Node attributes the KPIs need, indexed by node id."""
    facts = nodes.assign(id=nodes["id"].astype(str)).set_index("id")
    return facts[["type", "pick_cost", "ship_cost_base", "ship_cost_per_km", "handling_days"]]


def _price_shipments(shipments: pd.DataFrame, node_facts: pd.DataFrame) -> pd.DataFrame:
    """Add node type, kpis.md cost and ETA to each shipment."""
    if shipments.empty:
        return pd.DataFrame(columns=list(SHIPMENT_COLUMNS))
    node = node_facts.reindex(shipments["node_id"]).reset_index(drop=True)
    km = shipments["distance_km"].to_numpy(dtype="float64")
    shipments["node_type"] = node["type"].to_numpy()
    shipments["cost"] = (
        node["pick_cost"].to_numpy(dtype="float64") * shipments["units"].to_numpy()
        + node["ship_cost_base"].to_numpy(dtype="float64")
        + node["ship_cost_per_km"].to_numpy(dtype="float64") * km
    )
    transit = np.maximum(1.0, np.ceil(km / 500.0))
    shipments["eta_days"] = node["handling_days"].to_numpy(dtype="float64") + transit
    return shipments


def _order_table(
    rows: pd.DataFrame, shipments: pd.DataFrame, order_facts: pd.DataFrame
) -> pd.DataFrame:
    """Join decision rows with order facts and per-order shipment totals."""
    if rows.empty:
        return pd.DataFrame(columns=list(ORDER_COLUMNS))
    per_order = shipments.groupby("order_id", sort=False).agg(
        n_shipments=("node_id", "size"),
        units_allocated=("units", "sum"),
        cost=("cost", "sum"),
        eta_days=("eta_days", "max"),
    )
    facts = order_facts.reindex(rows["order_id"])
    missing = rows.loc[facts["lines"].isna().to_numpy(), "order_id"].tolist()
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise ValueError(f"decisions for orders absent from the orders table: {shown}")
    table = rows.assign(
        created_at=facts["created_at"].array,
        day=facts["day"].to_numpy(),
        channel=facts["channel"].to_numpy(),
        delivery=facts["delivery"].to_numpy(),
        tier=facts["tier"].to_numpy(),
        promised_days=facts["promised_days"].to_numpy(),
        lines=facts["lines"].to_numpy(dtype="int64"),
        units_ordered=facts["units_ordered"].to_numpy(dtype="int64"),
    )
    totals = per_order.reindex(table["order_id"])
    table["n_shipments"] = totals["n_shipments"].fillna(0).astype("int64").to_numpy()
    table["units_allocated"] = totals["units_allocated"].fillna(0).astype("int64").to_numpy()
    table["cost"] = totals["cost"].fillna(0.0).to_numpy()
    table["eta_days"] = totals["eta_days"].to_numpy()
    table["routed"] = table["status"].isin(ROUTED_STATUSES) & (table["n_shipments"] >= 1)
    on_time = pd.array(table["eta_days"] <= table["promised_days"], dtype="boolean")
    judged = table["routed"].to_numpy() & table["promised_days"].notna().to_numpy()
    on_time[~judged] = pd.NA
    table["on_time"] = on_time
    return table


def _with_order_context(frame: pd.DataFrame, order_table: pd.DataFrame) -> pd.DataFrame:
    """Copy the order's creation time, local day and channel onto shipment/allocation rows."""
    if frame.empty:
        return frame
    rows = frame["decision_seq"].to_numpy()  # order_table row i is decision_seq i
    return frame.assign(
        created_at=order_table["created_at"].array.take(rows),
        day=order_table["day"].to_numpy()[rows],
        channel=order_table["channel"].array.take(rows),
    )


def _typed(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Order and type the columns so empty and full tables look alike (and write to Parquet)."""
    frame = frame.reindex(columns=list(columns))
    out = {}
    for column, dtype in columns.items():
        values = frame[column]
        if dtype.startswith("datetime64"):
            out[column] = pd.to_datetime(values, utc=True).astype(dtype)
        elif dtype == "object":
            out[column] = values.astype("object")
        else:
            out[column] = values.astype(dtype)
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def _text_or_none(value) -> str | None:
    """A decision field as text (JSON for structured values), None when absent."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)
