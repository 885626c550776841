"""input_version: effectiveness_input_versions, one row per workspace counting the writes of the stored
effectiveness results' inputs and how many of them the last check of every boost's inputs had seen
(``boostloop.server.effectiveness.input_version``). Empty after the migration: the next read or snapshots
job checks every boost's inputs, as before, and writes the workspace's row.

Revision ID: 0009_input_version
Revises: 0008_reads_miss
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_input_version"
down_revision = "0008_reads_miss"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "effectiveness_input_versions",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("written", sa.BigInteger(), nullable=False),
        sa.Column("checked", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_effectiveness_input_versions_workspace_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_effectiveness_input_versions")),
    )


def downgrade() -> None:
    op.drop_table("effectiveness_input_versions")
