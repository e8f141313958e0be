"""The strategy form's values and the syntax tree, both ways, with no Streamlit here.

The Rules page edits one syntax tree: a form change builds a new tree from the form's
values and the text becomes `format_ruleset(tree)`; a text edit is parsed and the
forms show the new tree. `strategy_of(form_of(strategy)) == strategy` for every
strategy, so showing a strategy in the form never changes it. Both kinds: order
strategies and return strategies (`send to`, `disposition`, `restock after`: the
disposition's own form is `studio.dispositions`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

import dsl
from dsl import syntax as s
from dsl.formatter import clause_lines, format_expr, format_ruleset
from dsl.schema import CARRIER_KEYS, METRICS
from studio.conditions import ConditionError, Group, expression_from, group_of
from studio.conditions import parse_condition as _parse
from studio.dispositions import DispositionError, DispositionForm, disposition_of
from studio.dispositions import form_of as disposition_form

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
FIELD_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")
REQUESTED_DATE = "order.requested_date"
SHORTAGES = ("backorder", "partial", "reject")
DIRECTIONS = ("asc", "desc")
NEW_STRATEGY = "new_strategy"
NEW_IDS = {"order": NEW_STRATEGY, "return": "new_return_strategy"}
"""The id a new strategy of each kind starts with."""


class FormError(ValueError):
    """A form value that cannot go into the ruleset; `field` names the input."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Window:
    """One `effective` line: dates and optional times; an empty side is open."""

    start: dt.date | None = None
    start_time: dt.time | None = None
    end: dt.date | None = None
    end_time: dt.time | None = None


@dataclass(frozen=True)
class KeepLevel:
    """`keep N units at` the nodes where the group's rows hold."""

    units: int
    at: Group


@dataclass(frozen=True)
class RankRow:
    """One `rank by` key: a metric word, a node field or an expression, and a direction."""

    key: str
    direction: str | None = None


@dataclass(frozen=True)
class StrategyForm:
    """Everything the strategy form shows. None means the clause is left out."""

    id: str
    label: str | None = None
    kind: str = "order"
    """`order` (`strategy`) or `return` (`return strategy`)."""
    priority: int | None = None
    windows: tuple[Window, ...] = ()
    when: Group = Group()
    source: Group = Group()
    transfer: Group = Group()
    """`transfer from`: the nodes that may send a collect order's missing lines to its
    store (docs/routing.md, "Click & collect transfers"); no row: no such line."""
    within_km: float | None = None
    keep: tuple[KeepLevel, ...] = ()
    lines_where: Group = Group()
    ship_with: Group = Group()
    deliver_within: int | None = None
    """`deliver within N days` (None: not this form of `deliver`)."""
    deliver_by: str | None = None
    """`deliver by FIELD`: the field's path (None: not this form of `deliver`)."""
    carrier_by: tuple[str, ...] = ()
    """The `carrier by` keys in order; empty: no `carrier by` line (cost applies)."""
    rank: tuple[RankRow, ...] = ()
    """Empty: no `rank by` line (the default order applies)."""
    split: int | None = None
    otherwise: str | None = None
    on_shortage: str | None = None
    as_text: tuple[str, ...] = ()
    """Clauses of the delivery promise the fields above cannot say exactly, as the
    canonical text writes them: edited as text. Only a `carrier by` that names a key
    twice (`carrier by cost, cost`: a pick list holds each key once)."""
    send_to: Group = Group()
    """`send to` (return strategies): the nodes a returned unit may go to."""
    disposition: DispositionForm = DispositionForm()
    restock_after: int | None = None
    """`restock after N days` (None: not stated, 0 days)."""


TEXT_CLAUSES = ("lines_where", "ship_with", "deliver", "carrier_by")
"""The clauses a text row (`StrategyForm.as_text`) may hold."""


# ------------------------------------------------------------ tree -> form


