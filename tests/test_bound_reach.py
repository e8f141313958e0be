"""The distances the bound reads (simulations.bound_reach): worked out a few hundred
orders at a time, they are those of the formula over all orders at once, to the bit."""

from __future__ import annotations

import numpy as np

from engine.geo import DIAMETER_KM, half_chord_limit, half_chords
from simulations.bound_reach import DISTANCE_ROWS, _distances
from tests.routing_world import network, node


def test_distances_and_within_limits_are_those_of_all_orders_at_once() -> None:
    rng = np.random.default_rng(7)
    places = zip(rng.uniform(42, 51, 9), rng.uniform(-4, 8, 9), strict=True)
    net = network(*(node(f"N{i}", "paris", lat=a, lon=b) for i, (a, b) in enumerate(places)))
    count = 2 * DISTANCE_ROWS + 7  # two whole parts and a last, shorter one
    lat, lon = np.radians(rng.uniform(42, 51, count)), np.radians(rng.uniform(-4, 8, count))
    points = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    limits = {half_chord_limit(50.0), half_chord_limit(400.0), np.inf}
    km, near = _distances(net, points, limits)
    s = net.sphere
    half = half_chords(
        s.x[None, :], s.y[None, :], s.z[None, :], points[:, 0:1], points[:, 1:2], points[:, 2:3]
    )
    assert np.array_equal(km, DIAMETER_KM * np.arcsin(np.minimum(half, 1.0)))
    assert sorted(near) == sorted(limits)
    assert 0 < near[half_chord_limit(400.0)].mean() < 1  # nodes both within and beyond
    for limit, within in near.items():
        assert np.array_equal(within, half <= limit)
