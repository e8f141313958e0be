"""The ruleset in plain words on the Rules page: each strategy, in the order they are
tried — the order strategies, then the return strategies, each kind tried among its
own — as the sentences of `dsl.wording.strategy_words`, for readers who do not read
rule code."""

from __future__ import annotations

import streamlit as st

from dsl import syntax as s
from dsl.wording import strategy_name, strategy_words

RETURNS_HEADING = "Returns: where returned units go, tried in this order among themselves"


def show(ruleset: s.Ruleset | None) -> None:
    """An expander with every strategy in words (nothing when the text does not parse)."""
    if ruleset is None or not ruleset.strategies:
        return
    labels = {strategy.id: strategy_name(strategy) for strategy in ruleset.strategies}
    with st.expander("The rules in plain words", icon=":material/article:"):
        for strategy in ruleset.tried_order("order"):
            _strategy(strategy, labels)
        returns = ruleset.tried_order("return")
        if returns:
            st.caption(RETURNS_HEADING)
        for strategy in returns:
            _strategy(strategy, labels)


def _strategy(strategy: s.Strategy, labels: dict[str, str]) -> None:
    st.markdown(f"**{strategy_name(strategy)}**")
    st.markdown("\n".join(f"- {line}" for line in strategy_words(strategy, labels=labels)))
