"""The tables of the service's shared stock in PostgreSQL (SQLAlchemy Core), and
opening them: the URL (`--store`, else $SOURCING_SERVICE_STORE), the migrations
that run on every start, and the fingerprint that keeps processes started from
other files off a database (docs/service.md, "Replicas").

- `replica_head`: one row, the lock every write takes (`SELECT … FOR UPDATE`), the
  last sequence number, the latest instant a write was applied at, the fingerprint;
- `replica_log`: every write applied, in the order it committed: its instant, the
  request (method, path, body) and the ids it made (holds) — what replicas replay;
- `replica_stock`, `replica_allocations`, `replica_holds`: the state the log leads
  to, kept for reading (positions, allocations as they were made, open holds).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    create_engine,
    inspect,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from rulesets.store.database import shown

STORE_VARIABLE = "SOURCING_SERVICE_STORE"
VERSION_TABLE = "service_alembic_version"
SCHEMA_REVISION = "0001"
_MIGRATION_LOCK = 7_023_114_552  # any constant: the lock starting processes migrate under

metadata = MetaData()
ID = String(256)
head = Table(
    "replica_head",
    metadata,
    Column("id", SmallInteger, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("clock", DateTime(timezone=True)),
    Column("fingerprint", String(64), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
)
log = Table(
    "replica_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("method", String(8), nullable=False),
    Column("path", Text, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("ids", Text, nullable=False),
    Column("process", String(200), nullable=False),
    Column("committed_at", DateTime(timezone=True), nullable=False),
)
stock = Table(
    "replica_stock",
    metadata,
    Column("node_id", ID, primary_key=True),
    Column("sku", ID, primary_key=True),
    Column("on_hand", BigInteger, nullable=False),
    Column("allocated", BigInteger, nullable=False),
    Column("held", BigInteger, nullable=False),
    Column("seq", BigInteger, nullable=False),
)
allocations = Table(
    "replica_allocations",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("order_id", ID, nullable=False),
    Column("node_id", ID, nullable=False),
    Column("sku", ID, nullable=False),
    Column("qty", BigInteger, nullable=False),
    Column("routed_at", DateTime(timezone=True), nullable=False),
    Column("seq", BigInteger, nullable=False),
)
holds = Table(
    "replica_holds",
    metadata,
    Column("hold_id", String(32), primary_key=True),
    Column("order_id", ID, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("lines", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
)


class StoreProblem(ValueError):
    """The shared stock cannot be used: which database, why, what to do."""


def store_url(given: str | None) -> str | None:
    """The URL given, else $SOURCING_SERVICE_STORE; None for the in-memory stock."""
    return given or os.environ.get(STORE_VARIABLE) or None


def open_engine(url: str) -> Engine:
    """An engine on the PostgreSQL database `url` (`postgresql://` is read as
    psycopg 3); READ COMMITTED, the level every write's row lock relies on."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise StoreProblem(f"not a database URL: {shown(url)}") from error
    if parsed.get_backend_name() != "postgresql":
        raise StoreProblem(
            f"the shared stock needs PostgreSQL (postgresql://user:password@host/db); "
            f"got {shown(url)}"
        )
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, isolation_level="READ COMMITTED", pool_size=2)


def migrate(engine: Engine) -> None:
    """Bring the tables to the newest revision in one transaction; processes starting
    together wait their turn (an advisory lock)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "service:shared_migrations")
    try:
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            tables = inspect(connection)
            if tables.has_table(VERSION_TABLE):
                found = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
                if found.scalar() == SCHEMA_REVISION:
                    return
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as error:
        raise StoreProblem(f"cannot open the shared stock at {shown(str(engine.url))}: "
                           f"{getattr(error, 'orig', None) or error}") from error  # fmt: skip


def fingerprint(files: Iterable[str | Path | None], settings: Iterable[object]) -> str:
    """sha256 of what decides the state besides the log: the start files' bytes (nodes,
    inventory, ruleset or artifact, carriers, closures) and the settings a replay
    depends on. Every process on one database must show the same."""
    digest = hashlib.sha256()
    for path in files:
        data = b"-" if path is None else Path(path).read_bytes()
        digest.update(len(data).to_bytes(8, "big") + data)
    for value in settings:
        digest.update(repr(value).encode() + b"\0")
    return digest.hexdigest()


def utc(instant: dt.datetime | None) -> dt.datetime | None:
    return None if instant is None else instant.astimezone(dt.UTC)
