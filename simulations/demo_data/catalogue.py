"""The demo product range (categories, prices, a long-tail popularity) and the
stock held against it: DCs deep, stores shallow and partial, weekly DC
replenishments following the season."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulations.demo_data.files import Indexed

CATEGORIES = (
    # name, share of the range, median price (EUR), price spread (log sd)
    ("apparel", 0.30, 29.0, 0.5),
    ("shoes", 0.10, 69.0, 0.4),
    ("home", 0.15, 35.0, 0.7),
    ("beauty", 0.10, 19.0, 0.5),
    ("electronics", 0.08, 129.0, 0.8),
    ("toys", 0.10, 25.0, 0.6),
    ("sports", 0.10, 45.0, 0.6),
    ("books", 0.07, 14.0, 0.3),
)
SEASON = {
    # category: demand multiplier per month, January..December
    "apparel": (1.2, 0.9, 1.0, 1.1, 1.0, 1.1, 1.1, 0.9, 1.1, 1.0, 0.9, 0.8),
    "toys": (0.6, 0.6, 0.7, 0.8, 0.7, 0.7, 0.7, 0.7, 0.8, 1.0, 1.8, 2.6),
    "electronics": (0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.9, 1.0, 1.7, 1.5),
    "sports": (1.3, 1.0, 1.0, 1.1, 1.2, 1.3, 1.2, 1.0, 1.1, 0.9, 0.8, 0.8),
    "beauty": (0.9, 1.0, 1.0, 1.0, 1.1, 1.0, 0.9, 0.9, 1.0, 1.0, 1.2, 1.5),
}
"""Months that differ from flat: toys and electronics make Christmas."""


@dataclass(frozen=True)
class Catalogue:
    sku: np.ndarray
    category: np.ndarray
    """Index into CATEGORIES for each SKU."""
    price: np.ndarray
    weight: np.ndarray
    """Popularity within its category (sums to 1 per category)."""

    @property
    def names(self) -> np.ndarray:
        return np.array([c[0] for c in CATEGORIES], dtype=object)

    def demand_share(self) -> np.ndarray:
        """Expected share of all units sold that goes to each SKU over a year."""
        share = np.array([c[1] for c in CATEGORIES])
        return share[self.category] * self.weight


def build_catalogue(skus: int, rng: np.random.Generator) -> Catalogue:
    if skus < len(CATEGORIES):
        raise ValueError(f"a demo catalogue needs at least {len(CATEGORIES)} SKUs")
    shares = np.array([c[1] for c in CATEGORIES])
    counts = np.maximum(1, np.floor(shares * skus).astype(int))
    counts[0] += skus - counts.sum()
    category = rng.permutation(np.repeat(np.arange(len(CATEGORIES)), counts))
    median = np.array([c[2] for c in CATEGORIES])[category]
    spread = np.array([c[3] for c in CATEGORIES])[category]
    raw_price = median * np.exp(rng.normal(0.0, 1.0, skus) * spread)
    price = np.maximum(2.99, np.round(raw_price) - 0.01)
    # Long tail: a Zipf-like weight on a random global popularity rank.
    rank = rng.permutation(skus)
    popularity = 1.0 / (rank + 10.0) ** 1.05
    totals = np.bincount(category, weights=popularity, minlength=len(CATEGORIES))
    width = max(5, len(str(skus)))
    sku = np.array([f"SKU-{i:0{width}d}" for i in range(1, skus + 1)], dtype=object)
    return Catalogue(sku, category, np.round(price, 2), popularity / totals[category])


def season_matrix() -> np.ndarray:
    """(12 months x categories) demand multipliers."""
    return np.array([SEASON.get(name, (1.0,) * 12) for name, *_ in CATEGORIES], dtype=float).T


def build_inventory(
    catalogue: Catalogue, nodes: pd.DataFrame, yearly_units: float, rng: np.random.Generator
) -> dict[str, object]:
    """Opening stock: node_id, sku, on_hand columns, node by node in network order."""
    units = catalogue.demand_share() * yearly_units
    percentile = np.argsort(np.argsort(-units, kind="stable"), kind="stable") / len(units)
    kinds = nodes["type"].to_numpy()
    per_type = {kind: max(1, int((kinds == kind).sum())) for kind in set(kinds)}
    capacity = nodes["capacity"].to_numpy(dtype=float)
    typical_store = np.median(capacity[kinds == "store"]) if (kinds == "store").any() else 1.0
    node_index, sku_index, stock = [], [], []
    for position, kind in enumerate(kinds):
        if kind == "dc":
            # Eight weeks of a DC's share of demand, over a floor of a few units.
            carried = (percentile < 0.5) | (rng.random(len(units)) < 0.95)
            mean = units * 8 / 52 / per_type["dc"] * 1.5
            on_hand = rng.poisson(mean) + rng.integers(2, 10, len(units))
        elif kind == "3pl":
            carried = rng.random(len(units)) < 0.5
            on_hand = rng.poisson(units * 4 / 52 * 0.3) + rng.integers(1, 6, len(units))
        elif kind == "dark_store":
            carried = percentile < 0.25
            on_hand = 1 + rng.poisson(2.0, len(units))
        else:
            size = np.clip(capacity[position] / typical_store, 0.6, 1.6)
            chance = np.clip((0.9 * (1 - percentile) ** 2 + 0.03) * size, 0, 0.97)
            carried = rng.random(len(units)) < chance
            on_hand = 1 + rng.poisson(np.minimum(5.0, units * 4 / 52 / per_type["store"] * 3))
        keep = np.flatnonzero(carried)
        node_index.append(np.full(len(keep), position, dtype=np.int64))
        sku_index.append(keep)
        stock.append(on_hand[keep].astype(np.int64))
    return {
        "node_id": Indexed(nodes["id"].to_numpy(dtype=str), np.concatenate(node_index)),
        "sku": Indexed(catalogue.sku, np.concatenate(sku_index)),
        "on_hand": np.concatenate(stock),
    }


def build_replenishments(
    catalogue: Catalogue,
    nodes: pd.DataFrame,
    yearly_units: float,
    arrivals: pd.DatetimeIndex,
    weekly_factor: np.ndarray,
) -> dict[str, object]:
    """Every DC receives, at each weekly `arrivals` time, what a week of demand
    takes for each SKU selling at least one unit a week there; `weekly_factor`
    is each week's volume against an average week."""
    dcs = np.flatnonzero(nodes["type"].to_numpy() == "dc")
    weekly = catalogue.demand_share() * yearly_units / 52 / max(len(dcs), 1)
    stocked = np.flatnonzero(weekly >= 1.0)
    qty = np.rint(np.outer(weekly_factor, weekly[stocked]) * 1.1).astype("int64")
    week, item = np.nonzero(qty > 0)
    # Week by week, every DC in network order, SKUs in catalogue order.
    week = np.repeat(week.reshape(1, -1), len(dcs), axis=0)
    item = np.repeat(item.reshape(1, -1), len(dcs), axis=0)
    node = np.repeat(dcs.reshape(-1, 1), week.shape[1], axis=1)
    order = np.lexsort((item.ravel(), node.ravel(), week.ravel()))
    week, item, node = week.ravel()[order], item.ravel()[order], node.ravel()[order]
    return {
        "node_id": Indexed(nodes["id"].to_numpy(dtype=str), node),
        "sku": Indexed(catalogue.sku, stocked[item]),
        "at": Indexed(arrivals, week),
        "qty": qty[week, item],
    }
