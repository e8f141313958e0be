"""`sourcing sweep FILE --out DIR`: replay every combination of a sweep file's parameters
on Dask (a LocalCluster sized to the machine, or the cluster at --scheduler) and write
the KPI table, the Pareto-optimal settings, the failures and an offline report.

Exit codes: 0 every combination done, 1 the sweep file or its ruleset has errors, 2 an
input cannot be read, 3 some combinations failed (the rest are written).
"""

from __future__ import annotations

import argparse
import sys
import time

from cli.simulate import (
    EXIT_OK,
    InputProblem,
    _fail,
    _guarded,
    _stored_text,
    _writable_out,
    _written,
)

EXIT_SOME_FAILED = 3


def register(subparsers: argparse._SubParsersAction) -> None:
    sweep = subparsers.add_parser(
        "sweep",
        help="replay every combination of a sweep file's parameters on Dask",
        description=(
            "Replay every combination of the parameters a sweep file varies (docs/sweeps.md) "
            "as one task each on Dask, skipping those DIR already holds, and write "
            "DIR/kpis.parquet (a row per combination), DIR/pareto.csv, DIR/failures.csv, "
            "DIR/rejects.csv, DIR/sweep.json and DIR/report.html (opens offline)."
        ),
    )
    sweep.add_argument("file", metavar="FILE", help="the sweep file (.toml)")
    sweep.add_argument("--out", required=True, metavar="DIR", help="directory to write into")
    sweep.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="a running Dask scheduler, e.g. tcp://host:8786 (default: a LocalCluster)",
    )
    sweep.add_argument(
        "--workers",
        type=_positive,
        metavar="N",
        help="LocalCluster worker processes (default: the cores this process may use)",
    )
    sweep.add_argument(
        "--db", metavar="URL", help="ruleset store for a stored ruleset (default: $SOURCING_DB_URL)"
    )
    sweep.add_argument("--quiet", action="store_true", help="no line per finished combination")
    sweep.set_defaults(handler=run_sweep_command)


def _positive(text: str) -> int:
    if not text.isdecimal() or not 1 <= int(text) <= 1024:
        raise argparse.ArgumentTypeError(f"give a number of workers from 1 to 1024, got {text!r}")
    return int(text)


def run_sweep_command(args: argparse.Namespace) -> int:
    from simulations.exports import write_csv
    from simulations.sweep_file import data_key, load_sweep
    from simulations.sweeps import dask_client, run_sweep

    started = time.perf_counter()
    try:
        if args.scheduler and args.workers:
            raise InputProblem("--workers sizes the LocalCluster: leave it out with --scheduler")
        sweep = _guarded(lambda: load_sweep(args.file, stored=_stored_text(args.db)))
        inputs = _inputs(sweep)
        key = _readable(lambda: data_key(sweep.data))
        _writable_out(args.out)
        _written(lambda: write_csv(inputs.rejects, f"{args.out}/rejects.csv"), args.out)
    except InputProblem as problem:
        return _fail("sweep", problem)
    print(f"{sweep.name}: {sweep.size:,} combinations of {len(sweep.parameters)} parameters")
    report = _reporter(args.quiet)
    try:
        with dask_client(args.scheduler, args.workers) as client:
            run = _written(
                lambda: run_sweep(sweep, inputs, args.out, client, data_key=key, on_result=report),
                args.out,
            )
    except (OSError, TimeoutError) as error:
        return _fail("sweep", InputProblem(f"cannot reach the Dask cluster: {error}"))
    except InputProblem as problem:
        return _fail("sweep", problem)
    print(
        f"{run.ran:,} combinations replayed on {run.workers} worker{_s(run.workers)}, "
        f"{run.skipped:,} already done in {args.out}, {run.failed:,} failed; "
        f"{len(run.pareto):,} Pareto-optimal"
    )
    for row in run.failures.itertuples(index=False):
        print(f"  failed #{row.combination}: {row.error}", file=sys.stderr)
    print(f"wrote {args.out}/kpis.parquet, pareto.csv, failures.csv, sweep.json, report.html")
    print(f"{time.perf_counter() - started:.1f} s in all")
    return EXIT_SOME_FAILED if run.failed else EXIT_OK


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _inputs(sweep):
    from engine.tables import TableError
    from simulations import load_inputs

    paths = sweep.data
    if "closures" in paths and "carriers" not in paths:
        raise InputProblem("data.closures only changes the delivery promise: give carriers too")
    optional = ("replenishments", "events", "carriers", "closures")
    try:
        return load_inputs(
            paths["nodes"],
            paths["inventory"],
            paths["orders"],
            *(paths.get(name) for name in optional),
            timezone=sweep.ruleset.timezone or "UTC",
            returns=paths.get("returns"),
        )
    except (TableError, OSError) as error:
        raise InputProblem(str(error)) from None


def _readable(action):
    try:
        return action()
    except OSError as error:
        raise InputProblem(f"cannot read the data: {error}") from None


def _reporter(quiet: bool):
    """A line on stderr per finished combination: its number, values and outcome."""

    def report(finished: int, total: int, combination, outcome: dict) -> None:
        if quiet:
            return
        values = ", ".join(f"{a}={v}" for a, v in combination.values.items())
        state = "failed" if "error" in outcome else f"done in {outcome['seconds']:.1f} s"
        print(
            f"sweep: {finished}/{total} #{combination.number} {state} ({values})", file=sys.stderr
        )

    return report
