"""Choosing the ruleset a page runs: the editor's current draft, a version kept in the
ruleset store (live or not), or one of the example rulesets shipped with the product;
compiled once per text and checked against the data's columns."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import streamlit as st

import dsl
import engine
from dsl import syntax as s
from engine.tables import data_fields
from studio import config, state
from studio import data as studio_data
from studio.components.widget_memory import field
from studio.data import Dataset

DRAFT = "draft"
STORED = "stored"
EXAMPLE = "example"
DEMO_RULESET = "france.route"
"""The example written for the demo data (a French retailer)."""
DEMO_NAME = DEMO_RULESET.removesuffix(".route")


@dataclass(frozen=True)
class RulesetChoice:
    """A ruleset text and where it comes from."""

    label: str
    text: str
    source: str
    """DRAFT, STORED or EXAMPLE."""
    name: str | None = None
    """The ruleset's name in the store (a draft edits one, a version belongs to one)."""
    version: int | None = None
    live: bool = False

    @property
    def filename(self) -> str:
        return self.label


@dataclass(frozen=True)
class Compiled:
    """A choice parsed and compiled, or the rendered errors that stop it."""

    ruleset: s.Ruleset | None
    policy: engine.Policy | None
    error: str | None


def draft() -> RulesetChoice | None:
    """The ruleset open on the Rules page, as it stands (saved or not)."""
    current = state.draft()
    if not current.text.strip():
        return None
    where = f"{current.name} v{current.base}" if current.name and current.base else "new"
    return RulesetChoice(f"Current draft ({where}, as edited)", current.text, DRAFT, current.name)


@st.cache_resource(show_spinner=False)
def _store(url: str):
    from rulesets.store import RulesetStore

    return RulesetStore.open(url)


def store():
    """The ruleset store ($SOURCING_DB_URL), opened once; None when it cannot be opened."""
    from rulesets.store import StoreError

    try:
        return _store(config.db_url())
    except StoreError:
        return None


def stored_choices() -> list[RulesetChoice]:
    """Every stored version: the live ones first, then each ruleset's versions newest
    first (the demo ruleset's before the others)."""
    found = store()
    if found is None:
        return []
    live, others = [], []
    summaries = sorted(found.list_rulesets(), key=lambda s: (s.name != DEMO_NAME, s.name))
    for summary in summaries:
        for version in reversed(found.history(summary.name)):
            is_live = version.number == summary.live
            state_word = "live" if is_live else str(version.state.value)
            choice = RulesetChoice(
                f"{summary.name} v{version.number} ({state_word})",
                version.text,
                STORED,
                name=summary.name,
                version=version.number,
                live=is_live,
            )
            (live if is_live else others).append(choice)
    return live + others


def example_choices(stored_names: set[str] = frozenset()) -> list[RulesetChoice]:
    """The example rulesets shipped in the `rulesets` package (the demo data's first),
    but for those the store already holds under the file's name."""
    files = sorted(
        (f for f in resources.files("rulesets").iterdir() if f.name.endswith(".route")),
        key=lambda f: (f.name != DEMO_RULESET, f.name),
    )
    return [
        RulesetChoice(f"Example: {f.name}", f.read_text(encoding="utf-8"), EXAMPLE)
        for f in files
        if f.name.removesuffix(".route") not in stored_names
    ]


def choices() -> list[RulesetChoice]:
    """What a page may run: the draft, the stored versions, the shipped examples."""
    current = draft()
    stored = stored_choices()
    examples = example_choices({choice.name for choice in stored})
    return ([current] if current else []) + stored + examples


def live_version(choice: RulesetChoice) -> RulesetChoice | None:
    """The live version of the ruleset a choice belongs to (None: nothing published)."""
    if choice.name is None:
        return None
    for other in stored_choices():
        if other.name == choice.name and other.live:
            return other
    return None


def pick_ruleset(key: str, label: str = "Ruleset", help: str | None = None) -> RulesetChoice:
    """A select box over `choices()`; the choice survives leaving the page."""
    options = choices()
    labels = [choice.label for choice in options]
    field(key, labels[0])
    if st.session_state[key] not in labels:  # a version or the draft went away
        st.session_state[key] = labels[0]
    picked = st.selectbox(label, labels, key=key, help=help)
    return options[labels.index(picked)]


def compile_choice(choice: RulesetChoice, data: Dataset | None = None) -> Compiled:
    """Parse and compile (cached per text); the data's columns count as known fields."""
    extra: tuple[str, ...] = ()
    if data is not None:
        extra = extra_fields(data)
    return _compiled(choice.text, choice.filename, extra)


def extra_fields(data: Dataset) -> tuple[str, ...]:
    """Every column of the nodes, orders and returns, so rules may read the data's extra
    columns (a returns column as `return.<col>` and `line.<col>`)."""
    nodes, orders, returns = data.frame("nodes"), data.frame("orders"), data.frame("returns")
    fields = data_fields(
        nodes.columns if nodes is not None else (),
        orders.columns if orders is not None else (),
    )
    for column in returns.columns if returns is not None else ():
        fields += [f"return.{column}", f"line.{column}"]
    return tuple(dict.fromkeys(fields))


@st.cache_resource(show_spinner=False, max_entries=64)
def _compiled(text: str, filename: str, extra: tuple[str, ...]) -> Compiled:
    try:
        ruleset = dsl.parse(text, filename)
    except dsl.RulesetSyntaxError as error:
        return Compiled(None, None, str(error))
    try:
        policy = engine.policy_of(ruleset, filename=filename, source=text, extra_fields=extra)
    except engine.CompileError as error:
        return Compiled(ruleset, None, str(error))
    return Compiled(ruleset, policy, None)


def timezone_of(choice: RulesetChoice | None) -> str:
    """The choice's time zone (UTC when it has none or does not parse)."""
    if choice is None:
        return "UTC"
    compiled = _compiled(choice.text, choice.filename, ())
    if compiled.ruleset is None:
        return "UTC"
    return compiled.ruleset.timezone or "UTC"


def show_error(compiled: Compiled) -> None:
    """The ruleset's errors, as the editor shows them, and where to fix them."""
    st.error("This ruleset has errors; fix them on the Rules page first.", icon=":material/error:")
    st.code(compiled.error or "", language=None)


@dataclass(frozen=True)
class Runnable:
    """A picked ruleset, compiled, with the data read in its time zone."""

    choice: RulesetChoice
    dataset: Dataset
    ruleset: s.Ruleset
    policy: engine.Policy


def runnable_ruleset(key: str, help: str | None = None) -> Runnable | None:
    """Pick a ruleset and compile it against the data; None, with the reason shown,
    when the data tables are missing or the ruleset has errors."""
    choice = pick_ruleset(key, help=help)
    dataset = studio_data.dataset(timezone_of(choice))
    if not dataset.ready:
        st.warning(
            "The nodes, inventory and orders tables are needed: see Network and stock.",
            icon=":material/folder_off:",
        )
        return None
    compiled = compile_choice(choice, dataset)
    if compiled.error:
        show_error(compiled)
        return None
    return Runnable(choice, dataset, compiled.ruleset, compiled.policy)
