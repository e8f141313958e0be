"""`--carriers F` and `--closures F`: the carriers table and the closures a command
routes with (promise.md), for `sourcing route`, `simulate` and `promise`."""

from __future__ import annotations

import argparse
from typing import Any


def add_arguments(parser: argparse.ArgumentParser, required: bool = False) -> None:
    parser.add_argument(
        "--carriers",
        required=required,
        metavar="F",
        help="carrier services (CSV or Parquet): each shipment gets a carrier and a "
        "promised date (docs/routing.md, 'Carriers while routing')",
    )
    parser.add_argument(
        "--closures",
        metavar="F",
        help="days a node, a carrier or everything is closed (CSV or Parquet); needs --carriers",
    )


def load(args: argparse.Namespace, node_ids: list[str]) -> tuple[Any, Any]:
    """The carriers table and the closures named on the command line (None where not
    given); raises `engine.tables.TableError` for a file that cannot be used and
    ValueError for --closures without --carriers."""
    from engine.tables import load_carriers, load_closures

    if args.closures and not args.carriers:
        raise ValueError("--closures needs --carriers: closures close carriers and nodes")
    if not args.carriers:
        return None, None
    carriers = load_carriers(args.carriers)
    closures = None
    if args.closures:
        closures = load_closures(args.closures, node_ids=node_ids, carriers=carriers)
    return carriers, closures
