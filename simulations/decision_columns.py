"""Final routing decisions read into columns of plain values, one attribute at a time.

A million decisions are read without a dict per decision or per line (what
``Decision.to_dict`` would build): each column is one comprehension over the decisions,
their shipments or their lines, and the counts, positions and totals that follow from them
are numpy. Engine ``Decision`` objects and data.md JSON dicts give the same columns.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

from simulations.shipment_promises import (
    JsonCarried,
    ShipmentPromises,
    batch_promises,
    object_promises,
)
from simulations.shipment_transfers import (
    ShipmentTransfers,
    batch_transfers,
    json_collect,
    object_transfers,
)

if TYPE_CHECKING:
    from engine import Decision, DecisionBatch


@dataclass(frozen=True)
class Coded:
    """Texts given as codes into a short table of the distinct texts (-1: missing): the
    engine's decisions carry SKUs, statuses and strategy chains that way, and a million
    of them are not turned into a million Python strings."""

    codes: np.ndarray
    names: list

    def texts(self) -> np.ndarray:
        """The texts as an object array (None where missing)."""
        table = np.array([*self.names, None], dtype=object)
        return table[np.where(self.codes < 0, len(self.names), self.codes)]

    def map(self, function) -> Coded:
        """The same codes into `function` of each distinct text."""
        return Coded(self.codes, [function(name) for name in self.names])


def texts_of(values: list | Coded) -> np.ndarray:
    """Texts of a column as an object array, however they are held."""
    return values.texts() if isinstance(values, Coded) else np.asarray(values, dtype=object)


@dataclass(frozen=True)
class DecisionColumns:
    """The final decision of each order: per order, per shipment and per shipment line."""

    order_ids: list[str]
    status: list[str] | Coded
    strategy: list[str | None] | Coded
    """The primary strategy (first of the chain)."""
    chains: list | Coded
    """The strategy chain of each decision (a sequence of strategy ids)."""
    n_decisions: np.ndarray
    rerouted_from: list[str | None]
    reroute_reason: list[str | None]
    units_unfilled: np.ndarray
    unfilled_reason: list[str | None]
    n_shipments: np.ndarray
    units_allocated: np.ndarray
    shipment_order: np.ndarray
    """Position (decision_seq) of each shipment's order."""
    shipment_no: np.ndarray
    shipment_node: np.ndarray
    """Position of each shipment's node in the node table."""
    shipment_strategy: list[str | None]
    shipment_lines: np.ndarray
    shipment_units: np.ndarray
    distance_km: np.ndarray
    cost: np.ndarray
    eta_days: np.ndarray
    """Each shipment's figures as its decision gives them (unrounded from the engine,
    rounded to 2 decimals when read from data.md JSON)."""
    line_shipment: np.ndarray
    """Position of each allocation's shipment."""
    sku: list[str] | Coded
    qty: np.ndarray
    promises: ShipmentPromises | None = None
    """Each shipment's carrier service and promise; None for a run without carriers."""
    transfers: ShipmentTransfers | None = None
    """Collect orders, transfer legs and ready days; None for a run without collect
    orders."""


def final_decisions(
    decisions: Iterable[Decision | dict],
) -> tuple[list[str], list[Decision | dict], np.ndarray]:
    """The last decision of each order, in the order of those last decisions: their order
    ids, the decisions and how many decisions each order had."""
    decisions = list(decisions)
    ids = [str(d["order_id"] if isinstance(d, dict) else d.order_id) for d in decisions]
    if len(set(ids)) == len(ids):  # no re-route: every decision is final
        return ids, decisions, np.ones(len(ids), dtype=np.int64)
    final: dict[str, Decision | dict] = {}
    counts: dict[str, int] = {}
    for order_id, decision in zip(ids, decisions, strict=True):
        if order_id in counts:  # re-inserted last: dict order = final decision order
            del final[order_id]
            counts[order_id] += 1
        else:
            counts[order_id] = 1
        final[order_id] = decision
    last = list(final)
    return last, list(final.values()), np.array([counts[o] for o in last], dtype=np.int64)


