"""The gap to the best possible in the studio (no browser): ticked on Simulate, the run
shows the bound's cards, its per-day gap chart, the gap by strategy and example orders,
as `simulations.bound` computes them on the same replay; ticked on Compare, every
scenario's bound figures side by side and one gap line per scenario."""

from __future__ import annotations

import pytest
import studio_pages
from studio_pages import chart, page, texts
from test_studio_compare import add_scenario, compare_button
from test_studio_simulate import expected, replayed  # noqa: F401 (a fixture)

from simulations.bound import compute_bound
from simulations.charts import KPI_LABELS
from studio.formats import kpi as format_kpi

demo_folder = studio_pages.demo_folder
studio_env = studio_pages.studio_env


@pytest.mark.usefixtures("studio_env")
def test_simulate_shows_the_gap_to_the_bound(expected):  # noqa: F811
    app = page("simulate").run()
    assert "simulate.run.chart.bound" not in str([c.proto.id for c in app.get("plotly_chart")])
    app.checkbox(key="simulate.bound").check().run()
    app.button[0].click().run()
    assert not app.exception, app.exception
    bound = compute_bound(expected)
    cards = {metric.label: metric.value for metric in app.metric}
    for key in ("cost_gap_pct", "fill_gap_pts", "ruleset_value", "bound_value"):
        assert cards[KPI_LABELS[key][0]] == format_kpi(key, bound.overall[key])
    figure = chart(app, "simulate.run.chart.bound")
    days = [str(day) for day in bound.by_day["day"]]
    assert [str(x)[:10] for x in figure["data"][0]["x"]] == days
    gaps = bound.by_day["ruleset_value"] - bound.by_day["bound_value"]
    assert list(figure["data"][0]["y"]) == [float(v) for v in gaps]
    shown = texts(app)
    assert "Gap to the best possible" in [header.value for header in app.subheader]
    assert f"Most of the gap is in the orders of **{bound.overall['gap_strategy']}**" in shown
    for text in bound.examples["text"]:
        assert text in shown


@pytest.mark.usefixtures("studio_env")
def test_compare_shows_each_scenarios_bound():
    app = page("compare").run()
    add_scenario(app, "today")
    add_scenario(app, "peak demand", demand=150)
    app.checkbox(key="compare.bound").check().run()
    compare_button(app).click().run()
    assert not app.exception, app.exception
    figure = chart(app, "compare.chart.bound")
    assert [trace["name"] for trace in figure["data"]] == ["today", "peak demand"]
    assert "Gap to the best possible" in [header.value for header in app.subheader]
