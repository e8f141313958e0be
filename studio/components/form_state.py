"""The strategy form's widgets and the one syntax tree, through session state.

Widgets are drawn without default values: their values are written into session state
from the tree (`sync`) whenever the text changed since they were last filled, so a
text edit shows in the forms. A form change reads every widget back (`read_form`),
builds the new tree with `studio.forms` and writes the text (`commit`), so a form edit
shows in the text. A value that cannot go into the tree is refused: the text is left as
it was, every widget is filled again from the tree (the form shows what is saved) and
the reason is shown under the form section of the input (`error_for`), with the
checker's findings on that section's lines.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

import dsl
from dsl import syntax as s
from studio import dispositions, field_values, forms, state
from studio.conditions import EXPRESSION, JOINS, UNARY, Condition, Group, literal_items
from studio.dispositions import BY as DISPOSITION_BY
from studio.dispositions import FIXED, NO_CASE, Case, DispositionForm

P = "rules.form"
"""Prefix of every strategy form widget key."""
PICK = "rules.strategy"
"""The strategy shown in the form."""
SYNCED = "rules.form_synced"
"""(text, strategy id) the widgets were last filled from."""
ERROR = "rules.form_error"
"""(input, message) of the last form change that could not be applied."""
RENAMED = "rules.renamed"
"""{old id: new id} of the strategies renamed in the form this session. A change sent
before the page showed a rename (the label typed just after the id) still names the old
id: it is applied to the renamed strategy, and the picker stays on it."""
DEFAULT = "(not stated)"
NO_FALLBACK = "(no fallback)"
SPLIT_MODES = (DEFAULT, "none", "at most")
WITHIN, BY = "within", "by"
DELIVER_MODES = (DEFAULT, WITHIN, BY)
"""`deliver`: not stated, `deliver within N days`, `deliver by FIELD`."""
NEW_ROWS = {
    "when": Condition("order.channel", "=="),
    "source": Condition("node.type", "=="),
    "transfer": Condition("node.type", "=="),
    "lines_where": Condition("line.category", "=="),
    "ship_with": Condition("carrier.service", "in"),
    "send_to": Condition("node.type", "=="),
}
"""What a clause's new-condition row starts with; a keep's starts with NEW_KEEP_ROW."""
RETURN_NEW_ROWS = {"when": Condition("return.condition", "==")}
"""A return strategy's new rows where they differ: its `when` reads the returned line."""
DISPOSITION_MODES = (DEFAULT, FIXED, DISPOSITION_BY)
NEW_KEEP_ROW = Condition("node.type", "==", "store")
DIAGNOSTICS = "rules.form_diagnostics"
"""{form section: [checker findings on its line]} for the strategy shown, this run."""


def key(*parts) -> str:
    return ".".join([P, *(str(part) for part in parts)])


def within_key(strategy_id: str) -> str:
    """The `within` box's key, one per strategy. The page does not always clear a number
    box that goes from a value to empty: with one key for every strategy, the box of a
    new strategy could still show the last one's 400 km and send it back with the next
    change, which then wrote it into the new strategy."""
    return key("within", strategy_id)


def current_tree() -> s.Ruleset | None:
    """The tree of the editor's text (None while it does not parse)."""
    try:
        return dsl.parse(state.draft_text(), "editor")
    except dsl.RulesetSyntaxError:
        return None


