"""Compare two scenarios on the same orders: KPI deltas, and the orders whose routing
changed (nodes, strategy, status), each with its cause and reason in plain words and
grouped by cause (simulations.causes).

Both scenarios replay the same loaded tables (each with its own overrides). An order's
routing changed when the units it ships from each node, the strategies that allocated
them or its status differ. Explaining an order costs far more than routing it, so the
changed orders are found first; most causes read from the two runs' tables (another
strategy, a closed node), and both replays are run again explaining only the orders
whose cause needs an explanation, stopping after the last one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from engine import Explanation
from simulations.causes import UNEXPLAINED, Sides, cause_summary, causes, needs_explaining
from simulations.decisions import DecisionTables
from simulations.exports import write_csv
from simulations.inputs import Inputs
from simulations.kpis import Kpis
from simulations.progress import shifted
from simulations.promise_causes import KINDS, PromiseSide, lost_next_day, next_day_causes
from simulations.promise_kpis import CARRIER_MIX_COLUMNS, service_names
from simulations.replay import Progress, Simulation, explain_orders, replay, within
from simulations.scenarios import Scenario

DELTA_COLUMNS = ["breakdown", "group", "kpi", "base", "variant", "delta"]
CHANGED_COLUMNS = [
    "order_id",
    "created_at",
    "day",
    "channel",
    "delivery",
    "change",
    "base_status",
    "variant_status",
    "base_strategies",
    "variant_strategies",
    "base_nodes",
    "variant_nodes",
    "cause",
    "reason",
]
__all__ = ["UNEXPLAINED", "Comparison", "changed_orders", "compare", "kpi_deltas"]


@dataclass(frozen=True)
class Comparison:
    """Two replays of the same orders and what differs between them."""

    names: tuple[str, str]
    base: Simulation
    variant: Simulation
    deltas: pd.DataFrame
    """One row per KPI and breakdown cell: breakdown, group, kpi, base, variant, delta
    (variant − base; empty when either figure is)."""
    changed: pd.DataFrame
    """One row per order (present in both runs) whose routing changed; see CHANGED_COLUMNS."""
    summary: dict
    by_cause: pd.DataFrame
    """The changed orders grouped by cause (simulations.causes.SUMMARY_COLUMNS)."""
    lost_next_day: pd.DataFrame
    """Runs with carriers: the orders the base promised next day and the variant does
    not, each with its cause (simulations.promise_causes.LOST_COLUMNS); else no rows."""
    next_day_causes: pd.DataFrame
    """`lost_next_day` grouped by cause: cause, orders, examples."""

    def write(self, out_dir: str | Path, title: str = "Scenario comparison") -> dict[str, Path]:
        """Write deltas.csv, changed_orders.csv, causes.csv, summary.json, each side's
        kpis.json (base/, variant/) and the offline comparison report.html into
        `out_dir`; with carriers also lost_next_day.csv and next_day_causes.csv."""
        from simulations.report import write_comparison_report

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = {
            "deltas": out / "deltas.csv",
            "changed": out / "changed_orders.csv",
            "causes": out / "causes.csv",
        }
        write_csv(self.deltas, written["deltas"])
        write_csv(self.changed, written["changed"])
        write_csv(self.by_cause, written["causes"])
        if self.base.kpis.carriers or self.variant.kpis.carriers:
            written["lost_next_day"] = out / "lost_next_day.csv"
            written["next_day_causes"] = out / "next_day_causes.csv"
            write_csv(self.lost_next_day, written["lost_next_day"])
            write_csv(self.next_day_causes, written["next_day_causes"])
        written["summary"] = out / "summary.json"
        written["summary"].write_text(json.dumps(self.summary, indent=2) + "\n", encoding="utf-8")
        for side, run in (("base", self.base), ("variant", self.variant)):
            folder = out / side
            folder.mkdir(exist_ok=True)
            written[f"{side}_kpis"] = folder / "kpis.json"
            written[f"{side}_kpis"].write_text(run.kpis.to_json(), encoding="utf-8")
        shown = self.changed.drop(columns=["created_at"])
        written["report"] = write_comparison_report(
            out / "report.html",
            self.base.kpis,
            self.variant.kpis,
            names=self.names,
            changed_orders=shown,
            title=title,
            causes=self.by_cause,
            next_day_causes=self.next_day_causes,
            lost_next_day=self.lost_next_day,
        )
        return written


def compare(
    base: Scenario,
    variant: Scenario,
    inputs: Inputs,
    *,
    on_progress: Progress | None = None,
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
    reasons: bool = True,
    max_reasons: int | None = None,
) -> Comparison:
    """Replay `inputs` under both scenarios and compare them. Every changed order gets a
    cause and a reason; `max_reasons` caps how many are explained by replaying (None:
    all; the others whose cause needs an explanation get `UNEXPLAINED`).

    `on_progress(done, total)` counts orders routed over every replay: both scenarios,
    then (when `reasons` and something changed) the explaining replays, which stop early.
    """
    period = {"first_day": first_day, "last_day": last_day}
    prepared = [scenario.prepare(inputs) for scenario in (base, variant)]
    sizes = [
        int(within(data.orders, policy.tz, first_day, last_day)["order_id"].nunique())
        for policy, data in prepared
    ]
    progress = _Stages(on_progress, sizes * (2 if reasons else 1))
    runs = []
    for stage, (policy, data) in enumerate(prepared):
        runs.append(replay(policy, data, on_progress=progress.stage(stage), **period))
    first, second = runs
    changed = changed_orders(first.tables, second.tables)
    sides = _sides(base.name, variant.name, prepared, inputs, runs, changed)
    need = needs_explaining(changed, sides) if reasons else []
    limit = len(need) if max_reasons is None else max(max_reasons, 0)
    wanted = need[:limit]
    explained: list[dict[str, tuple[Explanation, ...]]] = [{}, {}]
    for side, (policy, data) in enumerate(prepared):
        ids = [order_id for order_id, on in wanted if on == side]
        if ids:
            explained[side] = explain_orders(
                policy, data, ids, on_progress=progress.stage(2 + side), **period
            )
    if reasons:
        found = causes(changed, explained, sides, frozenset(o for o, _ in need[limit:]))
        changed["cause"] = [cause.words for cause in found]
        changed["reason"] = [cause.reason for cause in found]
    else:
        changed["cause"] = changed["reason"] = ""
    progress.finish()
    ids = [set(run.tables.orders["order_id"]) for run in runs]
    summary = {
        "base": {"name": base.name, "overrides": base.overrides.describe()},
        "variant": {"name": variant.name, "overrides": variant.overrides.describe()},
        "orders_compared": len(ids[0] & ids[1]),
        "orders_only_in_base": len(ids[0] - ids[1]),
        "orders_only_in_variant": len(ids[1] - ids[0]),
        "orders_changed": len(changed),
        "changed_by_kind": {
            kind: int(changed["change"].str.contains(kind).sum())
            for kind in ("nodes", "strategy", "status")
        },
        "orders_explained": len(wanted),
        "causes": int(changed["cause"].nunique()) if reasons else 0,
    }
    by_cause = (
        cause_summary(changed, _order_figures(first.tables), _order_figures(second.tables))
        if reasons
        else cause_summary(changed.iloc[:0], first.tables.orders, second.tables.orders)
    )
    lost = lost_next_day(
        PromiseSide.of(first.tables, first.inputs),
        PromiseSide.of(second.tables, second.inputs),
        variant.name,
    )
    if first.kpis.carriers or second.kpis.carriers:
        summary["orders_lost_next_day"] = len(lost)
        counts = lost["kind"].value_counts()
        summary["lost_next_day_by_kind"] = {
            kind: int(counts[kind]) for kind in KINDS if kind in counts
        }
    return Comparison(
        names=(base.name, variant.name),
        base=first,
        variant=second,
        deltas=kpi_deltas(first.kpis, second.kpis),
        changed=changed[CHANGED_COLUMNS],
        summary=summary,
        by_cause=by_cause,
        lost_next_day=lost,
        next_day_causes=next_day_causes(lost),
    )


def _sides(base_name: str, variant_name: str, prepared, inputs: Inputs, runs, changed) -> Sides:
    (base_policy, _), (variant_policy, variant_data) = prepared
    shipped_under = []
    for run in runs:
        shipments = run.tables.shipments
        mine = shipments[shipments["order_id"].isin(changed["order_id"])]
        keys = zip(mine["order_id"].astype(str), mine["node_id"].astype(str), strict=True)
        shipped_under.append(dict(zip(keys, mine["strategy"].astype(str), strict=True)))
    nodes = inputs.nodes
    names = {}
    if "name" in nodes.columns:
        named = nodes.dropna(subset=["name"])
        names = dict(zip(named["id"].astype(str), named["name"].astype(str), strict=True))
    return Sides(
        base_name,
        variant_name,
        base_policy,
        variant_policy,
        frozenset(variant_data.nodes["id"].astype(str)),
        names,
        (shipped_under[0], shipped_under[1]),
    )


def _order_figures(tables: DecisionTables) -> pd.DataFrame:
    """A run's order table with `km`: the distance of its shipments summed."""
    km = tables.shipments.groupby(tables.shipments["order_id"].astype(str))["distance_km"].sum()
    orders = tables.orders.copy()
    orders["order_id"] = orders["order_id"].astype(str)
    orders["km"] = orders["order_id"].map(km).fillna(0.0).to_numpy()
    return orders


