"""The publication record: who reviewed a version, when it went live, with which
simulation run; and at most one live version per ruleset, kept by the database.

Existing published and retired versions get their reviewer and publication time
from the audit trail. A store that somehow holds several published versions of
one ruleset keeps the newest live and retires the others, so that the unique
index can be built.

Revision ID: 0002
Revises: 0001
Create Date: 2026-05-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Fixed statements: no value in them comes from outside this file.
_BACKFILL = """
UPDATE ruleset_versions SET
  published_at = (
    SELECT max(a.at) FROM audit_events a
    WHERE a.version_id = ruleset_versions.id AND a.action = 'published'),
  reviewed_by = (
    SELECT a.actor FROM audit_events a
    WHERE a.version_id = ruleset_versions.id AND a.action = 'published'
    ORDER BY a.at DESC, a.id DESC LIMIT 1)
WHERE state IN ('published', 'retired')
"""
_ONE_LIVE = """
UPDATE ruleset_versions SET state = 'retired'
WHERE state = 'published' AND number < (
  SELECT max(v.number) FROM ruleset_versions v
  WHERE v.ruleset_id = ruleset_versions.ruleset_id AND v.state = 'published')
"""


def upgrade() -> None:
    with op.batch_alter_table("ruleset_versions") as table:
        table.add_column(sa.Column("reviewed_by", sa.String(200), nullable=True))
        table.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("simulation_run_id", sa.String(200), nullable=True))
    op.execute(sa.text(_BACKFILL))
    op.execute(sa.text(_ONE_LIVE))
    op.create_index(
        "uq_ruleset_versions_live",
        "ruleset_versions",
        ["ruleset_id"],
        unique=True,
        sqlite_where=sa.text("state = 'published'"),
        postgresql_where=sa.text("state = 'published'"),
    )


def downgrade() -> None:
    op.drop_index("uq_ruleset_versions_live", table_name="ruleset_versions")
    with op.batch_alter_table("ruleset_versions") as table:
        table.drop_column("simulation_run_id")
        table.drop_column("published_at")
        table.drop_column("reviewed_by")
