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
        help="service processes: 1 (more need the stock kept outside them)",
    )  # fmt: skip
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
    except (OSError, ValueError, SourcingError) as error:
        print(f"python -m service: {error}", file=sys.stderr)
        return 2
    app = create_app(session, summary, settings)
    gc.freeze()  # what was loaded lives as long as the process: the collector skips it
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, **SERVER)
    return 0


def workers_refused(workers: int) -> str:
    """Why `--workers N` (N > 1) is refused: the stock lives in one process's memory."""
    return (
        f"--workers {workers} is refused: the stock, its allocations and holds live in the "
        "memory of one process, and two processes would each promise the same units; "
        "serve with one worker (the default), and more processes once the stock is kept "
        'in PostgreSQL (docs/service.md, "Production set-up")'
    )


if __name__ == "__main__":
    sys.exit(main())
