"""Form editing of the ruleset open in the editor: its name and time zone, a strategy
picker (add, copy, delete), and the picked strategy's clauses, with the strategy's text as
the ruleset now says it beside the form."""

from __future__ import annotations

import zoneinfo

import streamlit as st

import dsl
from dsl import syntax as s
from dsl.schema import CARRIER_KEYS
from studio import forms
from studio.components import condition_rows, form_rows
from studio.components import form_state as fs
from studio.components.form_state import key

HEADER_NAME = "rules.header.name"
HEADER_ZONE = "rules.header.timezone"
HEADER_SYNCED = "rules.header_synced"
UTC_DEFAULT = "(not stated: UTC)"


def show(
    ruleset: s.Ruleset | None,
    text: str,
    fields: tuple[str, ...],
    diagnostics: list[dsl.Diagnostic] | tuple = (),
) -> None:
    if ruleset is None:
        st.warning(
            "The text has a syntax error: fix it in the text (the diagnostics say where) "
            "and the forms come back.",
            icon=":material/edit_off:",
        )
        return
    _header(ruleset, text)
    st.session_state[fs.DIAGNOSTICS] = {"header": _header_diagnostics(ruleset, diagnostics)}
    fs.error_for("header")
    picked = _picker(ruleset)
    if picked is None:
        st.info("No strategy yet: add one.", icon=":material/info:")
        return
    strategy = ruleset.strategy(picked)
    st.session_state[fs.DIAGNOSTICS] = placed_diagnostics(strategy, diagnostics)
    fs.sync(strategy, text)
    shape = forms.form_of(strategy)
    sections = (
        ("scalars", lambda: _scalars(strategy, shape)),
        ("effective", lambda: form_rows.windows(strategy.id, shape)),
        ("when", lambda: condition_rows.conditions("when", strategy.id, shape, fields)),
        (
            "lines_where",
            lambda: condition_rows.conditions("lines_where", strategy.id, shape, fields),
        ),
        ("source", lambda: condition_rows.conditions("source", strategy.id, shape, fields)),
        ("transfer", lambda: condition_rows.conditions("transfer", strategy.id, shape, fields)),
        ("within", lambda: _within(strategy.id, shape)),
        ("keep", lambda: condition_rows.keep_levels(strategy.id, shape, fields)),
        ("ship_with", lambda: condition_rows.conditions("ship_with", strategy.id, shape, fields)),
        ("promise", lambda: _promise(strategy.id, shape)),
        ("as_text", lambda: form_rows.text_clauses(strategy.id, shape)),
        ("rank", lambda: form_rows.rank_keys(strategy.id, shape)),
        ("split", lambda: _split_and_fallback(strategy, shape, ruleset)),
    )
    for name, draw in sections:  # one block each: its messages stay with its inputs
        with st.container(key=f"rules-form-section-{name}"):
            draw()


def strategy_text(ruleset: s.Ruleset | None) -> None:
    """The strategy shown in the form, as the ruleset's text now says it."""
    picked = st.session_state.get(fs.PICK)
    strategy = ruleset.strategy(picked) if ruleset is not None and picked else None
    if strategy is None:
        return
    st.markdown(f"**Strategy `{strategy.id}` in the text**")
    st.code(form_rows.strategy_code(strategy), language=None, wrap_lines=True)
    st.caption("A change in the form is written to the text at once (canonical layout).")


# ------------------------------------------------------------- diagnostics

SECTIONS = {
    "id": "id",
    "label": "id",
    "within": "within",
    "shortage": "on_shortage",
    "carrier_by": "promise",
    "deliver": "promise",
}
"""A clause's key in the syntax tree -> the form section that shows its findings
(others are named alike: priority, when, source, rank, split, otherwise, on_shortage)."""


def placed_diagnostics(strategy: s.Strategy, diagnostics) -> dict[str, list]:
    """The checker's findings inside the strategy, keyed by the form section of the
    line they are on (`window.N` and `keep.N` for a window or a keep level, `id` for
    the strategy's own line)."""
    if strategy.span is None:
        return {}
    first, last = strategy.span.line, strategy.span.end_line
    lines: dict[int, str] = {first: "id"}
    for clause, span in strategy.clause_spans.items():
        for line in range(span.line, max(span.end_line, span.line + 1)):
            lines.setdefault(line, SECTIONS.get(clause, clause))
    for part, items in (("window", strategy.effective), ("keep", strategy.keep)):
        for i, item in enumerate(items):
            if item.span is not None:
                lines[item.span.line] = f"{part}.{i}"
    placed: dict[str, list] = {}
    for diagnostic in diagnostics:
        if first <= diagnostic.line <= last:
            section = lines.get(diagnostic.line, "id")
            placed.setdefault(section, []).append(diagnostic)
    return placed


