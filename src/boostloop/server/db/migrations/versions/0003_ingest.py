"""ingest: social_posts.text_excerpt (backfill matches past campaigns to posts by their text)

Revision ID: 0003_ingest
Revises: 0002_api
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_ingest"
down_revision = "0002_api"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("social_posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_excerpt", sa.String(length=280), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("social_posts", schema=None) as batch_op:
        batch_op.drop_column("text_excerpt")
