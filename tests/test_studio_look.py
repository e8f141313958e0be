"""How the studio looks to a business user: no developer note rendered by Streamlit's
magic on any page, and amounts, masses, dates and times written the same way
everywhere (studio/formats.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import studio_pages
from streamlit.runtime.scriptrunner.magic import add_magic
from studio_pages import texts

STUDIO = Path(__file__).resolve().parents[1] / "studio"
SCRIPTS = [STUDIO / "app.py", *sorted((STUDIO / "views").glob("*.py"))]
"""The files Streamlit runs as scripts (with magic): the app and its pages."""

demo_folder = studio_pages.demo_folder
studio_env = studio_pages.studio_env


def magic_writes(path: Path) -> list[str]:
    """The expressions Streamlit's magic would write on the page, as source text."""
    tree = add_magic(path.read_text("utf-8"), str(path))
    return [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "transparent_write"
    ]


def test_developer_note_is_not_shown_at_the_top_of_every_page():
    for script in SCRIPTS:
        assert magic_writes(script) == [], f"{script.name} shows a bare string on the page"


@pytest.mark.usefixtures("studio_env")
def test_the_app_shows_no_module_note():
    app = studio_pages.studio_app().run()
    assert not app.exception, app.exception
    shown = texts(app)
    assert "One module per page" not in shown
    assert "pages/" not in shown


@pytest.mark.usefixtures("studio_env")
def test_kpi_cards_show_euros_and_tonnes_and_plain_definitions():
    app = studio_pages.page("simulate").run()
    app.button[0].click().run()
    assert not app.exception, app.exception
    cards = {metric.label: metric for metric in app.metric}
    assert cards["Cost per order"].value.startswith("€")
    assert cards["CO2"].value.endswith((" t", " kg"))
    for metric in app.metric:
        assert "docs/kpis.md" not in metric.proto.help
        assert "`" not in metric.proto.help


@pytest.mark.usefixtures("studio_env")
def test_the_effective_window_pickers_write_dates_day_first():
    """The form's window dates once showed 2026/11/15 while every other picker showed
    15/11/2026."""
    app = studio_pages.studio_app().run()
    assert not app.exception, app.exception
    app.selectbox(key="rules.strategy").set_value("peak_store_protection").run()
    pickers = app.get("date_input")
    assert any(picker.proto.id.endswith("rules.form.window.0.start") for picker in pickers)
    assert {picker.proto.format for picker in pickers} == {"DD/MM/YYYY"}
