"""`sourcing demo-data`: write the deterministic French demo network, stock, a
year of orders, carriers, public holidays and returns (see docs/data.md)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser(
        "demo-data",
        help="write demo nodes, inventory, orders, replenishments, carriers, closures and returns",
        description=(
            "Write a deterministic demo dataset for a French omnichannel retailer: DCs and "
            "stores in real French cities (GeoNames), opening stock, weekly DC "
            "replenishments, a year of orders, a French carrier table, the French public "
            "holidays as closures and the returns of the orders. The same options give "
            "identical files."
        ),
    )
    demo.add_argument("--out", required=True, metavar="DIR", help="directory to write into")
    demo.add_argument(
        "--orders", type=count(10_000_000), default=20_000, metavar="N", help="orders (≤ 10M)"
    )
    demo.add_argument(
        "--nodes", type=count(5_000), default=60, metavar="M", help="network nodes (≤ 5,000)"
    )
    demo.add_argument(
        "--skus", type=count(1_000_000), default=2_000, metavar="K", help="products (≤ 1M)"
    )
    demo.add_argument("--seed", type=int, default=7, metavar="S", help="random seed (default 7)")
    demo.add_argument("--start", default="2026-01-01", metavar="DATE", help="first order day")
    demo.add_argument(
        "--days", type=count(3_660), default=365, metavar="D", help="days of orders (≤ 3,660)"
    )
    demo.add_argument(
        "--format",
        choices=("csv", "parquet"),
        default="csv",
        help="file format (Parquet is smaller and faster for big runs)",
    )
    demo.add_argument(
        "--no-replenishments", action="store_true", help="do not write replenishments"
    )
    demo.set_defaults(handler=run_demo_data)


def count(most: int):
    """An argument type: a whole number from 1 to `most` (the demo data's limits keep a
    run within memory and time; docs/data.md)."""

    def parse(text: str) -> int:
        digits = text.replace("_", "")
        if not (digits.isascii() and digits.isdecimal()) or len(digits) > 12:
            raise argparse.ArgumentTypeError(f"must be a whole number, got {text[:20]!r}")
        value = int(digits)
        if not 1 <= value <= most:
            raise argparse.ArgumentTypeError(f"must be from 1 to {most:,}, got {value:,}")
        return value

    return parse


def run_demo_data(args: argparse.Namespace) -> int:
    from simulations.demo_data import generate

    started = time.perf_counter()
    try:
        written = generate(
            args.out,
            orders=args.orders,
            nodes=args.nodes,
            skus=args.skus,
            seed=args.seed,
            start=args.start,
            days=args.days,
            fmt=args.format,
            replenishments=not args.no_replenishments,
        )
    except ValueError as exc:
        print(f"sourcing demo-data: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # --out is a file, cannot be created, or the disk is full
        print(f"sourcing demo-data: cannot write into {args.out}: {exc.strerror}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    for name, path in written.items():
        print(f"{name:<15} {_rows(path):>10,} rows  {_size(path):>9}  {path}")
    print(f"wrote {len(written)} tables to {Path(args.out)} in {elapsed:.1f} s (seed {args.seed})")
    return 0


def _rows(path: Path) -> int:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    lines = 0
    with path.open("rb") as handle:  # the demo files hold no line break inside a value
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
    return lines - 1


def _size(path: Path) -> str:
    size = float(path.stat().st_size)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
