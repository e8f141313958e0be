"""Great-circle distances (haversine, R = 6371 km) for one pair of points, and
the node arrays (`NodeSphere`) the kernel measures from.

This module and `engine.kernel` run the very same IEEE operations in the same
order, so a distance computed for one node equals, bit for bit, the one the
kernel computes over a node array: ranking, `within` and the reported figures
never depend on which path ran. The haversine term is taken from the chord
between unit vectors (`a = chord² / 4`), which needs no trigonometry per pair;
then one arcsine per pair.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable

import numpy as np

EARTH_RADIUS_KM = 6371.0
DIAMETER_KM = 2.0 * EARTH_RADIUS_KM


def unit_vector(lat: float, lon: float) -> tuple[float, float, float]:
    """The point on the unit sphere for a latitude and longitude in degrees."""
    phi = math.radians(lat)
    lam = math.radians(lon)
    cos_phi = math.cos(phi)
    return (cos_phi * math.cos(lam), cos_phi * math.sin(lam), math.sin(phi))


def chord_km(half_chord: float) -> float:
    """Great-circle km for half the chord between two unit vectors."""
    return DIAMETER_KM * math.asin(min(1.0, half_chord))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in km between two points given in degrees."""
    x1, y1, z1 = unit_vector(lat1, lon1)
    x2, y2, z2 = unit_vector(lat2, lon2)
    dx, dy, dz = x1 - x2, y1 - y2, z1 - z2
    return chord_km(math.sqrt(dx * dx + dy * dy + dz * dz) * 0.5)


def half_chord_limit(km: float) -> float:
    """The largest half-chord whose distance (`chord_km`) is ≤ `km`, found by
    bisection over the doubles, so `half ≤ limit` ⟺ `chord_km(half) ≤ km`
    exactly (chord_km is non-decreasing). −1 when no distance is that small."""
    if chord_km(1.0) <= km:
        return 1.0
    if chord_km(0.0) > km:
        return -1.0
    low, high = 0, struct.unpack("<q", struct.pack("<d", 1.0))[0]  # bit patterns

    def as_float(bits: int) -> float:
        value: float = struct.unpack("<d", struct.pack("<q", bits))[0]
        return value

    while high - low > 1:  # invariant: chord_km(low) ≤ km < chord_km(high)
        middle = (low + high) // 2
        if chord_km(as_float(middle)) <= km:
            low = middle
        else:
            high = middle
    return as_float(low)


class NodeSphere:
    """Unit vectors of a fixed set of points, for distances to one destination at a time."""

    __slots__ = ("x", "y", "z")

    def __init__(self, lats: Iterable[float], lons: Iterable[float]):
        points = [unit_vector(float(a), float(b)) for a, b in zip(lats, lons, strict=True)]
        self.x = np.array([p[0] for p in points], dtype=np.float64)
        self.y = np.array([p[1] for p in points], dtype=np.float64)
        self.z = np.array([p[2] for p in points], dtype=np.float64)

    def half_chords(self, dest: tuple[float, float, float]) -> np.ndarray:
        """Half the chord from every point to a destination unit vector."""
        return half_chords(self.x, self.y, self.z, dest[0], dest[1], dest[2])


Coordinate = np.ndarray | float
"""One coordinate of unit vectors: an array, or one number."""


def half_chords(
    x: Coordinate,
    y: Coordinate,
    z: Coordinate,
    to_x: Coordinate,
    to_y: Coordinate,
    to_z: Coordinate,
) -> np.ndarray:
    """Half the chord between unit vectors (x, y, z) and (to_x, to_y, to_z), arrays or
    numbers broadcast together (points against one destination, or a block of
    destinations as a column against the points as a row)."""
    dx = np.subtract(x, to_x, dtype=np.float64)
    dy = np.subtract(y, to_y, dtype=np.float64)
    dz = np.subtract(z, to_z, dtype=np.float64)
    dx *= dx
    dy *= dy
    dz *= dz
    dx += dy
    dx += dz
    np.sqrt(dx, out=dx)
    dx *= 0.5
    chords: np.ndarray = dx
    return chords
