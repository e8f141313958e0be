"""The stock each strategy protects at each node (its `keep`), for the KPIs' protection
check (kpis.md, protection_breaches), as the engine binds the ruleset to the network.

A `keep` that reads only node fields gives one level per node. One whose condition also
reads the order (`keep 2 units at node.type == "store" and order.tier != "vip"`) may
differ from order to order: its level is the lowest any replayed order of that strategy
met, so that a breach is never reported where the router was allowed to go lower (a
breach above that level for an order that met a higher one goes unseen).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine import Session

KEEP_COLUMNS = ["strategy", "node_id", "keep"]


class KeepLevels:
    """Keep levels per strategy and node, gathered while a session replays orders."""

    def __init__(self, session: Session):
        self.session = session
        self.levels: dict[str, np.ndarray] = {}
        self.dynamic: set[str] = set()
        for strategy in session.policy.strategies:
            if session.keeps_read_orders(strategy.id):
                self.dynamic.add(strategy.id)
                continue
            level = session.keep_for(strategy.id, None)
            if level is not None:
                self.levels[strategy.id] = np.asarray(level, dtype=np.int64)
        self.active = bool(self.dynamic)

    def note(self, batch, rows: np.ndarray, decisions) -> None:
        """Lower the levels of order-dependent keeps to what these orders met."""
        for row, chain in zip(rows.tolist(), decisions.chains, strict=True):
            for strategy_id in chain:
                if strategy_id in self.dynamic:
                    level = self.session.keep_for(strategy_id, batch.order(row))
                    seen = self.levels.get(strategy_id)
                    self.levels[strategy_id] = level if seen is None else np.minimum(seen, level)

    def frame(self) -> pd.DataFrame:
        ids = np.asarray(self.session.network.ids, dtype=object)
        parts = []
        for strategy_id, level in sorted(self.levels.items()):
            kept = np.flatnonzero(level > 0)
            parts.append(
                pd.DataFrame(
                    {"strategy": strategy_id, "node_id": ids[kept], "keep": level[kept]},
                    columns=KEEP_COLUMNS,
                )
            )
        if not parts:
            return pd.DataFrame(
                {"strategy": [], "node_id": [], "keep": pd.Series(dtype="int64")},
                columns=KEEP_COLUMNS,
            )
        return pd.concat(parts, ignore_index=True).astype({"keep": "int64"})
