"""The offline HTML report: self-contained, carries the charts' data, renders in Chromium.

The browser test drives Debian's /usr/bin/chromium through the playwright package (never a
downloaded browser), blocks and records every request that is not a local file, and keeps
a screenshot in tests/artifacts/report.png.
"""

from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulations.charts import comparison_figure, format_kpi
from simulations.decisions import decision_tables
from simulations.kpis import compute_kpis
from simulations.report import write_comparison_report, write_report

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
CHART_IDS = [
    "chart-daily",
    "chart-node-types",
    "chart-distance",
    "chart-node-map",
    "chart-utilisation",
]
NODES = [
    # id, type, lat, lon, capacity (orders a day), pick, base, per km, handling days
    ("DC-LYON", "dc", 45.76, 4.84, 40, 0.4, 5.0, 0.010, 1.0),
    ("DC-LILLE", "dc", 50.63, 3.06, 30, 0.4, 5.0, 0.010, 1.0),
    ("ST-PARIS", "store", 48.86, 2.35, 6, 1.0, 3.0, 0.020, 0.5),
    ("ST-MARSEILLE", "store", 43.30, 5.37, 6, 1.0, 3.0, 0.020, 0.5),
    ("ST-BORDEAUX", "store", 44.84, -0.58, None, 1.0, 3.0, 0.020, 0.5),
    ("ST-NANTES", "store", 47.22, -1.55, 5, 1.0, 3.0, 0.020, 0.5),
    ("3PL-ORLEANS", "3pl", 47.90, 1.90, None, 0.3, 6.0, 0.006, 2.0),
    ("DS-TOULOUSE", "dark_store", 43.60, 1.44, 8, 0.8, 4.0, 0.015, 0.5),
]
CHANNELS = ["web", "marketplace", "store", "b2b"]


