"""Business checks: mistakes that only the data (or today's date) shows, reported as
warnings of the checker's own kind (`dsl.Diagnostic`, codes in `dsl.checks.codes`).

* `keep-never-applies`: a `keep` line that protects nothing, because no node of the
  network matches it, `source from` excludes every node it names, or other `keep`
  lines keep as many units or more at each of them.
* `source-cannot-ship`: a strategy that delivers to the customer's address (its
  `when` pins `order.delivery` to `home` or `express`, or it is reached by
  `otherwise use` from one that does) whose `source from` admits nodes whose
  `can_ship` is false.
* `within-out-of-reach`: a `within N km` that leaves no admitted node for most
  destinations (more than half).
* `window-in-past`: a strategy whose every `effective` window has ended.

Conditions are evaluated by the engine's own node masks (`engine.expressions`), so
a check sees the nodes exactly as routing does. A condition that also reads the
order is judged conservatively (docs/language.md, "Business checks"): a check
reports only what holds for every order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

from dsl import syntax as s
from dsl.checks.codes import finding
from dsl.checks.windows import pinned_values
from dsl.diagnostics import Diagnostic
from dsl.formatter import format_expr
from engine.expressions import (
    ExpressionError,
    NodeMask,
    node_mask,
    order_predicate,
    plain_order_fields,
)
from engine.geo import chord_km, half_chord_limit, half_chords, unit_vector
from engine.model import Network, Order
from engine.order_batch import OrderBatch
from engine.windows import effective_window

__all__ = [
    "ADDRESS_DELIVERIES",
    "ORDER_SAMPLE",
    "SHOWN_NODES",
    "business_checks",
    "sample_orders",
]

ADDRESS_DELIVERIES = frozenset({"home", "express"})
"""Deliveries that send a parcel to the customer's address (`collect` does not)."""
ORDER_SAMPLE = 2_000
"""The most orders whose destinations `within-out-of-reach` looks at."""
SHOWN_NODES = 5
"""The most node ids a message names; the count of the others follows."""


def business_checks(
    ruleset: s.Ruleset,
    network: Network | None = None,
    orders: Sequence[Order] = (),
    now: dt.datetime | None = None,
) -> list[Diagnostic]:
    """Every business finding about `ruleset`, sorted by position. The node checks
    need `network`; `orders` (a sample, see `sample_orders`) give `within` its
    destinations; `now` (aware; default: the current time) dates the windows.
    Run it on a ruleset the checker found no error in."""
    tz = ZoneInfo(ruleset.timezone or "UTC")
    now = now or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    found = _past_windows(ruleset, now, tz)
    if network is not None and len(network):
        found += _NetworkChecks(ruleset, network, orders, tz).run()
    return sorted(found, key=lambda d: (d.line, d.column))


def sample_orders(batch: OrderBatch, limit: int = ORDER_SAMPLE) -> list[Order]:
    """At most `limit` orders spread evenly over the batch (first and last included),
    always the same for the same batch."""
    count = len(batch)
    if count <= limit:
        positions = range(count)
    else:
        positions = np.unique(np.linspace(0, count - 1, limit).round().astype(int)).tolist()
    return [batch.order(i) for i in positions]


# ------------------------------------------------------------------- windows


def _past_windows(ruleset: s.Ruleset, now: dt.datetime, tz: ZoneInfo) -> list[Diagnostic]:
    """Strategies whose every window ended at or before `now`. A strategy named by
    `otherwise use` is left out: as a fallback it runs whatever its dates say."""
    fallback_targets = {st.otherwise for st in ruleset.strategies if st.otherwise}
    found = []
    for strategy in ruleset.strategies:
        if not strategy.effective or strategy.id in fallback_targets:
            continue
        ends = [(effective_window(e, tz).end, e) for e in strategy.effective]
        if any(end is None or end > now for end, _ in ends):
            continue
        last = max(ends, key=lambda pair: pair[0] or now)[1]
        assert last.end is not None, "a window that has ended has an end"
        local = now.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        found.append(
            finding(
                "window-in-past",
                last.span,
                f"strategy `{strategy.id}` is no longer in force: its last `effective` "
                f"window ended on {last.end.text()} (it is now {local} in {tz.key}); "
                "remove the strategy or give it new dates",
                length=len("effective"),
            )
        )
    return found


