"""A first start on an empty store: the example rulesets shipped with the product are
saved as version 1 drafts, so the demo has something to open, review and publish."""

from __future__ import annotations

from importlib import resources

import streamlit as st

from rulesets.store import RulesetStore, StoreError
from studio.components.ruleset_choice import store

AUTHOR = "shipped-examples"
"""The author of the seeded versions: any studio user may review and publish them."""


def examples() -> dict[str, str]:
    """name -> text of every `.route` file in the `rulesets` package."""
    files = resources.files("rulesets").iterdir()
    return {
        f.name.removesuffix(".route"): f.read_text(encoding="utf-8")
        for f in sorted(files, key=lambda f: f.name)
        if f.name.endswith(".route")
    }


def seed(found: RulesetStore) -> list[str]:
    """Save every example as a draft when the store holds no ruleset at all; returns the
    names saved. Another process seeding at the same moment only makes this one skip."""
    if found.list_rulesets():
        return []
    saved = []
    for name, text in examples().items():
        try:
            found.save(name, text, author=AUTHOR, comment="example shipped with Sourcing Studio")
        except StoreError:  # someone else saved it first (or it no longer parses)
            continue
        saved.append(name)
    return saved


def seed_once() -> None:
    """Seed the store the studio uses, once per server process and database."""
    found = store()
    if found is not None:
        _seeded(str(found.engine.url), _found=found)


@st.cache_resource(show_spinner=False)
def _seeded(url: str, _found: RulesetStore) -> tuple[str, ...]:  # noqa: ARG001 - url keys the cache
    return tuple(seed(_found))
