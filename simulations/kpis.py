"""The simulation KPIs of kpis.md, overall and per channel, node type and day.

Every figure is computed from the decision tables (simulations.decisions) so it can be
traced back to the orders behind it with :func:`orders_behind`. Empty denominators give
``None`` (JSON null), never NaN.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd

from engine.backorders import Release
from engine.columns import DEFAULT_CO2_KG_PER_KM as CO2_KG_PER_KM
from simulations.bound_figures import BOUND_KEYS, Bound
from simulations.decisions import FAILED_STATUSES, DecisionTables, in_days
from simulations.promise_kpis import (
    NODE_TYPE_PROMISE_KEYS,
    PROMISE_KEYS,
    by_carrier,
    carrier_mix,
    node_type_promise,
    promise_figures,
    promise_measures,
    promised_days,
    shipment_co2,
)
from simulations.return_kpis import RETURN_COUNT_KEYS, RETURN_KEYS, rates, return_figures
from simulations.stock_ledger import StockWalk, walk_stock
from simulations.transfer_kpis import (
    TRANSFER_COUNT_KEYS,
    TRANSFER_KEYS,
    run_days,
    transfer_figures,
    transfer_measures,
)

KPIS_FORMAT = 1
OVERALL_KEYS = (
    "orders",
    "lines",
    "units",
    "fill_rate",
    "complete_rate",
    "partial_rate",
    "backorder_rate",
    "unroutable_rate",
    "split_rate",
    "shipments_per_order",
    "avg_distance_km",
    "p90_distance_km",
    "cost_per_order",
    "avg_eta_days",
    "on_time_rate",
    "protection_breaches",
    "store_stockouts",
    "node_utilisation",
    "capacity_overflows",
    "co2_kg",
)
BACKORDER_KEYS = ("units_released", "backorder_days_mean", "backorder_days_p90")
"""Backorders released when stock arrived: units, and the days each released unit
waited from its order's routing to its release (mean, p90; None when none was)."""
HEADLINE_KEYS = (
    "orders",
    "fill_rate",
    "complete_rate",
    "unroutable_rate",
    "split_rate",
    "shipments_per_order",
    "avg_distance_km",
    "cost_per_order",
    "avg_eta_days",
    "on_time_rate",
    "protection_breaches",
    "store_stockouts",
    "capacity_overflows",
    "node_utilisation",
    "co2_kg",
    "backorder_rate",
)
"""The overall figures a reader looks at first, in the order the studio's cards and
the command line's summaries show them."""
COUNT_KEYS = frozenset(
    {
        "orders",
        "lines",
        "units",
        "shipments",
        "protection_breaches",
        "store_stockouts",
        "capacity_overflows",
        "promised_orders",
        "missed_cutoff_orders",
        "capped_parcels",
        "units_released",
        *TRANSFER_COUNT_KEYS,
        *RETURN_COUNT_KEYS,
    }
)
CAPACITY_KEYS = ("node_utilisation", "capacity_overflows")
NODE_TYPE_KEYS = (
    "orders",
    "shipments",
    "units",
    "share_of_units",
    "shipments_per_order",
    "avg_distance_km",
    "p90_distance_km",
    "cost",
    "cost_per_order",
    "avg_eta_days",
    "protection_breaches",
    "store_stockouts",
    "node_utilisation",
    "capacity_overflows",
    "co2_kg",
)
TABLE_SECTIONS = (
    "by_channel",
    "by_node_type",
    "by_day",
    "node_utilisation",
    "breaches",
    "stockouts",
)
CARRIER_SECTIONS = ("carrier_mix", "by_carrier")
RETURN_SECTIONS = ("returns_by_channel", "returns_by_category")
UTILISATION_COLUMNS = [
    "node_id",
    "node_type",
    "day",
    "orders_shipped",
    "capacity",
    "utilisation",
    "overflow",
]