def widget_values(form: forms.StrategyForm) -> dict[str, object]:
    """Every form widget's value for this strategy, and empty "add" inputs."""
    values: dict[str, object] = {
        key("id"): form.id,
        key("label"): form.label or "",
        key("priority"): form.priority,
        within_key(form.id): None if form.within_km is None else float(form.within_km),
        key("split_mode"): SPLIT_MODES[0 if form.split is None else 1 if form.split == 1 else 2],
        key("split_max"): form.split if form.split and form.split > 1 else 2,
        key("otherwise"): form.otherwise or NO_FALLBACK,
        key("on_shortage"): form.on_shortage or DEFAULT,
        key("deliver_mode"): WITHIN
        if form.deliver_within is not None
        else BY
        if form.deliver_by is not None
        else DEFAULT,
        key("deliver_days"): form.deliver_within if form.deliver_within is not None else 1,
        key("deliver_by"): form.deliver_by or forms.REQUESTED_DATE,
        key("carrier_by"): list(form.carrier_by),
    }
    for i, window in enumerate(form.windows):
        values |= _window_values(key("window", i), window)
    values |= _window_values(key("add", "window"), forms.Window())
    for clause in NEW_ROWS:
        values |= _group_values(clause, getattr(form, clause), new_row(clause, form.kind))
    for i, level in enumerate(form.keep):
        values[key("keep", i, "units")] = level.units
        values |= _group_values(f"keep.{i}.at", level.at, NEW_KEEP_ROW)
    values[key("add", "keep", "units")] = 1
    values |= _row_values(key("add", "keep", "at"), NEW_KEEP_ROW)
    for i, row in enumerate(form.rank):
        values[key("rank", i, "key")] = row.key
        values[key("rank", i, "direction")] = row.direction or DEFAULT
    values[key("add", "rank", "key")] = "distance"
    values[key("add", "rank", "direction")] = DEFAULT
    for i, row in enumerate(form.as_text):
        values[key("as_text", i)] = row
    return values | _return_values(form)


def new_row(clause: str, kind: str) -> Condition:
    """The row a clause's "new condition" inputs start with, for a strategy of `kind`."""
    return (RETURN_NEW_ROWS if kind == "return" else {}).get(clause, NEW_ROWS[clause])


def _return_values(form: forms.StrategyForm) -> dict[str, object]:
    """The widgets of `disposition` (its form, word or value, each case and each known
    value without one) and `restock after`."""
    shown = form.disposition
    values: dict[str, object] = {
        key("disposition_mode"): shown.mode or DEFAULT,
        key("disposition"): shown.fixed or "restock",
        key("disposition_by"): shown.by or dispositions.DEFAULT_BY,
        key("add", "case", "value"): "",
        key("add", "case", "disposition"): "restock",
        key("restock_after"): form.restock_after,
    }
    for i, case in enumerate(shown.cases):
        values[key("case", i)] = case.disposition
    for j, _value in enumerate(missing_cases(shown)):
        values[key("case_missing", j)] = NO_CASE
    return values


def missing_cases(shown: DispositionForm) -> tuple[str, ...]:
    """The known values of the disposition's `by` value that have no case yet."""
    return dispositions.missing(shown, picked_values(shown.by))


def _window_values(prefix: str, window: forms.Window) -> dict[str, object]:
    return {
        f"{prefix}.start": window.start,
        f"{prefix}.start_time": window.start_time,
        f"{prefix}.end": window.end,
        f"{prefix}.end_time": window.end_time,
    }


def _group_values(path: str, group: Group, new_row: Condition) -> dict[str, object]:
    """A condition group's widgets: its word, its rows (inner groups' too), its new row."""
    values: dict[str, object] = {key(path, "join"): group.join}
    for i, row in enumerate(group.rows):
        if isinstance(row, Group):
            values[key(path, i, "join")] = row.join
            for j, inner in enumerate(row.rows):
                values |= _row_values(key(path, i, j), inner)
        else:
            values |= _row_values(key(path, i), row)
    return values | _row_values(key("add", path), new_row)


def _row_values(prefix: str, row: Condition) -> dict[str, object]:
    """A row's widgets: the value both as text and as the picker's list of values."""
    return {
        f"{prefix}.field": row.field,
        f"{prefix}.op": row.op or "==",
        f"{prefix}.value": row.value,
        f"{prefix}.values": [] if row.is_expression else literal_items(row.value),
    }


def picked_values(field: str | None) -> tuple[str, ...]:
    """The values a field's picker offers (none: the value is typed)."""
    if not field or field == EXPRESSION:
        return ()
    return field_values.known_values().get(field, ())


