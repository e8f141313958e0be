"""The Sweep page: settings picked in forms, every combination replayed on a LocalCluster
with a progress bar, the Pareto chart and table, and a combination opened as a draft
(in the editor and in the ruleset store as the user's working copy)."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest
import studio_pages
from studio_pages import decoded, page

from rulesets.store import RulesetStore
from simulations.sweeps import replay_combination
from studio import data, state

demo_folder = studio_pages.demo_folder
studio_env = studio_pages.studio_env


@pytest.fixture
def swept(studio_env):  # noqa: ARG001 - the demo data and store the page reads
    """The page after a sweep of keep 1–2 × within 200/300/400 km on 2 workers."""
    app = page("sweep").run()
    assert not app.exception, app.exception
    assert app.selectbox(key="sweep.vary.0.address").value == "peak_store_protection.keep"
    assert app.selectbox(key="sweep.vary.1.address").value == "standard_home.within"
    app.number_input(key="sweep.vary.0.to").set_value(2)
    app.number_input(key="sweep.workers").set_value(2)
    app.run()
    assert any("6 combinations" in caption.value for caption in app.caption)
    app.button[0].click().run()
    assert not app.exception, app.exception
    return app


def test_a_sweep_runs_every_combination_and_shows_the_pareto_set(swept):
    progress = swept.get("progress")[0].proto
    assert progress.value == 100
    result = swept.session_state["sweep.result"]
    ran, skipped = result.run.ran, result.run.skipped  # skipped: done by an earlier test
    assert progress.text == f"Done: {ran} replayed, {skipped} already done, 0 failed"
    assert ran + skipped == 6
    table = result.run.table
    assert table["combination"].tolist() == [1, 2, 3, 4, 5, 6]
    assert table["peak_store_protection.keep"].tolist() == [1, 1, 1, 2, 2, 2]
    assert table["standard_home.within"].tolist() == [200, 300, 400] * 2
    assert (table["status"] == "done").all() and table["pareto"].any()

    spec = json.loads(swept.get("plotly_chart")[0].proto.spec)
    pareto = next(trace for trace in spec["data"] if trace["name"] == "Pareto")
    costs = sorted(decoded(pareto["x"]))
    assert costs == sorted(table.loc[table["pareto"], "cost_per_order"].tolist())
    assert len(swept.dataframe[0].value) == 6

    combination = result.combinations[5]  # its figures: a replay of it alone
    inputs = data.dataset("Europe/Paris").inputs_for(combination.scenario("x").ruleset)
    text, overrides = combination.ruleset_text, combination.overrides
    alone = replay_combination(inputs, "x", text, overrides, None, None)
    row = table.set_index("combination").loc[5]
    assert {k: None if pd.isna(row[k]) else row[k] for k in alone["kpis"]} == alone["kpis"]


def test_a_combination_opens_as_a_draft(swept):
    result = swept.session_state["sweep.result"]
    swept.selectbox(key="sweep.open.pick").set_value(4).run()
    swept.button(key="sweep.open").click().run()
    assert not swept.exception, swept.exception
    text = result.combinations[4].ruleset_text
    assert swept.session_state[state.TEXT] == text
    assert "keep 2 units at" in text and "within 200 km" in text
    assert any("Combination #4 is open" in s.value for s in swept.success)
    with RulesetStore.open(os.environ["SOURCING_DB_URL"]) as found:
        assert found.working_copies.latest("ops.lead").text == text


@pytest.mark.usefixtures("studio_env")
def test_the_sweep_page_opens_in_the_app():
    app = studio_pages.studio_app().run()
    app.switch_page("views/sweep.py").run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Sweep"
