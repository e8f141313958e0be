"""The state a replica's log leads to, kept in tables for reading (docs/service.md,
"Replicas"): stock positions, allocations as they were made, open holds. The
process that commits a write writes what that write changed, in the same
transaction; the log stays the truth every process rebuilds from."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from itertools import takewhile
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, delete, select, text, update

from engine.holds import Hold, Holds, utc_now
from engine.reactions import Reactions
from service.shared_schema import (
    StoreProblem,
    head,
    holds,
    migrate,
)

_POSITION = ("nodes", "skus", "on_hand", "allocated", "held")
_UPSERT = """
INSERT INTO replica_stock (node_id, sku, on_hand, allocated, held, seq)
SELECT node_id, sku, on_hand, allocated, held, :seq
FROM unnest(CAST(:nodes AS text[]), CAST(:skus AS text[]), CAST(:on_hand AS bigint[]),
            CAST(:allocated AS bigint[]), CAST(:held AS bigint[]))
     AS given(node_id, sku, on_hand, allocated, held)
ON CONFLICT (node_id, sku) DO UPDATE
SET on_hand = excluded.on_hand, allocated = excluded.allocated, held = excluded.held,
    seq = excluded.seq"""
_APPEND = text(f"""
WITH entry AS (
  INSERT INTO replica_log (seq, at, method, path, body, ids, process, committed_at)
  VALUES (:seq, :at, :method, :path, :body, :ids, :process, clock_timestamp())
), top AS (
  UPDATE replica_head SET seq = :seq, clock = :at WHERE id = 1
), positions AS ({_UPSERT}
)
INSERT INTO replica_allocations (id, order_id, node_id, sku, qty, routed_at, seq)
SELECT id, order_id, node_id, sku, qty, routed_at, :seq
FROM unnest(CAST(:allocation_ids AS bigint[]), CAST(:orders AS text[]),
            CAST(:allocation_nodes AS text[]), CAST(:allocation_skus AS text[]),
            CAST(:qtys AS bigint[]), CAST(:routed_at AS timestamptz[]))
     AS made(id, order_id, node_id, sku, qty, routed_at)""")
"""One log entry and what it changed, in one statement (one round trip)."""
_START_LOCK = 7_023_114_553  # any constant: the lock processes starting together queue on


@dataclass(frozen=True)
class Snapshot:
    """The state before a write, to find what it changed."""

    on_hand: np.ndarray
    free: np.ndarray
    held: dict[tuple[str, str], int]
    holds: dict[str, Hold]


class StateTables:
    """Writes the tables kept for reading from what each write changed."""

    def __init__(self, engine: Engine, reactions: Reactions, open_holds: Holds):
        self.engine = engine
        self.ledger = reactions.ledger
        self.inventory = reactions.router.inventory
        self.node_ids = reactions.router.network.ids
        self.node_index = reactions.router.network.index
        self.holds = open_holds
        self._newest = 0
        """The newest allocation id already in the table (allocation ids grow)."""

    def start(self, fingerprint: str) -> None:
        """Migrate; give a database used for the first time the stock of the start
        files; refuse one whose processes started from other files or settings."""
        migrate(self.engine)
        with self.engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _START_LOCK})
            found = connection.execute(select(head.c.fingerprint)).scalar()
            if found is None:
                connection.execute(
                    head.insert().values(
                        id=1, seq=0, clock=None, fingerprint=fingerprint, started_at=utc_now()
                    )
                )
                rows, cols = np.nonzero(self.inventory.on_hand)
                cells = zip(rows.tolist(), cols.tolist(), strict=True)
                connection.execute(text(_UPSERT), self._positions(cells, {}) | {"seq": 0})
            elif found != fingerprint:
                raise StoreProblem(
                    "the shared stock was started from other files or settings (nodes, "
                    "inventory, ruleset, carriers, closures, SOURCING_SERVICE_FINISHED_IDS "
                    "and the clock window must be the same in every process): start this "
                    "process as the others, or give it a database of its own"
                )

    def snapshot(self) -> Snapshot:
        return Snapshot(
            self.inventory.on_hand.copy(),
            self.inventory.free.copy(),
            self._held(),
            {hold.id: hold for hold in self.holds.holds()},
        )

    def seen(self) -> None:
        """The allocations made so far are in the table (written by their writes)."""
        newest = next(reversed(self.ledger.open), 0)
        self._newest = max(self._newest, newest)

    def write(self, connection: Connection, entry: dict[str, Any], before: Snapshot) -> list[str]:
        """Append `entry` (seq, at, method, path, body, process) to the log with what
        changed since `before`, in one statement; returns the ids of the holds made, in
        the order they were made (the entry keeps them for replays)."""
        seq = entry["seq"]
        on_hand, free = self.inventory.on_hand, self.inventory.free
        if on_hand.shape == before.on_hand.shape:
            rows, cols = np.nonzero((on_hand != before.on_hand) | (free != before.free))
        else:  # the stock grew a row: write it all
            rows, cols = np.nonzero(on_hand)
        cells = set(zip(rows.tolist(), cols.tolist(), strict=True))
        held = self._held()
        for node_id, sku in before.held.keys() | held.keys():
            if before.held.get((node_id, sku)) != held.get((node_id, sku)):
                cells.add((self.inventory.row(sku), self.node_index[node_id]))
        made = self._holds(connection, seq, before.holds)
        new = list(takewhile(lambda a: a.id > self._newest, reversed(self.ledger.open.values())))
        new.reverse()
        connection.execute(
            _APPEND,
            entry
            | {"ids": json.dumps(made)}
            | self._positions(sorted(cells), held)
            | {
                "allocation_ids": [a.id for a in new],
                "orders": [a.order_id for a in new],
                "allocation_nodes": [a.node_id for a in new],
                "allocation_skus": [a.sku for a in new],
                "qtys": [a.qty for a in new],
                "routed_at": [a.routed_at for a in new],
            },
        )
        self.seen()
        return made

    def _held(self) -> dict[tuple[str, str], int]:
        held: dict[tuple[str, str], int] = {}
        for hold in self.holds.holds():
            for line in hold.lines:
                key = (line.node_id, line.sku)
                held[key] = held.get(key, 0) + line.qty
        return held

    def _positions(self, cells, held: dict) -> dict[str, list]:
        """The positions of `cells` ((SKU row, node column) pairs) as the arrays the
        statements unnest."""
        skus, on_hand, free = self.inventory.skus, self.inventory.on_hand, self.inventory.free
        arrays: dict[str, list] = {
            "nodes": [],
            "skus": [],
            "on_hand": [],
            "allocated": [],
            "held": [],
        }
        for row, col in cells:
            if row >= len(skus):
                continue  # the all-zero row of SKUs nobody stocks
            node_id, sku = self.node_ids[col], skus[row]
            units_held = held.get((node_id, sku), 0)
            arrays["nodes"].append(node_id)
            arrays["skus"].append(sku)
            arrays["on_hand"].append(int(on_hand[row, col]))
            arrays["allocated"].append(int(on_hand[row, col] - free[row, col]) - units_held)
            arrays["held"].append(units_held)
        return arrays

    def _holds(self, connection: Connection, seq: int, before: dict[str, Hold]) -> list[str]:
        now = {hold.id: hold for hold in self.holds.holds()}
        gone = [hold_id for hold_id in before if hold_id not in now]
        if gone:
            connection.execute(delete(holds).where(holds.c.hold_id.in_(gone)))
        made = [hold_id for hold_id in now if hold_id not in before]
        if made:
            connection.execute(holds.insert(), [_hold_row(now[i], seq) for i in made])
        for hold_id, hold in now.items():
            if hold_id in before and before[hold_id] is not hold:  # a count took units back
                lines = _lines(hold)
                connection.execute(
                    update(holds).where(holds.c.hold_id == hold_id).values(lines=lines, seq=seq)
                )
        return made


def _lines(hold: Hold) -> str:
    return json.dumps([line.to_dict() for line in hold.lines])


def _hold_row(hold: Hold, seq: int) -> dict[str, Any]:
    return {
        "hold_id": hold.id,
        "order_id": hold.order_id,
        "created_at": hold.created_at.astimezone(dt.UTC),
        "expires_at": hold.expires_at.astimezone(dt.UTC),
        "lines": _lines(hold),
        "seq": seq,
    }
