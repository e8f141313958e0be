"""`python -m bench [NAME ...] [--quick]`: print the machine, then run the named
benchmarks (all of `BENCHMARKS` when none is named) and print their figures."""

from __future__ import annotations

import argparse
import importlib
import sys
import time

from bench import machine

BENCHMARKS = [
    "bench.language",
    "bench.routing",
    "bench.end_to_end",
    "bench.service",
    "bench.replicas",
    "bench.promise",
    "bench.holds",
    "bench.events",
    "bench.returns",
    "bench.simulation",
    "bench.bound",
    "bench.sweep",
    "bench.tables",
]
"""Modules exposing `run(quick: bool = False) -> list[str]`, in the order they run."""


def _module_name(name: str) -> str:
    return name if name.startswith("bench.") else f"bench.{name}"


def main(argv: list[str] | None = None) -> int:
    short = [name.removeprefix("bench.") for name in BENCHMARKS]
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"one of: {', '.join(short)}")
    parser.add_argument("--quick", action="store_true", help="smaller inputs, fewer repeats")
    args = parser.parse_args(argv)
    chosen = [_module_name(name) for name in args.names] or BENCHMARKS
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(short)}")

    print("== machine")
    for line in machine.describe():
        print(line)
    for name in chosen:
        print(f"\n== {name.removeprefix('bench.')}{' (quick)' if args.quick else ''}", flush=True)
        started = time.perf_counter()
        for line in importlib.import_module(name).run(quick=args.quick):
            print(line, flush=True)
        print(f"({time.perf_counter() - started:.1f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