def _header_diagnostics(ruleset: s.Ruleset, diagnostics) -> list:
    """Findings above the first strategy: the ruleset's name and time zone."""
    first = next((x.span.line for x in ruleset.strategies if x.span is not None), None)
    return [d for d in diagnostics if first is None or d.line < first]


# ------------------------------------------------------------------ header


def _header(ruleset: s.Ruleset, text: str) -> None:
    missing = HEADER_NAME not in st.session_state or HEADER_ZONE not in st.session_state
    if missing or st.session_state.get(HEADER_SYNCED) != text:
        st.session_state[HEADER_NAME] = ruleset.name or ""
        st.session_state[HEADER_ZONE] = ruleset.timezone or UTC_DEFAULT
        st.session_state[HEADER_SYNCED] = text
    zones = [UTC_DEFAULT, *sorted(zoneinfo.available_timezones())]
    if st.session_state[HEADER_ZONE] not in zones:
        zones.append(st.session_state[HEADER_ZONE])
    left, right = st.columns(2)
    left.text_input("Ruleset name", key=HEADER_NAME, on_change=_apply_header)
    right.selectbox(
        "Time zone",
        zones,
        key=HEADER_ZONE,
        on_change=_apply_header,
        help="Effective dates and the days of capacity are read in this zone.",
    )


def _apply_header() -> None:
    tree = fs.current_tree()
    if tree is None:
        return
    zone = st.session_state.get(HEADER_ZONE)
    name = (st.session_state.get(HEADER_NAME) or "").strip()
    fs.commit(lambda: forms.set_header(tree, name, None if zone == UTC_DEFAULT else zone))


# ------------------------------------------------------------------ picker


def _picker(ruleset: s.Ruleset) -> str | None:
    ids = [strategy.id for strategy in ruleset.strategies]
    if not ids:
        st.button("Add strategy", key="rules.add_strategy", on_click=_add_strategy)
        return None
    if st.session_state.get(fs.PICK) not in ids:
        st.session_state[fs.PICK] = ids[0]
    labels = {
        strategy.id: f"{strategy.id} — {strategy.label or 'no label'} "
        f"(priority {strategy.priority if strategy.priority is not None else '100, default'})"
        for strategy in ruleset.strategies
    }
    picked = st.selectbox("Strategy", ids, key=fs.PICK, format_func=labels.get)
    with st.container(horizontal=True, key="rules-strategy-buttons"):
        st.button(
            "Add",
            key="rules.add_strategy",
            on_click=_add_strategy,
            icon=":material/add:",
            help="Add an empty strategy at the end of the ruleset",
        )
        st.button(
            "Copy",
            key="rules.copy_strategy",
            on_click=_copy_strategy,
            args=(picked,),
            icon=":material/content_copy:",
            help="Add a copy of the strategy shown just after it, to change for some dates "
            "or orders (give it a priority of its own)",
        )
        st.button(
            "Delete",
            key="rules.delete_strategy",
            on_click=_delete_strategy,
            args=(picked,),
            icon=":material/delete:",
            help="Delete the strategy shown (fallbacks that name it are flagged)",
        )
    return picked


def _add_strategy() -> None:
    tree = fs.current_tree()
    if tree is not None:
        added, new_id = forms.add_strategy(tree)
        fs.commit(lambda: added, picked=new_id)


def _copy_strategy(strategy_id: str) -> None:
    tree = fs.current_tree()
    if tree is None:
        return
    try:
        copied, new_id = forms.copy_strategy(tree, strategy_id)
    except forms.FormError as error:  # gone from the text meanwhile
        st.session_state[fs.ERROR] = (error.field, str(error))
        return
    fs.commit(lambda: copied, picked=new_id)


def _delete_strategy(strategy_id: str) -> None:
    tree = fs.current_tree()
    if tree is not None:
        fs.commit(lambda: forms.delete_strategy(tree, strategy_id))


