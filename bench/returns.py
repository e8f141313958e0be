"""Returns routing on the routing benchmark's network (demo data: 500 nodes, 20,000
SKUs, `rulesets/france.route` with the three return strategies of returns.md;
`--quick`: 60 nodes, 2,000 SKUs): 100,000 returned lines of the demo's returns table
(`--quick`: 5,000) through `Session.route_returns`, against the same number of orders
through `Session.route` (the kernel's batch) and one at a time (`Session.route_one`),
alternated, medians of 3 runs each.
The aim: returns within 2× of order routing (lines per second ÷ orders per second).

First, `POST /returns` over HTTP: one keep-alive client, one demo return a request
(1,000; `--quick`: 200), after 100 untimed, to `python -m service` on the demo network
with the same ruleset, its carriers and closures (bench.promise's world).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

RULESET = Path(__file__).parents[1] / "rulesets" / "france_returns.route"
FULL = {"orders": 420_000, "nodes": 500, "skus": 20_000, "lines": 100_000}
QUICK = {"orders": 25_000, "nodes": 60, "skus": 2_000, "lines": 5_000}
AIM = 2.0


def run(quick: bool = False) -> list[str]:
    import engine
    from engine.returns import returns_from_frame
    from engine.tables import load_inventory, load_nodes, load_orders, load_returns

    size = QUICK if quick else FULL
    paths = _demo_files(size)
    started = time.perf_counter()
    nodes = load_nodes(paths["nodes"])
    ids = nodes.frame["id"].tolist()
    returns = returns_from_frame(load_returns(paths["returns"], ids, "Europe/Paris").frame)
    kept, lines = [], 0
    for ret in returns:  # whole returns, up to the number of lines wanted
        if lines + len(ret.lines) > size["lines"]:
            break
        kept.append(ret)
        lines += len(ret.lines)
    orders = load_orders(paths["orders"], ids, "Europe/Paris")
    text = RULESET.read_text(encoding="utf-8")

    def session():
        return engine.Session.open(text, nodes, load_inventory(paths["inventory"], ids))

    frame = orders.frame
    first = frame["order_id"].drop_duplicates().head(lines)  # as many orders as lines
    order_frame = frame[frame["order_id"].isin(set(first))]
    prepared = time.perf_counter() - started
    walls: dict[str, list[float]] = {"returns": [], "orders": [], "one by one": []}
    cpu: dict[str, list[float]] = {"returns": [], "orders": []}
    for _ in range(3):
        with session() as s:
            start, started_cpu = time.perf_counter(), time.process_time()
            s.route_returns(kept)
            walls["returns"].append(time.perf_counter() - start)
            cpu["returns"].append(time.process_time() - started_cpu)
        with session() as s:
            routed = s.batch(order_frame)
            start, started_cpu = time.perf_counter(), time.process_time()
            s.route(routed)
            walls["orders"].append(time.perf_counter() - start)
            cpu["orders"].append(time.process_time() - started_cpu)
        with session() as s:
            alone = [routed.order(i) for i in range(len(routed))]
            start = time.perf_counter()
            for order in alone:
                s.route_one(order)
            walls["one by one"].append(time.perf_counter() - start)
    returns_s, orders_s, one_s = (
        statistics.median(walls[k]) for k in ("returns", "orders", "one by one")
    )
    per_line, per_order = lines / returns_s, len(routed) / orders_s
    cpu_ratio = (statistics.median(cpu["returns"]) / lines) / (
        statistics.median(cpu["orders"]) / len(routed)
    )
    return [
        *_service(quick),
        f"input: {len(kept):,} returns ({lines:,} lines) and {len(routed):,} orders of the demo "
        f"data ({size['nodes']} nodes, {size['skus']:,} SKUs), rulesets/france_returns.route; "
        f"prepared in {prepared:.1f} s",
        f"returns: {per_line:,.0f} lines/s ({returns_s:.2f} s); orders, same session kind: "
        f"{per_order:,.0f} orders/s ({orders_s:.2f} s); medians of 3 alternated runs",
        f"the same orders one at a time (`Session.route_one`): {len(routed) / one_s:,.0f} "
        f"orders/s ({one_s:.2f} s)",
        f"order routing ÷ returns routing: {per_order / per_line:.2f}× against the batch "
        f"(aim ≤ {AIM:g}×), {len(routed) / one_s / per_line:.2f}× against one order at a time",
        f"in CPU time (less sensitive to other work on the machine): {cpu_ratio:.2f}× "
        "against the batch",
    ]


def _demo_files(size: dict) -> dict[str, Path]:
    """Demo data files with returns, generated once per size into the temp directory."""
    from simulations.demo_data import generate

    folder = Path(tempfile.gettempdir()) / (
        f"sourcing-bench-returns-{size['orders']}-{size['nodes']}-{size['skus']}"
    )
    names = ("nodes", "inventory", "orders", "returns")
    paths = {name: folder / f"{name}.parquet" for name in names}
    if not all(path.exists() for path in paths.values()):
        generate(folder, fmt="parquet", replenishments=False, orders=size["orders"],
                 nodes=size["nodes"], skus=size["skus"])  # fmt: skip
    return paths


def _service(quick: bool) -> list[str]:
    """p50/p99 of POST /returns from one client, and how the lines were routed."""
    import pandas as pd

    from bench.machine import percentiles
    from bench.promise import demo_client
    from simulations.demo_data import generate

    folder = Path(tempfile.mkdtemp(prefix="sourcing-bench-returns-service-"))
    paths = generate(folder / "demo", fmt="csv", replenishments=False)
    count, warm = (200 if quick else 1_000), 100
    rows = pd.read_csv(paths["returns"], keep_default_na=False)
    bodies = [_body(k, group) for k, (_, group) in enumerate(rows.groupby("return_id", sort=False))]
    bodies = bodies[: warm + count]
    wall, statuses = [], {}
    ruleset = str(RULESET.relative_to(RULESET.parents[1]))
    with demo_client(paths, folder, "route,read", ruleset) as client:
        for body in bodies[:warm]:
            client.post("/returns", json=body).raise_for_status()
        for body in bodies[warm:]:
            start = time.perf_counter()
            answer = client.post("/returns", json=body)
            wall.append(1000.0 * (time.perf_counter() - start))
            answer.raise_for_status()
            for decision in answer.json()["decisions"]:
                statuses[decision["status"]] = statuses.get(decision["status"], 0) + 1
    p50, p99 = percentiles(wall, [50, 99])
    shown = ", ".join(f"{k} {v:,}" for k, v in sorted(statuses.items()))
    return [f"POST /returns over HTTP, 1 client, {len(wall):,} returns: p50 {p50:.2f} ms, "
            f"p99 {p99:.2f} ms ({shown})"]  # fmt: skip


def _body(number: int, lines) -> dict:
    """One demo return as a POST /returns body (a fresh id: each is routed once)."""
    first = lines.iloc[0]
    body: dict = {"return_id": f"B{number}", "method": first["method"]}
    if first["order_id"]:
        body["order_id"] = first["order_id"]
    if first["drop_node"]:
        body["drop_node"] = first["drop_node"]
    else:
        body["origin_lat"], body["origin_lon"] = (
            float(first["origin_lat"]),
            float(first["origin_lon"]),
        )
    body["lines"] = [
        {
            "sku": row.sku,
            "qty": int(row.qty),
            "reason": row.reason,
            "condition": row.condition,
            "unit_price": float(row.unit_price),
            "category": row.category,
        }  # fmt: skip
        for row in lines.itertuples(index=False)
    ]
    return {"return": body}
