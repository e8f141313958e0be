"""What the kernel records while it routes one order, for the explanation to put in words
(engine.explain): per strategy step of the chain, why each node was or was not a
candidate, the candidates' rank-key values and ranks, and the rounds that chose nodes."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


@dataclass(frozen=True, slots=True)
class Trace:
    """Arrays the kernel fills for one order; `step` indexes the chain position."""

    why: np.ndarray
    """(steps × nodes) int8: `kernel.CANDIDATE`, or the first clause that excludes it."""
    rank: np.ndarray
    """(steps × nodes) int32: 1-based rank among the step's candidates (0: not one)."""
    keyed: np.ndarray
    """(steps × nodes × keys) float64: each rank key's value for a candidate, on what
    remained when the step began (not negated for `desc`)."""
    fills: np.ndarray
    """(steps × nodes) int64: remaining lines a candidate can fill completely."""
    need: np.ndarray
    """(steps × lines) int64: units still to place when the step began."""
    budget: np.ndarray
    """(steps) int64: shipments the step may still add under its split limit."""
    phase: np.ndarray
    """(steps) int8: `kernel.NO_PHASE`, `WHOLE`, `GREEDY` or `SINGLE`."""
    chosen: np.ndarray
    """(steps × rounds) int64: the node each round of the step chose."""
    field: np.ndarray
    """(steps × rounds) int64: how many nodes each round chose among."""
    km: np.ndarray
    """(nodes) float64: great-circle km from every node to the destination."""
    kept: np.ndarray
    """(steps × nodes) int64: units the step's `keep` protects at each node."""

    @classmethod
    def empty(cls, steps: int, nodes: int, keys: int, lines: int, rounds: int) -> Trace:
        room = max(nodes, 1)
        return cls(
            why=np.zeros((steps, nodes), dtype=np.int8),
            rank=np.zeros((steps, nodes), dtype=np.int32),
            keyed=np.zeros((steps, nodes, keys), dtype=np.float64),
            fills=np.zeros((steps, nodes), dtype=np.int64),
            need=np.zeros((steps, max(lines, 1)), dtype=np.int64),
            budget=np.zeros(steps, dtype=np.int64),
            phase=np.zeros(steps, dtype=np.int8),
            chosen=np.zeros((steps, rounds), dtype=np.int64),
            field=np.zeros((steps, rounds), dtype=np.int64),
            km=np.zeros(room, dtype=np.float64),
            kept=np.zeros((steps, room), dtype=np.int64),
        )

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The arrays in the order `kernel.route_block` takes them."""
        return tuple(getattr(self, f.name) for f in fields(self))