def read_columns(
    order_ids: list[str],
    decisions: list[Decision | dict],
    n_decisions: np.ndarray,
    node_index: dict[str, int],
    carriers: bool | None = None,
) -> DecisionColumns:
    """Columns of the final decisions (see :func:`final_decisions`); ``node_index`` maps
    node ids to their position. A shipment from a node missing from it is refused.
    ``carriers`` says whether the run had carriers (the promise columns are read); None
    infers it: some decision was routed with a carriers table."""
    decided = [_JsonDecision(d) if isinstance(d, dict) else d for d in decisions]
    n = len(decided)
    chains = [d.strategies for d in decided]
    per_order = [d.shipments for d in decided]
    n_shipments = np.fromiter(map(len, per_order), dtype=np.int64, count=n)
    shipments = list(chain.from_iterable(per_order))
    order_of = np.repeat(np.arange(n, dtype=np.intp), n_shipments)
    first = np.cumsum(n_shipments) - n_shipments
    node = np.array([node_index.get(s.node_id, -1) for s in shipments], dtype=np.intp)
    if (node < 0).any():
        at = int(np.flatnonzero(node < 0)[0])
        unknown = shipments[at].node_id
        raise ValueError(f"order {order_ids[order_of[at]]}: shipment from unknown node {unknown!r}")
    single = np.array([c[0] if len(c) == 1 else None for c in chains], dtype=object)
    per_shipment = [s.lines for s in shipments]
    n_lines = np.fromiter(map(len, per_shipment), dtype=np.int64, count=len(shipments))
    lines = list(chain.from_iterable(per_shipment))
    line_shipment = np.repeat(np.arange(len(shipments), dtype=np.intp), n_lines)
    qty = np.fromiter((line.qty for line in lines), dtype=np.int64, count=len(lines))
    units = _sums(qty, line_shipment, len(shipments))
    unfilled = [d.unfilled for d in decided]
    if carriers is None:
        carriers = any(d.carriers for d in decided)
    return DecisionColumns(
        order_ids=order_ids,
        status=[d.status for d in decided],
        strategy=[c[0] if c else None for c in chains],
        chains=chains,
        n_decisions=n_decisions,
        rerouted_from=[_text_or_none(d.rerouted_from) for d in decided],
        reroute_reason=[_text_or_none(d.reason) for d in decided],
        units_unfilled=np.fromiter(
            (sum(u.qty for u in items) if items else 0 for items in unfilled),
            dtype=np.int64,
            count=n,
        ),
        unfilled_reason=[
            "; ".join(f"{u.sku} x{u.qty}: {u.reason}" for u in items) if items else None
            for items in unfilled
        ],
        n_shipments=n_shipments,
        units_allocated=_sums(units, order_of, n),
        shipment_order=order_of,
        shipment_no=np.arange(len(shipments), dtype=np.int64) - first[order_of],
        shipment_node=node,
        shipment_strategy=[
            s.strategy or fallback for s, fallback in zip(shipments, single[order_of], strict=True)
        ],
        shipment_lines=n_lines,
        shipment_units=units,
        distance_km=np.array([s.distance_km for s in shipments], dtype="float64"),
        cost=np.array([s.cost for s in shipments], dtype="float64"),
        eta_days=np.array([s.eta_days for s in shipments], dtype="float64"),
        line_shipment=line_shipment,
        sku=[line.sku for line in lines],
        qty=qty,
        promises=object_promises(shipments) if carriers else None,
        transfers=object_transfers([d.collect for d in decided], shipments),
    )


