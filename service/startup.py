"""What the service loads when it starts: the network, its stock and the
ruleset (an artifact in production, a .route file for trials)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from engine.reactions import Reactions


def load_service(
    nodes: str | Path,
    inventory: str | Path,
    *,
    artifact: str | Path | None = None,
    ruleset: str | Path | None = None,
    warn=None,
) -> tuple[Reactions, dict[str, Any]]:
    """A router (wrapped in its reactions) and the ruleset summary GET /ruleset
    reports. Rejected table rows, and an artifact loaded unsigned for development,
    are reported through `warn` (stderr by default) and left out; an unusable table,
    an artifact that is refused (engine.artifact: unsigned, untrusted key, bad
    signature, …) or a bad ruleset raises ValueError."""
    import dsl
    import engine
    from engine.artifact import content_hash, load_artifact
    from engine.tables import load_inventory, load_nodes

    warn = warn or (lambda message: print(message, file=sys.stderr))
    if (artifact is None) == (ruleset is None):
        raise ValueError("give either an artifact or a ruleset file")
    node_table = load_nodes(nodes)
    _report(node_table, "nodes", warn)
    network = engine.Network.from_frame(node_table.frame)
    stock_table = load_inventory(inventory, network.ids)
    _report(stock_table, "inventory", warn)
    stock = engine.Inventory.from_frame(stock_table.frame, network)
    if artifact is not None:
        # Verified against $SOURCING_TRUSTED_KEYS; an unsigned one is refused unless
        # $SOURCING_ALLOW_UNSIGNED is set, and then `warn` says so at start.
        loaded = load_artifact(artifact, warn=warn)
        policy, summary = loaded.policy, loaded.summary()
    else:
        text = Path(ruleset).read_text(encoding="utf-8")
        extra = [f"node.{column}" for column in node_table.frame.columns]
        policy = engine.compile(dsl.parse(text, str(ruleset)), text, str(ruleset), extra)
        canonical = dsl.format_ruleset(dsl.parse(text, str(ruleset)))
        summary = {
            "name": policy.name,
            "version": None,
            "content_hash": content_hash(canonical),
            "published_at": None,
            "published_by": None,
            "signed_by": None,
        }
    return Reactions(engine.Router(policy, network, stock)), summary


def _report(table, name: str, warn) -> None:
    if table.rejects.empty:
        return
    warn(f"{name}: {table.rejected_rows} row(s) rejected and left out:")
    for row in table.rejects.head(20).itertuples():
        warn(f"  row {row.row}, {row.column or '-'}: {row.reason}")
