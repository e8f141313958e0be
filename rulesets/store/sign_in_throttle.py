"""Failed sign-ins slow down the next attempts at the same name, so a password cannot
be guessed by trying many: after `FREE_FAILURES` (5) failures in a row, the next
attempt must wait `FIRST_WAIT` (30 s) from the last failure; each further failure
doubles the wait, up to `LONGEST_WAIT` (15 minutes). An attempt made while waiting is
refused without looking at the password (and does not count). A successful sign-in
clears the count; so does a quiet `LONGEST_WAIT` after the last failure.

The count is kept by the store object in memory (one per studio server), by name as
`identity` compares names, whether or not the name is an account's: an unknown name is
slowed down exactly like a known one, so waiting tells nothing either. Nobody is
locked out for good: the longest wait is a quarter of an hour.
"""

from __future__ import annotations

import datetime as dt
import math

from rulesets.store.errors import SignInRefused
from rulesets.store.identity import identity

FREE_FAILURES = 5
FIRST_WAIT = dt.timedelta(seconds=30)
LONGEST_WAIT = dt.timedelta(minutes=15)
_MOST_NAMES = 10_000
"""Names whose failures are remembered at most (the oldest are forgotten first)."""


class SignInThrottle:
    """Failures in a row per name, and when the last one was."""

    def __init__(self) -> None:
        self._failures: dict[str, tuple[int, dt.datetime]] = {}

    def wait(self, name: str, now: dt.datetime) -> dt.timedelta:
        """How long an attempt at `name` must still wait (zero: it may try now)."""
        count, last = self._failures.get(identity(name), (0, now))
        if now - last >= LONGEST_WAIT:
            return dt.timedelta(0)
        return max(last + wait_after(count) - now, dt.timedelta(0))

    def check(self, name: str, now: dt.datetime) -> None:
        """`SignInRefused`, saying how long to wait, while `name` must wait."""
        left = self.wait(name, now)
        if left > dt.timedelta(0):
            seconds = math.ceil(left.total_seconds())
            raise SignInRefused(
                f"too many failed sign-ins with this name: try again in {_duration(seconds)}"
            )

    def failed(self, name: str, now: dt.datetime) -> None:
        key = identity(name)
        count, last = self._failures.pop(key, (0, now))
        if now - last >= LONGEST_WAIT:
            count = 0
        if len(self._failures) >= _MOST_NAMES:
            self._failures.pop(next(iter(self._failures)))
        self._failures[key] = (count + 1, now)

    def succeeded(self, name: str) -> None:
        self._failures.pop(identity(name), None)


def wait_after(failures: int) -> dt.timedelta:
    """The wait after `failures` failures in a row: none for the first FREE_FAILURES,
    then FIRST_WAIT doubled at each further one, at most LONGEST_WAIT."""
    if failures < FREE_FAILURES:
        return dt.timedelta(0)
    doublings = min(failures - FREE_FAILURES, 10)
    return min(FIRST_WAIT * 2**doublings, LONGEST_WAIT)


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"