@dataclass(frozen=True)
class Kpis:
    """KPI figures of one simulation run: overall, breakdowns and the detail behind them."""

    overall: dict
    by_channel: pd.DataFrame
    by_node_type: pd.DataFrame
    by_day: pd.DataFrame
    node_utilisation: pd.DataFrame
    breaches: pd.DataFrame
    stockouts: pd.DataFrame
    co2_kg_per_km: float = field(default=CO2_KG_PER_KM)
    carrier_mix: pd.DataFrame | None = None
    """A run with carriers: shipments, share, cost... per carrier service (docs/kpis.md)."""
    by_carrier: pd.DataFrame | None = None
    """A run with carriers: the carrier mix summed per carrier."""
    backorders: dict | None = None
    """A run where an order can wait for stock: BACKORDER_KEYS (docs/kpis.md)."""
    collect: bool = False
    """A run with collect orders: TRANSFER_KEYS are there (docs/kpis.md)."""
    returns: dict | None = None
    """A run with returns: RETURN_KEYS (docs/kpis.md, "Returns")."""
    returns_by_channel: pd.DataFrame | None = None
    """A run with returns: units ordered and returned, and the return rate, per channel."""
    returns_by_category: pd.DataFrame | None = None
    """The same per product category."""
    bound: Bound | None = None
    """A run with the bound (`simulations.bound`): BOUND_KEYS are there (docs/kpis.md)."""

    @property
    def carriers(self) -> bool:
        """Whether the run had carriers (the promise figures are there)."""
        return self.carrier_mix is not None

    @property
    def keys(self) -> tuple[str, ...]:
        """The overall figures of this run: OVERALL_KEYS, then PROMISE_KEYS with carriers,
        TRANSFER_KEYS with collect orders, BACKORDER_KEYS when an order can wait for
        stock, then RETURN_KEYS with returns, then BOUND_KEYS with the bound."""
        keys = OVERALL_KEYS + PROMISE_KEYS if self.carriers else OVERALL_KEYS
        keys = keys + TRANSFER_KEYS if self.collect else keys
        keys = keys + BACKORDER_KEYS if self.backorders is not None else keys
        keys = keys + RETURN_KEYS if self.returns is not None else keys
        return keys + BOUND_KEYS if self.bound is not None else keys

    @property
    def sections(self) -> tuple[str, ...]:
        """The tables of kpis.json: TABLE_SECTIONS, the carrier tables with carriers,
        then the return rates with returns."""
        sections = TABLE_SECTIONS + CARRIER_SECTIONS if self.carriers else TABLE_SECTIONS
        return sections + RETURN_SECTIONS if self.returns is not None else sections

    def to_dict(self) -> dict:
        """The kpis.json document as plain JSON values (dates as ISO text, gaps as None)."""
        return {
            "format": KPIS_FORMAT,
            "co2_kg_per_km": self.co2_kg_per_km,
            "overall": {key: _plain(self.overall[key]) for key in self.keys},
            **{name: _records(getattr(self, name)) for name in self.sections},
        }

    def to_json(self) -> str:
        """The kpis.json document as text: one section per line, one table row per line
        (each row as ``json.dumps`` writes the row of :meth:`to_dict`)."""
        encode = json.JSONEncoder(allow_nan=False).encode
        overall = ",\n    ".join(
            f"{encode(key)}: {encode(_plain(self.overall[key]))}" for key in self.keys
        )
        parts = [
            f'  "format": {encode(KPIS_FORMAT)}',
            f'  "co2_kg_per_km": {encode(self.co2_kg_per_km)}',
            f'  "overall": {{\n    {overall}\n  }}',
        ]
        for name in self.sections:
            rows = _json_rows(getattr(self, name))
            text = "[\n    " + ",\n    ".join(rows) + "\n  ]" if rows else "[]"
            parts.append(f"  {encode(name)}: {text}")
        return "{\n" + ",\n".join(parts) + "\n}\n"


