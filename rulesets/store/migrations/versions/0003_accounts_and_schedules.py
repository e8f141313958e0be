"""User accounts (with their own audit trail) and scheduled publication.

- `users`: login name (normalised) and its identity key (unique, so look-alike
  names are one account), display name, role, argon2 password hash, when and by
  whom it was created, when it was disabled.
- `account_events`: who added, changed or disabled which account, when.
- `ruleset_versions.state` may be `scheduled`: approved, live from the instant in
  `published_at`; a partial index finds the ones due.

Existing rows are kept as they are: a store without accounts works as before.

Revision ID: 0003
Revises: 0002
Create Date: 2026-05-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_STATES = "state IN ('draft', 'in_review', 'published', 'retired')"
_STATES_WITH_SCHEDULED = "state IN ('draft', 'in_review', 'scheduled', 'published', 'retired')"
_LIVE = sa.text("state = 'published'")
_SCHEDULED = sa.text("state = 'scheduled'")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(600), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(512), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("name_key", name="uq_users_name_key"),
        sa.CheckConstraint(
            "role IN ('viewer', 'editor', 'approver', 'admin')", name="ck_users_role"
        ),
    )
    op.create_table(
        "account_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("detail", sa.Text, nullable=True),
    )
    op.create_index("ix_account_events_user_id", "account_events", ["user_id"])
    _replace_state_check(_STATES_WITH_SCHEDULED)
    op.create_index(
        "ix_ruleset_versions_scheduled",
        "ruleset_versions",
        ["published_at"],
        sqlite_where=_SCHEDULED,
        postgresql_where=_SCHEDULED,
    )


def downgrade() -> None:
    op.drop_index("ix_ruleset_versions_scheduled", table_name="ruleset_versions")
    # Scheduled versions go back to review: the older schema has no such state.
    op.execute(
        sa.text(
            "UPDATE ruleset_versions SET state = 'in_review', reviewed_by = NULL, "
            "published_at = NULL WHERE state = 'scheduled'"
        )
    )
    _replace_state_check(_STATES)
    op.drop_index("ix_account_events_user_id", table_name="account_events")
    op.drop_table("account_events")
    op.drop_table("users")


def _replace_state_check(new: str) -> None:
    """Swap the check on `ruleset_versions.state`. SQLite rebuilds the table for it: the
    partial unique index on live versions is dropped first and built again after
    (`database.migrate` checks the foreign keys pointing at it once the new table is in
    place: same rows, same ids)."""
    op.drop_index("uq_ruleset_versions_live", table_name="ruleset_versions")
    with op.batch_alter_table("ruleset_versions") as table:
        table.drop_constraint("ck_ruleset_versions_state", type_="check")
        table.create_check_constraint("ck_ruleset_versions_state", sa.text(new))
    op.create_index(
        "uq_ruleset_versions_live",
        "ruleset_versions",
        ["ruleset_id"],
        unique=True,
        sqlite_where=_LIVE,
        postgresql_where=_LIVE,
    )
