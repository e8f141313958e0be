"""Fuzzing the routing language: any text, hostile shapes (deep nesting, huge
numbers, long names, control and invisible characters) and mutations of valid
rulesets go through parse, check, format and — when they check clean — the
engine's compiler. The only acceptable outcomes are a clean result, or a
`dsl.errors.SourcingError` / `engine.CompileError` with a rendered message:
never another exception, never a hang.

`make test` runs a bounded number of examples; `make fuzz` (FUZZ_MINUTES=10)
runs these tests, and every other test marked `fuzz`, with the `fuzz` profile
of tests/conftest.py, again and again until the time is up.
"""

from __future__ import annotations

import os
import signal
from contextlib import contextmanager

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies_dsl import clean_ruleset_texts, rulesets

import dsl
import engine
from cli.main import main
from dsl import limits
from dsl.errors import SourcingError

pytestmark = pytest.mark.fuzz

EXAMPLE_SECONDS = 20
"""The most one example may take (on a busy machine) before it counts as a hang."""


def bounded(examples: int):
    """`examples` examples in an ordinary test run; as many as the `fuzz` profile
    asks for under `make fuzz`."""
    if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz":
        return settings()
    return settings(max_examples=examples)


class Hang(AssertionError):
    """An example ran longer than `EXAMPLE_SECONDS`."""


