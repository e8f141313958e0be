"""Rules in plain words: conditions and strategies of the syntax tree as English
sentences for business readers ("the node is a store and it is not tagged flagship",
"Keeps 3 units of every product at stores"), never as rule code.

Pure functions of the tree. Node ids are shown with their names when the caller passes
a lookup (`names`: node id → name; the language does not know the network). Fields read
as the words of `FIELD_WORDS`; a field not in it (an extra data column) reads as its
column name with spaces for underscores ("the order's gift wrap"). docs/studio.md,
"Rules in plain words", states every rule of this wording.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from dsl import syntax as s
from dsl.characters import escaped
from dsl.schema import DEFAULT_ORDER_RANK, DEFAULT_RETURN_RANK
from dsl.vocabulary import (
    BOOLEAN_FIELDS,
    CARRIER_KEY_WORDS,
    DELIVERY_WORDS,
    DISPOSITION_WORDS,
    FIELD_WORDS,
    METRIC_NOUNS,
    METRIC_WORDS,
    NODE_KINDS,
    RETURN_METRIC_WORDS,
    SHORTAGE_WORDS,
)

Names = Mapping[str, str]
"""Node id → node name, to show `ST-PARIS-01` as `Paris Flagship (ST-PARIS-01)`."""


_COMPARISONS = {
    "==": ("is", "is not"),
    "!=": ("is not", "is"),
    "<": ("is below", "is not below"),
    "<=": ("is at most", "is above"),
    ">": ("is above", "is not above"),
    ">=": ("is at least", "is below"),
}
_TIME_COMPARISONS = {
    "<": ("is before", "is not before"),
    "<=": ("is on or before", "is after"),
    ">": ("is after", "is not after"),
    ">=": ("is on or after", "is before"),
}
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_SIMPLE_WORD = re.compile(r"[\w-]+")


# ------------------------------------------------------------------ conditions


class _Voice:
    """How a sentence names the node it talks about: by `node` ("the node", or a node's
    name) the first time, then "it"; `names` is the node id → name lookup."""

    def __init__(self, node: str = "the node", names: Names | None = None):
        self.node = node
        self.names = names
        self.mentioned = False

    def who(self) -> str:
        if self.mentioned:
            return "it"
        self.mentioned = True
        return self.node

    def whose(self) -> str:
        if self.mentioned:
            return "its"
        self.mentioned = True
        return f"{self.node}'s"


def condition_words(expr: s.Expr, *, node: str = "the node", names: Names | None = None) -> str:
    """A condition as a sentence: `node.type == "store" and not node.can_ship` is
    "the node is a store and it does not ship parcels". `node` names the node talked
    about (e.g. its name, for "Nanterre does not ship parcels")."""
    return _clause(expr, _Voice(node, names), True)


def negated_words(expr: s.Expr, *, node: str = "the node", names: Names | None = None) -> str:
    """The sentence saying the condition does *not* hold: `node.can_ship` for the node
    "Nanterre" is "Nanterre does not ship parcels"."""
    return _clause(expr, _Voice(node, names), False)


def _clause(expr: s.Expr, voice: _Voice, holds: bool) -> str:
    """`expr` (or its negation) as a clause; `not` is worded into what it negates
    (De Morgan for groups: not (a and b) reads "not a or not b")."""
    while isinstance(expr, s.Not):
        expr, holds = expr.operand, not holds
    if isinstance(expr, s.AllOf | s.AnyOf):
        joiner = " and " if isinstance(expr, s.AllOf) == holds else " or "
        parts = []
        for item in expr.items:
            text = _clause(item, voice, holds)
            parts.append(f"({text})" if isinstance(_unwrapped(item), s.AllOf | s.AnyOf) else text)
        return joiner.join(parts)
    if isinstance(expr, s.Compare):
        return _comparison(expr, voice, holds)
    if isinstance(expr, s.FieldRef):
        return _standalone(expr, voice, holds)
    if isinstance(expr, s.Boolean):
        return "always" if expr.value == holds else "never"
    value = _value(expr, voice, None)
    return f"{value} holds" if holds else f"{value} does not hold"


def _unwrapped(expr: s.Expr) -> s.Expr:
    while isinstance(expr, s.Not):
        expr = expr.operand
    return expr


def _standalone(ref: s.FieldRef, voice: _Voice, holds: bool) -> str:
    """A true/false field written alone: `node.can_ship`, `order.gift_wrap`."""
    if ref.path in BOOLEAN_FIELDS:
        does, does_not = BOOLEAN_FIELDS[ref.path]
        return f"{voice.who()} {does if holds else does_not}"
    return f"{_subject(ref, voice)} {'is' if holds else 'is not'} yes"


def _comparison(expr: s.Compare, voice: _Voice, holds: bool) -> str:
    left, right = expr.left, expr.right
    op: str = expr.op
    if not isinstance(left, s.FieldRef) and isinstance(right, s.FieldRef):
        if op == "in":  # `"flagship" in node.tags` reads as `node.tags has "flagship"`
            left, op, right = right, "has", left
        elif op in _FLIPPED:
            left, op, right = right, _FLIPPED[op], left
    if not isinstance(left, s.FieldRef):
        return _generic(left, op, right, voice, holds)
    path = left.path
    if path == "node.tags" and op in ("has", "==", "!="):
        positive = holds == (op != "!=")
        tags = _alternatives(right, voice, left, "or")
        return f"{voice.who()} {'is' if positive else 'is not'} tagged {tags}"
    if path in BOOLEAN_FIELDS and isinstance(right, s.Boolean) and op in ("==", "!="):
        does, does_not = BOOLEAN_FIELDS[path]
        positive = (right.value == (op == "==")) == holds
        return f"{voice.who()} {does if positive else does_not}"
    if path in ("node.type", "node.id") and op in ("==", "!=", "in", "not in"):
        positive = (op in ("==", "in")) == holds
        return f"{voice.who()} {_is(right, voice, left, positive)}"
    return _generic(left, op, right, voice, holds)


def _is(right: s.Expr, voice: _Voice, field: s.FieldRef | None, positive: bool) -> str:
    """ "is a store", "is a store or a warehouse", "is neither a store nor a warehouse",
    "is none of a, b or c"."""
    if not isinstance(right, s.ListOf) or len(right.items) == 1:
        only = right.items[0] if isinstance(right, s.ListOf) else right
        return f"{'is' if positive else 'is not'} {_value(only, voice, field)}"
    if not right.items:
        return "is one of nothing" if positive else "is anything"
    if positive:
        return f"is {_alternatives(right, voice, field, 'or')}"
    if len(right.items) == 2:
        return f"is neither {_alternatives(right, voice, field, 'nor')}"
    return f"is none of {_alternatives(right, voice, field, 'or')}"


def _generic(left: s.Expr, op: str, right: s.Expr, voice: _Voice, holds: bool) -> str:
    """`subject verb value` for every other comparison."""
    subject = _value(left, voice, None)
    context = left if isinstance(left, s.FieldRef) else None
    if op in ("in", "not in"):
        positive = (op == "in") == holds
        if isinstance(right, s.ListOf):
            return f"{subject} {_is(right, voice, context, positive)}"
        among = "is among" if positive else "is not among"
        return f"{subject} {among} {_value(right, voice, context)}"
    if op == "has":
        verb = "includes" if holds else "does not include"
        return f"{subject} {verb} {_alternatives(right, voice, context, 'or')}"
    timed = any(isinstance(side, s.Moment) for side in (left, right)) or (
        isinstance(left, s.FieldRef) and left.path == "order.created_at"
    )
    words = (_TIME_COMPARISONS if timed and op in _TIME_COMPARISONS else _COMPARISONS)[op]
    return f"{subject} {words[0] if holds else words[1]} {_value(right, voice, context)}"


def _alternatives(expr: s.Expr, voice: _Voice, field: s.FieldRef | None, joiner: str) -> str:
    """A value, or a list's values as `a, b or c`."""
    if not isinstance(expr, s.ListOf):
        return _value(expr, voice, field)
    values = [_value(item, voice, field) for item in expr.items]
    if not values:
        return "nothing"
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} {joiner} {values[-1]}"