# ----------------------------------------------------------------- scalars


def _scalars(strategy: s.Strategy, shape: forms.StrategyForm) -> None:
    apply = {"on_change": form_rows.apply_form, "args": (strategy.id, shape)}
    left, middle, right = st.columns([2, 3, 1])
    left.text_input("Id", key=key("id"), help="letters, digits and _", **apply)
    middle.text_input("Label", key=key("label"), **apply)
    right.number_input(
        "Priority",
        key=key("priority"),
        value=None,
        step=1,
        placeholder="100",
        help="Lower is tried first; empty: 100. Ties go in file order.",
        **apply,
    )
    fs.error_for("id", "label", "priority")


def _within(strategy_id: str, shape: forms.StrategyForm) -> None:
    st.number_input(
        "Within (km of the destination)",
        key=key("within"),
        value=None,
        step=10.0,
        placeholder="no limit",
        on_change=form_rows.apply_form,
        args=(strategy_id, shape),
    )
    fs.error_for("within")


def _promise(strategy_id: str, shape: forms.StrategyForm) -> None:
    """`deliver within N days` / `deliver by FIELD`, and the `carrier by` keys."""
    apply = {"on_change": form_rows.apply_form, "args": (strategy_id, shape)}
    st.markdown("**Delivery promise**")
    cols = st.columns([2, 2, 4])
    mode = cols[0].selectbox(
        "Deliver",
        fs.DELIVER_MODES,
        key=key("deliver_mode"),
        format_func=DELIVER_WORDS.get,
        help="A node counts only if an eligible carrier service delivers in time from it. "
        "Not stated: no delivery date limits the nodes.",
        **apply,
    )
    if mode == fs.WITHIN:
        cols[1].number_input(
            "Days (1 or more)",
            key=key("deliver_days"),
            step=1,
            help="promised date − the order's local date, in whole days",
            **apply,
        )
    elif mode == fs.BY:
        current = st.session_state.get(key("deliver_by")) or forms.REQUESTED_DATE
        cols[1].selectbox(
            "Date field of the order",
            list(dict.fromkeys([forms.REQUESTED_DATE, current])),
            key=key("deliver_by"),
            accept_new_options=True,
            help="the promised date is on or before it; an order without it is not limited",
            **apply,
        )
    picked = st.session_state.get(key("carrier_by")) or []
    cols[2].multiselect(
        "Carrier by (first key first)",
        list(dict.fromkeys([*CARRIER_KEYS, *picked])),
        key=key("carrier_by"),
        placeholder="not stated: cost",
        help="; ".join(f"{word}: {what}" for word, what in CARRIER_KEYS.items())
        + ". Ties: carrier, then service name.",
        **apply,
    )
    fs.error_for("deliver", "carrier_by", "promise")


DELIVER_WORDS = {
    fs.DEFAULT: fs.DEFAULT,
    fs.WITHIN: "within N days",
    fs.BY: "by a date of the order",
}


def _split_and_fallback(strategy: s.Strategy, shape: forms.StrategyForm, ruleset: s.Ruleset):
    apply = {"on_change": form_rows.apply_form, "args": (strategy.id, shape)}
    cols = st.columns(4)
    cols[0].selectbox(
        "Split",
        fs.SPLIT_MODES,
        key=key("split_mode"),
        help="none: one shipment; at most N: up to N shipments. Not stated: none.",
        **apply,
    )
    if st.session_state.get(key("split_mode")) == "at most":
        cols[1].number_input("Shipments at most", key=key("split_max"), step=1, **apply)
    others = [other.id for other in ruleset.strategies if other.id != strategy.id]
    if strategy.otherwise and strategy.otherwise not in others:
        others.append(strategy.otherwise)
    cols[2].selectbox(
        "Otherwise use",
        [fs.NO_FALLBACK, *others],
        key=key("otherwise"),
        help="Lines this strategy cannot fill go to that strategy.",
        **apply,
    )
    cols[3].selectbox(
        "On shortage",
        (fs.DEFAULT, *forms.SHORTAGES),
        key=key("on_shortage"),
        help="What happens to lines nothing can fill. Not stated: partial.",
        **apply,
    )
    fs.error_for("split", "otherwise", "on_shortage")
