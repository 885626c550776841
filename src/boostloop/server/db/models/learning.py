"""Training rows, trained outcome models, and recommendations (plan tables ``boost_ml_training_data`` and
``boost_recommendations``)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from boostloop.enums import RecommendationStatus, RecommendationType
from boostloop.server.db.base import Base, CreatedAt, Timestamps, UUIDPrimaryKey, workspace_fk
from boostloop.server.db.types import JSONType, UTCDateTime, enum_column


class BoostMlTrainingData(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "boost_ml_training_data"
    __table_args__ = (
        sa.Index("ix_boost_ml_training_data_workspace_ready", "workspace_id", "is_training_ready"),
        sa.Index("ix_boost_ml_training_data_aggregated_at", "aggregated_at"),
        sa.CheckConstraint("data_quality_score >= 0 AND data_quality_score <= 1", name="quality_unit"),
    )

    workspace_id: Mapped[uuid.UUID] = workspace_fk()
    # One row per boost: rebuilt in place, never duplicated.
    boost_campaign_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("boost_campaigns.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    features: Mapped[dict] = mapped_column(JSONType, nullable=False)
    labels: Mapped[dict] = mapped_column(JSONType, nullable=False)
    data_quality_score: Mapped[float] = mapped_column(sa.Float, nullable=False)
    is_training_ready: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    aggregated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class TrainedModel(UUIDPrimaryKey, CreatedAt, Base):
    """A record of each outcome model trained: version, rows, validation error, interval coverage."""

    __tablename__ = "trained_models"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "version"),)

    workspace_id: Mapped[uuid.UUID] = workspace_fk()
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    algorithm: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    training_rows: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    validation: Mapped[dict] = mapped_column(JSONType, nullable=False)  # errors, coverage per group
    artifact: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True)
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class BoostRecommendation(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "boost_recommendations"
    __table_args__ = (
        sa.Index("ix_boost_recommendations_workspace_status", "workspace_id", "status"),
        sa.Index("ix_boost_recommendations_confidence", "confidence"),
        sa.Index("ix_boost_recommendations_created_at", "created_at"),
        sa.CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence_unit"),
        sa.CheckConstraint("priority >= 1 AND priority <= 5", name="priority_range"),
    )

    workspace_id: Mapped[uuid.UUID] = workspace_fk()
    suggested_post_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("social_posts.id", ondelete="SET NULL"), nullable=True
    )
    recommendation_type: Mapped[RecommendationType] = mapped_column(
        enum_column(RecommendationType, "recommendation_type"), nullable=False
    )
    confidence: Mapped[float] = mapped_column(sa.Float, nullable=False)
    priority: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    suggested_budget_cents: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    suggested_duration_days: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    suggested_timing: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    suggested_targeting: Mapped[dict] = mapped_column(JSONType, nullable=False)
    projected_reach: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    projected_conversions: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    projected_roi: Mapped[float] = mapped_column(sa.Float, nullable=False)
    # {"reach": {"low", "high"}, "conversions": {...}, "roi": {...}, "level": 0.9}
    confidence_interval: Mapped[dict] = mapped_column(JSONType, nullable=False)
    reason: Mapped[str] = mapped_column(sa.Text, nullable=False)
    supporting_data: Mapped[dict] = mapped_column(JSONType, nullable=False)
    # Identifies "the same recommendation" so that a live one is not created twice.
    fingerprint: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    model_version: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)

    status: Mapped[RecommendationStatus] = mapped_column(
        enum_column(RecommendationStatus, "recommendation_status"),
        nullable=False,
        default=RecommendationStatus.PENDING,
    )
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    applied_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resulting_boost_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("boost_campaigns.id", ondelete="SET NULL"), nullable=True
    )
    # Realised outcome of the resulting boost once it finished, set against the projection.
    realised_outcome: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
