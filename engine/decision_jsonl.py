"""A batch's decisions as JSON lines, written from its columns: byte for byte what
`Decision.to_json` gives each decision, without making the objects (the command
line's `route` output; `DecisionBatch.jsonl_chunks` writes what only objects
carry — explanations, re-routes, notes, collect orders — through the objects)."""

from __future__ import annotations

from collections.abc import Iterator
from json.encoder import encode_basestring as _quoted

import numpy as np

from engine.decision import DECIMALS
from engine.decision_arrays import DecisionArrays
from engine.decision_codes import REASONS, STATUSES, UNROUTABLE
from engine.tables.calendar_text import date_of


def column_lines(batch: DecisionArrays, size: int = 4096) -> Iterator[str]:
    """The JSON lines of `batch`'s decisions, a few thousand per string."""
    quoted = [_quoted(name) for name in batch.sku_names]
    line_sku = batch.line_sku.tolist()
    nodes = [_quoted(node_id) for node_id in batch.node_ids]
    by: dict[str | None, str] = {}
    parts = [
        f'{{"sku": {quoted[line_sku[line]]}, "qty": {qty}}}'
        for line, qty in zip(batch.part_line.tolist(), batch.part_qty.tolist(), strict=True)
    ]
    part_start = batch.part_start.tolist()
    travels = _travels(batch)
    parcels = [
        f'{{"node_id": {nodes[node]}, "lines": [{", ".join(parts[a:b])}], '
        f'"distance_km": {km!r}, "cost": {cost!r}, "eta_days": {eta!r}, {travel}"strategy": '
        f"{by.get(strategy) or by.setdefault(strategy, _quoted(strategy))}}}"
        for node, a, b, km, cost, eta, travel, strategy in zip(
            batch.ship_node.tolist(), part_start[:-1], part_start[1:], _rounded(batch.ship_km),
            _rounded(batch.ship_cost), _rounded(batch.ship_eta), travels, batch.ship_strategy,
            strict=True,
        )
    ]  # fmt: skip
    promised = _promised(batch)
    reasons = [_quoted(text) for text in REASONS]
    unfilled = batch.line_unfilled.tolist()
    line_reason = batch.line_reason.tolist()
    short = [
        f'{{"sku": {quoted[line_sku[line]]}, "qty": {unfilled[line]}, '
        f'"reason": {reasons[line_reason[line]]}}}'
        if unfilled[line]
        else ""
        for line in range(len(unfilled))
    ]
    status = [f'"{name}"' for name in STATUSES]
    chains: dict[tuple[str, ...], str] = {}
    ship_start, line_start = batch.ship_start.tolist(), batch.line_start.tolist()
    codes, why = batch.status.tolist(), batch.reason.tolist()
    out: list[str] = []
    for i, order_id in enumerate(batch.order_ids):
        chain = batch.chains[i]
        chain_text = chains.get(chain)
        if chain_text is None:
            chain_text = chains[chain] = "[" + ", ".join(_quoted(s) for s in chain) + "]"
        missing = [text for text in short[line_start[i] : line_start[i + 1]] if text]
        tail = f', "reason": {reasons[why[i]]}}}\n' if codes[i] == UNROUTABLE else "}\n"
        out.append(
            f'{{"order_id": {_quoted(order_id)}, "status": {status[codes[i]]}, '
            f'"strategies": {chain_text}, '
            f'"shipments": [{", ".join(parcels[ship_start[i] : ship_start[i + 1]])}], '
            f'{promised[i]}"unfilled": [{", ".join(missing)}], "explain": []{tail}'
        )
        if len(out) == size:
            yield "".join(out)
            out = []
    if out:
        yield "".join(out)


def _travels(batch: DecisionArrays) -> list[str]:
    """Per shipment, its carrier keys of the JSON (empty without carriers)."""
    carriers = batch.carriers
    if carriers is None:
        return [""] * len(batch.ship_node)
    names = [
        f'"carrier": {_quoted(carrier)}, "service": {_quoted(service)}, '
        for carrier, service in carriers.service_names
    ]
    return [
        ""
        if service < 0
        else f'{names[service]}"ship_date": "{date_of(ship).isoformat()}", '
        f'"promised_date": "{date_of(promised).isoformat()}", '
        for service, ship, promised in zip(
            carriers.service.tolist(), carriers.ship_day.tolist(),
            carriers.promised_day.tolist(), strict=True,
        )
    ]  # fmt: skip


def _promised(batch: DecisionArrays) -> list[str]:
    """Per order, its `promised_date` key of the JSON (empty without carriers)."""
    carriers = batch.carriers
    if carriers is None:
        return [""] * len(batch.order_ids)
    days = carriers.promised_day
    starts = batch.ship_start.tolist()
    out = []
    for a, b in zip(starts[:-1], starts[1:], strict=True):
        latest = int(days[a:b].max()) if b > a else -1
        shown = f'"{date_of(latest).isoformat()}"' if latest >= 0 else "null"
        out.append(f'"promised_date": {shown}, ')
    return out


def _rounded(values: np.ndarray) -> list[float]:
    """`round(value, 2)` of each figure, as `Decision.to_json` rounds it."""
    return [round(v, DECIMALS) for v in values.tolist()]
