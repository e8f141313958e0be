"""The linear program of one set of local days (docs/kpis.md, "The model"): orders'
lines to nodes, at least as loose as the ruleset's own allocation, solved by HiGHS.

Columns: `y` (an order ships from a node: 0..1, cost ship_cost_base + ship_cost_per_km ×
km), `x` (units of an order's line from a node: 0..cap, cost pick_cost per unit), `u`
(units of a line left unfilled: cost `penalty` per unit). Rows: every unit placed or
unfilled; x ≤ cap·y; Σy ≤ the split limit per order; Σy ≤ the capacity per node and
day; Σx ≤ the stock per node, SKU and day; and for each keep level k, Σx of the orders
that must leave k units ≤ stock − k. An option with one arc has no `y` and no link row: its
`x` carries y = x/cap (cost pick + ship cost / cap, 1/cap in the split and capacity
rows), the same optimum with a smaller program. Every right-hand side is raised to what the
ruleset's own allocation uses, so that allocation is always a solution: the optimum
can never be above the ruleset's cost.

Most (order, node) options are never worth using, so they are priced rather than all
handed to HiGHS (column generation): the program starts with the ruleset's options and
each order's two best on their own, and after each solve every option left out whose
reduced cost is negative (its shipment cost less the row duals, with each of its lines
taken up to `cap` where that pays) is added; when none is left, the solution is optimal
for the whole program.

Orders with no option at all (no node may ship any of their lines) leave every unit
unfilled, at the penalty, whatever the others do: they are set aside. So are orders
whose one-node allocation is proven optimal on their own
(`simulations.bound_alone`): only the others get columns, against every row's
right-hand side less what the set-aside allocations take (set-aside orders whose
allocations overdraw a row on their own are drawn in first). After each solve, the
set-aside orders whose allocation is no longer proven optimal on its own once the rows
charge their prices (minus the duals) are drawn in too, until none is: the combination
is then an optimum of the whole program.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from simulations.bound_alone import Alone, alone, priced_out, smallest
from simulations.bound_lp import INFINITY, LinearProgram, new_solver
from simulations.bound_rows import Arcs, Lines, distinct, numbered, run_starts, stock_rows

START_OPTIONS = 2
"""Options per order in the first program, besides the ruleset's."""
TOLERANCE = 1e-7
"""A reduced cost below −TOLERANCE brings its option in."""
ROW_SLACK = 1e-6
"""A row's activity above its right-hand side by more than this is overdrawn."""


@dataclass(frozen=True)
class Solved:
    """Per order: the bound's value (cost + penalty), units unfilled, and the node that
    ships most of its units (−1: none); `rounds` of column generation."""

    value: np.ndarray
    unfilled: np.ndarray
    node: np.ndarray
    rounds: int


@dataclass(frozen=True)
class Costs:
    """Costs and capacity: `ship_cost[o, n]` the fixed cost of a shipment of order o
    from node n, `pick_cost[n]` per unit, `capacity[n]` shipments per day (inf: none)."""

    ship_cost: np.ndarray
    pick_cost: np.ndarray
    capacity: np.ndarray


def solve_by_days(
    lines: Lines,
    arcs: Arcs,
    day: np.ndarray,
    split: np.ndarray,
    costs: Costs,
    penalty: float,
    ruleset_nodes: np.ndarray,
    most: int,
) -> Solved:
    """`solve_days` on parts of whole days of about `most` orders each (a bigger day
    alone): the days are independent programs, and HiGHS solves a few small ones faster
    than one large one. Orders must come in day order, lines and arcs in order order."""
    orders = len(day)
    value, unfilled = np.zeros(orders), np.zeros(orders)
    node = np.full(orders, -1, dtype=np.int64)
    rounds = 0
    starts = np.flatnonzero(run_starts(day))
    bounds = [*starts.tolist(), orders]
    line_of = np.searchsorted(lines.order, bounds)
    arc_of = np.searchsorted(arcs.line, line_of)
    shipped = np.searchsorted(ruleset_nodes[:, 0], bounds)
    first, solver = 0, new_solver()  # one HiGHS instance, a program at a time
    for k in range(1, len(bounds)):
        if k < len(bounds) - 1 and bounds[k + 1] - bounds[first] <= most:
            continue
        a, b = bounds[first], bounds[k]
        la, lb, aa, ab = line_of[first], line_of[k], arc_of[first], arc_of[k]
        part = solve_days(
            Lines(lines.order[la:lb] - a, lines.sku[la:lb], lines.qty[la:lb]),
            Arcs(
                **{f: getattr(arcs, f)[aa:ab] for f in Arcs.__dataclass_fields__}
                | {"line": arcs.line[aa:ab] - la}
            ),  # fmt: skip
            b - a,
            day[a:b],
            split[a:b],
            Costs(costs.ship_cost[a:b], costs.pick_cost, costs.capacity),
            penalty,
            ruleset_nodes[shipped[first] : shipped[k]] - np.array([a, 0]),
            solver,
        )
        value[a:b], unfilled[a:b], node[a:b] = part.value, part.unfilled, part.node
        rounds += part.rounds
        first = k
    return Solved(value=value, unfilled=unfilled, node=node, rounds=rounds)


