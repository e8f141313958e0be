"""A first start on an empty store: the example rulesets shipped with the product are
saved as version 1 drafts (`rulesets.store.demo`), so there is something to open,
review and publish. (`make demo` goes further: France v1 live and the demo accounts.)"""

from __future__ import annotations

import streamlit as st

from rulesets.store import RulesetStore
from rulesets.store.demo import EXAMPLES_AUTHOR, examples, seed_examples
from studio.components.ruleset_choice import store

AUTHOR = EXAMPLES_AUTHOR
"""The author of the seeded versions: any studio user may review and publish them."""

__all__ = ["AUTHOR", "examples", "seed", "seed_once"]


def seed(found: RulesetStore) -> list[str]:
    """Save every example as a draft when the store holds no ruleset at all."""
    return seed_examples(found)


def seed_once() -> None:
    """Seed the store the studio uses, once per server process and database."""
    found = store()
    if found is not None:
        _seeded(str(found.engine.url), _found=found)


@st.cache_resource(show_spinner=False)
def _seeded(url: str, _found: RulesetStore) -> tuple[str, ...]:  # noqa: ARG001 - url keys the cache
    return tuple(seed(_found))
