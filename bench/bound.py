"""The optimisation bound (docs/kpis.md, "How far from the best possible") on the demo
year (`sourcing demo-data`: 20,000 orders, 60 nodes, 2,000 SKUs, its replenishments,
`rulesets/france.route`; `--quick`: 2,000 orders over 30 days): the replay, then the
bound of every day of it, alternated, medians of 3 runs (`--quick`: 1), wall-clock and
CPU time; the time the bound adds as a share of the replay's (aim: ≤ 50 %), the
slowest day solved alone, and the memory the bound takes (the peak Python allocations
while it is computed, `tracemalloc`, and the process's peak resident memory). Then the
same with the demo's carriers and closures, as the studio replays the demo data (the
replay then also gives every shipment its carrier and promise; the bound ignores
carriers): the bound's share of that replay.
"""

from __future__ import annotations

import datetime as dt
import resource
import statistics
import tempfile
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

RULESET = Path(__file__).parents[1] / "rulesets" / "france.route"
AIM = 0.5


def run(quick: bool = False) -> list[str]:
    import engine
    import simulations
    from simulations.bound import compute_bound
    from simulations.demo_data import generate

    size = {"orders": 2_000, "days": 30} if quick else {}
    repeats = 1 if quick else 3
    with tempfile.TemporaryDirectory(prefix="sourcing-bench-bound-") as folder:
        paths = generate(Path(folder) / "demo", **size)
        promised = simulations.load_inputs(
            *(paths[k] for k in ("nodes", "inventory", "orders", "replenishments")),
            carriers=paths["carriers"], closures=paths["closures"], timezone="Europe/Paris",
        )  # fmt: skip
    inputs = replace(promised, carriers=None, closures=None)  # the same tables, read once
    policy = engine.policy_of(RULESET.read_text(encoding="utf-8"))
    simulation, bound, replay_time, bound_time = _alternated(policy, inputs, repeats)
    tracemalloc.start()
    compute_bound(simulation)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    busiest = bound.by_day.sort_values("orders", ascending=False).iloc[0]
    day = busiest["day"]
    started = time.perf_counter()
    alone = compute_bound(_one_day(simulation, day))
    one_day = time.perf_counter() - started
    replay_wall, replay_cpu = replay_time
    bound_wall, bound_cpu = bound_time
    _, _, promise_replay, promise_bound = _alternated(policy, promised, repeats)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    overall = bound.overall
    return [
        f"input: the demo data ({len(simulation.decisions):,} orders over "
        f"{len(bound.by_day)} days, 60 nodes), rulesets/france.route; median of {repeats} run(s)",
        f"replay: {replay_wall:.2f} s wall, {replay_cpu:.2f} s cpu",
        f"bound:  {bound_wall:.2f} s wall, {bound_cpu:.2f} s cpu "
        f"({bound_wall / replay_wall:.0%} of the replay's wall time, "
        f"{bound_cpu / replay_cpu:.0%} of its cpu time; aim ≤ {AIM:.0%})",
        f"with the demo's carriers and closures (as the studio replays the demo data): "
        f"replay {promise_replay[1]:.2f} s cpu, bound {promise_bound[1]:.2f} s cpu "
        f"({promise_bound[1] / promise_replay[1]:.0%} of the replay's cpu time)",
        f"busiest day ({day}, {int(busiest['orders'])} orders) solved alone: "
        f"{one_day * 1000:.0f} ms (aim: well under 1 s; {len(alone.by_day)} day)",
        f"memory: {peak / 2**20:.1f} MiB peak Python allocations while the bound is computed "
        f"(tracemalloc); process peak resident {rss:,.0f} MiB",
        f"figures: cost gap {overall['cost_gap_pct']:.1f} %, fill gap "
        f"{overall['fill_gap_pts']:+.1f} pts, most of the gap in {overall['gap_strategy']}",
        "shared, noisy machine: compare figures of one run only",
    ]


def _alternated(policy, inputs, repeats: int):
    """The replay of `inputs` and the bound of it, alternated `repeats` times: the last
    simulation and bound, and the medians (wall, CPU) of the replay's and the bound's
    times."""
    import simulations
    from simulations.bound import compute_bound

    replays: dict[str, list[float]] = {"wall": [], "cpu": []}
    bounds: dict[str, list[float]] = {"wall": [], "cpu": []}
    simulation = bound = None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        simulation = simulations.replay.replay(policy, inputs)
        replays["wall"].append(time.perf_counter() - wall)
        replays["cpu"].append(time.process_time() - cpu)
        wall, cpu = time.perf_counter(), time.process_time()
        bound = compute_bound(simulation)
        bounds["wall"].append(time.perf_counter() - wall)
        bounds["cpu"].append(time.process_time() - cpu)
    assert simulation is not None and bound is not None
    medians = [
        tuple(statistics.median(times[k]) for k in ("wall", "cpu")) for times in (replays, bounds)
    ]
    return simulation, bound, medians[0], medians[1]


def _one_day(simulation, day: dt.date):
    """The run with its tables narrowed to one day's orders, the opening stock being
    what the whole run left that day (the bound reads the allocations of the days
    before it): the same day's problem, solved alone."""
    tables = simulation.tables
    keep = tables.allocations["day"] <= day
    earlier = replace(
        tables,
        orders=tables.orders[tables.orders["day"] == day],
        allocations=tables.allocations[keep],
        shipments=tables.shipments[tables.shipments["day"] == day],
    )
    return replace(simulation, tables=earlier)
