"""A stream of mixed events over the demo data: what a busy order flow meets after
routing — cancels, changes of address, stores refusing a line, parcels leaving, receipts,
stock counts, outages and their return — for stress tests and benchmarks.

Events name orders of the demo orders table and fall between their creation and a few
hours later (while their parcels are open), so most of them find something to move;
some name orders already finished, shipped or never allocated there, and are refused,
as in real life.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from engine.decision import Decision
from engine.tables.events import EVENT_COLUMNS

MIX = {
    "order_cancel": 0.14,
    "order_modify": 0.10,
    "line_reject": 0.12,
    "order_ship": 0.20,
    "replenish": 0.18,
    "stock_adjust": 0.16,
    "node_offline": 0.05,
    "node_online": 0.05,
}
"""Share of each kind in the stream."""


def mixed_events(
    orders: pd.DataFrame,
    nodes: pd.DataFrame,
    count: int,
    seed: int = 7,
    shippers: Mapping[tuple[str, str], str] | None = None,
) -> pd.DataFrame:
    """`count` events (the events table's columns, in time order) over the demo
    `orders` (one row per line) and `nodes`. `shippers` ((order id, SKU) → node, e.g.
    `shippers_of` a first routing) aims line rejects and shipments at the node that
    ships the line; without it, at the node nearest the customer."""
    rng = np.random.default_rng(seed)
    lines = orders[["order_id", "created_at", "sku", "qty", "dest_lat", "dest_lon"]]
    created = pd.to_datetime(lines["created_at"], utc=True, format="ISO8601")
    picks = rng.integers(0, len(lines), count)
    kinds = rng.choice(list(MIX), size=count, p=list(MIX.values()))
    lag = pd.to_timedelta(rng.integers(1, 6 * 60, count), unit="min")
    at = (created.iloc[picks].reset_index(drop=True) + lag).map(lambda t: t.isoformat())
    node_ids = nodes["id"].astype(str).to_numpy()
    stores = nodes.loc[nodes["type"] == "store", "id"].astype(str).to_numpy()
    node = rng.choice(node_ids, count)
    nearest = _nearest(nodes, lines.iloc[picks])
    if shippers is not None:
        chosen_lines = lines.iloc[picks]
        nearest = np.array(
            [
                shippers.get((order_id, sku), guess)
                for order_id, sku, guess in zip(
                    chosen_lines["order_id"].tolist(), chosen_lines["sku"].tolist(),
                    nearest.tolist(), strict=True,
                )
            ]
        )  # fmt: skip
    odds = rng.random((count, 3))
    chosen = lines.iloc[picks]
    columns = {name: chosen[name].tolist() for name in ("order_id", "sku", "dest_lat", "dest_lon")}
    rows = []
    for i in range(count):
        line = {name: values[i] for name, values in columns.items()}
        kind = str(kinds[i])
        row: dict = {"at": at[i], "kind": kind, "node_id": "", "sku": "", "qty": None}
        if kind in ("node_offline", "node_online", "replenish", "stock_adjust"):
            row["node_id"] = str(node[i])
        if kind in ("replenish", "stock_adjust"):
            row["sku"] = str(line["sku"])
            row["qty"] = (
                int(rng.integers(1, 20)) if kind == "replenish" else int(rng.integers(0, 8))
            )
        else:
            row["order_id"] = str(line["order_id"]) if kind.startswith(("order", "line")) else ""
        if kind == "order_cancel" and odds[i, 0] < 0.5:
            row["sku"], row["qty"] = str(line["sku"]), 1
        if kind == "order_modify":
            if odds[i, 1] < 0.3 and len(stores):
                row["delivery"], row["collect_node"] = "collect", str(rng.choice(stores))
            else:
                row["dest_lat"] = float(line["dest_lat"]) + float(rng.normal(0, 0.5))
                row["dest_lon"] = float(line["dest_lon"]) + float(rng.normal(0, 0.5))
        if kind == "line_reject":  # most often the node nearest the customer: it ships
            row["node_id"] = str(nearest[i] if odds[i, 2] < 0.8 else node[i])
            row["sku"] = str(line["sku"])
        if kind == "order_ship" and odds[i, 2] < 0.5:
            row["node_id"] = str(nearest[i])
        rows.append(row)
    frame = pd.DataFrame(rows).reindex(columns=list(EVENT_COLUMNS))
    frame["at"] = pd.to_datetime(frame["at"], utc=True, format="ISO8601")
    frame = frame.sort_values("at", kind="stable").reset_index(drop=True)
    frame["at"] = frame["at"].map(lambda t: t.isoformat())
    frame["qty"] = frame["qty"].astype("Int64")
    return frame


def shippers_of(decisions: Iterable[Decision]) -> dict[tuple[str, str], str]:
    """(order id, SKU) → the node of the first shipment that carries it."""
    out: dict[tuple[str, str], str] = {}
    for decision in decisions:
        for shipment in decision.shipments:
            for line in shipment.lines:
                out.setdefault((decision.order_id, line.sku), shipment.node_id)
    return out


def _nearest(nodes: pd.DataFrame, lines: pd.DataFrame) -> np.ndarray:
    """The node nearest each line's destination (flat-earth degrees: a guess of who
    ships it, good enough to aim events at live allocations)."""
    lat = nodes["lat"].to_numpy(float)[None, :] - lines["dest_lat"].to_numpy(float)[:, None]
    lon = nodes["lon"].to_numpy(float)[None, :] - lines["dest_lon"].to_numpy(float)[:, None]
    return nodes["id"].astype(str).to_numpy()[np.argmin(lat**2 + lon**2, axis=1)]
