"""The routing language round-trips: text → tree → text loses nothing.

`parse(format(tree)) == tree` for every tree the formatter can write, formatting
is idempotent, comments survive wherever they are written, and every shipped
ruleset is already in canonical form. Example counts come from the hypothesis
profile loaded in conftest.py (500 fixed-seed examples by default).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from strategies_dsl import comment_texts, expressions, rulesets

from dsl import syntax as s
from dsl.checker import check
from dsl.formatter import KIND_WORDS, format_case_value, format_expr, format_ruleset
from dsl.parser import parse, parse_expression

SHIPPED = sorted((Path(__file__).resolve().parent.parent / "rulesets").glob("*.route"))


def comment_count(ruleset: s.Ruleset) -> int:
    return len(ruleset.comments) + sum(len(st.comments) for st in ruleset.strategies)


_CLAUSE_WORDS = {
    "priority": "priority",
    "when": "when",
    "source": "source from",
    "transfer": "transfer from",
    "within": "within",
    "lines_where": "lines where",
    "ship_with": "ship with",
    "deliver": "deliver",
    "carrier_by": "carrier by",
    "rank": "rank by",
    "split": "split",
    "otherwise": "otherwise use",
    "on_shortage": "on shortage",
    "send_to": "send to",
    "disposition": "disposition",
    "restock_after": "restock after",
}


def assert_spans_point_at_their_text(ruleset: s.Ruleset, text: str) -> None:
    """In canonical text every span covers exactly what it stands for: each expression
    its formatted text, each clause its keyword, each strategy its header."""
    lines = text.split("\n")

    def covered(span: s.Span) -> str:
        assert span.line == span.end_line, span
        return lines[span.line - 1][span.column - 1 : span.end_column - 1]

    def at(span: s.Span) -> str:
        return lines[span.line - 1][span.column - 1 :]

    for strategy in ruleset.strategies:
        assert at(strategy.span).startswith(f"{KIND_WORDS[strategy.kind]} {strategy.id}")
        assert covered(strategy.clause_spans["id"]) == strategy.id
        for key, span in strategy.clause_spans.items():
            if key != "id":
                assert at(span).startswith(_CLAUSE_WORDS[key]), (key, at(span))
        for window in strategy.effective:
            assert at(window.span).startswith("effective")
        roots = [
            strategy.when,
            strategy.source,
            strategy.transfer,
            *(keep.at for keep in strategy.keep),
        ]
        roots += [key.key for key in strategy.rank or []]
        roots += [strategy.lines_where, strategy.ship_with, *(strategy.carrier_by or [])]
        roots.append(strategy.send_to)
        if strategy.disposition is not None:
            assert at(strategy.disposition.span).startswith("disposition")
            roots.append(strategy.disposition.by)
            for case in strategy.disposition.cases:
                written = f"{format_case_value(case.value)} -> {case.disposition}"
                assert covered(case.span) == written
        if strategy.deliver is not None:
            assert at(strategy.deliver.span).startswith("deliver")
            roots.append(strategy.deliver.by)
        for root in filter(None, roots):
            for expr in s.walk(root):
                assert covered(expr.span) == format_expr(expr), expr


# ------------------------------------------------------------------ properties


@given(rulesets())
@example(s.Ruleset())
@example(
    s.Ruleset(
        name='Quote " backslash \\ tab \t newline \n',
        comments=["", "a # inside"],
        strategies=[
            s.Strategy(
                id="nothing",
                label="line\u2028separator",
                comments=['ends with "'],
                when=s.Not(operand=s.Not(operand=s.FieldRef(path="node.can_ship"))),
                rank=[s.RankKey(key=s.Name(name="stock"), direction="desc")],
            ),
            s.Strategy(id="toy", comments=["after a text with a line separator"], split=1),
        ],
    )
)
def test_parse_of_format_gives_the_same_tree_and_formatting_is_idempotent(tree: s.Ruleset):
    """One generated tree serves both properties: generation is the costly part."""
    text = format_ruleset(tree)
    parsed = parse(text)
    assert parsed == tree
    assert format_ruleset(parsed) == text
    assert_spans_point_at_their_text(parsed, text)


@given(expressions)
@example(s.Number(value=-0.0))
@example(s.Number(value=999999999999999.9))  # the largest float below the limit
@example(s.Number(value=-999_999_999_999_999))
@example(s.Number(value=1e-15))
@example(s.Number(value=0.1 + 0.2))  # 17 significant digits
@example(s.Compare(op="not in", left=s.Number(value=-1), right=s.ListOf(items=[])))
@example(s.FieldRef(path="order.from"))
def test_expression_round_trip(expr):
    text = format_expr(expr)
    assert parse_expression(text) == expr
    assert format_expr(parse_expression(text)) == text


@given(rulesets(max_strategies=2), st.data())
def test_comments_survive_wherever_they_are_written(tree: s.Ruleset, data):
    """Comments on their own lines or after a clause, anywhere in the file: none is lost,
    and the formatted result is a fixed point that keeps them all."""
    lines = format_ruleset(tree).split("\n")[:-1] or [""]
    placements = data.draw(
        st.lists(
            st.tuples(
                st.integers(0, len(lines) - 1), st.sampled_from(("above", "after")), comment_texts
            ),
            max_size=6,
        )
    )
    trailing: set[int] = set()  # a second `#` on a line is part of the first comment
    for index, place, text in sorted(placements, key=lambda p: p[0], reverse=True):
        line = lines[index]
        if place == "after" and line and not line.startswith("#") and index not in trailing:
            lines[index] = f"{line}  # {text}"
            trailing.add(index)
        else:
            lines.insert(index, f"# {text}")
    parsed = parse("\n".join(lines) + "\n")
    written = [text for _, _, text in placements]
    assert comment_count(parsed) == comment_count(tree) + len(written)
    canonical = format_ruleset(parsed)
    reparsed = parse(canonical)
    assert reparsed == parsed
    assert format_ruleset(reparsed) == canonical
    every = [*parsed.comments, *(c for strategy in parsed.strategies for c in strategy.comments)]
    assert sorted(every) == sorted(
        [*tree.comments, *(c for strategy in tree.strategies for c in strategy.comments), *written]
    )


# ------------------------------------------------------------ shipped rulesets


def test_at_least_four_example_rulesets_ship():
    assert len(SHIPPED) >= 4, [path.name for path in SHIPPED]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_shipped_ruleset_is_canonical(path: Path):
    text = path.read_text(encoding="utf-8")
    ruleset = parse(text, str(path))
    assert format_ruleset(ruleset) == text
    assert parse(format_ruleset(ruleset)) == ruleset


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_shipped_ruleset_keeps_every_comment(path: Path):
    text = path.read_text(encoding="utf-8")
    written = [line.strip()[1:].strip() for line in text.splitlines() if line.strip()[:1] == "#"]
    ruleset = parse(text, str(path))
    assert written, f"{path.name} should explain itself with comments"
    assert comment_count(ruleset) == len(written)
    kept = [*ruleset.comments, *(c for strategy in ruleset.strategies for c in strategy.comments)]
    assert sorted(kept) == sorted(written)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_shipped_ruleset_uses_dates_and_a_time_zone(path: Path):
    ruleset = parse(path.read_text(encoding="utf-8"), str(path))
    assert ruleset.name and ruleset.timezone
    assert any(strategy.effective for strategy in ruleset.strategies)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_shipped_ruleset_passes_the_checker_without_a_warning(path: Path):
    ruleset = parse(path.read_text(encoding="utf-8"), str(path))
    assert check(ruleset) == []