def _subject(ref: s.FieldRef, voice: _Voice) -> str:
    """A field in words with its owner: "the sales channel", "the node's region" (then
    "its region"), "a line's product category"."""
    noun = field_noun(ref.path)
    if ref.root == "node":
        return f"{voice.whose()} {noun}"
    if ref.root == "line":
        return f"a line's {noun}"
    if ref.root == "carrier":
        return f"the {noun}"
    if ref.root in ("order", "return") and ref.path not in FIELD_WORDS:
        return f"the {ref.root}'s {noun}"
    return f"the {noun}"


def field_noun(path: str) -> str:
    """A field in words, without its owner: "sales channel", or a column's name with
    spaces ("gift wrap") when the field is not in `FIELD_WORDS`."""
    if path in FIELD_WORDS:
        return FIELD_WORDS[path]
    root, _, rest = path.partition(".")
    words = rest if root in ("order", "node", "line", "carrier", "return") else path
    return words.replace(".", " ").replace("_", " ").strip() or "value"


def _value(expr: s.Expr, voice: _Voice, field: s.FieldRef | None) -> str:
    """A value in words; `field` is the field it is compared with (for its words)."""
    if isinstance(expr, s.FieldRef):
        return _subject(expr, voice)
    if isinstance(expr, s.Text):
        path = field.path if field is not None else ""
        if path == "node.type" and expr.value in NODE_KINDS:
            return NODE_KINDS[expr.value][0]
        if path == "order.delivery" and expr.value in DELIVERY_WORDS:
            return DELIVERY_WORDS[expr.value]
        if path in ("node.id", "order.collect_node", "return.drop_node"):
            return node_words(expr.value, voice.names)
        if path == "node.tags" and _SIMPLE_WORD.fullmatch(expr.value):
            return expr.value
        return quoted(expr.value)
    if isinstance(expr, s.Number):
        return number_words(expr.value)
    if isinstance(expr, s.Boolean):
        return "yes" if expr.value else "no"
    if isinstance(expr, s.Moment):
        return moment_words(expr)
    if isinstance(expr, s.Name):
        return METRIC_NOUNS.get(expr.name, expr.name.replace("_", " "))
    if isinstance(expr, s.ListOf):
        return f"one of {_alternatives(expr, voice, field, 'or')}" if expr.items else "nothing"
    return f"({condition_words(expr, node=voice.node, names=voice.names)})"


