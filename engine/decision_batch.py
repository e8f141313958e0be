"""Decisions as columns: what the kernel decided for a batch of orders, in routing order.

A `DecisionBatch` is a sequence of `Decision`s (`batch[i]` builds one when asked), but
its figures stay in arrays: the command line writes its JSON lines straight from them
(`write_jsonl`: the same bytes as `Decision.to_json`, one line per decision) and the
simulation builds its tables from them, so a bulk run makes no object per order.

Layout: per order (routing order) its id, status, chain and reason; its merged lines
(`line_start`), with the units each leaves unfilled and why; its shipments
(`ship_start`) with node, strategy, km, cost and eta as the kernel computed them; and
each shipment's lines (`part_start`: merged line and units).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring as _quoted
from typing import IO

import numpy as np

from engine.decision import DECIMALS, Decision, Shipment, ShipmentLine, Unfilled

STATUSES = ("routed", "partial", "backordered", "rejected", "unroutable")
ROUTED, PARTIAL, BACKORDERED, REJECTED, UNROUTABLE = range(5)
REASONS = (
    "",
    "no candidate with stock",
    "split limit reached",
    "order rejected: other lines are short",
    "no strategy applies",
    "the order has no destination (dest_lat, dest_lon)",
)
"""Why units are unfilled (code 0: nothing unfilled); the last two also name why an
order is unroutable."""
NONE, NO_STOCK, SPLIT_LIMIT, REJECTED_WITH_ORDER, NO_STRATEGY, NO_DESTINATION = range(6)


@dataclass
class DecisionBatch(Sequence[Decision]):
    """The decisions of a batch (see the module doc); arrays indexed as described."""

    order_ids: list[str]
    status: np.ndarray
    """Per order: index into STATUSES."""
    chains: list[tuple[str, ...]]
    """Per order: the strategies tried, primary first."""
    reason: np.ndarray
    """Per order: index into REASONS for an unroutable order, else 0."""
    line_start: np.ndarray
    line_sku: list[str]
    line_qty: np.ndarray
    line_unfilled: np.ndarray
    line_reason: np.ndarray
    ship_start: np.ndarray
    ship_node: np.ndarray
    ship_strategy: list[str]
    ship_km: np.ndarray
    ship_cost: np.ndarray
    ship_eta: np.ndarray
    part_start: np.ndarray
    part_line: np.ndarray
    """Per shipment line: the merged line (global index) it carries."""
    part_qty: np.ndarray
    node_ids: Sequence[str]
    order_rows: np.ndarray | None = None
    """Per order: its position in the batch the orders came in (None: the same)."""

    def __len__(self) -> int:
        return len(self.order_ids)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self._decision(j) for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._decision(i)

    def __iter__(self) -> Iterator[Decision]:
        for i in range(len(self)):
            yield self._decision(i)

    # ------------------------------------------------------------ objects
    def _decision(self, i: int) -> Decision:
        shipments = []
        sku = self.line_sku
        for s in range(int(self.ship_start[i]), int(self.ship_start[i + 1])):
            lines = tuple(
                ShipmentLine(sku[int(self.part_line[p])], int(self.part_qty[p]))
                for p in range(int(self.part_start[s]), int(self.part_start[s + 1]))
            )
            shipments.append(
                Shipment(
                    self.node_ids[int(self.ship_node[s])],
                    lines,
                    float(self.ship_km[s]),
                    float(self.ship_cost[s]),
                    float(self.ship_eta[s]),
                    self.ship_strategy[s],
                )
            )
        unfilled = tuple(
            Unfilled(sku[line], int(self.line_unfilled[line]), REASONS[self.line_reason[line]])
            for line in range(int(self.line_start[i]), int(self.line_start[i + 1]))
            if self.line_unfilled[line]
        )
        status = int(self.status[i])
        return Decision(
            self.order_ids[i],
            STATUSES[status],  # type: ignore[arg-type]
            self.chains[i],
            tuple(shipments),
            unfilled,
            reason=REASONS[self.reason[i]] if status == UNROUTABLE else None,
        )

    # ------------------------------------------------------------ JSON lines
    def write_jsonl(self, out: IO[str]) -> None:
        """Write one JSON line per decision, byte for byte what `Decision.to_json` gives
        (data.md's keys in order, figures rounded to 2 decimals, UTF-8)."""
        for chunk in self.jsonl_chunks():
            out.write(chunk)

    def jsonl_chunks(self, size: int = 4096) -> Iterator[str]:
        """The JSON lines, a few thousand decisions per string."""
        ids = [_quoted(order_id) for order_id in self.order_ids]
        skus = [_quoted(sku) for sku in self.line_sku]
        nodes = [_quoted(node_id) for node_id in self.node_ids]
        chains: dict[tuple[str, ...], str] = {}
        strategies: dict[str, str] = {}
        status = [f'"{name}"' for name in STATUSES]
        reasons = [_quoted(text) for text in REASONS]
        ship_start = self.ship_start.tolist()
        line_start = self.line_start.tolist()
        part_start = self.part_start.tolist()
        part_line = self.part_line.tolist()
        part_qty = self.part_qty.tolist()
        ship_node = self.ship_node.tolist()
        km = _rounded(self.ship_km)
        cost = _rounded(self.ship_cost)
        eta = _rounded(self.ship_eta)
        unfilled = self.line_unfilled.tolist()
        line_reason = self.line_reason.tolist()
        codes = self.status.tolist()
        why = self.reason.tolist()
        out: list[str] = []
        for i, order_id in enumerate(ids):
            chain = self.chains[i]
            chain_text = chains.get(chain)
            if chain_text is None:
                chain_text = chains[chain] = "[" + ", ".join(_quoted(s) for s in chain) + "]"
            parcels = []
            for s in range(ship_start[i], ship_start[i + 1]):
                by = self.ship_strategy[s]
                by_text = strategies.get(by)
                if by_text is None:
                    by_text = strategies[by] = _quoted(by)
                lines = ", ".join(
                    [
                        f'{{"sku": {skus[part_line[p]]}, "qty": {part_qty[p]}}}'
                        for p in range(part_start[s], part_start[s + 1])
                    ]
                )
                parcels.append(
                    f'{{"node_id": {nodes[ship_node[s]]}, "lines": [{lines}], '
                    f'"distance_km": {km[s]!r}, "cost": {cost[s]!r}, "eta_days": {eta[s]!r}, '
                    f'"strategy": {by_text}}}'
                )
            short = [
                f'{{"sku": {skus[line]}, "qty": {unfilled[line]}, '
                f'"reason": {reasons[line_reason[line]]}}}'
                for line in range(line_start[i], line_start[i + 1])
                if unfilled[line]
            ]
            tail = f', "reason": {reasons[why[i]]}}}\n' if codes[i] == UNROUTABLE else "}\n"
            out.append(
                f'{{"order_id": {order_id}, "status": {status[codes[i]]}, '
                f'"strategies": {chain_text}, "shipments": [{", ".join(parcels)}], '
                f'"unfilled": [{", ".join(short)}], "explain": []{tail}'
            )
            if len(out) == size:
                yield "".join(out)
                out = []
        if out:
            yield "".join(out)

    # ------------------------------------------------------------ making
    @classmethod
    def concat(cls, parts: list[DecisionBatch], node_ids: Sequence[str]) -> DecisionBatch:
        """One batch of several, in their order (positions renumbered)."""
        if not parts:
            return cls.empty(node_ids)
        if len(parts) == 1:
            return parts[0]
        lines = np.cumsum([0] + [len(p.line_qty) for p in parts[:-1]])
        rows = [p.order_rows for p in parts]
        return cls(
            order_ids=[i for p in parts for i in p.order_ids],
            status=np.concatenate([p.status for p in parts]),
            chains=[c for p in parts for c in p.chains],
            reason=np.concatenate([p.reason for p in parts]),
            line_start=_starts([p.line_start for p in parts]),
            line_sku=[s for p in parts for s in p.line_sku],
            line_qty=np.concatenate([p.line_qty for p in parts]),
            line_unfilled=np.concatenate([p.line_unfilled for p in parts]),
            line_reason=np.concatenate([p.line_reason for p in parts]),
            ship_start=_starts([p.ship_start for p in parts]),
            ship_node=np.concatenate([p.ship_node for p in parts]),
            ship_strategy=[s for p in parts for s in p.ship_strategy],
            ship_km=np.concatenate([p.ship_km for p in parts]),
            ship_cost=np.concatenate([p.ship_cost for p in parts]),
            ship_eta=np.concatenate([p.ship_eta for p in parts]),
            part_start=_starts([p.part_start for p in parts]),
            part_line=np.concatenate([p.part_line + lines[k] for k, p in enumerate(parts)]),
            part_qty=np.concatenate([p.part_qty for p in parts]),
            node_ids=node_ids,
            order_rows=None if any(r is None for r in rows) else np.concatenate(rows),
        )

    @classmethod
    def empty(cls, node_ids: Sequence[str]) -> DecisionBatch:
        zero = np.zeros(1, dtype=np.int64)
        none = np.zeros(0, dtype=np.int64)
        return cls(
            [], np.zeros(0, np.int8), [], np.zeros(0, np.int8), zero, [], none, none,
            np.zeros(0, np.int8), zero, none, [], np.zeros(0), np.zeros(0), np.zeros(0),
            zero, none, none, node_ids, none,
        )  # fmt: skip


def _starts(parts: list[np.ndarray]) -> np.ndarray:
    """Start offsets of consecutive parts joined (each part's starts begin at 0)."""
    out = [parts[0]]
    offset = parts[0][-1]
    for starts in parts[1:]:
        out.append(starts[1:] + offset)
        offset += starts[-1]
    return np.concatenate(out)


def _rounded(values: np.ndarray) -> list[float]:
    """`round(value, 2)` of each figure, as `Decision.to_json` rounds it."""
    return [round(v, DECIMALS) for v in values.tolist()]
