"""Great-circle distances (haversine, R = 6371 km), scalar and vectorised.

Both forms run the very same IEEE operations in the same order, so a distance
computed for one node equals, bit for bit, the one computed over a node array:
ranking, `within` and the reported figures never depend on which path ran.
The haversine term is taken from the chord between unit vectors
(`a = chord² / 4`), which needs no trigonometry per pair; the one arcsine per
pair goes through `math.asin` on both paths.
"""

from __future__ import annotations

import math

import numpy as np

EARTH_RADIUS_KM = 6371.0
_DIAMETER_KM = 2.0 * EARTH_RADIUS_KM


def unit_vector(lat: float, lon: float) -> tuple[float, float, float]:
    """The point on the unit sphere for a latitude and longitude in degrees."""
    phi = math.radians(lat)
    lam = math.radians(lon)
    cos_phi = math.cos(phi)
    return (cos_phi * math.cos(lam), cos_phi * math.sin(lam), math.sin(phi))


def chord_km(half_chord: float) -> float:
    """Great-circle km for half the chord between two unit vectors."""
    return _DIAMETER_KM * math.asin(min(1.0, half_chord))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in km between two points given in degrees."""
    x1, y1, z1 = unit_vector(lat1, lon1)
    x2, y2, z2 = unit_vector(lat2, lon2)
    dx, dy, dz = x1 - x2, y1 - y2, z1 - z2
    return chord_km(math.sqrt(dx * dx + dy * dy + dz * dz) * 0.5)


class NodeSphere:
    """Unit vectors of a fixed set of points, for distances to one destination at a time."""

    __slots__ = ("x", "y", "z")

    def __init__(self, lats, lons):
        points = [unit_vector(float(a), float(b)) for a, b in zip(lats, lons, strict=True)]
        self.x = np.array([p[0] for p in points], dtype=np.float64)
        self.y = np.array([p[1] for p in points], dtype=np.float64)
        self.z = np.array([p[2] for p in points], dtype=np.float64)

    def distances_km(self, dest: tuple[float, float, float], index=None) -> np.ndarray:
        """Distances from the points (or `index` of them) to a destination unit vector."""
        x, y, z = (
            (self.x, self.y, self.z)
            if index is None
            else (
                self.x[index],
                self.y[index],
                self.z[index],
            )
        )
        dx = x - dest[0]
        dy = y - dest[1]
        dz = z - dest[2]
        half = np.sqrt(dx * dx + dy * dy + dz * dz) * 0.5
        angles = list(map(math.asin, np.minimum(half, 1.0).tolist()))
        return np.array(angles, dtype=np.float64) * _DIAMETER_KM