# ------------------------------------------------------------------- KPI deltas


def kpi_deltas(base: Kpis, variant: Kpis) -> pd.DataFrame:
    """Overall, per channel and per node type: each KPI in both runs and its change; with
    carriers on either side the promise figures too, and the carrier mix per carrier
    service (group `carrier service`)."""
    keys = tuple(dict.fromkeys((*base.keys, *variant.keys)))  # either side's figures
    rows = [
        ("overall", "all", key, base.overall.get(key), variant.overall.get(key)) for key in keys
    ]
    tables = [
        ("channel", base.by_channel, variant.by_channel),
        ("node_type", base.by_node_type, variant.by_node_type),
    ]
    if base.carriers or variant.carriers:
        tables.append(("carrier_service", _services(base), _services(variant)))
    for breakdown, a, b in tables:
        a, b = a.set_index(breakdown), b.set_index(breakdown)
        columns = list(dict.fromkeys([*a.columns, *b.columns]))
        for group in sorted(set(a.index) | set(b.index), key=str):
            for key in columns:
                rows.append(
                    (breakdown, str(group), key, _cell(a, group, key), _cell(b, group, key))
                )
    rows = [(*row, None if row[3] is None or row[4] is None else row[4] - row[3]) for row in rows]
    return pd.DataFrame(rows, columns=DELTA_COLUMNS, dtype=object)


