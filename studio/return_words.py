"""A return decision's explanation in plain words, with no Streamlit here: each entry
of `ReturnDecision.explain` (docs/returns.md, "The decision") as a sentence — "Nice
(ST-NICE) is not tagged returns", "“Returns centre” sends it to Orléans DC
(DC-ORLEANS), the best of 2 candidates (rank by distance), to refurbish" — worded
with the strategies' labels and the nodes' names (`simulations.explanation_words`)."""

from __future__ import annotations

import re
from collections.abc import Iterable

import dsl
from dsl.wording import negated_words
from engine import Explanation
from simulations.explanation_words import Vocabulary

CHOSEN = re.compile(r"^best of (\d+); disposition (\S+)$")
RANKED = re.compile(r"^rank (\d+) of (\d+)$")
SEND_TO = "send to "


def entry_words(entry: Explanation, words: Vocabulary) -> str:
    """One entry as a sentence (the engine's own detail when it is of no known form)."""
    strategy = words.strategy(entry.strategy)
    if entry.node_id is None:
        return f"{strategy} does not take it: {entry.detail}"
    node = words.node(entry.node_id)
    if entry.outcome == "chosen" and (found := CHOSEN.match(entry.detail)):
        count, disposition = int(found.group(1)), found.group(2)
        candidates = "the only candidate" if count == 1 else f"the best of {count} candidates"
        return f"{strategy} sends it to {node}, {candidates} ({entry.clause}), to {disposition}"
    if entry.outcome == "ranked" and (found := RANKED.match(entry.detail)):
        return f"{node} ranks {found.group(1)} of {found.group(2)} for {strategy}"
    if entry.kind == "within":
        limit = entry.clause.removeprefix("within ")
        return f"{node} is {entry.detail}, beyond the {limit} of {strategy}"
    if entry.kind == "offline":
        return f"{node} is offline"
    if entry.clause == "accepts_returns":
        return f"{node} does not accept returns"
    if entry.clause.startswith(SEND_TO):
        return f"{strategy} does not send to it: {_not_held(entry, node, words)}"
    return f"{strategy}: {entry.detail}"


def _not_held(entry: Explanation, node: str, words: Vocabulary) -> str:
    """Why `send to` does not hold at the node, in words (its text when it cannot be)."""
    try:
        condition = dsl.parse_expression(entry.clause.removeprefix(SEND_TO))
    except dsl.RulesetSyntaxError:
        return f"`{entry.clause}` does not hold at {node}"
    return negated_words(condition, node=node, names=words.names)


def distinct(entries: Iterable[Explanation]) -> list[Explanation]:
    """The entries once each, in order: the lines of one return are explained one after
    the other, and lines that go the same way say the same things."""
    return list(dict.fromkeys(entries))
