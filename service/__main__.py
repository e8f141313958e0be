"""`python -m service`: serve the routing API on one host and port, or manage
its API keys.

    python -m service --nodes nodes.csv --inventory inventory.csv \\
        --artifact france.json [--host 127.0.0.1] [--port 8000]
    python -m service keys add NAME --scopes route,read --file keys.txt

Serving needs API keys (SOURCING_SERVICE_KEYS_FILE or SOURCING_SERVICE_KEYS)
and reads its limits from the environment: docs/service.md, "Settings".
"""

from __future__ import annotations

import argparse
import gc
import sys

SERVER = {"http": "httptools", "loop": "uvloop"}
"""uvicorn's compiled HTTP parser and event loop (the `service` extra installs them):
they take a third off the web stack's own time per request (docs/service.md)."""
YOUNG_OBJECTS = 50_000
"""Allocations between two passes of the garbage collector over young objects (Python's
default: 700). A request's objects (parsed JSON, models, orders, decisions) die with
it and hold no cycle; passes every 700 allocations move them to older generations
mid-request and walk them again and again (about a fifth of a 1,000-order batch's CPU)."""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["keys"]:
        from service.keys import main as keys

        return keys(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m service", description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", required=True, metavar="F", help="nodes table (CSV/Parquet)")
    parser.add_argument("--inventory", required=True, metavar="F", help="stock at start")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--artifact", metavar="F.json", help="ruleset artifact (production)")
    source.add_argument("--ruleset", metavar="F.route", help="ruleset file (trials)")
    parser.add_argument(
        "--carriers", metavar="F", help="carrier services: decisions carry promises"
    )
    parser.add_argument("--closures", metavar="F", help="closed days of nodes and carriers")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (8000)")
    parser.add_argument("--log-level", default="warning", help="uvicorn log level (warning)")
    parser.add_argument(
        "--workers", type=int, default=1, metavar="N",
        help="worker processes: 1 (for more processes, run replicas with --store)",
    )  # fmt: skip
    parser.add_argument(
        "--store",
        metavar="URL",
        help="PostgreSQL database of the stock shared by replicas (else $SOURCING_SERVICE_STORE;"
        " neither: the stock is in this process's memory)",
    )
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error(f"--workers must be at least 1, not {args.workers}")
    if args.workers > 1:
        print(f"python -m service: {workers_refused(args.workers)}", file=sys.stderr)
        return 2

    import uvicorn

    from dsl.errors import SourcingError
    from service.app import create_app
    from service.settings import ServiceSettings
    from service.startup import load_service

    try:
        settings = ServiceSettings.from_environment()
        session, summary = load_service(
            args.nodes, args.inventory, artifact=args.artifact, ruleset=args.ruleset,
            carriers=args.carriers, closures=args.closures,
        )  # fmt: skip
        app = _app(args, session, summary, settings, create_app)
    except (OSError, ValueError, SourcingError) as error:
        print(f"python -m service: {error}", file=sys.stderr)
        return 2
    gc.freeze()  # what was loaded lives as long as the process: the collector skips it
    gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, **SERVER)
    return 0


def _app(args, session, summary, settings, create_app):
    """The app over the process's memory, or a replica over the shared stock in
    PostgreSQL (`--store`; docs/service.md, "Replicas")."""
    from service.shared_schema import store_url

    url = store_url(args.store)
    if url is None:
        return create_app(session, summary, settings)
    from service.shared_stock import replica_app

    ruleset = args.artifact or args.ruleset
    files = (args.nodes, args.inventory, ruleset, args.carriers, args.closures)
    return replica_app(session, summary, settings, url, files)


def workers_refused(workers: int) -> str:
    """Why `--workers N` (N > 1) is refused: a worker pool of one process would give
    each worker its own stock; several processes share one only as replicas."""
    return (
        f"--workers {workers} is refused: each worker would hold its own copy of the stock "
        "and two workers would promise the same units; serve with one worker (the "
        "default), and run more processes as replicas on one PostgreSQL stock with "
        '--store (docs/service.md, "Replicas")'
    )


if __name__ == "__main__":
    sys.exit(main())
