"""The demo's delivery-promise data: a French carrier table, the French public
holidays as closures, each node's cut-off time, open days and preparation
days, and a weight for every product.

Each part draws from its own random stream, never from the streams of the
network, the catalogue, the stock or the orders: adding these columns and
tables leaves every other value of the demo as it was.
"""

from __future__ import annotations

import holidays
import numpy as np
import pandas as pd

from engine.columns import CARRIER_COLUMNS
from simulations.demo_data.catalogue import CATEGORIES, Catalogue

CARRIERS = (
    # carrier, service, countries, node_types, max_weight_kg, max_km, transit_days,
    # pickup_days, delivery_days, cost_base, cost_per_kg, cost_per_km, co2_per_km,
    # daily_parcels (None: no limit / unlimited)
    ("colissimo", "standard", "FR", "", 30.0, None, 2, "Mon-Fri", "Mon-Sat",
     4.95, 0.25, 0.0, 0.08, None),
    ("chronopost", "express", "FR", "", 30.0, None, 1, "Mon-Fri", "Mon-Sat",
     9.90, 0.45, 0.0, 0.14, 120),
    ("stuart", "same_day", "FR", "store;dark_store", 15.0, 30.0, 0, "Mon-Sat", "Mon-Sat",
     7.90, 0.0, 0.45, 0.05, 25),
    ("geodis", "freight", "FR", "dc", 1000.0, None, 3, "Mon-Fri", "Mon-Fri",
     39.00, 0.35, 0.02, 0.25, None),
)  # fmt: skip
"""A postal standard service (48 h, Saturday delivery), a next-day express
capped per node and day, a same-day courier from stores within 30 km, and a
freight service for bulky goods from the DCs. Prices in € are plausible, not
any carrier's tariff."""

NODE_CALENDAR = {
    # type: (cut-off choices, open days, preparation days)
    "dc": (("18:00", "19:00", "20:00"), "Mon-Sat", 0),
    "3pl": (("17:00",), "Mon-Fri", 1),
    "dark_store": (("21:00",), "Mon-Sun", 0),
    "store": (("14:00", "15:00", "16:00"), "Mon-Sat", 0),
}
"""DCs pick until the evening trucks (18:00–20:00; Paris and Lyon 20:00), stores
until the afternoon collection (14:00–16:00; flagships 16:00), the outsourced
3PL needs a day and works weekdays, dark stores work every day."""
LATEST_CUTOFF_DCS = ("DC-PARIS", "DC-LYON")

WEIGHT_KG = {
    # category: (median kg per unit, log spread)
    "apparel": (0.35, 0.5),
    "shoes": (1.0, 0.3),
    "home": (1.8, 0.9),
    "beauty": (0.25, 0.5),
    "electronics": (1.2, 1.0),
    "toys": (0.7, 0.7),
    "sports": (1.4, 0.8),
    "books": (0.45, 0.4),
}
BULKY_CATEGORIES = ("home", "sports", "electronics")
BULKY_SHARE = 0.03
"""The priciest 3 % of home, sports and electronics products (furniture,
fitness machines, large screens) weigh 31–80 kg: more than a parcel carrier
takes (30 kg), so only the freight service carries them."""


def carriers_table() -> dict[str, object]:
    """The carriers table as columns (empty cells where a limit is none)."""
    columns = dict(zip(CARRIER_COLUMNS, zip(*CARRIERS, strict=True), strict=True))
    table: dict[str, object] = {}
    for name, values in columns.items():
        if name in ("max_weight_kg", "max_km"):
            table[name] = pd.Series([np.nan if v is None else v for v in values], dtype=float)
        elif name == "daily_parcels":
            table[name] = pd.Series(list(values), dtype="Int64")
        elif name == "transit_days":
            table[name] = np.array(values, dtype=np.int64)
        else:
            table[name] = np.array(values, dtype=float if name.startswith(("cost", "co2")) else str)
    return table


def closures_table(first_year: int, last_year: int) -> dict[str, object]:
    """The French public holidays of the years, as closures of every node and
    carrier (scope `all`), from the `holidays` package (metropolitan France, the
    names in French)."""
    found = holidays.country_holidays("FR", years=range(first_year, last_year + 1), language="fr")
    days = sorted(found.items())
    return {
        "date": pd.Series([day for day, _ in days], dtype=object),
        "scope": np.array(["all"] * len(days), dtype=str),
        "id": np.array([""] * len(days), dtype=str),
        "reason": np.array([name for _, name in days], dtype=str),
    }


def node_calendar(network: pd.DataFrame, rng: np.random.Generator) -> dict[str, object]:
    """Each node's `cutoff`, `open_days` and `prep_days`, by type (NODE_CALENDAR)."""
    cutoffs, open_days, prep = [], [], []
    for node_id, kind, tags in network[["id", "type", "tags"]].itertuples(index=False):
        choices, days, prep_days = NODE_CALENDAR[kind]
        cutoff = choices[int(rng.integers(len(choices)))]
        if node_id in LATEST_CUTOFF_DCS or "flagship" in str(tags).split(";"):
            cutoff = choices[-1]
        cutoffs.append(cutoff)
        open_days.append(days)
        prep.append(prep_days)
    return {
        "cutoff": np.array(cutoffs, dtype=str),
        "open_days": np.array(open_days, dtype=str),
        "prep_days": np.array(prep, dtype=np.int64),
    }


def product_weights(catalogue: Catalogue, rng: np.random.Generator) -> np.ndarray:
    """kg per unit of each SKU: log-normal around its category's median (at least
    50 g), and BULKY_SHARE of the priciest bulky-category SKUs at 31–80 kg."""
    names = [c[0] for c in CATEGORIES]
    median = np.array([WEIGHT_KG[name][0] for name in names])[catalogue.category]
    spread = np.array([WEIGHT_KG[name][1] for name in names])[catalogue.category]
    weight = np.maximum(0.05, median * np.exp(rng.normal(0.0, 1.0, len(median)) * spread))
    bulky_kind = np.isin(catalogue.category, [names.index(n) for n in BULKY_CATEGORIES])
    candidates = np.flatnonzero(bulky_kind)
    if len(candidates):
        count = max(1, int(round(len(candidates) * BULKY_SHARE)))
        priciest = candidates[np.argsort(-catalogue.price[candidates], kind="stable")[:count]]
        weight[priciest] = rng.uniform(31.0, 80.0, len(priciest))
    return np.round(weight, 2)


def holiday_years(dates: pd.DatetimeIndex) -> tuple[int, int]:
    """The years of the order period and the one after (a promise made in late
    December lands in January)."""
    return int(dates[0].year), int(dates[-1].year) + 1