def node_words(node_id: str, names: Names | None = None) -> str:
    """A node as "Paris Flagship (ST-PARIS-01)" when its name is known, else its id
    (quoted when it is not one plain word)."""
    shown = node_id if _SIMPLE_WORD.fullmatch(node_id) else quoted(node_id)
    name = (names or {}).get(node_id)
    return f"{escaped(name)} ({shown})" if name and name != node_id else shown


def quoted(text: str) -> str:
    """A text value in typographic quotes, hidden characters shown as escapes."""
    return f"“{escaped(text)}”"


def number_words(value: int | float) -> str:
    """A number with thousands separators: 1,000 and 0.25."""
    if isinstance(value, int) or float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.15g}" if abs(value) >= 1e-4 else f"{value:g}"


def moment_words(moment: s.Moment) -> str:
    """A date as "15 November 2026", with its minute when it has one ("… 06:00")."""
    day = f"{moment.day.day} {moment.day.strftime('%B')} {moment.day.year}"
    return day if moment.minute is None else f"{day} {moment.minute.strftime('%H:%M')}"


# --------------------------------------------------------------- node groups


def nodes_words(expr: s.Expr | None, *, names: Names | None = None) -> str:
    """The nodes a node condition picks, as a noun phrase: `node.type == "store" and
    node.tags has "flagship"` is "stores tagged flagship"; a condition with no simpler
    reading is "nodes where …"."""
    if expr is None:
        return "all nodes"
    if isinstance(expr, s.AnyOf):
        return "either " + " or ".join(nodes_words(item, names=names) for item in expr.items)
    items: list[s.Expr] = list(expr.items) if isinstance(expr, s.AllOf) else [expr]
    kinds = [item for item in items if _kind_test(item) is not None]
    noun = "nodes"
    if len(kinds) == 1:
        items = [item for item in items if item is not kinds[0]]
        values = _kind_test(kinds[0]) or []
        plural = [NODE_KINDS.get(v, (v, v))[1] for v in values]
        noun = plural[0] if len(plural) == 1 else f"{', '.join(plural[:-1])} and {plural[-1]}"
    modifiers: list[str] = []
    rest: list[s.Expr] = []
    for item in items:
        phrase = _modifier(item)
        if phrase:
            modifiers.append(phrase)
        else:
            rest.append(item)
    text = " ".join([noun, *modifiers])
    if rest:
        text += " where " + " and ".join(condition_words(item, names=names) for item in rest)
    return text


def _kind_test(expr: s.Expr) -> list[str] | None:
    """The node kinds `node.type == "store"` / `in [...]` picks (None: not such a test)."""
    if not isinstance(expr, s.Compare) or not isinstance(expr.left, s.FieldRef):
        return None
    if expr.left.path != "node.type" or expr.op not in ("==", "in"):
        return None
    values = expr.right.items if isinstance(expr.right, s.ListOf) else [expr.right]
    texts = [v.value for v in values if isinstance(v, s.Text) and v.value in NODE_KINDS]
    return texts if values and len(texts) == len(values) else None


