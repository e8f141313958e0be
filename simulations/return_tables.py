"""Returns in a simulation: the returns table read as engine returns, and the return
decisions flattened into one row per returned line (docs/kpis.md, "Returns")."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from engine.returns import RETURN_FIELDS, Return, ReturnDecision

RETURN_LINE_COLUMNS = {
    "return_id": "string",
    "line_no": "int64",
    "order_id": "string",
    "created_at": "datetime64[ns, UTC]",
    "day": "object",
    "channel": "string",
    "category": "string",
    "method": "string",
    "drop_node": "string",
    "origin_lat": "float64",
    "origin_lon": "float64",
    "sku": "string",
    "qty": "int64",
    "reason": "string",
    "condition": "string",
    "unit_price": "float64",
    "status": "string",
    "node_id": "string",
    "node_type": "string",
    "disposition": "string",
    "restock_date": "object",
    "restock_at": "datetime64[ns, UTC]",
    "distance_km": "float64",
    "cost": "float64",
    "strategy": "string",
    "unrouted_reason": "string",
}
"""One row per returned line of the run (`Simulation.returns`)."""


def return_lines(
    decisions: Sequence[ReturnDecision],
    returns: Sequence[Return],
    orders: pd.DataFrame,
    nodes: pd.DataFrame,
    timezone: str,
) -> pd.DataFrame:
    """One row per returned line: the return's columns, the original order's channel
    (`unknown` for a gift return or an order outside the run), and where the line went."""
    by_id = {ret.id: ret for ret in returns}
    channel_of = (
        orders.assign(order_id=orders["order_id"].astype(str))
        .groupby("order_id")["channel"]
        .first()
        if "channel" in orders
        else pd.Series(dtype=object)
    )
    node_type = nodes.assign(id=nodes["id"].astype(str)).set_index("id")["type"].astype(str)
    rows = []
    for decision in decisions:
        ret = by_id[decision.return_id]
        for number, (line, placed) in enumerate(zip(ret.lines, decision.lines, strict=True)):
            order_id = ret.get("order_id")
            rows.append(
                {
                    **{name: ret.get(name) for name in RETURN_FIELDS},
                    "line_no": number,
                    "channel": channel_of.get(order_id, "unknown") if order_id else "unknown",
                    "category": line.get("category"),
                    "sku": line.sku,
                    "qty": line.qty,
                    "reason": line.get("reason"),
                    "condition": line.get("condition"),
                    "unit_price": line.get("unit_price"),
                    "status": decision.status,
                    "node_id": placed.node_id,
                    "node_type": None if placed.node_id is None else node_type.get(placed.node_id),
                    "disposition": placed.disposition,
                    "restock_date": placed.restock_date,
                    "restock_at": placed.restock_at,
                    "distance_km": placed.distance_km,
                    "cost": placed.cost,
                    "strategy": placed.strategy,
                    "unrouted_reason": placed.reason,
                }
            )
    frame = pd.DataFrame(rows, columns=[c for c in RETURN_LINE_COLUMNS if c != "day"])
    created = pd.to_datetime(frame["created_at"], utc=True)
    frame["day"] = [d.date() for d in created.dt.tz_convert(timezone)] if len(frame) else []
    return _typed(frame)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for column, dtype in RETURN_LINE_COLUMNS.items():
        values = frame[column]
        if dtype.startswith("datetime64"):
            out[column] = pd.to_datetime(values, utc=True).astype(dtype)
        elif dtype == "object":
            out[column] = values.astype("object")
        elif dtype in ("float64", "int64"):
            out[column] = pd.to_numeric(values).astype(dtype)
        else:
            out[column] = values.astype(dtype)
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))
