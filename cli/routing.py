"""`sourcing route`: route an orders file against a network and its stock,
one decision per line (JSON) in routing order.

Rejected input rows are listed on stderr (row, column, reason) and, with
`--rejects`, written as CSV. Exit status: 0 when at least one order got a
shipment, 1 when nothing could be routed or the ruleset has errors, 2 when an
input file cannot be read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from cli.carriers import add_arguments as carrier_arguments
from cli.carriers import load as load_carriers
from cli.output import output

EXIT_OK, EXIT_NOTHING_ROUTED, EXIT_UNREADABLE = 0, 1, 2


def register(subparsers: argparse._SubParsersAction) -> None:
    route = subparsers.add_parser(
        "route",
        help="route orders and print one decision per line",
        description="Route the orders of a file against nodes and inventory under a ruleset.",
    )
    route.add_argument(
        "ruleset", metavar="RULESET", nargs="?", help="the ruleset (.route); or --artifact"
    )
    route.add_argument(
        "--artifact", metavar="F.json", help="run a ruleset artifact (sourcing export) instead"
    )
    route.add_argument(
        "--events",
        metavar="F",
        help="operational events (CSV or Parquet) applied between the orders by time; "
        "re-route decisions are printed as they happen",
    )
    route.add_argument(
        "--returns",
        metavar="F",
        help="returned lines (CSV or Parquet) routed by the ruleset's return strategies "
        "between the orders by time; their decisions are printed in the same stream",
    )
    route.add_argument("--nodes", required=True, metavar="F", help="nodes (CSV or Parquet)")
    route.add_argument("--inventory", required=True, metavar="F", help="stock (CSV or Parquet)")
    route.add_argument("--orders", required=True, metavar="F", help="order lines (CSV or Parquet)")
    route.add_argument(
        "--at",
        metavar="ISO",
        help="route every order at this instant instead of its created_at "
        "(no offset: read in the ruleset's time zone)",
    )
    carrier_arguments(route)
    route.add_argument("--explain", action="store_true", help="add why each node was chosen")
    route.add_argument("--out", metavar="FILE", help="write decisions here instead of stdout")
    route.add_argument("--rejects", metavar="FILE", help="write rejected input rows as CSV")
    route.set_defaults(handler=run_route)


def run_route(args: argparse.Namespace) -> int:
    import dsl
    import engine
    from dsl.source import UnreadableRuleset, read_ruleset
    from engine.limits import OutOfRange
    from engine.tables import (
        TableError,
        load_events,
        load_inventory,
        load_nodes,
        load_orders,
        load_returns,
    )

    if (args.ruleset is None) == (args.artifact is None):
        print("give a ruleset file or --artifact F.json (one of them)", file=sys.stderr)
        return EXIT_UNREADABLE
    if (args.events or args.returns) and args.at:
        print(
            "--at does not go with --events or --returns: they have their own instants",
            file=sys.stderr,
        )
        return EXIT_UNREADABLE
    artifact = _artifact(args.artifact) if args.artifact else None
    if isinstance(artifact, int):
        return artifact
    path = Path(args.ruleset or args.artifact)
    try:
        text = artifact.text if artifact else read_ruleset(path)
    except UnreadableRuleset as error:
        print(f"cannot read the ruleset: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        ruleset = artifact.policy.ruleset if artifact else dsl.parse(text, str(path))
    except dsl.RulesetSyntaxError as error:
        print(error, file=sys.stderr)
        return EXIT_NOTHING_ROUTED
    timezone = ruleset.timezone or "UTC"
    try:
        at = _instant(args.at, timezone) if args.at is not None else None
    except ValueError as error:
        print(error, file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        nodes = load_nodes(args.nodes)
        node_ids = nodes.arrow.column("id").to_pylist()
        stock = load_inventory(args.inventory, node_ids=node_ids)
        orders = load_orders(args.orders, node_ids=node_ids, timezone=timezone)
        events = load_events(args.events, node_ids, timezone) if args.events else None
        returns = load_returns(args.returns, node_ids, timezone) if args.returns else None
        carriers, closures = load_carriers(args, node_ids)
    except (TableError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
    given = (nodes, stock, orders, events, returns, carriers, closures)
    tables = tuple(table for table in given if table is not None)
    _report_rejects(tables, args.rejects)
    try:
        session = engine.Session.open(
            artifact if artifact else ruleset,
            nodes,
            stock,
            filename=str(path),
            source=text,
            extra_fields=engine.tables.data_fields(
                nodes.arrow.column_names, orders.arrow.column_names
            ),
            carriers=carriers,
            closures=closures,
        )
    except engine.CompileError as error:
        print(error, file=sys.stderr)
        return EXIT_NOTHING_ROUTED
    try:
        with session, output(args.out) as out:
            routed, decided, moved, returned = _route(
                session, orders, events, returns, at, args, out
            )
    except OutOfRange as error:  # a receipt above the stock bound: nothing written
        print(f"error: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
    except BrokenPipeError:
        raise  # the reader of standard output went away: cli.main stops quietly
    except OSError as error:  # --out: a folder, a missing folder, a full disk
        where = args.out or "the decisions"
        print(f"error: cannot write {where}: {error.strerror or error}", file=sys.stderr)
        return EXIT_UNREADABLE
    if events is not None:
        print(
            f"{session.events_applied} event(s) applied: {moved} later decision(s) "
            "(re-routes, order changes, backorders released)",
            file=sys.stderr,
        )
        for event, why in session.refused_events:
            at = event.at.isoformat()
            print(f"event refused ({event.kind} at {at}): {why}", file=sys.stderr)
    if returns is not None:
        print(f"{returned} return(s) routed", file=sys.stderr)
    problems = sum(len(table.reject_rows) for table in tables)
    print(
        f"{decided} orders routed: {routed} with at least one shipment; "
        f"{problems} input problem(s)",
        file=sys.stderr,
    )
    return EXIT_OK if routed else EXIT_NOTHING_ROUTED


def _route(session, orders, events, returns, at, args, out) -> tuple[int, int, int, int]:
    """Route (or replay with events and returns) and write the decisions, returns' in
    the same stream by time; how many orders got a shipment, how many were decided,
    how many re-routes the events caused, how many returns were routed."""
    from engine import DecisionBatch
    from engine.events import events_from_frame
    from engine.returns import ReturnDecision, returns_from_frame

    if events is None and returns is None:
        steps = [session.route(orders, at=at, explain=args.explain)]
    else:  # replayed whole before anything is written: an event may be refused
        steps = [
            step.returns or step.decisions
            for step in session.replay(
                orders, (), events_from_frame(events.frame) if events is not None else (),
                returns=returns_from_frame(returns.frame) if returns is not None else (),
                explain=_all_ids(orders) if args.explain else (),
            )
        ]  # fmt: skip
    routed = decided = moved = returned = 0
    for decisions in steps:
        if isinstance(decisions, DecisionBatch):
            decisions.write_jsonl(out)
            routed += int((decisions.ship_start[1:] > decisions.ship_start[:-1]).sum())
            decided += len(decisions)
            continue
        for decision in decisions:
            out.write(decision.to_json())
            out.write("\n")
            if isinstance(decision, ReturnDecision):
                returned += 1
            elif decision.rerouted_from is not None:
                moved += 1
            else:
                decided += 1
                routed += bool(decision.shipments)
    return routed, decided, moved, returned


def _all_ids(orders) -> frozenset[str]:
    return frozenset(orders.arrow.column("order_id").to_pylist())


def _artifact(path: str):
    """The artifact at `path`, or the exit status when it is refused."""
    from engine.artifact import ArtifactError, load_artifact

    try:
        return load_artifact(path)
    except ArtifactError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_UNREADABLE


def _instant(text: str, timezone: str) -> dt.datetime:
    """`--at` as a UTC instant within engine.limits' years (no offset: read in
    the ruleset's time zone); ValueError with the message to print."""
    from engine.limits import check_instant
    from engine.tables.moments import zone

    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        shown = text if len(text) <= 40 else f"{text[:19]}\u2026{text[-19:]}"
        raise ValueError(f"--at {shown!r} is not an ISO 8601 date-time") from None
    return check_instant(value, zone(timezone), "--at")


def _report_rejects(tables, path: str | None) -> None:
    rejects = [reject for table in tables for reject in table.reject_rows]
    for reject in rejects:
        column = f", column {reject.column}" if reject.column else ""
        print(f"{reject.table} row {reject.row}{column}: {reject.reason}", file=sys.stderr)
    if path:
        from engine.tables.frames import rejects_frame
        from simulations.exports import write_csv

        write_csv(rejects_frame(rejects), path)
