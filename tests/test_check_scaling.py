"""`check` grows linearly with the size of a ruleset, whatever its shape. Tests do
not time things: they count the function calls the work takes (every Python and
built-in call, as a profiler sees them) at two sizes, and require four times the
strategies to cost at most about four times the calls — a pairwise comparison
would cost sixteen times. Timings are in `bench/language.py`."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dsl
from dsl.checker import check
from dsl.checks import strategies, windows

SMALL, LARGE = 150, 600
GROWTH = LARGE / SMALL
SLACK = 1.5
"""Room for the log factor of sorting and for fixed costs: linear is 4x, pairwise 16x."""


def calls(work: Callable[[], object]) -> int:
    """How many function calls `work` makes (Python and built-in)."""
    count = 0

    def profile(_frame, event, _arg):
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.setprofile(None)
    return count


def assert_linear(make_text: Callable[[int], str], what: str = "check") -> None:
    costs = []
    for size in (SMALL, LARGE):
        text = make_text(size)
        if what == "check":
            ruleset = dsl.parse(text)
            costs.append(calls(lambda ruleset=ruleset: check(ruleset)))
        else:
            costs.append(calls(lambda text=text: dsl.parse(text)))
    assert costs[1] <= GROWTH * SLACK * costs[0], f"{costs[0]:,} calls, then {costs[1]:,}"


DAY = dt.date(2026, 1, 1)


def _day(offset: int) -> str:
    return (DAY + dt.timedelta(days=offset)).isoformat()


def _strategy(index: int, *clauses: str) -> str:
    return f"strategy s{index}\n" + "".join(f"  {clause}\n" for clause in clauses)


def test_dated_strategies_of_equal_priority_are_compared_by_a_sweep_not_pairwise():
    assert_linear(
        lambda n: "".join(
            _strategy(
                i,
                f"effective {_day(i)} to {_day(i)}",
                f'when order.region == "R{i}"',
                "source from node.can_ship",
            )
            for i in range(n)
        )
    )


def test_equal_priority_strategies_in_one_window_with_exclusive_whens_check_linearly():
    assert_linear(
        lambda n: "".join(
            _strategy(
                i,
                "effective 2026-01-01 to 2026-12-31",
                f'when order.region == "R{i}"',
                "source from node.can_ship",
            )
            for i in range(n)
        )
    )


def test_strategies_with_the_same_when_in_disjoint_windows_check_linearly():
    assert_linear(
        lambda n: "".join(
            _strategy(
                i,
                f"effective {_day(i)} to {_day(i)}",
                'when order.region == "R1"',
                "source from node.can_ship",
            )
            for i in range(n)
        )
    )


@pytest.mark.parametrize("windows_per_strategy", [1, 2])
def test_strategies_without_when_none_covering_the_next_check_linearly(windows_per_strategy):
    def text(n: int) -> str:
        def clauses(i: int) -> list[str]:
            lines = [f"priority {i}", f"effective from {_day(-i)}"]
            if windows_per_strategy == 2:
                lines.append(f"effective until {_day(-3 * n - i)}")
            return [*lines, "source from node.can_ship"]

        return "".join(_strategy(i, *clauses(i)) for i in range(n))

    assert_linear(text)


def test_unknown_fallback_targets_check_linearly():
    assert_linear(
        lambda n: "".join(
            _strategy(i, "source from node.can_ship", f"otherwise use missing_{i}")
            for i in range(n)
        )
    )


def test_a_file_of_comments_above_one_strategy_parses_linearly():
    assert_linear(
        lambda n: "# a note\n" * (20 * n) + "strategy a\n  source from node.can_ship\n",
        what="parse",
    )


class CountedId(str):
    """A strategy id that counts how often it is compared or hashed."""

    uses = 0

    def __eq__(self, other):
        CountedId.uses += 1
        return str.__eq__(self, other)

    def __hash__(self):
        CountedId.uses += 1
        return str.__hash__(self)


def _cycle_uses(size: int) -> int:
    from dsl import syntax as s

    ids = [CountedId(f"s{i}") for i in range(size)]
    ruleset = s.Ruleset.model_construct(
        strategies=[
            s.Strategy.model_construct(
                id=ids[i], otherwise=ids[(i + 1) % size], on_shortage=None, clause_spans={}
            )
            for i in range(size)
        ]
    )
    CountedId.uses = 0
    found = strategies.check_fallbacks(ruleset)
    assert [d.code for d in found] == ["fallback-cycle"]
    return CountedId.uses


def test_a_fallback_loop_of_ten_thousand_strategies_is_found_in_linear_work():
    small, large = _cycle_uses(2_500), _cycle_uses(10_000)
    assert large <= 4 * SLACK * small, (small, large)


def test_a_long_fallback_loop_is_reported_once_in_a_short_message():
    text = "".join(
        _strategy(i, "source from node.can_ship", f"otherwise use s{(i + 1) % 10_000}")
        for i in range(10_000)
    )
    (finding,) = [d for d in dsl.check_source(text).diagnostics if d.code == "fallback-cycle"]
    assert finding.message == (
        "the fallback chain loops: s0 -> s1 -> s2 -> s3 -> s4 -> s5 -> s6 -> s7 -> "
        "... (9,991 more) ... -> s9999 -> s0; end it at a strategy without `otherwise use`"
    )


def test_pairwise_window_comparisons_are_bounded_per_strategy(monkeypatch):
    """The primitives that compare two strategies' windows or conditions run a
    bounded number of times per strategy, however many strategies share a level."""
    compared = 0

    def counted(function):
        def wrapper(*args):
            nonlocal compared
            compared += 1
            return function(*args)

        return wrapper

    for name in ("covers", "overlap", "_exclusive"):
        monkeypatch.setattr(windows, name, counted(getattr(windows, name)))
    size = 1_000
    text = "".join(
        _strategy(i, "effective 2026-01-01 to 2026-12-31", f'when order.region == "R{i}"')
        for i in range(size)
    )
    check(dsl.parse(text))
    assert compared <= (windows.FURTHER_CANDIDATES + 2) * size


# ------------------------------------------- the sweep says what pairs said


def _pairwise(ruleset, fallback_targets: set[str]) -> list:
    """The reachability checks as plain pairwise comparisons: the reference the
    sweep must agree with (it is the definition, only slow)."""
    found = []
    earlier: list = []
    for order, (_, strategy) in enumerate(windows.by_priority(ruleset)):
        later = windows._Facts.of(strategy, order)
        beaters = [e for e in earlier if e.takes is None or e.takes == later.takes]
        winner = next((e for e in beaters if windows.covers(e.spans, later.spans)), None)
        if winner is not None:
            if later.strategy.id not in fallback_targets:
                found.append(windows._never_chosen(winner.strategy, later.strategy))
        else:
            rival = next(
                (
                    e
                    for e in earlier
                    if e.priority == later.priority
                    and (e.strategy.effective or later.strategy.effective)
                    and windows.overlap(e.spans, later.spans)
                    and not windows._exclusive(e, later)
                ),
                None,
            )
            if rival is not None:
                found.append(windows._competing(rival.strategy, later.strategy, later.priority))
        earlier.append(later)
    return found


_WHENS = (
    None,
    'order.delivery == "home"',
    'order.delivery == "collect"',
    'order.delivery in ["home", "express"]',
    'order.tier == "vip"',
    'order.tier == "vip" and order.delivery == "home"',
    "order.value > 3",
)


_LINES = (None, None, 'line.category == "bulky"', "line.qty > 1")
"""`lines where` of a generated strategy: mostly none."""


@st.composite
def _dated_rulesets(draw) -> str:
    lines = []
    for index in range(draw(st.integers(1, 9))):
        lines.append(f"strategy s{index}")
        priority = draw(st.sampled_from((None, 1, 2)))
        if priority is not None:
            lines.append(f"  priority {priority}")
        for _ in range(draw(st.integers(0, 3))):
            start, length = draw(st.integers(0, 20)), draw(st.integers(-2, 12))
            form = draw(st.sampled_from(("range", "from", "until")))
            if form == "range":
                lines.append(f"  effective {_day(start)} to {_day(start + length)}")
            else:
                lines.append(f"  effective {form} {_day(start)}")
        when = draw(st.sampled_from(_WHENS))
        if when:
            lines.append(f"  when {when}")
        taken = draw(st.sampled_from(_LINES))
        if taken:
            lines.append(f"  lines where {taken}")
        if draw(st.booleans()):
            lines.append(f"  otherwise use s{draw(st.integers(0, 8))}")
    return "\n".join(lines) + "\n"


@given(_dated_rulesets())
def test_the_sweep_finds_exactly_what_comparing_every_pair_finds(text):
    ruleset = dsl.parse(text)
    targets = {st.otherwise for st in ruleset.strategies if st.otherwise}
    expected = [(d.code, d.line, d.message) for d in _pairwise(ruleset, targets)]
    found = [(d.code, d.line, d.message) for d in windows.check_reachability(ruleset, targets)]
    assert found == expected


def test_hints_for_unknown_fields_are_sought_a_bounded_number_of_times():
    """A "did you mean" compares the word with every known field, and the data may
    bring thousands of columns: past the first `SUGGESTED_NAMES` hints of a check
    none is sought, so more unknown names add no more of that work."""
    from dsl.checks.expressions import SUGGESTED_NAMES

    columns = [f"node.column_{n}" for n in range(3_000)]

    def cost(unknown: int) -> int:
        text = "".join(_strategy(i, f"source from node.misspelt_{i} == 1") for i in range(unknown))
        ruleset = dsl.parse(text)
        return calls(lambda: check(ruleset, columns))

    assert cost(8 * SUGGESTED_NAMES) <= 1.5 * cost(2 * SUGGESTED_NAMES)
    text = "".join(_strategy(i, f"source from node.colunm_{i} == 1") for i in range(300))
    found = check(dsl.parse(text), columns)
    hinted = [d for d in found if "did you mean `node.column_" in d.message]
    assert len(hinted) == SUGGESTED_NAMES
