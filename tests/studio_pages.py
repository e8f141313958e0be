"""What the studio page tests share: a small demo dataset written by the real
generator, a fresh ruleset store per test, a page run headless with Streamlit's
AppTest, and a Plotly chart's data read back as numbers."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from simulations.demo_data import generate

STUDIO = Path(__file__).resolve().parents[1] / "studio"
PAGES = STUDIO / "views"
RUN_TIMEOUT = 120


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory) -> Path:
    """The demo generator's data, small: 20 nodes, 80 SKUs, 500 orders from 15 November
    2026 (peak protection starts that day in france.route)."""
    folder = tmp_path_factory.mktemp("demo-data")
    generate(folder, orders=500, nodes=20, skus=80, days=30, start="2026-11-15")
    return folder


@pytest.fixture(scope="session")
def plain_folder(demo_folder, tmp_path_factory) -> Path:
    """The demo data without its carriers and closures tables: no delivery promise,
    the distance ETA of kpis.md, as before carriers existed."""
    folder = tmp_path_factory.mktemp("demo-data-without-carriers")
    for file in demo_folder.iterdir():
        if file.stem not in ("carriers", "closures"):
            shutil.copy(file, folder / file.name)
    return folder


def _environment(folder: Path, tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("SOURCING_DATA_DIR", str(folder))
    monkeypatch.setenv("SOURCING_DB_URL", f"sqlite:///{tmp_path / 'store.db'}")
    monkeypatch.setenv("SOURCING_USER", "ops.lead")
    return folder


@pytest.fixture
def studio_env(demo_folder, tmp_path, monkeypatch) -> Path:
    """The studio's environment: the demo folder and an empty store of its own."""
    return _environment(demo_folder, tmp_path, monkeypatch)


@pytest.fixture
def plain_env(plain_folder, tmp_path, monkeypatch) -> Path:
    """The studio's environment on the demo data without carriers (`plain_folder`)."""
    return _environment(plain_folder, tmp_path, monkeypatch)


def page(name: str) -> AppTest:
    """A page of the studio, run on its own as Streamlit would run it."""
    return AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=RUN_TIMEOUT)


def studio_app() -> AppTest:
    """The whole studio (studio/app.py and its navigation), as `streamlit run` starts it."""
    return AppTest.from_file(str(STUDIO / "app.py"), default_timeout=RUN_TIMEOUT)


def decoded(value):
    """Plotly >= 6 writes number arrays as {dtype, bdata (base64)[, shape]}: decode them."""
    if isinstance(value, dict):
        if set(value) >= {"dtype", "bdata"}:
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
            if "shape" in value:
                shape = [int(n) for n in str(value["shape"]).split(",")]
                array = array.reshape(shape)
            return array.tolist()
        return {key: decoded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decoded(item) for item in value]
    return value


def chart(app: AppTest, key: str) -> dict:
    """The figure (data and layout) of the Plotly chart drawn with `key`, decoded."""
    for element in app.get("plotly_chart"):
        if element.proto.id.endswith(key) or f"-{key}-" in element.proto.id:
            return decoded(json.loads(element.proto.spec))
    ids = [element.proto.id for element in app.get("plotly_chart")]
    raise AssertionError(f"no chart with key {key!r}; charts: {ids}")


def map_points(figure: dict) -> list[dict]:
    """The traces of a map figure without its base map (the countries drawn behind)."""
    return [trace for trace in figure["data"] if trace.get("meta") != "base map"]


def texts(app: AppTest) -> str:
    """Every markdown, caption, alert and metric text of the page, one per line."""
    parts = [m.value for m in app.markdown] + [c.value for c in app.caption]
    for kind in ("error", "warning", "info", "success"):
        parts += [a.value for a in getattr(app, kind)]
    parts += [f"{m.label}: {m.value} {m.proto.delta}" for m in app.metric]
    return "\n".join(str(p) for p in parts)


def table(app: AppTest, *columns: str):
    """The first dataframe on the page that has all these columns."""
    for element in app.dataframe:
        frame = element.value
        if all(column in frame.columns for column in columns):
            return frame
    found = [list(element.value.columns) for element in app.dataframe]
    raise AssertionError(f"no table with columns {columns}; tables: {found}")
