"""The schema is owned by migrations that run on start: a database created at the
first revision, holding data, upgrades to head without losing any of it; the ORM
models describe exactly what the migrations build; versions are immutable."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.orm import Session

from rulesets.store import RulesetStore, State, canonical_text, content_hash
from rulesets.store.database import (
    SCHEMA_REVISION,
    alembic_config,
    create_store_engine,
    current_revision,
    migrate,
)
from rulesets.store.models import Base, UtcDateTime, VersionRow

FRANCE = canonical_text((Path(__file__).parent.parent / "rulesets" / "france.route").read_text())
V2 = canonical_text(FRANCE.replace("within 400 km", "within 300 km"))
V3 = canonical_text(FRANCE.replace("split none", "split at most 2", 1))
T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)

rulesets = sa.table(
    "rulesets",
    sa.column("id"),
    sa.column("name"),
    sa.column("created_at", UtcDateTime()),
    sa.column("created_by"),
)
versions = sa.table(
    "ruleset_versions",
    *(sa.column(c) for c in ["id", "ruleset_id", "number", "text", "content_hash", "author"]),
    sa.column("created_at", UtcDateTime()),
    *(sa.column(c) for c in ["comment", "parent_id", "state"]),
)
events = sa.table(
    "audit_events",
    *(sa.column(c) for c in ["id", "ruleset_id", "version_id", "actor", "action"]),
    sa.column("at", UtcDateTime()),
    *(sa.column(c) for c in ["from_state", "to_state", "from_version", "comment", "diff"]),
)


def at(hours: int) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def seed_first_revision(connection) -> None:
    """Data as a store at revision 0001 held it — including two published versions of one
    ruleset, which that revision did not prevent. Ids come from the database."""
    ruleset_id = connection.execute(
        rulesets.insert().returning(rulesets.c.id),
        {"name": "france", "created_at": at(0), "created_by": "ann"},
    ).scalar_one()
    ids: dict[int, int] = {}
    rows = [(1, FRANCE, "ann", None, "published"), (2, V2, "ben", 1, "published"),
            (3, V3, "ann", 2, "draft")]  # fmt: skip
    for n, body, who, parent, state in rows:
        ids[n] = connection.execute(
            versions.insert().returning(versions.c.id),
            {"ruleset_id": ruleset_id, "number": n, "text": body,
             "content_hash": content_hash(body), "author": who, "created_at": at(n),
             "comment": f"v{n}", "parent_id": ids.get(parent), "state": state},
        ).scalar_one()  # fmt: skip
    audit = [
        (1, "ann", "saved", None, "draft", 0),
        (1, "ann", "submitted", "draft", "in_review", 1),
        (1, "cat", "published", "in_review", "published", 2),
        (2, "ben", "saved", None, "draft", 3),
        (2, "ben", "submitted", "draft", "in_review", 4),
        (2, "dan", "published", "in_review", "published", 5),
        (3, "ann", "saved", None, "draft", 6),
    ]
    for number, who, what, old, new, hours in audit:
        connection.execute(
            events.insert(),
            {"ruleset_id": ruleset_id, "version_id": ids[number], "actor": who, "action": what,
             "at": at(10 + hours), "from_state": old, "to_state": new, "from_version": None,
             "comment": None, "diff": None},
        )  # fmt: skip


def test_a_database_at_the_first_revision_upgrades_without_losing_data(store_url):
    engine = create_store_engine(store_url)
    migrate(engine, "0001")
    assert current_revision(engine) == "0001"
    with engine.begin() as connection:
        seed_first_revision(connection)
        old_versions = connection.execute(sa.select(versions).order_by(versions.c.id)).all()
        old_events = connection.execute(sa.select(events).order_by(events.c.id)).all()

    migrate(engine)
    assert current_revision(engine) == SCHEMA_REVISION

    with engine.connect() as connection:
        kept = connection.execute(sa.select(versions).order_by(versions.c.id)).all()
        assert connection.execute(sa.select(events).order_by(events.c.id)).all() == old_events
        assert [r[1:] for r in connection.execute(sa.select(rulesets))] == [
            ("france", at(0), "ann")
        ]
    # Every row and value survived, except that only the newest published version
    # stays live (the new unique index requires it).
    assert [row[:-1] for row in kept] == [row[:-1] for row in old_versions]
    assert [row.state for row in kept] == ["retired", "published", "draft"]

    store = RulesetStore(engine)
    history = store.history("france")
    assert [(v.number, v.state, v.author, v.parent) for v in history] == [
        (1, State.RETIRED, "ann", None),
        (2, State.PUBLISHED, "ben", 1),
        (3, State.DRAFT, "ann", 2),
    ]
    assert [v.text for v in history] == [FRANCE, V2, V3]
    # Backfilled from the audit trail: who reviewed and when each went live.
    assert [(v.reviewed_by, v.published_at) for v in history] == [
        ("cat", at(12)),
        ("dan", at(15)),
        (None, None),
    ]
    assert store.live("france").number == 2
    # And the upgraded store keeps working.
    assert store.save("france", FRANCE, author="eve", based_on=3).number == 4
    engine.dispose()


def test_opening_an_empty_database_migrates_it_and_reopening_is_a_no_op(store_url):
    with RulesetStore.open(store_url) as store:
        assert current_revision(store.engine) == SCHEMA_REVISION
        store.save("france", FRANCE, author="ann")
    with RulesetStore.open(store_url) as again:
        assert [v.number for v in again.history("france")] == [1]


def test_the_models_describe_exactly_what_the_migrations_build(store_url):
    engine = create_store_engine(store_url)
    migrate(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    engine.dispose()


def test_schema_revision_is_the_newest_migration():
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == SCHEMA_REVISION


def test_versions_cannot_be_edited_or_deleted_even_through_the_orm(store_url):
    with RulesetStore.open(store_url) as store:
        store.save("france", FRANCE, author="ann")
        store.submit("france", 1, by="ann")
        store.publish("france", 1, reviewer="ben")
        with Session(store.engine) as session:
            row = session.scalars(sa.select(VersionRow)).one()
            row.text = V2
            with pytest.raises(ValueError, match="immutable"):
                session.flush()
            session.rollback()
            row = session.scalars(sa.select(VersionRow)).one()
            row.state = State.DRAFT.value
            with pytest.raises(ValueError, match="can only be retired"):
                session.flush()
            session.rollback()
            session.delete(session.scalars(sa.select(VersionRow)).one())
            with pytest.raises(ValueError, match="never deleted"):
                session.flush()
        assert store.version("france", 1).text == FRANCE


def test_a_store_at_the_previous_revision_upgrades_keeping_its_data_and_working_unchanged(
    store_url,
):
    """0002 → 0003 (accounts and schedules): every row kept; still a store without
    accounts, where plain names act; the state check now takes `scheduled` only."""
    engine = create_store_engine(store_url)
    migrate(engine, "0001")
    with engine.begin() as connection:
        seed_first_revision(connection)
    migrate(engine, "0002")
    with engine.connect() as connection:
        before = {
            table.name: connection.execute(sa.select(table).order_by(table.c.id)).all()
            for table in (rulesets, versions, events)
        }
    migrate(engine, "0003")
    assert current_revision(engine) == "0003"
    with engine.connect() as connection:
        after = {
            table.name: connection.execute(sa.select(table).order_by(table.c.id)).all()
            for table in (rulesets, versions, events)
        }
        inspector = sa.inspect(connection)
        indexes = {index["name"] for index in inspector.get_indexes("ruleset_versions")}
    assert after == before
    assert {"uq_ruleset_versions_live", "ix_ruleset_versions_scheduled"} <= indexes

    store = RulesetStore(engine)
    assert store.accounts.exist() is False
    assert store.live("france").number == 2
    store.submit("france", 3, by="ann")
    store.publish("france", 3, reviewer="cat", at=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    assert store.version("france", 3).state == State.SCHEDULED
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(sa.update(versions).values(state="bogus"))
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO users (name, name_key, display_name, role, created_at, created_by) "
            "VALUES ('x', 'x', 'x', 'owner', '2026-01-01', 'x')"))  # fmt: skip
    # The live version is still unique, after SQLite rebuilt the table.
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(sa.update(versions).values(state="published"))
    engine.dispose()


def test_a_store_at_revision_0003_gains_working_copies_keeping_its_data(store_url):
    """0003 → 0004 (working copies): every row kept, the new table empty and usable."""
    engine = create_store_engine(store_url)
    migrate(engine, "0001")
    with engine.begin() as connection:
        seed_first_revision(connection)
    migrate(engine, "0003")
    with engine.connect() as connection:
        before = {
            table.name: connection.execute(sa.select(table).order_by(table.c.id)).all()
            for table in (rulesets, versions, events)
        }
    migrate(engine)
    assert current_revision(engine) == SCHEMA_REVISION == "0004"
    with engine.connect() as connection:
        after = {
            table.name: connection.execute(sa.select(table).order_by(table.c.id)).all()
            for table in (rulesets, versions, events)
        }
    assert after == before
    store = RulesetStore(engine)
    assert store.working_copies.latest("ann") is None
    store.working_copies.save("ann", "france", V2, based_on=2, replaces=None)
    assert store.working_copies.get("ann", "france").text == V2
    engine.dispose()
