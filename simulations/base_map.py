"""The base map drawn behind every map: the country outlines of western and central
Europe from Natural Earth (public domain), vendored once in `simulations/geodata/`
(see its LICENSE.md) and drawn by Plotly as filled outlines (a `scattergeo` line
trace), so no map tile, shape file or font is ever fetched from the network."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import plotly.graph_objects as go

LAND = "#f2efe8"
BORDER = "#a9b1ba"
SEA = "#e3edf5"
NAME = "base map"
"""The trace's name (and `meta`): the countries, drawn first, never in the legend."""
PADDING_DEGREES = 1.5
"""Room around the points a map shows, at least (or a tenth of their span)."""
WIDE = 1.8
"""A map spans at least this many degrees of longitude per degree of latitude."""


@lru_cache(maxsize=1)
def outlines() -> dict:
    """The vendored GeoJSON (a FeatureCollection, one feature per country, by name)."""
    path = resources.files("simulations") / "geodata" / "europe.geojson"
    return json.loads(path.read_text(encoding="utf-8"))


def rings() -> tuple[list[float | None], list[float | None]]:
    """Every ring of every country as one line: longitudes and latitudes, rings separated
    by None (a gap), outer rings clockwise."""
    lons: list[float | None] = []
    lats: list[float | None] = []
    for feature in outlines()["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        for polygon in polygons:
            for position, ring in enumerate(polygon):
                # Plotly's globe fills the inside of a clockwise ring: an outline turning
                # the other way would be filled as the whole world but that country.
                clockwise = _signed_area(ring) < 0
                if clockwise != (position == 0):  # outer rings clockwise, holes not
                    ring = ring[::-1]
                lons += [point[0] for point in ring] + [None]
                lats += [point[1] for point in ring] + [None]
    return lons, lats


def _signed_area(ring: list[list[float]]) -> float:
    """Twice the ring's area on the lon/lat plane: positive when it turns anticlockwise."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False))


def countries_trace() -> go.Scattergeo:
    """Every country of the base map, filled in one flat colour with its borders, no
    hover. A line trace with no `locationmode`: Plotly then has no reason to fetch its
    own shapes (a choropleth would make it download a world map even with a GeoJSON)."""
    lons, lats = rings()
    return go.Scattergeo(
        lon=lons,
        lat=lats,
        mode="lines",
        fill="toself",
        fillcolor=LAND,
        line={"color": BORDER, "width": 0.6},
        hoverinfo="skip",
        name=NAME,
        meta=NAME,
        showlegend=False,
    )


def points_of(figure: go.Figure) -> tuple[list[float], list[float]]:
    """The latitudes and longitudes of every point trace of the figure."""
    lats: list[float] = []
    lons: list[float] = []
    for trace in figure.data:
        if trace.meta == NAME:
            continue
        if trace.type == "scattergeo" and trace.lat is not None and trace.lon is not None:
            lats += [float(v) for v in trace.lat if v is not None]
            lons += [float(v) for v in trace.lon if v is not None]
    return lats, lons


def frame_of(lats: list[float], lons: list[float]) -> dict:
    """Geo axis ranges that show every point with some room around them (mainland
    France when there is no point)."""
    if not lats:
        lats, lons = [42.3, 51.1], [-4.8, 8.2]
    lat_pad = max(PADDING_DEGREES, (max(lats) - min(lats)) / 10)
    lon_pad = max(PADDING_DEGREES, (max(lons) - min(lons)) / 10)
    south, north = min(lats) - lat_pad, max(lats) + lat_pad
    west, east = min(lons) - lon_pad, max(lons) + lon_pad
    wanted = WIDE * (north - south)  # a landscape frame, as wide as the page allows
    if east - west < wanted:
        middle = (east + west) / 2
        west, east = middle - wanted / 2, middle + wanted / 2
    return {"lataxis_range": [south, north], "lonaxis_range": [west, east]}
