"""Returns in the studio's data and simulation pages, headless: the returns table loaded
with the others (its rejected rows shown), a replay of a ruleset with return strategies
routing the returns (the Returns section: cards, dispositions, rates, flows map, returned
lines) with the figures `simulations` computes on the same tables, the returns side by
side on Compare, and Try one return deciding as the engine does."""

from __future__ import annotations

import datetime as dt
from importlib import resources

import pandas as pd
import pytest
import studio_pages
from studio_pages import chart, map_points, page, studio_app, table, texts

import engine
import simulations
from engine import Explanation
from engine.returns import returns_from_frame
from engine.tables import load_inventory, load_nodes, load_returns
from rulesets.store import RulesetStore
from simulations.charts import KPI_LABELS
from simulations.explanation_words import Vocabulary
from simulations.return_charts import DISPOSITION_KEYS
from simulations.return_kpis import RETURN_KEYS
from studio import formats
from studio.components.kpi_cards import delta_text
from studio.components.return_view import lines_table
from studio.return_words import entry_words

demo_folder = studio_pages.demo_folder
studio_env = studio_pages.studio_env
TZ = "Europe/Paris"
FRANCE = (resources.files("rulesets") / "france.route").read_text(encoding="utf-8")
RETURNS = (resources.files("rulesets") / "france_returns.route").read_text(encoding="utf-8")
LABELS = {KPI_LABELS[key][0]: key for key in RETURN_KEYS}


def replayed(folder, text: str = RETURNS) -> simulations.Simulation:
    """The replay `simulations` makes of the folder's tables with its returns, over the
    days the page replays."""
    first, last = order_days(folder)
    return simulations.run(
        engine.policy_of(text, filename="ruleset.route"),
        folder / "nodes.csv",
        folder / "inventory.csv",
        folder / "orders.csv",
        folder / "replenishments.csv",
        carriers=folder / "carriers.csv",
        closures=folder / "closures.csv",
        returns=folder / "returns.csv",
        first_day=first,
        last_day=last,
    )


def order_days(folder) -> tuple[dt.date, dt.date]:
    """The first and last local days of the orders: the period Simulate and Compare
    replay by default (the replay stops at the end of the last day, so restocks due
    later release no backorder, as in the page)."""
    local = pd.to_datetime(pd.read_csv(folder / "orders.csv")["created_at"], utc=True)
    local = local.dt.tz_convert(TZ)
    return local.min().date(), local.max().date()


@pytest.fixture(scope="module")
def expected(demo_folder) -> simulations.Simulation:
    return replayed(demo_folder)


def simulate(ruleset: str):
    app = page("simulate").run()
    app.selectbox(key="simulate.ruleset").set_value(ruleset).run()
    app.button[0].click().run()
    assert not app.exception, app.exception
    return app


def return_cards(app) -> dict[str, tuple[str, str]]:
    return {LABELS[m.label]: (m.value, m.proto.delta) for m in app.metric if m.label in LABELS}


def test_a_ruleset_with_return_strategies_routes_the_returns(studio_env, expected):
    returns = pd.read_csv(studio_env / "returns.csv")
    app = simulate("Example: france_returns.route")
    said = texts(app)
    assert f"The {returns['return_id'].nunique():,} returns of the returns table are routed" in said
    assert "Returns" in [h.value for h in app.subheader]
    overall = expected.kpis.overall
    assert overall["units_returned"] == returns["qty"].sum()
    assert return_cards(app) == {key: (formats.kpi(key, overall[key]), "") for key in RETURN_KEYS}
    bars = chart(app, "simulate.run.chart.dispositions")["data"][0]
    assert bars["x"] == list(DISPOSITION_KEYS)
    assert bars["y"] == [overall[key] for key in DISPOSITION_KEYS.values()]
    by_channel = table(app, "Channel", "Units returned", "Return rate")
    assert by_channel.equals(formats.kpi_frame(expected.kpis.returns_by_channel))
    by_category = table(app, "Category", "Units returned", "Return rate")
    assert by_category.equals(formats.kpi_frame(expected.kpis.returns_by_category))
    # the flows map: a legend entry per disposition with its units, the receiving nodes
    flows = map_points(chart(app, "simulate.run.chart.return_flows"))
    legend = {t["name"] for t in flows if t.get("showlegend") is not False}
    for disposition, key in DISPOSITION_KEYS.items():
        if overall[key] and disposition in expected.returns["disposition"].values:
            assert f"{disposition} ({overall[key]:,} units)" in legend
    receiving = next(t for t in flows if t["name"] == "receiving nodes")
    assert len(receiving["lat"]) == expected.returns["node_id"].nunique()
    # the orders behind a figure are for order figures; the returned lines are listed
    assert not set(RETURN_KEYS) & set(app.selectbox(key="simulate.run.kpi").options)
    app.selectbox(key="simulate.run.returns.disposition").set_value("restock").run()
    lines = table(app, "return_id", "disposition", "restock_date")
    restocked = expected.returns[expected.returns["disposition"] == "restock"]
    assert len(lines) == len(restocked)
    assert set(lines["return_id"]) == set(restocked["return_id"])


