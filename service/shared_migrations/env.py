"""Alembic environment of the shared stock: migrate the connection handed over by
`service.shared_schema.migrate` (its own version table, beside the ruleset store's)."""

from __future__ import annotations

from alembic import context

from service.shared_schema import VERSION_TABLE, metadata

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