def _services(kpis: Kpis) -> pd.DataFrame:
    """A run's carrier mix keyed by `carrier service` (`no carrier` for shipments
    without one); no rows without carriers."""
    if kpis.carrier_mix is None:
        return pd.DataFrame(columns=["carrier_service", *CARRIER_MIX_COLUMNS[2:]])
    mix = kpis.carrier_mix
    return mix.drop(columns=["carrier", "service"]).assign(carrier_service=service_names(mix))


def _cell(frame: pd.DataFrame, group, key: str):
    if group not in frame.index or key not in frame.columns:
        return None
    value = frame.at[group, key]
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


# -------------------------------------------------------------- changed orders


def changed_orders(base: DecisionTables, variant: DecisionTables) -> pd.DataFrame:
    """Orders present in both runs whose allocations (node, SKU, units), strategy chain
    (or the strategy a node ships under) or status differ, in the base run's routing
    order, with both sides' routing."""
    a = base.orders.set_index("order_id")
    b = variant.orders.set_index("order_id")
    common = a.index.intersection(b.index, sort=False)
    a, b = a.loc[common], b.loc[common]
    nodes = _signature(base.allocations, ["node_id", "sku", "qty"], common) != _signature(
        variant.allocations, ["node_id", "sku", "qty"], common
    )
    chains = (a["strategies"].fillna("") != b["strategies"].fillna("")).to_numpy()
    chains |= common.isin(_restrategised(base.shipments, variant.shipments))
    status = (a["status"] != b["status"]).to_numpy()
    hit = nodes | chains | status
    kinds = np.array([""] * len(common), dtype=object)
    for mask, word in ((nodes, "nodes"), (chains, "strategy"), (status, "status")):
        kinds[mask] = np.where(kinds[mask] == "", word, kinds[mask] + ", " + word)
    ids = common[hit]
    a, b = a.loc[ids], b.loc[ids]
    out = pd.DataFrame(
        {
            "order_id": ids.astype(str),
            "created_at": a["created_at"].to_numpy(),
            "day": a["day"].to_numpy(),
            "channel": a["channel"].to_numpy(),
            "delivery": a["delivery"].to_numpy(),
            "change": kinds[hit],
            "base_status": a["status"].to_numpy(),
            "variant_status": b["status"].to_numpy(),
            "base_strategies": a["strategies"].to_numpy(),
            "variant_strategies": b["strategies"].to_numpy(),
            "base_nodes": _nodes(base.shipments, ids),
            "variant_nodes": _nodes(variant.shipments, ids),
            "base_seq": a["decision_seq"].to_numpy(),
        }
    )
    out = out.sort_values("base_seq", kind="stable").drop(columns="base_seq")
    return out.reset_index(drop=True)


