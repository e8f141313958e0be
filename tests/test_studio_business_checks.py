"""The Rules page runs the business checks on the loaded data: on a network with
stores that cannot ship, the France example's peak strategy gets a warning naming
them, and the warning goes once the text says `and node.can_ship`."""

from __future__ import annotations

import csv
from importlib import resources

import pytest
from test_studio_rules import findings, studio, type_text

from simulations.demo_data import generate

FRANCE = (resources.files("rulesets") / "france.route").read_text(encoding="utf-8")
PEAK_SOURCE = (
    'source from node.type == "dc" or (node.type == "store" and not node.tags has "flagship")'
)


@pytest.fixture
def grounded_stores(tmp_path, monkeypatch) -> list[str]:
    """Demo data on the full demo network (60 nodes, some stores without parcel service)."""
    folder = tmp_path / "data"
    paths = generate(folder, orders=200, skus=40, days=30, start="2026-11-15")
    monkeypatch.setenv("SOURCING_DATA_DIR", str(folder))
    monkeypatch.setenv("SOURCING_DB_URL", f"sqlite:///{tmp_path / 'store.db'}")
    monkeypatch.setenv("SOURCING_USER", "ops.lead")
    with open(paths["nodes"], encoding="utf-8") as handle:
        return sorted(r["id"] for r in csv.DictReader(handle) if r["can_ship"] == "false")


def test_the_peak_strategy_is_warned_about_stores_that_cannot_ship(grounded_stores):
    assert len(grounded_stores) > 1
    app = studio()
    rows = findings(app)
    assert rows is not None
    assert rows[["severity", "line", "column", "code"]].values.tolist() == [
        ["warning", 21, 15, "source-cannot-ship"]
    ]
    assert ", ".join(grounded_stores[:5]) in rows["message"][0]
    fixed = FRANCE.replace(
        PEAK_SOURCE, PEAK_SOURCE.replace("source from ", "source from (") + ") and node.can_ship"
    )
    type_text(app, fixed)
    assert findings(app) is None


@pytest.mark.usefixtures("grounded_stores")
def test_a_wrong_clock_setting_is_said_on_the_page(monkeypatch):
    monkeypatch.setenv("SOURCING_NOW", "soon")
    app = studio()
    assert any("SOURCING_NOW must be an ISO 8601 instant" in e.value for e in app.error)
    assert findings(app) is None  # the checker's own findings still show: none here
