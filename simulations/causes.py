"""Why each changed order of a comparison is routed differently, in plain words, and the
changed orders grouped by that cause with their effect on the figures.

An order gets one *cause* (what it is grouped under) and a *reason* (every difference
in words). The cause is the first that applies (docs/simulations.md, "Causes"):

1. its first strategy differs: switched off, not in force then, or another strategy now
   applies;
2. a node it shipped from in the base is closed in the variant;
3. what the variant's explanation says about the first node the base shipped from and
   the variant does not (or the base's about a node only the variant ships from);
4. its status alone changed;
5. the same nodes ship other quantities or under another strategy.

Only causes of kind 3 need explanations: `needs_explaining` names those orders, so the
explaining replays (the costly part of a comparison) run for them alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from dsl.wording import window_words
from engine import Explanation, Policy
from simulations.decisions import STRATEGY_SEPARATOR
from simulations.explanation_words import Vocabulary, explanation_words, kept_words

UNEXPLAINED = "not explained: more changed orders than the reasons limit"
EXAMPLES = 3
"""Example orders shown per cause."""
SUMMARY_COLUMNS = [
    "cause",
    "orders",
    "examples",
    "cost_delta",
    "km_delta",
    "shipments_delta",
    "on_time_delta",
    "units_delta",
]


@dataclass(frozen=True)
class Sides:
    """What the causes of a comparison read: both scenarios' names and policies, the
    variant's open nodes and every node's name."""

    base_name: str
    variant_name: str
    base: Policy
    variant: Policy
    open_in_variant: frozenset[str]
    names: Mapping[str, str]
    shipped_under: tuple[Mapping[tuple[str, str], str], Mapping[tuple[str, str], str]]
    """Per run (base, variant): (order id, node id) → the strategy the node ships under."""

    @cached_property
    def words(self) -> Vocabulary:
        return Vocabulary.of([self.base.ruleset, self.variant.ruleset], self.names)

    def node(self, node_id: str) -> str:
        return self.words.node(node_id)

    def strategy(self, strategy_id: str) -> str:
        """A strategy's label in quotes (from either side's ruleset), else its id."""
        return self.words.strategy(strategy_id)


@dataclass(frozen=True)
class Cause:
    """An order's cause: `words` says it; orders with the same words form one group."""

    words: str
    reason: str


def needs_explaining(changed: pd.DataFrame, sides: Sides) -> list[tuple[str, int]]:
    """The changed orders whose cause only an explanation can give (kind 3), in order,
    each with the run whose explanation it needs: 1, the variant's, for an order that no
    longer ships from a node still open; 0, the base's, for one that only adds nodes."""
    out = []
    for row in changed.itertuples(index=False):
        if _first_strategies(row)[0] != _first_strategies(row)[1]:
            continue
        before, after = _node_ids(row.base_nodes), _node_ids(row.variant_nodes)
        if any(node not in sides.open_in_variant for node in before):
            continue
        if any(node not in after for node in before):
            out.append((str(row.order_id), 1))
        elif any(node not in before for node in after):
            out.append((str(row.order_id), 0))
    return out


def causes(
    changed: pd.DataFrame,
    explained: Sequence[Mapping[str, tuple[Explanation, ...]]],
    sides: Sides,
    unexplained: frozenset[str] = frozenset(),
) -> list[Cause]:
    """Each changed order's cause and reason. `explained` holds both runs' explanations
    of the orders `needs_explaining` named; those of them left `unexplained` (over a
    limit) get `UNEXPLAINED`."""
    out = []
    for row in changed.itertuples(index=False):
        if row.order_id in unexplained:
            out.append(Cause(UNEXPLAINED, UNEXPLAINED))
        else:
            out.append(_cause(row, explained, sides))
    return out


def _cause(row, explained, sides: Sides) -> Cause:
    base_explain = explained[0].get(row.order_id, ())
    variant_explain = explained[1].get(row.order_id, ())
    parts: list[str] = []
    first: str | None = None
    a, b = _first_strategies(row)
    if a != b:
        first = _strategy_change(a, b, row, sides)
        parts.append(first)
    before, after = _node_ids(row.base_nodes), _node_ids(row.variant_nodes)
    order_id = str(row.order_id)
    for node_id in before:
        if node_id in after:
            continue
        if node_id not in sides.open_in_variant:
            group = said = f"{sides.node(node_id)} is closed in {sides.variant_name}"
        else:
            under = sides.shipped_under[0].get((order_id, node_id))
            group, said = _view(variant_explain, node_id, sides, 1, under)
        first = first or group
        parts.append(f"no longer ships from {sides.node(node_id)}" + (f": {said}" if said else ""))
    for node_id in after:
        if node_id in before:
            continue
        under = sides.shipped_under[1].get((order_id, node_id))
        group, said = _view(base_explain, node_id, sides, 0, under)
        first = first or group
        parts.append(f"now ships from {sides.node(node_id)}" + (f": {said}" if said else ""))
    if first is None and set(before) != set(after):  # explained, yet silent on the node
        first = "it ships from other nodes"
    if row.base_status != row.variant_status:
        status = f"the order is {row.variant_status} instead of {row.base_status}"
        first = first or status
        parts.append(status)
    if not parts:
        first = "the same nodes ship other quantities or under another strategy"
        parts.append(first)
    assert first is not None
    reason = "; ".join(parts)
    return Cause(first[:1].upper() + first[1:], reason[:1].upper() + reason[1:])


def _first_strategies(row) -> tuple[str, str]:
    return (
        str(row.base_strategies or "").split(STRATEGY_SEPARATOR)[0],
        str(row.variant_strategies or "").split(STRATEGY_SEPARATOR)[0],
    )