@pytest.mark.usefixtures("studio_env")
def test_a_ruleset_without_return_strategies_leaves_them_out():
    app = simulate("Example: france.route")
    assert "This ruleset has no return strategy" in texts(app)
    assert "Returns" not in [h.value for h in app.subheader]
    assert not return_cards(app)


def test_return_figures_change_against_the_live_version(studio_env, expected, monkeypatch):
    monkeypatch.setenv("SOURCING_ALLOW_SELF_REVIEW", "1")
    with RulesetStore.open() as store:
        store.save("france", FRANCE, author="ops.lead")
        store.submit("france", 1, by="ops.lead")
        store.publish("france", 1, reviewer="ops.lead")
        store.save("france", RETURNS, author="ops.lead", based_on=1)
    app = simulate("france v2 (draft)")
    assert app.checkbox(key="simulate.against_live").value
    live = replayed(studio_env, FRANCE)  # the live version, given the same returns
    assert live.kpis.overall["units_unrouted"] == live.kpis.overall["units_returned"]
    cards = return_cards(app)
    for key in RETURN_KEYS:
        a, b = live.kpis.overall[key], expected.kpis.overall[key]
        change = None if a is None or b is None else b - a
        assert cards[key] == (formats.kpi(key, b), delta_text(key, change) or ""), key
    assert cards["units_restocked"][1].startswith("+")
    assert cards["units_unrouted"][1].startswith("-")


def test_compare_shows_the_returns_side_by_side(studio_env, expected):
    app = page("compare").run()
    for name, ruleset in (("today", "france.route"), ("returns", "france_returns.route")):
        app.selectbox(key="compare.new.ruleset").set_value(f"Example: {ruleset}").run()
        app.text_input(key="compare.new.name").set_value(name)
        app.button(key="compare.new.add").click().run()
    next(b for b in app.button if b.label == "Compare").click().run()
    assert not app.exception, app.exception
    assert "Returns" in [h.value for h in app.subheader]
    rows = next(
        frame.set_index("KPI")
        for frame in (element.value for element in app.dataframe)
        if "KPI" in frame.columns and KPI_LABELS["units_returned"][0] in set(frame["KPI"])
    )
    assert list(rows.columns) == ["today", "returns", "Δ returns"]
    live = replayed(studio_env, FRANCE)
    for key in RETURN_KEYS:
        label = KPI_LABELS[key][0]
        b = expected.kpis.overall[key]
        assert rows.loc[label, "returns"] == formats.kpi(key, b)
        a = live.kpis.overall[key]
        assert rows.loc[label, "today"] == formats.kpi(key, a)
        change = None if a is None or b is None else b - a
        assert rows.loc[label, "Δ returns"] == (delta_text(key, change) or "–")


def test_the_returns_table_and_its_rejects_are_on_the_network_page(studio_env):
    returns = pd.read_csv(studio_env / "returns.csv")
    app = page("network").run()
    card = next(m for m in app.metric if m.label == "Returns")
    assert card.value == f"{returns['return_id'].nunique():,}"
    assert card.proto.help.startswith(f"{len(returns):,} rows kept")
    broken = returns.copy()
    broken.loc[2, "condition"] = "broken"
    app.file_uploader(key="network.upload.returns.0").set_value(
        ("my_returns.csv", broken.to_csv(index=False).encode(), "text/csv")
    )
    app.run()
    rejects = table(app, "table", "row", "reason")
    mine = rejects[rejects["table"] == "returns"]
    assert mine["row"].tolist() == [4]  # the header is row 1
    assert "condition" in mine["column"].iloc[0]
    assert "Returns: " in texts(app) and "1 row rejected" in texts(app)


@pytest.mark.usefixtures("studio_env")
def test_try_one_return_page_opens_in_the_app():
    app = studio_app().run()
    app.switch_page("views/try_return.py").run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Try one return"
    assert "has no return strategy" in texts(app)  # the demo's france.route


def opening_session(folder) -> engine.Session:
    nodes = load_nodes(folder / "nodes.csv")
    return engine.Session.open(RETURNS, nodes.frame, load_inventory(folder / "inventory.csv"))


