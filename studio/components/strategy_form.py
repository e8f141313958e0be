"""Form editing of the ruleset open in the editor: its name and time zone, a strategy
picker (add an order or a return strategy, copy, delete), and the picked strategy's
clauses — those of its kind, and any clause of the other kind the text gives it (so it
can be seen and removed) — with the strategy's text as the ruleset now says it beside
the form."""

from __future__ import annotations

import zoneinfo

import streamlit as st

import dsl
from dsl import syntax as s
from dsl.schema import CARRIER_KEYS
from studio import forms
from studio.components import condition_rows, form_rows, return_rows
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

    def group(clause: str):
        return lambda: condition_rows.conditions(clause, strategy.id, shape, fields)

    draw = {
        "scalars": lambda: _scalars(strategy, shape),
        "effective": lambda: form_rows.windows(strategy.id, shape),
        **{clause: group(clause) for clause in condition_rows.CLAUSE_TITLES},
        "within": lambda: _within(strategy.id, shape),
        "keep": lambda: condition_rows.keep_levels(strategy.id, shape, fields),
        "promise": lambda: _promise(strategy.id, shape),
        "as_text": lambda: form_rows.text_clauses(strategy.id, shape),
        "rank": lambda: form_rows.rank_keys(strategy.id, shape),
        "disposition": lambda: return_rows.disposition(strategy.id, shape),
        "split": lambda: _split_and_fallback(strategy, shape, ruleset),
        "restock": lambda: _restock_and_fallback(strategy, shape, ruleset),
    }
    for name in sections_for(shape):  # one block each: its messages stay with its inputs
        with st.container(key=f"rules-form-section-{name}"):
            draw[name]()


SECTIONS_IN_ORDER = (
    "scalars", "effective", "when", "lines_where", "source", "transfer", "send_to", "within",
    "keep", "ship_with", "promise", "as_text", "rank", "disposition", "split", "restock",
)  # fmt: skip
"""Every section of the form, in the order of the canonical text's clauses."""
KIND_SECTIONS = {
    "order": frozenset(SECTIONS_IN_ORDER) - {"send_to", "disposition", "restock"},
    "return": frozenset(
        {"scalars", "effective", "when", "send_to", "within", "rank", "disposition", "restock"}
    ),
}
"""The sections a strategy of each kind always shows."""


def sections_for(shape: forms.StrategyForm) -> list[str]:
    """The form's sections for a strategy: those of its kind, and those of the other
    kind that hold a clause (the checker flags it: `clause-not-for-kind`)."""
    own = KIND_SECTIONS.get(shape.kind, KIND_SECTIONS["order"])
    return [name for name in SECTIONS_IN_ORDER if name in own or _holds(shape, name)]


def _holds(shape: forms.StrategyForm, section: str) -> bool:
    """Whether the strategy says anything in that section."""
    if section in condition_rows.CLAUSE_TITLES:
        return bool(forms.group_at(shape, section).rows)
    return {
        "keep": bool(shape.keep),
        "promise": shape.deliver_within is not None
        or shape.deliver_by is not None
        or bool(shape.carrier_by),
        "as_text": bool(shape.as_text),
        "split": shape.split is not None or shape.on_shortage is not None,
        "disposition": shape.disposition.mode is not None,
        "restock": shape.restock_after is not None,
    }.get(section, False)


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
    "restock_after": "restock",
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
        with st.container(horizontal=True):
            st.button("Add strategy", key="rules.add_strategy", on_click=_add_strategy)
            st.button(
                "Add return strategy",
                key="rules.add_return_strategy",
                on_click=_add_strategy,
                args=("return",),
            )
        return None
    shown = st.session_state.get(fs.PICK)
    if shown not in ids:  # renamed (a value sent before the rename showed) or gone
        shown = fs.current_id(shown or "", ruleset)
        st.session_state[fs.PICK] = shown if shown in ids else ids[0]
    labels = {strategy.id: _picker_label(strategy) for strategy in ruleset.strategies}
    picked = st.selectbox("Strategy", ids, key=fs.PICK, format_func=labels.get)
    with st.container(horizontal=True, key="rules-strategy-buttons"):
        st.button(
            "Add",
            key="rules.add_strategy",
            on_click=_add_strategy,
            icon=":material/add:",
            help="Add an empty strategy (for orders) at the end of the ruleset",
        )
        st.button(
            "Add return strategy",
            key="rules.add_return_strategy",
            on_click=_add_strategy,
            args=("return",),
            icon=":material/assignment_return:",
            help="Add an empty return strategy (where returned units go) at the end",
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


def _picker_label(strategy: s.Strategy) -> str:
    """ "peak — Peak season (priority 10)"; a return strategy says it is one."""
    priority = strategy.priority if strategy.priority is not None else "100, default"
    kind = "return strategy, " if strategy.kind == "return" else ""
    return f"{strategy.id} — {strategy.label or 'no label'} ({kind}priority {priority})"


def _add_strategy(kind: s.StrategyKind = "order") -> None:
    tree = fs.current_tree()
    if tree is not None:
        added, new_id = forms.add_strategy(tree, kind=kind)
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
        help="Lower is tried first; empty: 100. Ties go in file order. "
        + (
            "Return strategies are tried among return strategies only."
            if strategy.kind == "return"
            else "Order strategies are tried among order strategies only."
        ),
        **apply,
    )
    fs.error_for("id", "label", "priority")


def _within(strategy_id: str, shape: forms.StrategyForm) -> None:
    where = "where the return starts" if shape.kind == "return" else "the destination"
    st.number_input(
        f"Within (km of {where})",
        key=fs.within_key(strategy_id),
        value=None,
        step=10.0,
        placeholder="no limit",
        help="The drop store for a store return, the customer's address for post and "
        "courier returns."
        if shape.kind == "return"
        else None,
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
    """`split`, `otherwise use` and `on shortage` (a return strategy's `otherwise use`
    is beside its `restock after`)."""
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
    if strategy.kind == "order":
        fills = "Lines this strategy cannot fill go to that strategy."
        _fallback(cols[2], strategy, shape, ruleset, fills)
    cols[3].selectbox(
        "On shortage",
        (fs.DEFAULT, *forms.SHORTAGES),
        key=key("on_shortage"),
        help="What happens to lines nothing can fill. Not stated: partial.",
        **apply,
    )
    fs.error_for("split", "otherwise", "on_shortage")


def _restock_and_fallback(strategy: s.Strategy, shape: forms.StrategyForm, ruleset: s.Ruleset):
    """`restock after N days` and a return strategy's `otherwise use`."""
    left, right = st.columns(2)
    return_rows.restock(strategy.id, shape, left)
    if strategy.kind == "return":
        _fallback(
            right,
            strategy,
            shape,
            ruleset,
            "Returned units this strategy does not take (no candidate node, or no case for "
            "their value) go to that return strategy.",
        )
    fs.error_for("restock_after", "restock", "otherwise")


def _fallback(
    column, strategy: s.Strategy, shape: forms.StrategyForm, ruleset: s.Ruleset, help: str
) -> None:
    """`otherwise use`: the other strategies of the same kind (and the one the text
    names, whatever it is: the checker says what is wrong with it)."""
    others = [
        other.id
        for other in ruleset.strategies
        if other.id != strategy.id and other.kind == strategy.kind
    ]
    if strategy.otherwise and strategy.otherwise not in others:
        others.append(strategy.otherwise)
    column.selectbox(
        "Otherwise use",
        [fs.NO_FALLBACK, *others],
        key=key("otherwise"),
        help=help,
        on_change=form_rows.apply_form,
        args=(strategy.id, shape),
    )