def solve_days(
    lines: Lines,
    arcs: Arcs,
    orders: int,
    day: np.ndarray,
    split: np.ndarray,
    costs: Costs,
    penalty: float,
    ruleset_nodes: np.ndarray,
    solver: Any = None,
) -> Solved:
    """The optimum for `orders` orders (their local `day` and `split` limit), the
    ruleset's shipments given as (order, node) rows of `ruleset_nodes`; `solver`: a
    HiGHS instance to take over (`simulations.bound_lp.new_solver`)."""
    model = _Model(lines, arcs, orders, day, split, costs, penalty, ruleset_nodes, solver)
    single = alone(
        lines.order, lines.qty, arcs.line, arcs.cap, model.arc_cost, model.arc_option,
        model.option_order, model.option_cost, model.option_pick, model.limit, penalty,
    )  # fmt: skip
    empty = np.bincount(model.option_order, minlength=orders) == 0
    active = (single.option < 0) & ~empty  # an order with no option needs no program
    model.single = single.option
    active |= model.overdrawn(active)
    values = model.solve(active)
    return model.per_order(values, single, model.active, empty)


class _Model:
    """Every option, arc and row of the program; columns are built for active options."""

    def __init__(self, lines, arcs, orders, day, split, costs, penalty, ruleset_nodes, solver):
        self.lines, self.arcs, self.orders, self.penalty = lines, arcs, orders, penalty
        width = costs.ship_cost.shape[1]
        self.width = width
        arc_order = self.arc_order = lines.order[arcs.line]
        arc_key = arc_order * width + arcs.node
        used_key = ruleset_nodes[:, 0] * width + ruleset_nodes[:, 1]
        keys, where = distinct(np.concatenate([arc_key, used_key]), orders * width)
        self.arc_option = where[: len(arc_key)]
        self.option_order, self.option_node = np.divmod(keys, width)
        self.ruleset_option = np.zeros(len(keys), dtype=bool)
        self.ruleset_option[where[len(arc_key) :]] = True
        self.option_cost = costs.ship_cost.take(keys)  # keys: positions in ship_cost
        self.arc_cost = costs.pick_cost[arcs.node]
        # an option with one arc has y = x / cap at the optimum: its x column carries y
        self.lone = np.bincount(self.arc_option, minlength=len(keys)) == 1
        self.arc_lone = self.lone[self.arc_option]
        self.arc_ceiling = np.where(self.arc_lone, np.inf, 0.0)
        """A line's gain in an option's reduced cost is at most this (`priced`)."""
        self.option_pick = costs.pick_cost[self.option_node]
        self.rounds = 0
        rows = len(lines.qty)  # the demand rows come first
        # Σy ≤ split limit, per order
        options = np.bincount(self.option_order, minlength=orders)
        shipped = np.bincount(self.option_order[self.ruleset_option], minlength=orders)
        limit = self.limit = np.maximum(split, shipped)
        # a one-line order whose every arc has its whole qty: Σy = Σx ÷ qty ≤ 1 already
        one_line = np.bincount(lines.order, minlength=orders) == 1
        short = np.bincount(arc_order, arcs.cap < lines.qty[arcs.line], minlength=orders)
        implied = one_line & (short == 0) & (limit >= 1)
        self.split_row, rows, split_rhs = numbered((options > limit) & ~implied, limit, rows)
        self.option_split = self.split_row[self.option_order]
        # Σy ≤ capacity, per node and day
        first_day, last_day = (int(day.min()), int(day.max())) if len(day) else (0, 0)
        local_day = day[self.option_order] - first_day
        group, first = distinct(
            local_day * width + self.option_node, (last_day - first_day + 1) * width
        )
        count = np.bincount(first, minlength=len(group))
        used = np.bincount(first[self.ruleset_option], minlength=len(group))
        room = np.maximum(costs.capacity[group % width], used)
        capacity_row, rows, capacity_rhs = numbered(count > room, room, rows)
        self.capacity_row = capacity_row[first]  # per option
        # Σx ≤ stock, and Σx of the orders keeping k ≤ stock − k, per node, SKU and day
        self.stock_arc, self.stock_row, stock_rhs, rows = stock_rows(day[arc_order], arcs, rows)
        self.upper = np.concatenate([lines.qty, split_rhs, capacity_rhs, stock_rhs])
        self.stock_option = self.arc_option[self.stock_arc]
        self.fixed_rows = rows
        self.start(solver)

    def first_options(self) -> np.ndarray:
        """The ruleset's options and each active order's START_OPTIONS best on their own
        (what they would save against leaving their units unfilled)."""
        return self.starting & self.option_active

    @cached_property
    def starting(self) -> np.ndarray:
        """`first_options` of every order (worked out once)."""
        arcs = self.arcs
        gain = np.bincount(
            self.arc_option, (self.arc_cost - self.penalty) * arcs.cap,
            minlength=len(self.option_order),
        )  # fmt: skip
        chosen = self.ruleset_option.copy()
        chosen[smallest(self.option_cost + gain, self.option_order, START_OPTIONS)] = True
        return chosen

    def solve(self, active: np.ndarray) -> np.ndarray:
        """The column values of the program of the `active` orders, every row's
        right-hand side less what the other orders' allocations on their own take
        (column generation, see the module doc); the orders those allocations no longer
        suit at the rows' prices are made active on the way (`undercut`), in the same
        HiGHS program."""
        new = active & ~self.active
        more = np.zeros(len(self.option_order), dtype=bool)
        while True:
            self._admit(new)
            more |= self.first_options() & new[self.option_order]
            if not self.active.any():
                return np.zeros(self.lp.columns)
            self.rounds += 1
            self.add(more)
            duals = self.lp.solve(self.first_basis() if self.rounds == 1 else None)
            full = self.duals = np.zeros(self.fixed_rows + 1)  # the last: "no row", 0
            full[self.kept] = duals[self.row_of[self.kept]]
            more = self.priced(full) & ~self.added & self.option_active
            new = self.undercut(self.active)
            if not more.any() and not new.any():
                return self.lp.values()

    def first_basis(self) -> tuple[np.ndarray, np.ndarray]:
        """The first solve's starting basis: each demand row nonbasic, and the line's
        cheapest column basic (its `u` when no x costs less than the penalty). The
        duals are then those costs, every column's reduced cost is 0 or more, and the
        dual simplex starts there instead of from the all-slack basis, about half as
        far from the optimum."""
        arcs = np.flatnonzero(self.x_of >= 0)
        line, x = self.arcs.line[arcs], self.x_of[arcs]
        cost = self.lp.costs()[x]
        best = np.lexsort((x, cost, line))
        first = best[run_starts(line[best])]
        column = self.u_of.copy()
        cheap = first[cost[first] < self.penalty]
        column[line[cheap]] = x[cheap]
        return self.row_of[self.u_lines], column[self.u_lines]

    def start(self, solver: Any) -> None:
        """An empty program (in `solver`, when given): no row, no column, no active
        order (`kept`: the fixed rows handed to HiGHS, `row_of`: their number there)."""
        self.lp = LinearProgram(solver)
        self.active = np.zeros(self.orders, dtype=bool)
        self.option_active = np.zeros(len(self.option_order), dtype=bool)
        self.kept = np.zeros(0, dtype=np.int64)
        self.row_of = np.full(self.fixed_rows, -1, dtype=np.int64)
        self.u_lines = np.zeros(0, dtype=np.int64)
        self.u = np.zeros(0, dtype=np.int64)
        self.u_of = np.full(len(self.lines.qty), -1, dtype=np.int64)
        self.added = np.zeros(len(self.option_order), dtype=bool)
        self.y_of = np.full(len(self.option_order), -1, dtype=np.int64)
        self.x_of = np.full(len(self.arcs.line), -1, dtype=np.int64)
        self.duals = np.zeros(self.fixed_rows + 1)
        self.single = np.full(self.orders, -1, dtype=np.int64)
        self.held_use = np.zeros(self.fixed_rows)

    def _admit(self, new: np.ndarray) -> None:
        """The fixed rows the `new` orders meet that HiGHS has not got yet, and the `u`
        columns of their lines (no other column has a coefficient in those rows)."""
        if not new.any():
            return
        lines, lp = self.lines, self.lp
        self.active |= new
        self.option_active = self.active[self.option_order]
        fresh = new[self.option_order]
        met = np.zeros(self.fixed_rows, dtype=bool)
        new_lines = np.flatnonzero(new[lines.order])
        met[new_lines] = True
        met[self.split_row[new & (self.split_row >= 0)]] = True
        met[self.capacity_row[fresh & (self.capacity_row >= 0)]] = True
        met[self.stock_row[fresh[self.stock_option]]] = True
        if len(self.kept):  # the allocations of the new orders are no longer held
            freed = self.use(new)
            self.held_use = self.held_use - freed
            moved = self.kept[freed[self.kept] != 0]
            lp.set_row_upper(self.row_of[moved], self.upper[moved] - self.held_use[moved])
        else:
            self.held_use = self.use(~self.active)
        rows = np.flatnonzero(met & (self.row_of < 0))
        demand = rows < len(lines.qty)
        self.row_of[rows] = lp.add_rows(
            np.where(demand, self.upper[rows], -INFINITY), self.upper[rows] - self.held_use[rows]
        )
        self.kept = np.concatenate([self.kept, rows])
        u = lp.add_columns(np.full(len(new_lines), self.penalty), lines.qty[new_lines])
        lp.add_entries(self.row_of[new_lines], u, 1.0)
        self.u = np.concatenate([self.u, u])
        self.u_of[new_lines] = u
        self.u_lines = np.concatenate([self.u_lines, new_lines])

    def _taken(self, held: np.ndarray):
        """The options and arcs of the `held` orders' allocations on their own."""
        held = held & (self.single >= 0)
        taken = np.zeros(len(self.option_order), dtype=bool)
        taken[self.single[held]] = True
        return taken, taken[self.arc_option]

    def use(self, held: np.ndarray) -> np.ndarray:
        """What the allocations on their own of the `held` orders take from each fixed
        row (a parcel from each capacity row, the units of each stock and keep row)."""
        taken, arc_taken = self._taken(held)
        capacity = taken & (self.capacity_row >= 0)
        use = np.bincount(self.capacity_row[capacity], minlength=self.fixed_rows).astype(float)
        units = np.where(arc_taken, self.lines.qty[self.arcs.line], 0)
        return use + np.bincount(self.stock_row, units[self.stock_arc], minlength=self.fixed_rows)

    def overdrawn(self, active: np.ndarray) -> np.ndarray:
        """The orders not `active` with an allocation on their own that takes from a
        stock or capacity row that those allocations together overdraw."""
        held = ~active & (self.single >= 0)
        over = self.use(held) > self.upper + ROW_SLACK
        extra = np.zeros(self.orders, dtype=bool)
        if not over.any():
            return extra
        taken, arc_taken = self._taken(held)
        capacity = self.capacity_row >= 0
        crowded = taken & capacity & over[np.maximum(self.capacity_row, 0)]
        extra[self.option_order[crowded]] = True
        short = self.stock_arc[over[self.stock_row]]
        extra[self.arc_order[short[arc_taken[short]]]] = True
        return extra

    def undercut(self, active: np.ndarray) -> np.ndarray:
        """The orders not `active` whose allocation on their own is no longer proven
        their optimum once each stock, keep and capacity row costs its price (minus
        its dual, never below 0) per unit or parcel
        (`simulations.bound_alone.priced_out`). Prices only raise costs, so only an
        order with a priced row in its own allocation can fail."""
        price = np.maximum(-self.duals, 0.0)  # a trailing 0 for "no row"
        price[: len(self.lines.qty)] = 0.0  # the demand and split rows are the order's own
        price[self.split_row] = 0.0
        held = ~active & (self.single >= 0)
        taken, arc_taken = self._taken(held)
        priced = price > 0.0
        hot = taken & priced[self.capacity_row]
        suspect = np.zeros(self.orders, dtype=bool)
        suspect[self.option_order[hot]] = True
        entries = arc_taken[self.stock_arc] & priced[self.stock_row]
        suspect[self.arc_order[self.stock_arc[entries]]] = True
        if not suspect.any():
            return suspect
        arcs, lines = self.arcs, self.lines
        arc_cost = self.arc_cost + np.bincount(
            self.stock_arc, price[self.stock_row], minlength=len(arcs.line)
        )
        option_cost = self.option_cost + price[self.capacity_row]
        return priced_out(
            lines.order, lines.qty, arcs.line, arcs.cap, arc_cost, self.arc_option,
            self.option_order, option_cost, np.where(suspect, self.single, -1), self.penalty,
        )  # fmt: skip

    def add(self, chosen: np.ndarray) -> None:
        """Columns for the `chosen` options: y, the x of each of their lines, the link
        rows x ≤ cap·y, and their coefficients in the fixed rows. An option with one arc
        gets no y and no link row: its x column costs pick + ship cost ÷ cap per unit
        and has 1 ÷ cap in the split and capacity rows (y = x ÷ cap)."""
        lp, arcs = self.lp, self.arcs
        self.added |= chosen
        options = np.flatnonzero(chosen & ~self.lone)
        self.y_of[options] = lp.add_columns(self.option_cost[options], 1.0)
        option_rows = (self.split_row[self.option_order], self.capacity_row)
        for row_of in option_rows:
            take = options[row_of[options] >= 0]
            lp.add_entries(self.row_of[row_of[take]], self.y_of[take], 1.0)
        arc_in = np.flatnonzero(chosen[self.arc_option])
        cap, option = arcs.cap[arc_in], self.arc_option[arc_in]
        lone = self.arc_lone[arc_in]
        share = np.where(lone, 1.0 / cap, 0.0)  # y per unit of a one-arc option
        cost = self.arc_cost[arc_in] + share * self.option_cost[option]
        x = self.x_of[arc_in] = lp.add_columns(cost, cap)
        lp.add_entries(self.row_of[arcs.line[arc_in]], x, 1.0)
        for row_of in option_rows:
            take = lone & (row_of[option] >= 0)
            lp.add_entries(self.row_of[row_of[option[take]]], x[take], share[take])
        entries = np.flatnonzero(chosen[self.stock_option])
        lp.add_entries(
            self.row_of[self.stock_row[entries]], self.x_of[self.stock_arc[entries]], 1.0
        )
        linked = ~lone
        link = lp.add_rows(np.full(int(linked.sum()), -INFINITY), 0.0)
        lp.add_entries(link, x[linked], 1.0)
        lp.add_entries(link, self.y_of[option[linked]], -cap[linked])

    def priced(self, duals: np.ndarray) -> np.ndarray:
        """Options whose reduced cost is negative: taking each line up to its cap where
        its own reduced cost is negative, against the shipment's cost less its duals
        (`duals`: per fixed row, and a trailing 0)."""
        arcs = self.arcs
        arc_dual = duals[arcs.line] + np.bincount(
            self.stock_arc, duals[self.stock_row], minlength=len(arcs.line)
        )
        arc_gain = (self.arc_cost - arc_dual) * arcs.cap
        np.minimum(arc_gain, self.arc_ceiling, out=arc_gain)
        reduced = (
            self.option_cost
            - duals[self.option_split]  # −1 (no row) reads the trailing 0
            - duals[self.capacity_row]
            + np.bincount(self.arc_option, arc_gain, minlength=len(self.option_order))
        )
        return reduced < -TOLERANCE

    def per_order(self, values, single: Alone, active: np.ndarray, empty: np.ndarray) -> Solved:
        """Each order's share of the optimum, its units unfilled and the node that ships
        most of its units in the bound (ties: the first in network order); the orders
        not `active` keep their optimum on their own, those with no option at all
        (`empty`) leave every unit unfilled."""
        y_of, x_of, u, costs = self.y_of, self.x_of, self.u, self.lp.costs()
        lines, orders = self.lines, self.orders
        spent = costs * values
        in_y = y_of >= 0
        in_x = x_of >= 0
        value = np.zeros(orders) + (  # floats even without a column
            np.bincount(self.option_order[in_y], spent[y_of[in_y]], minlength=orders)
            + np.bincount(self.arc_order[in_x], spent[x_of[in_x]], minlength=orders)
            + np.bincount(lines.order[self.u_lines], spent[u], minlength=orders)
        )
        unfilled = np.zeros(orders) + np.bincount(
            lines.order[self.u_lines], values[u], minlength=orders
        )  # floats even without a column
        node = np.full(orders, -1, dtype=np.int64)
        amount = np.bincount(
            self.arc_option[in_x], values[x_of[in_x]], minlength=len(self.option_order)
        )
        keep = np.flatnonzero(amount > 1e-9)
        o, n, units = self.option_order[keep], self.option_node[keep], amount[keep]
        best = np.lexsort((n, -units, o))
        o, n = o[best], n[best]
        first = run_starts(o)
        node[o[first]] = n[first]
        held = ~active & ~empty
        value[held] = single.value[held]
        unfilled[held] = 0.0
        node[held] = self.option_node[single.option[held]]
        units = np.bincount(lines.order, lines.qty, minlength=orders)[empty]
        value[empty], unfilled[empty], node[empty] = self.penalty * units, units, -1
        return Solved(value=value, unfilled=unfilled, node=node, rounds=self.rounds)
