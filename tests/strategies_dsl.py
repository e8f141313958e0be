"""Hypothesis strategies for routing-language syntax trees (`dsl.syntax`).

They generate every tree the formatter can write: any clause, any expression
shape, awkward text (quotes, backslashes, tabs, newlines, unicode line
separators) and awkward numbers (negative, exponent forms, at the limits). Identifiers never
collide with a keyword of the grammar; the keyword list is read from
`dsl/routing.lark` so that a new keyword is picked up without editing this file.
"""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources

from hypothesis import strategies as st

from dsl import limits
from dsl import syntax as s
from dsl.schema import CARRIER_KEYS, FIELDS, METRICS
from dsl.schema import DELIVERY_METHODS as DELIVERY_VALUES

GRAMMAR = resources.files("dsl").joinpath("routing.lark").read_text(encoding="utf-8")
KEYWORDS = frozenset(re.findall(r'"([A-Za-z_][A-Za-z0-9_]*)"', GRAMMAR))
"""Every word the grammar spells out (`strategy`, `and`, `asc`, `backorder`, ...)."""

# Words a ruleset author would write, some of them starting with a keyword
# (`nothing`, `toy`, `android`) to prove the lexer reads whole words.
_REALISTIC_IDS = (
    "standard_home",
    "dc_backstop",
    "vip_express",
    "nothing",
    "toy",
    "android",
    "unit_test",
    "stores_only",
    "rank_by",
    "_private",
    "B2B",
    "x",
)
COMPARE_OPS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in", "has")
DIRECTIONS = (None, "asc", "desc")
SHORTAGES = ("backorder", "partial", "reject")
TIMEZONES = ("UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Pacific/Chatham")

_generated_ids = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)
identifiers = st.one_of(st.sampled_from(_REALISTIC_IDS), _generated_ids).filter(
    lambda word: word not in KEYWORDS
)
"""Strategy ids, `otherwise use` targets and bare names: never a keyword."""

# Characters that trip up quoting, line counting or comment detection.
_AWKWARD = '"\\\t\n\r#\x0b\x0c\x1c\x85\u2028\u2029 éß漢🙂'
texts = st.text(
    alphabet=st.one_of(st.sampled_from(_AWKWARD), st.characters(codec="utf-8")),
    max_size=12,
)
"""Any text, as found in labels and string literals."""

comment_texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\n\r"), max_size=16
).map(str.strip)
"""A comment's text as the parser keeps it: one line (a carriage return ends a line
too), without surrounding blanks."""


# ---------------------------------------------------------------- expressions

_field_roots = st.one_of(st.sampled_from(("order", "node", "line")), identifiers)
# Later segments may be any word, keywords included: an extra data column may be
# called `from` and is still reached as `order.from`.
_field_segments = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True)
fields = st.one_of(
    st.sampled_from(sorted(FIELDS)).map(lambda path: s.FieldRef(path=path)),
    st.builds(
        lambda root, rest: s.FieldRef(path=".".join([root, *rest])),
        _field_roots,
        st.lists(_field_segments, min_size=1, max_size=2),
    ),
)
names = st.one_of(st.sampled_from(sorted(METRICS)), identifiers).map(lambda n: s.Name(name=n))
_LARGEST = 10**limits.MAX_MAGNITUDE_EXPONENT
_SMALLEST = 10.0**limits.MIN_MAGNITUDE_EXPONENT
floats_in_range = st.floats(
    min_value=-_LARGEST, max_value=_LARGEST, exclude_min=True, exclude_max=True
).filter(lambda value: value == 0 or abs(value) >= _SMALLEST)
"""Every float the language takes (dsl/limits.py): below 10^15, and 0 or at least 10^-15."""
numbers = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**6),
    st.integers(min_value=1 - _LARGEST, max_value=_LARGEST - 1),
    floats_in_range,
    st.sampled_from((0.5, -2.5, 1e-05, 1.5e14, -3e-12, 1e-15, 999999999999999.9, 100.0)),
)
"""Numbers as the language takes them; `numbers_out_of_range` are refused."""
numbers_out_of_range = st.one_of(
    st.integers(min_value=_LARGEST),
    st.integers(max_value=-_LARGEST),
    st.floats(allow_nan=False, allow_infinity=False).filter(
        lambda value: abs(value) >= _LARGEST or 0 < abs(value) < _SMALLEST
    ),
)
moments = st.builds(
    s.Moment,
    day=st.dates(limits.FIRST_DATE, limits.LAST_DATE),
    minute=st.none() | st.builds(dt.time, st.integers(0, 23), st.integers(0, 59)),
)
literals = st.one_of(
    texts.map(lambda value: s.Text(value=value)),
    numbers.map(lambda value: s.Number(value=value)),
    st.booleans().map(lambda value: s.Boolean(value=value)),
    moments,
)
leaves = st.one_of(fields, names, literals)


