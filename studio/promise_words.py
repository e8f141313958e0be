"""The delivery promise in words, with no Streamlit here: the cut-off countdown ("order
within 2 h 13 min for delivery on Thursday 10 December") or, once a node's cut-off has
passed, when it will pick. The engine says when each shipment is picked, shipped and
delivered; these words only compare that with the node's calendar and the clock.

Times are whole minutes, as the engine compares them (promise.md step 1: an order placed
at 13:59:59 is placed at 13:59 and is before a 14:00 cut-off, with 1 min to go)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from engine.promise_options import countdown
from studio import formats

MINUTES_PER_HOUR = 60


def clock(minute: int) -> str:
    """Minutes after midnight as `HH:MM`."""
    return f"{minute // MINUTES_PER_HOUR:02d}:{minute % MINUTES_PER_HOUR:02d}"


def long_date(day: dt.date, today: dt.date) -> str:
    """The day in words, "Thursday 10 December"; the year is added when it is not
    `today`'s ("Monday 4 January 2027")."""
    return formats.long_date(day, year=day.year != today.year)


@dataclass(frozen=True)
class PickTime:
    """One shipment's node against the clock: its cut-off and whether it picks on the
    order's day at all (an open day, no closure), and the days the engine promised."""

    node_id: str
    cutoff: int
    """Minutes after midnight, local time."""
    open_on_order_day: bool
    pick_date: dt.date
    promised_date: dt.date


def pick_words(pick: PickTime, order_day: dt.date, minute: int) -> str:
    """What the clock means for one shipment, placed at `minute` on `order_day`:
    - picked that day: "order within 2 h 13 min for delivery on Thursday 10 December"
      (the node's cut-off minus the local time);
    - the node does not pick that day: "DC-LYON does not pick on Sunday 6 December:
      picked on Monday 7 December";
    - else the cut-off has passed: "the 14:00 cut-off of STORE-LYON has passed: picked
      on Friday 11 December"."""
    if pick.pick_date == order_day:
        left = countdown(pick.cutoff - minute)
        return f"order within {left} for delivery on {long_date(pick.promised_date, order_day)}"
    picked = long_date(pick.pick_date, order_day)
    if not pick.open_on_order_day:
        return (
            f"{pick.node_id} does not pick on {long_date(order_day, order_day)}: picked on {picked}"
        )
    return f"the {clock(pick.cutoff)} cut-off of {pick.node_id} has passed: picked on {picked}"


def order_words(picks: list[PickTime], order_day: dt.date, minute: int, promised: dt.date) -> str:
    """The order's promise in one sentence. Every shipment picked on the order's day:
    "Order within 2 h 13 min for delivery on Thursday 10 December", the time left
    being the earliest cut-off among its nodes (after it, one of them picks a day
    later). Else the first shipment picked later says why, then the order's promised
    date (its latest shipment's): "The 14:00 cut-off of STORE-LYON has passed: picked
    on Friday 11 December; delivery on Monday 14 December"."""
    when = long_date(promised, order_day)
    late = [pick for pick in picks if pick.pick_date != order_day]
    if not late:
        left = countdown(min(pick.cutoff for pick in picks) - minute)
        return f"Order within {left} for delivery on {when}"
    words = pick_words(late[0], order_day, minute)
    return f"{words[0].upper()}{words[1:]}; delivery on {when}"
