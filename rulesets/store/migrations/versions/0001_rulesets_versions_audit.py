"""Rulesets, their numbered versions and the audit trail.

Revision ID: 0001
Revises:
Create Date: 2026-05-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rulesets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("name", name="uq_rulesets_name"),
    )
    op.create_table(
        "ruleset_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ruleset_id", sa.Integer, sa.ForeignKey("rulesets.id"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("ruleset_versions.id"), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.UniqueConstraint("ruleset_id", "number", name="uq_ruleset_versions_number"),
        sa.CheckConstraint(
            "state IN ('draft', 'in_review', 'published', 'retired')",
            name="ck_ruleset_versions_state",
        ),
    )
    op.create_index("ix_ruleset_versions_ruleset_id", "ruleset_versions", ["ruleset_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ruleset_id", sa.Integer, sa.ForeignKey("rulesets.id"), nullable=False),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("ruleset_versions.id"), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("from_state", sa.String(20), nullable=True),
        sa.Column("to_state", sa.String(20), nullable=True),
        sa.Column("from_version", sa.Integer, nullable=True),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("diff", sa.Text, nullable=True),
    )
    op.create_index("ix_audit_events_ruleset_id", "audit_events", ["ruleset_id"])


def downgrade() -> None:
    op.drop_table("audit_events")
    op.drop_table("ruleset_versions")
    op.drop_table("rulesets")
