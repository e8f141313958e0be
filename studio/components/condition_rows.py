"""The strategy form's conditions — `when`, `lines where`, `source from`, `ship with`,
a return strategy's `send to` and each keep level's `at` —
as groups of rows joined with and/or (one level of inner groups), each row a field,
an operator and a value picked from the known values (or a typed expression), and the
keep levels themselves."""

from __future__ import annotations

import streamlit as st

from dsl.schema import FIELDS
from studio import conditions as conditions_model
from studio import forms
from studio.components import form_state as fs
from studio.components.form_rows import add_button, apply_form, current_form, remove_button
from studio.components.form_state import key
from studio.conditions import (
    AND,
    EXPRESSION,
    JOINS,
    LIST_OPERATORS,
    MAYBE_LIST_OPERATORS,
    OPERATORS,
    OR,
    UNARY,
    ConditionError,
    Group,
)
from studio.conditions import expression_of as _expression_of

ROOTS = {
    "when": ("order", "line"),
    "lines_where": ("line", "order"),
    "source": ("node", "order"),
    "transfer": ("node", "order"),
    "ship_with": ("carrier", "order", "node"),
    "send_to": ("node", "return", "line"),
}
"""The fields each clause's rows offer (language.md, "Fields")."""
RETURN_ROOTS = {"when": ("return", "line")}
"""A return strategy's `when` reads the returned line (language.md, "Fields of a return
strategy")."""
CLAUSE_TITLES = {
    "when": "When (the order)",
    "lines_where": "Lines where (the lines this strategy takes)",
    "source": "Source from (the nodes)",
    "transfer": "Transfer from (nodes that may send a collect order's missing lines to its store)",
    "ship_with": "Ship with (the carrier services it may use)",
    "send_to": "Send to (the nodes that may receive the returned units)",
}
RETURN_TITLES = {"when": "When (the returned line)"}
WITHOUT = {
    "when": "every order.",
    "lines_where": "every line of the order.",
    "source": "every node.",
    "transfer": "no transfer: a collect order is sourced like any other.",
    "ship_with": "every carrier service (the eligibility rules still apply).",
    "send_to": "none yet: a return strategy must say which nodes may receive its units.",
}
"""What a clause with no row means."""
RETURN_WITHOUT = {"when": "every returned line."}
MULTI = LIST_OPERATORS | MAYBE_LIST_OPERATORS
"""Operators that take several values."""


def conditions(clause: str, strategy_id: str, shape: forms.StrategyForm, fields: tuple[str, ...]):
    """The clause's group of rows, its "new condition" row, and its messages."""
    returns = shape.kind == "return"
    st.markdown(f"**{(RETURN_TITLES if returns else {}).get(clause, CLAUSE_TITLES[clause])}**")
    group = forms.group_at(shape, clause)
    if not group.rows:
        meaning = (RETURN_WITHOUT if returns else {}).get(clause, WITHOUT[clause])
        st.caption("No condition: " + meaning)
    roots = (RETURN_ROOTS if returns else {}).get(clause, ROOTS[clause])
    group_editor(clause, strategy_id, shape, _field_options(roots, fields, group))
    fs.error_for(clause)


def group_editor(path: str, strategy_id: str, shape: forms.StrategyForm, options: list[str]):
    """The rows of the group at `path` (a clause or `keep.N.at`): how they are joined,
    each row (an inner group in a box of its own), and the new-condition row."""
    group = forms.group_at(shape, path)
    apply = (strategy_id, shape)
    if len(group.rows) > 1:
        _join_picker(key(path, "join"), apply, "Rows")
    for i, row in enumerate(group.rows):
        if isinstance(row, Group):
            with st.container(border=True, key=_css(key(path, i, "box"))):
                _join_picker(key(path, i, "join"), apply, "In this group")
                for j, inner in enumerate(row.rows):
                    _, last = _row_inputs(key(path, i, j), options, apply, inner.is_expression)
                    _row_button(last, "remove", strategy_id, path, (i, j))
                st.button(
                    "Add the new condition to this group",
                    key=key(path, i, "add_here"),
                    on_click=_add_condition,
                    args=(strategy_id, path, i),
                    icon=":material/add:",
                )
            continue
        pair, last = _row_inputs(key(path, i), options, apply, row.is_expression)
        _row_button(pair, "pair", strategy_id, path, (i,))
        _row_button(last, "remove", strategy_id, path, (i,))
    adding = st.session_state.get(key("add", path, "field")) == EXPRESSION
    _, last = _row_inputs(key("add", path), options, None, adding, "New condition")
    last.button(
        ":material/add:",
        key=key("add", path, "button"),
        on_click=_add_condition,
        args=(strategy_id, path, None),
        help="Add this condition as a new row",
        type="primary",
    )


JOIN_LABELS = {AND: "all must hold (and)", OR: "any one is enough (or)"}


def _join_picker(widget: str, apply: tuple, label: str) -> None:
    st.radio(
        label,
        JOINS,
        key=widget,
        horizontal=True,
        format_func=JOIN_LABELS.get,
        on_change=apply_form,
        args=apply,
    )


def _row_button(col, kind: str, strategy_id: str, path: str, where: tuple[int, ...]) -> None:
    if kind == "remove":
        col.button(
            ":material/delete:",
            key=key(path, *where, "remove"),
            on_click=_remove_condition,
            args=(strategy_id, path, *where),
            help="Remove this condition",
        )
    else:
        col.button(
            ":material/call_split:",
            key=key(path, *where, "pair"),
            on_click=_add_condition,
            args=(strategy_id, path, where[0]),
            help="Group this row with the new condition (below), joined with the other "
            "word: this row or the new one, inside rows that must all hold",
        )


