"""Compare two scenarios on the same orders: KPI deltas, and the orders whose routing
changed (nodes, strategy, status) with the reason the router's explanations give.

Both scenarios replay the same loaded tables (each with its own overrides). An order's
routing changed when the units it ships from each node, the strategies that allocated
them or its status differ. Explaining every order would cost far more than routing it,
so the changed orders are found first and then both replays are run again, explaining
only those (the first `max_reasons` of them, in routing order) and stopping after the
last one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from engine import Explanation, Policy
from simulations.decisions import STRATEGY_SEPARATOR, DecisionTables
from simulations.exports import write_csv
from simulations.inputs import Inputs
from simulations.kpis import OVERALL_KEYS, Kpis
from simulations.replay import Progress, Simulation, explain_orders, replay, within
from simulations.scenarios import Scenario

MAX_REASONS = 2_000
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
    "reason",
]
UNEXPLAINED = "not explained: more changed orders than the reasons limit"


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

    def write(self, out_dir: str | Path, title: str = "Scenario comparison") -> dict[str, Path]:
        """Write deltas.csv, changed_orders.csv, summary.json, each side's kpis.json
        (base/, variant/) and the offline comparison report.html into `out_dir`."""
        from simulations.report import write_comparison_report

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = {"deltas": out / "deltas.csv", "changed": out / "changed_orders.csv"}
        write_csv(self.deltas, written["deltas"])
        write_csv(self.changed, written["changed"])
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
    max_reasons: int = MAX_REASONS,
) -> Comparison:
    """Replay `inputs` under both scenarios and compare them.

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
    wanted = changed["order_id"].head(max_reasons).tolist() if reasons else []
    explained: list[dict[str, tuple[Explanation, ...]]] = [{}, {}]
    if wanted:
        for side, (policy, data) in enumerate(prepared):
            explained[side] = explain_orders(
                policy, data, wanted, on_progress=progress.stage(2 + side), **period
            )
    changed["reason"] = _reasons(changed, explained, first, second, limit=len(wanted), on=reasons)
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
    }
    return Comparison(
        names=(base.name, variant.name),
        base=first,
        variant=second,
        deltas=kpi_deltas(first.kpis, second.kpis),
        changed=changed[CHANGED_COLUMNS],
        summary=summary,
    )


# ------------------------------------------------------------------- KPI deltas


def kpi_deltas(base: Kpis, variant: Kpis) -> pd.DataFrame:
    """Overall, per channel and per node type: each KPI in both runs and its change."""
    rows = [
        ("overall", "all", key, base.overall[key], variant.overall[key]) for key in OVERALL_KEYS
    ]
    for breakdown, a, b in (
        ("channel", base.by_channel, variant.by_channel),
        ("node_type", base.by_node_type, variant.by_node_type),
    ):
        a, b = a.set_index(breakdown), b.set_index(breakdown)
        for group in sorted(set(a.index) | set(b.index), key=str):
            for key in a.columns:
                rows.append(
                    (breakdown, str(group), key, _cell(a, group, key), _cell(b, group, key))
                )
    rows = [(*row, None if row[3] is None or row[4] is None else row[4] - row[3]) for row in rows]
    return pd.DataFrame(rows, columns=DELTA_COLUMNS, dtype=object)


def _cell(frame: pd.DataFrame, group, key: str):
    if group not in frame.index:
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


# --------------------------------------------------------------------- reasons


def _reasons(changed, explained, base: Simulation, variant: Simulation, limit: int, on: bool):
    if not on:
        return [""] * len(changed)
    out = []
    for position, row in enumerate(changed.itertuples(index=False)):
        if position >= limit:
            out.append(UNEXPLAINED)
            continue
        out.append(
            reason_for(
                row,
                explained[0].get(row.order_id, ()),
                explained[1].get(row.order_id, ()),
                base,
                variant,
            )
        )
    return out