def test_a_return_of_the_table_is_routed_as_the_engine_routes_it(studio_env):
    nodes = load_nodes(studio_env / "nodes.csv").frame
    table_ = load_returns(studio_env / "returns.csv", node_ids=list(nodes["id"]), timezone=TZ)
    several = table_.frame.groupby("return_id").filter(lambda rows: len(rows) > 1)
    pick = several if len(several) else table_.frame
    return_id = str(pick["return_id"].iloc[0])
    ret = returns_from_frame(table_.frame[table_.frame["return_id"] == return_id])[0]
    decision = opening_session(studio_env).copy().route_return(ret, explain=True)

    app = page("try_return").run()
    app.selectbox(key="try_return.ruleset").set_value("Example: france_returns.route").run()
    app.text_input(key="try_return.search").set_value(return_id).run()
    assert app.selectbox(key="try_return.return_id").value == return_id
    assert not app.exception, app.exception
    shown = table(app, "sku", "node", "disposition", "restock_date", "strategy")
    assert shown.equals(lines_table(decision, nodes))
    said = texts(app)
    assert f"Decision for {return_id}" in [h.value for h in app.subheader]
    chosen = next(e for e in decision.explain if e.outcome == "chosen")
    assert "sends it to" in said and chosen.node_id in said


@pytest.mark.usefixtures("studio_env")
def test_a_typed_return_with_a_bad_line_is_reported_not_routed():
    app = page("try_return").run()
    app.selectbox(key="try_return.ruleset").set_value("Example: france_returns.route").run()
    app.segmented_control(key="try_return.mode").set_value("Fill in a return").run()
    app.session_state["try_return.form.lines.0"] = {
        "edited_rows": {0: {"qty": 0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    assert not app.exception, app.exception
    assert "This return cannot be routed as it is:" in texts(app)
    rejects = table(app, "line", "column", "reason")
    assert rejects["column"].tolist() == ["qty"]


@pytest.mark.usefixtures("studio_env")
def test_a_typed_post_return_goes_to_the_returns_centre():
    app = page("try_return").run()
    app.selectbox(key="try_return.ruleset").set_value("Example: france_returns.route").run()
    app.segmented_control(key="try_return.mode").set_value("Fill in a return").run()
    app.segmented_control(key="try_return.form.method").set_value("post").run()
    app.session_state["try_return.form.lines.0"] = {
        "edited_rows": {0: {"condition": "damaged", "reason": "damaged"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    assert not app.exception, app.exception
    shown = table(app, "sku", "node", "disposition", "strategy")
    assert shown["disposition"].tolist() == ["liquidate"]
    assert shown["strategy"].tolist() == ["returns_centre"]
    assert "“Returns centre” sends it to" in texts(app)


def test_every_entry_of_a_return_decision_reads_as_a_sentence():
    words = Vocabulary({"centre": "Returns centre"}, {"DC-O": "Orléans DC", "ST-N": "Nice"})
    said = [
        entry_words(Explanation(*entry), words)
        for entry in (
            ("centre", "DC-O", "chosen", "rank by distance", "best of 2; disposition refurbish",
             "rank"),
            ("centre", "DC-O", "chosen", "rank by distance", "best of 1; disposition restock",
             "rank"),
            ("centre", "ST-N", "ranked", "rank by distance", "rank 2 of 2", "rank"),
            ("centre", "ST-N", "excluded", 'send to node.tags has "returns"',
             "`send to` does not hold", "source"),
            ("centre", "ST-N", "excluded", "accepts_returns", "the node does not accept returns",
             "source"),
            ("centre", "ST-N", "excluded", "node offline", "the node is offline", "offline"),
            ("centre", "ST-N", "excluded", "within 300 km", "323 km away", "within"),
            ("centre", None, "excluded", "disposition",
             "disposition by return.condition has no case for 'broken'"),
        )
    ]  # fmt: skip
    assert said == [
        "“Returns centre” sends it to Orléans DC (DC-O), the best of 2 candidates "
        "(rank by distance), to refurbish",
        "“Returns centre” sends it to Orléans DC (DC-O), the only candidate "
        "(rank by distance), to restock",
        "Nice (ST-N) ranks 2 of 2 for “Returns centre”",
        "“Returns centre” does not send to it: Nice (ST-N) is not tagged returns",
        "Nice (ST-N) does not accept returns",
        "Nice (ST-N) is offline",
        "Nice (ST-N) is 323 km away, beyond the 300 km of “Returns centre”",
        "“Returns centre” does not take it: disposition by return.condition has no case "
        "for 'broken'",
    ]
