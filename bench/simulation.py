"""Replay of a year of demo orders through the France ruleset: orders per second, peak
memory, and where the time goes.

The demo generator writes 1,000,000 orders on 500 nodes and 20,000 SKUs as Parquet
(`--quick`: 50,000 orders, 100 nodes, 2,000 SKUs) into a scratch folder. A child
process then loads the tables, replays every order (`simulations.replay`: routing,
decision tables, KPIs) and writes what `sourcing simulate` writes; its own peak resident
memory (VmHWM) is the memory figure, so the generator's does not count. A second
child replays the first 50,000 orders under cProfile and shows what routing them,
flattening the decisions and computing the KPIs spend their time in (the profiler slows
everything down: the shares matter, not the seconds). One run each: a full
replay takes minutes. Aim: 1,000,000 orders in under 60 s and under 4 GB.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.machine import memory_kib

ROOT = Path(__file__).resolve().parent.parent
FULL = {"orders": 1_000_000, "nodes": 500, "skus": 20_000}
QUICK = {"orders": 50_000, "nodes": 100, "skus": 2_000}
PROFILED_ORDERS = 50_000
AIM = {"seconds": 20.0, "gib": 3.0, "orders": 1_000_000}
SHOWN_FUNCTIONS = 16
PER_ORDER_WORK = {("replay.py", "replay"), ("kpis.py", "compute_kpis")}
"""What a replay does for its orders (simulations.replay.replay: routing, decision
tables, KPIs), as opposed to setting up the network and the stock matrix."""


def run(quick: bool = False) -> list[str]:
    size = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="bench-simulation-") as folder:
        from simulations.demo_data import generate

        started = time.perf_counter()
        generate(folder, seed=7, fmt="parquet", **size)
        made = time.perf_counter() - started
        lines = [
            f"demo data: {size['orders']:,} orders, {size['nodes']} nodes, "
            f"{size['skus']:,} SKUs (Parquet, seed 7), generated in {made:.1f} s; "
            "ruleset rulesets/france.route"
        ]
        figures = _child(folder, "replay")
        lines += _replay_lines(figures, size)
        profiled = _child(folder, "profile")
        lines.append(
            f"where the time goes (cProfile, first {profiled['orders']:,} orders, "
            f"{profiled['seconds']:.1f} s under the profiler, routing and decision tables "
            f"{profiled['loop_share']:.0%} of it; cumulative share of the replay):"
        )
        lines += [f"  {row}" for row in profiled["rows"]]
    return lines


def _replay_lines(figures: dict, size: dict) -> list[str]:
    orders = figures["orders"]
    replay = figures["replay_seconds"]
    rate = orders / replay if replay else 0.0
    gib = figures["max_rss_kib"] / 1024**2
    lines = [
        f"load tables:     {figures['load_seconds']:7.1f} s "
        f"({figures['lines']:,} order lines, {figures['rejected']:,} rows rejected)",
        f"replay:          {replay:7.1f} s  {rate:,.0f} orders/s "
        f"(routing with decision tables {figures['routing_seconds']:.1f} s, KPIs "
        f"{replay - figures['routing_seconds']:.1f} s)",
        f"write results:   {figures['write_seconds']:7.1f} s "
        "(kpis.json, decisions/shipments/allocations.parquet, rejects.csv, report.html)",
        f"peak memory:     {gib:7.2f} GiB resident "
        f"({figures['baseline_rss_kib'] / 1024:,.0f} MiB after imports)",
        f"fill rate {figures['fill_rate']:.3f}, {figures['shipments']:,} shipments, "
        f"{figures['protection_breaches']} protection breaches",
    ]
    if size["orders"] >= AIM["orders"]:
        fast = replay <= AIM["seconds"]
        small = gib <= AIM["gib"]
        lines.append(
            f"aim (1M orders < {AIM['seconds']:.0f} s, < {AIM['gib']:.0f} GiB): "
            f"time {'met' if fast else 'NOT met'}, memory {'met' if small else 'NOT met'}"
        )
    return lines


def _child(folder: str, mode: str) -> dict:
    """Run `python -m bench.simulation MODE FOLDER` and read its JSON figures."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.simulation", mode, folder],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the {mode} child failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------- in the child


