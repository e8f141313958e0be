"""The shared stock of service replicas: the log of writes every process replays,
its head (the lock every write takes), and the state it leads to, kept for reading:
stock positions, allocations as they were made, open holds.

Revision ID: 0001
Revises:
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(256)


def upgrade() -> None:
    op.create_table(
        "replica_head",
        sa.Column("id", sa.SmallInteger, primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("clock", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_replica_head_one_row"),
    )
    op.create_table(
        "replica_log",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("ids", sa.Text, nullable=False),
        sa.Column("process", sa.String(200), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "replica_stock",
        sa.Column("node_id", ID, primary_key=True),
        sa.Column("sku", ID, primary_key=True),
        sa.Column("on_hand", sa.BigInteger, nullable=False),
        sa.Column("allocated", sa.BigInteger, nullable=False),
        sa.Column("held", sa.BigInteger, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "replica_allocations",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("node_id", ID, nullable=False),
        sa.Column("sku", ID, nullable=False),
        sa.Column("qty", sa.BigInteger, nullable=False),
        sa.Column("routed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_replica_allocations_order", "replica_allocations", ["order_id"])
    op.create_table(
        "replica_holds",
        sa.Column("hold_id", sa.String(32), primary_key=True),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lines", sa.Text, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in ("replica_holds", "replica_allocations", "replica_stock", "replica_log"):
        op.drop_table(table)
    op.drop_table("replica_head")
