"""retention: daily event aggregates, attribution path aggregates, per-workspace roll-up watermark

Revision ID: 0004_retention
Revises: 0003_ingest
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import boostloop.server.db.types

revision = "0004_retention"
down_revision = "0003_ingest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('event_daily_aggregates',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('boost_campaign_id', sa.Uuid(), nullable=True),
    sa.Column('post_id', sa.Uuid(), nullable=True),
    sa.Column('platform', sa.Enum('FACEBOOK', 'INSTAGRAM', 'LINKEDIN', 'TIKTOK', 'X', 'YOUTUBE', 'PINTEREST', 'GOOGLE', 'OTHER', name='platform', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('touchpoint_type', sa.Enum('ORGANIC', 'PAID', 'UNKNOWN', name='touchpoint_type', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('event_type', sa.Enum('VIEW', 'CLICK', 'ENGAGEMENT', 'CONVERSION', 'SHARE', name='attribution_event_type', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('source', sa.String(length=128), nullable=True),
    sa.Column('events', sa.BigInteger(), nullable=False),
    sa.Column('people', sa.BigInteger(), nullable=False),
    sa.Column('value_cents', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['boost_campaign_id'], ['boost_campaigns.id'], name=op.f('fk_event_daily_aggregates_boost_campaign_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['social_posts.id'], name=op.f('fk_event_daily_aggregates_post_id'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_event_daily_aggregates_workspace_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_daily_aggregates'))
    )
    with op.batch_alter_table('event_daily_aggregates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_daily_aggregates_boost_campaign_id'), ['boost_campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_daily_aggregates_post_id'), ['post_id'], unique=False)
        batch_op.create_index('ix_event_daily_aggregates_workspace_day', ['workspace_id', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_daily_aggregates_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('attribution_path_aggregates',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('conversions', sa.BigInteger(), nullable=False),
    sa.Column('value_cents', sa.BigInteger(), nullable=False),
    sa.Column('nulls', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_attribution_path_aggregates_workspace_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attribution_path_aggregates'))
    )
    with op.batch_alter_table('attribution_path_aggregates', schema=None) as batch_op:
        batch_op.create_index('ix_attribution_path_aggregates_workspace_day', ['workspace_id', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_attribution_path_aggregates_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('retention_states',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('rolled_until', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('events_deleted_until', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_retention_states_workspace_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', name=op.f('pk_retention_states'))
    )


def downgrade() -> None:
    op.drop_table('retention_states')
    with op.batch_alter_table('attribution_path_aggregates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attribution_path_aggregates_workspace_id'))
        batch_op.drop_index('ix_attribution_path_aggregates_workspace_day')
    op.drop_table('attribution_path_aggregates')
    with op.batch_alter_table('event_daily_aggregates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_daily_aggregates_workspace_id'))
        batch_op.drop_index('ix_event_daily_aggregates_workspace_day')
        batch_op.drop_index(batch_op.f('ix_event_daily_aggregates_post_id'))
        batch_op.drop_index(batch_op.f('ix_event_daily_aggregates_boost_campaign_id'))
    op.drop_table('event_daily_aggregates')