def _compound(children: st.SearchStrategy) -> st.SearchStrategy:
    """One level of expression above `children`: lists, comparisons, and/or/not."""
    return st.one_of(
        st.lists(children, max_size=3).map(lambda items: s.ListOf(items=items)),
        st.builds(s.Compare, op=st.sampled_from(COMPARE_OPS), left=children, right=children),
        st.lists(children, min_size=2, max_size=3).map(lambda items: s.AllOf(items=items)),
        st.lists(children, min_size=2, max_size=3).map(lambda items: s.AnyOf(items=items)),
        children.map(lambda operand: s.Not(operand=operand)),
    )


expressions = st.recursive(leaves, _compound, max_leaves=8)
"""Any expression: literals, fields, names and every operator, nested."""


# --------------------------------------------------------------------- clauses

effective_windows = st.one_of(
    st.builds(s.Effective, start=moments, end=moments),
    st.builds(s.Effective, start=moments),
    st.builds(s.Effective, end=moments),
)
keeps = st.builds(s.Keep, units=st.integers(min_value=0, max_value=10_000), at=expressions)
rank_keys = st.builds(
    s.RankKey,
    key=st.one_of(
        st.sampled_from(sorted(METRICS)).map(lambda n: s.Name(name=n)),
        fields,
        expressions,
    ),
    direction=st.sampled_from(DIRECTIONS),
)
delivers = st.one_of(
    st.builds(
        s.Deliver,
        within_days=st.one_of(
            st.integers(min_value=-3, max_value=30),
            st.integers(min_value=1 - _LARGEST, max_value=_LARGEST - 1),
        ),
    ),
    st.builds(s.Deliver, by=fields),
)
"""`deliver within N days` (any whole number: the checker, not the parser, refuses
N <= 0) and `deliver by FIELD` (any field: the checker says which may be used)."""
carrier_keys = st.lists(
    st.one_of(st.sampled_from(sorted(CARRIER_KEYS)), identifiers).map(lambda n: s.Name(name=n)),
    min_size=1,
    max_size=3,
)
_case_values = st.one_of(
    identifiers,
    # Words the grammar uses elsewhere read as plain values here (`to`, `restock`, `true`).
    st.sampled_from(sorted(KEYWORDS)),
    st.sampled_from(("new", "opened", "damaged", "wrong_size")),
    texts,
    numbers,
)
_disposition_words = st.one_of(
    st.sampled_from(s.DISPOSITIONS), identifiers, st.sampled_from(sorted(KEYWORDS))
).filter(lambda word: word != "by")
"""A disposition is any name (the checker knows the four of them); after `disposition`
the word `by` starts `disposition by`, so it is no disposition."""
dispositions = st.one_of(
    st.builds(s.Disposition, fixed=_disposition_words),
    st.builds(
        s.Disposition,
        by=st.one_of(fields, expressions),
        cases=st.lists(
            st.builds(s.DispositionCase, value=_case_values, disposition=_disposition_words),
            min_size=1,
            max_size=3,
        ),
    ),
)
"""`disposition WORD` and `disposition by EXPR: value -> WORD, ...`."""
KINDS = ("order", "return")
_small_numbers = st.one_of(
    st.integers(min_value=0, max_value=20_000),
    floats_in_range.filter(lambda value: abs(value) <= 1e6),
    numbers,
)


@st.composite
def strategies(
    draw: st.DrawFn,
    strategy_id: st.SearchStrategy[str] = identifiers,
    kinds: tuple[str, ...] = KINDS,
) -> s.Strategy:
    """A strategy of one of `kinds` (order, return) with any subset of the clauses: the
    grammar takes every clause in both kinds (the checker says which belongs where).
    With `kinds` of orders only, no return clause is drawn either."""
    returns = "return" in kinds

    def maybe(values: st.SearchStrategy):
        return draw(st.none() | values)

    def maybe_for_returns(values: st.SearchStrategy):
        return maybe(values) if returns else None

    return s.Strategy(
        id=draw(strategy_id),
        kind=draw(st.sampled_from(kinds)),
        label=maybe(texts),
        comments=draw(st.lists(comment_texts, max_size=2)),
        priority=maybe(st.integers(min_value=-1000, max_value=10**9)),
        effective=draw(st.lists(effective_windows, max_size=2)),
        when=maybe(expressions),
        source=maybe(expressions),
        transfer=maybe(expressions),
        within_km=maybe(_small_numbers),
        keep=draw(st.lists(keeps, max_size=2)),
        lines_where=maybe(expressions),
        ship_with=maybe(expressions),
        deliver=maybe(delivers),
        carrier_by=maybe(carrier_keys),
        rank=maybe(st.lists(rank_keys, min_size=1, max_size=3)),
        split=maybe(st.integers(min_value=1, max_value=50)),
        otherwise=maybe(identifiers),
        on_shortage=maybe(st.sampled_from(SHORTAGES)),
        send_to=maybe_for_returns(expressions),
        disposition=maybe_for_returns(dispositions),
        restock_after=maybe_for_returns(
            st.one_of(
                st.integers(min_value=-3, max_value=30),
                st.integers(min_value=1 - _LARGEST, max_value=_LARGEST - 1),
            )
        ),
    )


