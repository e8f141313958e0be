"""`sourcing route` as a user runs it: a whole process, from CSV files to a JSON-lines
file, timed from the outside (start-up, imports, loading, routing and writing).

1. The routing set: 100,000 orders of 1–5 lines on 500 nodes and 20,000 SKUs (3.5 M
   stock positions), CSV, routed with rulesets/france.route (`--quick`: 10,000 orders).
   Aim: ≤ 3 s per run.
2. Against a plain router: bench/plain_router.py (CSV module, dicts and loops, no
   numpy) and `sourcing route bench/nearest.route` on the same 20,000 one-line orders
   (500 nodes, 2,000 SKUs; a lighter 100-node, 500-SKU set too): both processes timed
   in turn in the same run, and their output files must be byte for byte the same.
   Aim: ours faster.

Every process runs `repeats` times (after one untimed warm-up run of each); figures are
medians of the wall-clock times.
"""

from __future__ import annotations

import hashlib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.datasets import routing_set, single_line_set

ROOT = Path(__file__).resolve().parent.parent
SOURCING = Path(sys.executable).with_name("sourcing")
AIM_SECONDS = 3.0


def run(quick: bool = False) -> list[str]:
    repeats = 2 if quick else 5
    lines = []
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as scratch:
        out = Path(scratch)
        size = 10_000 if quick else 100_000
        paths = routing_set(size, 500, 20_000)
        seconds, digest = _timed(_route(ROOT / "rulesets" / "france.route", paths, out / "a.jsonl"),
                                 repeats, out / "a.jsonl")  # fmt: skip
        verdict = "met" if seconds <= AIM_SECONDS or quick else "NOT met"
        lines.append(
            f"sourcing route, {size:,} orders (500 nodes, 20,000 SKUs, CSV), france.route: "
            f"{seconds:.2f} s median of {repeats} ({size / seconds:,.0f} orders/s end to end; "
            f"aim ≤ {AIM_SECONDS:.0f} s: {verdict}); output sha256 {digest[:16]}…"
        )
        for nodes, skus in ((500, 2_000), (100, 500)):
            lines += _against_plain(out, nodes, skus, 2_000 if quick else 20_000, repeats)
    return lines


def _against_plain(out: Path, nodes: int, skus: int, orders: int, repeats: int) -> list[str]:
    paths = single_line_set(orders, nodes, skus)
    plain = [
        sys.executable, str(ROOT / "bench" / "plain_router.py"),
        str(paths["nodes"]), str(paths["inventory"]), str(paths["orders"]), str(out / "p.jsonl"),
    ]  # fmt: skip
    ours = _route(ROOT / "bench" / "nearest.route", paths, out / "o.jsonl")
    times: dict[str, list[float]] = {"plain": [], "ours": []}
    for command in (plain, ours):  # warm-up: file caches, compiled bytecode
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    for _ in range(repeats):  # in turn, so both meet the same load
        for name, command in (("plain", plain), ("ours", ours)):
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
            times[name].append(time.perf_counter() - started)
    same = (out / "p.jsonl").read_bytes() == (out / "o.jsonl").read_bytes()
    mine, theirs = statistics.median(times["ours"]), statistics.median(times["plain"])
    return [
        f"plain Python router vs sourcing route, {orders:,} one-line orders, {nodes} nodes, "
        f"{skus:,} SKUs (bench/nearest.route): plain {theirs:.2f} s, ours {mine:.2f} s "
        f"(medians of {repeats}, ratio {theirs / mine:.2f}x; aim: ours faster: "
        f"{'met' if mine < theirs else 'NOT met'}); decisions "
        f"{'byte-identical' if same else 'DIFFERENT'}"
    ]


def _route(ruleset: Path, paths: dict, out: Path) -> list[str]:
    return [
        str(SOURCING), "route", str(ruleset), "--nodes", str(paths["nodes"]),
        "--inventory", str(paths["inventory"]), "--orders", str(paths["orders"]),
        "--out", str(out),
    ]  # fmt: skip


def _timed(command: list[str], repeats: int, output: Path) -> tuple[float, str]:
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - started)
    return statistics.median(times), hashlib.sha256(output.read_bytes()).hexdigest()
