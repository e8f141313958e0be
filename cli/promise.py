"""`sourcing promise`: the delivery options of a basket before checkout — per delivery
method, the promised date, the latest local time to order for it, carriers, cost,
CO2 and nodes — worked out by the router without allocating anything (the same
options as the service's POST /promise; docs/routing.md, "Promise before checkout").

Exit status: 0 when some option has a promised date, 1 when none has (or the ruleset
has errors), 2 when an input cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cli.carriers import add_arguments as carrier_arguments
from cli.carriers import load as load_carriers

EXIT_OK, EXIT_NO_PROMISE, EXIT_UNREADABLE = 0, 1, 2


def register(subparsers: argparse._SubParsersAction) -> None:
    promise = subparsers.add_parser(
        "promise",
        help="print a basket's delivery options (nothing is allocated)",
        description="Print what the ruleset would promise for a basket, per delivery "
        "method, without allocating anything.",
    )
    promise.add_argument("ruleset", metavar="RULESET", help="the ruleset (.route)")
    promise.add_argument("--nodes", required=True, metavar="F", help="nodes (CSV or Parquet)")
    promise.add_argument("--inventory", required=True, metavar="F", help="stock (CSV or Parquet)")
    carrier_arguments(promise, required=True)
    promise.add_argument(
        "--basket",
        required=True,
        metavar="F.json",
        help='the basket: {"lines": [{"sku": …, "qty": …, "weight_kg": …}], "dest_lat": …, '
        '"dest_lon": …, "country": "FR", "at": "2026-12-04T15:10"} (docs/routing.md)',
    )
    promise.add_argument(
        "--json", action="store_true", help="print the options as JSON (as POST /promise answers)"
    )
    promise.set_defaults(handler=run_promise)


def run_promise(args: argparse.Namespace) -> int:
    import datetime as dt

    import dsl
    import engine
    from dsl.source import UnreadableRuleset, read_ruleset
    from engine.promise_options import BasketError, basket_order, promise_options
    from engine.tables import TableError, load_inventory, load_nodes

    try:
        text = read_ruleset(Path(args.ruleset))
        basket_data = json.loads(Path(args.basket).read_text(encoding="utf-8"))
    except (UnreadableRuleset, OSError) as error:
        print(f"cannot read: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
    except json.JSONDecodeError as error:
        print(f"{args.basket}:{error.lineno}:{error.colno}: not JSON: {error.msg}", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        nodes = load_nodes(args.nodes)
        node_ids = nodes.arrow.column("id").to_pylist()
        stock = load_inventory(args.inventory, node_ids=node_ids)
        carriers, closures = load_carriers(args, node_ids)
    except (TableError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
    for table in (nodes, stock, carriers, closures):
        for reject in table.reject_rows if table is not None else ():
            column = f", column {reject.column}" if reject.column else ""
            print(f"{reject.table} row {reject.row}{column}: {reject.reason}", file=sys.stderr)
    try:
        session = engine.Session.open(
            text, nodes, stock, filename=args.ruleset, source=text,
            carriers=carriers, closures=closures,
        )  # fmt: skip
    except (engine.CompileError, dsl.RulesetSyntaxError) as error:
        print(error, file=sys.stderr)
        return EXIT_NO_PROMISE
    try:
        basket, at, delivery = basket_order(basket_data, session.policy.tz)
    except BasketError as error:
        print(f"{args.basket}: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
    at = at or dt.datetime.now(dt.UTC)
    options = promise_options(session.router, basket, at, (delivery,) if delivery else None)
    answer = {"at": at.isoformat(), "options": [option.to_dict() for option in options]}
    if args.json:
        print(json.dumps(answer, ensure_ascii=False, indent=2))
    else:
        print(_words(answer, at.astimezone(session.policy.tz)))
    return EXIT_OK if any(o.promised_date for o in options) else EXIT_NO_PROMISE


def _words(answer: dict, local) -> str:
    """The options as a reader sees them: one block per delivery method."""
    lines = [f"asked at {local:%A %d %B %Y %H:%M} ({local.tzinfo})"]
    for option in answer["options"]:
        lines.append("")
        head = f"{option['delivery']}: "
        if option["promised_date"] is None:
            lines.append(head + f"no promise ({option['status']})")
            for item in option["unfilled"]:
                lines.append(f"  {item['sku']} × {item['qty']}: {item['reason']}")
            continue
        lines.append(head + f"delivered {option['promised_date']}")
        if option["order_before"]:
            lines.append(
                f"  order within {option['order_within']} (before {option['order_before']})"
            )
        lines.append(f"  cost {option['cost']:.2f}, CO2 {option['co2_kg']:.3f} kg")
        for shipment in option["shipments"]:
            units = ", ".join(f"{x['sku']} × {x['qty']}" for x in shipment["lines"])
            lines.append(
                f"  {shipment['node_id']} → {shipment['carrier']} {shipment['service']}, "
                f"ships {shipment['ship_date']}, delivered {shipment['promised_date']} ({units})"
            )
    return "\n".join(lines)
