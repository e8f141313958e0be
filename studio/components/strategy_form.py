"""Form editing of the ruleset open in the editor: its name and time zone, a strategy
picker (add, delete), and the picked strategy's clauses, with the strategy's text as
the ruleset now says it beside the form."""

from __future__ import annotations

import zoneinfo

import streamlit as st

from dsl import syntax as s
from studio import forms
from studio.components import form_rows
from studio.components import form_state as fs
from studio.components.form_state import key

HEADER_NAME = "rules.header.name"
HEADER_ZONE = "rules.header.timezone"
HEADER_SYNCED = "rules.header_synced"
UTC_DEFAULT = "(not stated: UTC)"


def show(ruleset: s.Ruleset | None, text: str, fields: tuple[str, ...]) -> None:
    if ruleset is None:
        st.warning(
            "The text has a syntax error: fix it in the text (the diagnostics say where) "
            "and the forms come back.",
            icon=":material/edit_off:",
        )
        return
    _header(ruleset, text)
    picked = _picker(ruleset)
    if picked is None:
        st.info("No strategy yet: add one.", icon=":material/info:")
        return
    strategy = ruleset.strategy(picked)
    fs.sync(strategy, text)
    shape = forms.form_of(strategy)
    _scalars(strategy, shape)
    form_rows.windows(strategy.id, shape)
    form_rows.conditions("when", strategy.id, shape, fields)
    form_rows.conditions("source", strategy.id, shape, fields)
    _within(strategy.id, shape)
    form_rows.keep_levels(strategy.id, shape)
    form_rows.rank_keys(strategy.id, shape)
    form_rows.text_clauses(strategy.id, shape)
    _split_and_fallback(strategy, shape, ruleset)


def strategy_text(ruleset: s.Ruleset | None) -> None:
    """The strategy shown in the form, as the ruleset's text now says it."""
    picked = st.session_state.get(fs.PICK)
    strategy = ruleset.strategy(picked) if ruleset is not None and picked else None
    if strategy is None:
        return
    st.markdown(f"**Strategy `{strategy.id}` in the text**")
    st.code(form_rows.strategy_code(strategy), language=None, wrap_lines=True)
    st.caption("A change in the form is written to the text at once (canonical layout).")


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
    left, middle, right = st.columns([6, 2, 2], vertical_alignment="bottom")
    picked = left.selectbox("Strategy", ids, key=fs.PICK, format_func=labels.get)
    middle.button(
        "Add",
        key="rules.add_strategy",
        on_click=_add_strategy,
        icon=":material/add:",
        width="stretch",
        help="Add an empty strategy at the end of the ruleset",
    )
    right.button(
        "Delete",
        key="rules.delete_strategy",
        on_click=_delete_strategy,
        args=(picked,),
        icon=":material/delete:",
        width="stretch",
        help="Delete the strategy shown (fallbacks that name it are flagged)",
    )
    return picked


def _add_strategy() -> None:
    tree = fs.current_tree()
    if tree is not None:
        added, new_id = forms.add_strategy(tree)
        fs.commit(lambda: added, picked=new_id)


def _delete_strategy(strategy_id: str) -> None:
    tree = fs.current_tree()
    if tree is not None:
        fs.commit(lambda: forms.delete_strategy(tree, strategy_id))


# ----------------------------------------------------------------- scalars


def _scalars(strategy: s.Strategy, shape: forms.StrategyForm) -> None:
    apply = {"on_change": form_rows._apply, "args": (strategy.id, shape)}
    left, middle, right = st.columns([2, 3, 1])
    left.text_input("Id", key=key("id"), help="letters, digits and _", **apply)
    middle.text_input("Label", key=key("label"), **apply)
    right.number_input(
        "Priority",
        key=key("priority"),
        value=None,
        step=1,
        min_value=0,
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
        min_value=0.0,
        step=10.0,
        placeholder="no limit",
        on_change=form_rows._apply,
        args=(strategy_id, shape),
    )
    fs.error_for("within")


def _split_and_fallback(strategy: s.Strategy, shape: forms.StrategyForm, ruleset: s.Ruleset):
    apply = {"on_change": form_rows._apply, "args": (strategy.id, shape)}
    cols = st.columns(4)
    cols[0].selectbox(
        "Split",
        fs.SPLIT_MODES,
        key=key("split_mode"),
        help="none: one shipment; at most N: up to N shipments. Not stated: none.",
        **apply,
    )
    if st.session_state.get(key("split_mode")) == "at most":
        cols[1].number_input(
            "Shipments at most", key=key("split_max"), min_value=2, step=1, **apply
        )
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
