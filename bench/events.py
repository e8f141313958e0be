"""Events through the reactions: the demo year (20,000 orders, rulesets/france.route)
replayed following every allocation, with 100,000 mixed events
(simulations.demo_data.events: cancels, changes, line rejects, shipments, receipts,
counts, outages) and without them, in one run; the difference is what the events cost,
so events per second = events ÷ that difference.
Then the same stream through `sourcing route --events` as a whole process, once.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

RULESET = Path(__file__).parents[1] / "rulesets" / "france.route"


def run(quick: bool = False) -> list[str]:
    import engine
    from engine.events import events_from_frame
    from engine.tables import load_events, load_inventory, load_nodes, load_orders
    from simulations.demo_data import generate
    from simulations.demo_data.events import mixed_events, shippers_of

    count, repeats = (10_000, 1) if quick else (100_000, 3)
    folder = Path(tempfile.mkdtemp(prefix="sourcing-bench-events-"))
    paths = generate(folder / "demo", replenishments=False)
    nodes = load_nodes(paths["nodes"])
    ids = nodes.frame["id"].tolist()
    orders = load_orders(paths["orders"], ids, "Europe/Paris")
    text = RULESET.read_text(encoding="utf-8")

    def session():
        return engine.Session.open(text, nodes, load_inventory(paths["inventory"], ids))

    with session() as first:
        shippers = shippers_of(first.route(orders))
    frame = mixed_events(
        pd.read_csv(paths["orders"]), pd.read_csv(paths["nodes"]), count, shippers=shippers
    )
    events_file = folder / "events.csv"
    frame.to_csv(events_file, index=False)
    events = events_from_frame(load_events(events_file, ids).frame)

    with_events, without, refused, later = [], [], 0, 0
    for _ in range(repeats):
        with session() as plain:
            plain.follow()  # the same bookkeeping as with events: only the events differ
            started = time.perf_counter()
            list(plain.replay(orders))
            without.append(time.perf_counter() - started)
        with session() as busy:
            busy.follow()
            started = time.perf_counter()
            steps = list(busy.replay(orders, (), events))
            with_events.append(time.perf_counter() - started)
            refused = len(busy.refused_events)
            later = sum(len(s.decisions) for s in steps) - len(orders.frame["order_id"].unique())
            assert busy.reactions is not None and busy.reactions.problems() == []
    cost = statistics.median(with_events) - statistics.median(without)
    command = [
        sys.executable, "-m", "cli.main", "route", str(RULESET), "--nodes", str(paths["nodes"]),
        "--inventory", str(paths["inventory"]), "--orders", str(paths["orders"]),
        "--events", str(events_file), "--out", str(folder / "decisions.jsonl"),
    ]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    whole = time.perf_counter() - started
    return [
        f"input: demo year (20,000 orders), {count:,} mixed events "
        f"({count - refused:,} applied, {refused:,} refused as they could not apply), "
        f"{later:,} later decisions; median of {repeats} run(s) each",
        f"replay following allocations, without events: {statistics.median(without):.2f} s; "
        f"with the events: {statistics.median(with_events):.2f} s",
        f"events through the reactions: {count / cost:,.0f} events/s "
        f"({cost * 1e6 / count:.0f} µs an event, re-routes and releases included)",
        f"sourcing route --events, whole process (one run): {whole:.1f} s",
        "shared, noisy machine: compare figures of one run only",
    ]