def _css(name: str) -> str:
    return name.replace(".", "-")


def _add_condition(strategy_id: str, path: str, into: int | None) -> None:
    """Add the new-condition row of `path`: as a row, into an inner group, or paired."""
    form = current_form(strategy_id)
    if form is None:
        return
    row = fs.read_row(key("add", path))
    try:
        _expression_of(row)
    except ConditionError as error:
        st.session_state[fs.ERROR] = (f"{path}.new", str(error))
        return
    group = conditions_model.with_row(forms.group_at(form, path), row, into)
    _edit_form(strategy_id, forms.with_group(form, path, group))


def _remove_condition(strategy_id: str, path: str, index: int, inner: int | None = None):
    form = current_form(strategy_id)
    if form is not None:
        group = conditions_model.without_row(forms.group_at(form, path), index, inner)
        _edit_form(strategy_id, forms.with_group(form, path, group))


def _edit_form(strategy_id: str, form: forms.StrategyForm) -> None:
    tree = fs.current_tree()
    if tree is not None:
        fs.commit(lambda: forms.update_strategy(tree, strategy_id, form))


def _field_options(roots: tuple[str, ...], fields: tuple[str, ...], group: Group) -> list[str]:
    known = [path for path in (*FIELDS, *fields) if path.split(".", 1)[0] in roots]
    known += [row.field for row in _rows(group) if not row.is_expression]
    return [EXPRESSION, *dict.fromkeys(known)]


def _rows(group: Group):
    for row in group.rows:
        yield from (row.rows if isinstance(row, Group) else (row,))


def _field_changed(prefix: str) -> None:
    """Another field: its value starts empty; the row applies once a value is picked."""
    st.session_state[f"{prefix}.value"] = ""
    st.session_state[f"{prefix}.values"] = []


def _row_inputs(
    prefix: str, options: list[str], apply: tuple | None, expression: bool, title: str = "Field"
):
    """Field, operator and value (or field and expression); returns the two button
    columns at the end of the row.
    A field with known values (the language's, the data's) is given a value picker."""
    change = {"on_change": apply_form, "args": apply} if apply else {}
    field = st.session_state.get(f"{prefix}.field")
    spec = FIELDS.get(field or "")
    on_field = {"on_change": _field_changed, "args": (prefix,)}
    if expression:
        left, right, *buttons = st.columns([3, 7, 1, 1], gap="xsmall", vertical_alignment="bottom")
        left.selectbox(title, options, key=f"{prefix}.field", accept_new_options=True, **on_field)
        right.text_input(
            "Expression",
            key=f"{prefix}.value",
            **change,
            help='Any condition in the language, e.g. node.type == "dc" or node.tags has "hub"',
        )
        return buttons
    cols = st.columns([3, 2, 5, 1, 1], gap="xsmall", vertical_alignment="bottom")
    cols[0].selectbox(
        title,
        options,
        key=f"{prefix}.field",
        accept_new_options=True,
        **on_field,
        help=spec.doc if spec else "a column of your data, or an expression",
    )
    cols[1].selectbox("Operator", OPERATORS, key=f"{prefix}.op", **change)
    op = st.session_state.get(f"{prefix}.op")
    if op in UNARY:
        cols[2].caption("no value needed")
        return cols[3:]
    known = fs.picked_values(field)
    if known:
        chosen = st.session_state.get(f"{prefix}.values") or []
        cols[2].multiselect(
            "Value" if op not in MULTI else "Values",
            list(dict.fromkeys([*known, *chosen])),
            key=f"{prefix}.values",
            accept_new_options=True,
            max_selections=None if op in MULTI else 1,
            placeholder="pick or type a value",
            **change,
            help="values from the language and your data; type another one if needed",
        )
        return cols[3:]
    cols[2].text_input(
        "Value",
        key=f"{prefix}.value",
        **change,
        help="no quotes needed; several values: separate with commas",
    )
    return cols[3:]


# ------------------------------------------------------------- keep levels


def keep_levels(strategy_id: str, shape: forms.StrategyForm, fields: tuple[str, ...]) -> None:
    st.markdown("**Keep** (protected stock: never promised by this strategy)")
    options = _field_options(("node",), fields, Group())
    for i, level in enumerate(shape.keep):
        with st.container(border=True, key=_css(key("keep", i, "box"))):
            left, right = st.columns([10, 1], vertical_alignment="bottom")
            left.number_input(
                "Units of every SKU kept",
                key=key("keep", i, "units"),
                step=1,
                on_change=apply_form,
                args=(strategy_id, shape),
            )
            remove_button(right, "keep level", strategy_id, "keep", i)
            fs.error_for(f"keep.{i}.units")
            fs.findings_for(f"keep.{i}")
            st.caption("at the nodes where")
            group_editor(f"keep.{i}.at", strategy_id, shape, options + _extra(level.at))
            fs.error_for(f"keep.{i}.at")
    st.caption("New keep level: units, and the nodes where they are kept")
    units, _ = st.columns([1, 3])  # the row below gets the whole width: no button cut
    units.number_input("Units", key=key("add", "keep", "units"), step=1)
    _, last = _row_inputs(key("add", "keep", "at"), options, None, False, "at the nodes where")
    add_button(last, "keep level", strategy_id, "keep")
    fs.error_for("keep.new")


def _extra(group: Group) -> list[str]:
    return [row.field for row in _rows(group) if not row.is_expression]
