"""Try one order with a carriers table: the order is routed as placed at the clock time
picked on the page (`Session.promise`, nothing committed), and the page shows each
shipment's carrier, service and dates, the order's promised date and the cut-off
countdown, as the engine computed them on the same tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import studio_pages
from studio_pages import page, studio_app, texts

import engine
from engine.tables import load_carriers, load_closures
from simulations import load_inputs
from studio import formats

demo_folder = studio_pages.demo_folder
studio_env = studio_pages.studio_env
plain_folder = studio_pages.plain_folder
plain_env = studio_pages.plain_env
TZ = "Europe/Paris"
PARIS = ZoneInfo(TZ)
FRANCE = studio_pages.STUDIO.parent / "rulesets" / "france.route"


def engine_session(folder, nodes: pd.DataFrame | None = None) -> engine.Session:
    """The france example on the folder's tables, with its carriers and closures."""
    inputs = load_inputs(
        folder / "nodes.csv", folder / "inventory.csv", folder / "orders.csv", timezone=TZ
    )
    carriers = load_carriers(folder / "carriers.csv")
    closures = load_closures(folder / "closures.csv", inputs.nodes["id"].tolist(), carriers)
    policy = engine.policy_of(FRANCE.read_text("utf-8"), filename="france.route")
    return engine.Session.open(
        policy,
        inputs.nodes if nodes is None else nodes,
        inputs.inventory,
        carriers=carriers,
        closures=closures,
    )


def history_order(folder, order_id: str) -> engine.Order:
    orders = load_inputs(
        folder / "nodes.csv", folder / "inventory.csv", folder / "orders.csv", timezone=TZ
    ).orders
    return engine.orders_from_frame(orders[orders["order_id"] == order_id], TZ)[0]


def tried(order_id: str, day: dt.date, time: dt.time):
    """The page with a history order, placed on `day` at `time` (Paris)."""
    app = page("try_order").run()
    app.date_input(key="try.placed.day").set_value(day)
    app.time_input(key="try.placed.time").set_value(time)
    app.text_input(key="try.search").set_value(order_id).run()
    assert not app.exception, app.exception
    return app


def first_home_order(folder) -> str:
    orders = pd.read_csv(folder / "orders.csv")
    home = orders[(orders["delivery"] == "home") & (orders["channel"] == "web")]
    return str(home["order_id"].iloc[0])


def test_the_promise_is_the_engines_for_the_clock_time_picked(studio_env):
    order_id = first_home_order(studio_env)
    placed = dt.datetime(2026, 12, 10, 11, 47, tzinfo=PARIS)  # a Thursday, 11:47
    expected = engine_session(studio_env).promise(history_order(studio_env, order_id), placed)
    assert expected.promised_date is not None

    app = tried(order_id, placed.date(), placed.time())
    shown_decision = app.session_state["try.decision"]
    assert replace(shown_decision, explain=()) == expected  # Session.promise explains nothing
    assert shown_decision.explain  # the same routing, explained, on a copy of the stock
    shown = studio_pages.table(app, "carrier", "service", "promised date")
    assert shown["node"].tolist() == [s.node_id for s in expected.shipments]
    assert shown["carrier"].tolist() == [s.carrier for s in expected.shipments]
    assert shown["service"].tolist() == [s.service for s in expected.shipments]
    assert shown["promised date"].tolist() == [
        formats.date(s.promised_date) for s in expected.shipments
    ]
    assert shown["ship date"].tolist() == [formats.date(s.ship_date) for s in expected.shipments]
    promised = next(m for m in app.metric if m.label == "Promised date")
    assert promised.value == formats.long_date(expected.promised_date)
    assert "Routed by Example: france.route at 10/12/2026 11:47" in texts(app)


def test_before_the_cutoff_the_countdown_and_after_it_the_next_pick(studio_env):
    nodes = pd.read_csv(studio_env / "nodes.csv").set_index("id")
    order_id = first_home_order(studio_env)
    morning = dt.datetime(2026, 12, 10, 9, 5, tzinfo=PARIS)
    decision = engine_session(studio_env).promise(history_order(studio_env, order_id), morning)
    shipment = decision.shipments[0]
    cutoff = dt.time.fromisoformat(nodes.loc[shipment.node_id, "cutoff"])
    assert shipment.carried.pick_date == morning.date()  # every node is open on a Thursday morning
    left = dt.datetime.combine(morning.date(), cutoff, PARIS) - morning
    hours, minutes = divmod(int(left.total_seconds()) // 60, 60)
    app = tried(order_id, morning.date(), morning.time())
    headline = [s.value for s in app.success if s.value.startswith("Order within")]
    when = formats.long_date(decision.promised_date, year=False)
    countdown = f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if len(decision.shipments) == 1:
        assert headline == [f"Order within {countdown} for delivery on {when}"]

    late = dt.datetime.combine(morning.date(), cutoff, PARIS) + dt.timedelta(minutes=1)
    after = engine_session(studio_env).promise(history_order(studio_env, order_id), late)
    app = tried(order_id, late.date(), late.time())
    moved = [s for s in after.shipments if s.node_id == shipment.node_id]
    if moved and moved[0].carried.pick_date != late.date():
        expected = (
            f"The {cutoff:%H:%M} cut-off of {shipment.node_id} has passed: picked on "
            f"{formats.long_date(moved[0].carried.pick_date, year=False)}"
        )
        assert any(s.value.startswith(expected) for s in app.success)


def test_an_edited_cutoff_is_what_the_promise_reads(studio_env):
    """The Carriers page's edit of a node's cut-off is the session's nodes table: the
    promise of Try one order reads it."""
    order_id = first_home_order(studio_env)
    placed = dt.datetime(2026, 12, 10, 15, 0, tzinfo=PARIS)
    before = engine_session(studio_env).promise(history_order(studio_env, order_id), placed)
    node = before.shipments[0].node_id
    nodes = load_inputs(
        studio_env / "nodes.csv",
        studio_env / "inventory.csv",
        studio_env / "orders.csv",
        timezone=TZ,
    ).nodes
    position = int(nodes.index[nodes["id"] == node][0])
    edited = nodes.assign(cutoff=nodes["cutoff"].where(nodes["id"] != node, "23:00"))
    after = engine_session(studio_env, edited).promise(history_order(studio_env, order_id), placed)

    app = studio_app().run()
    app.switch_page("views/carriers.py").run()
    app.session_state["carriers.nodes.editor.0"] = {
        "edited_rows": {position: {"cutoff": "23:00"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    assert "Applied" in texts(app)
    app.switch_page("views/try_order.py").run()
    app.date_input(key="try.placed.day").set_value(placed.date())
    app.time_input(key="try.placed.time").set_value(placed.time())
    app.text_input(key="try.search").set_value(order_id).run()
    assert not app.exception, app.exception
    assert replace(app.session_state["try.decision"], explain=()) == after


@pytest.mark.usefixtures("plain_env")
def test_without_carriers_there_is_no_clock_and_no_promise():
    app = page("try_order").run()
    assert not app.exception
    assert not [box for box in app.date_input if box.key == "try.placed.day"]
    assert "Delivery promise" not in [h.value for h in app.subheader]
    assert app.session_state["try.decision"].promised_date is None