def _strategy_change(a: str, b: str, row, sides: Sides) -> str:
    """Why the first strategy differs, as far as the scenarios say."""
    when = row.created_at.to_pydatetime()
    if not b:
        return (
            f"no strategy applies any more in {sides.variant_name} (it applied {sides.strategy(a)})"
        )
    moved = f"{sides.strategy(b)} applies instead of {sides.strategy(a) if a else 'no strategy'}"
    if a and a not in sides.variant.by_id:  # type: ignore[attr-defined]
        return f"{sides.strategy(a)} is switched off in {sides.variant_name}"
    if a and not sides.variant.strategy(a).in_force(when):
        window = _window(sides.variant, a)
        return f"{sides.strategy(a)} is not in force then in {sides.variant_name} ({window})"
    if b not in sides.base.by_id:  # type: ignore[attr-defined]
        window = _window(sides.variant, b)
        said = "always in force" if window == "always" else f"in force {window}"
        return f"{moved}: it is new in {sides.variant_name}, {said}"
    if not sides.base.strategy(b).in_force(when):
        window = _window(sides.variant, b)
        return f"{moved}: in {sides.variant_name} it is in force {window}"
    return moved


def _window(policy: Policy, strategy_id: str) -> str:
    strategy = policy.ruleset.strategy(strategy_id)
    windows = strategy.effective if strategy is not None else []
    return ", or ".join(window_words(w) for w in windows) if windows else "always"


def _node_ids(text) -> list[str]:
    if not text or (isinstance(text, float) and pd.isna(text)):
        return []
    return [part.rsplit(" (", 1)[0] for part in str(text).split(", ")]


def _view(
    entries: tuple[Explanation, ...], node_id: str, sides: Sides, side: int, under: str | None
) -> tuple[str | None, str | None]:
    """What a run's explanation says about a node it did not ship from — under the
    strategy the node ships under in the other run when this run tried it, else its
    first exclusion along the chain: (the cause, the reason); (None, None) when the
    order was not explained on that side."""
    about = [entry for entry in entries if entry.node_id == node_id]
    if not about:
        return None, None
    same = [entry for entry in about if entry.strategy == under] or about
    entry = next((e for e in same if e.outcome == "excluded"), same[0])
    name = sides.variant_name if side else sides.base_name
    return (
        f"in {name}, {entry_group(entry, sides)}",
        f"in {name}, {explanation_words(entry, sides.words)}",
    )


def entry_group(entry: Explanation, sides: Sides) -> str:
    """What an entry's cause is grouped under: node by node for what is the node's own
    (excluded by `source from`, too far, offline), across nodes for what earlier orders
    change (stock, capacity, ranking) and for `keep`."""
    strategy = sides.strategy(entry.strategy)
    if entry.kind in ("source", "within", "offline"):
        return explanation_words(entry, sides.words)
    if entry.kind == "keep" and entry.condition is not None:
        return f"{strategy} keeps {kept_words(entry, sides.words)}"
    if entry.kind == "stock":
        return "the node has no stock left of the order's products"
    if entry.kind == "capacity":
        return "the node has no capacity left that day"
    if entry.kind == "shipped":
        return "the node already ships another part of the order"
    if entry.kind == "rank":
        return f"{strategy} prefers other nodes"
    return explanation_words(entry, sides.words)


# --------------------------------------------------------------------- summary


def cause_summary(changed: pd.DataFrame, base: pd.DataFrame, variant: pd.DataFrame) -> pd.DataFrame:
    """The changed orders grouped by `cause`, largest group first: how many orders, a few
    example order ids, and the change of cost, km, shipments, on-time orders and units
    shipped they add up to (variant − base). `base`/`variant` are the runs' order tables
    with a `km` column (the order's shipments' distance summed)."""
    if changed.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    ids = changed["order_id"].astype(str)
    a = base.set_index("order_id").reindex(ids)
    b = variant.set_index("order_id").reindex(ids)
    on_time_a = a["on_time"].fillna(False).astype(bool).to_numpy()
    on_time_b = b["on_time"].fillna(False).astype(bool).to_numpy()
    frame = pd.DataFrame(
        {
            "cause": changed["cause"].to_numpy(),
            "order_id": ids.to_numpy(),
            "cost_delta": b["cost"].fillna(0).to_numpy() - a["cost"].fillna(0).to_numpy(),
            "km_delta": b["km"].fillna(0).to_numpy() - a["km"].fillna(0).to_numpy(),
            "shipments_delta": b["n_shipments"].fillna(0).to_numpy()
            - a["n_shipments"].fillna(0).to_numpy(),
            "on_time_delta": on_time_b.astype(int) - on_time_a.astype(int),
            "units_delta": b["units_allocated"].fillna(0).to_numpy()
            - a["units_allocated"].fillna(0).to_numpy(),
        }
    )
    grouped = frame.groupby("cause", sort=False)
    out = grouped.agg(
        orders=("order_id", "size"),
        examples=("order_id", lambda ids: ", ".join(ids.head(EXAMPLES))),
        cost_delta=("cost_delta", "sum"),
        km_delta=("km_delta", "sum"),
        shipments_delta=("shipments_delta", "sum"),
        on_time_delta=("on_time_delta", "sum"),
        units_delta=("units_delta", "sum"),
    ).reset_index()
    out["first"] = range(len(out))
    out = out.sort_values(["orders", "first"], ascending=[False, True], kind="stable")
    return out[SUMMARY_COLUMNS].reset_index(drop=True)
