"""The routing language's syntax tree: one pydantic model shared by the parser,
formatter, checker, compiler and the studio's forms.

Every node records where it came from (`span`), but two trees are equal when
they *say* the same thing: spans are left out of equality and of dumps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field


class Span(NamedTuple):
    """Where a piece of text sits in its source (1-based line and column). A plain
    immutable record: the parser makes one per node, 70,000 for a large ruleset."""

    line: int
    column: int
    end_line: int
    end_column: int


class Syntax(BaseModel):
    """Base of every tree node: carries a span that equality ignores."""

    model_config = ConfigDict(extra="forbid")

    span: Span | None = Field(default=None, exclude=True, repr=False)

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return NotImplemented
        return self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]  # compared by value, so never hashed


# ----------------------------------------------------------------- expressions


class FieldRef(Syntax):
    """A field path such as `order.channel` or `node.tags`."""

    kind: Literal["field"] = "field"
    path: str

    @property
    def root(self) -> str:
        return self.path.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.path.split(".", 1)[1]


class Name(Syntax):
    """A bare word: a rank metric such as `distance` or `shipments`."""

    kind: Literal["name"] = "name"
    name: str


class Text(Syntax):
    kind: Literal["text"] = "text"
    value: str


class Number(Syntax):
    kind: Literal["number"] = "number"
    value: int | float


class Boolean(Syntax):
    kind: Literal["boolean"] = "boolean"
    value: bool


class Moment(Syntax):
    """A calendar date, or a date with a minute (`2026-11-15T06:00`)."""

    kind: Literal["moment"] = "moment"
    day: dt.date
    minute: dt.time | None = None

    def text(self) -> str:
        if self.minute is None:
            return self.day.isoformat()
        return f"{self.day.isoformat()}T{self.minute.strftime('%H:%M')}"


class ListOf(Syntax):
    kind: Literal["list"] = "list"
    items: list[Expr]


CompareOp = Literal["==", "!=", "<", "<=", ">", ">=", "in", "not in", "has"]


class Compare(Syntax):
    kind: Literal["compare"] = "compare"
    op: CompareOp
    left: Expr
    right: Expr


class AllOf(Syntax):
    """`a and b and c`."""

    kind: Literal["all"] = "all"
    items: list[Expr]


class AnyOf(Syntax):
    """`a or b or c`."""

    kind: Literal["any"] = "any"
    items: list[Expr]


class Not(Syntax):
    kind: Literal["not"] = "not"
    operand: Expr


Expr = Annotated[
    FieldRef | Name | Text | Number | Boolean | Moment | ListOf | Compare | AllOf | AnyOf | Not,
    Field(discriminator="kind"),
]


# --------------------------------------------------------------------- clauses


class Effective(Syntax):
    """`effective A to B` / `from A` / `until B`: both ends inclusive."""

    start: Moment | None = None
    end: Moment | None = None


class Keep(Syntax):
    """`keep N units at EXPR`: protected stock at the nodes where EXPR holds."""

    units: int
    at: Expr


class RankKey(Syntax):
    """One key of `rank by`: a metric name, a node field or a boolean expression."""

    key: Expr
    direction: Literal["asc", "desc"] | None = None


class Deliver(Syntax):
    """`deliver within N days` (`within_days`) or `deliver by order.requested_date`
    (`by`): exactly one of the two is set."""

    within_days: int | None = None
    by: FieldRef | None = None


class DispositionCase(Syntax):
    """One `value -> disposition` of `disposition by EXPR: ...`. The value is written as
    a bare word (`new`), a text or a number."""

    value: str | int | float
    disposition: str


class Disposition(Syntax):
    """`disposition restock` (`fixed`) or `disposition by EXPR: value -> disposition, ...`
    (`by` and `cases`): what becomes of a returned unit (returns.md)."""

    fixed: str | None = None
    by: Expr | None = None
    cases: list[DispositionCase] = []


DISPOSITIONS = ("restock", "refurbish", "liquidate", "destroy")
"""The dispositions of a returned unit; only `restock` puts it back in stock."""
StrategyKind = Literal["order", "return"]
Shortage = Literal["backorder", "partial", "reject"]
DEFAULT_PRIORITY = 100
"""The priority of a strategy that states none (language.md)."""


class Strategy(Syntax):
    """One sourcing strategy (`strategy`) or return strategy (`return strategy`, where a
    returned unit goes: returns.md). Clauses left out are `None` (their defaults
    apply)."""

    id: str
    kind: StrategyKind = "order"
    label: str | None = None
    comments: list[str] = []
    priority: int | None = None
    effective: list[Effective] = []
    when: Expr | None = None
    source: Expr | None = None
    transfer: Expr | None = None
    """`transfer from EXPR`: for a collect order, the nodes that may send what its
    collect store lacks to the store (docs/routing.md, "Click & collect transfers")."""
    within_km: int | float | None = None
    keep: list[Keep] = []
    lines_where: Expr | None = None
    """`lines where EXPR`: the order lines this strategy takes."""
    ship_with: Expr | None = None
    """`ship with EXPR`: the carrier services this strategy may use."""
    deliver: Deliver | None = None
    carrier_by: list[Name] | None = None
    """`carrier by KEY, ...`: how an eligible carrier service is chosen."""
    rank: list[RankKey] | None = None
    split: int | None = None
    otherwise: str | None = None
    on_shortage: Shortage | None = None
    send_to: Expr | None = None
    """`send to EXPR` (return strategies): the nodes a returned unit may go to."""
    disposition: Disposition | None = None
    restock_after: int | None = None
    """`restock after N days` (return strategies): restocked units become stock N days
    after the return is created."""
    clause_spans: dict[str, Span] = Field(default_factory=dict, exclude=True, repr=False)
    """Where each single-valued clause was written (`priority`, `within`, ...)."""

    @property
    def tried_priority(self) -> int:
        """Its `priority`, or the default (language.md: 100) when it has none."""
        return DEFAULT_PRIORITY if self.priority is None else self.priority


class Ruleset(Syntax):
    name: str | None = None
    timezone: str | None = None
    comments: list[str] = []
    strategies: list[Strategy] = []
    clause_spans: dict[str, Span] = Field(default_factory=dict, exclude=True, repr=False)

    def strategy(self, strategy_id: str) -> Strategy | None:
        return next((s for s in self.strategies if s.id == strategy_id), None)

    def tried_order(self, kind: StrategyKind = "order") -> list[Strategy]:
        """Strategies of a kind (orders' or returns') in the order they are tried: by
        priority, ties in file order."""
        indexed = sorted(
            ((i, st) for i, st in enumerate(self.strategies) if st.kind == kind),
            key=lambda p: (p[1].tried_priority, p[0]),
        )
        return [strategy for _, strategy in indexed]


Shape = tuple[object, ...]


def shape(expr: Expr) -> Shape:
    """What an expression says, as nested tuples: two expressions have the same shape
    exactly when they read the same (a cheap key for grouping equal conditions)."""
    if type(expr) is FieldRef:
        return (FieldRef, expr.path)
    if type(expr) is Text or type(expr) is Number or type(expr) is Boolean:
        return (type(expr), type(expr.value), expr.value)
    if type(expr) is Compare:
        return (Compare, expr.op, shape(expr.left), shape(expr.right))
    if type(expr) is Not:
        return (Not, shape(expr.operand))
    if type(expr) is Name:
        return (Name, expr.name)
    if type(expr) is Moment:
        return (Moment, expr.day, expr.minute)
    assert isinstance(expr, AllOf | AnyOf | ListOf), f"not an expression: {expr!r}"
    return (type(expr), tuple([shape(item) for item in expr.items]))


def walk(expr: Expr) -> Iterator[Expr]:
    """Yield `expr` and every expression below it, depth first, in written order.
    Iterative: however deep a tree is, walking it never recurses."""
    pending: list[Expr] = [expr]
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, Compare):
            pending += (node.right, node.left)
        elif isinstance(node, AllOf | AnyOf | ListOf):
            pending += reversed(node.items)
        elif isinstance(node, Not):
            pending.append(node.operand)


for _model in (
    ListOf, Compare, AllOf, AnyOf, Not, Keep, RankKey, Deliver, DispositionCase, Disposition,
    Strategy, Ruleset,
):  # fmt: skip
    _model.model_rebuild()