def form_of(strategy: s.Strategy) -> StrategyForm:
    deliver = strategy.deliver
    return StrategyForm(
        id=strategy.id,
        label=strategy.label,
        kind=strategy.kind,
        priority=strategy.priority,
        windows=tuple(window_of(effective) for effective in strategy.effective),
        when=group_of(strategy.when),
        source=group_of(strategy.source),
        transfer=group_of(strategy.transfer),
        within_km=strategy.within_km,
        keep=tuple(KeepLevel(keep.units, group_of(keep.at)) for keep in strategy.keep),
        lines_where=group_of(strategy.lines_where),
        ship_with=group_of(strategy.ship_with),
        deliver_within=deliver.within_days if deliver is not None and deliver.by is None else None,
        deliver_by=deliver.by.path if deliver is not None and deliver.by is not None else None,
        carrier_by=() if carrier_keys_as_text(strategy) else tuple(_keys(strategy)),
        rank=tuple(RankRow(format_expr(key.key), key.direction) for key in strategy.rank or ()),
        split=strategy.split,
        otherwise=strategy.otherwise,
        on_shortage=strategy.on_shortage,
        as_text=tuple(text_clauses(strategy)),
        send_to=group_of(strategy.send_to),
        disposition=disposition_form(strategy.disposition),
        restock_after=strategy.restock_after,
    )


def _keys(strategy: s.Strategy) -> list[str]:
    return [key.name for key in strategy.carrier_by or ()]


def carrier_keys_as_text(strategy: s.Strategy) -> bool:
    """A `carrier by` the pick list cannot hold (a key named twice) is a text row."""
    keys = _keys(strategy)
    return len(set(keys)) != len(keys)


def text_clauses(strategy: s.Strategy) -> list[str]:
    """The canonical lines of the strategy's clauses the form shows as text rows."""
    if not carrier_keys_as_text(strategy):
        return []
    return [text_of_keys(_keys(strategy))]


def text_of_keys(keys: list[str]) -> str:
    """A `carrier by` line as the canonical text writes it."""
    lines = clause_lines(s.Strategy(id="row", carrier_by=[s.Name(name=key) for key in keys]))
    return lines[0]


def window_of(effective: s.Effective) -> Window:
    start, end = effective.start, effective.end
    return Window(
        start.day if start else None,
        start.minute if start else None,
        end.day if end else None,
        end.minute if end else None,
    )


# ------------------------------------------------------------ form -> tree


def strategy_of(
    form: StrategyForm, comments: list[str] | None = None, saved: StrategyForm | None = None
) -> s.Strategy:
    """The strategy the form says; raises FormError naming the input that is wrong.

    A number is refused only when it is changed (`saved` is the form as the tree shows
    it): a value the text already holds stays, and the checker reports it beside its
    field, so the rest of the form still works."""
    if not IDENTIFIER.fullmatch(form.id or ""):
        raise FormError(
            "id", "an id is letters, digits and _ and does not start with a digit (peak_home)"
        )
    _check_numbers(form, saved)
    texts = clauses_of_text(form.as_text)
    fields = {
        "lines_where": _conditions("lines_where", form.lines_where),
        "ship_with": _conditions("ship_with", form.ship_with),
        "deliver": deliver_of(form),
        "carrier_by": carrier_keys_of(form.carrier_by),
    }
    for name, value in fields.items():
        if value is not None and texts[name] is not None:
            words = _CLAUSE_WORDS[name]
            index = next(i for i, row in enumerate(form.as_text) if row.strip().startswith(words))
            raise FormError(f"as_text.{index}", f"`{words} ...` is already given above")
        fields[name] = value if value is not None else texts[name]
    try:
        disposition = disposition_of(form.disposition)
    except DispositionError as error:
        raise FormError(error.field, str(error)) from error
    return s.Strategy(
        id=form.id,
        kind=form.kind,  # type: ignore[arg-type]
        label=saved.label  # unchanged: an empty "" label stays as the text wrote it
        if saved is not None and (form.label or "") == (saved.label or "")
        else form.label or None,
        comments=list(comments or []),
        priority=form.priority,
        effective=[effective_of(window, i) for i, window in enumerate(form.windows)],
        when=_conditions("when", form.when),
        source=_conditions("source", form.source),
        transfer=_conditions("transfer", form.transfer),
        within_km=saved.within_km  # unchanged: written as the text wrote it (0.0 stays)
        if saved is not None and form.within_km == saved.within_km
        else _number(form.within_km),
        keep=[_keep(level, i) for i, level in enumerate(form.keep)],
        rank=[_rank_key(row, i) for i, row in enumerate(form.rank)] or None,
        split=form.split,
        otherwise=form.otherwise or None,
        on_shortage=_shortage(form.on_shortage),
        send_to=_conditions("send_to", form.send_to),
        disposition=disposition,
        restock_after=form.restock_after,
        **fields,
    )


