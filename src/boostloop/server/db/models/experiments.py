"""A/B tests of boost strategies: experiments and their variants with sufficient statistics."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from boostloop.enums import ExperimentDimension, ExperimentStatus
from boostloop.server.db.base import Base, CreatedAt, Timestamps, UUIDPrimaryKey, workspace_fk
from boostloop.server.db.types import JSONType, UTCDateTime, enum_column


class BoostExperiment(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "boost_experiments"

    workspace_id: Mapped[uuid.UUID] = workspace_fk()
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    hypothesis: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    dimension: Mapped[ExperimentDimension] = mapped_column(
        enum_column(ExperimentDimension, "experiment_dimension"), nullable=False
    )
    primary_metric: Mapped[str] = mapped_column(sa.String(64), nullable=False, default="conversion_rate")
    guardrail_metrics: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)
    status: Mapped[ExperimentStatus] = mapped_column(
        enum_column(ExperimentStatus, "experiment_status"), nullable=False, default=ExperimentStatus.DRAFT
    )
    assignment_seed: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    alpha: Mapped[float] = mapped_column(sa.Float, nullable=False, default=0.05)
    min_sample_per_variant: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1000)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    winner_variant_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)

    variants: Mapped[list[BoostExperimentVariant]] = relationship(
        back_populates="experiment", cascade="all, delete-orphan", passive_deletes=True,
        order_by="BoostExperimentVariant.position",
    )


class BoostExperimentVariant(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "boost_experiment_variants"
    __table_args__ = (sa.UniqueConstraint("experiment_id", "name"),)

    workspace_id: Mapped[uuid.UUID] = workspace_fk()
    experiment_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("boost_experiments.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    is_control: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    strategy: Mapped[dict] = mapped_column(JSONType, nullable=False)  # what this variant does differently
    allocation: Mapped[float] = mapped_column(sa.Float, nullable=False, default=1.0)  # expected traffic share
    # Sufficient statistics of the recorded results.
    exposures: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)  # n (people reached)
    conversions: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    metric_sum: Mapped[float] = mapped_column(sa.Float, nullable=False, default=0.0)
    metric_sum_sq: Mapped[float] = mapped_column(sa.Float, nullable=False, default=0.0)
    spend_cents: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)

    experiment: Mapped[BoostExperiment] = relationship(back_populates="variants")