@contextmanager
def no_hang(seconds: float = EXAMPLE_SECONDS):
    def expire(_signum, _frame):
        raise Hang(f"no answer after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def survive(text: str) -> str:
    """Parse, check, render, format and compile `text`; fail on anything but a
    clean result or a rendered `SourcingError` / `CompileError`. Returns what
    happened, for the tests that want to know."""
    with no_hang():
        result = dsl.check_source(text, "fuzz.route")
        rendered = result.render()
        assert isinstance(rendered, str)
        if result.ruleset is None:
            (error,) = result.diagnostics
            assert error.severity == "error" and rendered.startswith("fuzz.route:")
            with pytest.raises(SourcingError) as caught:
                dsl.parse(text, "fuzz.route")
            assert str(caught.value) == rendered
            return "refused"
        # Whatever parses formats to text that parses back to the same tree.
        canonical = dsl.format(result.ruleset)
        again = dsl.parse(canonical)
        assert again == result.ruleset
        assert dsl.format(again) == canonical
        if not result.ok:
            return "errors"
        try:
            engine.policy_of(result.ruleset, filename="fuzz.route", source=text)
        except engine.CompileError as error:
            assert str(error).startswith("fuzz.route:")
            return "not compiled"
        return "compiled"


# ------------------------------------------------------------- any text

_HOSTILE_CHARACTERS = st.sampled_from(
    list("\x00\x1b\x7f\x85\u00a0\u2028\u2029\u200b\u200d\u202e\u2066\ufeff\ufffd\r\t\f\v")
)


@bounded(150)
@given(st.text(alphabet=st.one_of(st.characters(), _HOSTILE_CHARACTERS), max_size=300))
@example("\ufeffstrategy a\r  priority 1\r")
@example("strategy a\n  when " + "not " * 2_000 + "order.x\n")
@example("strategy a\n  priority " + "9" * 5_000 + "\n")
def test_any_text_is_taken_or_refused_with_a_message(text):
    survive(text)


@bounded(60)
@given(st.binary(max_size=400))
@example(b"\xef\xbb\xbfstrategy a\n")
@example(b"strategy \xff\xfe\n")
def test_any_bytes_are_checked_or_refused_by_the_command(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "bytes.route"
    path.write_bytes(data)
    with no_hang():
        code = main(["check", str(path)])
    assert code in (0, 1, 2)


# --------------------------------------------------------- hostile shapes


@st.composite
def nested(draw) -> str:
    """A condition nested near, at or past the limit, in any mix of forms."""
    depth = draw(st.integers(1, 3 * limits.MAX_NESTING))
    expression = draw(st.sampled_from(("node.can_ship", 'node.type == "dc"', "order.x")))
    for _ in range(depth):
        form = draw(st.sampled_from(("not", "paren", "list", "or", "and", "compare")))
        expression = {
            "not": f"not {expression}",
            "paren": f"({expression})",
            "list": f"node.tags in [{expression}]",
            "or": f"(node.can_ship or {expression})",
            "and": f"node.can_ship and ({expression})",
            "compare": f"node.can_ship == ({expression})",
        }[form]
    return expression


_NUMBERS = st.one_of(
    st.integers().map(str),
    st.floats().map(repr),
    st.from_regex(r"-?\d{1,40}(\.\d{0,40})?([eE][+-]?\d{1,6})?", fullmatch=True),
    st.integers(1, 6_000).map(lambda n: "9" * n),
)


_MOMENTS = st.builds(
    lambda day, minute: day.isoformat() + (f"T{minute:%H:%M}" if minute else ""),
    st.dates(),
    st.none() | st.times(),
)
"""Dates anywhere in the calendar, to the minute or not."""


@bounded(100)
@given(
    nested(),
    _NUMBERS,
    st.text(min_size=0, max_size=2_000),
    st.integers(0, 3 * limits.MAX_NAME_LENGTH),
    _MOMENTS,
    _MOMENTS,
    st.sampled_from(("UTC", "Pacific/Kiritimati", "Etc/GMT+12", "Asia/Tokyo")),
)
def test_hostile_shapes_are_taken_or_refused_with_a_message(
    condition, number, text, length, start, end, zone
):
    quoted = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    survive(
        f'ruleset "{quoted}"\ntimezone "{zone}"\n'
        f"strategy {'s' * max(1, length)}\n"
        f"  effective {start} to {end}\n"
        f"  effective until {end}\n"
        f"  when order.created_at < {start}\n"
        f"  priority {number}\n"
        f"  source from {condition}\n"
        f"  keep 1 unit at {condition}\n"
        f"  rank by {condition} desc\n"
        f"  within {number} km\n"
    )
    survive(
        f'ruleset "dates"\ntimezone "{zone}"\n'
        f"strategy a\n  effective {start} to {end}\n  source from node.can_ship\n"
        f"strategy b\n  effective from {start}\n  effective until {end}\n"
        f"  when order.created_at >= {end}\n  source from node.can_ship\n"
    )


# ------------------------------------------- mutations of valid rulesets

_PIECES = st.one_of(
    st.sampled_from(
        [
            "not ",
            "(",
            ")",
            "[",
            "]",
            ",",
            " and ",
            " or ",
            " == ",
            " in ",
            " has ",
            "\n",
            "#",
            '"',
            "\\",
            "strategy x\n",
            "  priority 7\n",
            "  otherwise use s0\n",
            "  effective 2026-12-31 to 2026-01-01\n",
            " 1e400",
            " 0.1234567890123456789",
            "\u202e",
            " 9999-12-31",
            " 0001-01-01T00:00",
            " 9998-12-31T23:59",
            "  effective until 1000-01-01\n",
            "\u200b",
            "\x00",
            "\ufeff",
            "\r",
            "desc",
            "units",
            "node.",
            "order.",
        ]
    ),
    st.text(max_size=8),
)


@st.composite
def mutated(draw, base) -> str:
    """A text with a few pieces inserted, lines dropped, duplicated or swapped."""
    lines = draw(base).split("\n")
    for _ in range(draw(st.integers(1, 5))):
        action = draw(st.sampled_from(("insert", "drop", "duplicate", "swap")))
        at = draw(st.integers(0, max(0, len(lines) - 1)))
        if action == "insert":
            line = lines[at] if lines else ""
            column = draw(st.integers(0, len(line)))
            lines[at : at + 1] = [line[:column] + draw(_PIECES) + line[column:]]
        elif action == "drop" and lines:
            del lines[at]
        elif action == "duplicate" and lines:
            lines.insert(at, lines[at])
        elif lines:
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
    return "\n".join(lines)


@bounded(150)
@given(mutated(clean_ruleset_texts()))
def test_mutations_of_clean_rulesets_are_taken_or_refused_with_a_message(text):
    survive(text)


@bounded(100)
@given(mutated(rulesets(max_strategies=3).map(dsl.format)))
def test_mutations_of_any_formatted_ruleset_are_taken_or_refused_with_a_message(text):
    survive(text)


@bounded(60)
@given(clean_ruleset_texts())
def test_clean_rulesets_compile(text):
    assert survive(text) == "compiled"
