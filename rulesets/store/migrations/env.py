"""Alembic environment: migrate the connection handed over by
`rulesets.store.database.migrate`, or the URL in the configuration (the
`alembic` command line, for maintainers)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from rulesets.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as own:
        _run(own)
