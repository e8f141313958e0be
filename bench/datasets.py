"""The benchmarks' input files, made once per size into the temp directory (seeded, so
every run measures the same work).

* `routing_set`: the demo network (DCs and stores at real French city coordinates),
  its catalogue and stock, and orders of 1–5 lines (simulations.demo_data), as CSV or
  Parquet — the shape of a retailer's export.
* `single_line_set`: the same network, every node's capacity left empty (unlimited),
  and orders of one line: the input of the plain-router comparison (bench/nearest.route).
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

TABLES = ("nodes", "inventory", "orders")


def routing_set(orders: int, nodes: int, skus: int, fmt: str = "csv", seed: int = 11):
    """Paths of the nodes, inventory and orders files (no replenishment)."""
    from simulations.demo_data import generate

    folder = Path(tempfile.gettempdir()) / f"sourcing-bench-{orders}-{nodes}-{skus}-{seed}-{fmt}"
    paths = {name: folder / f"{name}.{fmt}" for name in TABLES}
    if not all(path.exists() for path in paths.values()):
        generate(
            folder, orders=orders, nodes=nodes, skus=skus, seed=seed, fmt=fmt,
            replenishments=False,
        )  # fmt: skip
    return paths


def single_line_set(orders: int, nodes: int = 500, skus: int = 2_000, seed: int = 5):
    """CSV files of `orders` one-line orders on the demo network, without capacities."""
    folder = Path(tempfile.gettempdir()) / f"sourcing-bench-single-{orders}-{nodes}-{skus}"
    paths = {name: folder / f"{name}.csv" for name in TABLES}
    if all(path.exists() for path in paths.values()):
        return paths
    source = routing_set(orders, nodes, skus, "csv", seed)
    folder.mkdir(parents=True, exist_ok=True)
    _copy(source["nodes"], paths["nodes"], lambda row: {**row, "capacity": ""})
    _copy(source["inventory"], paths["inventory"], lambda row: row)
    seen: set[str] = set()

    def first_line(row):
        if row["order_id"] in seen:
            return None
        seen.add(row["order_id"])
        return row

    _copy(source["orders"], paths["orders"], first_line)
    return paths


def _copy(source: Path, target: Path, change) -> None:
    with source.open(newline="", encoding="utf-8") as inp:
        reader = csv.DictReader(inp)
        with target.open("w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, fieldnames=reader.fieldnames)
            writer.writeheader()
            for row in reader:
                changed = change(row)
                if changed is not None:
                    writer.writerow(changed)
