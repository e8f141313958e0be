"""The Timeline page: the Gantt's bars, today and the peak season read back from the chart
data, and "what is in force" checked against the router's own strategy choice."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import studio_pages
from streamlit.testing.v1 import AppTest
from studio_pages import RUN_TIMEOUT, chart, texts

import dsl
import engine
from engine import in_force
from studio import schedule

demo_folder = studio_pages.demo_folder
studio_env = studio_pages.studio_env
APP = Path(__file__).resolve().parents[1] / "studio" / "app.py"
FRANCE = (resources.files("rulesets") / "france.route").read_text(encoding="utf-8")
PARIS = ZoneInfo("Europe/Paris")
MS = 1000


def run(app: AppTest) -> AppTest:
    app.run()
    assert not app.exception, app.exception
    return app


def timeline() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT)
    run(app)
    app.switch_page("views/timeline.py")
    return run(app)


def bars(figure: dict) -> dict[str, list[tuple[str, dt.datetime]]]:
    """strategy id -> [(start as drawn, end)] from the chart's base (start) and x (duration);
    the id is the first hover field of each bar (the row shows the label)."""
    out: dict[str, list] = {}
    for trace in figure["data"]:
        ids = [fields[0] for fields in trace["customdata"]]
        for name, base, duration in zip(ids, trace["base"], trace["x"], strict=True):
            start = dt.datetime.fromisoformat(base)
            out.setdefault(name, []).append((start, start + dt.timedelta(milliseconds=duration)))
    return out


def in_force_table(app: AppTest) -> pd.DataFrame:
    return next(e.value for e in app.dataframe if "applies" in e.value.columns)


@pytest.mark.usefixtures("studio_env")
def test_the_gantt_draws_every_window_in_the_ruleset_time_zone():
    app = timeline()
    assert app.selectbox(key="timeline.ruleset").value.startswith("Current draft (france v1")
    assert app.slider(key="timeline.years").value == (2026, 2027)
    figure = chart(app, "timeline.gantt")
    drawn = bars(figure)
    # one row per strategy, the first the router tries on top (categories run bottom-up)
    assert "autorange" not in figure["layout"]["yaxis"]
    assert figure["layout"]["yaxis"]["categoryarray"][::-1] == [
        "VIP express",
        "Peak season store protection",
        "Click and collect",
        "Standard home delivery",
        "Warehouses only",
    ]
    assert not {trace["marker"]["color"] for trace in figure["data"]} & {"#d62728", "#EF553B"}
    edge = (dt.datetime(2026, 1, 1), dt.datetime(2028, 1, 1))
    assert drawn == {
        # a date-time end is that minute, included
        "vip_express": [(dt.datetime(2026, 11, 1), dt.datetime(2027, 1, 16))],
        # a bare date end is the whole day
        "peak_store_protection": [(dt.datetime(2026, 11, 15), dt.datetime(2027, 1, 1))],
        # no window, or an open end: to the edges of the years shown
        "click_and_collect": [edge],
        "standard_home": [edge],
        "dc_backstop": [edge],
    }
    shapes = figure["layout"]["shapes"]
    peak = [s for s in shapes if s["type"] == "rect"]
    assert [(s["x0"], s["x1"]) for s in peak] == [("2026-11-15T00:00:00", "2027-01-01T00:00:00")]
    today = [s for s in shapes if s.get("name") == "today"]
    assert len(today) == 1
    assert today[0]["x0"][:10] == dt.datetime.now(PARIS).date().isoformat()
    assert "Times are in the ruleset's time zone, Europe/Paris." in texts(app)


@pytest.mark.usefixtures("studio_env")
def test_years_cut_the_bars_and_no_peak_strategy_shades_the_usual_season():
    app = timeline()
    app.slider(key="timeline.years").set_range(2027, 2027)
    run(app)
    drawn = bars(chart(app, "timeline.gantt"))
    assert "peak_store_protection" not in drawn  # its window is outside 2027
    assert drawn["vip_express"] == [(dt.datetime(2027, 1, 1), dt.datetime(2027, 1, 16))]

    ruleset = dsl.parse(FRANCE.replace("peak_store_protection", "season_protection"))
    ruleset = ruleset.model_copy(
        update={
            "strategies": [
                st.model_copy(update={"label": None}) if st.id == "season_protection" else st
                for st in ruleset.strategies
            ]
        }
    )
    assert schedule.peak_windows(ruleset, 2026, 2027) == [
        (dt.datetime(2026, 11, 15), dt.datetime(2027, 1, 1)),
        (dt.datetime(2027, 11, 15), dt.datetime(2028, 1, 1)),
    ]


@pytest.mark.usefixtures("studio_env")
@pytest.mark.parametrize(
    ("day", "minute", "channel", "delivery", "chosen", "chain", "contenders"),
    [
        ("2026-11-20", "12:00", "web", "home", "peak_store_protection", 2, []),
        ("2026-12-31", "23:45", "marketplace", "home", "peak_store_protection", 2, []),
        ("2027-01-01", "00:00", "web", "home", "standard_home", 2, []),
        ("2026-11-20", "12:00", "store", "home", "standard_home", 2, []),
        ("2026-11-20", "12:00", "web", "express", "dc_backstop", 1, ["vip_express"]),
        ("2026-06-01", "09:00", "web", "express", "dc_backstop", 1, []),
        ("2026-06-01", "09:00", "b2b", "collect", "click_and_collect", 1, []),
    ],
)
def test_what_is_in_force_on_a_date(day, minute, channel, delivery, chosen, chain, contenders):
    app = timeline()
    app.date_input(key="timeline.day").set_value(dt.date.fromisoformat(day))
    app.time_input(key="timeline.time").set_value(dt.time.fromisoformat(minute))
    app.selectbox(key="timeline.channel").set_value(channel)
    app.selectbox(key="timeline.delivery").set_value(delivery)
    run(app)
    said = " ".join(s.value for s in app.success)
    assert f"(`{chosen}`)" in said
    assert said.count("`") // 2 == 1 + (chain if chain > 1 else 0)
    shown = " ".join(i.value for i in app.info)
    for strategy in contenders:
        assert f'(`{strategy}`) when order.tier == "vip"' in shown
    table = in_force_table(app)
    expected_day = [
        st.id
        for st in engine.policy_of(FRANCE).strategies
        if _in_force_some_time(st, dt.date.fromisoformat(day))
    ]
    assert table["strategy"].tolist() == expected_day


def _in_force_some_time(strategy, day: dt.date) -> bool:
    start = dt.datetime.combine(day, dt.time(0), tzinfo=PARIS)
    return any(strategy.in_force(start + dt.timedelta(minutes=m)) for m in range(0, 1440, 15))


def test_the_answer_is_the_routers_choice(studio_env):
    """For every demo order whose strategy the page can tell from its channel and delivery
    method alone, the router's primary strategy is the one the page names."""
    policy = engine.policy_of(FRANCE)
    orders = engine.orders_from_frame(
        pd.read_csv(studio_env / "orders.csv"), timezone="Europe/Paris"
    )
    told = 0
    for order in orders:
        local = order.created_at.astimezone(PARIS)
        answer = in_force.outlook(
            policy, local.date(), local.time(), order.get("channel"), order.get("delivery")
        )
        primary = policy.primary(order, order.created_at)
        if answer.contenders:
            assert primary.id in [c.id for c in answer.contenders] + [answer.chosen.id]
            continue
        told += 1
        assert primary is not None and primary.id == answer.chosen.id, order.id
    assert told > 400


@pytest.mark.usefixtures("studio_env")
def test_the_timeline_follows_the_text_on_the_rules_page():
    app = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT)
    run(app)
    edited = FRANCE.replace(
        "effective 2026-11-15 to 2026-12-31", "effective 2026-11-08 to 2026-12-24"
    )
    app.text_area(key="rules.editor").input(edited)
    run(app)
    app.switch_page("views/timeline.py")
    run(app)
    drawn = bars(chart(app, "timeline.gantt"))
    assert drawn["peak_store_protection"] == [(dt.datetime(2026, 11, 8), dt.datetime(2026, 12, 25))]
    # a text that does not parse says so instead of drawing
    app.switch_page("views/rules.py")
    run(app)
    app.text_area(key="rules.editor").input(edited.replace("within 50 km", "within km"))
    run(app)
    app.switch_page("views/timeline.py")
    run(app)
    assert not app.get("plotly_chart")
    assert any("does not parse" in e.value for e in app.error)
