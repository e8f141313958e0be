"""The strategy form's repeated rows: effective windows, rank keys and the clauses
written as text (conditions and keep levels are in `condition_rows`),
and the callbacks every row uses. Each row edits the tree when it changes; rows are
added from a last, empty row with its own button, removed or moved with buttons."""

from __future__ import annotations

import streamlit as st

from dsl import syntax as s
from dsl.schema import (
    DEFAULT_ORDER_RANK,
    DEFAULT_RETURN_RANK,
    FIELDS,
    METRICS,
    RETURN_METRICS,
    FieldType,
)
from studio import formats, forms
from studio.components import form_state as fs
from studio.components.form_state import key
from studio.conditions import (
    ConditionError,
    Group,
)
from studio.conditions import expression_of as _expression_of

RANK_FIELDS = tuple(
    path
    for path, spec in FIELDS.items()
    if path.startswith("node.") and spec.type == FieldType.NUMBER
)


def apply_form(strategy_id: str, shape: forms.StrategyForm) -> None:
    """Any row input changed: read the whole form back and write the tree."""
    tree = fs.current_tree()
    if tree is None:
        return
    strategy_id = fs.current_id(strategy_id, tree)
    form = fs.read_form(shape)
    if fs.commit(lambda: forms.update_strategy(tree, strategy_id, form), picked=form.id or None):
        fs.renamed(strategy_id, form.id)


def _edit(strategy_id: str, **changes) -> None:
    """A structural change (add, remove, move) on the tree's own form values."""
    tree = fs.current_tree()
    if tree is not None:
        strategy_id = fs.current_id(strategy_id, tree)
        fs.commit(lambda: forms.edit_strategy(tree, strategy_id, **changes))


def current_form(strategy_id: str) -> forms.StrategyForm | None:
    tree = fs.current_tree()
    found = tree.strategy(fs.current_id(strategy_id, tree)) if tree is not None else None
    return forms.form_of(found) if found is not None else None


def _remove(strategy_id: str, part: str, index: int) -> None:
    form = current_form(strategy_id)
    if form is not None:
        _edit(strategy_id, **{part: forms.without(getattr(form, part), index)})


def _move(strategy_id: str, part: str, index: int, step: int) -> None:
    form = current_form(strategy_id)
    if form is not None:
        _edit(strategy_id, **{part: forms.moved(getattr(form, part), index, step)})


def _add(strategy_id: str, part: str) -> None:
    """Append the row typed in the section's "add" inputs."""
    form = current_form(strategy_id)
    if form is None:
        return
    index = len(getattr(form, part))
    try:
        item = _new_item(part, index)
    except forms.FormError as error:
        st.session_state[fs.ERROR] = (error.field, str(error))
        return
    _edit(strategy_id, **{part: (*getattr(form, part), item)})


def _new_item(part: str, index: int):
    get = st.session_state.get
    if part == "windows":
        window = fs.read_window(key("add", "window"))
        forms.effective_of(window, index)  # refuses an empty or half-given window
        return window
    if part == "keep":
        units = int(get(key("add", "keep", "units")) or 0)
        if units < 0:
            raise forms.FormError("keep.new", f"keep {units} refused: keep 0 units or more")
        row = fs.read_row(key("add", "keep", "at"))
        try:
            _expression_of(row)
        except ConditionError as error:
            raise forms.FormError("keep.new", str(error)) from error
        return forms.KeepLevel(units, Group(rows=(row,)))
    direction = get(key("add", "rank", "direction"))
    return forms.RankRow(
        str(get(key("add", "rank", "key")) or ""), None if direction == fs.DEFAULT else direction
    )


# ---------------------------------------------------------------- windows


def remove_button(col, name: str, strategy_id: str, part: str, index: int) -> None:
    col.button(
        ":material/delete:",
        key=key(part if part != "windows" else "window", index, "remove"),
        on_click=_remove,
        args=(strategy_id, part, index),
        help=f"Remove this {name}",
    )


def add_button(col, name: str, strategy_id: str, part: str) -> None:
    col.button(
        ":material/add:",
        key=key("add", part if part != "windows" else "window", "button"),
        on_click=_add,
        args=(strategy_id, part),
        help=f"Add this {name}",
        type="primary",
    )