def _modifier(expr: s.Expr) -> str | None:
    """A short phrase after the noun: "tagged flagship", "that ship parcels"."""
    holds = True
    while isinstance(expr, s.Not):
        expr, holds = expr.operand, not holds
    if isinstance(expr, s.FieldRef) and expr.path in BOOLEAN_FIELDS:
        return "that " + _plural_verb(BOOLEAN_FIELDS[expr.path][0 if holds else 1])
    if (
        isinstance(expr, s.Compare)
        and isinstance(expr.left, s.FieldRef)
        and expr.left.path == "node.tags"
        and expr.op == "has"
    ):
        tags = _alternatives(expr.right, _Voice(), expr.left, "or")
        return f"tagged {tags}" if holds else f"not tagged {tags}"
    return None


def _plural_verb(phrase: str) -> str:
    """'ships parcels' → 'ship parcels'; 'does not ship' → 'do not ship'."""
    first, _, rest = phrase.partition(" ")
    if first == "does":
        first = "do"
    elif first.endswith("s"):
        first = first[:-1]
    return f"{first} {rest}".strip()


# ----------------------------------------------------------------- strategies


def window_words(window: s.Effective) -> str:
    """An `effective` window: "from 15 November 2026 to 31 December 2026"."""
    if window.start is not None and window.end is not None:
        return f"from {moment_words(window.start)} to {moment_words(window.end)}"
    if window.start is not None:
        return f"from {moment_words(window.start)} on"
    if window.end is not None:
        return f"until {moment_words(window.end)}"
    return "always"


def rank_words(
    keys: list[s.RankKey] | None, *, names: Names | None = None, kind: s.StrategyKind = "order"
) -> str:
    """`rank by` as a preference: "Prefers nodes that can ship … , then the closest …";
    `kind`: of the strategy (its metrics and its default ranking)."""
    metrics = {**METRIC_WORDS, **RETURN_METRIC_WORDS} if kind == "return" else METRIC_WORDS
    if keys is None:
        default = DEFAULT_RETURN_RANK if kind == "return" else DEFAULT_ORDER_RANK
        keys = [s.RankKey(key=s.Name(name=name)) for name in default]
    parts = []
    for key in keys:
        descending = key.direction == "desc"
        item = key.key
        if isinstance(item, s.Name) and item.name in metrics:
            parts.append(metrics[item.name][1 if descending else 0])
        elif (
            isinstance(item, s.FieldRef) and item.root == "node" and item.path not in BOOLEAN_FIELDS
        ):
            size = "highest" if descending else "lowest"
            parts.append(f"with the {size} {field_noun(item.path)}")
        else:
            phrase = condition_words(item, names=names)
            parts.append(f"where {phrase} {'first' if descending else 'last'}")
    return "Prefers nodes " + ", then ".join(parts) + "; ties go to the lowest node id."


def strategy_words(
    strategy: s.Strategy, *, names: Names | None = None, labels: Mapping[str, str] | None = None
) -> list[str]:
    """Every clause of a strategy as a sentence, in the canonical clause order (defaults
    said too, so the reader sees what applies). `labels`: strategy id → label. A return
    strategy says only the clauses of its kind (`return_words`)."""
    priority = number_words(strategy.tried_priority)
    out = [f"Priority {priority} (strategies with lower numbers are tried first)."]
    if strategy.effective:
        out.append("In force " + ", or ".join(window_words(w) for w in strategy.effective) + ".")
    else:
        out.append("Always in force.")
    if strategy.kind == "return":
        return out + return_words(strategy, names=names, labels=labels)
    if strategy.when is None:
        out.append("Applies to every order.")
    else:
        out.append(f"Applies when {condition_words(strategy.when, names=names)}.")
    if strategy.lines_where is not None:
        lines = condition_words(strategy.lines_where, names=names)
        out.append(f"Takes only the lines where {lines}.")
    out.append(f"Ships from {nodes_words(strategy.source, names=names)}.")
    if strategy.within_km is not None:
        out.append(f"Only nodes within {number_words(strategy.within_km)} km of the customer.")
    for keep in strategy.keep:
        unit = "unit" if keep.units == 1 else "units"
        out.append(
            f"Keeps {number_words(keep.units)} {unit} of every product at "
            f"{nodes_words(keep.at, names=names)}."
        )
    out.extend(promise_words(strategy, names=names))
    out.append(rank_words(strategy.rank, names=names))
    split = strategy.split or 1
    out.append(
        "Ships in one parcel." if split == 1 else f"Ships in at most {number_words(split)} parcels."
    )
    if strategy.otherwise is not None:
        out.append(f"What it cannot ship goes to {_fallback(strategy.otherwise, labels)}.")
    out.append(SHORTAGE_WORDS[strategy.on_shortage or "partial"])
    return out


