"""Returned units the service restocks (docs/service.md, "How restocks land").

A restocked line of a routed return is scheduled at its restock instant. Once the
service's time reaches that instant, its units land **through the ledger**, as a
`replenish` event applied by the reactions: the node receives them as it receives
any receipt, the backorders waiting for the SKU are released, and GET /availability
counts them. Until then they are inbound at the node (returns' `need`).

The service's time is the later of its clock and the ledger's: restocks due by it
land at the start of every request that reads or writes the stock, and a write lands
those due by each of its items' instants before that item (an order created before a
restock instant is not served from its units, one created at or after it can be).
What landed, and the decisions of the backorders it released, are reported in the
answer of the next write (`restocks`).
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import logging
from dataclasses import dataclass, field
from typing import Any

from engine.decision import Decision
from engine.events import Event
from engine.limits import OutOfRange
from engine.reactions import Reactions
from engine.return_router import ReturnRouter
from engine.returns import ReturnDecision

log = logging.getLogger("service.restocks")


@dataclass(frozen=True, order=True)
class Restock:
    """Units of a returned line that become stock at a node at an instant."""

    at: dt.datetime
    seq: int
    return_id: str = field(compare=False)
    node_id: str = field(compare=False)
    sku: str = field(compare=False)
    qty: int = field(compare=False)

    def event(self) -> Event:
        """The receipt it lands as."""
        note = f"return {self.return_id} restocked"
        return Event(self.at, "replenish", self.node_id, self.sku, self.qty, note)

    def to_dict(self) -> dict[str, Any]:
        return {
            "return_id": self.return_id,
            "node_id": self.node_id,
            "sku": self.sku,
            "qty": self.qty,
            "at": self.at.isoformat(),
        }


class Restocks:
    """The restocks scheduled on a service's stock, landed in time order through its
    reactions (see the module doc). Not thread-safe: called under the write gate."""

    def __init__(self, reactions: Reactions, returns: ReturnRouter):
        self.reactions = reactions
        self.returns = returns
        self._due: list[Restock] = []
        self._seq = itertools.count()
        self._landed: list[dict[str, Any]] = []
        self._decisions: list[Decision] = []

    def __len__(self) -> int:
        """Restocks scheduled that have not landed yet."""
        return len(self._due)

    def schedule(self, decision: ReturnDecision) -> None:
        """Schedule the restocked lines of a routed (and committed) return."""
        for line in decision.lines:
            if line.restock_at is not None and line.node_id is not None:
                restock = Restock(
                    line.restock_at.astimezone(dt.UTC), next(self._seq), decision.return_id,
                    line.node_id, line.sku, line.qty,
                )  # fmt: skip
                heapq.heappush(self._due, restock)

    def next_due(self) -> dt.datetime | None:
        """The instant of the next restock to land (None when none is scheduled)."""
        return self._due[0].at if self._due else None

    def land(self, instant: dt.datetime) -> None:
        """Land every restock due at or before `instant`, in time order (then the order
        they were scheduled in). A receipt that would take the position above the
        stock bound (engine.limits.STOCK) is not received: it is reported refused."""
        while self._due and self._due[0].at <= instant:
            restock = heapq.heappop(self._due)
            landed = restock.to_dict()
            try:
                self._decisions += self.reactions.apply(restock.event())
            except OutOfRange as refused:  # checked before anything changed
                landed["refused"] = str(refused)
                log.warning("restock of return %s refused: %s", restock.return_id, refused)
            node = self.returns.network.index[restock.node_id]
            self.returns.arrived(restock.sku, node, restock.qty)
            self._landed.append(landed)

    def now(self, clock: dt.datetime) -> dt.datetime:
        """The service's time: the later of its clock and the ledger's."""
        ledger = self.reactions.ledger.clock
        return clock if ledger is None else max(clock, ledger)

    def report(self) -> dict[str, Any]:
        """What landed since the last report and the decisions of the backorders it
        released, as `{"restocks": {"landed": [...], "decisions": [...]}}`; `{}` when
        nothing landed. Reported once."""
        if not self._landed:
            return {}
        landed, decisions = self._landed, self._decisions
        self._landed, self._decisions = [], []
        return {"restocks": {"landed": landed, "decisions": [d.to_dict() for d in decisions]}}
