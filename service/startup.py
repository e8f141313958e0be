"""What the service loads when it starts: the network, its stock and the
ruleset (an artifact in production, a .route file for trials)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.session import Session


def load_service(
    nodes: str | Path,
    inventory: str | Path,
    *,
    artifact: str | Path | None = None,
    ruleset: str | Path | None = None,
    carriers: str | Path | None = None,
    closures: str | Path | None = None,
    warn=None,
) -> tuple[Session, dict[str, Any]]:
    """A session following its allocations (its router, ledger and return router) and
    the ruleset summary GET /ruleset reports. Rejected table rows, and an artifact
    loaded unsigned for development, are reported through `warn` (stderr by default) and
    left out; an unusable table, an artifact that is refused (engine.artifact: unsigned,
    untrusted key, bad signature, …) or a bad ruleset raises ValueError; an unreadable
    ruleset file raises `dsl.source.UnreadableRuleset`. With `carriers` (and
    `closures`), every decision carries its promise and POST /promise answers."""
    import dsl
    import engine
    from dsl.source import read_ruleset
    from engine.artifact import content_hash, load_artifact
    from engine.tables import load_carriers, load_closures, load_inventory, load_nodes

    warn = warn or (lambda message: print(message, file=sys.stderr))
    if (artifact is None) == (ruleset is None):
        raise ValueError("give either an artifact or a ruleset file")
    node_table = load_nodes(nodes)
    _report(node_table, "nodes", warn)
    stock_table = load_inventory(inventory, node_table.frame["id"].tolist())
    _report(stock_table, "inventory", warn)
    if closures is not None and carriers is None:
        raise ValueError("--closures needs --carriers")
    carrier_table = closure_table = None
    if carriers is not None:
        carrier_table = load_carriers(carriers)
        _report(carrier_table, "carriers", warn)
    if closures is not None:
        closure_table = load_closures(
            closures, node_ids=node_table.frame["id"].tolist(), carriers=carrier_table
        )
        _report(closure_table, "closures", warn)
    if artifact is not None:
        # Verified against $SOURCING_TRUSTED_KEYS; an unsigned one is refused unless
        # $SOURCING_ALLOW_UNSIGNED is set, and then `warn` says so at start.
        loaded = load_artifact(artifact, warn=warn)
        source, name, summary = loaded, str(artifact), loaded.summary()
    else:
        text = read_ruleset(ruleset)
        source, name = text, str(ruleset)
        summary = {
            "name": None,
            "version": None,
            "content_hash": content_hash(dsl.format_ruleset(dsl.parse(text, name))),
            "published_at": None,
            "published_by": None,
            "signed_by": None,
        }
    session = engine.Session.open(
        source,
        node_table,
        stock_table,
        filename=name,
        extra_fields=[f"node.{column}" for column in node_table.frame.columns],
        follow=True,
        carriers=carrier_table,
        closures=closure_table,
    )
    if artifact is None:
        summary["name"] = session.policy.name
    return session, summary


def _report(table, name: str, warn) -> None:
    if table.rejects.empty:
        return
    warn(f"{name}: {table.rejected_rows} row(s) rejected and left out:")
    for row in table.rejects.head(20).itertuples():
        warn(f"  row {row.row}, {row.column or '-'}: {row.reason}")
