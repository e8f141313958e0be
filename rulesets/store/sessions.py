"""Transactions on the store's database, shared by the rulesets and the accounts: a
read, or a write that is all or nothing (SQLite takes its lock up front, see
`database._sqlite_begin`). Database errors become `StoreUnavailable`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from rulesets.store.database import WRITE_OPTION
from rulesets.store.errors import StoreUnavailable


class Transactions:
    """Sessions on one engine; records they return outlive them."""

    def __init__(self, engine: Engine):
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        try:
            with self._sessions() as session:
                yield session
        except SQLAlchemyError as error:
            raise StoreUnavailable(f"the ruleset store could not be read: {error}") from error

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: everything in it is written, or nothing is."""
        try:
            with self._sessions.begin() as session:
                session.connection(execution_options={WRITE_OPTION: True})
                yield session
        except SQLAlchemyError as error:
            raise StoreUnavailable(
                f"the database refused the change, nothing was written: {error}"
            ) from error
