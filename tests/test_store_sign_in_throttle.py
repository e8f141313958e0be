"""Guessing a password is slowed down (docs/rulesets.md, "Signing in"): after five
failed sign-ins in a row at a name, the next attempt waits 30 s from the last failure,
each further failure doubles the wait up to 15 minutes; a success or a quiet quarter
of an hour clears the count; an unknown name is slowed down like a known one."""

from __future__ import annotations

import datetime as dt

import pytest
import store_people
from store_people import open_store

from rulesets.store import SignInRefused
from rulesets.store.sign_in_throttle import wait_after

clock = store_people.clock

WRONG, RIGHT = "not-the-password", "correct horse"


@pytest.fixture
def store(store_url, clock):
    with open_store(store_url, clock) as opened:
        opened.accounts.add("root", role="admin", by="set-up", password=RIGHT)
        yield opened


def fail(store, name: str = "root", times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(SignInRefused, match="unknown user or wrong password"):
            store.accounts.authenticate(name, WRONG)


def test_five_failures_cost_nothing_the_sixth_attempt_waits_30_s(store, clock):
    fail(store, times=5)
    with pytest.raises(SignInRefused, match=r"too many failed sign-ins .* try again in 30 s"):
        store.accounts.authenticate("root", RIGHT)  # even the right password waits
    clock.advance(seconds=29)
    with pytest.raises(SignInRefused, match="try again in 1 s"):
        store.accounts.authenticate("root", RIGHT)
    clock.advance(seconds=1)
    assert store.accounts.authenticate("root", RIGHT).name == "root"
    fail(store, times=5)  # the success cleared the count: five more are free


def test_each_further_failure_doubles_the_wait_up_to_a_quarter_of_an_hour(store, clock):
    fail(store, times=5)
    for shown, seconds in (("30 s", 30), ("1 min", 60), ("2 min", 120), ("4 min", 240),
                           ("8 min", 480), ("15 min", 900)):  # fmt: skip
        with pytest.raises(SignInRefused, match=f"try again in {shown}$"):
            store.accounts.authenticate("root", WRONG)
        clock.advance(seconds=seconds - 1)
        with pytest.raises(SignInRefused, match="try again in 1 s$"):
            store.accounts.authenticate("root", RIGHT)
        clock.advance(seconds=1)
        fail(store)
    assert [wait_after(n) for n in (4, 5, 6, 9, 10, 50)] == [
        dt.timedelta(0), dt.timedelta(seconds=30), dt.timedelta(minutes=1),
        dt.timedelta(minutes=8), dt.timedelta(minutes=15), dt.timedelta(minutes=15),
    ]  # fmt: skip


def test_a_quiet_quarter_of_an_hour_clears_the_count(store, clock):
    fail(store, times=5)
    clock.advance(seconds=30)
    fail(store)
    clock.advance(minutes=15)
    fail(store, times=5)  # free again
    with pytest.raises(SignInRefused, match="try again in 30 s"):
        store.accounts.authenticate("root", RIGHT)


def test_an_unknown_name_waits_like_a_known_one_and_names_are_counted_apart(store):
    fail(store, name="nobody", times=5)
    with pytest.raises(SignInRefused, match="try again in 30 s"):
        store.accounts.authenticate("nobody", WRONG)
    with pytest.raises(SignInRefused, match="try again in 30 s"):
        store.accounts.authenticate(" NOBODY ", WRONG)  # the same name, as accounts compare
    assert store.accounts.authenticate("root", RIGHT).name == "root"  # another name: free
