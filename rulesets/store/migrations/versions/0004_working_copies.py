"""Working copies: the text a person is editing, kept server-side as they type, one
per person and ruleset, so that a reload or another browser finds it again.

- `working_copies`: the owner (login name and its identity key), the ruleset's name
  (`""` for a ruleset not saved yet), the version it is based on, the text as typed,
  when it was written and a revision counter for optimistic writes.

Existing rows are untouched.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "working_copies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("owner_key", sa.String(600), nullable=False),
        sa.Column("ruleset", sa.String(100), nullable=False),
        sa.Column("based_on", sa.Integer, nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.UniqueConstraint("owner_key", "ruleset", name="uq_working_copies_owner_ruleset"),
    )


def downgrade() -> None:
    op.drop_table("working_copies")
