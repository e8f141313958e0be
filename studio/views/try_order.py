"""Try one order: pick an order from history or fill one in, route it with the chosen
ruleset against the opening stock, and see the decision with its reasons; with a
carriers table, its delivery promise for an order placed at a clock time."""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

import engine
from engine.tables import load_orders
from studio import data, formats
from studio.components import decision_view, opening_stock, order_form, promise_view
from studio.components.history_pick import pick_listed
from studio.components.ruleset_choice import runnable_ruleset
from studio.components.widget_memory import field, remember

HISTORY = "From history"
NEW = "Fill in an order"
ALL = "All"


def render() -> None:
    st.title("Try one order")
    runnable = runnable_ruleset("try.ruleset")
    if runnable is None:
        return
    choice, dataset = runnable.choice, runnable.dataset
    timezone = runnable.policy.timezone
    mode = st.segmented_control(
        "Order", [HISTORY, NEW], key=field("try.mode", HISTORY), required=True
    )
    placed_at = promise_view.placed_at(timezone) if dataset.carriers is not None else None
    if mode == HISTORY:
        rows = _history(dataset, timezone)
    else:
        inputs = dataset.inputs
        rows = order_form.order_form(
            inputs.nodes, inputs.orders, inputs.inventory, timezone, placed_at
        )
    remember()
    if rows is None or rows.empty:
        st.info("Give the order at least one line.", icon=":material/info:")
        return
    order = _checked(rows, dataset, timezone)
    if order is None:
        return
    decision = route(runnable, dataset, order, placed_at)
    st.session_state["try.decision"] = decision
    st.divider()
    st.subheader(f"Decision for {order.id}")
    at = order.created_at if placed_at is None else placed_at
    st.caption(
        f"Routed by {choice.label} at {formats.date_time(at, timezone)} "
        f"({timezone}) against the opening "
        "stock, with no capacity used yet that day. The Simulate page replays history in "
        "order, where earlier orders have taken stock and capacity."
    )
    if placed_at is not None:
        promise_view.show(
            decision,
            dataset.tables["nodes"],
            dataset.carriers,
            dataset.closures,
            placed_at,
            timezone,
        )
    decision_view.show_decision(decision, dataset.inputs.nodes, runnable.policy.ruleset)
    st.plotly_chart(_map(decision, order.destination, dataset), key="try.map")
    with st.expander("The decision as JSON (what the routing service returns)"):
        st.code(decision.to_json(), language="json", wrap_lines=True)


def _map(decision: engine.Decision, destination, dataset: data.Dataset):
    """The decision's map, drawn again only when the decision or the data changed."""
    kept = st.session_state.get("try.map_figure")
    key = (decision.to_json(), destination, dataset.key)
    if kept is None or kept[0] != key:
        figure = decision_view.decision_map(decision, dataset.inputs.nodes, destination)
        kept = st.session_state["try.map_figure"] = (key, figure)
    return kept[1]


def _history(dataset: data.Dataset, timezone: str) -> pd.DataFrame | None:
    orders = dataset.inputs.orders
    one, two, three = st.columns(3)
    channels = [ALL, *sorted(orders["channel"].astype(str).unique())]
    channel = one.selectbox("Channel", channels, key=field("try.channel", ALL))
    delivery = two.selectbox(
        "Delivery", [ALL, *order_form.DELIVERIES], key=field("try.delivery", ALL)
    )
    search = three.text_input("Order id contains", key=field("try.search", ""))
    heads = orders.drop_duplicates("order_id")
    if channel != ALL:
        heads = heads[heads["channel"] == channel]
    if delivery != ALL:
        heads = heads[heads["delivery"] == delivery]
    if search:
        heads = heads[heads["order_id"].astype(str).str.contains(search, regex=False)]
    return pick_listed(orders, heads, "order_id", "order", "try", timezone, _edit_copy)


def _edit_copy(lines: pd.DataFrame, timezone: str) -> None:
    order_form.copy_into_form(lines, timezone)
    st.session_state["try.mode"] = NEW


def _checked(rows: pd.DataFrame, dataset: data.Dataset, timezone: str):
    """The order, read by the orders loader (its rules and messages); None if rejected."""
    node_ids = dataset.inputs.nodes["id"].astype(str).tolist()
    table = load_orders(rows.reset_index(drop=True), node_ids=node_ids, timezone=timezone)
    if not table.rejects.empty:
        st.error("This order cannot be routed as it is:", icon=":material/error:")
        shown = table.rejects.assign(line=table.rejects["row"] - 1)
        st.dataframe(shown[["line", "column", "reason"]], hide_index=True)
        return None
    return engine.orders_from_frame(table.frame, timezone)[0]


def route(runnable, dataset: data.Dataset, order: engine.Order, placed_at=None) -> engine.Decision:
    """Route one order with its explanation on the opening stock. With a carriers table,
    its promise as placed at `placed_at` (`Session.promise`: nothing committed), the
    explanation being that of the same routing on a copy of the opening stock (the
    promise gives none); without, on a fresh copy at the order's own time."""
    opening = opening_stock.opening(runnable, dataset)
    if placed_at is None:
        return opening.copy().route_one(order, explain=True)
    at = placed_at.to_pydatetime()
    explained = opening.copy().route_one(order, at=at, explain=True)
    return dataclasses.replace(opening.promise(order, at=at), explain=explained.explain)


if __name__ == "__main__":
    render()