def sync(strategy: s.Strategy, text: str) -> None:
    """Fill the widgets from the tree when the text or the strategy changed (and any
    widget Streamlit forgot while the user was on another page)."""
    signature = (text, strategy.id)
    values = widget_values(forms.form_of(strategy))
    before = st.session_state.get(SYNCED)
    fresh = before != signature
    if fresh:
        for name in [k for k in st.session_state if isinstance(k, str) and k.startswith(P + ".")]:
            del st.session_state[name]
        if before is not None:  # refilled after a refusal: its reason stays on show
            st.session_state.pop(ERROR, None)
    for name, value in values.items():
        if fresh or name not in st.session_state:
            st.session_state[name] = value
    st.session_state[SYNCED] = signature


def read_form(shape: forms.StrategyForm) -> forms.StrategyForm:
    """The form as the widgets show it; `shape` (the tree's form) says how many rows."""
    get = st.session_state.get
    split_mode = get(key("split_mode"), DEFAULT)
    deliver_mode = get(key("deliver_mode"), DEFAULT)
    return forms.StrategyForm(
        id=(get(key("id")) or "").strip(),
        label=(get(key("label")) or "").strip() or None,
        kind=shape.kind,  # not a widget: the kind is the text's
        priority=_int(get(key("priority"))),
        windows=tuple(read_window(key("window", i)) for i in range(len(shape.windows))),
        when=read_group("when", shape.when),
        source=read_group("source", shape.source),
        transfer=read_group("transfer", shape.transfer),
        within_km=get(within_key(shape.id)),
        keep=tuple(
            forms.KeepLevel(
                int(get(key("keep", i, "units")) or 0), read_group(f"keep.{i}.at", level.at)
            )
            for i, level in enumerate(shape.keep)
        ),
        lines_where=read_group("lines_where", shape.lines_where),
        ship_with=read_group("ship_with", shape.ship_with),
        deliver_within=_int(get(key("deliver_days"))) if deliver_mode == WITHIN else None,
        deliver_by=str(get(key("deliver_by")) or "") if deliver_mode == BY else None,
        carrier_by=tuple(str(word) for word in get(key("carrier_by")) or ()),
        rank=tuple(
            forms.RankRow(
                str(get(key("rank", i, "key")) or ""), _direction(get(key("rank", i, "direction")))
            )
            for i in range(len(shape.rank))
        ),
        split=None
        if split_mode == DEFAULT
        else 1
        if split_mode == "none"
        else _int(get(key("split_max"))),
        otherwise=None if get(key("otherwise")) in (None, NO_FALLBACK) else get(key("otherwise")),
        on_shortage=None if get(key("on_shortage")) in (None, DEFAULT) else get(key("on_shortage")),
        as_text=tuple(str(get(key("as_text", i)) or "") for i in range(len(shape.as_text))),
        send_to=read_group("send_to", shape.send_to),
        disposition=read_disposition(shape.disposition),
        restock_after=_int(get(key("restock_after"))),
    )


def read_disposition(shown: DispositionForm) -> DispositionForm:
    """The disposition as its widgets show it; `shown` (the tree's) says which cases
    and known values have a widget. Another form picked: `dispositions.switched`."""
    get = st.session_state.get
    mode = get(key("disposition_mode"), DEFAULT)
    mode = None if mode in (None, DEFAULT) else mode
    if mode != shown.mode:
        return dispositions.switched(shown, mode, picked_values(dispositions.DEFAULT_BY))
    if mode == FIXED:
        return DispositionForm(fixed=str(get(key("disposition")) or "").strip())
    if mode is None:
        return DispositionForm()
    cases = [
        Case(case.value, str(get(key("case", i)) or case.disposition))
        for i, case in enumerate(shown.cases)
    ]
    for j, value in enumerate(missing_cases(shown)):
        cases.append(Case(value, str(get(key("case_missing", j)) or NO_CASE)))
    by = str(get(key("disposition_by")) or "").strip()
    return DispositionForm(by=by, cases=tuple(c for c in cases if c.disposition != NO_CASE))


