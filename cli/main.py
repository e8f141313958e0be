"""`sourcing` entry point. Each command group lives in its own module with a
`register(subparsers)` function; rooms are imported lazily inside commands so
that `sourcing check` works with the engine-only install."""

from __future__ import annotations

import argparse
import importlib
import sys

COMMAND_MODULES = [
    "cli.data",
    "cli.export",
    "cli.keys",
    "cli.language",
    "cli.rulesets",
    "cli.routing",
    "cli.simulate",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sourcing", description="Rules-driven order sourcing: check, route, simulate, publish."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