def with_returns(
    kpis: Kpis,
    lines: pd.DataFrame,
    tables: DecisionTables,
    orders: pd.DataFrame,
    baseline: Kpis,
) -> Kpis:
    """`kpis` with the returns figures of the returned `lines` (RETURN_KEYS), the
    return rates per channel and category, and the fill rate gained over `baseline`
    (the same replay without the returns)."""
    ids = set(tables.orders["order_id"].astype(str))
    ordered = orders[orders["order_id"].astype(str).isin(ids)]
    figures = return_figures(lines, tables.allocations, int(tables.orders["units_ordered"].sum()))
    fill, base = kpis.overall.get("fill_rate"), baseline.overall.get("fill_rate")
    figures["fill_rate_gain"] = None if fill is None or base is None else fill - base
    return replace(
        kpis,
        returns=figures,
        overall={**kpis.overall, **figures},
        returns_by_channel=rates(lines, ordered, "channel"),
        returns_by_category=rates(lines, ordered, "category"),
    )


def backorder_figures(releases: list[Release]) -> dict:
    """BACKORDER_KEYS from a replay's releases: each released unit counts once."""
    units = np.array([r.units for r in releases], dtype=np.int64)
    waited = np.repeat(np.array([r.waited_days for r in releases], dtype=float), units)
    return {
        "units_released": int(units.sum()),
        "backorder_days_mean": float(waited.mean()) if len(waited) else None,
        "backorder_days_p90": percentile_90(waited) if len(waited) else None,
    }


def compute_kpis(
    tables: DecisionTables,
    nodes: pd.DataFrame,
    inventory: pd.DataFrame,
    *,
    keep_levels: pd.DataFrame | None = None,
    replenishments: pd.DataFrame | None = None,
    co2_kg_per_km: float = CO2_KG_PER_KM,
    days: tuple[date | None, date | None] | None = None,
) -> Kpis:
    """Compute every kpis.md figure for a run from its decision tables.

    ``keep_levels`` (strategy, node_id, keep) is the protected stock of each strategy at
    each node, as compiled from the ruleset; ``replenishments`` (node_id, sku, at, qty) the
    stock that arrived during the run. ``days`` (first, last; local days, both included,
    None for an open side) narrows every figure to the orders of that period: the stock is
    still walked through the whole run, so a breach or stock-out in the period is one the
    run really met there.
    """
    walk = walk_stock(tables, inventory, keep_levels, replenishments)
    utilisation = node_utilisation(tables, nodes)
    if days is not None:
        first, last = days
        tables = tables.between(first, last)
        walk = StockWalk(in_days(walk.breaches, first, last), in_days(walk.stockouts, first, last))
        utilisation = in_days(utilisation, first, last)
    orders, shipments = tables.orders, tables.shipments
    promised = tables.carriers
    measures = _order_measures(orders)
    km = shipments["distance_km"].astype("float64")
    if promised:
        measures = pd.concat([measures, promise_measures(orders)], axis=1)
        co2 = pd.Series(shipment_co2(shipments, co2_kg_per_km), index=shipments.index)
        days_promised = promised_days(orders)
    collect = tables.collect
    if collect:
        measures = pd.concat([measures, transfer_measures(orders)], axis=1)
        days_of_run = run_days(orders)
    daily_use = utilisation.groupby("day").agg(
        mean=("utilisation", "mean"), overflows=("overflow", "sum")
    )

    def breakdown(key: str, values, with_capacity: bool) -> list[dict]:
        sums = measures.groupby(orders[key]).sum().reindex(values, fill_value=0)
        reach = km.groupby(shipments[key]).agg(["size", "sum"])
        p90 = km.groupby(shipments[key]).quantile(0.9)  # linear, as numpy's default
        breaches = walk.breaches[key].value_counts()
        stockouts = walk.stockouts[key].value_counts()
        if promised:
            group_co2 = co2.groupby(shipments[key]).sum()
            group_p90 = days_promised.groupby(orders.loc[days_promised.index, key]).quantile(0.9)
        rows = []
        for value in values:
            use = None
            if with_capacity:
                use = (daily_use["mean"].get(value), daily_use["overflows"].get(value, 0))
            figures = _figures(
                sums.loc[value],
                (reach["size"].get(value, 0), reach["sum"].get(value, 0.0), p90.get(value)),
                (breaches.get(value, 0), stockouts.get(value, 0)),
                use,
                co2_kg_per_km,
            )
            if promised:
                figures["co2_kg"] = float(group_co2.get(value, 0.0))
                figures.update(promise_figures(sums.loc[value], group_p90.get(value)))
            if collect:
                period = 1 if key == "day" else days_of_run
                figures.update(transfer_figures(sums.loc[value], period))
            rows.append({key: value, **figures})
        return rows

    total = measures.sum()
    overall = _figures(
        total,
        (len(km), km.sum(), percentile_90(km.to_numpy())),
        (len(walk.breaches), len(walk.stockouts)),
        (utilisation["utilisation"].mean(), utilisation["overflow"].sum()),
        co2_kg_per_km,
    )
    mix = None
    if promised:
        overall["co2_kg"] = float(co2.sum())
        overall.update(promise_figures(total, percentile_90(days_promised.to_numpy())))
        mix = carrier_mix(shipments, co2_kg_per_km)
    if collect:
        overall.update(transfer_figures(total, days_of_run))
    channels = sorted(orders["channel"].dropna().unique())
    by_node_type = [
        {
            "node_type": node_type,
            **_node_type_figures(node_type, tables, walk, utilisation, co2_kg_per_km),
        }
        for node_type in sorted(nodes["type"].dropna().astype(str).unique())
    ]
    extra = (PROMISE_KEYS if promised else ()) + (TRANSFER_KEYS if collect else ())
    channel_keys = [k for k in OVERALL_KEYS + extra if k not in CAPACITY_KEYS]
    type_keys = NODE_TYPE_KEYS + (NODE_TYPE_PROMISE_KEYS if promised else ())
    return Kpis(
        overall=overall,
        by_channel=_frame(breakdown("channel", channels, False), "channel", channel_keys),
        by_node_type=_frame(by_node_type, "node_type", type_keys),
        by_day=_frame(breakdown("day", list(daily_use.index), True), "day", OVERALL_KEYS + extra),
        node_utilisation=utilisation,
        breaches=walk.breaches,
        stockouts=walk.stockouts,
        co2_kg_per_km=co2_kg_per_km,
        carrier_mix=mix,
        by_carrier=None if mix is None else by_carrier(mix),
        collect=collect,
    )


