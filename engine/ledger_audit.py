"""The ledger's audit (docs/reactions.md, "Invariants"): every ordered unit exactly one
of open, shipped, backordered, unfilled or cancelled, each order's decision saying the
same, no position oversold, and `on_hand − free` equal to the open allocations and the
holds at every node and SKU."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from engine.backorders import units_by_sku

if TYPE_CHECKING:
    from engine.ledger import Ledger
    from engine.ledger_records import OrderRecord


def problems(ledger: Ledger) -> list[str]:
    """What is wrong with the ledger's bookkeeping (empty when all is well)."""
    out = []
    open_by_order: dict[str, dict[str, int]] = {}
    for allocation in ledger.open.values():
        units = open_by_order.setdefault(allocation.order_id, {})
        units[allocation.sku] = units.get(allocation.sku, 0) + allocation.qty
    for record in ledger.orders.values():
        out += unit_problems(record, open_by_order.get(record.order.id, {}))
    inventory = ledger.inventory
    free = inventory.free[: len(inventory.skus)]
    if (free < 0).any():
        rows, _ = (free < 0).nonzero()
        out.append(f"oversold: {len(rows)} node/SKU position(s) below 0 free units")
    taken = inventory.on_hand - inventory.free
    expected = taken * 0
    for allocation in ledger.open.values():
        expected[inventory.row(allocation.sku), ledger.network.index[allocation.node_id]] += (
            allocation.qty
        )
    if ledger.holds is not None:
        held = ledger.holds.held_matrix()
        expected[: held.shape[0]] += held
    if (taken != expected).any():
        out.append("open allocations and holds disagree with on_hand − free")
    return out


def unit_problems(record: OrderRecord, open_units: dict[str, int]) -> list[str]:
    """Where an order's units stand — open, shipped, backordered, unfilled, cancelled —
    against what it ordered, and its decision against both."""
    ordered = _add({}, ((line.sku, line.qty) for line in record.order.lines))
    accounted: dict[str, int] = {}
    for part in (
        open_units,
        record.shipped,
        units_by_sku(record.backorders),
        units_by_sku(record.dropped),
        record.cancelled,
    ):
        _add(accounted, part.items())
    accounted = {sku: units for sku, units in accounted.items() if units}
    decision = record.decision
    decided = _add({}, ((line.sku, line.qty) for s in decision.shipments for line in s.lines))
    _add(decided, ((item.sku, item.qty) for item in decision.unfilled))
    _add(decided, ((line.sku, line.qty) for line in decision.cancelled))
    out = []
    if accounted != ordered:
        out.append(f"order {record.order.id}: ordered {ordered}, accounted {accounted}")
    if decided != ordered:
        out.append(f"order {record.order.id}: ordered {ordered}, decided {decided}")
    return out


def _add(units: dict[str, int], pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    for sku, qty in pairs:
        units[sku] = units.get(sku, 0) + qty
    return units