def _signature(rows: pd.DataFrame, columns: list[str], orders: pd.Index) -> np.ndarray:
    """Per order, an order-independent hash of its rows' `columns` (sum of row hashes)."""
    sums = np.zeros(len(orders), dtype=np.uint64)
    if rows.empty:
        return sums
    position = orders.get_indexer(rows["order_id"].astype(str))
    inside = position >= 0
    hashes = pd.util.hash_pandas_object(
        rows.loc[inside, columns].astype(str), index=False
    ).to_numpy(dtype=np.uint64)
    np.add.at(sums, position[inside], hashes)
    return sums


def _restrategised(base: pd.DataFrame, variant: pd.DataFrame) -> set[str]:
    """Orders with a node that ships in both runs under different strategies."""
    both = base[["order_id", "node_id", "strategy"]].merge(
        variant[["order_id", "node_id", "strategy"]], on=["order_id", "node_id"]
    )
    differs = both["strategy_x"].fillna("") != both["strategy_y"].fillna("")
    return set(both.loc[differs, "order_id"].astype(str))


def _nodes(shipments: pd.DataFrame, ids: pd.Index) -> list[str]:
    """Each order's shipments as `NODE (units)`, in shipment order."""
    mine = shipments[shipments["order_id"].isin(ids)]
    text = mine["node_id"].astype(str) + " (" + mine["units"].astype(str) + ")"
    joined = text.groupby(mine["order_id"].astype(str)).agg(", ".join)
    return joined.reindex(ids.astype(str)).fillna("").tolist()


# -------------------------------------------------------------------- progress


class _Stages:
    """One progress count over several replays: `stage(i)` is the callback for the
    i-th; a replay that stops early has the rest of its share counted when the next
    one starts."""

    def __init__(self, on_progress: Progress | None, sizes: list[int]):
        self.on_progress = on_progress
        self.sizes = sizes
        self.total = sum(sizes)

    def stage(self, index: int) -> Callable[[int, int], None] | None:
        return shifted(self.on_progress, sum(self.sizes[:index]), self.total)

    def finish(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.total, self.total)
