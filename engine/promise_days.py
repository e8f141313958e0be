"""The promise's days for every node and carrier service at once, for one local day of
orders: what `engine.promise.PromiseCalendars.dates` works out one shipment at a time
(steps 1-3 of promise.md), as arrays the kernel reads.

For the orders of local day `d`, per node `n`, per "before / from the cut-off" `a`
and per service `c`: the pick day, the ship day and the delivery day, as days after
`d` (-1 when there is none within `MAX_PROMISE_DAYS`). Nodes with the same calendar
(open days, prep days, closures) share the work; a day's tables are kept for the
next block of the same day, and the days are worked out WINDOW days of orders at a
time, vectorised over the days.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from engine.promise import MAX_PROMISE_DAYS, PromiseCalendars

HORIZON = MAX_PROMISE_DAYS + 1
"""Days d, d + 1, …, d + MAX_PROMISE_DAYS: every step of a promise falls among them."""
_KEPT_DAYS = 8
WINDOW = 64
"""Local days of orders whose tables are worked out at once (windows start at day
numbers that are multiples of it)."""
_KEPT_WINDOWS = 8
"""Windows kept: more than a year of orders."""
NONE = -1


def _next_true(flags: np.ndarray, none: int) -> np.ndarray:
    """Along the last axis: the first index ≥ i where `flags` holds (`none`: none)."""
    index = np.where(flags, np.arange(flags.shape[-1]), none)
    return np.minimum.accumulate(index[..., ::-1], axis=-1)[..., ::-1]


class DayTables:
    """Pick, ship and delivery days per node (rows of the calendars given by
    `node_rows`, in network order) and service, for a local day of orders."""

    def __init__(self, calendars: PromiseCalendars, node_rows: np.ndarray):
        self.calendars = calendars
        nodes = calendars.nodes
        groups: dict[tuple[int, int, frozenset[int]], int] = {}
        member = []
        for row in node_rows.tolist():
            key = (
                int(nodes.open_days[row]),
                int(nodes.prep_days[row]),
                calendars.node_closed[row],
            )
            member.append(groups.setdefault(key, len(groups)))
        self.group_of = np.array(member, dtype=np.int64)
        self.groups = list(groups)
        carriers = calendars.carriers
        self.services = len(carriers)
        self.transit = carriers.transit_days.astype(np.int64)
        self._service_closed = [
            _day_array(calendars.carrier_closed[carriers.carrier[c]]) for c in range(self.services)
        ]
        self._group_closed = [_day_array(closed) for _, _, closed in self.groups]
        self._kept: OrderedDict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = OrderedDict()
        self._windows: OrderedDict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = OrderedDict()
        """Windows of WINDOW order days (starting at a multiple of WINDOW), the latest
        used last."""

    def for_day(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(pick [2, nodes], ship [2, nodes, services], deliver [2, nodes, services]),
        int32 days after `day` (a day number), -1 for none; index 0 of the first axis:
        an order before the node's cut-off, 1: at or after it."""
        kept = self._kept.get(day)
        if kept is None:
            start = day - day % WINDOW
            window = self._windows.get(start)
            if window is None:
                window = self._windows[start] = self._tables(start)
                if len(self._windows) > _KEPT_WINDOWS:
                    self._windows.popitem(last=False)
            self._windows.move_to_end(start)
            pick, ship, deliver = (part[day - start] for part in window)
            by_node = self.group_of
            kept = self._kept[day] = (
                np.ascontiguousarray(pick[:, by_node]),
                np.ascontiguousarray(ship[:, by_node, :]),
                np.ascontiguousarray(deliver[:, by_node, :]),
            )
            if len(self._kept) > _KEPT_DAYS:
                self._kept.popitem(last=False)
        return kept

    def _tables(self, first: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The days of WINDOW local days of orders from `first`, per group of nodes:
        pick [day, 2, groups], ship and deliver [day, 2, groups, services] (at least one
        service wide), each day's walks bounded by that day + MAX_PROMISE_DAYS."""
        span = WINDOW + HORIZON
        days = first + np.arange(span, dtype=np.int64)
        weekday = (days + 3) % 7
        carriers = self.calendars.carriers
        services = self.services
        wide = max(services, 1)
        order_days = np.arange(WINDOW)
        last = order_days + MAX_PROMISE_DAYS  # the latest day of each order day's walks
        collects = np.zeros((services, span), dtype=bool)
        delivers = np.zeros((services, span), dtype=bool)
        for c in range(services):
            closed = np.isin(days, self._service_closed[c])
            collects[c] = (int(carriers.pickup_days[c]) >> weekday & 1).astype(bool) & ~closed
            delivers[c] = (int(carriers.delivery_days[c]) >> weekday & 1).astype(bool) & ~closed
        delivery_days = [np.append(np.flatnonzero(delivers[c]), span) for c in range(services)]
        groups = len(self.groups)
        pick = np.full((WINDOW, 2, groups), NONE, dtype=np.int32)
        ship = np.full((WINDOW, 2, groups, wide), NONE, dtype=np.int32)
        deliver = np.full((WINDOW, 2, groups, wide), NONE, dtype=np.int32)
        for g, (open_mask, prep, _) in enumerate(self.groups):
            is_open = (open_mask >> weekday & 1).astype(bool) & ~np.isin(
                days, self._group_closed[g]
            )
            open_days = np.append(np.flatnonzero(is_open), [span] * (prep + 1))
            next_open = np.append(_next_true(is_open, span), span)
            next_collect = np.concatenate(
                [_next_true(collects & is_open[None, :], span), np.full((services, 1), span)],
                axis=1,
            )
            for late in (0, 1):
                picked = next_open[order_days + 1]
                if late == 0:
                    picked = np.where(is_open[order_days], order_days, picked)
                ok = picked <= last
                pick[:, late, g] = np.where(ok, picked - order_days, NONE)
                rank = np.searchsorted(open_days, np.minimum(picked, span)) + prep
                prepared = open_days[np.minimum(rank, len(open_days) - 1)]
                ok &= prepared <= last
                for c in range(services):
                    shipped = next_collect[c, np.minimum(prepared, span)]
                    carried = ok & (shipped <= last)
                    ship[:, late, g, c] = np.where(carried, shipped - order_days, NONE)
                    transit = int(self.transit[c])
                    if transit == 0:
                        arrives = shipped
                    else:
                        listed = delivery_days[c]
                        at = np.searchsorted(listed, np.minimum(shipped, span), side="right")
                        arrives = listed[np.minimum(at + transit - 1, len(listed) - 1)]
                    carried &= arrives <= last
                    deliver[:, late, g, c] = np.where(carried, arrives - order_days, NONE)
        return pick, ship, deliver


def _day_array(days: frozenset[int]) -> np.ndarray:
    return np.array(sorted(days), dtype=np.int64)
