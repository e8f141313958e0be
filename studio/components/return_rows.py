"""The clauses of a return strategy's form that order strategies do not have: its
`disposition` (a fixed word, or a value with one case per known value of it) and
`restock after N days`, with `otherwise use` beside it (docs/language.md, "Return
strategies"). `send to` is a condition group (`condition_rows`)."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from dsl import syntax as s
from studio import dispositions, forms
from studio.components import form_state as fs
from studio.components.form_rows import apply_form, current_form
from studio.components.form_state import key
from studio.dispositions import BY, FIXED, NO_CASE, Case

DISPOSITION_HELP = (
    "restock: back in stock at the node after `restock after`; refurbish, liquidate, "
    "destroy: out of the stock (counted in the returns figures)"
)
BY_FIELDS = ("return.condition", "return.reason", "return.method", "return.qty", "line.category")
"""The values a `disposition by` is usually given by (any field or expression may be typed)."""
MODE_WORDS = {
    fs.DEFAULT: "(not stated)",
    FIXED: "the same for every unit",
    BY: "by a value of the returned line",
}


def disposition(strategy_id: str, shape: forms.StrategyForm) -> None:
    """`disposition`: not stated, one word for every unit, or a case per value."""
    apply = {"on_change": apply_form, "args": (strategy_id, shape)}
    st.markdown("**Disposition** (what becomes of the units this strategy takes)")
    left, right = st.columns([2, 3])
    mode = left.selectbox(
        "Disposition",
        fs.DISPOSITION_MODES,
        key=key("disposition_mode"),
        format_func=MODE_WORDS.get,
        help="Required: a return strategy says what becomes of its units.",
        **apply,
    )
    if mode == FIXED:
        right.selectbox(
            "Every unit is",
            _words(st.session_state.get(key("disposition"))),
            key=key("disposition"),
            help=DISPOSITION_HELP,
            **apply,
        )
    elif mode == BY:
        current = st.session_state.get(key("disposition_by")) or dispositions.DEFAULT_BY
        right.selectbox(
            "By",
            list(dict.fromkeys([*BY_FIELDS, current])),
            key=key("disposition_by"),
            accept_new_options=True,
            help="A field of the returned line (or any expression); each case below gives "
            "the disposition of the units with that value. A value with no case: the "
            "strategy does not take the unit (its `otherwise use` may).",
            **apply,
        )
        _cases(strategy_id, shape)
    fs.error_for("disposition")


def _words(current: str | None) -> list[str]:
    """The dispositions offered: the language's four, and the current word if another."""
    return list(dict.fromkeys([*s.DISPOSITIONS, *([current] if current else [])]))


def _cases(strategy_id: str, shape: forms.StrategyForm) -> None:
    """One row per case (in the text's order), one per known value without a case, and
    a row to add a case for another value."""
    apply = {"on_change": apply_form, "args": (strategy_id, shape)}
    shown = shape.disposition
    rows = [(key("case", i), case.text) for i, case in enumerate(shown.cases)]
    rows += [
        (key("case_missing", j), Case(value, NO_CASE).text)
        for j, value in enumerate(fs.missing_cases(shown))
    ]
    st.caption(f"Cases of `{shown.by}`: the first case whose value equals it decides.")
    for widget, value in rows:
        label, pick = st.columns([2, 3], vertical_alignment="center")
        label.markdown(f"`{value}` →")
        pick.selectbox(
            f"Disposition of {value}",
            [NO_CASE, *_words(st.session_state.get(widget))],
            key=widget,
            label_visibility="collapsed",
            help=DISPOSITION_HELP,
            **apply,
        )
    value, word, button = st.columns([2, 2, 1], vertical_alignment="bottom")
    value.text_input(
        "Another value",
        key=key("add", "case", "value"),
        help='a word (new), a text in double quotes ("not as described") or a number',
    )
    word.selectbox("is", list(s.DISPOSITIONS), key=key("add", "case", "disposition"))
    button.button(
        ":material/add:",
        key=key("add", "case", "button"),
        on_click=_add_case,
        args=(strategy_id,),
        help="Add this case after the others",
        type="primary",
    )


def _add_case(strategy_id: str) -> None:
    """Append the case typed in the "another value" inputs."""
    form = current_form(strategy_id)
    tree = fs.current_tree()
    if form is None or tree is None:
        return
    get = st.session_state.get
    try:
        value = dispositions.case_value(str(get(key("add", "case", "value")) or ""))
    except dispositions.DispositionError as error:
        st.session_state[fs.ERROR] = (error.field, str(error))
        return
    shown = form.disposition
    if any(case.value == value for case in shown.cases):
        found = Case(value, "").text
        st.session_state[fs.ERROR] = ("disposition.new", f"`{found}` already has a case")
        return
    case = Case(value, str(get(key("add", "case", "disposition")) or "restock"))
    changed = replace(form, disposition=replace(shown, cases=(*shown.cases, case)))
    fs.commit(lambda: forms.update_strategy(tree, strategy_id, changed))


def restock(strategy_id: str, shape: forms.StrategyForm, column=None) -> None:
    """`restock after N days`: when restocked units become stock at their node."""
    (column or st).number_input(
        "Restock after (days)",
        key=key("restock_after"),
        value=None,
        step=1,
        placeholder="0",
        help="Restocked units become stock at the receiving node this many days after "
        "the return is created. Empty: the same day.",
        on_change=apply_form,
        args=(strategy_id, shape),
    )
