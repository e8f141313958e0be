"""Stock that arrives while history is replayed (replenishments), and the cursor that
applies it in time order: what arrives at or before an instant is on hand before
anything happens at that instant (an order routed, an event applied).

Within a kernel block the kernel adds the units itself, before each order, from the
ranges the cursor gives it (`for_block`); before an event or an order routed alone
the cursor adds them here (`apply_until`). Either way the rule is the one above.

Stock can also be scheduled while the replay runs (`add`: returned units restocked at
a later instant). Those arrivals are only ever added by `apply_until`: the replay
ends each run of orders at the next of them (`next_added`).
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.model import Inventory
from engine.order_batch import instant_ns
from engine.windows import UTC

if TYPE_CHECKING:
    import pandas as pd

    from engine import kernel


@dataclass(frozen=True, slots=True)
class Arrival:
    """Stock that arrives at a node (a replenishment) at an instant."""

    at: dt.datetime
    node_id: str
    sku: str
    qty: int


class Arrivals:
    """Stock arrivals in time order, as columns: instants (int64 ns UTC), node ids, SKUs
    and units (ties keep the order given)."""

    def __init__(self, at_ns: np.ndarray, node_ids: list[str], skus: list[str], qty: list[int]):
        order = np.argsort(at_ns, kind="stable")
        self.at_ns = np.asarray(at_ns, dtype=np.int64)[order]
        picked = order.tolist()
        self.node_ids = [node_ids[i] for i in picked]
        self.skus = [skus[i] for i in picked]
        self.qty = [qty[i] for i in picked]

    def __len__(self) -> int:
        return len(self.at_ns)

    @classmethod
    def of(cls, arrivals: Iterable[Arrival] | Arrivals) -> Arrivals:
        if isinstance(arrivals, Arrivals):
            return arrivals
        arrivals = list(arrivals)
        return cls(
            np.array([instant_ns(a.at, UTC) for a in arrivals], dtype=np.int64),
            [a.node_id for a in arrivals],
            [a.sku for a in arrivals],
            [a.qty for a in arrivals],
        )


def arrivals_from_frame(frame: pd.DataFrame | None) -> Arrivals:
    """Replenishments (`node_id, sku, at, qty` rows, a loaded table) in time order."""
    if frame is None or frame.empty:
        return Arrivals(np.zeros(0, dtype=np.int64), [], [], [])
    import pandas as pd

    at = pd.to_datetime(frame["at"])
    if at.dt.tz is None:
        at = at.dt.tz_localize("UTC")
    return Arrivals(
        at.dt.tz_convert("UTC").dt.as_unit("ns").to_numpy("int64"),
        frame["node_id"].astype(str).tolist(),
        frame["sku"].astype(str).tolist(),
        frame["qty"].astype("int64").tolist(),
    )


class ArrivalCursor:
    """Arrivals being added to an inventory as a replay moves on (see the module doc).
    Every SKU that arrives gets its row of the stock matrix at once, before any block
    is packed."""

    def __init__(self, arrivals: Arrivals, inventory: Inventory):
        inventory.ensure(arrivals.skus)
        index = inventory.network.index
        self.inventory = inventory
        self.at = arrivals.at_ns
        self.rows = np.array([inventory.sku_index[s] for s in arrivals.skus], dtype=np.int64)
        self.nodes = np.array([index[n] for n in arrivals.node_ids], dtype=np.int64)
        self.qty = np.array(arrivals.qty, dtype=np.int64)
        self.next = 0
        self.added: list[tuple[int, int, int, int, int]] = []
        """Arrivals scheduled during the replay, a heap of (ns, seq, row, node, units)."""
        self.on_added: Callable[[str, int, int], None] | None = None
        """Told (SKU, node index, units) of each scheduled arrival when it is added."""
        self._seq = 0

    def add(self, instant: int, sku: str, node: int, qty: int) -> None:
        """Schedule `qty` units of `sku` to arrive at node index `node` at `instant` (ns)."""
        self.inventory.ensure([sku])
        row = self.inventory.sku_index[sku]
        self._seq += 1
        heapq.heappush(self.added, (instant, self._seq, row, node, qty))

    def next_added(self) -> int | None:
        """The instant (ns) of the next scheduled arrival not added yet (None: none)."""
        return self.added[0][0] if self.added else None

    def next_at(self) -> int | None:
        """The instant (ns) of the next arrival of either kind not added yet."""
        due = [int(self.at[self.next])] if self.next < len(self.at) else []
        if self.added:
            due.append(self.added[0][0])
        return min(due) if due else None

    def arrives_before(self, instant: int) -> bool:
        """Whether stock of the arrivals table (not scheduled by `add`) is still to
        arrive at or before `instant` (ns)."""
        return self.next < len(self.at) and int(self.at[self.next]) <= instant

    def apply_until(self, instant: int) -> list[int]:
        """Add what arrives at or before `instant` (ns) and is not added yet; the SKU
        rows that arrived."""
        start, end = self.next, int(np.searchsorted(self.at, instant, side="right"))
        rows = []
        if end > start:
            self._on_hand(start, end)
            where = (self.rows[start:end], self.nodes[start:end])
            np.add.at(self.inventory.free, where, self.qty[start:end])
            self.next = end
            rows = self.rows[start:end].tolist()
        while self.added and self.added[0][0] <= instant:
            _, _, row, node, qty = heapq.heappop(self.added)
            self.inventory.free[row, node] += qty
            self.inventory.on_hand[row, node] += qty
            if self.on_added is not None:
                self.on_added(self.inventory.skus[row], node, qty)
            rows.append(row)
        return rows

    def for_block(self, instants: np.ndarray) -> kernel.ArrivalArrays:
        """The kernel's arrivals for a block of orders at `instants` (in time order): what
        arrives before each order. The kernel adds them to free stock as it routes; on
        hand is added here, now (routing never reads it)."""
        ends = np.maximum(np.searchsorted(self.at, instants, side="right"), self.next)
        starts = np.concatenate(([self.next], ends)).astype(np.int64)
        self._on_hand(self.next, int(starts[-1]))
        self.next = int(starts[-1])
        return starts, self.rows, self.nodes, self.qty

    def _on_hand(self, start: int, end: int) -> None:
        if end > start:
            where = (self.rows[start:end], self.nodes[start:end])
            np.add.at(self.inventory.on_hand, where, self.qty[start:end])
