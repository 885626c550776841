"""Boosts (an organic post promoted through a paid campaign) and their performance snapshots.

Tables and fields of the plan (../shared/PLAN.md, ``boost_campaigns`` and
``boost_performance_snapshots``); money in integer cents, rates as fractions.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from boostloop.enums import BoostSource, BoostStatus, Platform
from boostloop.server.db.base import Base, CreatedAt, Timestamps, UUIDPrimaryKey, workspace_fk
from boostloop.server.db.types import JSONType, UTCDateTime, enum_column

# boostedBy when the boost came from an applied recommendation rather than a person's own choice.
RECOMMENDER = "AI_AGENT"


class BoostCampaign(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "boost_campaigns"
    __table_args__ = (
        sa.Index("ix_boost_campaigns_boosted_at", "boosted_at"),
        sa.Index("ix_boost_campaigns_workspace_status", "workspace_id", "status"),
        sa.CheckConstraint("initial_budget_cents >= 0", name="budget_non_negative"),
        sa.CheckConstraint("duration_days >= 0", name="duration_non_negative"),
    )

    workspace_id: Mapped[uuid.UUID] = workspace_fk()
    original_post_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("social_posts.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # Nullable: a boost can be recorded first and its campaign linked later.
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("ad_campaigns.id", ondelete="SET NULL"), nullable=True, index=True
    )
    platform: Mapped[Platform] = mapped_column(enum_column(Platform, "platform"), nullable=False)

    boosted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    boosted_by: Mapped[str] = mapped_column(sa.String(64), nullable=False)  # user id or RECOMMENDER
    boosted_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    boost_reason: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    boost_strategy: Mapped[str] = mapped_column(sa.String(64), nullable=False, default="MANUAL")
    source: Mapped[BoostSource] = mapped_column(
        enum_column(BoostSource, "boost_source"), nullable=False, default=BoostSource.MANUAL
    )

    # The post's own organic lifetime metrics at boosted_at (not account totals):
    # {impressions, engagements, reach, likes, comments, shares, clicks, video_views, captured_at,
    #  estimated: bool}.
    organic_metrics: Mapped[dict] = mapped_column(JSONType, nullable=False)
    # {age_min, age_max, genders, interests: [...], locations: [...], segment}
    targeting_criteria: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    initial_budget_cents: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    duration_days: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    # Hours between snapshots while the boost is ACTIVE.
    snapshot_cadence_hours: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    status: Mapped[BoostStatus] = mapped_column(
        enum_column(BoostStatus, "boost_status"), nullable=False, default=BoostStatus.ACTIVE
    )
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    experiment_variant_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("boost_experiment_variants.id", ondelete="SET NULL"), nullable=True, index=True
    )

    snapshots: Mapped[list[BoostPerformanceSnapshot]] = relationship(
        back_populates="boost", cascade="all, delete-orphan", passive_deletes=True
    )


class BoostPerformanceSnapshot(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "boost_performance_snapshots"
    __table_args__ = (
        # One snapshot per (boost, time) however often collection runs.
        sa.UniqueConstraint("boost_campaign_id", "snapshot_at"),
        sa.Index("ix_boost_performance_snapshots_snapshot_at", "snapshot_at"),
    )

    workspace_id: Mapped[uuid.UUID] = workspace_fk()
    boost_campaign_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("boost_campaigns.id", ondelete="CASCADE"), nullable=False
    )
    snapshot_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    days_since_boosted: Mapped[int] = mapped_column(sa.Integer, nullable=False)

    organic_impressions: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    organic_engagements: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    organic_reach: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)

    paid_impressions: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    paid_reach: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    paid_clicks: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    paid_conversions: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    paid_conversion_value_cents: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    paid_spend_cents: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    paid_ctr: Mapped[float] = mapped_column(sa.Float, nullable=False, default=0.0)  # clicks / impressions
    paid_cpa: Mapped[float | None] = mapped_column(sa.Float, nullable=True)  # cents per conversion
    paid_roas: Mapped[float | None] = mapped_column(sa.Float, nullable=True)  # value / spend

    attributed_organic: Mapped[float] = mapped_column(sa.Float, nullable=False, default=0.0)
    attributed_paid: Mapped[float] = mapped_column(sa.Float, nullable=False, default=0.0)
    attributed_overlap: Mapped[float] = mapped_column(sa.Float, nullable=False, default=0.0)
    attributed_value_cents: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)

    incremental_reach: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    incremental_reach_estimated: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    cost_per_result: Mapped[float | None] = mapped_column(sa.Float, nullable=True)  # cents
    total_roi: Mapped[float | None] = mapped_column(sa.Float, nullable=True)

    boost: Mapped[BoostCampaign] = relationship(back_populates="snapshots")
