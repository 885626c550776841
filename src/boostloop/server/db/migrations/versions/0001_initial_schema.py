"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import boostloop.server.db.types

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_leases',
    sa.Column('lease_key', sa.String(length=128), nullable=False),
    sa.Column('holder', sa.String(length=128), nullable=False),
    sa.Column('acquired_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('lease_key', name=op.f('pk_job_leases'))
    )
    op.create_table('users',
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('updated_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('workspaces',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('attribution_model', sa.String(length=32), nullable=False),
    sa.Column('attribution_channel', sa.String(length=32), nullable=False),
    sa.Column('click_window_days', sa.Integer(), nullable=False),
    sa.Column('view_window_days', sa.Integer(), nullable=False),
    sa.Column('time_decay_half_life_days', sa.Float(), nullable=False),
    sa.Column('retention_days', sa.Integer(), nullable=False),
    sa.Column('target_marginal_roas', sa.Float(), nullable=False),
    sa.Column('benchmarks', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('hash_key', sa.LargeBinary(length=32), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('updated_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workspaces')),
    sa.UniqueConstraint('slug', name=op.f('uq_workspaces_slug'))
    )
    op.create_table('ad_campaigns',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('platform', sa.Enum('FACEBOOK', 'INSTAGRAM', 'LINKEDIN', 'TIKTOK', 'X', 'YOUTUBE', 'PINTEREST', 'GOOGLE', 'OTHER', name='platform', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('platform_campaign_id', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('objective', sa.Enum('AWARENESS', 'REACH', 'TRAFFIC', 'ENGAGEMENT', 'VIDEO_VIEWS', 'LEADS', 'CONVERSIONS', 'SALES', name='campaign_objective', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('ACTIVE', 'PAUSED', 'COMPLETED', 'ARCHIVED', name='campaign_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('promoted_platform_post_id', sa.String(length=128), nullable=True),
    sa.Column('started_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('extra', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('updated_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_ad_campaigns_workspace_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ad_campaigns')),
    sa.UniqueConstraint('workspace_id', 'platform', 'platform_campaign_id', name=op.f('uq_ad_campaigns_workspace_id_platform_platform_campaign_id'))
    )
    with op.batch_alter_table('ad_campaigns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ad_campaigns_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('api_tokens',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('workspace_id', sa.Uuid(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('last_used_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_api_tokens_workspace_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_api_tokens_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('boost_experiments',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('hypothesis', sa.Text(), nullable=False),
    sa.Column('dimension', sa.Enum('TIMING', 'BUDGET', 'TARGETING', 'PLATFORM', 'CREATIVE', name='experiment_dimension', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('primary_metric', sa.String(length=64), nullable=False),
    sa.Column('guardrail_metrics', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.Enum('DRAFT', 'RUNNING', 'STOPPED', 'COMPLETED', name='experiment_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('assignment_seed', sa.BigInteger(), nullable=False),
    sa.Column('alpha', sa.Float(), nullable=False),
    sa.Column('min_sample_per_variant', sa.Integer(), nullable=False),
    sa.Column('started_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('winner_variant_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('updated_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_boost_experiments_workspace_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_boost_experiments'))
    )
    with op.batch_alter_table('boost_experiments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_boost_experiments_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('boost_insights',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('insight_type', sa.Enum('PATTERN', 'ANOMALY', 'BEST_PRACTICE', 'WARNING', 'OPPORTUNITY', name='insight_type', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('category', sa.Enum('TIMING', 'TARGETING', 'BUDGET', 'CONTENT_TYPE', 'PLATFORM', 'AUDIENCE', name='insight_category', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('severity', sa.Enum('LOW', 'MEDIUM', 'HIGH', 'CRITICAL', name='insight_severity', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('visualization', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('data_points', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('comparison_metrics', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('actionable', sa.Boolean(), nullable=False),
    sa.Column('suggested_actions', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('impact', sa.Float(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('period_start', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('period_end', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('acknowledged', sa.Boolean(), nullable=False),
    sa.Column('acknowledged_by', sa.String(length=64), nullable=True),
    sa.Column('acknowledged_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_boost_insights_workspace_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_boost_insights'))
    )
    with op.batch_alter_table('boost_insights', schema=None) as batch_op:
        batch_op.create_index('ix_boost_insights_created_at', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_boost_insights_fingerprint'), ['fingerprint'], unique=False)
        batch_op.create_index('ix_boost_insights_severity_acknowledged', ['severity', 'acknowledged'], unique=False)
        batch_op.create_index('ix_boost_insights_workspace_acknowledged', ['workspace_id', 'acknowledged'], unique=False)
        batch_op.create_index(batch_op.f('ix_boost_insights_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('job_runs',
    sa.Column('workspace_id', sa.Uuid(), nullable=True),
    sa.Column('job_name', sa.String(length=64), nullable=False),
    sa.Column('trigger', sa.Enum('SCHEDULE', 'MANUAL', 'CLI', name='job_trigger', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('RUNNING', 'SUCCEEDED', 'FAILED', name='job_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('started_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('counts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_job_runs_workspace_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs'))
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index('ix_job_runs_job_started', ['job_name', 'started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_runs_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('memberships',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.Enum('OWNER', 'ADMIN', 'MEMBER', 'VIEWER', name='role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_memberships_user_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_memberships_workspace_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('workspace_id', 'user_id', name=op.f('uq_memberships_workspace_id_user_id'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memberships_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('privacy_opt_outs',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('user_id_hash', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_privacy_opt_outs_workspace_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_opt_outs')),
    sa.UniqueConstraint('workspace_id', 'user_id_hash', name=op.f('uq_privacy_opt_outs_workspace_id_user_id_hash'))
    )
    with op.batch_alter_table('privacy_opt_outs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_opt_outs_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('social_accounts',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('platform', sa.Enum('FACEBOOK', 'INSTAGRAM', 'LINKEDIN', 'TIKTOK', 'X', 'YOUTUBE', 'PINTEREST', 'GOOGLE', 'OTHER', name='platform', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('platform_account_id', sa.String(length=128), nullable=False),
    sa.Column('handle', sa.String(length=200), nullable=False),
    sa.Column('followers', sa.BigInteger(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('updated_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_social_accounts_workspace_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_social_accounts')),
    sa.UniqueConstraint('workspace_id', 'platform', 'platform_account_id', name=op.f('uq_social_accounts_workspace_id_platform_platform_account_id'))
    )
    with op.batch_alter_table('social_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_social_accounts_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('trained_models',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('algorithm', sa.String(length=100), nullable=False),
    sa.Column('training_rows', sa.Integer(), nullable=False),
    sa.Column('validation', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('artifact', sa.LargeBinary(), nullable=True),
    sa.Column('trained_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_trained_models_workspace_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trained_models')),
    sa.UniqueConstraint('workspace_id', 'version', name=op.f('uq_trained_models_workspace_id_version'))
    )
    with op.batch_alter_table('trained_models', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trained_models_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('ad_campaign_metrics',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('campaign_id', sa.Uuid(), nullable=False),
    sa.Column('granularity', sa.Enum('HOUR', 'DAY', name='metric_granularity', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('period_start', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('impressions', sa.BigInteger(), nullable=False),
    sa.Column('reach', sa.BigInteger(), nullable=True),
    sa.Column('clicks', sa.BigInteger(), nullable=False),
    sa.Column('conversions', sa.BigInteger(), nullable=False),
    sa.Column('conversion_value_cents', sa.BigInteger(), nullable=False),
    sa.Column('spend_cents', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('spend_cents >= 0', name=op.f('ck_ad_campaign_metrics_spend_non_negative')),
    sa.ForeignKeyConstraint(['campaign_id'], ['ad_campaigns.id'], name=op.f('fk_ad_campaign_metrics_campaign_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_ad_campaign_metrics_workspace_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ad_campaign_metrics')),
    sa.UniqueConstraint('campaign_id', 'granularity', 'period_start', name=op.f('uq_ad_campaign_metrics_campaign_id_granularity_period_start'))
    )
    with op.batch_alter_table('ad_campaign_metrics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ad_campaign_metrics_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('boost_experiment_variants',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('experiment_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_control', sa.Boolean(), nullable=False),
    sa.Column('strategy', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('allocation', sa.Float(), nullable=False),
    sa.Column('exposures', sa.BigInteger(), nullable=False),
    sa.Column('conversions', sa.BigInteger(), nullable=False),
    sa.Column('metric_sum', sa.Float(), nullable=False),
    sa.Column('metric_sum_sq', sa.Float(), nullable=False),
    sa.Column('spend_cents', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['experiment_id'], ['boost_experiments.id'], name=op.f('fk_boost_experiment_variants_experiment_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_boost_experiment_variants_workspace_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_boost_experiment_variants')),
    sa.UniqueConstraint('experiment_id', 'name', name=op.f('uq_boost_experiment_variants_experiment_id_name'))
    )
    with op.batch_alter_table('boost_experiment_variants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_boost_experiment_variants_experiment_id'), ['experiment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_boost_experiment_variants_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('social_posts',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('platform', sa.Enum('FACEBOOK', 'INSTAGRAM', 'LINKEDIN', 'TIKTOK', 'X', 'YOUTUBE', 'PINTEREST', 'GOOGLE', 'OTHER', name='platform', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('platform_post_id', sa.String(length=128), nullable=False),
    sa.Column('content_type', sa.Enum('TEXT', 'IMAGE', 'VIDEO', 'CAROUSEL', 'LINK', 'STORY', 'REEL', name='content_type', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('text_length', sa.Integer(), nullable=False),
    sa.Column('media_count', sa.Integer(), nullable=False),
    sa.Column('hashtag_count', sa.Integer(), nullable=False),
    sa.Column('published_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('is_ads_eligible', sa.Boolean(), nullable=False),
    sa.Column('permalink', sa.String(length=500), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('updated_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['social_accounts.id'], name=op.f('fk_social_posts_account_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_social_posts_workspace_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_social_posts')),
    sa.UniqueConstraint('account_id', 'platform_post_id', name=op.f('uq_social_posts_account_id_platform_post_id'))
    )
    with op.batch_alter_table('social_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_social_posts_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_social_posts_workspace_id'), ['workspace_id'], unique=False)
        batch_op.create_index('ix_social_posts_workspace_published', ['workspace_id', 'published_at'], unique=False)

    op.create_table('boost_campaigns',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('original_post_id', sa.Uuid(), nullable=True),
    sa.Column('campaign_id', sa.Uuid(), nullable=True),
    sa.Column('platform', sa.Enum('FACEBOOK', 'INSTAGRAM', 'LINKEDIN', 'TIKTOK', 'X', 'YOUTUBE', 'PINTEREST', 'GOOGLE', 'OTHER', name='platform', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('boosted_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('boosted_by', sa.String(length=64), nullable=False),
    sa.Column('boosted_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('boost_reason', sa.Text(), nullable=False),
    sa.Column('boost_strategy', sa.String(length=64), nullable=False),
    sa.Column('source', sa.Enum('MANUAL', 'RECOMMENDATION', 'BACKFILLED', 'SIMULATED', name='boost_source', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('organic_metrics', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('targeting_criteria', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('initial_budget_cents', sa.BigInteger(), nullable=False),
    sa.Column('duration_days', sa.Integer(), nullable=False),
    sa.Column('snapshot_cadence_hours', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('ACTIVE', 'PAUSED', 'COMPLETED', 'CANCELLED', name='boost_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('ended_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('experiment_variant_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('updated_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('duration_days >= 0', name=op.f('ck_boost_campaigns_duration_non_negative')),
    sa.CheckConstraint('initial_budget_cents >= 0', name=op.f('ck_boost_campaigns_budget_non_negative')),
    sa.ForeignKeyConstraint(['boosted_by_user_id'], ['users.id'], name=op.f('fk_boost_campaigns_boosted_by_user_id'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['campaign_id'], ['ad_campaigns.id'], name=op.f('fk_boost_campaigns_campaign_id'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['experiment_variant_id'], ['boost_experiment_variants.id'], name=op.f('fk_boost_campaigns_experiment_variant_id'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['original_post_id'], ['social_posts.id'], name=op.f('fk_boost_campaigns_original_post_id'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_boost_campaigns_workspace_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_boost_campaigns'))
    )
    with op.batch_alter_table('boost_campaigns', schema=None) as batch_op:
        batch_op.create_index('ix_boost_campaigns_boosted_at', ['boosted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_boost_campaigns_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_boost_campaigns_experiment_variant_id'), ['experiment_variant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_boost_campaigns_original_post_id'), ['original_post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_boost_campaigns_workspace_id'), ['workspace_id'], unique=False)
        batch_op.create_index('ix_boost_campaigns_workspace_status', ['workspace_id', 'status'], unique=False)

    op.create_table('organic_post_metrics',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('post_id', sa.Uuid(), nullable=False),
    sa.Column('captured_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('impressions', sa.BigInteger(), nullable=False),
    sa.Column('reach', sa.BigInteger(), nullable=False),
    sa.Column('engagements', sa.BigInteger(), nullable=False),
    sa.Column('likes', sa.BigInteger(), nullable=False),
    sa.Column('comments', sa.BigInteger(), nullable=False),
    sa.Column('shares', sa.BigInteger(), nullable=False),
    sa.Column('clicks', sa.BigInteger(), nullable=False),
    sa.Column('video_views', sa.BigInteger(), nullable=False),
    sa.Column('total_reach', sa.BigInteger(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['social_posts.id'], name=op.f('fk_organic_post_metrics_post_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_organic_post_metrics_workspace_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organic_post_metrics')),
    sa.UniqueConstraint('post_id', 'captured_at', name=op.f('uq_organic_post_metrics_post_id_captured_at'))
    )
    with op.batch_alter_table('organic_post_metrics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organic_post_metrics_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('boost_attribution_events',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('boost_campaign_id', sa.Uuid(), nullable=True),
    sa.Column('post_id', sa.Uuid(), nullable=True),
    sa.Column('client_event_id', sa.String(length=128), nullable=False),
    sa.Column('session_id_hash', sa.String(length=64), nullable=True),
    sa.Column('user_id_hash', sa.String(length=64), nullable=True),
    sa.Column('event_type', sa.Enum('VIEW', 'CLICK', 'ENGAGEMENT', 'CONVERSION', 'SHARE', name='attribution_event_type', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('touchpoint_type', sa.Enum('ORGANIC', 'PAID', 'UNKNOWN', name='touchpoint_type', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('platform', sa.Enum('FACEBOOK', 'INSTAGRAM', 'LINKEDIN', 'TIKTOK', 'X', 'YOUTUBE', 'PINTEREST', 'GOOGLE', 'OTHER', name='platform', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('event_value_cents', sa.BigInteger(), nullable=True),
    sa.Column('event_metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('occurred_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['boost_campaign_id'], ['boost_campaigns.id'], name=op.f('fk_boost_attribution_events_boost_campaign_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['social_posts.id'], name=op.f('fk_boost_attribution_events_post_id'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_boost_attribution_events_workspace_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_boost_attribution_events')),
    sa.UniqueConstraint('workspace_id', 'client_event_id', name=op.f('uq_boost_attribution_events_workspace_id_client_event_id'))
    )
    with op.batch_alter_table('boost_attribution_events', schema=None) as batch_op:
        batch_op.create_index('ix_boost_attribution_events_boost_occurred', ['boost_campaign_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_boost_attribution_events_session', ['session_id_hash'], unique=False)
        batch_op.create_index('ix_boost_attribution_events_user', ['user_id_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_boost_attribution_events_workspace_id'), ['workspace_id'], unique=False)
        batch_op.create_index('ix_boost_attribution_events_workspace_occurred', ['workspace_id', 'occurred_at'], unique=False)

    op.create_table('boost_ml_training_data',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('boost_campaign_id', sa.Uuid(), nullable=False),
    sa.Column('features', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('labels', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('data_quality_score', sa.Float(), nullable=False),
    sa.Column('is_training_ready', sa.Boolean(), nullable=False),
    sa.Column('aggregated_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('updated_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('data_quality_score >= 0 AND data_quality_score <= 1', name=op.f('ck_boost_ml_training_data_quality_unit')),
    sa.ForeignKeyConstraint(['boost_campaign_id'], ['boost_campaigns.id'], name=op.f('fk_boost_ml_training_data_boost_campaign_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_boost_ml_training_data_workspace_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_boost_ml_training_data')),
    sa.UniqueConstraint('boost_campaign_id', name=op.f('uq_boost_ml_training_data_boost_campaign_id'))
    )
    with op.batch_alter_table('boost_ml_training_data', schema=None) as batch_op:
        batch_op.create_index('ix_boost_ml_training_data_aggregated_at', ['aggregated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_boost_ml_training_data_workspace_id'), ['workspace_id'], unique=False)
        batch_op.create_index('ix_boost_ml_training_data_workspace_ready', ['workspace_id', 'is_training_ready'], unique=False)

    op.create_table('boost_performance_snapshots',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('boost_campaign_id', sa.Uuid(), nullable=False),
    sa.Column('snapshot_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('days_since_boosted', sa.Integer(), nullable=False),
    sa.Column('organic_impressions', sa.BigInteger(), nullable=False),
    sa.Column('organic_engagements', sa.BigInteger(), nullable=False),
    sa.Column('organic_reach', sa.BigInteger(), nullable=False),
    sa.Column('paid_impressions', sa.BigInteger(), nullable=False),
    sa.Column('paid_reach', sa.BigInteger(), nullable=True),
    sa.Column('paid_clicks', sa.BigInteger(), nullable=False),
    sa.Column('paid_conversions', sa.BigInteger(), nullable=False),
    sa.Column('paid_conversion_value_cents', sa.BigInteger(), nullable=False),
    sa.Column('paid_spend_cents', sa.BigInteger(), nullable=False),
    sa.Column('paid_ctr', sa.Float(), nullable=False),
    sa.Column('paid_cpa', sa.Float(), nullable=True),
    sa.Column('paid_roas', sa.Float(), nullable=True),
    sa.Column('attributed_organic', sa.Float(), nullable=False),
    sa.Column('attributed_paid', sa.Float(), nullable=False),
    sa.Column('attributed_overlap', sa.Float(), nullable=False),
    sa.Column('attributed_value_cents', sa.BigInteger(), nullable=False),
    sa.Column('incremental_reach', sa.BigInteger(), nullable=False),
    sa.Column('incremental_reach_estimated', sa.Boolean(), nullable=False),
    sa.Column('cost_per_result', sa.Float(), nullable=True),
    sa.Column('total_roi', sa.Float(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['boost_campaign_id'], ['boost_campaigns.id'], name=op.f('fk_boost_performance_snapshots_boost_campaign_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_boost_performance_snapshots_workspace_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_boost_performance_snapshots')),
    sa.UniqueConstraint('boost_campaign_id', 'snapshot_at', name=op.f('uq_boost_performance_snapshots_boost_campaign_id_snapshot_at'))
    )
    with op.batch_alter_table('boost_performance_snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_boost_performance_snapshots_snapshot_at', ['snapshot_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_boost_performance_snapshots_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('boost_recommendations',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('suggested_post_id', sa.Uuid(), nullable=True),
    sa.Column('recommendation_type', sa.Enum('BOOST_HIGH_PERFORMER', 'BOOST_TRENDING', 'OPTIMIZE_TARGETING', 'INCREASE_BUDGET', 'ADJUST_TIMING', 'REPLICATE_SUCCESS', name='recommendation_type', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('suggested_budget_cents', sa.BigInteger(), nullable=False),
    sa.Column('suggested_duration_days', sa.Integer(), nullable=False),
    sa.Column('suggested_timing', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('suggested_targeting', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('projected_reach', sa.BigInteger(), nullable=False),
    sa.Column('projected_conversions', sa.BigInteger(), nullable=False),
    sa.Column('projected_roi', sa.Float(), nullable=False),
    sa.Column('confidence_interval', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('supporting_data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('model_version', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('PENDING', 'APPLIED', 'DISMISSED', 'EXPIRED', name='recommendation_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('applied_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('applied_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('dismissed_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resulting_boost_id', sa.Uuid(), nullable=True),
    sa.Column('realised_outcome', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('expires_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('confidence >= 0 AND confidence <= 1', name=op.f('ck_boost_recommendations_confidence_unit')),
    sa.CheckConstraint('priority >= 1 AND priority <= 5', name=op.f('ck_boost_recommendations_priority_range')),
    sa.ForeignKeyConstraint(['applied_by_user_id'], ['users.id'], name=op.f('fk_boost_recommendations_applied_by_user_id'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resulting_boost_id'], ['boost_campaigns.id'], name=op.f('fk_boost_recommendations_resulting_boost_id'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['suggested_post_id'], ['social_posts.id'], name=op.f('fk_boost_recommendations_suggested_post_id'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_boost_recommendations_workspace_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_boost_recommendations'))
    )
    with op.batch_alter_table('boost_recommendations', schema=None) as batch_op:
        batch_op.create_index('ix_boost_recommendations_confidence', ['confidence'], unique=False)
        batch_op.create_index('ix_boost_recommendations_created_at', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_boost_recommendations_fingerprint'), ['fingerprint'], unique=False)
        batch_op.create_index(batch_op.f('ix_boost_recommendations_workspace_id'), ['workspace_id'], unique=False)
        batch_op.create_index('ix_boost_recommendations_workspace_status', ['workspace_id', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('boost_recommendations', schema=None) as batch_op:
        batch_op.drop_index('ix_boost_recommendations_workspace_status')
        batch_op.drop_index(batch_op.f('ix_boost_recommendations_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_boost_recommendations_fingerprint'))
        batch_op.drop_index('ix_boost_recommendations_created_at')
        batch_op.drop_index('ix_boost_recommendations_confidence')

    op.drop_table('boost_recommendations')
    with op.batch_alter_table('boost_performance_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_boost_performance_snapshots_workspace_id'))
        batch_op.drop_index('ix_boost_performance_snapshots_snapshot_at')

    op.drop_table('boost_performance_snapshots')
    with op.batch_alter_table('boost_ml_training_data', schema=None) as batch_op:
        batch_op.drop_index('ix_boost_ml_training_data_workspace_ready')
        batch_op.drop_index(batch_op.f('ix_boost_ml_training_data_workspace_id'))
        batch_op.drop_index('ix_boost_ml_training_data_aggregated_at')

    op.drop_table('boost_ml_training_data')
    with op.batch_alter_table('boost_attribution_events', schema=None) as batch_op:
        batch_op.drop_index('ix_boost_attribution_events_workspace_occurred')
        batch_op.drop_index(batch_op.f('ix_boost_attribution_events_workspace_id'))
        batch_op.drop_index('ix_boost_attribution_events_user')
        batch_op.drop_index('ix_boost_attribution_events_session')
        batch_op.drop_index('ix_boost_attribution_events_boost_occurred')

    op.drop_table('boost_attribution_events')
    with op.batch_alter_table('organic_post_metrics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organic_post_metrics_workspace_id'))

    op.drop_table('organic_post_metrics')
    with op.batch_alter_table('boost_campaigns', schema=None) as batch_op:
        batch_op.drop_index('ix_boost_campaigns_workspace_status')
        batch_op.drop_index(batch_op.f('ix_boost_campaigns_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_boost_campaigns_original_post_id'))
        batch_op.drop_index(batch_op.f('ix_boost_campaigns_experiment_variant_id'))
        batch_op.drop_index(batch_op.f('ix_boost_campaigns_campaign_id'))
        batch_op.drop_index('ix_boost_campaigns_boosted_at')

    op.drop_table('boost_campaigns')
    with op.batch_alter_table('social_posts', schema=None) as batch_op:
        batch_op.drop_index('ix_social_posts_workspace_published')
        batch_op.drop_index(batch_op.f('ix_social_posts_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_social_posts_account_id'))

    op.drop_table('social_posts')
    with op.batch_alter_table('boost_experiment_variants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_boost_experiment_variants_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_boost_experiment_variants_experiment_id'))

    op.drop_table('boost_experiment_variants')
    with op.batch_alter_table('ad_campaign_metrics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ad_campaign_metrics_workspace_id'))

    op.drop_table('ad_campaign_metrics')
    with op.batch_alter_table('trained_models', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trained_models_workspace_id'))

    op.drop_table('trained_models')
    with op.batch_alter_table('social_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_social_accounts_workspace_id'))

    op.drop_table('social_accounts')
    with op.batch_alter_table('privacy_opt_outs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_opt_outs_workspace_id'))

    op.drop_table('privacy_opt_outs')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_user_id'))

    op.drop_table('memberships')
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_runs_workspace_id'))
        batch_op.drop_index('ix_job_runs_job_started')

    op.drop_table('job_runs')
    with op.batch_alter_table('boost_insights', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_boost_insights_workspace_id'))
        batch_op.drop_index('ix_boost_insights_workspace_acknowledged')
        batch_op.drop_index('ix_boost_insights_severity_acknowledged')
        batch_op.drop_index(batch_op.f('ix_boost_insights_fingerprint'))
        batch_op.drop_index('ix_boost_insights_created_at')

    op.drop_table('boost_insights')
    with op.batch_alter_table('boost_experiments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_boost_experiments_workspace_id'))

    op.drop_table('boost_experiments')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('ad_campaigns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ad_campaigns_workspace_id'))

    op.drop_table('ad_campaigns')
    op.drop_table('workspaces')
    op.drop_table('users')
    op.drop_table('job_leases')
