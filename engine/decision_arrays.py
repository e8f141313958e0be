"""The arrays of a batch's decisions, in routing order (the layout is described in
engine.decision_batch, whose `DecisionBatch` reads them as decisions)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.carrier_columns import CarrierColumns
from engine.decision import Explanation
from engine.transfers import CollectColumns


@dataclass
class DecisionArrays:
    """Per order, per merged line, per shipment and per shipment line, as named."""

    order_ids: list[str]
    status: np.ndarray
    """Per order: index into STATUSES."""
    chains: list[tuple[str, ...]]
    """Per order: the strategies tried, primary first."""
    reason: np.ndarray
    """Per order: index into REASONS for an unroutable order, else 0."""
    line_start: np.ndarray
    line_sku: np.ndarray
    """Per merged line: its SKU, as a code into `sku_names`."""
    sku_names: list[str]
    line_qty: np.ndarray
    line_unfilled: np.ndarray
    line_reason: np.ndarray
    ship_start: np.ndarray
    ship_node: np.ndarray
    ship_strategy: list[str | None]
    """The strategy (chain step) that made each shipment (None: not known)."""
    ship_km: np.ndarray
    ship_cost: np.ndarray
    ship_eta: np.ndarray
    part_start: np.ndarray
    part_line: np.ndarray
    """Per shipment line: the merged line (global index) it carries."""
    part_qty: np.ndarray
    node_ids: Sequence[str]
    order_rows: np.ndarray | None = None
    """Per order: its position in the batch the orders came in (None: not from one)."""
    rerouted_from: list[str | None] | None = None
    """Per order: the decision a re-route replaces (None: none is a re-route)."""
    notes: list[str | None] | None = None
    """Per order: why it was re-routed (None: none is a re-route)."""
    explain: list[tuple[Explanation, ...]] | None = None
    """Per order: its explanation (None: none was asked for)."""
    carriers: CarrierColumns | None = None
    """Per shipment, how it travels (None: routed without a carriers table)."""
    collect: CollectColumns | None = None
    """Per order its collect store, per shipment its transfer leg and ready day (None:
    no collect order)."""