@st.composite
def rulesets(draw: st.DrawFn, max_strategies: int = 3, kinds: tuple[str, ...] = KINDS) -> s.Ruleset:
    """A ruleset with an optional name, time zone and comments, and unique strategy ids;
    its strategies of `kinds`, in any order."""
    ids = draw(st.lists(identifiers, max_size=max_strategies, unique=True))
    return s.Ruleset(
        name=draw(st.none() | texts),
        timezone=draw(st.none() | st.sampled_from(TIMEZONES) | texts),
        comments=draw(st.lists(comment_texts, max_size=2)),
        strategies=[draw(strategies(st.just(strategy_id), kinds)) for strategy_id in ids],
    )


# ------------------------------------------------- rulesets that check clean

_CHANNELS = ("web", "marketplace", "store", "b2b")
_TAG_VALUES = ("flagship", "outlet", "urban", "pallet")
_ORDER_CONDITIONS = (
    'order.channel in ["{channel}", "web"]',
    'order.delivery == "{delivery}"',
    'order.tier == "vip"',
    "order.value >= {amount}",
    'line.category == "furniture"',
    "order.created_at >= 2026-01-01",
    'not order.country == "FR"',
)
_NODE_CONDITIONS = (
    'node.type in ["dc", "store"]',
    "node.can_ship",
    'node.tags has "{tag}"',
    "node.capacity >= {amount}",
    'node.id == order.collect_node or node.type == "dc"',
    'not node.type == "dropship"',
)
_RANK_KEYS = (
    "shipments",
    "distance",
    "cost",
    "stock desc",
    "load",
    "node.priority",
    'node.tags has "{tag}" desc',
)


def _fill(draw: st.DrawFn, template: str) -> str:
    return template.format(
        channel=draw(st.sampled_from(_CHANNELS)),
        delivery=draw(st.sampled_from(DELIVERY_VALUES)),
        amount=draw(st.one_of(st.integers(0, 10**6), st.sampled_from((0.5, 49.9, 1e3)))),
        tag=draw(st.sampled_from(_TAG_VALUES)),
    )


def _condition(draw: st.DrawFn, templates: tuple[str, ...]) -> str:
    parts = [
        _fill(draw, t) for t in draw(st.lists(st.sampled_from(templates), min_size=1, max_size=3))
    ]
    joiner = draw(st.sampled_from((" and ", " or ")))
    text = joiner.join(f"({part})" if " or " in part else part for part in parts)
    return f"not ({text})" if draw(st.booleans()) and len(parts) > 1 else text


@st.composite
def clean_ruleset_texts(draw: st.DrawFn, max_strategies: int = 4) -> str:
    """The text of a ruleset that `check` passes without an error: every strategy has
    its own `when` (so none shadows another), windows run forwards, fallbacks point
    at later strategies (no loop), numbers are in their ranges."""
    count = draw(st.integers(1, max_strategies))
    lines = ['ruleset "Fuzz"', f'timezone "{draw(st.sampled_from(TIMEZONES))}"']
    for index in range(count):
        lines += ["", f'strategy s{index} "Strategy {index}"']
        lines.append(f"  priority {draw(st.integers(-1000, 10**9))}")
        for _ in range(draw(st.integers(0, 2))):
            start = draw(st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)))
            end = start + dt.timedelta(days=draw(st.integers(0, 400)))
            lines.append(f"  effective {start} to {end}")
        own = f'order.region == "R{index}"'
        lines.append(f"  when {own} and ({_condition(draw, _ORDER_CONDITIONS)})")
        if draw(st.booleans()):
            lines.append(f"  source from {_condition(draw, _NODE_CONDITIONS)}")
        if draw(st.booleans()):
            lines.append(f"  transfer from {_condition(draw, _NODE_CONDITIONS)}")
        if draw(st.booleans()):
            lines.append(f"  within {draw(st.sampled_from((0.5, 25, 400, 20000)))} km")
        if draw(st.booleans()):
            units = draw(st.integers(0, 1000))
            lines.append(
                f'  keep {units} {"unit" if units == 1 else "units"} at node.type == "store"'
            )
        if draw(st.booleans()):
            keys = draw(st.lists(st.sampled_from(_RANK_KEYS), min_size=1, max_size=3, unique=True))
            lines.append("  rank by " + ", ".join(_fill(draw, key) for key in keys))
        split = draw(st.integers(1, 5))
        lines.append("  split none" if split == 1 else f"  split at most {split}")
        if index + 1 < count and draw(st.booleans()):
            lines.append(f"  otherwise use s{draw(st.integers(index + 1, count - 1))}")
        else:
            lines.append(f"  on shortage {draw(st.sampled_from(SHORTAGES))}")
    return "\n".join(lines) + "\n"