_CLAUSE_WORDS = {
    "lines_where": "lines where",
    "ship_with": "ship with",
    "deliver": "deliver",
    "carrier_by": "carrier by",
}


def deliver_of(form: StrategyForm) -> s.Deliver | None:
    """`deliver within N days`, `deliver by FIELD` or none; both at once is refused."""
    if form.deliver_within is not None and form.deliver_by is not None:
        raise FormError("deliver", "give a number of days or a date field, not both")
    if form.deliver_within is not None:
        return s.Deliver(within_days=int(form.deliver_within))
    if form.deliver_by is not None:
        path = form.deliver_by.strip()
        if not FIELD_PATH.fullmatch(path):
            raise FormError(
                "deliver",
                f"deliver by {path or '…'} refused: name a date field of the order "
                f"such as {REQUESTED_DATE}",
            )
        return s.Deliver(by=s.FieldRef(path=path))
    return None


def carrier_keys_of(keys: tuple[str, ...]) -> list[s.Name] | None:
    """The `carrier by` keys (None: no such line); each is a word (cost, eta, co2)."""
    for key in keys:
        if not IDENTIFIER.fullmatch(key):
            raise FormError(
                "carrier_by", f"carrier by {key!r} refused: pick {', '.join(CARRIER_KEYS)}"
            )
    return [s.Name(name=key) for key in keys] or None


def clauses_of_text(rows: tuple[str, ...]) -> dict[str, object]:
    """The clauses typed in the text rows, by field of the strategy (an empty row is
    no clause); raises FormError naming the row that is not one such clause."""
    fields: dict[str, object] = dict.fromkeys(TEXT_CLAUSES)
    words = "`lines where`, `ship with`, `deliver` or `carrier by`"
    for index, row in enumerate(rows):
        text = row.strip()
        if not text:
            continue
        try:
            parsed = dsl.parse(f"strategy row\n  {text}\n", "<form>").strategies[0]
        except dsl.RulesetSyntaxError as error:
            raise FormError(f"as_text.{index}", error.diagnostic.message) from error
        found = [name for name in TEXT_CLAUSES if getattr(parsed, name) is not None]
        rest = parsed.model_copy(update=dict.fromkeys(TEXT_CLAUSES))
        if len(found) != 1 or rest != s.Strategy(id="row"):
            raise FormError(f"as_text.{index}", f"write one clause here: {words}")
        if fields[found[0]] is not None:
            raise FormError(f"as_text.{index}", f"`{text.split()[0]} ...` is already given above")
        fields[found[0]] = getattr(parsed, found[0])
    return fields


def _check_numbers(form: StrategyForm, saved: StrategyForm | None) -> None:
    """Refuse a number changed to a value the language (or the checker) does not take."""
    before = saved or StrategyForm(id="")
    if form.within_km != before.within_km and form.within_km is not None and form.within_km <= 0:
        raise FormError(
            "within",
            f"within {_number(form.within_km)} km refused: the distance must be above 0 km "
            "(leave the box empty for no limit)",
        )
    days = form.deliver_within
    if days != before.deliver_within and days is not None and days < 1:
        raise FormError(
            "deliver",
            f"deliver within {days} days refused: give 1 day or more (for same-day "
            'services only, add `carrier.service == "same_day"` to ship with)',
        )
    if form.split != before.split and form.split is not None and form.split < 1:
        raise FormError("split", f"at most {form.split} refused: at least 1 shipment")
    days = form.restock_after
    if days != before.restock_after and days is not None and days < 0:
        raise FormError(
            "restock_after",
            f"restock after {days} days refused: give 0 days or more (0: the day the "
            "return is created)",
        )
    for i, level in enumerate(form.keep):
        old = before.keep[i].units if i < len(before.keep) else None
        if level.units != old and level.units < 0:
            raise FormError(f"keep.{i}.units", f"keep {level.units} refused: keep 0 units or more")


