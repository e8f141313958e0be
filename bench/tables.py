"""The table loaders on the demo data: 500 nodes, 20,000 SKUs (about 3.5 million
inventory rows) and 100,000 orders (about 192,000 lines), as CSV and as Parquet
(`--quick`: 60 nodes, 2,000 SKUs, 5,000 orders) — the files
`simulations.demo_data.generate(out, orders=100_000, nodes=500, skus=20_000,
seed=11, replenishments=False)` writes, made once by `bench.datasets`.

Figures: the median time of `load_nodes`, `load_inventory` (node ids checked) and
`load_orders` (node ids checked, Europe/Paris), then the time to build the pandas
view (`Table.frame`) of the loaded inventory and orders, and what a fresh
interpreter imports: `import engine.tables`, then loading the CSV tables.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from bench import datasets
from bench.machine import measure
from engine.tables import load_inventory, load_nodes, load_orders

FULL = {"orders": 100_000, "nodes": 500, "skus": 20_000}
QUICK = {"orders": 5_000, "nodes": 60, "skus": 2_000}
TARGETS = {"inventory": 0.5, "orders": 0.15}
"""Seconds (median, CSV, full size) the loaders aim at on a shared 2-core machine."""

_FRESH = """
import pathlib, sys, time, types
if sys.argv[4] == "alone":  # without the engine package's own __init__ (the engine core)
    package = types.ModuleType("engine")
    package.__path__ = [str(pathlib.Path("engine").resolve())]
    sys.modules["engine"] = package
started = time.perf_counter()
import engine.tables as tables
imported = time.perf_counter() - started
print(f"{imported * 1000:.0f} {'pandas' in sys.modules}")
nodes = tables.load_nodes(sys.argv[1])
tables.load_inventory(sys.argv[2], node_ids=nodes.arrow["id"])
tables.load_orders(sys.argv[3], node_ids=nodes.arrow["id"], timezone="Europe/Paris")
print('pandas' in sys.modules)
"""


def run(quick: bool = False) -> list[str]:
    size = QUICK if quick else FULL
    repeats = 3 if quick else 7
    lines = [
        f"input: demo data, seed 11: {size['orders']:,} orders, {size['nodes']} nodes, "
        f"{size['skus']:,} SKUs (bench.datasets.routing_set)"
    ]
    for fmt in ("csv", "parquet"):
        paths = datasets.routing_set(**size, fmt=fmt)
        nodes = load_nodes(paths["nodes"])
        ids = nodes.arrow["id"]
        stock = load_inventory(paths["inventory"], node_ids=ids)
        orders = load_orders(paths["orders"], node_ids=ids, timezone="Europe/Paris")
        lines.append(
            f"{fmt}: {len(nodes.arrow):,} nodes, {len(stock.arrow):,} inventory rows, "
            f"{len(orders.arrow):,} order lines, {len(stock.reject_rows) + len(orders.reject_rows)}"
            " rejects"
        )
        work = {
            "nodes": lambda p=paths: load_nodes(p["nodes"]),
            "inventory": lambda p=paths, i=ids: load_inventory(p["inventory"], node_ids=i),
            "orders": lambda p=paths, i=ids: load_orders(
                p["orders"], node_ids=i, timezone="Europe/Paris"
            ),
        }
        for name, load in work.items():
            timing = measure(load, repeats)
            target = TARGETS.get(name) if fmt == "csv" and not quick else None
            aim = f" (target ≤ {target} s)" if target else ""
            lines.append(f"  load {name:<10} {timing.summary()}{aim}")
    paths = datasets.routing_set(**size, fmt="csv")
    for name, loader in (("inventory", load_inventory), ("orders", load_orders)):
        builds = []
        for table in [loader(paths[name]) for _ in range(3)]:
            started = time.perf_counter()
            table.frame  # noqa: B018 - building the cached pandas view is what is timed
            builds.append(time.perf_counter() - started)
        lines.append(
            f"  {name}.frame (the pandas view, built on first use): median "
            f"{statistics.median(builds) * 1000:.1f} ms of 3 tables (the first build in "
            f"this process {builds[0] * 1000:.1f} ms)"
        )
    lines += _fresh_interpreter(paths)
    return lines


def _fresh_interpreter(paths: dict) -> list[str]:
    """What a new process pays to import the loaders, and whether pandas comes along:
    through the engine package, and the loaders alone (without the engine core that
    `engine/__init__.py` loads)."""
    args = [str(paths[name]) for name in ("nodes", "inventory", "orders")]
    lines = []
    for how in ("engine", "alone"):
        done = subprocess.run(
            [sys.executable, "-c", _FRESH, *args, how], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            lines.append(f"fresh interpreter: failed ({done.stderr.strip().splitlines()[-1]})")
            continue
        first, second = done.stdout.split("\n")[:2]
        millis, after_import = first.split()
        label = "import engine.tables" if how == "engine" else "import of the loaders alone"
        lines.append(
            f"fresh interpreter, {label}: {millis} ms, pandas imported: "
            f"{'yes' if after_import == 'True' else 'no'}; after loading the three CSV tables: "
            f"{'yes' if second == 'True' else 'no'}"
        )
    return lines