def node_utilisation(tables: DecisionTables, nodes: pd.DataFrame) -> pd.DataFrame:
    """Per node and day of the run: orders shipped ÷ capacity (NA when capacity is unlimited).

    The run's days are every calendar day from the first to the last order's local day.
    ``overflow`` marks a node-day that shipped more orders than its capacity.
    """
    orders = tables.orders
    if orders.empty:
        return pd.DataFrame(columns=UTILISATION_COLUMNS)
    first, last = min(orders["day"]), max(orders["day"])
    days = [d.date() for d in pd.date_range(first, last, freq="D")]
    node_ids = nodes["id"].astype(str).tolist()
    grid = pd.MultiIndex.from_product([node_ids, days], names=["node_id", "day"])
    shipped = (
        tables.shipments.groupby(["node_id", "day"])["order_id"].nunique().reindex(grid).fillna(0)
    )
    node = nodes.assign(id=nodes["id"].astype(str)).set_index("id")
    capacity = pd.array(node["capacity"].reindex(grid.get_level_values(0)), dtype="Int64")
    orders_shipped = shipped.to_numpy(dtype="int64")
    limited = (capacity > 0).fillna(False).to_numpy(dtype=bool)
    utilisation = np.full(len(grid), np.nan)
    utilisation[limited] = orders_shipped[limited] / capacity[limited].to_numpy(dtype="float64")
    return pd.DataFrame(
        {
            "node_id": grid.get_level_values(0).astype(str),
            "node_type": node["type"].reindex(grid.get_level_values(0)).astype(str).to_numpy(),
            "day": list(grid.get_level_values(1)),
            "orders_shipped": orders_shipped,
            "capacity": capacity,
            "utilisation": utilisation,
            "overflow": (orders_shipped > capacity).fillna(False).to_numpy(dtype=bool),
        }
    )


