"""The what-if overrides of a scenario as a form: strategies switched off or given new
effective dates, nodes closed, capacity and stock scaled by node type, demand scaled.
It can start from a scenario file (the TOML format of docs/simulations.md): what the
form has no field for (per-node multipliers, cut-offs, carrier changes) is kept from the
file and listed. The form only builds `simulations.Overrides`, the simulation package
applies them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from dsl import syntax as s
from simulations import Overrides, ScenarioError, ScenarioFile, load_scenario_file
from simulations.scenarios import ALL_NODES, EffectiveDates
from studio import formats
from studio.components.widget_memory import field, forget

SCENARIO_FOLDER = Path("scenarios")
NO_FILE = "(none)"


def scenario_files(folder: Path = SCENARIO_FOLDER) -> dict[str, Path]:
    """Scenario files next to the studio (./scenarios/*.toml), by file name."""
    if not folder.is_dir():
        return {}
    return {path.name: path for path in sorted(folder.glob("*.toml"))}


FORM_FIELDS = (
    "off",
    "redate",
    "from.",
    "to.",
    "close",
    "capacity.",
    "stock.",
    "by_node",
    "demand",
    "seed",
    "promise",
)
"""The form's own fields under its key (`<key>.off`...): what a scenario file replaces.
Other fields under the same key (the page's ruleset picker, the scenario's name) stay."""


def clear(key: str) -> None:
    """Empty the form's fields (their defaults show again)."""
    for name in FORM_FIELDS:
        forget(f"{key}.{name}")


def prefill(key: str, scenario: ScenarioFile, node_types: list[str]) -> None:
    """Put a scenario file's overrides into the form's fields."""
    clear(key)
    overrides = scenario.overrides
    state = st.session_state
    state[f"{key}.off"] = list(overrides.strategies_off)
    state[f"{key}.redate"] = list(overrides.effective)
    for sid, dates in overrides.effective.items():
        state[f"{key}.from.{sid}"] = _day(dates.start)
        state[f"{key}.to.{sid}"] = _day(dates.end)
    state[f"{key}.close"] = list(overrides.close_nodes)
    by_node: dict[str, dict[str, float]] = {}
    for what, factors in (("capacity", overrides.capacity), ("stock", overrides.stock)):
        for node_type in node_types:
            factor = factors.get(node_type, factors.get(ALL_NODES, 1.0))
            state[f"{key}.{what}.{node_type}"] = round(100 * factor)
        by_node[what] = {k: v for k, v in factors.items() if k != ALL_NODES and k not in node_types}
    state[f"{key}.by_node"] = by_node
    state[f"{key}.demand"] = round(100 * overrides.demand_scale)
    state[f"{key}.seed"] = overrides.demand_seed
    state[f"{key}.promise"] = Overrides(cutoff=overrides.cutoff, carriers=overrides.carriers)
    if scenario.name:
        state[f"{key}.name"] = scenario.name


def overrides_form(key: str, ruleset: s.Ruleset, nodes: pd.DataFrame) -> Overrides:
    """Draw the form (fields under `key`) and return the overrides it describes."""
    strategy_ids = [strategy.id for strategy in ruleset.strategies]
    node_ids = sorted(nodes["id"].astype(str))
    node_types = sorted(nodes["type"].astype(str).unique())
    _start_from(key, node_types)
    left, right = st.columns(2)
    off = left.multiselect(
        "Switch strategies off",
        strategy_ids,
        key=_choices(f"{key}.off", strategy_ids),
        help="orders fall back on the next strategy of the chain that is still on",
    )
    close = right.multiselect(
        "Close nodes",
        node_ids,
        key=_choices(f"{key}.close", node_ids),
        help="a closed node ships nothing; its stock is out of the run",
    )
    still_on = [sid for sid in strategy_ids if sid not in off]
    redate = left.multiselect(
        "Give strategies new effective dates",
        still_on,
        key=_choices(f"{key}.redate", still_on),
        help="both ends inclusive, in the ruleset's time zone; an empty end is open",
    )
    effective = {}
    for sid in redate:
        start_col, end_col = st.columns(2)
        start = start_col.date_input(
            f"{sid} from",
            value=None,
            format=formats.DATE_INPUT,
            key=field(f"{key}.from.{sid}", None),
        )
        end = end_col.date_input(
            f"{sid} to", value=None, format=formats.DATE_INPUT, key=field(f"{key}.to.{sid}", None)
        )
        effective[sid] = EffectiveDates.model_validate({"from": start, "to": end})
    st.markdown("**Capacity and stock, % of today's, by node type**")
    capacity, stock = {}, {}
    for column, node_type in zip(st.columns(len(node_types)), node_types, strict=True):
        for what, scaled in (("capacity", capacity), ("stock", stock)):
            percent = column.number_input(
                f"{node_type} {what} %",
                min_value=0,
                max_value=1000,
                step=10,
                key=field(f"{key}.{what}.{node_type}", 100),
            )
            if percent != 100:
                scaled[node_type] = percent / 100
    by_node = st.session_state.get(f"{key}.by_node", {})
    for what, scaled in (("capacity", capacity), ("stock", stock)):
        for node_id, factor in by_node.get(what, {}).items():
            scaled[node_id] = factor
            st.caption(f"{what} × {factor:g} at {node_id} (from the scenario file)")
    demand_col, seed_col = st.columns(2)
    demand = demand_col.number_input(
        "Demand % of history",
        min_value=1,
        max_value=1000,
        step=10,
        key=field(f"{key}.demand", 100),
        help="orders are resampled whole: 130 % repeats a random 30 % of them",
    )
    seed = seed_col.number_input(
        "Resampling seed", min_value=0, step=1, key=field(f"{key}.seed", 0)
    )
    promise = st.session_state.get(f"{key}.promise", Overrides())
    for line in promise.describe():
        st.caption(f"{line} (from the scenario file)")
    return Overrides(
        strategies_off=tuple(off),
        effective=effective,
        close_nodes=tuple(close),
        capacity=capacity,
        stock=stock,
        demand_scale=demand / 100,
        demand_seed=int(seed),
        cutoff=promise.cutoff,
        carriers=promise.carriers,
    )


def _start_from(key: str, node_types: list[str]) -> None:
    files = scenario_files()
    if not files:
        return

    def load() -> None:
        name = st.session_state[f"{key}.file"]
        if name == NO_FILE:
            clear(key)
            return
        try:
            prefill(key, load_scenario_file(files[name]), node_types)
        except ScenarioError as error:
            st.session_state[f"{key}.file_error"] = str(error)

    options = [NO_FILE, *files]
    if st.session_state.get(f"{key}.file") not in options:
        st.session_state.pop(f"{key}.file", None)
    st.selectbox(
        "Start from a scenario file",
        options,
        key=field(f"{key}.file", NO_FILE),
        on_change=load,
        help=f"the overrides of a file in {SCENARIO_FOLDER}/ (its ruleset is not used)",
    )
    error = st.session_state.pop(f"{key}.file_error", None)
    if error:
        st.error(error, icon=":material/error:")


def _choices(key: str, options: list[str]) -> str:
    """A multiselect's key, its kept value cut to the options it has now."""
    field(key, [])
    st.session_state[key] = [v for v in st.session_state[key] if v in options]
    return key


def _day(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value