def batch_columns(
    batch: DecisionBatch,
    n_decisions: np.ndarray,
    node_index: dict[str, int],
    carriers: bool | None = None,
) -> DecisionColumns:
    """Columns of the final decisions of an engine `DecisionBatch`, from its arrays (no
    object per decision); `node_index` maps node ids to their position; `carriers` as
    for :func:`read_columns` (None: the batch names carrier services)."""
    from engine.decision_codes import REASONS, STATUSES, UNROUTABLE

    n = len(batch)
    node_position = np.array([node_index.get(i, -1) for i in batch.node_ids], dtype=np.intp)
    node = node_position[batch.ship_node] if len(batch.ship_node) else batch.ship_node
    if (node < 0).any():
        unknown = batch.node_ids[int(batch.ship_node[np.flatnonzero(node < 0)[0]])]
        raise ValueError(f"a shipment from unknown node {unknown!r}")
    n_shipments = np.diff(batch.ship_start)
    order_of = np.repeat(np.arange(n, dtype=np.intp), n_shipments)
    n_lines = np.diff(batch.part_start)
    line_shipment = np.repeat(np.arange(len(batch.ship_node), dtype=np.intp), n_lines)
    units = _sums(batch.part_qty, line_shipment, len(batch.ship_node))
    names = batch.sku_names
    unfilled_units = _sums(
        batch.line_unfilled, np.repeat(np.arange(n), np.diff(batch.line_start)), n
    )
    reasons = [None] * n
    short_lines = np.flatnonzero(batch.line_unfilled)
    if len(short_lines):
        owner = np.searchsorted(batch.line_start, short_lines, side="right") - 1
        texts: dict[int, list[str]] = {}
        for i, line in zip(owner.tolist(), short_lines.tolist(), strict=True):
            texts.setdefault(i, []).append(
                f"{names[batch.line_sku[line]]} x{int(batch.line_unfilled[line])}: "
                f"{REASONS[batch.line_reason[line]]}"
            )
        for i, items in texts.items():
            reasons[i] = "; ".join(items)
    chains = batch.chains
    known: dict[tuple[str, ...], int] = {}
    chain_codes = np.array([known.setdefault(c, len(known)) for c in chains], dtype=np.int64)
    distinct = Coded(chain_codes, list(known))
    rerouted = batch.rerouted_from or [None] * n
    notes = batch.notes or [None] * n
    codes = batch.status.tolist()
    return DecisionColumns(
        order_ids=batch.order_ids,
        status=Coded(batch.status.astype(np.int64), list(STATUSES)),
        strategy=distinct.map(lambda chain: chain[0] if chain else None),
        chains=distinct,
        n_decisions=n_decisions,
        rerouted_from=[_text_or_none(r) for r in rerouted],
        reroute_reason=[
            REASONS[why] if c == UNROUTABLE else _text_or_none(note)
            for c, why, note in zip(codes, batch.reason.tolist(), notes, strict=True)
        ],
        units_unfilled=unfilled_units,
        unfilled_reason=reasons,
        n_shipments=n_shipments.astype(np.int64),
        units_allocated=_sums(units, order_of, n),
        shipment_order=order_of,
        shipment_no=np.arange(len(order_of), dtype=np.int64) - batch.ship_start[order_of],
        shipment_node=node,
        shipment_strategy=[
            by if by is not None else (chains[i][0] if len(chains[i]) == 1 else None)
            for by, i in zip(batch.ship_strategy, order_of.tolist(), strict=True)
        ],
        shipment_lines=n_lines.astype(np.int64),
        shipment_units=units,
        distance_km=batch.ship_km,
        cost=batch.ship_cost,
        eta_days=batch.ship_eta,
        line_shipment=line_shipment,
        sku=Coded(batch.line_sku[batch.part_line], list(names)),
        qty=batch.part_qty,
        promises=batch_promises(batch, carriers),
        transfers=batch_transfers(batch),
    )


def _sums(values: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """Whole-number sums per group (exact: integer accumulation)."""
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, group, values)
    return out


def _text_or_none(value) -> str | None:
    """A decision field as text (JSON for structured values), None when absent."""
    if value is None or type(value) is str:
        return value
    return json.dumps(value, sort_keys=True)


class _JsonDecision:
    """A data.md JSON decision read with the engine objects' attribute names."""

    __slots__ = ("order_id", "status", "strategies", "shipments", "unfilled")
    __slots__ += ("rerouted_from", "reason", "carriers", "collect")

    def __init__(self, data: dict):
        self.order_id = str(data["order_id"])
        self.status = str(data["status"])
        self.strategies = [str(s) for s in data.get("strategies") or []]
        self.shipments = [_JsonShipment(self.order_id, s) for s in data.get("shipments") or []]
        self.unfilled = [
            _JsonItem(u["sku"], int(u["qty"]), u.get("reason", ""))
            for u in data.get("unfilled") or []
        ]
        self.rerouted_from = data.get("rerouted_from")
        self.reason = data.get("reason")
        # routed with a carriers table: the JSON has the order's promised_date
        self.carriers = "promised_date" in data or any(s.carried for s in self.shipments)
        # a collect order: the JSON has the order's ready_date
        self.collect = "ready_date" in data


class _JsonShipment:
    """A shipment of a JSON decision; its figures are taken as written."""

    __slots__ = ("node_id", "lines", "distance_km", "cost", "eta_days", "strategy", "carried")
    __slots__ += ("transfer", "ready_date")

    def __init__(self, order_id: str, data: dict):
        self.node_id = str(data["node_id"])
        self.lines = [
            _JsonItem(str(line["sku"]), int(line["qty"])) for line in data.get("lines") or []
        ]
        for name in ("distance_km", "cost", "eta_days"):
            if data.get(name) is None:
                raise ValueError(f"order {order_id}: shipment from {self.node_id} has no {name}")
        self.distance_km = float(data["distance_km"])
        self.cost = float(data["cost"])
        self.eta_days = float(data["eta_days"])
        strategy = data.get("strategy")
        self.strategy = None if strategy is None else str(strategy)
        carried = data.get("carrier") is not None
        self.carried = JsonCarried(data, order_id, self.node_id) if carried else None
        self.transfer, self.ready_date = json_collect(data, order_id, self.node_id)


class _JsonItem:
    """A shipment line or an unfilled item of a JSON decision."""

    __slots__ = ("sku", "qty", "reason")

    def __init__(self, sku, qty, reason: str = ""):
        self.sku, self.qty, self.reason = sku, qty, reason
