"""Opening the store's database: the URL (from the environment, never from the
repository), SQLite settings (WAL, foreign keys, a busy timeout, writes that take
the lock up front) and the migrations that run on every start."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from rulesets.store.errors import StoreUnavailable

URL_VARIABLE = "SOURCING_DB_URL"
DEFAULT_URL = "sqlite:///sourcing.db"
SQLITE_BUSY_TIMEOUT_MS = 15_000
WRITE_OPTION = "sourcing_store_write"
"""Execution option marking a connection that is about to write (see `_sqlite_begin`)."""
SCHEMA_REVISION = "0004"
"""The newest migration. A database already there skips alembic (and its import) on start."""
# Any constant will do: it names the lock PostgreSQL sessions take while migrating.
_MIGRATION_LOCK = 7_023_114_551


def database_url(url: str | None = None) -> str:
    """The URL given, else $SOURCING_DB_URL, else a SQLite file in the working directory."""
    return url or os.environ.get(URL_VARIABLE) or DEFAULT_URL


def shown(url: str) -> str:
    """The URL with its password masked, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unreadable database URL>"


def create_store_engine(url: str) -> Engine:
    """An engine for the store. SQLite gets WAL, foreign keys and `BEGIN IMMEDIATE`."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise StoreUnavailable(
            f"not a database URL: {shown(url)} (expected e.g. sqlite:///sourcing.db or "
            "postgresql+psycopg://user:password@host/db)"
        ) from error
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not the driver, say when a transaction begins (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    _write_ahead_log(cursor)
    cursor.close()


def _write_ahead_log(cursor) -> None:
    """Put the database file in WAL mode (it stays so). Switching needs the file to
    itself, and SQLite answers "database is locked" at once, without waiting out the
    busy timeout, when another connection opens a new store at the same moment: try
    again until the busy timeout has passed."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_begin(connection) -> None:
    # A write takes the lock at the start: two writers queue up (busy timeout) instead of
    # one failing with "database is locked" when it upgrades its read lock. Reads begin
    # plainly and, in WAL mode, never wait for a writer.
    write = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def alembic_config():
    """Alembic configuration pointing at the migrations shipped in this package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "rulesets.store:migrations")
    return config


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None for an empty database)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` in one transaction; concurrent starts wait their turn.
    A database at a revision these migrations do not know (written by a newer release)
    is refused and left as it is."""
    try:
        found = current_revision(engine)
    except SQLAlchemyError as error:
        raise StoreUnavailable(
            f"cannot open the ruleset store at {shown(str(engine.url))}: {_reason(error)}"
        ) from error
    if revision == "head" and found == SCHEMA_REVISION:
        return
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    config = alembic_config()
    if found is not None and found not in _known_revisions(ScriptDirectory.from_config(config)):
        raise StoreUnavailable(
            f"the ruleset store at {shown(str(engine.url))} was written by a newer Sourcing "
            f"Studio (schema revision {found!r}; this release knows revisions up to "
            f"{SCHEMA_REVISION!r}): upgrade sourcing-studio to open it; nothing was changed"
        )
    try:
        with engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with _foreign_keys_checked_at_the_end(connection), connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                    )
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                _check_foreign_keys(connection)
    except SQLAlchemyError as error:
        raise StoreUnavailable(
            f"cannot open the ruleset store at {shown(str(engine.url))}: {_reason(error)}"
        ) from error
    except CommandError as error:
        raise StoreUnavailable(
            f"cannot migrate the ruleset store at {shown(str(engine.url))}: {error}"
        ) from error


@contextmanager
def _foreign_keys_checked_at_the_end(connection: Connection) -> Iterator[None]:
    """SQLite changes a table by building a new one and dropping the old, which the
    rows pointing at it would refuse: while migrating, foreign keys are off (they can
    only be switched outside a transaction, on the driver's connection) and
    `_check_foreign_keys` checks them all before the commit, as SQLite's documentation
    prescribes for schema changes."""
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.dbapi_connection
    driver.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        driver.execute("PRAGMA foreign_keys = ON")


def _check_foreign_keys(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        table, row, parent, _ = broken[0]
        raise StoreUnavailable(
            f"migrating left {len(broken)} row(s) pointing nowhere (first: {table} row {row} "
            f"→ {parent}); nothing was changed"
        )


def _known_revisions(scripts) -> set[str]:
    return {script.revision for script in scripts.walk_revisions()}


def _reason(error: SQLAlchemyError) -> str:
    return str(getattr(error, "orig", None) or error).strip()