def read_window(prefix: str) -> forms.Window:
    get = st.session_state.get
    return forms.Window(
        get(f"{prefix}.start"),
        get(f"{prefix}.start_time"),
        get(f"{prefix}.end"),
        get(f"{prefix}.end_time"),
    )


def read_group(path: str, shape: Group) -> Group:
    """The group at `path` as its widgets show it; `shape` says how many rows."""
    rows: list[Condition | Group] = []
    for i, row in enumerate(shape.rows):
        if isinstance(row, Group):
            inner = tuple(read_row(key(path, i, j)) for j in range(len(row.rows)))
            rows.append(Group(_join(key(path, i, "join"), row.join), inner))
        else:
            rows.append(read_row(key(path, i)))
    return Group(_join(key(path, "join"), shape.join), tuple(rows))


def _join(widget: str, default: str) -> str:
    value = st.session_state.get(widget)
    return value if value in JOINS else default


def read_row(prefix: str) -> Condition:
    """A row as its widgets show it: the picked values, or the typed value."""
    get = st.session_state.get
    field = str(get(f"{prefix}.field") or "")
    op = str(get(f"{prefix}.op") or "==")
    if field != EXPRESSION and op not in UNARY and picked_values(field):
        value = ", ".join(str(item) for item in get(f"{prefix}.values") or [])
    else:
        value = get(f"{prefix}.value") or ""
    return Condition(field, "" if field == EXPRESSION else op, value)


def commit(build: Callable[[], s.Ruleset], picked: str | None = None) -> bool:
    """Write the tree `build()` returns as the text; on a FormError keep the text and
    remember which input is wrong. `picked`: the strategy the form shows afterwards.
    Whether the tree was written."""
    try:
        tree = build()
    except forms.FormError as error:
        st.session_state[ERROR] = (error.field, str(error))
        st.session_state[SYNCED] = None  # the form goes back to what the text says
        return False
    st.session_state.pop(ERROR, None)
    state.set_text(forms.text_of(tree))
    if picked is not None:
        st.session_state[PICK] = picked
    return True


def renamed(old: str, new: str) -> None:
    """Remember that strategy `old` is now called `new` (`RENAMED`)."""
    if new and new != old:
        st.session_state.setdefault(RENAMED, {})[old] = new


def current_id(strategy_id: str, ruleset: s.Ruleset) -> str:
    """`strategy_id`, or the id it was renamed to in the form (`RENAMED`, followed as
    far as it goes) when no strategy of `ruleset` has it any more."""
    names = st.session_state.get(RENAMED, {})
    ids = {strategy.id for strategy in ruleset.strategies}
    seen = set()
    while strategy_id not in ids and strategy_id in names and strategy_id not in seen:
        seen.add(strategy_id)
        strategy_id = names[strategy_id]
    return strategy_id


def error_for(*fields: str) -> None:
    """Under a form section: the last refused change if it concerns one of these
    inputs (or their rows), with its reason, and the checker's findings on its lines."""
    found = st.session_state.get(ERROR)
    if found is not None:
        field, message = found
        if any(field == name or field.startswith(name + ".") for name in fields):
            st.error(
                f"Not applied: {message}. The form shows what the rules say.",
                icon=":material/error:",
            )
    findings_for(*fields)


def findings_for(*sections: str) -> None:
    """The checker's findings on the lines of these form sections, where they sit."""
    placed = st.session_state.get(DIAGNOSTICS) or {}
    for name in sections:
        for diagnostic in placed.get(name, ()):
            show = st.error if diagnostic.is_error else st.warning
            show(
                f"Line {diagnostic.line}, column {diagnostic.column}: {diagnostic.message}",
                icon=":material/error:" if diagnostic.is_error else ":material/warning:",
            )


def _int(value) -> int | None:
    return None if value is None else int(value)


def _direction(value) -> str | None:
    return None if value in (None, DEFAULT) else str(value)