def _inputs(folder: Path):
    from engine import policy_of
    from simulations import load_inputs

    text = (ROOT / "rulesets" / "france.route").read_text(encoding="utf-8")
    inputs = load_inputs(
        folder / "nodes.parquet",
        folder / "inventory.parquet",
        folder / "orders.parquet",
        folder / "replenishments.parquet",
        timezone="Europe/Paris",
    )
    policy = policy_of(text, filename="rulesets/france.route", extra_fields=inputs.fields)
    return policy, inputs


def child_replay(folder: Path) -> dict:
    """Load, replay and write once; the figures as a dict."""
    from simulations.replay import replay

    baseline = memory_kib("VmRSS")
    started = time.perf_counter()
    policy, inputs = _inputs(folder)
    loaded = time.perf_counter()
    clock = {}

    def progress(done: int, total: int) -> None:
        if done == total:
            clock.setdefault("routed", time.perf_counter())

    simulation = replay(policy, inputs, on_progress=progress)
    replayed = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-simulation-out-") as out:
        simulation.write(out)
    written = time.perf_counter()
    overall = simulation.kpis.overall
    return {
        "orders": len(simulation.decisions),
        "lines": len(inputs.orders),
        "rejected": int(len(simulation.rejects)),
        "shipments": len(simulation.tables.shipments),
        "load_seconds": loaded - started,
        "replay_seconds": replayed - loaded,
        "routing_seconds": clock.get("routed", replayed) - loaded,
        "write_seconds": written - replayed,
        "max_rss_kib": memory_kib("VmHWM"),
        "baseline_rss_kib": baseline,
        "fill_rate": overall["fill_rate"],
        "protection_breaches": overall["protection_breaches"],
    }


def child_profile(folder: Path) -> dict:
    """Replay the first orders under cProfile; the functions its work on the orders
    (routing, decision tables, KPIs) spends its time in, as shares of the replay."""
    from simulations.replay import replay

    policy, inputs = _inputs(folder)
    ids = inputs.orders["order_id"]
    first = ids.drop_duplicates().iloc[:PROFILED_ORDERS]
    inputs = inputs.with_tables(orders=inputs.orders[ids.isin(set(first))])
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.runcall(replay, policy, inputs)
    seconds = time.perf_counter() - started
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    whole = max(entry[3] for entry in stats.values())
    roots = [key for key in stats if (Path(key[0]).name, key[2]) in PER_ORDER_WORK]
    inside = set().union(*(_called_from(stats, root) for root in roots))
    kpis = sum(stats[root][3] for root in roots if root[2] == "compute_kpis")
    per_order = max(stats[root][3] for root in roots) - kpis
    rows = []
    for key in inside:
        filename, line, name = key
        path = Path(filename)
        if ROOT not in path.parents or "site-packages" in filename:
            continue
        rows.append((stats[key][3], stats[key][1], f"{path.relative_to(ROOT)}:{line} {name}"))
    rows.sort(reverse=True)
    shown = [
        f"{100 * cumulative / whole:5.1f} %  {calls:>10,} calls  {where}"
        for cumulative, calls, where in rows[:SHOWN_FUNCTIONS]
    ]
    return {
        "orders": int(inputs.orders["order_id"].nunique()),
        "seconds": seconds,
        "loop_share": per_order / whole,
        "rows": shown,
    }


def _called_from(stats: dict, root) -> set:
    """Every function the profile saw called (directly or not) from `root`, root included."""
    callees: dict = {}
    for key, entry in stats.items():
        for caller in entry[4]:
            callees.setdefault(caller, set()).add(key)
    seen, todo = {root}, [root]
    while todo:
        for callee in callees.get(todo.pop(), ()):
            if callee not in seen:
                seen.add(callee)
                todo.append(callee)
    return seen


if __name__ == "__main__":
    mode, folder = sys.argv[1], Path(sys.argv[2])
    action = {"replay": child_replay, "profile": child_profile}[mode]
    print(json.dumps(action(folder)))
