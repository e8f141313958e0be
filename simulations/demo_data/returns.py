"""The demo's returns: which order lines come back (by category), why and in what
state, when (3 to 30 days after delivery), and how — dropped at a store, sent by
post or picked up by a courier — plus the nodes' and the stock's returns columns
(`accepts_returns`, `return_cost`, `target`).

The returns draw from a random stream of their own: adding them leaves every
other value of the demo as it was."""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulations.demo_data.catalogue import CATEGORIES
from simulations.demo_data.files import Indexed
from simulations.demo_data.network import RETURNS_TAG
from simulations.demo_data.orders import DELIVERIES, TIMEZONE

RETURN_RATE = {
    "apparel": 0.25,
    "shoes": 0.20,
    "home": 0.07,
    "beauty": 0.04,
    "electronics": 0.08,
    "toys": 0.05,
    "sports": 0.10,
    "books": 0.03,
}
"""Share of the order lines of each category that come back."""
REASONS = ("wrong_size", "changed_mind", "not_as_described", "damaged", "defective")
REASON_MIX = {
    # wrong_size, changed_mind, not_as_described, damaged, defective
    "apparel": (0.55, 0.25, 0.12, 0.05, 0.03),
    "shoes": (0.60, 0.20, 0.10, 0.05, 0.05),
    "sports": (0.25, 0.30, 0.15, 0.10, 0.20),
    "electronics": (0.0, 0.35, 0.15, 0.15, 0.35),
}
OTHER_REASON_MIX = (0.0, 0.45, 0.20, 0.20, 0.15)
"""Products without a size (home, beauty, toys, books) come back for other reasons."""
CONDITIONS = ("new", "opened", "damaged")
CONDITION_MIX = {
    # new, opened, damaged
    "wrong_size": (0.85, 0.15, 0.0),
    "changed_mind": (0.80, 0.18, 0.02),
    "not_as_described": (0.45, 0.50, 0.05),
    "damaged": (0.05, 0.10, 0.85),
    "defective": (0.0, 0.60, 0.40),
}
METHODS = ("store", "post", "courier")
METHOD_SHARE = (0.40, 0.45, 0.15)
"""Of all returns; a collect order always comes back to its collect store, so the
other orders go to a store less often, to keep 40 % in all."""
DAYS_AFTER = np.arange(3, 31)
DAYS_WEIGHT = np.exp(-(DAYS_AFTER - 3) / 8.0)
"""Days from delivery to the return, 3 to 30, most within the first two weeks."""
STORE_HOURS = (10, 19)
ANNOUNCE_HOURS = (8, 22)
"""Local hours a return is dropped at a store, or announced online."""
WHOLE_LINE_SHARE = 0.7
"""A line of several units comes back whole 70 % of the time, else in part."""
RETURN_COST = {"dc": 0.80, "store": 1.50}
CENTRE_RETURN_COST = 0.50
"""€ per unit handled: a store's counter costs more than a DC's bench, and a
returns centre's is the cheapest."""


def build_returns(
    lines: dict, network: pd.DataFrame, end: pd.Timestamp, rng: np.random.Generator
) -> dict[str, object]:
    """One row per returned line of the demo `lines` (build_orders' columns, with
    `weight_kg`): the lines of one order that come back form one return. Returns in
    time order, ids in that order; those announced at or after `end` (the end of
    the order period, local time) are not written."""
    of, category = lines["order_id"].index, lines["category"].index
    rate = np.array([RETURN_RATE[name] for name, *_ in CATEGORIES])
    picked = np.flatnonzero(rng.random(len(of)) < rate[category])
    orders, head, group = np.unique(of[picked], return_index=True, return_inverse=True)
    head = picked[head]  # a line of each returned order: its order-level columns

    collect = lines["delivery"].index[head] == DELIVERIES.index("collect")
    stores = np.flatnonzero(network["type"].to_numpy(dtype=str) == "store")
    method = _methods(collect, len(stores) > 0, rng)
    created = _created(lines, orders, head, method, rng)
    drop = np.full(len(orders), len(network), dtype=np.int64)  # len(network): none
    at_store = (method == 0) & ~collect
    drop[at_store] = stores[_nearest(network.iloc[stores], lines, head[at_store])]
    collect_store = lines["collect_node"].values[lines["collect_node"].index[head[collect]]]
    drop[collect] = pd.Index(network["id"]).get_indexer(collect_store)

    kept = np.flatnonzero(created < end.tz_localize(TIMEZONE))
    in_time = kept[np.argsort(created[kept], kind="stable")]
    number = np.full(len(orders), -1, dtype=np.int64)  # each return's place in time
    number[in_time] = np.arange(len(in_time))
    chosen = np.flatnonzero(number[group] >= 0)
    chosen = chosen[np.argsort(number[group][chosen], kind="stable")]
    returned = group[chosen]
    columns = _lines(lines, picked[chosen], rng)
    sent = method[returned] != 0
    ids = np.strings.add("R", _numbers(len(in_time)))
    return {
        "return_id": Indexed(ids, number[returned]),
        "order_id": Indexed(lines["order_id"].values[orders], returned),
        "created_at": Indexed(created[in_time], number[returned]),
        "method": Indexed(np.array(METHODS), method[returned]),
        "drop_node": Indexed(np.append(network["id"].to_numpy(dtype=str), ""), drop[returned]),
        "origin_lat": _where(sent, lines["dest_lat"], picked[chosen]),
        "origin_lon": _where(sent, lines["dest_lon"], picked[chosen]),
        **columns,
    }


def _numbers(count: int) -> np.ndarray:
    """1 … count as text, zero-padded to one width (7 digits at least)."""
    numbers = np.arange(1, count + 1).astype(str)
    if not count:
        return numbers
    return np.strings.zfill(numbers, max(7, len(str(count))))