def haversine_km(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def nodes_table() -> pd.DataFrame:
    columns = ["id", "type", "lat", "lon", "capacity", "pick_cost"]
    columns += ["ship_cost_base", "ship_cost_per_km", "handling_days"]
    frame = pd.DataFrame(NODES, columns=columns)
    frame["capacity"] = frame["capacity"].astype("Int64")
    return frame.assign(name=frame["id"])


def ship(node, part, dest) -> dict:
    """A shipment of ``part`` (sku, qty pairs) from ``node`` to ``dest``."""
    return {
        "node_id": node[0],
        "lines": [{"sku": s, "qty": q} for s, q in part],
        "distance_km": round(haversine_km(node[2], node[3], *dest), 2),
        "cost": 0.0,
        "eta_days": 0.0,
    }


def synthetic_run(n_orders: int = 240, days: int = 8, seed: int = 7):
    """Orders spread over French cities and plausible decisions for them: the nearest node
    ships, one order in five is split with the second nearest, some fail or fall short."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-11-24T07:00Z")
    lines, decisions = [], []
    for i in range(n_orders):
        order_id = f"W{i:04d}"
        created = start + pd.Timedelta(minutes=int(rng.integers(0, days * 24 * 60)))
        city = NODES[int(rng.integers(0, len(NODES)))]
        dest = (city[2] + rng.normal(0, 0.6), city[3] + rng.normal(0, 0.6))
        channel = CHANNELS[int(rng.integers(0, len(CHANNELS)))]
        skus = [(f"SKU-{int(rng.integers(1, 40)):02d}", int(rng.integers(1, 4))) for _ in "ab"]
        for sku, qty in skus:
            lines.append((order_id, created, channel, 3.0, sku, qty, *dest))
        by_distance = sorted(NODES, key=lambda n: haversine_km(n[2], n[3], *dest))
        roll = rng.random()

        if roll < 0.05:
            decisions.append(
                {"order_id": order_id, "status": "unroutable", "strategies": [], "shipments": []}
            )
        elif roll < 0.25:
            parts = [ship(by_distance[0], skus[:1], dest), ship(by_distance[1], skus[1:], dest)]
            decisions.append(
                {
                    "order_id": order_id,
                    "status": "routed",
                    "strategies": ["std"],
                    "shipments": parts,
                }
            )
        elif roll < 0.32:
            decisions.append(
                {
                    "order_id": order_id,
                    "status": "partial",
                    "strategies": ["std"],
                    "shipments": [ship(by_distance[0], skus[:1], dest)],
                    "unfilled": [{"sku": skus[1][0], "qty": skus[1][1], "reason": "no stock"}],
                }
            )
        else:
            decisions.append(
                {
                    "order_id": order_id,
                    "status": "routed",
                    "strategies": ["std"],
                    "shipments": [ship(by_distance[0], skus, dest)],
                }
            )
    orders = pd.DataFrame(
        lines,
        columns=["order_id", "created_at", "channel", "promised_days", "sku", "qty"]
        + ["dest_lat", "dest_lon"],
    )
    inventory = pd.DataFrame(
        [(n[0], f"SKU-{k:02d}", 25) for n in NODES for k in range(1, 40)],
        columns=["node_id", "sku", "on_hand"],
    )
    return orders, decisions, inventory


@pytest.fixture(scope="module")
def run():
    orders, decisions, inventory = synthetic_run()
    nodes = nodes_table()
    tables = decision_tables(decisions, orders, nodes, "Europe/Paris")
    kpis = compute_kpis(tables, nodes, inventory)
    return tables, kpis, nodes


@pytest.fixture(scope="module")
def report(run) -> Path:
    tables, kpis, nodes = run
    ARTIFACTS.mkdir(exist_ok=True)
    return write_report(ARTIFACTS / "report.html", kpis, tables, nodes, title="Peak week replay")


def outside_scripts(page: str) -> str:
    """The page without the bodies of its inline scripts (plotly.js and the chart calls)."""
    return re.sub(r"<script[^>]*>.*?</script>", "<script></script>", page, flags=re.S)


def test_report_is_one_self_contained_file(report):
    page = report.read_text(encoding="utf-8")
    tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", page)
    assert tags, "the page should carry its scripts inline"
    for tag in tags:
        assert not re.search(r"\b(?:src|href)\s*=", tag), f"external reference: {tag}"
    assert "cdn" not in outside_scripts(page).lower()
    assert not re.search(r"https?://", outside_scripts(page))
    # the chart calls carry no URL either (no topojson, no mathjax, no plot.ly links)
    for body in re.findall(r"<script>(.*?)</script>", page, flags=re.S):
        assert not re.search(r"https?://", body)
    # plotly.js is embedded inline exactly once
    assert page.count("plotly.js v") == 1
    assert len(re.findall(r"<script type=\"text/javascript\">", page)) == 1


def test_report_carries_the_figures_and_chart_data(report, run):
    tables, kpis, nodes = run
    page = report.read_text(encoding="utf-8")
    for chart_id in CHART_IDS:
        assert f'id="{chart_id}"' in page
    assert f"<td>Fill rate</td><td>{format_kpi('fill_rate', kpis.overall['fill_rate'])}" in page
    assert f"<td>{format_kpi('orders', kpis.overall['orders'])}</td>" in page
    for node_id in nodes["id"]:
        assert node_id in page  # map hover texts and the utilisation heat map rows
    assert '"type":"scattergeo"' in page and '"type":"heatmap"' in page
    assert '"showland":false' in page  # base layers would need a download


def test_comparison_report_and_figure(run, tmp_path):
    tables, kpis, nodes = run
    orders, decisions, inventory = synthetic_run(seed=8)
    other = compute_kpis(decision_tables(decisions, orders, nodes), nodes, inventory)
    figure = comparison_figure(kpis.overall, other.overall, ("A", "B"))
    assert len(figure.data) == 20  # one pair of bars per overall KPI
    assert list(figure.data[0].x) == ["A", "B"]
    changed = tables.orders[["order_id", "status", "strategies"]].head(3)
    path = write_comparison_report(tmp_path / "compare.html", kpis, other, ("A", "B"), changed)
    page = path.read_text(encoding="utf-8")
    assert page.count("plotly.js v") == 1
    assert 'id="chart-comparison"' in page
    assert "Orders whose routing changed (3)" in page
    assert " pts</td>" in page  # rate deltas in percentage points


def launch_chromium(playwright):
    if not CHROMIUM.exists():
        pytest.fail(
            "Chromium is missing at /usr/bin/chromium: install Debian's package with "
            "`apt-get update && apt-get install -y chromium chromium-driver` "
            "(scripts/system-packages.sh does it)"
        )
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    )


@pytest.mark.browser
def test_report_renders_offline_in_chromium(report, run):
    from playwright.sync_api import sync_playwright

    tables, kpis, nodes = run
    remote, errors = [], []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})

            def guard(route):
                if route.request.url.startswith(("file:", "data:", "blob:")):
                    return route.continue_()
                remote.append(route.request.url)
                return route.abort()

            page.route("**/*", guard)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(report.resolve().as_uri())
            page.wait_for_selector(".js-plotly-plot .main-svg")
            page.wait_for_function(
                f"document.querySelectorAll('.js-plotly-plot').length === {len(CHART_IDS)}"
                " && [...document.querySelectorAll('.js-plotly-plot')]"
                ".every(d => d.querySelector('.main-svg'))"
            )
            rendered = page.eval_on_selector_all(".js-plotly-plot", "ds => ds.map(d => d.id)")
            orders_per_day = page.evaluate(
                "Array.from(document.getElementById('chart-daily')._fullData[0].y)"
            )
            map_points = page.evaluate(
                "document.getElementById('chart-node-map')._fullData"
                ".filter(t => t.meta !== 'base map').reduce((n, t) => n + t.lat.length, 0)"
            )
            geo_layers = page.locator("#chart-node-map .geo .layer").count()
            ARTIFACTS.mkdir(exist_ok=True)
            page.set_viewport_size({"width": 1400, "height": 3000})
            page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        finally:
            browser.close()
    assert remote == [], f"the report asked the network for {remote}"
    assert errors == []
    assert rendered == CHART_IDS  # one plot per chart, each drawn
    assert orders_per_day == kpis.by_day["orders"].astype(float).tolist()
    assert map_points == len(nodes)
    assert geo_layers >= 1
    assert kpis.by_day["day"].iloc[0] == date(2025, 11, 24)


def test_exported_csv_cells_cannot_be_read_as_formulas(tmp_path):
    """An order id such as `=HYPERLINK(...)` from a hostile file went into rejects.csv
    and the studio's downloads as it was: a spreadsheet would run it."""
    import pandas as pd

    from simulations.exports import csv_bytes, write_csv

    frame = pd.DataFrame(
        {"order_id": ["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)", "\tx", "ok-1", None],
         "qty": [-1, 2, 3, 4, 5, 6, 7]}
    )  # fmt: skip
    text = csv_bytes(frame).decode("utf-8").splitlines()
    assert text[1:6] == ["'=cmd|' /C calc'!A0,-1", "'+1,2", "'-2,3", "'@SUM(A1),4", "'\tx,5"]
    assert text[6:] == ["ok-1,6", ",7"]  # plain text and numbers stay as they are
    path = write_csv(frame, tmp_path / "rejects.csv")
    assert path.read_text(encoding="utf-8").splitlines() == text