def effective_of(window: Window, index: int = 0) -> s.Effective:
    if window.start is None and window.start_time is not None:
        raise FormError(f"window.{index}.start", "a start time needs a start date")
    if window.end is None and window.end_time is not None:
        raise FormError(f"window.{index}.end", "an end time needs an end date")
    if window.start is None and window.end is None:
        raise FormError(f"window.{index}.start", "give a start date, an end date or both")
    start = s.Moment(day=window.start, minute=_minute(window.start_time)) if window.start else None
    end = s.Moment(day=window.end, minute=_minute(window.end_time)) if window.end else None
    return s.Effective(start=start, end=end)


def rank_key_of(text: str) -> s.Expr:
    """A metric word, a node field or a boolean expression, as `rank by` reads it."""
    text = text.strip()
    if text in METRICS:
        return s.Name(name=text)
    return _parse(text)


def _minute(value: dt.time | None) -> dt.time | None:
    return value.replace(second=0, microsecond=0) if value is not None else None


def _conditions(clause: str, group: Group) -> s.Expr | None:
    """The group's expression; a row that cannot be one is named (`when.1`, `when.1.0`)."""
    for i, row in enumerate(group.rows):
        inner = row.rows if isinstance(row, Group) else (row,)
        for j, item in enumerate(inner):
            try:
                expression_from(Group(rows=(item,)))
            except ConditionError as error:
                where = f"{clause}.{i}.{j}" if isinstance(row, Group) else f"{clause}.{i}"
                typed = f"`{item.value}`: " if item.is_expression and item.value else ""
                raise FormError(where, typed + str(error)) from error
    try:
        return expression_from(group)
    except ConditionError as error:
        raise FormError(clause, str(error)) from error


def _number(value: float | None) -> int | float | None:
    """A whole number as the text writes it (400, not 400.0)."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


def _keep(level: KeepLevel, index: int) -> s.Keep:
    at = _conditions(f"keep.{index}.at", level.at)
    if at is None:
        raise FormError(f"keep.{index}.at", "say where the units are kept: add a condition")
    return s.Keep(units=int(level.units), at=at)


def _rank_key(row: RankRow, index: int) -> s.RankKey:
    if row.direction not in (None, *DIRECTIONS):
        raise FormError(f"rank.{index}.direction", "a direction is asc or desc")
    try:
        return s.RankKey(key=rank_key_of(row.key), direction=row.direction)  # type: ignore[arg-type]
    except ConditionError as error:
        raise FormError(f"rank.{index}.key", str(error)) from error


def _shortage(value: str | None) -> str | None:
    if value is not None and value not in SHORTAGES:
        raise FormError("on_shortage", f"on shortage is one of {', '.join(SHORTAGES)}")
    return value


# ------------------------------------------------------------- the ruleset


def replace_strategy(ruleset: s.Ruleset, old_id: str, strategy: s.Strategy) -> s.Ruleset:
    """The ruleset with strategy `old_id` replaced in place. A new id is carried to every
    `otherwise use` that named the old one; an id already taken is refused."""
    if strategy.id != old_id and ruleset.strategy(strategy.id) is not None:
        raise FormError("id", f"another strategy is already called {strategy.id}")
    strategies = []
    for current in ruleset.strategies:
        if current.id == old_id:
            strategies.append(strategy)
        elif strategy.id != old_id and current.otherwise == old_id:
            strategies.append(current.model_copy(update={"otherwise": strategy.id}))
        else:
            strategies.append(current)
    return ruleset.model_copy(update={"strategies": strategies})


def update_strategy(ruleset: s.Ruleset, strategy_id: str, form: StrategyForm) -> s.Ruleset:
    """Apply a whole form to strategy `strategy_id` (keeping its comments); only the
    values that differ from the strategy's own are checked."""
    current = _get(ruleset, strategy_id)
    return replace_strategy(
        ruleset, strategy_id, strategy_of(form, current.comments, form_of(current))
    )