def _order_measures(orders: pd.DataFrame) -> pd.DataFrame:
    """Per-order counts and amounts whose sums over any set of orders give its KPIs."""
    allocated = orders["units_allocated"].to_numpy(dtype="int64")
    ordered = orders["units_ordered"].to_numpy(dtype="int64")
    shipments = orders["n_shipments"].to_numpy(dtype="int64")
    routed = orders["routed"].to_numpy(dtype=bool)
    judged = orders["on_time"].notna().to_numpy()  # routed orders with a promise to keep
    on_time = orders["on_time"].fillna(False).to_numpy(dtype=bool)
    return pd.DataFrame(
        {
            "orders": np.ones(len(orders), dtype="int64"),
            "lines": orders["lines"].to_numpy(dtype="int64"),
            "units": ordered,
            "allocated": allocated,
            "complete": (allocated >= ordered).astype("int64"),
            "partial": ((allocated > 0) & (allocated < ordered)).astype("int64"),
            "backordered": (orders["units_backordered"].to_numpy() > 0).astype("int64"),
            "failed": orders["status"].isin(FAILED_STATUSES).to_numpy(dtype="int64"),
            "routed": routed.astype("int64"),
            "split": (routed & (shipments >= 2)).astype("int64"),
            "shipments": np.where(routed, shipments, 0),
            "cost": np.where(routed, orders["cost"].to_numpy(dtype="float64"), 0.0),
            "eta": np.where(routed, orders["eta_days"].fillna(0).to_numpy(dtype="float64"), 0.0),
            "judged": judged.astype("int64"),
            "on_time": (judged & on_time).astype("int64"),
        },
        index=orders.index,
    )


def _figures(m, reach: tuple, stock: tuple, use: tuple | None, co2_kg_per_km: float) -> dict:
    """The OVERALL_KEYS figures from summed order measures and shipment distances.

    ``reach`` is (shipments, Σ km, p90 km), ``stock`` (breaches, stock-outs) and ``use``
    (mean utilisation, overflows) or None where capacity does not apply.
    """
    shipments, total_km, p90 = reach
    orders, routed = int(m["orders"]), int(m["routed"])
    figures = {
        "orders": orders,
        "lines": int(m["lines"]),
        "units": int(m["units"]),
        "fill_rate": _ratio(m["allocated"], m["units"]),
        "complete_rate": _ratio(m["complete"], orders),
        "partial_rate": _ratio(m["partial"], orders),
        "backorder_rate": _ratio(m["backordered"], orders),
        "unroutable_rate": _ratio(m["failed"], orders),
        "split_rate": _ratio(m["split"], routed),
        "shipments_per_order": _ratio(m["shipments"], routed),
        "avg_distance_km": _ratio(total_km, shipments),
        "p90_distance_km": _number(p90) if shipments else None,
        "cost_per_order": _ratio(m["cost"], routed),
        "avg_eta_days": _ratio(m["eta"], routed),
        "on_time_rate": _ratio(m["on_time"], m["judged"]),
        "protection_breaches": int(stock[0]),
        "store_stockouts": int(stock[1]),
        "node_utilisation": None,
        "capacity_overflows": None,
        "co2_kg": float(total_km) * co2_kg_per_km,
    }
    if use is not None:
        figures["node_utilisation"] = _number(use[0])
        figures["capacity_overflows"] = int(use[1])
    return figures


def _node_type_figures(
    node_type: str,
    tables: DecisionTables,
    walk: StockWalk,
    utilisation: pd.DataFrame,
    co2_kg_per_km: float,
) -> dict:
    """Shipment-level figures for the nodes of one type."""
    shipments = tables.shipments[tables.shipments["node_type"] == node_type]
    served = shipments["order_id"].nunique()
    km = shipments["distance_km"].to_numpy(dtype="float64")
    cost = float(shipments["cost"].sum())
    used = utilisation[utilisation["node_type"] == node_type]
    promise = {}
    co2 = float(km.sum()) * co2_kg_per_km
    if tables.carriers:
        promise = node_type_promise(shipments)
        co2 = float(shipment_co2(shipments, co2_kg_per_km).sum())
    return {
        "orders": int(served),
        "shipments": len(shipments),
        "units": int(shipments["units"].sum()),
        "share_of_units": _ratio(shipments["units"].sum(), tables.shipments["units"].sum()),
        "shipments_per_order": _ratio(len(shipments), served),
        "avg_distance_km": _mean(km),
        "p90_distance_km": percentile_90(km),
        "cost": cost,
        "cost_per_order": _ratio(cost, served),
        "avg_eta_days": _mean(shipments["eta_days"].to_numpy(dtype="float64")),
        "protection_breaches": int((walk.breaches["node_type"] == node_type).sum()),
        "store_stockouts": int((walk.stockouts["node_type"] == node_type).sum()),
        "node_utilisation": _mean(used["utilisation"].dropna().to_numpy()),
        "capacity_overflows": int(used["overflow"].sum()),
        "co2_kg": co2,
        **promise,
    }