def windows(strategy_id: str, shape: forms.StrategyForm) -> None:
    st.markdown("**Effective** (in the ruleset's time zone; both ends included)")
    if not shape.windows:
        st.caption("Always in force. Add a window to limit it to some dates.")
    for i in range(len(shape.windows)):
        last = _window_inputs(key("window", i), "From", strategy_id, shape)
        remove_button(last, "window", strategy_id, "windows", i)
        fs.findings_for(f"window.{i}")
    last = _window_inputs(key("add", "window"), "New window from", None, shape)
    add_button(last, "window", strategy_id, "windows")
    fs.error_for("window")


def _window_inputs(prefix: str, title: str, strategy_id: str | None, shape):
    """Date and optional time at each end; returns the row's last column (its button)."""
    change = {"on_change": apply_form, "args": (strategy_id, shape)} if strategy_id else {}
    cols = st.columns([8, 4, 8, 4, 2], gap="xsmall", vertical_alignment="bottom")
    day = {"value": None, "format": formats.DATE_INPUT, **change}
    cols[0].date_input(title, key=f"{prefix}.start", **day)
    cols[1].time_input("at (optional)", key=f"{prefix}.start_time", value=None, step=900, **change)
    cols[2].date_input("to", key=f"{prefix}.end", **day)
    cols[3].time_input("at (optional)", key=f"{prefix}.end_time", value=None, step=900, **change)
    return cols[4]


# ---------------------------------------------------- clauses written as text


def text_clauses(strategy_id: str, shape: forms.StrategyForm) -> None:
    """The clauses the fields cannot say exactly (a `carrier by` naming a key twice),
    one text row each, edited or removed in place."""
    if not shape.as_text:
        return
    st.markdown("**Written as text** (the fields above cannot show these exactly)")
    for i in range(len(shape.as_text)):
        text, last = st.columns([10, 1], vertical_alignment="bottom")
        text.text_input(
            f"Clause {i + 1}",
            key=key("as_text", i),
            on_change=apply_form,
            args=(strategy_id, shape),
            help="One clause: lines where, ship with, deliver or carrier by",
        )
        remove_button(last, "clause", strategy_id, "as_text", i)
    fs.error_for("as_text")


# --------------------------------------------------------------- rank keys


def rank_keys(strategy_id: str, shape: forms.StrategyForm) -> None:
    st.markdown("**Rank by** (first key first; ties go to the next key)")
    metrics = RETURN_METRICS if shape.kind == "return" else METRICS
    if not shape.rank:
        default = DEFAULT_RETURN_RANK if shape.kind == "return" else DEFAULT_ORDER_RANK
        st.caption(f"Not stated: {', then '.join(default)}.")
    options = [*metrics, *RANK_FIELDS]
    for i, row in enumerate(shape.rank):
        cols = st.columns([5, 3, 1, 1, 1], vertical_alignment="bottom")
        apply = {"on_change": apply_form, "args": (strategy_id, shape)}
        cols[0].selectbox(
            f"Key {i + 1}",
            _with(options, row.key),
            key=key("rank", i, "key"),
            accept_new_options=True,
            help=_rank_help(metrics),
            **apply,
        )
        cols[1].selectbox(
            "Direction", (fs.DEFAULT, *forms.DIRECTIONS), key=key("rank", i, "direction"), **apply
        )
        for col, (label, icon, step) in zip(
            cols[2:4],
            (("Up", ":material/arrow_upward:", -1), ("Down", ":material/arrow_downward:", 1)),
            strict=True,
        ):
            col.button(
                icon,
                key=key("rank", i, label.lower()),
                on_click=_move,
                help=f"Move this key {label.lower()}",
                args=(strategy_id, "rank", i, step),
                disabled=not 0 <= i + step < len(shape.rank),
            )
        remove_button(cols[4], "rank key", strategy_id, "rank", i)
    cols = st.columns([5, 3, 3], vertical_alignment="bottom")
    cols[0].selectbox(
        "New key",
        options,
        key=key("add", "rank", "key"),
        accept_new_options=True,
        help=_rank_help(metrics),
    )
    cols[1].selectbox(
        "Direction", (fs.DEFAULT, *forms.DIRECTIONS), key=key("add", "rank", "direction")
    )
    add_button(cols[2], "rank key", strategy_id, "rank")
    fs.error_for("rank")


def _with(options: list[str], value: str) -> list[str]:
    return options if value in options else [*options, value]


def _rank_help(metrics: dict[str, str]) -> str:
    words = "; ".join(f"{word}: {what}" for word, what in metrics.items())
    return f"{words}; or a node field, or a condition (true first with desc)"


def strategy_code(strategy: s.Strategy) -> str:
    """The strategy's text, as the ruleset now says it."""
    from dsl.formatter import strategy_lines

    return "\n".join(strategy_lines(strategy))
