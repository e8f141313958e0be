"""The base map behind every map: the vendored Natural Earth outlines, drawn as filled
outlines under the points, framed on the points, with nothing fetched from the network
(the report's browser test checks that no request leaves the page)."""

from __future__ import annotations

from importlib import resources

import plotly.graph_objects as go

from simulations import base_map
from simulations.charts import offline_geo


def test_the_outlines_ship_with_their_licence():
    folder = resources.files("simulations") / "geodata"
    licence = " ".join((folder / "LICENSE.md").read_text(encoding="utf-8").split())
    assert "public domain" in licence and "Natural Earth" in licence
    names = {f["properties"]["name"] for f in base_map.outlines()["features"]}
    assert {"France", "Spain", "Germany", "Italy", "United Kingdom", "Belgium"} <= names


def test_maps_of_points_have_the_countries_behind_them():
    figure = go.Figure()
    figure.add_scattergeo(lat=[48.86, 43.30], lon=[2.35, 5.37], name="dc")  # Paris, Marseille
    offline_geo(figure)
    land, points = figure.data
    assert land.meta == base_map.NAME and land.fill == "toself" and land.hoverinfo == "skip"
    assert points.name == "dc"
    geo = figure.layout.geo
    assert geo.showland is False and geo.showcountries is False  # Plotly's own: downloaded
    south, north = geo.lataxis.range
    west, east = geo.lonaxis.range
    assert south < 43.30 and north > 48.86 and west < 2.35 and east > 5.37
    assert east - west >= base_map.WIDE * (north - south) - 1e-9


def test_outer_rings_turn_clockwise_so_only_the_land_is_filled():
    lons, lats = base_map.rings()
    ring: list[tuple[float, float]] = []
    turns = []
    for lon, lat in zip(lons, lats, strict=True):
        if lon is None:
            turns.append(base_map._signed_area([list(p) for p in ring]))
            ring = []
        else:
            ring.append((lon, lat))
    assert turns and sum(1 for area in turns if area < 0) > len(turns) / 2
