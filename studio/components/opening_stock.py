"""The session a page routes one order or one return in: the ruleset on the data's
network and opening stock (with its carriers and closures when it has some), made once
per ruleset and data version; each try works on a copy, so nothing routed there stays."""

from __future__ import annotations

import streamlit as st

import engine
from studio import data


def opening(runnable, dataset: data.Dataset) -> engine.Session:
    """The runnable ruleset on the dataset's opening stock (shared: copy it to route)."""
    choice = runnable.choice
    return _opening((dataset.key, choice.text, choice.filename), runnable.policy, dataset)


@st.cache_resource(show_spinner=False, max_entries=8)
def _opening(
    key: tuple,  # noqa: ARG001 - the ruleset and data versions key the cache
    _policy: engine.Policy,
    _dataset: data.Dataset,
) -> engine.Session:
    inputs = _dataset.inputs
    assert inputs is not None, "a runnable ruleset has its data"
    return engine.Session.open(
        _policy,
        inputs.nodes,
        inputs.inventory,
        carriers=_dataset.carriers,
        closures=_dataset.closures,
    )
