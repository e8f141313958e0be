"""`sourcing` entry point. Each command group lives in its own module with a
`register(subparsers)` function; rooms are imported lazily inside commands so
that `sourcing check` works with the engine-only install."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

COMMAND_MODULES = [
    "cli.data",
    "cli.export",
    "cli.keys",
    "cli.language",
    "cli.promise",
    "cli.rulesets",
    "cli.routing",
    "cli.simulate",
    "cli.sweep",
    "cli.users",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sourcing", description="Rules-driven order sourcing: check, route, simulate, publish."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


EXIT_BROKEN_PIPE = 141
"""What a shell reports for a program stopped by SIGPIPE (128 + 13)."""


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except BrokenPipeError:
        # The reader went away (`sourcing route … | head`): stop quietly, as Unix
        # tools do, without a traceback or a second error when Python flushes stdout.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
