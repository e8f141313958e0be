"""An engine explanation entry in plain words, from the data it carries (its check, the
part of the condition concerned, the figures): "Nanterre (ST-NANTERRE) does not ship
parcels" rather than `node.can_ship is false`. Used by compare's reasons and the studio."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dsl import syntax as s
from dsl.wording import negated_words, node_words, nodes_words, number_words, quoted
from engine import Explanation


@dataclass(frozen=True)
class Vocabulary:
    """What entries are worded with: strategy id → label, node id → name."""

    labels: Mapping[str, str] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, rulesets: list[s.Ruleset], names: Mapping[str, str]) -> Vocabulary:
        """Labels from the rulesets (the first that has a strategy wins)."""
        labels: dict[str, str] = {}
        for ruleset in reversed(rulesets):
            labels.update({st.id: st.label or st.id for st in ruleset.strategies})
        return cls(labels, names)

    def node(self, node_id: str) -> str:
        return node_words(node_id, self.names)

    def strategy(self, strategy_id: str) -> str:
        return quoted(self.labels.get(strategy_id) or strategy_id)


def explanation_words(entry: Explanation, words: Vocabulary) -> str:
    """An entry as a sentence (docs/studio.md, "Rules in plain words")."""
    node = words.node(entry.node_id) if entry.node_id is not None else "the order"
    strategy = words.strategy(entry.strategy)
    facts = entry.facts or {}
    if entry.kind == "source" and entry.condition is not None:
        said = negated_words(entry.condition, node=node, names=words.names)
        return f"{strategy} does not ship from it: {said}"
    if entry.kind == "within":
        km, limit = facts.get("km", 0.0), facts.get("limit_km", 0.0)
        return f"{node} is {km:,.0f} km away, beyond the {number_words(limit)} km of {strategy}"
    if entry.kind == "offline":
        return f"{node} is offline"
    if entry.kind == "capacity":
        used, limit = facts.get("used", 0), facts.get("capacity", 0)
        return f"{node} has no capacity left that day ({used:,} of {limit:,} orders)"
    if entry.kind == "shipped":
        return f"{node} already ships another part of the order"
    if entry.kind == "keep" and entry.condition is not None:
        return f"{node} has nothing to spare once {strategy} keeps {kept_words(entry, words)}"
    if entry.kind == "stock":
        return f"{node} has no stock left of {', '.join(facts.get('skus', []))}"
    if entry.kind == "split":
        shipments = facts.get("shipments", 0)
        return (
            f"{strategy} adds nothing: the order already has {shipments:,} "
            f"parcel{'s' if shipments != 1 else ''}, the most it allows"
        )
    if entry.kind == "single":
        return f"{strategy} ships in one parcel and no node can ship everything that is left"
    if entry.kind == "rank":
        if entry.outcome == "chosen":
            return f"{strategy} chooses {node}"
        place = f"{node} ranks {facts.get('rank')} of {facts.get('of')}"
        return f"{strategy} prefers other nodes ({place})"
    return f"{strategy}: {entry.detail}"


def kept_words(entry: Explanation, words: Vocabulary) -> str:
    """ "3 units back at stores": what a `keep` entry protects, and where."""
    units = (entry.facts or {}).get("units", 0)
    where = nodes_words(entry.condition, names=words.names)
    return f"{number_words(units)} unit{'s' if units != 1 else ''} back at {where}"
