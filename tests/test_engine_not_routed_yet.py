"""The clauses and fields of the delivery promise are checked by the language but not
routed yet: compiling refuses a ruleset that uses any of them, at each use, rather
than route it as if they were not there (docs/language.md, "Carriers and the
delivery promise")."""

from __future__ import annotations

import pytest

import dsl
import engine
from cli.main import main
from engine import promise_gate

HEAD = 'ruleset "T"\ntimezone "Europe/Paris"\n\n'
BASE = "strategy a\n  source from node.can_ship\n"


def refused(text: str) -> engine.CompileError:
    assert dsl.check_source(text).ok, dsl.check_source(text).render()
    with pytest.raises(engine.CompileError) as caught:
        engine.policy_of(text, filename="t.route", source=text)
    return caught.value


@pytest.mark.parametrize(
    ("clause", "words", "needs"),
    [
        ('lines where line.category == "bulky"', "lines where", "routes a group of the order"),
        ('ship with carrier.service == "express"', "ship with", "needs a carriers table"),
        ("deliver within 2 days", "deliver", "needs the delivery promise"),
        ("deliver by order.requested_date", "deliver", "needs the delivery promise"),
        ("carrier by co2", "carrier by", "needs a carriers table"),
    ],
)
def test_each_clause_of_the_promise_is_refused_where_it_is_written(clause, words, needs):
    error = refused(HEAD + BASE + f"  {clause}\n")
    (finding,) = error.diagnostics
    assert (finding.code, finding.line, finding.column, finding.length) == (
        "not-routed-yet",
        6,
        3,
        len(words),
    )
    assert finding.message.startswith(f"strategy `a`: `{words}` {needs}")
    assert ", which routing does not support yet; " in finding.message
    assert finding.message.endswith(
        "`sourcing check` accepts it, but routing refuses the ruleset rather than ignore it"
    )
    assert str(error).startswith("t.route:6:3: error: ")


def test_the_rank_key_eta_and_the_promise_s_fields_are_refused_too():
    text = HEAD + (
        "strategy a\n"
        '  when order.weekday == "Sat" and order.local_time < "14:00"\n'
        "  source from node.prep_days == 0\n"
        "  rank by eta, node.cutoff\n"
    )
    error = refused(text)
    suffix = (
        ", which routing does not support yet; `sourcing check` accepts it, but routing "
        "refuses the ruleset rather than ignore it"
    )
    assert [(d.line, d.column, d.message) for d in error.diagnostics] == [
        (5, 8, "strategy `a`: `order.weekday` belongs to the delivery promise" + suffix),
        (5, 35, "strategy `a`: `order.local_time` belongs to the delivery promise" + suffix),
        (6, 15, "strategy `a`: `node.prep_days` belongs to the delivery promise" + suffix),
        (7, 11, "strategy `a`: the rank key `eta` needs the delivery promise" + suffix),
        (7, 16, "strategy `a`: `node.cutoff` belongs to the delivery promise" + suffix),
    ]


def test_every_field_of_the_promise_is_named_in_the_reference():
    from pathlib import Path

    reference = (Path(__file__).resolve().parent.parent / "docs" / "language.md").read_text()
    section = reference[reference.index("### Fields of the promise") :]
    assert [f for f in sorted(promise_gate.FIELDS) if f"`{f}`" not in section] == []


def test_export_on_the_command_line_says_why_and_writes_nothing(tmp_path, capsys):
    ruleset = tmp_path / "peak.route"
    ruleset.write_text(HEAD + BASE + "  deliver within 1 day\n")
    assert main(["check", str(ruleset)]) == 0
    capsys.readouterr()
    code = main(["export", str(ruleset), "--out", str(tmp_path / "peak.json")])
    assert code == 1
    assert "peak.route:6:3: error: strategy `a`: `deliver` needs the delivery promise" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "peak.json").exists()


def test_a_ruleset_without_them_compiles_as_before():
    policy = engine.policy_of(HEAD + BASE + "  rank by distance\n")
    assert [st.id for st in policy.strategies] == ["a"]
