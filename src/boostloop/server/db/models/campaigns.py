"""Paid ad campaigns and their delivery metrics by hour or day."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from boostloop.enums import CampaignObjective, CampaignStatus, MetricGranularity, Platform
from boostloop.server.db.base import Base, CreatedAt, Timestamps, UUIDPrimaryKey, workspace_fk
from boostloop.server.db.types import JSONType, UTCDateTime, enum_column


class AdCampaign(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "ad_campaigns"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "platform", "platform_campaign_id"),)

    workspace_id: Mapped[uuid.UUID] = workspace_fk()
    platform: Mapped[Platform] = mapped_column(enum_column(Platform, "platform"), nullable=False)
    platform_campaign_id: Mapped[str] = mapped_column(sa.String(128), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(300), nullable=False, default="")
    objective: Mapped[CampaignObjective] = mapped_column(
        enum_column(CampaignObjective, "campaign_objective"), nullable=False
    )
    status: Mapped[CampaignStatus] = mapped_column(
        enum_column(CampaignStatus, "campaign_status"), nullable=False, default=CampaignStatus.ACTIVE
    )
    # The organic post the ad's creative promotes, when the platform says so (used by backfill).
    promoted_platform_post_id: Mapped[str | None] = mapped_column(sa.String(128), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    extra: Mapped[dict | None] = mapped_column(JSONType, nullable=True)


class AdCampaignMetric(UUIDPrimaryKey, CreatedAt, Base):
    """Delivery of one campaign during one hour or day starting at ``period_start`` (not cumulative).

    ``reach`` is the platform's unique reach within the period when reported; unique reach does not add
    up across periods, so a lifetime figure comes from the platform, not from summing these rows.
    """

    __tablename__ = "ad_campaign_metrics"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "granularity", "period_start"),
        sa.CheckConstraint("spend_cents >= 0", name="spend_non_negative"),
    )

    workspace_id: Mapped[uuid.UUID] = workspace_fk()
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("ad_campaigns.id", ondelete="CASCADE"), nullable=False
    )
    granularity: Mapped[MetricGranularity] = mapped_column(
        enum_column(MetricGranularity, "metric_granularity"), nullable=False
    )
    period_start: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    impressions: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    reach: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    clicks: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    conversions: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    conversion_value_cents: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    spend_cents: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
