"""A sweep on Dask against the same replays one after the other, in one run.

24 combinations of `rulesets/france.route` (peak_store_protection.keep 1–4 × standard_home
within 200/300/400 km × peak start 1 or 10 November) over 200,000 demo orders (60 nodes,
2,000 SKUs, Parquet; `--quick`: 4 combinations over 5,000 orders). First the 24 replays
in this process one after the other (`simulations.sweeps.replay_combination`, the very
task a worker runs); then the same replays shared out to as many plain processes as
there are usable cores (forked with the tables already loaded, no Dask: what these cores
give two replays at once, the machine's own ceiling for the sweep); then
`simulations.sweeps.run_sweep` on a LocalCluster sized to the machine (one worker
process per usable core), timed whole: cluster start, scattering the tables, the tasks
and writing the outputs. All three must give the same KPIs. Aim: the sweep close to
(worker cores)× faster than the sequential replays.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import tempfile
import time
from pathlib import Path

import pandas as pd

from bench.datasets import routing_set

ROOT = Path(__file__).resolve().parent.parent
FULL = {"orders": 200_000, "nodes": 60, "skus": 2_000}
QUICK = {"orders": 5_000, "nodes": 60, "skus": 2_000}
VARY_FULL = {
    "peak_store_protection.keep": [1, 2, 3, 4],
    "standard_home.within": [200, 300, 400],
    "peak_store_protection.effective.from": [dt.date(2026, 11, 1), dt.date(2026, 11, 10)],
}
VARY_QUICK = {"peak_store_protection.keep": [1, 3], "standard_home.within": [200, 400]}
OBJECTIVES = {"cost_per_order": "min", "fill_rate": "max", "store_stockouts": "min"}


def run(quick: bool = False) -> list[str]:
    from dsl import parse
    from simulations import load_inputs
    from simulations.sweep_file import build_sweep, data_key
    from simulations.sweeps import dask_client, run_sweep, usable_cores

    size = QUICK if quick else FULL
    paths = routing_set(fmt="parquet", **size)
    ruleset = parse((ROOT / "rulesets" / "france.route").read_text(encoding="utf-8"))
    sweep = build_sweep(ruleset, VARY_QUICK if quick else VARY_FULL, OBJECTIVES, name="bench")
    inputs = load_inputs(*paths.values(), timezone=ruleset.timezone or "UTC")
    key = data_key(paths)
    combinations = sweep.combinations(key)
    lines = [
        f"{len(combinations)} combinations of rulesets/france.route over {size['orders']:,} "
        f"demo orders ({size['nodes']} nodes, {size['skus']:,} SKUs, Parquet); "
        f"{usable_cores()} usable cores"
    ]

    started = time.perf_counter()
    alone = {combination.number: _kpis(inputs, combination) for combination in combinations}
    sequential = time.perf_counter() - started

    started = time.perf_counter()
    side_by_side = _in_plain_processes(inputs, combinations, usable_cores())
    plain = time.perf_counter() - started

    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as out:
        started = time.perf_counter()
        with dask_client() as client:
            ready = time.perf_counter() - started
            result = run_sweep(sweep, inputs, out, client, data_key=key)
        swept = time.perf_counter() - started
    table = result.table.set_index("combination")
    same = side_by_side == alone and all(
        {k: None if pd.isna(table.at[n, k]) else table.at[n, k] for k in kpis} == kpis
        for n, kpis in alone.items()
    )
    each = sequential / len(combinations)
    lines += [
        f"sequential: {sequential:7.1f} s ({each:.1f} s a replay, one process)",
        f"plain:      {plain:7.1f} s in {usable_cores()} forked processes, no Dask "
        f"({sequential / plain:.2f}×: what these cores give side by side)",
        f"sweep:      {swept:7.1f} s on {result.workers} Dask workers (LocalCluster start "
        f"{ready:.1f} s included; {result.failed} failed)",
        f"speed-up:   {sequential / swept:7.2f}× with {result.workers} worker processes "
        f"(aim: close to {result.workers}×; {plain / swept:.0%} of the plain processes' "
        f"speed-up); same KPIs in all three: {'yes' if same else 'NO'}",
    ]
    return lines


_SHARED: tuple = ()
"""(inputs, combinations) for the forked processes, set before they start."""


def _in_plain_processes(inputs, combinations, processes: int) -> dict:
    """Each combination's KPIs, replayed by `processes` forked processes taking the next
    combination as they finish one (as Dask workers do); the tables are inherited."""
    global _SHARED
    _SHARED = (inputs, combinations)
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        kpis = pool.map(_replay_one, range(len(combinations)), chunksize=1)
    _SHARED = ()
    return {c.number: k for c, k in zip(combinations, kpis, strict=True)}


def _replay_one(index: int) -> dict:
    inputs, combinations = _SHARED
    return _kpis(inputs, combinations[index])


def _kpis(inputs, combination) -> dict:
    """The KPIs of one combination's replay: the very task a Dask worker runs."""
    from simulations.sweeps import replay_combination

    outcome = replay_combination(
        inputs, combination.key, combination.ruleset_text, combination.overrides, None, None
    )
    return outcome["kpis"]
