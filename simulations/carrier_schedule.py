"""A replay whose carriers change on given days (a scenario's dated carrier changes:
"express capped at 2,000 parcels a day from 1 December").

The run is cut at the start of each change's local day (midnight in the ruleset's time
zone): the orders before it are routed with the carriers in force until then, then the
session's carriers are swapped (`Session.set_delivery`: the parcels each service has
already collected per node and day are kept) and the next orders are routed with the
new table. Stock arrivals and events keep their place in time across the cut: an
arrival or event before the cut is applied before the first order after it, exactly
as in an uncut replay.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

import engine
from engine import Policy, Session
from engine.order_batch import OrderBatch, from_ns, instant_ns
from engine.returns import returns_from_frame
from engine.session import Progress, Replayed
from simulations.inputs import Inputs
from simulations.progress import shifted

_FIRST, _LAST = np.iinfo(np.int64).min, np.iinfo(np.int64).max


@dataclass(frozen=True)
class Step:
    """One step of a replay and the batch its order rows point into."""

    batch: OrderBatch
    replayed: Replayed


def open_session(policy: Policy, inputs: Inputs) -> Session:
    """The engine session a replay runs in: the policy on the inputs' network, opening
    stock and (when given) carriers and closures."""
    if inputs.carriers is None:
        return engine.Session.open(policy, inputs.nodes, inputs.inventory)
    return engine.Session.open(
        policy, inputs.nodes, inputs.inventory, carriers=inputs.carriers, closures=inputs.closures
    )


def replay_steps(
    session: Session,
    inputs: Inputs,
    orders: pd.DataFrame,
    *,
    explain: Collection[str] = (),
    stop: Collection[str] | None = None,
    until: dt.datetime | None = None,
    on_progress: Progress | None = None,
) -> Iterator[Step]:
    """`Session.replay` of `orders` with the inputs' replenishments and events, cut at
    each carrier period's start (see the module doc)."""
    arrivals = inputs.replenishments
    events = _events(inputs.events)
    returns = returns_from_frame(inputs.returns)
    tz = session.policy.tz
    periods = inputs.carrier_periods
    if not periods:
        batch = session.batch(orders)
        for step in session.replay(
            batch,
            engine.arrivals_from_frame(arrivals),
            events,
            returns=returns,
            explain=explain,
            stop=stop,
            until=until,
            on_progress=on_progress,
        ):
            yield Step(batch, step)
        return
    if events:  # allocations are followed from the first order, whichever part it is in
        session.follow()
    cuts = [instant_ns(dt.datetime.combine(p.start, dt.time(0), tzinfo=tz), tz) for p in periods]
    order_at = _instants(orders["created_at"], tz)
    arrival_at = _instants(arrivals["at"], tz) if arrivals is not None else np.zeros(0, np.int64)
    event_at = np.array([instant_ns(e.at, tz) for e in events], dtype=np.int64)
    return_at = np.array([instant_ns(r.created_at, tz) for r in returns], dtype=np.int64)
    end = None if until is None else instant_ns(until, tz)
    progress = _Counted(on_progress, int(orders["order_id"].nunique()))
    left = None if stop is None else set(stop)
    applied = _FIRST  # every arrival at or before this instant is in the stock
    bounds = [_FIRST, *cuts, _LAST]
    last = len(bounds) - 2
    for k in range(last + 1):
        low, high = bounds[k], bounds[k + 1]
        if (left is not None and not left) or (end is not None and low >= end):
            break
        if k:
            session.set_delivery(_delivery(inputs, periods[k - 1].carriers))
        in_part = (order_at >= low) & (order_at < high)
        part = orders[in_part]
        batch = session.batch(part)
        ids = set(part["order_id"].astype(str))
        stop_at = high if end is None else min(high, end)
        applying = (event_at >= low) & (event_at < stop_at)
        returning = (return_at >= low) & (return_at < stop_at)
        coming = arrival_at > applied
        if k < last:
            coming &= arrival_at < high
        for step in session.replay(
            batch,
            engine.arrivals_from_frame(arrivals[coming] if arrivals is not None else None),
            [event for event, on in zip(events, applying.tolist(), strict=True) if on],
            returns=[ret for ret, on in zip(returns, returning.tolist(), strict=True) if on],
            explain=explain,
            stop=None if left is None else (left & ids or None),
            until=None if stop_at == _LAST else from_ns(stop_at),
            on_progress=progress.part(len(ids)),
        ):
            yield Step(batch, step)
        if left is not None:
            left -= ids
        # the cursor applied the arrivals up to the last order and the last event
        reached = np.concatenate([order_at[in_part], event_at[applying]])
        applied = max(applied, int(reached.max())) if len(reached) else applied
    progress.finish()


def _delivery(inputs: Inputs, carriers) -> object:
    """The engine's delivery calendars of the inputs' nodes with `carriers`."""
    from engine.delivery import Delivery

    nodes = pa.Table.from_pandas(inputs.nodes, preserve_index=False)
    return Delivery.of(nodes, carriers, inputs.closures)


def _events(events: pd.DataFrame | None) -> list:
    if events is None or events.empty:
        return []
    from engine.events import events_from_frame

    return events_from_frame(events)


def _instants(values: pd.Series, tz) -> np.ndarray:
    """Instants as int64 ns since 1970 UTC (times without an offset read in `tz`)."""
    stamps = pd.to_datetime(values)
    if stamps.dt.tz is None:
        stamps = stamps.dt.tz_localize(tz)
    utc = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    return utc.to_numpy().astype("datetime64[ns]").view("int64")


class _Counted:
    """One progress count over the parts of a cut replay."""

    def __init__(self, on_progress: Progress | None, total: int):
        self.on_progress = on_progress
        self.total = total
        self.before = 0

    def part(self, size: int) -> Callable[[int, int], None] | None:
        before, self.before = self.before, self.before + size
        return shifted(self.on_progress, before, self.total)

    def finish(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.total, self.total)