def _fallback(strategy_id: str, labels: Mapping[str, str] | None) -> str:
    return quoted((labels or {}).get(strategy_id) or strategy_id.replace("_", " "))


def return_words(
    strategy: s.Strategy, *, names: Names | None = None, labels: Mapping[str, str] | None = None
) -> list[str]:
    """The clauses of a return strategy after its priority and dates: `when`, `send to`,
    `within`, `rank by`, `disposition`, `restock after`, `otherwise use`."""
    out = []
    if strategy.when is None:
        out.append("Applies to every return.")
    else:
        out.append(f"Applies when {condition_words(strategy.when, names=names)}.")
    out.append(f"Sends returned units to {nodes_words(strategy.send_to, names=names)}.")
    if strategy.within_km is not None:
        out.append(
            f"Only nodes within {number_words(strategy.within_km)} km of where the item is "
            "returned."
        )
    out.append(rank_words(strategy.rank, names=names, kind="return"))
    disposition = strategy.disposition
    if disposition is not None:
        out.append(disposition_words(disposition, names=names))
    if disposition is not None and "restock" in _dispositions(disposition):
        days = strategy.restock_after or 0
        after = f"{number_words(days)} {'day' if days == 1 else 'days'} after"
        when = "on the day" if days == 0 else after
        out.append(f"Restocked units become stock {when} the return is created.")
    if strategy.otherwise is not None:
        out.append(f"What it cannot take goes to {_fallback(strategy.otherwise, labels)}.")
    return out


def _dispositions(disposition: s.Disposition) -> list[str | None]:
    """The dispositions a `disposition` clause names."""
    return [disposition.fixed, *(case.disposition for case in disposition.cases)]


def disposition_words(disposition: s.Disposition, *, names: Names | None = None) -> str:
    """ "Restocks every unit.", or "Decides by the condition of the returned item:
    “new” is restocked, …; a unit with another value is not taken."."""
    if disposition.by is None:
        word = disposition.fixed or ""
        if word in DISPOSITION_WORDS:
            return f"{DISPOSITION_WORDS[word][0]} every unit."
        return f"Marks every unit {quoted(word)}."
    voice = _Voice(names=names)
    field = disposition.by if isinstance(disposition.by, s.FieldRef) else None
    cases = []
    for case in disposition.cases:
        value = case.value
        shown = (
            _value(s.Text(value=value), voice, field)
            if isinstance(value, str)
            else number_words(value)
        )
        done = DISPOSITION_WORDS.get(case.disposition, (None, None))[1] or quoted(case.disposition)
        cases.append(f"{shown} is {done}")
    subject = _value(disposition.by, voice, None)
    return f"Decides by {subject}: {', '.join(cases)}; a unit with another value is not taken."


def promise_words(strategy: s.Strategy, *, names: Names | None = None) -> list[str]:
    """`ship with`, `deliver` and `carrier by` as sentences (none when not stated)."""
    out = []
    if strategy.ship_with is not None:
        services = condition_words(strategy.ship_with, names=names)
        out.append(f"Ships only with carrier services where {services}.")
    deliver = strategy.deliver
    if deliver is not None and deliver.within_days is not None:
        days = "day" if deliver.within_days == 1 else "days"
        out.append(
            f"Only nodes that can deliver within {number_words(deliver.within_days)} {days} "
            "of the order."
        )
    elif deliver is not None and deliver.by is not None:
        out.append(f"Only nodes that can deliver by {_subject(deliver.by, _Voice())}.")
    if strategy.carrier_by is not None:
        keys = [CARRIER_KEY_WORDS.get(key.name, key.name) for key in strategy.carrier_by]
        out.append(
            "Picks the carrier service with the "
            + ", then the ".join(keys)
            + "; ties go to the carrier, then the service, by name."
        )
    return out


def strategy_name(strategy: s.Strategy) -> str:
    """What to call a strategy in a sentence: its label, else its id with spaces."""
    return strategy.label or strategy.id.replace("_", " ")