def _ratio(numerator, denominator) -> float | None:
    """numerator ÷ denominator, None when the denominator is 0."""
    if not denominator:
        return None
    return float(numerator) / float(denominator)


def _number(value) -> float | None:
    """A float, None for a missing value (NaN or NA)."""
    return None if value is None or pd.isna(value) else float(value)


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if len(values) else None


def percentile_90(values: np.ndarray) -> float | None:
    """90th percentile with linear interpolation (numpy's default method)."""
    return float(np.percentile(values, 90)) if len(values) else None


def _frame(rows: list[dict], key: str, columns) -> pd.DataFrame:
    """A breakdown table: the key column then the KPI columns (counts Int64, rest float)."""
    frame = pd.DataFrame(rows, columns=[key, *columns])
    for column in columns:
        dtype = "Int64" if column in COUNT_KEYS else "float64"
        frame[column] = pd.to_numeric(frame[column]).astype(dtype)
    return frame


def _plain(value):
    """A JSON-ready scalar: NA/NaN become None, dates ISO text, numpy numbers Python ones."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        return None if math.isnan(value) else float(value)
    return value


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows of a table as JSON-ready dicts."""
    columns = {c: _plain_column(frame[c]) for c in frame.columns}
    return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _plain_column(values: pd.Series) -> list:
    """A column as JSON-ready values (what :func:`_plain` gives for each), converted whole
    for numpy numbers and once per distinct value otherwise."""
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return values.tolist()  # Python ints and bools
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        out = values.tolist()
        return [None if math.isnan(v) else v for v in out] if values.isna().any() else out
    return _per_distinct(values, _plain)


def _per_distinct(values: pd.Series, convert) -> list:
    """``convert`` of each value, computed once per distinct value (a missing value is
    converted as None)."""
    if values.dtype == object and len({type(v) for v in values.tolist()}) > 1:
        return [convert(v) for v in values.tolist()]  # mixed types: 1 and True are equal
    codes, uniques = pd.factorize(values)
    converted = np.empty(len(uniques) + 1, dtype=object)  # the last one for code -1
    converted[:-1] = [convert(v) for v in pd.Series(uniques).astype(object).tolist()]
    converted[-1] = convert(None)
    return converted[codes].tolist()


def _json_rows(frame: pd.DataFrame) -> list[str]:
    """Each row of a table as one line of JSON, the text ``json.dumps`` gives its record.

    Built column by column (numbers as the json module writes them, other values encoded
    once per distinct value), then one format call per row.
    """
    encode = json.JSONEncoder(allow_nan=False).encode
    columns = [_json_column(frame[column], encode) for column in frame.columns]
    keys = [encode(str(column)).replace("{", "{{").replace("}", "}}") for column in frame.columns]
    template = "{{" + ", ".join(f"{key}: {{}}" for key in keys) + "}}"
    return [template.format(*row) for row in zip(*columns, strict=True)]


def _json_column(values: pd.Series, encode) -> list[str]:
    """A column's values as JSON text, as ``encode`` writes what :func:`_plain` gives."""
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        return list(map(str, values.tolist()))
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        return np.where(values.to_numpy(), "true", "false").tolist()
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        numbers = values.to_numpy(dtype="float64")
        if np.isinf(numbers).any():
            raise ValueError("Out of range float values are not JSON compliant")
        out = list(map(float.__repr__, numbers.tolist()))
        for at in np.flatnonzero(np.isnan(numbers)):
            out[at] = "null"
        return out
    return _per_distinct(values, lambda value: encode(_plain(value)))
