"""The demo fulfilment network: DCs at French logistics hubs, a 3PL at the port
of Le Havre, dark stores and stores in real French cities (population-weighted)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.columns import NODE_COLUMNS as COLUMNS
from simulations.geography import city, french_cities, jitter, slug

DC_SITES = (
    ("PARIS", "Paris Nord", "Gonesse"),
    ("LYON", "Lyon", "Saint-Priest"),
    ("LILLE", "Lille", "Villeneuve-d'Ascq"),
    ("MARSEILLE", "Marseille", "Vitrolles"),
    ("BORDEAUX", "Bordeaux", "Mérignac"),
    ("ORLEANS", "Orléans", "Saran"),
    ("NANTES", "Nantes", "Rezé"),
    ("STRASBOURG", "Strasbourg", "Strasbourg"),
)
"""(id suffix, label, the GeoNames city the warehouse stands in), in the order
a growing network opens them."""
RETURNS_CENTRES = ("LYON", "ORLEANS")
"""The DCs that are also returns centres (tagged RETURNS_TAG): Lyon is in every
network, Orléans from 60 nodes."""
RETURNS_TAG = "returns"
THIRD_PARTY_SITE = ("LE-HAVRE", "Le Havre", "Le Havre")
FLAGSHIP_POPULATION = 300_000
"""The first store of each city this large is a flagship (Paris, Marseille,
Lyon, Toulouse, Nice, Nantes)."""


def shape(nodes: int) -> tuple[int, int, int, int]:
    """(DCs, 3PLs, dark stores, stores) for a network of `nodes` nodes."""
    if nodes < 3:
        raise ValueError("a demo network needs at least 3 nodes")
    dcs = min(len(DC_SITES), max(2, nodes // 10))
    third_party = 1 if nodes >= 20 else 0
    dark = nodes // 100
    return dcs, third_party, dark, nodes - dcs - third_party - dark


def allocate(population: np.ndarray, seats: int) -> np.ndarray:
    """Seats per city in proportion to population (largest remainder; ties go
    to the larger city, which comes first)."""
    quota = population / population.sum() * seats
    count = np.floor(quota).astype(int)
    rest = seats - count.sum()
    if rest:
        order = np.argsort(-(quota - count), kind="stable")
        count[order[:rest]] += 1
    return count


def build_network(nodes: int, daily_orders: float, rng: np.random.Generator) -> pd.DataFrame:
    """The nodes table (typed; tags as `;`-joined text) in a fixed order: DCs,
    3PL, dark stores, then stores from the largest city down."""
    dcs, third_party, dark, stores = shape(nodes)
    rows: list[dict] = []
    for rank, (key, label, town) in enumerate(DC_SITES[:dcs]):
        where = city(town)
        rows.append(
            _node(
                f"DC-{key}",
                f"{label} DC",
                "dc",
                where,
                tags=f"dc;{RETURNS_TAG}" if key in RETURNS_CENTRES else "dc",
                can_collect=False,
                capacity=_round_up(daily_orders * 1.6 / dcs, 10, 10),
                priority=1 if rank < 2 else 2,
                costs=(0.35, 4.20, 0.0035, 1.0),
            )
        )
    if third_party:
        key, label, town = THIRD_PARTY_SITE
        rows.append(
            _node(
                f"3PL-{key}",
                f"{label} 3PL",
                "3pl",
                city(town),
                tags="overflow",
                can_collect=False,
                capacity=_round_up(daily_orders * 0.4, 10, 30),
                priority=3,
                costs=(0.55, 4.90, 0.0040, 1.5),
            )
        )
    cities = french_cities()
    population = cities["population"].to_numpy(dtype=float)
    for index, count in _seated(allocate(population, dark)):
        where = cities.iloc[index]
        for k in range(count):
            rows.append(
                _node(
                    _numbered("DS", where["name"], k, count),
                    f"{where['name']} dark store",
                    "dark_store",
                    where,
                    tags=slug(where["name"]).lower(),
                    can_collect=False,
                    capacity=_round_up(daily_orders * 0.06, 5, 20),
                    priority=2,
                    costs=(0.60, 3.90, 0.0080, 0.2),
                    spread_km=1.0 if count == 1 else 2.5,
                )
            )
    store_capacity = max(6.0, daily_orders * 1.2 / max(stores, 1))
    for index, count in _seated(allocate(population, stores)):
        where = cities.iloc[index]
        big = where["population"] >= 100_000
        for k in range(count):
            flagship = k == 0 and where["population"] >= FLAGSHIP_POPULATION
            tags = ("flagship;" if flagship else "") + slug(where["name"]).lower()
            name = where["name"] if count == 1 else f"{where['name']} {k + 1}"
            capacity = store_capacity * _size(where) * (1.5 if flagship else 1.0)
            rows.append(
                _node(
                    _numbered("ST", where["name"], k, count),
                    name,
                    "store",
                    where,
                    tags=tags,
                    can_collect=True,
                    can_ship=bool(big or rng.random() < 0.6),
                    capacity=_round_up(capacity, 1, 4),
                    priority=8 if flagship else 5,
                    costs=(1.40 if flagship else 1.10, 5.50, 0.0060, 0.5),
                    spread_km=0.5 if count == 1 else district_km(where["population"]),
                )
            )
    frame = pd.DataFrame(rows, columns=list(COLUMNS) + ["spread_km"])
    _spread_out(frame, rng)
    frame["id"] = _unique(frame["id"])
    return frame[list(COLUMNS)]


def district_km(population: float) -> float:
    """How far from the centre people of a city live (one standard deviation)."""
    return float(min(4.0, 0.6 + 0.8 * np.sqrt(population / 100_000)))


def _size(where: pd.Series) -> float:
    """Stores in bigger cities are bigger: 0.7 at 15,000 people, 2 in Paris."""
    return float(np.clip(0.7 + 0.6 * np.log10(where["population"] / 15_000), 0.7, 2.0))


def _node(
    node_id,
    name,
    kind,
    where,
    *,
    tags,
    can_collect,
    capacity,
    priority,
    costs,
    can_ship=True,
    spread_km=0.0,
) -> dict:
    pick, base, per_km, handling = costs
    return {
        "id": node_id,
        "name": name,
        "type": kind,
        "lat": float(where["lat"]),
        "lon": float(where["lon"]),
        "country": "FR",
        "region": where["region"],
        "tags": tags,
        "can_ship": can_ship,
        "can_collect": can_collect,
        "capacity": int(capacity),
        "priority": priority,
        "pick_cost": pick,
        "ship_cost_base": base,
        "ship_cost_per_km": per_km,
        "handling_days": handling,
        "spread_km": spread_km,
    }


def _spread_out(frame: pd.DataFrame, rng: np.random.Generator) -> None:
    """Several stores of one city stand in different districts, not on one spot."""
    lat, lon = jitter(
        frame["lat"].to_numpy(), frame["lon"].to_numpy(), frame["spread_km"].to_numpy(), rng
    )
    frame["lat"] = np.round(lat, 5)
    frame["lon"] = np.round(lon, 5)


def _seated(counts: np.ndarray):
    for index in np.flatnonzero(counts):
        yield int(index), int(counts[index])


def _numbered(prefix: str, name: str, k: int, count: int) -> str:
    return f"{prefix}-{slug(name)}" + (f"-{k + 1:02d}" if count > 1 else "")


def _unique(ids: pd.Series) -> pd.Series:
    """Two cities with one name would give one id twice: number the later ones."""
    seen = ids.groupby(ids).cumcount()
    return ids.where(seen == 0, ids + "-" + (seen + 1).astype(str))


def _round_up(value: float, step: int, minimum: int) -> int:
    return max(minimum, int(np.ceil(value / step) * step))
