"""A year of demo order lines: when (the retail calendar), who (channel, tier),
where to (population of French cities, or a store near the customer for click
and collect) and what (basket sizes, categories by season, long-tail SKUs)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulations.demo_data import calendar
from simulations.demo_data.catalogue import CATEGORIES, Catalogue, season_matrix
from simulations.demo_data.files import Indexed
from simulations.demo_data.network import district_km
from simulations.geography import REGIONS, french_cities, haversine_km, jitter

TIMEZONE = "Europe/Paris"
CHANNELS = ("web", "marketplace", "store", "b2b")
CHANNEL_SHARE = (0.62, 0.18, 0.12, 0.08)
DELIVERIES = ("home", "collect", "express")
TIERS = ("standard", "vip", "b2b")
REGION_NAMES = tuple(REGIONS.values())
DELIVERY_SHARE = {
    "web": (0.66, 0.24, 0.10),
    "marketplace": (0.88, 0.0, 0.12),
    "store": (0.45, 0.55, 0.0),
    "b2b": (1.0, 0.0, 0.0),
}
VIP_SHARE = 0.05
VIP_DELIVERY_SHARE = (0.45, 0.20, 0.35)
LINES_SHARE = (0.55, 0.25, 0.11, 0.06, 0.03)
"""1..5 lines per consumer order: mostly one or two."""
B2B_LINES_SHARE = (0.20, 0.20, 0.15, 0.12, 0.10, 0.09, 0.08, 0.06)
QTY = ((1, 2, 3, 4), (0.86, 0.10, 0.03, 0.01))
B2B_QTY = ((2, 3, 4, 5, 6, 10, 12, 20, 24), (0.15, 0.15, 0.12, 0.12, 0.12, 0.12, 0.1, 0.06, 0.06))
HOURS = {
    # relative orders per hour of the day, 00h..23h
    "web": (
        2,
        1,
        0.6,
        0.4,
        0.4,
        0.6,
        1.5,
        3,
        4,
        5,
        5.5,
        6,
        7,
        6.5,
        5.5,
        5,
        5,
        5.5,
        6,
        7,
        8.5,
        8,
        6,
        4,
    ),
    "store": (0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 6, 7, 6, 5, 6, 7, 7, 8, 8, 6, 2, 0, 0, 0),
    "b2b": (0, 0, 0, 0, 0, 0, 0.5, 3, 8, 9, 9, 8, 4, 5, 8, 8, 7, 5, 2, 0.5, 0, 0, 0, 0),
}
HOURS["marketplace"] = HOURS["web"]
PROMISED_DAYS = {"home": 3.0, "collect": 2.0, "express": 1.0}
DISCOUNTED_SHARE = 0.6
"""Share of lines sold at the promotional price on promotion days."""
COLLECT_CHOICE = (0.7, 0.2, 0.1)
"""A customer collects at the nearest store of their city, else the 2nd or 3rd."""


def mean_units_per_order() -> float:
    """Expected units per order, to size stock against the order count."""
    consumer = np.dot(np.arange(1, 6), LINES_SHARE) * np.dot(*QTY)
    b2b = np.dot(np.arange(1, 9), B2B_LINES_SHARE) * np.dot(*B2B_QTY)
    return float((1 - CHANNEL_SHARE[3]) * consumer + CHANNEL_SHARE[3] * b2b)


def build_orders(
    count: int,
    dates: pd.DatetimeIndex,
    catalogue: Catalogue,
    nodes: pd.DataFrame,
    rng: np.random.Generator,
) -> dict[str, object]:
    """Order lines as column arrays, orders in time order, ids in that order."""
    weights = calendar.demand(dates)
    day = np.repeat(np.arange(len(dates)), rng.multinomial(count, weights / weights.sum()))
    channel = rng.choice(len(CHANNELS), size=count, p=CHANNEL_SHARE)
    second = np.empty(count, dtype=np.int64)
    for c, name in enumerate(CHANNELS):
        mask = channel == c
        hour_p = np.asarray(HOURS[name], dtype=float)
        hour = rng.choice(24, size=int(mask.sum()), p=hour_p / hour_p.sum())
        second[mask] = hour * 3600 + rng.integers(0, 3600, int(mask.sum()))
    order = np.lexsort((second, day))
    day, channel, second = day[order], channel[order], second[order]
    local = pd.DatetimeIndex(
        dates.to_numpy()[day].astype("datetime64[s]") + second.astype("timedelta64[s]")
    )
    created = local.tz_localize(
        TIMEZONE, ambiguous=np.ones(count, dtype=bool), nonexistent="shift_forward"
    )

    vip = (channel != 3) & (rng.random(count) < VIP_SHARE)
    tier = np.where(channel == 3, 2, np.where(vip, 1, 0))
    delivery = np.empty(count, dtype=np.int64)
    for c, name in enumerate(CHANNELS):
        for is_vip in (False, True):
            mask = (channel == c) & (vip == is_vip)
            share = VIP_DELIVERY_SHARE if is_vip and name == "web" else DELIVERY_SHARE[name]
            delivery[mask] = rng.choice(3, size=int(mask.sum()), p=share)

    where = _destinations(count, delivery == 1, nodes, rng)
    promised = np.array([PROMISED_DAYS[d] for d in DELIVERIES])[delivery]
    promised = np.where((tier == 1) & (delivery == 0), 2.0, promised)
    promised = np.where(tier == 2, 5.0, promised)

    b2b = channel == 3
    lines = np.where(
        b2b,
        1 + rng.choice(len(B2B_LINES_SHARE), size=count, p=B2B_LINES_SHARE),
        1 + rng.choice(len(LINES_SHARE), size=count, p=LINES_SHARE),
    )
    of = np.repeat(np.arange(count), lines)
    sku = _pick_skus(of, dates.month.to_numpy()[day[of]], catalogue, rng)
    qty = np.where(
        b2b[of],
        rng.choice(B2B_QTY[0], size=len(of), p=B2B_QTY[1]),
        rng.choice(QTY[0], size=len(of), p=QTY[1]),
    )
    off = calendar.discount(dates)[day[of]]
    discounted = rng.random(len(of)) < DISCOUNTED_SHARE
    price = np.round(catalogue.price[sku] * np.where(discounted, 1.0 - off, 1.0), 2)

    width = max(7, len(str(count)))
    ids = np.strings.add("O", np.strings.zfill(np.arange(1, count + 1).astype(str), width))
    return {
        "order_id": Indexed(ids, of),
        "created_at": Indexed(created, of),
        "channel": Indexed(np.array(CHANNELS), channel[of]),
        "delivery": Indexed(np.array(DELIVERIES), delivery[of]),
        "collect_node": Indexed(where["node_ids"], where["collect_node"][of]),
        "tier": Indexed(np.array(TIERS), tier[of]),
        "dest_lat": np.round(where["lat"], 5)[of],
        "dest_lon": np.round(where["lon"], 5)[of],
        "country": Indexed(np.array(["FR"]), np.zeros(len(of), dtype=np.int64)),
        "region": Indexed(np.array(REGION_NAMES), where["region"][of]),
        "promised_days": promised[of],
        "sku": Indexed(catalogue.sku, sku),
        "qty": qty.astype("int64"),
        "unit_price": price,
        "category": Indexed(catalogue.names, catalogue.category[sku]),
    }


def _destinations(count: int, collect: np.ndarray, nodes: pd.DataFrame, rng) -> dict:
    """Home addresses around real cities, by population; collect orders go to
    one of the three stores nearest to the customer's city. Regions and collect
    nodes come as codes into REGION_NAMES and `node_ids` ('' = none)."""
    cities = french_cities()
    population = cities["population"].to_numpy(dtype=float)
    home = rng.choice(len(cities), size=count, p=population / population.sum())
    lat, lon = jitter(
        cities["lat"].to_numpy()[home],
        cities["lon"].to_numpy()[home],
        np.array([district_km(p) for p in population])[home],
        rng,
    )
    region = pd.Index(REGION_NAMES).get_indexer(cities["region"])[home]
    stores = nodes[(nodes["type"] == "store") & nodes["can_collect"]].reset_index(drop=True)
    node_ids = np.append(stores["id"].to_numpy(dtype=str), "")
    collect_node = np.full(count, len(stores), dtype=np.int64)
    if len(stores) and collect.any():
        distance = haversine_km(
            cities["lat"].to_numpy()[:, None],
            cities["lon"].to_numpy()[:, None],
            stores["lat"].to_numpy()[None, :],
            stores["lon"].to_numpy()[None, :],
        )
        nearest = np.argsort(distance, axis=1, kind="stable")[:, : len(COLLECT_CHOICE)]
        choice = rng.choice(nearest.shape[1], size=count, p=_first(COLLECT_CHOICE, nearest))
        store = nearest[home, choice]
        collect_node = np.where(collect, store, collect_node)
        lat = np.where(collect, stores["lat"].to_numpy()[store], lat)
        lon = np.where(collect, stores["lon"].to_numpy()[store], lon)
        store_region = pd.Index(REGION_NAMES).get_indexer(stores["region"])
        region = np.where(collect, store_region[store], region)
    return {
        "lat": lat,
        "lon": lon,
        "region": region,
        "collect_node": collect_node,
        "node_ids": node_ids,
    }


def _first(shares: tuple[float, ...], nearest: np.ndarray) -> np.ndarray:
    p = np.asarray(shares[: nearest.shape[1]], dtype=float)
    return p / p.sum()


def _pick_skus(of: np.ndarray, month: np.ndarray, catalogue: Catalogue, rng) -> np.ndarray:
    """A SKU index per line: category by the month's mix, then SKU by popularity;
    lines of one order get distinct SKUs (redrawn a few times when they clash)."""
    share = np.array([c[1] for c in CATEGORIES])
    mix = season_matrix() * share
    category = np.empty(len(of), dtype=np.int64)
    for m in range(1, 13):
        mask = month == m
        category[mask] = rng.choice(
            len(share), size=int(mask.sum()), p=mix[m - 1] / mix[m - 1].sum()
        )
    members = [np.flatnonzero(catalogue.category == c) for c in range(len(share))]
    sku = np.empty(len(of), dtype=np.int64)

    def draw(lines: np.ndarray) -> None:
        for c, items in enumerate(members):
            mask = lines[category[lines] == c]
            if len(mask) and len(items):
                sku[mask] = rng.choice(items, size=len(mask), p=catalogue.weight[items])

    draw(np.arange(len(of)))
    for _ in range(5):
        key = of * len(catalogue.sku) + sku
        ranked = np.argsort(key, kind="stable")
        clash = np.sort(ranked[1:][key[ranked][1:] == key[ranked][:-1]])
        if not len(clash):
            break
        draw(clash)
    return sku
