"""A return strategy's `disposition` as the form holds it, both ways, with no Streamlit
here: a fixed word (`disposition restock`), or a value (`return.condition`) with its
cases (`new -> restock, opened -> refurbish`). Case values keep their exact type (a word,
a text, a number), so showing a strategy in the form never changes its text."""

from __future__ import annotations

import re
from dataclasses import dataclass

import dsl
from dsl import syntax as s
from dsl.formatter import format_case_value, format_expr
from studio.conditions import ConditionError, parse_condition

WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
FIXED, BY = "fixed", "by a value"
"""The two forms of `disposition` (the form's third choice: not stated)."""
NO_CASE = "(no case)"
"""A known value the cases leave out: the step does not take such a line."""
DEFAULT_BY = "return.condition"
"""The value a new `disposition by` starts with (returns.md's example)."""


class DispositionError(ValueError):
    """A disposition the form cannot write; `field` names the input."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Case:
    """One `value -> disposition` of `disposition by`."""

    value: str | int | float
    disposition: str

    @property
    def text(self) -> str:
        """The value as the rules write it (`new`, `"not as described"`, `2`)."""
        return format_case_value(self.value)


@dataclass(frozen=True)
class DispositionForm:
    """`fixed`: the word of `disposition WORD`; `by`: the value of `disposition by`, as
    text, with its `cases`. Both None: no `disposition` line."""

    fixed: str | None = None
    by: str | None = None
    cases: tuple[Case, ...] = ()

    @property
    def mode(self) -> str | None:
        return BY if self.by is not None else FIXED if self.fixed is not None else None


def form_of(disposition: s.Disposition | None) -> DispositionForm:
    if disposition is None:
        return DispositionForm()
    if disposition.by is None:
        return DispositionForm(fixed=disposition.fixed)
    cases = tuple(Case(case.value, case.disposition) for case in disposition.cases)
    return DispositionForm(by=format_expr(disposition.by), cases=cases)


def disposition_of(form: DispositionForm) -> s.Disposition | None:
    """The clause the form says; raises DispositionError naming the input."""
    if form.by is not None:
        try:
            by = parse_condition(form.by)
        except ConditionError as error:
            raise DispositionError("disposition.by", f"`{form.by}`: {error}") from error
        if not form.cases:
            raise DispositionError(
                "disposition.cases",
                "give at least one case (value -> disposition), or a fixed disposition",
            )
        for i, case in enumerate(form.cases):
            _word(case.disposition, f"disposition.case.{i}")
        cases = [s.DispositionCase(value=c.value, disposition=c.disposition) for c in form.cases]
        return s.Disposition(by=by, cases=cases)
    if form.fixed is not None:
        return s.Disposition(fixed=_word(form.fixed, "disposition.fixed"))
    return None


def _word(word: str, field: str) -> str:
    """A disposition is one word (the checker says which words are known); `by` after
    `disposition` starts the other form."""
    if not WORD.fullmatch(word or "") or word == "by":
        raise DispositionError(
            field, f"disposition {word or '…'} refused: pick {', '.join(s.DISPOSITIONS)}"
        )
    return word


def case_value(text: str, field: str = "disposition.new") -> str | int | float:
    """A case value typed in the form, read as the rules read it: a word (`new`), a
    text in double quotes (`"not as described"`) or a number (`2`)."""
    typed = text.strip()
    if not typed:
        raise DispositionError(field, "type the value this case is for")
    try:
        parsed = dsl.parse(f"return strategy row\n  disposition by row.value: {typed} -> row\n")
    except dsl.RulesetSyntaxError as error:
        raise DispositionError(
            field,
            f"`{typed}` is not one value: write a word, a text in double quotes or a number",
        ) from error
    disposition = parsed.strategies[0].disposition
    assert disposition is not None and len(disposition.cases) == 1
    return disposition.cases[0].value


def missing(form: DispositionForm, known: tuple[str, ...]) -> tuple[str, ...]:
    """The known values of the `by` value that no case names yet, in their order: the
    form offers each one a disposition."""
    named = {case.value for case in form.cases}
    return tuple(value for value in known if value not in named)


def switched(form: DispositionForm, mode: str | None, known: tuple[str, ...]) -> DispositionForm:
    """The disposition once the user picked another form of it: a fixed word becomes one
    case per known value with that word; cases become the first case's word."""
    if mode == form.mode:
        return form
    if mode == FIXED:
        word = form.cases[0].disposition if form.cases else "restock"
        return DispositionForm(fixed=word)
    if mode == BY:
        word = form.fixed or "restock"
        return DispositionForm(by=DEFAULT_BY, cases=tuple(Case(value, word) for value in known))
    return DispositionForm()
