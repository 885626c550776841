"""eff: boost_effectiveness_results (each boost's effectiveness analysis, stored for dashboard reads) and an
index on boost_attribution_events (post_id, event_type) for a post's conversions

Revision ID: 0005_eff
Revises: 0004_retention
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import boostloop.server.db.types

revision = "0005_eff"
down_revision = "0004_retention"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_TS = boostloop.server.db.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "boost_effectiveness_results",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("boost_campaign_id", sa.Uuid(), nullable=False),
        sa.Column("as_of", _TS, nullable=False),
        sa.Column("computed_at", _TS, nullable=False),
        sa.Column("window_end", _TS, nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("boost_updated_at", _TS, nullable=True),
        sa.Column("inputs_mark", sa.String(length=200), nullable=True),
        sa.Column("spend_cents", sa.BigInteger(), nullable=False),
        sa.Column("value_cents", sa.BigInteger(), nullable=False),
        sa.Column("conversions", sa.Float(), nullable=False),
        sa.Column("incremental_conversions", sa.Float(), nullable=True),
        sa.Column("incremental_conversions_lower", sa.Float(), nullable=True),
        sa.Column("incremental_conversions_upper", sa.Float(), nullable=True),
        sa.Column("incremental_value_cents", sa.Float(), nullable=True),
        sa.Column("benchmark_cpa_cents", sa.Float(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("score_lower", sa.Float(), nullable=False),
        sa.Column("score_upper", sa.Float(), nullable=False),
        sa.Column("confidence", sa.String(length=8), nullable=False),
        sa.Column("result", _JSON, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["boost_campaign_id"], ["boost_campaigns.id"],
            name=op.f("fk_boost_effectiveness_results_boost_campaign_id"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_boost_effectiveness_results_workspace_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_boost_effectiveness_results")),
        sa.UniqueConstraint("boost_campaign_id", name=op.f("uq_boost_effectiveness_results_boost_campaign_id")),
    )
    op.create_index(
        op.f("ix_boost_effectiveness_results_workspace_id"), "boost_effectiveness_results", ["workspace_id"],
        unique=False,
    )
    op.create_index("ix_boost_attribution_events_post_type", "boost_attribution_events", ["post_id", "event_type"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_boost_attribution_events_post_type", table_name="boost_attribution_events")
    op.drop_index(op.f("ix_boost_effectiveness_results_workspace_id"), table_name="boost_effectiveness_results")
    op.drop_table("boost_effectiveness_results")
