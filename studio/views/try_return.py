"""Try one return: pick a return from the returns table or fill one in, route it with the
chosen ruleset's return strategies at its instant against the opening stock, and see
where each returned line goes, what becomes of it and why."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from engine.returns import Return, ReturnDecision, returns_from_frame
from engine.tables import load_returns
from studio import data, formats
from studio.components import opening_stock, return_form, return_view
from studio.components.history_pick import pick_listed
from studio.components.ruleset_choice import runnable_ruleset
from studio.components.widget_memory import field, remember

HISTORY = "From the returns table"
NEW = "Fill in a return"
ALL = "All"


def render() -> None:
    st.title("Try one return")
    runnable = runnable_ruleset("try_return.ruleset")
    if runnable is None:
        return
    if not data.has_returns(runnable.ruleset):
        st.info(
            f"{runnable.choice.label} has no return strategy. Add one on the Rules page "
            "(Form, **Add return strategy**) and pick the current draft here, or pick an "
            "example with returns (france_returns.route).",
            icon=":material/assignment_return:",
        )
        return
    dataset = runnable.dataset
    timezone = runnable.policy.timezone
    table = dataset.tables.get("returns")
    modes = [HISTORY, NEW] if table is not None else [NEW]
    mode = st.segmented_control(
        "Return", modes, key=field("try_return.mode", modes[0]), required=True
    )
    if mode == HISTORY and table is not None:
        ret = _history(table.frame, timezone)
    else:
        inputs = dataset.inputs
        first_day = _first_day(inputs.orders, timezone)
        rows = return_form.return_form(inputs.nodes, inputs.inventory, first_day, timezone)
        ret = _checked(rows, dataset, timezone)
    remember()
    if ret is None:
        return
    decision = route(runnable, dataset, ret)
    st.session_state["try_return.decision"] = decision
    st.divider()
    st.subheader(f"Decision for {ret.id}")
    st.caption(
        f"Routed by {runnable.choice.label} at {formats.date_time(ret.created_at, timezone)} "
        f"({timezone}) against the opening stock: the `need` of a node is its target less "
        "the stock the data opens with. The Simulate page replays the history in order, "
        "where orders have taken stock and earlier returns are on their way."
    )
    nodes = dataset.inputs.nodes
    return_view.show_decision(decision, nodes, runnable.ruleset)
    st.plotly_chart(return_view.decision_map(decision, ret, nodes), key="try_return.map")
    with st.expander("The decision as JSON (what `sourcing route --returns` writes)"):
        st.code(decision.to_json(), language="json", wrap_lines=True)


def route(runnable, dataset: data.Dataset, ret: Return) -> ReturnDecision:
    """Route one return with its explanation on a copy of the opening stock, at the
    return's own instant (nothing is kept)."""
    return opening_stock.opening(runnable, dataset).copy().route_return(ret, explain=True)


def _history(returns: pd.DataFrame, timezone: str) -> Return | None:
    """A return of the returns table, searched by id and narrowed by method."""
    one, two = st.columns(2)
    method = one.selectbox(
        "Returned", [ALL, *sorted(returns["method"].astype(str).unique())],
        key=field("try_return.method", ALL),
    )  # fmt: skip
    search = two.text_input("Return id contains", key=field("try_return.search", ""))
    heads = returns.drop_duplicates("return_id")
    if method != ALL:
        heads = heads[heads["method"] == method]
    if search:
        heads = heads[heads["return_id"].astype(str).str.contains(search, regex=False)]
    lines = pick_listed(returns, heads, "return_id", "return", "try_return", timezone, _edit_copy)
    if lines is None:
        return None
    return returns_from_frame(lines)[0]


def _edit_copy(lines: pd.DataFrame, timezone: str) -> None:
    return_form.copy_into_form(lines, timezone)
    st.session_state["try_return.mode"] = NEW


def _checked(rows: pd.DataFrame, dataset: data.Dataset, timezone: str) -> Return | None:
    """The return, read by the returns loader (its rules and messages); None if refused."""
    if rows.empty:
        st.info("Give the return at least one line.", icon=":material/info:")
        return None
    node_ids = dataset.inputs.nodes["id"].astype(str).tolist()
    table = load_returns(rows.reset_index(drop=True), node_ids=node_ids, timezone=timezone)
    if not table.rejects.empty:
        st.error("This return cannot be routed as it is:", icon=":material/error:")
        shown = table.rejects.assign(line=table.rejects["row"] - 1)
        st.dataframe(shown[["line", "column", "reason"]], hide_index=True)
        return None
    return returns_from_frame(table.frame)[0]


def _first_day(orders: pd.DataFrame, timezone: str) -> dt.date:
    """The first local day of the orders (where a typed return starts; today without)."""
    if orders.empty:
        return dt.date.today()
    first = pd.to_datetime(orders["created_at"], utc=True).min()
    return first.tz_convert(timezone).date()


if __name__ == "__main__":
    render()
