"""Insights and best practices (plan table ``boost_insights``)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from boostloop.enums import InsightCategory, InsightSeverity, InsightType
from boostloop.server.db.base import Base, CreatedAt, UUIDPrimaryKey, workspace_fk
from boostloop.server.db.types import JSONType, UTCDateTime, enum_column


class BoostInsight(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "boost_insights"
    __table_args__ = (
        sa.Index("ix_boost_insights_workspace_acknowledged", "workspace_id", "acknowledged"),
        sa.Index("ix_boost_insights_severity_acknowledged", "severity", "acknowledged"),
        sa.Index("ix_boost_insights_created_at", "created_at"),
    )

    workspace_id: Mapped[uuid.UUID] = workspace_fk()
    insight_type: Mapped[InsightType] = mapped_column(enum_column(InsightType, "insight_type"), nullable=False)
    category: Mapped[InsightCategory] = mapped_column(
        enum_column(InsightCategory, "insight_category"), nullable=False
    )
    severity: Mapped[InsightSeverity] = mapped_column(
        enum_column(InsightSeverity, "insight_severity"), nullable=False
    )
    title: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, nullable=False)
    visualization: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    data_points: Mapped[dict] = mapped_column(JSONType, nullable=False)
    comparison_metrics: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    actionable: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    suggested_actions: Mapped[list | None] = mapped_column(JSONType, nullable=True)
    # Impact used to rank insights of equal severity (e.g. effect size x affected spend).
    impact: Mapped[float] = mapped_column(sa.Float, nullable=False, default=0.0)
    # Identifies "the same insight" so that a live one is not created again.
    fingerprint: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    period_start: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    acknowledged: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    acknowledged_by: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
