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

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import IO, TypeVar, overload

import numpy as np

from engine.builders import new_decision, new_shipment, new_shipment_line, new_unfilled
from engine.carrier_columns import CarrierColumns
from engine.decision import (
    Carried,
    Decision,
    Shipment,
    Transfer,
)
from engine.decision_arrays import DecisionArrays
from engine.decision_codes import NONE, REASONS, STATUSES, UNROUTABLE
from engine.decision_jsonl import column_lines
from engine.tables.calendar_text import date_of, day_number
from engine.transfers import NOT_COLLECT, CollectColumns

T = TypeVar("T")


_READ_ONE_BY_ONE = (
    "status", "reason", "line_start", "line_sku", "line_unfilled", "line_reason",
    "ship_start", "ship_node", "ship_km", "ship_cost", "ship_eta", "part_start",
    "part_line", "part_qty",
)  # fmt: skip
"""The arrays `_decision` reads element by element."""
_COLLECT_ONE_BY_ONE = ("store", "leg_to", "leg_km", "leg_cost", "leg_days", "ready_day")
"""The collect columns `_decision` reads element by element."""


@dataclass
class DecisionBatch(DecisionArrays, Sequence[Decision]):
    """The decisions of a batch (see the module doc): its arrays (`DecisionArrays`), read
    as a sequence of `Decision`s."""

    def __len__(self) -> int:
        return len(self.order_ids)

    @overload
    def __getitem__(self, i: int) -> Decision: ...

    @overload
    def __getitem__(self, i: slice) -> list[Decision]: ...

    def __getitem__(self, i: int | slice) -> Decision | list[Decision]:
        if isinstance(i, slice):
            plain = self._plain()
            return [plain._decision(j) for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._decision(i)

    def __iter__(self) -> Iterator[Decision]:
        plain = self._plain()
        for i in range(len(self)):
            yield plain._decision(i)

    # ------------------------------------------------------------ objects
    def _plain(self) -> DecisionBatch:
        """The batch with its arrays as lists, for reading many decisions: a list is read
        one element at a time several times faster than a numpy array."""
        plain = {name: getattr(self, name).tolist() for name in _READ_ONE_BY_ONE}
        if self.collect is not None:
            collect = self.collect
            lists = {name: getattr(collect, name).tolist() for name in _COLLECT_ONE_BY_ONE}
            plain["collect"] = replace(collect, **lists)
        return replace(self, **plain)

    def _decision(self, i: int) -> Decision:
        shipments = []
        names, codes, node_ids = self.sku_names, self.line_sku, self.node_ids
        part_start, part_line, part_qty = self.part_start, self.part_line, self.part_qty
        carriers, collect = self.carriers, self.collect
        for s in range(int(self.ship_start[i]), int(self.ship_start[i + 1])):
            lines = tuple(
                [
                    new_shipment_line(names[codes[part_line[p]]], int(part_qty[p]))
                    for p in range(int(part_start[s]), int(part_start[s + 1]))
                ]
            )
            shipments.append(
                new_shipment(
                    node_ids[int(self.ship_node[s])],
                    lines,
                    float(self.ship_km[s]),
                    float(self.ship_cost[s]),
                    float(self.ship_eta[s]),
                    self.ship_strategy[s],
                    None if carriers is None else carriers.carried(s),
                    *collected(collect, s, node_ids),
                )
            )
        line_unfilled, line_reason = self.line_unfilled, self.line_reason
        short = tuple(
            [
                new_unfilled(
                    names[codes[line]], int(line_unfilled[line]), REASONS[line_reason[line]]
                )
                for line in range(int(self.line_start[i]), int(self.line_start[i + 1]))
                if line_unfilled[line]
            ]
        )
        status = int(self.status[i])
        note = self.notes[i] if self.notes is not None else None
        return new_decision(
            self.order_ids[i],
            STATUSES[status],
            self.chains[i],
            tuple(shipments),
            short,
            self.explain[i] if self.explain is not None else (),
            self.rerouted_from[i] if self.rerouted_from is not None else None,
            REASONS[self.reason[i]] if status == UNROUTABLE else note,
            self.carriers is not None,
            self.collect is not None and int(self.collect.store[i]) != NOT_COLLECT,
        )

    @property
    def reroutes(self) -> bool:
        """Whether some decision replaces an earlier one of its order."""
        return self.rerouted_from is not None and any(r is not None for r in self.rerouted_from)

    # ------------------------------------------------------------ JSON lines
    def write_jsonl(self, out: IO[str]) -> None:
        """Write one JSON line per decision, byte for byte what `Decision.to_json` gives
        (data.md's keys in order, figures rounded to 2 decimals, UTF-8)."""
        for chunk in self.jsonl_chunks():
            out.write(chunk)

    def jsonl_chunks(self, size: int = 4096) -> Iterator[str]:
        """The JSON lines, a few thousand decisions per string: written from the columns
        (engine.decision_jsonl) unless some decision carries what only objects carry."""
        collect = self.collect is not None and bool((self.collect.store >= 0).any())
        if self.explain is None and not self.reroutes and self.notes is None and not collect:
            yield from column_lines(self, size)
            return
        for start in range(0, len(self), size):
            yield "".join(d.to_json() + "\n" for d in self[start : start + size])

    # ------------------------------------------------------------ making
    @classmethod
    def concat(cls, parts: list[DecisionBatch], node_ids: Sequence[str]) -> DecisionBatch:
        """One batch of several, in their order (positions renumbered)."""
        if not parts:
            return cls.empty(node_ids)
        if len(parts) == 1:
            return parts[0]
        lines = np.cumsum([0] + [len(p.line_qty) for p in parts[:-1]])
        names, codes = _shared_names(parts)
        rows = [p.order_rows for p in parts]
        given = [r for r in rows if r is not None]
        return cls(
            order_ids=[i for p in parts for i in p.order_ids],
            status=np.concatenate([p.status for p in parts]),
            chains=[c for p in parts for c in p.chains],
            reason=np.concatenate([p.reason for p in parts]),
            line_start=_starts([p.line_start for p in parts]),
            line_sku=codes,
            sku_names=names,
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
            order_rows=np.concatenate(given) if len(given) == len(rows) else None,
            rerouted_from=_joined([p.rerouted_from for p in parts], [len(p) for p in parts], None),
            notes=_joined([p.notes for p in parts], [len(p) for p in parts], None),
            explain=_joined([p.explain for p in parts], [len(p) for p in parts], ()),
            carriers=None
            if all(p.carriers is None for p in parts)
            else CarrierColumns.concat(
                [p.carriers for p in parts], [len(p.ship_node) for p in parts]
            ),  # fmt: skip
            collect=None
            if all(p.collect is None for p in parts)
            else CollectColumns.concat(
                [p.collect for p in parts],
                [len(p) for p in parts],
                [len(p.ship_node) for p in parts],
            ),  # fmt: skip
        )

    def take(self, positions: np.ndarray) -> DecisionBatch:
        """The decisions at `positions`, in that order."""
        positions = np.asarray(positions, dtype=np.int64)
        line_start, lines = _ranges(self.line_start, positions)
        ship_start, ships = _ranges(self.ship_start, positions)
        part_start, parts = _ranges(self.part_start, ships)
        renumber = np.full(len(self.line_qty), -1, dtype=np.int64)
        renumber[lines] = np.arange(len(lines), dtype=np.int64)
        picked = positions.tolist()

        def some(values: list[T] | None) -> list[T] | None:
            return None if values is None else [values[i] for i in picked]

        return DecisionBatch(
            order_ids=[self.order_ids[i] for i in picked],
            status=self.status[positions],
            chains=[self.chains[i] for i in picked],
            reason=self.reason[positions],
            line_start=line_start,
            line_sku=self.line_sku[lines],
            sku_names=self.sku_names,
            line_qty=self.line_qty[lines],
            line_unfilled=self.line_unfilled[lines],
            line_reason=self.line_reason[lines],
            ship_start=ship_start,
            ship_node=self.ship_node[ships],
            ship_strategy=[self.ship_strategy[j] for j in ships.tolist()],
            ship_km=self.ship_km[ships],
            ship_cost=self.ship_cost[ships],
            ship_eta=self.ship_eta[ships],
            part_start=part_start,
            part_line=renumber[self.part_line[parts]],
            part_qty=self.part_qty[parts],
            node_ids=self.node_ids,
            order_rows=None if self.order_rows is None else self.order_rows[positions],
            rerouted_from=some(self.rerouted_from),
            notes=some(self.notes),
            explain=some(self.explain),
            carriers=None if self.carriers is None else self.carriers.take(ships),
            collect=None if self.collect is None else self.collect.take(positions, ships),
        )

    def finals(self) -> tuple[DecisionBatch, np.ndarray]:
        """Each order's last decision (a re-route replaces the one before), in the order
        of those last decisions, and how many decisions each order had."""
        if not self.reroutes:  # no decision replaces another
            return self, np.ones(len(self), dtype=np.int64)
        last: dict[str, int] = {}
        counts: dict[str, int] = {}
        for i, order_id in enumerate(self.order_ids):
            last.pop(order_id, None)  # re-inserted: dict order = final decision order
            last[order_id] = i
            counts[order_id] = counts.get(order_id, 0) + 1
        if len(last) == len(self):
            return self, np.ones(len(self), dtype=np.int64)
        kept = np.array(list(last.values()), dtype=np.int64)
        return self.take(kept), np.array([counts[o] for o in last], dtype=np.int64)

    @classmethod
    def of(cls, decisions: Sequence[Decision], node_ids: Sequence[str]) -> DecisionBatch:
        """A batch of decision objects (re-routes, explained orders), as they are."""
        index = {node_id: i for i, node_id in enumerate(node_ids)}
        code = {name: i for i, name in enumerate(STATUSES)}
        why = {text: i for i, text in enumerate(REASONS)}
        line_start, ship_start, part_start = [0], [0], [0]
        line_sku: list[str] = []
        line_qty: list[int] = []
        line_unfilled: list[int] = []
        line_reason: list[int] = []
        ship_node: list[int] = []
        ship_strategy: list[str | None] = []
        km: list[float] = []
        cost: list[float] = []
        eta: list[float] = []
        part_line: list[int] = []
        part_qty: list[int] = []
        notes: list[str | None] = []
        code_of: dict[str, int] = {}
        carried: list[Carried | None] = []
        stores: list[int] = []
        legs: list[tuple[int, float, float, float, int]] = []
        for d in decisions:
            stores.append(NOT_COLLECT)
            lines: dict[str, int] = {}  # unfilled first: their order is the lines' order
            for item in d.unfilled:
                lines.setdefault(item.sku, len(line_sku) + len(lines))
            for shipment in d.shipments:
                for line in shipment.lines:
                    lines.setdefault(line.sku, len(line_sku) + len(lines))
            line_sku.extend(lines)
            line_qty.extend([0] * len(lines))
            line_unfilled.extend([0] * len(lines))
            line_reason.extend([NONE] * len(lines))
            for item in d.unfilled:
                j = lines[item.sku]
                line_unfilled[j] += item.qty
                line_qty[j] += item.qty
                line_reason[j] = why.get(item.reason, NONE)
            for shipment in d.shipments:
                ship_node.append(index[shipment.node_id])
                ship_strategy.append(shipment.strategy)
                km.append(shipment.distance_km)
                cost.append(shipment.cost)
                eta.append(shipment.eta_days)
                carried.append(shipment.carried)
                legs.append(_leg(shipment, index))
                if shipment.ready_date is not None and shipment.transfer is None:
                    stores[-1] = index[shipment.node_id]
                elif shipment.transfer is not None:
                    stores[-1] = index[shipment.transfer.to_node]
                for line in shipment.lines:
                    part_line.append(lines[line.sku])
                    part_qty.append(line.qty)
                    line_qty[lines[line.sku]] += line.qty
                part_start.append(len(part_line))
            line_start.append(len(line_sku))
            ship_start.append(len(ship_node))
            notes.append(None if d.status == "unroutable" else d.reason)
        ints = np.int64
        return cls(
            order_ids=[d.order_id for d in decisions],
            status=np.array([code[d.status] for d in decisions], dtype=np.int8),
            chains=[tuple(d.strategies) for d in decisions],
            reason=np.array(
                [
                    why.get(d.reason or "", NONE) if d.status == "unroutable" else NONE
                    for d in decisions
                ],
                dtype=np.int8,
            ),  # fmt: skip
            line_start=np.array(line_start, dtype=ints),
            line_sku=np.array([code_of.setdefault(n, len(code_of)) for n in line_sku], ints),
            sku_names=list(code_of),
            line_qty=np.array(line_qty, dtype=ints),
            line_unfilled=np.array(line_unfilled, dtype=ints),
            line_reason=np.array(line_reason, dtype=np.int8),
            ship_start=np.array(ship_start, dtype=ints),
            ship_node=np.array(ship_node, dtype=ints),
            ship_strategy=ship_strategy,
            ship_km=np.array(km, dtype=np.float64),
            ship_cost=np.array(cost, dtype=np.float64),
            ship_eta=np.array(eta, dtype=np.float64),
            part_start=np.array(part_start, dtype=ints),
            part_line=np.array(part_line, dtype=ints),
            part_qty=np.array(part_qty, dtype=ints),
            node_ids=node_ids,
            rerouted_from=[d.rerouted_from for d in decisions],
            notes=notes,
            explain=[d.explain for d in decisions],
            carriers=CarrierColumns.of(carried) if any(d.carriers for d in decisions) else None,
            collect=_collect_columns(decisions, stores, legs),
        )

    @classmethod
    def empty(cls, node_ids: Sequence[str]) -> DecisionBatch:
        zero = np.zeros(1, dtype=np.int64)
        none = np.zeros(0, dtype=np.int64)
        return cls(
            [], np.zeros(0, np.int8), [], np.zeros(0, np.int8), zero, none, [], none, none,
            np.zeros(0, np.int8), zero, none, [], np.zeros(0), np.zeros(0), np.zeros(0),
            zero, none, none, node_ids, none,
        )  # fmt: skip


def collected(
    collect: CollectColumns | None, s: int, node_ids: Sequence[str]
) -> tuple[Transfer | None, dt.date | None]:
    """Shipment `s`'s transfer leg and ready date (None, None: not a collect order's)."""
    if collect is None or collect.ready_day[s] < 0:
        return None, None
    to = int(collect.leg_to[s])
    leg = None
    if to != NOT_COLLECT:
        leg = Transfer(node_ids[to], float(collect.leg_km[s]), float(collect.leg_cost[s]),
                       float(collect.leg_days[s]))  # fmt: skip
    return leg, date_of(int(collect.ready_day[s]))


def _leg(shipment: Shipment, index: dict[str, int]) -> tuple[int, float, float, float, int]:
    """A shipment object's collect columns: leg store, km, cost, days and ready day."""
    ready = -1 if shipment.ready_date is None else day_number(shipment.ready_date)
    leg = shipment.transfer
    if leg is None:
        return NOT_COLLECT, 0.0, 0.0, 0.0, ready
    return index[leg.to_node], leg.distance_km, leg.cost, leg.days, ready


def _collect_columns(
    decisions: Sequence[Decision],
    stores: list[int],
    legs: list[tuple[int, float, float, float, int]],
) -> CollectColumns | None:
    """The collect columns of decision objects (None: none is a collect order). A collect
    order none of whose shipments names its store still counts as one (store 0 stands
    for it: only `store >= 0` is read)."""
    if not any(d.collect for d in decisions):
        return None
    store = [
        (s if s != NOT_COLLECT else 0) if d.collect else NOT_COLLECT
        for d, s in zip(decisions, stores, strict=True)
    ]
    to, km, cost, days, ready = zip(*legs, strict=True) if legs else ((), (), (), (), ())
    return CollectColumns(
        np.array(store, dtype=np.int64), np.array(to, dtype=np.int64),
        np.array(km, dtype=np.float64), np.array(cost, dtype=np.float64),
        np.array(days, dtype=np.float64), np.array(ready, dtype=np.int64),
    )  # fmt: skip


def _starts(parts: list[np.ndarray]) -> np.ndarray:
    """Start offsets of consecutive parts joined (each part's starts begin at 0)."""
    out = [parts[0]]
    offset = parts[0][-1]
    for starts in parts[1:]:
        out.append(starts[1:] + offset)
        offset += starts[-1]
    return np.concatenate(out)


def _shared_names(parts: list[DecisionBatch]) -> tuple[list[str], np.ndarray]:
    """One SKU table for several batches, and their lines' codes into it."""
    first = parts[0].sku_names
    if all(p.sku_names is first for p in parts):
        return first, np.concatenate([p.line_sku for p in parts])
    index: dict[str, int] = {name: k for k, name in enumerate(first)}  # first's codes kept
    if len(index) < len(first):  # a name given twice: recode every part
        index = {}
    codes = []
    for p in parts:
        if p.sku_names is first and len(index) >= len(first):
            codes.append(p.line_sku)
            continue
        recode = np.array([index.setdefault(n, len(index)) for n in p.sku_names], np.int64)
        codes.append(recode[p.line_sku] if len(p.line_sku) else p.line_sku)
    return list(index), np.concatenate(codes)


def _joined(lists: list[list[T] | None], sizes: list[int], empty: T) -> list[T] | None:
    """Optional per-order lists of several batches joined (None when none has one; a
    batch without one gives `empty` for each of its orders)."""
    if all(values is None for values in lists):
        return None
    out: list[T] = []
    for values, size in zip(lists, sizes, strict=True):
        out.extend(values if values is not None else [empty] * size)
    return out


def _ranges(starts: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For items at `positions` owning `starts[i]:starts[i + 1]`: the new starts and the
    indices of what they own, in order."""
    counts = starts[positions + 1] - starts[positions]
    new = np.zeros(len(positions) + 1, dtype=np.int64)
    np.cumsum(counts, out=new[1:])
    owned = np.repeat(starts[positions] - new[:-1], counts) + np.arange(
        int(new[-1]), dtype=np.int64
    )
    return new, owned