def reason_for(row, base_explain, variant_explain, base: Simulation, variant: Simulation) -> str:
    """Why a changed order is routed differently, from both runs' explanations."""
    parts = []
    chain_a = str(row.base_strategies or "").split(STRATEGY_SEPARATOR)
    chain_b = str(row.variant_strategies or "").split(STRATEGY_SEPARATOR)
    if chain_a[0] != chain_b[0]:
        parts.append(_primary_change(chain_a[0], chain_b[0], row, base.policy, variant.policy))
    nodes_a, nodes_b = _node_ids(row.base_nodes), _node_ids(row.variant_nodes)
    open_b = set(variant.inputs.nodes["id"].astype(str))
    for node_id in nodes_a:
        if node_id not in nodes_b:
            chosen = _chosen(base_explain, node_id)
            why = f"{node_id} is closed"
            if node_id in open_b:
                why = _view(variant_explain, node_id, chosen)
            parts.append(f"base shipped from {node_id} ({_said(chosen)}); variant did not: {why}")
    for node_id in nodes_b:
        if node_id not in nodes_a:
            chosen = _chosen(variant_explain, node_id)
            why = _view(base_explain, node_id, chosen)
            parts.append(f"variant ships from {node_id} ({_said(chosen)}); base did not: {why}")
    if row.base_status != row.variant_status:
        parts.append(f"status {row.base_status} → {row.variant_status}")
    if not parts:
        parts.append("the same nodes ship different units or under other strategies")
    return "; ".join(parts)


def _primary_change(a: str, b: str, row, base: Policy, variant: Policy) -> str:
    text = f"strategy {a or 'none'} → {b or 'none'}"
    if a and a not in variant.by_id:  # type: ignore[attr-defined]
        return f"{text} ({a} is switched off in the variant)"
    if a and not variant.strategy(a).in_force(row.created_at.to_pydatetime()):
        return f"{text} ({a} is not in force then in the variant: {_window(variant, a)})"
    if b and b in base.by_id and not base.strategy(b).in_force(row.created_at.to_pydatetime()):  # type: ignore[attr-defined]
        return f"{text} ({b} was not in force then in the base: {_window(base, b)})"
    return text


def _window(policy: Policy, strategy_id: str) -> str:
    strategy = policy.ruleset.strategy(strategy_id)
    spans = [
        f"{e.start.text() if e.start else '…'} to {e.end.text() if e.end else '…'}"
        for e in (strategy.effective if strategy is not None else [])
    ]
    return "effective " + (", ".join(spans) if spans else "always")


def _node_ids(text) -> list[str]:
    if not text:
        return []
    return [part.rsplit(" (", 1)[0] for part in str(text).split(", ")]


def _chosen(entries, node_id: str) -> Explanation | None:
    for entry in entries:
        if entry.node_id == node_id and entry.outcome == "chosen":
            return entry
    return None


def _said(entry: Explanation | None) -> str:
    return f"chosen by {entry.strategy}: {entry.detail}" if entry else "no explanation"


def _view(entries, node_id: str, chosen: Explanation | None) -> str:
    """What an explanation says about a node (excluded: the clause and the figures; or
    where it ranked), under the strategy that chose on the other side when it ran here."""
    about = [entry for entry in entries if entry.node_id == node_id]
    same = [entry for entry in about if chosen is not None and entry.strategy == chosen.strategy]
    for entry in same or about:
        if entry.outcome == "excluded":
            return f"excluded by {entry.strategy} at `{entry.clause}` ({entry.detail})"
        if entry.outcome == "ranked":
            return f"{entry.strategy} ranked it {entry.detail}"
    return "no candidate under its strategies"


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
        if self.on_progress is None:
            return None
        before = sum(self.sizes[:index])

        def report(done: int, _total: int) -> None:
            self.on_progress(min(before + done, self.total), self.total)

        return report

    def finish(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.total, self.total)