# ------------------------------------------------------------------- network


@dataclass(frozen=True)
class _Admitted:
    """The nodes a condition admits: `surely` for every order, `maybe` for some."""

    surely: np.ndarray
    maybe: np.ndarray


def _bounds(mask: NodeMask, count: int) -> _Admitted:
    """What a mask admits whatever the order: exact when it reads only node fields;
    for `a and b` with an order-dependent part, the node part bounds it from above;
    for `a or b`, from below; anything else counts as "maybe every node"."""
    if mask.dynamic is None:
        assert mask.static is not None, "a mask is static, dynamic or both"
        return _Admitted(mask.static, mask.static)
    none, every = np.zeros(count, dtype=bool), np.ones(count, dtype=bool)
    static = mask.static
    if static is not None and isinstance(mask.expr, s.AnyOf):
        return _Admitted(static, every)
    if static is not None and isinstance(mask.expr, s.AllOf):
        return _Admitted(none, static)
    return _Admitted(none, every)


class _NetworkChecks:
    """The checks that read the nodes (and the orders' destinations)."""

    def __init__(self, ruleset: s.Ruleset, network: Network, orders: Sequence[Order], tz: ZoneInfo):
        self.ruleset, self.network, self.orders, self.tz = ruleset, network, orders, tz
        self.count = len(network)
        self._admitted_memo: dict[object, _Admitted] = {}
        self._nearest_memo: dict[object, tuple[np.ndarray, str]] = {}

    def run(self) -> list[Diagnostic]:
        found: list[Diagnostic] = []
        to_address = _delivering_to_address(self.ruleset)
        for strategy in self.ruleset.strategies:
            if strategy.kind != "order":  # stock and shipping checks are orders'
                continue
            try:
                admitted = self._admitted(strategy.source)
                found += self._keeps(strategy, admitted)
                if strategy.id in to_address:
                    found += self._cannot_ship(strategy, admitted, to_address[strategy.id])
                if strategy.within_km is not None:
                    found += self._out_of_reach(strategy, admitted)
            except ExpressionError:  # the checker reports it; nothing to add here
                continue
        return found

    def _admitted(self, condition: s.Expr | None) -> _Admitted:
        """What a condition admits, evaluated once per distinct condition."""
        if condition is None:
            every = np.ones(self.count, dtype=bool)
            return _Admitted(every, every)
        key = s.shape(condition)
        known = self._admitted_memo.get(key)
        if known is None:
            mask = node_mask(condition, self.network.nodes, self.tz)
            known = self._admitted_memo[key] = _bounds(mask, self.count)
        return known

    def _ids(self, mask: np.ndarray) -> str:
        return nodes_text([self.network.ids[i] for i in np.flatnonzero(mask)])

    # -- keep
    def _keeps(self, strategy: s.Strategy, admitted: _Admitted) -> list[Diagnostic]:
        keeps = [(keep, self._admitted(keep.at)) for keep in strategy.keep]
        found = []
        for k, (keep, at) in enumerate(keeps):
            if keep.units <= 0:
                continue
            reach = at.maybe & admitted.maybe
            beaten = np.zeros(self.count, dtype=bool)
            beaters = []
            for j, (other, other_at) in enumerate(keeps):
                if j != k and (other.units > keep.units or (other.units == keep.units and j < k)):
                    if (other_at.surely & reach).any():
                        beaters.append(other)
                    beaten |= other_at.surely
            if not at.maybe.any():
                why = "no node of the network matches it"
            elif not reach.any():
                why = (
                    f"`source from` (line {_line(strategy.source)}) excludes every node "
                    f"it names: {self._ids(at.maybe)}"
                )
            elif not (reach & ~beaten).any():
                lines = ", ".join(f"line {_line(other)}" for other in beaters)
                why = (
                    f"at every node it names that `source from` admits ({self._ids(reach)}), "
                    f"another `keep` ({lines}) keeps as many units or more "
                    "(the largest `keep` that holds at a node applies)"
                )
            else:
                continue
            found.append(
                finding(
                    "keep-never-applies",
                    keep.span,
                    f"`keep {keep.units} {'unit' if keep.units == 1 else 'units'} at "
                    f"{format_expr(keep.at)}` never protects anything in strategy "
                    f"`{strategy.id}`: {why}",
                    length=len("keep"),
                )
            )
        return found

    # -- can_ship
    def _cannot_ship(
        self, strategy: s.Strategy, admitted: _Admitted, reason: str
    ) -> list[Diagnostic]:
        grounded = np.array([n.fields.get("can_ship") is False for n in self.network.nodes])
        shipping = admitted.surely & grounded
        if not shipping.any():
            return []
        where = strategy.source.span if strategy.source is not None else strategy.span
        admits = "`source from` admits" if strategy.source else "with no `source from` it admits"
        return [
            finding(
                "source-cannot-ship",
                where,
                f"strategy `{strategy.id}` {reason}, but {admits} nodes whose "
                f"`can_ship` is false: {self._ids(shipping)}; add `and node.can_ship` "
                "to `source from`",
                length=None if strategy.source is not None else len("strategy"),
            )
        ]

    # -- within
    def _out_of_reach(self, strategy: s.Strategy, admitted: _Admitted) -> list[Diagnostic]:
        candidates = admitted.maybe
        if not candidates.any():  # no node at all: `within` is not the cause
            return []
        nearest, what = self._nearest(strategy.when, candidates)
        if not len(nearest):
            return []
        km = float(strategy.within_km or 0)
        missed = int((nearest > half_chord_limit(km)).sum())
        if missed * 2 <= len(nearest):
            return []
        typical = float(np.median([chord_km(float(half)) for half in nearest]))
        share = 100 * missed / len(nearest)
        return [
            finding(
                "within-out-of-reach",
                strategy.clause_spans.get("within", strategy.span),
                f"`within {_km(km)} km` in strategy `{strategy.id}` leaves no node for "
                f"{share:.0f}% of the destinations ({missed:,} of {len(nearest):,} {what}): "
                f"no node that `source from` admits is that close (the nearest is a median "
                f"{typical:,.0f} km away)",
                length=len("within"),
            )
        ]

    def _nearest(self, when: s.Expr | None, candidates: np.ndarray) -> tuple[np.ndarray, str]:
        """Half the chord from each destination to its nearest candidate, worked out
        once per `when` and set of candidates (strategies often share both)."""
        key = (None if when is None else s.shape(when), candidates.tobytes())
        known = self._nearest_memo.get(key)
        if known is None:
            points, what = self._destinations(when)
            known = self._nearest_memo[key] = (self._half_chords(points, candidates), what)
        return known

    def _half_chords(self, points: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """`NodeSphere.half_chords` for many destinations at once (the same operations in
        the same order, so `within` is judged exactly as routing judges it)."""
        if not len(points):
            return np.empty(0)
        sphere = self.network.sphere
        nearest = np.empty(len(points))
        xs, ys, zs = sphere.x[candidates], sphere.y[candidates], sphere.z[candidates]
        for start in range(0, len(points), _BLOCK):
            block = np.array([unit_vector(lat, lon) for lat, lon in points[start : start + _BLOCK]])
            to_x, to_y, to_z = block[:, 0:1], block[:, 1:2], block[:, 2:3]
            chords = half_chords(xs[None, :], ys[None, :], zs[None, :], to_x, to_y, to_z)
            nearest[start : start + _BLOCK] = chords.min(axis=1)
        return nearest

    def _matching(self, when: s.Expr) -> list[Order]:
        """The sampled orders `when` holds for; a `when` that reads only plain order
        fields is evaluated once per distinct combination of their values."""
        applies = order_predicate(when, self.tz)
        assert applies is not None, "a `when` gives a predicate"
        fields = plain_order_fields(when)
        if fields is None:
            return [o for o in self.orders if applies(o)]
        verdicts: dict[tuple[object, ...], bool] = {}
        matching = []
        for order in self.orders:
            values = tuple(order.get(name) for name in fields)
            verdict = verdicts.get(values)
            if verdict is None:
                verdict = verdicts[values] = applies(order)
            if verdict:
                matching.append(order)
        return matching

    def _destinations(self, when: s.Expr | None) -> tuple[np.ndarray, str]:
        """The points `within` is measured to: the addresses of the sampled orders the
        strategy's `when` holds for (all sampled orders when it holds for none), or,
        without orders, the stores of the network (every node when it has none)."""
        if self.orders:
            chosen: Sequence[Order] = self.orders
            if when is not None:
                chosen = self._matching(when) or self.orders
            points = [p for p in (_point(o) for o in chosen) if p is not None]
            return np.array(points, dtype=np.float64).reshape(-1, 2), "orders' addresses"
        stores = [n for n in self.network.nodes if n.fields.get("type") == "store"]
        what = "store locations" if stores else "node locations"
        chosen_nodes = stores or self.network.nodes
        return np.array([(n.lat, n.lon) for n in chosen_nodes], dtype=np.float64), what


_BLOCK = 256
"""Destinations measured together: a block × candidates matrix at a time."""


def _delivering_to_address(ruleset: s.Ruleset) -> dict[str, str]:
    """Strategies that send parcels to the customer's address, with why: their `when`
    pins `order.delivery` to address deliveries, or a chain from one leads to them."""
    found: dict[str, str] = {}
    by_id = {strategy.id: strategy for strategy in ruleset.strategies}
    for strategy in ruleset.tried_order():
        values = pinned_values(strategy.when, "order.delivery")
        if not values or not values <= ADDRESS_DELIVERIES:
            continue
        found.setdefault(strategy.id, f"delivers to the customer's address ({_listed(values)})")
        seen, step = {strategy.id}, strategy.otherwise
        while step and step not in seen:
            seen.add(step)
            found.setdefault(step, f"takes over deliveries to an address from `{strategy.id}`")
            target = by_id.get(step)
            step = target.otherwise if target else None
    return found


def _listed(values: frozenset[object]) -> str:
    """`order.delivery == "home"` or `order.delivery in ["express", "home"]`."""
    names = [f'"{name}"' for name in sorted(str(v) for v in values)]
    if len(names) == 1:
        return f"`order.delivery == {names[0]}`"
    return f"`order.delivery in [{', '.join(names)}]`"


def _point(order: Order) -> tuple[float, float] | None:
    lat, lon = order.get("dest_lat"), order.get("dest_lon")
    if lat is None or lon is None:
        return None
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(lat) or np.isnan(lon) else (lat, lon)


def nodes_text(ids: Sequence[str], shown: int = SHOWN_NODES) -> str:
    """`A` for one id, `A, B (2 nodes)` for a few, `A, B, C, D, E and 3 more (8 nodes)`
    for many: the first `shown` ids in network order (by id), then the count."""
    if len(ids) <= 1:
        return ", ".join(ids)
    if len(ids) <= shown:
        return f"{', '.join(ids)} ({len(ids)} nodes)"
    return f"{', '.join(ids[:shown])} and {len(ids) - shown:,} more ({len(ids):,} nodes)"


def _line(item: s.Syntax | None) -> str:
    return str(item.span.line) if item is not None and item.span is not None else "?"


def _km(km: float) -> str:
    return f"{km:g}"