def _methods(collect: np.ndarray, has_stores: bool, rng: np.random.Generator) -> np.ndarray:
    """0 store, 1 post, 2 courier per return: collect orders back to their store, the
    others to a store as often as keeps METHOD_SHARE in all."""
    store, post, courier = METHOD_SHARE
    share = collect.mean() if len(collect) else 0.0
    to_store = (store - share) / (1.0 - share) if has_stores and share < store else 0.0
    sent = (1.0 - to_store) / (post + courier)
    method = rng.choice(3, size=len(collect), p=(to_store, post * sent, courier * sent))
    return np.where(collect, 0, method)


def _created(
    lines: dict, orders: np.ndarray, head: np.ndarray, method: np.ndarray, rng: np.random.Generator
) -> pd.DatetimeIndex:
    """When each return is dropped or announced: DAYS_AFTER local days after the
    order's delivery day (its created_at + promised_days), in store or online hours."""
    wall = lines["created_at"].values[orders].tz_localize(None)
    promised = pd.to_timedelta(np.asarray(lines["promised_days"], dtype=float)[head], unit="D")
    delivered = (wall + promised).normalize()
    days = rng.choice(DAYS_AFTER, size=len(orders), p=DAYS_WEIGHT / DAYS_WEIGHT.sum())
    store = method == 0
    first = np.where(store, STORE_HOURS[0], ANNOUNCE_HOURS[0]) * 3600
    last = np.where(store, STORE_HOURS[1], ANNOUNCE_HOURS[1]) * 3600
    seconds = rng.integers(first, last)
    local = delivered + pd.to_timedelta(days, unit="D") + pd.to_timedelta(seconds, unit="s")
    return local.tz_localize(
        TIMEZONE, ambiguous=np.ones(len(local), dtype=bool), nonexistent="shift_forward"
    )


def _nearest(stores: pd.DataFrame, lines: dict, head: np.ndarray) -> np.ndarray:
    """The store (a position in `stores`) nearest each destination: the largest dot
    product of unit vectors is the shortest great-circle distance."""
    where = _unit(stores["lat"].to_numpy(float), stores["lon"].to_numpy(float))
    points = _unit(
        np.asarray(lines["dest_lat"], dtype=float)[head],
        np.asarray(lines["dest_lon"], dtype=float)[head],
    )
    nearest = np.empty(len(head), dtype=np.int64)
    step = max(1, 4_000_000 // max(len(stores), 1))  # at most 32 MB of products at once
    for begin in range(0, len(head), step):
        nearest[begin : begin + step] = np.argmax(points[begin : begin + step] @ where.T, axis=1)
    return nearest


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


def _where(sent: np.ndarray, values: np.ndarray, rows: np.ndarray) -> pd.Series:
    """The order's destination where the return is sent, empty (null) at a store."""
    return pd.Series(np.where(sent, np.asarray(values, dtype=float)[rows], np.nan))


def _lines(lines: dict, rows: np.ndarray, rng: np.random.Generator) -> dict[str, object]:
    """The line columns of the returned order lines `rows`: the product, how many
    units come back, why (REASON_MIX by category) and in what state (CONDITION_MIX
    by reason), the price paid, and the product attributes."""
    category = lines["category"].index[rows]
    reason = np.empty(len(rows), dtype=np.int64)
    for c, (name, *_) in enumerate(CATEGORIES):
        mask = category == c
        mix = REASON_MIX.get(name, OTHER_REASON_MIX)
        reason[mask] = rng.choice(len(REASONS), size=int(mask.sum()), p=mix)
    condition = np.empty(len(rows), dtype=np.int64)
    for r, name in enumerate(REASONS):
        mask = reason == r
        condition[mask] = rng.choice(len(CONDITIONS), size=int(mask.sum()), p=CONDITION_MIX[name])
    ordered = np.asarray(lines["qty"])[rows]
    whole = rng.random(len(rows)) < WHOLE_LINE_SHARE
    qty = np.where(whole, ordered, rng.integers(1, ordered + 1))
    sku, weight = lines["sku"], lines["weight_kg"]
    return {
        "sku": Indexed(sku.values, sku.index[rows]),
        "qty": qty.astype(np.int64),
        "reason": Indexed(np.array(REASONS), reason),
        "condition": Indexed(np.array(CONDITIONS), condition),
        "unit_price": np.asarray(lines["unit_price"], dtype=float)[rows],
        "category": Indexed(lines["category"].values, category),
        "weight_kg": Indexed(weight.values, weight.index[rows]),
    }


def node_returns(network: pd.DataFrame) -> dict[str, object]:
    """Each node's `accepts_returns` (DCs and stores) and `return_cost` (€ per unit:
    RETURN_COST by type, CENTRE_RETURN_COST at a DC tagged `returns`, 0 where none)."""
    kinds = network["type"].to_numpy(dtype=str)
    cost = np.array([RETURN_COST.get(kind, 0.0) for kind in kinds])
    centre = network["tags"].map(lambda tags: RETURNS_TAG in str(tags).split(";")).to_numpy()
    return {
        "accepts_returns": np.isin(kinds, list(RETURN_COST)),
        "return_cost": np.where(centre, CENTRE_RETURN_COST, cost),
    }


def stock_targets(stock: dict, network: pd.DataFrame) -> np.ndarray:
    """Each inventory row's target: a store wants the level it opens with (its shelf
    level: a return's `need` grows as it sells); other nodes want none (0)."""
    store = network["type"].to_numpy(dtype=str)[stock["node_id"].index] == "store"
    return np.where(store, np.asarray(stock["on_hand"]), 0).astype(np.int64)