def edit_strategy(ruleset: s.Ruleset, strategy_id: str, **changes) -> s.Ruleset:
    """Change some of a strategy's form values (`windows=...`, `rank=...`)."""
    return update_strategy(
        ruleset, strategy_id, replace(form_of(_get(ruleset, strategy_id)), **changes)
    )


def add_strategy(
    ruleset: s.Ruleset, label: str | None = None, kind: s.StrategyKind = "order"
) -> tuple[s.Ruleset, str]:
    """A new, empty strategy of `kind` at the end, with an id no other strategy has."""
    taken = {strategy.id for strategy in ruleset.strategies}
    first = NEW_IDS[kind]
    new_id, n = first, 1
    while new_id in taken:
        n += 1
        new_id = f"{first}_{n}"
    label = label or ("New strategy" if kind == "order" else "New return strategy")
    strategy = s.Strategy(id=new_id, kind=kind, label=label)
    return ruleset.model_copy(update={"strategies": [*ruleset.strategies, strategy]}), new_id


def copy_strategy(ruleset: s.Ruleset, strategy_id: str) -> tuple[s.Ruleset, str]:
    """A copy of strategy `strategy_id` just after it: every clause the same, the id
    `<id>_copy` (`<id>_copy_2`, ... when taken), the label followed by "(copy)", no
    comments (they spoke of the original). Same priority, later in the file: the
    original is tried first until the copy gets its own priority, dates or `when`."""
    original = _get(ruleset, strategy_id)
    taken = {strategy.id for strategy in ruleset.strategies}
    new_id, n = f"{strategy_id}_copy", 1
    while new_id in taken:
        n += 1
        new_id = f"{strategy_id}_copy_{n}"
    copy = s.Strategy.model_validate(
        {
            **original.model_dump(),
            "id": new_id,
            "label": f"{original.label or strategy_id} (copy)",
            "comments": [],
        }
    )
    strategies = list(ruleset.strategies)
    strategies.insert(strategies.index(original) + 1, copy)
    return ruleset.model_copy(update={"strategies": strategies}), new_id


def delete_strategy(ruleset: s.Ruleset, strategy_id: str) -> s.Ruleset:
    """The ruleset without that strategy. An `otherwise use` naming it stays, so the
    checker points at what now needs another fallback."""
    kept = [strategy for strategy in ruleset.strategies if strategy.id != strategy_id]
    return ruleset.model_copy(update={"strategies": kept})


def set_header(ruleset: s.Ruleset, name: str | None, timezone: str | None) -> s.Ruleset:
    return ruleset.model_copy(update={"name": name or None, "timezone": timezone or None})


def group_at(form: StrategyForm, path: str) -> Group:
    """The condition group at `path`: `when`, `source`, `transfer`, `lines_where`,
    `ship_with`, `send_to` or `keep.N.at`."""
    if path.startswith("keep."):
        return form.keep[int(path.split(".")[1])].at
    return getattr(form, path)


def with_group(form: StrategyForm, path: str, group: Group) -> StrategyForm:
    """The form with the condition group at `path` replaced."""
    if path.startswith("keep."):
        index = int(path.split(".")[1])
        levels = list(form.keep)
        levels[index] = replace(levels[index], at=group)
        return replace(form, keep=tuple(levels))
    return replace(form, **{path: group})


def moved(items: tuple, index: int, step: int) -> tuple:
    """`items` with the one at `index` moved `step` places (clamped at the ends)."""
    target = min(max(index + step, 0), len(items) - 1)
    out = list(items)
    out.insert(target, out.pop(index))
    return tuple(out)


def without(items: tuple, index: int) -> tuple:
    return tuple(item for i, item in enumerate(items) if i != index)


def text_of(ruleset: s.Ruleset) -> str:
    """The one text of a tree: what the editor shows after a form change."""
    return format_ruleset(ruleset)


def _get(ruleset: s.Ruleset, strategy_id: str) -> s.Strategy:
    found = ruleset.strategy(strategy_id)
    if found is None:
        raise FormError("strategy", f"no strategy called {strategy_id}")
    return found
