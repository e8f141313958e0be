"""A refused or failed write leaves the store exactly as it was: every row of every
table is compared before and after — for a text the checker refuses, a conflict,
and a database error in the middle of the transaction (a trigger that makes the
database itself refuse the audit row, after the version row was written)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text

from rulesets.store import (
    Conflict,
    InvalidRuleset,
    ReviewRefused,
    RulesetStore,
    State,
    StoreUnavailable,
)
from rulesets.store.models import AuditEventRow, RulesetRow, VersionRow

FRANCE = (Path(__file__).parent.parent / "rulesets" / "france.route").read_text()
CHECKER_ERRORS = 'strategy home\n  when order.deliveryy == "home"\n'

# Test-only DDL: the database refuses any audit row written by "doomed".
SQLITE_TRIGGER = """
CREATE TRIGGER refuse_doomed BEFORE INSERT ON audit_events
WHEN NEW.actor = 'doomed'
BEGIN SELECT RAISE(ABORT, 'disk on fire'); END
"""
POSTGRES_TRIGGER = [
    """
    CREATE FUNCTION refuse_doomed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.actor = 'doomed' THEN RAISE EXCEPTION 'disk on fire'; END IF;
      RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER refuse_doomed BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION refuse_doomed()
    """,
]


def snapshot(store: RulesetStore) -> dict[str, list[tuple]]:
    """Every row of the store's tables, in id order."""
    tables = {"rulesets": RulesetRow, "ruleset_versions": VersionRow, "audit_events": AuditEventRow}
    with store.engine.connect() as connection:
        return {
            name: [
                tuple(row) for row in connection.execute(select(model.__table__).order_by(model.id))
            ]
            for name, model in tables.items()
        }


@pytest.fixture
def store(store_url):
    """A store holding france v1 (published) and v2 (in review), with the trigger installed."""
    with RulesetStore.open(store_url) as opened:
        opened.save("france", FRANCE, author="alice")
        opened.submit("france", 1, by="alice")
        opened.publish("france", 1, reviewer="bob")
        opened.save("france", FRANCE.replace("within 400 km", "within 300 km"), author="carol",
                    based_on=1)  # fmt: skip
        opened.submit("france", 2, by="carol")
        with opened.engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                connection.execute(text(SQLITE_TRIGGER))
            else:
                for statement in POSTGRES_TRIGGER:
                    connection.execute(text(statement))
        yield opened


def test_a_text_that_does_not_parse_changes_nothing(store):
    before = snapshot(store)
    with pytest.raises(InvalidRuleset):
        store.save("france", "strategy\n", author="dave", based_on=2)
    with pytest.raises(InvalidRuleset):
        store.save("spain", "strategy\n", author="dave")
    assert snapshot(store) == before


def test_a_checker_error_at_submit_changes_nothing(store):
    store.save("wip", CHECKER_ERRORS, author="dave")
    before = snapshot(store)
    with pytest.raises(InvalidRuleset):
        store.submit("wip", 1, by="dave")
    assert snapshot(store) == before


def test_a_conflict_changes_nothing(store):
    before = snapshot(store)
    with pytest.raises(Conflict):
        store.save("france", FRANCE.replace("split none", "split at most 2"), author="dave",
                   based_on=1)  # fmt: skip
    assert snapshot(store) == before


def test_a_refused_review_changes_nothing(store):
    before = snapshot(store)
    with pytest.raises(ReviewRefused):
        store.publish("france", 2, reviewer="carol")
    assert snapshot(store) == before


def test_a_database_error_mid_save_changes_nothing(store):
    before = snapshot(store)
    with pytest.raises(StoreUnavailable, match="disk on fire"):
        store.save("france", FRANCE.replace("priority 5", "priority 6"), author="doomed",
                   based_on=2)  # fmt: skip
    with pytest.raises(StoreUnavailable, match="nothing was written"):
        store.save("spain", FRANCE, author="doomed")
    assert snapshot(store) == before
    # The store still works afterwards.
    assert store.save("spain", FRANCE, author="erin").number == 1


def test_a_database_error_mid_publish_keeps_the_live_version_live(store):
    before = snapshot(store)
    # Publishing retires v1, writes its audit row (refused), then would publish v2.
    with pytest.raises(StoreUnavailable, match="disk on fire"):
        store.publish("france", 2, reviewer="doomed")
    assert snapshot(store) == before
    assert store.live("france").number == 1
    assert store.version("france", 2).state == State.IN_REVIEW
